use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::kinesis::hash_key::{tiles_space, HASH_KEY_MAX};
use crate::kinesis::sequence::{next_sequence_number, stream_tag};

const T0: u64 = 1_700_000_000_000;
const CTX: StreamContext<'static> = StreamContext {
    stream_name: "s",
    account_id: "000000000000",
};

fn set(n: u32) -> ShardSet {
    ShardSet::new(n, stream_tag(T0), T0)
}

/// Ends a shard as a log would after one record.
fn one_record_end(s: &Shard) -> SequenceNumber {
    SequenceNumber::shard_end(next_sequence_number(s.starting_sequence, T0, None), T0)
}

fn open_ranges(set: &ShardSet) -> Vec<HashKeyRange> {
    let mut r: Vec<HashKeyRange> = set.open_shards().map(|s| s.hash_range).collect();
    r.sort();
    r
}

#[test]
fn new_streams_get_even_shards() {
    let s = set(3);
    assert_eq!(s.next_index, 3);
    let ids: Vec<String> = s.shards.iter().map(Shard::id).collect();
    assert_eq!(
        ids,
        [
            "shardId-000000000000",
            "shardId-000000000001",
            "shardId-000000000002"
        ]
    );
    assert_eq!(
        s.shards[0].hash_range.end.to_string(),
        "113427455640312821154458202477256070484"
    );
    assert!(s
        .shards
        .iter()
        .all(|sh| sh.is_open() && sh.parent.is_none()));
    assert_eq!(s.shard_for(HASH_KEY_MAX).unwrap().index, 2);
    assert!(s.child_shards(0).is_empty());
}

#[test]
fn split_checks_use_awss_texts() {
    let s = set(3);
    let e = check_split(&s, "shardId-000000000000", "1", CTX).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert_eq!(
        e.message,
        "NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream s \
         under account 000000000000 is not both greater than one plus the shard's StartingHashKey \
         0 and less than the shard's EndingHashKey 113427455640312821154458202477256070484."
    );
    let end = s.shards[0].hash_range.end.to_string();
    assert!(check_split(&s, "shardId-000000000000", &end, CTX).is_err());
    assert!(check_split(&s, "shardId-000000000000", "2", CTX).is_ok());
    let too_big = "340282366920938463463374607431768211456";
    let e = check_split(&s, "shardId-000000000002", too_big, CTX).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    let e = check_split(&s, "shardId-000000000000", "01", CTX).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    let e = check_split(&s, "shardId-000000000009", "5", CTX).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);
    assert_eq!(
        e.message,
        "Could not find shard shardId-000000000009 in stream s under account 000000000000."
    );
    let e = check_split(&s, "nope", "5", CTX).unwrap_err();
    assert_eq!(
        e.message,
        "Could not find shard nope in stream s under account 000000000000."
    );
    // Shard ids resolve by their number, and errors name the canonical id.
    let e = check_split(&s, "x-0", "1", CTX).unwrap_err();
    assert!(e.message.contains("on shard shardId-000000000000"));
}

#[test]
fn splits_close_the_parent_and_open_two_children() {
    let mut s = set(1);
    let step = check_split(&s, "shardId-000000000000", &(1u128 << 127).to_string(), CTX).unwrap();
    let children = s.apply(step, T0 + 5, &mut one_record_end);
    assert_eq!(children, [1, 2]);
    let parent = s.get(0).unwrap();
    assert!(!parent.is_open());
    assert_eq!(parent.closed_at_ms, Some(T0 + 5));
    assert!(parent.ending_sequence.unwrap() > parent.starting_sequence);
    let left = s.get(1).unwrap();
    assert_eq!(left.parent, Some(0));
    assert_eq!(left.hash_range, HashKeyRange::new(0, (1u128 << 127) - 1));
    assert_eq!(left.starting_sequence.shard_index, 1);
    assert_eq!(s.get(2).unwrap().hash_range.end, HASH_KEY_MAX);
    assert!(tiles_space(&open_ranges(&s)));
    let kids = s.child_shards(0);
    assert_eq!(kids.len(), 2);
    assert_eq!(kids[0].parent_shards, ["shardId-000000000000"]);
    let e = check_split(&s, "shardId-000000000000", "5", CTX).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::ResourceInUse);
    assert_eq!(
        e.message,
        "Shard shardId-000000000000 in stream s under account 000000000000 has already been \
         merged or split, and thus is not eligible for merging or splitting."
    );
}

#[test]
fn merges_need_an_adjacent_pair_in_order() {
    let mut s = set(3);
    let e = check_merge(&s, "shardId-000000000000", "shardId-000000000002", CTX).unwrap_err();
    assert_eq!(
        e.message,
        "Shards shardId-000000000000 and shardId-000000000002 in stream s under account \
         000000000000 are not an adjacent pair of shards eligible for merging"
    );
    assert!(check_merge(&s, "shardId-000000000001", "shardId-000000000000", CTX).is_err());
    let step = check_merge(&s, "shardId-000000000000", "shardId-000000000001", CTX).unwrap();
    let child = s.apply(step, T0 + 1, &mut one_record_end);
    assert_eq!(child, [3]);
    let merged = s.get(3).unwrap();
    assert_eq!((merged.parent, merged.adjacent_parent), (Some(0), Some(1)));
    assert_eq!(merged.hash_range.start, 0);
    assert_eq!(merged.hash_range.end, s.get(1).unwrap().hash_range.end);
    let kids = s.child_shards(1);
    assert_eq!(
        kids[0].parent_shards,
        ["shardId-000000000000", "shardId-000000000001"]
    );
    assert_eq!(s.open_count(), 2);
    assert!(tiles_space(&open_ranges(&s)));
}

#[test]
fn update_shard_count_limits_use_awss_texts() {
    assert!(check_update_shard_count(2, 4, 500).is_ok());
    assert!(check_update_shard_count(3, 2, 500).is_ok());
    assert!(check_update_shard_count(4, 2, 500).is_ok());
    let e = check_update_shard_count(2, 6, 500).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::LimitExceeded);
    assert_eq!(
        e.message,
        "UpdateShardCount cannot scale up over double your current open shard count. Current \
         open shard count: 2, Target shard count: 6"
    );
    let e = check_update_shard_count(5, 2, 500).unwrap_err();
    assert!(e
        .message
        .starts_with("UpdateShardCount cannot scale down below half"));
    let e = check_update_shard_count(400, 600, 500).unwrap_err();
    assert!(e
        .message
        .starts_with("Target shard count or number of open shards cannot be greater than 500."));
}

fn scale(from: u32, to: u32) -> ShardSet {
    let mut s = set(from);
    let plan = uniform_scaling_plan(&s, to);
    let parents = plan_parents(&s, &plan);
    let endings: BTreeMap<u32, SequenceNumber> = parents
        .iter()
        .map(|&i| (i, one_record_end(s.get(i).unwrap())))
        .collect();
    s.apply_plan(&plan, &endings, T0 + 10);
    s
}

#[test]
fn uniform_scaling_leaves_the_shard_totals_aws_answers() {
    // (initial, target, every shard DescribeStream lists afterwards), as recorded from AWS.
    for (from, to, total) in [
        (2, 4, 6),
        (4, 5, 15),
        (10, 13, 37),
        (4, 2, 6),
        (5, 3, 7),
        (10, 3, 17),
    ] {
        let s = scale(from, to);
        assert_eq!(s.shards.len(), total, "{from} -> {to}");
        assert_eq!(s.open_count(), to, "{from} -> {to}");
        assert!(tiles_space(&open_ranges(&s)));
        for shard in s.shards.iter().filter(|sh| !sh.is_open()) {
            assert!(shard.ending_sequence.unwrap() > shard.starting_sequence);
        }
    }
    // Doubling splits every shard in half: exactly even.
    assert_eq!(open_ranges(&scale(4, 8)), even_ranges(8));
    assert_eq!(open_ranges(&scale(2, 1)), even_ranges(1));
    // Already there: nothing to do.
    assert!(uniform_scaling_plan(&set(4), 4).is_empty());
}

#[test]
fn list_shards_filters() {
    // Two shards at T0; shard 0 split at T1 into 2 and 3.
    let t1 = T0 + 60_000;
    let mut s = set(2);
    let step = check_split(&s, "shardId-000000000000", "12345", CTX).unwrap();
    s.apply(step, t1, &mut one_record_end);
    let ids = |filter: Option<ShardFilter>, th: u64| -> Vec<u32> {
        list_shards(
            &s,
            ListShardsQuery {
                filter,
                ..Default::default()
            },
            th,
        )
        .shards
        .iter()
        .map(|s| s.index)
        .collect()
    };
    use ShardFilter::*;
    let table: [(Option<ShardFilter>, u64, &[u32]); 14] = [
        (None, T0, &[0, 1, 2, 3]),
        (Some(AtLatest), T0, &[1, 2, 3]),
        (Some(AtTrimHorizon), T0, &[0, 1]),
        (Some(FromTrimHorizon), T0, &[0, 1, 2, 3]),
        (Some(AtTrimHorizon), t1 + 1, &[1, 2, 3]),
        (Some(AtTimestamp(T0 + 1)), T0, &[0, 1]),
        (Some(AtTimestamp(t1)), T0, &[1, 2, 3]),
        (Some(AtTimestamp(T0 - 1_000)), T0, &[0, 1]),
        (Some(FromTimestamp(T0 + 1)), T0, &[0, 1, 2, 3]),
        // Shard 0 may hold records that arrived in the millisecond it closed.
        (Some(FromTimestamp(t1)), T0, &[0, 1, 2, 3]),
        (Some(FromTimestamp(t1 + 1)), T0, &[1, 2, 3]),
        (None, t1, &[0, 1, 2, 3]),
        (Some(AfterShardId(1)), T0, &[2, 3]),
        (None, t1 + 1, &[1, 2, 3]),
    ];
    for (filter, th, want) in table {
        assert_eq!(ids(filter, th), want, "{filter:?} at trim horizon {th}");
    }
}

#[test]
fn list_shards_pages() {
    let s = set(5);
    let page = list_shards(
        &s,
        ListShardsQuery {
            max_results: Some(2),
            ..Default::default()
        },
        T0,
    );
    assert_eq!(page.shards.len(), 2);
    assert_eq!(page.more_after, Some(1));
    let page = list_shards(
        &s,
        ListShardsQuery {
            after_index: Some(1),
            max_results: Some(3),
            ..Default::default()
        },
        T0,
    );
    assert_eq!(
        page.shards.iter().map(|s| s.index).collect::<Vec<_>>(),
        [2, 3, 4]
    );
    assert_eq!(page.more_after, None);
    let token = ListShardsToken {
        stream_name: "s".into(),
        stream_created_at_ms: T0,
        after_index: 1,
        filter: Some(ShardFilter::AtTimestamp(T0)),
        issued_at_ms: T0,
    };
    let text = token.encode();
    assert_eq!(ListShardsToken::decode(&text, T0 + 300_000).unwrap(), token);
    let e = ListShardsToken::decode(&text, T0 + 300_001).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::ExpiredNextToken);
    let e = ListShardsToken::decode("garbage", T0).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert_eq!(
        check_list_limit(0, "maxResults").unwrap_err().kind,
        KinesisErrorKind::Validation
    );
    assert_eq!(check_list_limit(10_000, "maxResults").unwrap(), 10_000);
    let big = set(1_500);
    let page = list_shards(
        &big,
        ListShardsQuery {
            max_results: Some(10_000),
            ..Default::default()
        },
        T0,
    );
    assert_eq!((page.shards.len(), page.more_after), (1_000, Some(999)));
    assert!(check_list_limit(10_001, "maxResults").is_err());
}

#[test]
fn shard_filters_parse() {
    assert_eq!(
        parse_shard_filter("AT_LATEST", None, None).unwrap(),
        ShardFilter::AtLatest
    );
    assert_eq!(
        parse_shard_filter("AFTER_SHARD_ID", Some("shardId-000000000004"), None).unwrap(),
        ShardFilter::AfterShardId(4)
    );
    assert!(parse_shard_filter("AFTER_SHARD_ID", None, None).is_err());
    assert!(parse_shard_filter("AT_TIMESTAMP", None, None).is_err());
    assert_eq!(
        parse_shard_filter("FROM_TIMESTAMP", None, Some(5)).unwrap(),
        ShardFilter::FromTimestamp(5)
    );
    assert_eq!(
        parse_shard_filter("SIDEWAYS", None, None).unwrap_err().kind,
        KinesisErrorKind::Validation
    );
}

#[test]
fn expired_shards_leave_the_set() {
    let mut s = set(1);
    let step = check_split(&s, "shardId-000000000000", "99", CTX).unwrap();
    s.apply(step, T0 + 10, &mut one_record_end);
    // Kept while the horizon is at its closing millisecond, which may hold its last record.
    assert!(s.expire(T0 + 10).is_empty());
    assert_eq!(s.expire(T0 + 11), [0]);
    assert_eq!(s.shards.len(), 2);
    assert_eq!(s.next_index, 3);
}

fn reshaped(initial: u32, splits: &[u128]) -> ShardSet {
    let mut s = set(initial);
    for (i, &k) in splits.iter().enumerate() {
        let open: Vec<Shard> = s.open_shards().cloned().collect();
        let shard = &open[i % open.len()];
        let r = shard.hash_range;
        let width = r.end - r.start;
        if width > 1 << 20 {
            // Somewhere in the middle half, so no shard gets too narrow to split.
            let key = r.start + width / 4 + k % (width / 2);
            let step = check_split(&s, &shard.id(), &key.to_string(), CTX).unwrap();
            s.apply(step, T0 + i as u64, &mut one_record_end);
        }
    }
    s
}

proptest! {
    #[test]
    fn uniform_scaling_reaches_even_ranges_through_valid_steps(
        initial in 1u32..24,
        splits in proptest::collection::vec(any::<u128>(), 0..6),
        pick in 0u32..1000,
    ) {
        let s = reshaped(initial, &splits);
        let open = s.open_count();
        let low = open.div_ceil(2);
        let target = low + pick % (2 * open - low + 1);
        prop_assert!(check_update_shard_count(open, target, 10_000).is_ok());
        let plan = uniform_scaling_plan(&s, target);
        let (splits, merges) = plan.iter().fold((0u32, 0u32), |(s, m), step| match step {
            Reshard::Split { .. } => (s + 1, m),
            Reshard::Merge { .. } => (s, m + 1),
        });
        // One round of splits (every shard) or none, then merges down to the target.
        if target > open {
            prop_assert_eq!(splits, open);
        } else {
            prop_assert_eq!(splits, 0);
        }
        prop_assert_eq!(open + splits - merges, target);
        let mut sim = s.clone();
        for step in &plan {
            // Every step passes the checks AWS applies to SplitShard and MergeShards.
            match *step {
                Reshard::Split { parent, new_starting_hash_key } => {
                    let id = shard_id(parent);
                    prop_assert!(check_split(&sim, &id, &new_starting_hash_key.to_string(), CTX).is_ok());
                }
                Reshard::Merge { shard, adjacent } => {
                    prop_assert!(check_merge(&sim, &shard_id(shard), &shard_id(adjacent), CTX).is_ok());
                }
            }
            sim.apply(*step, T0 + 100, &mut one_record_end);
            prop_assert!(tiles_space(&open_ranges(&sim)));
        }
        prop_assert_eq!(sim.open_count(), target);
    }

    #[test]
    fn every_listing_is_sorted_and_paged_without_loss(initial in 1u32..12, splits in proptest::collection::vec(any::<u128>(), 0..8), page in 1u32..5) {
        let s = reshaped(initial, &splits);
        let all = list_shards(&s, ListShardsQuery::default(), T0).shards;
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let p = list_shards(&s, ListShardsQuery { after_index: after, max_results: Some(page), filter: None }, T0);
            seen.extend(p.shards);
            match p.more_after {
                Some(i) => after = Some(i),
                None => break,
            }
        }
        prop_assert_eq!(seen, all);
    }
}

#[test]
fn list_shards_requests_refuse_awss_combinations() {
    let start =
        list_shards_start(true, None, Some("shardId-000000000002"), None, Some(5), T0).unwrap();
    assert_eq!(
        start,
        ListShardsStart::Stream(ListShardsQuery {
            after_index: Some(2),
            filter: None,
            max_results: Some(5)
        })
    );
    let e = list_shards_start(false, None, None, None, None, T0).unwrap_err();
    assert_eq!(
        e.message,
        "Either NextToken or StreamName should be provided."
    );
    let token = ListShardsToken {
        stream_name: "s".into(),
        stream_created_at_ms: T0,
        after_index: 4,
        filter: None,
        issued_at_ms: T0,
    };
    let text = token.encode();
    let e = list_shards_start(true, Some(&text), None, None, None, T0).unwrap_err();
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert_eq!(
        e.message,
        "NextToken and StreamName cannot be provided together."
    );
    assert!(list_shards_start(false, Some(&text), Some("shardId-1"), None, None, T0).is_err());
    assert!(list_shards_start(
        false,
        Some(&text),
        None,
        Some(ShardFilter::AtLatest),
        None,
        T0
    )
    .is_err());
    assert_eq!(
        list_shards_start(false, Some(&text), None, None, Some(3), T0 + 1).unwrap(),
        ListShardsStart::Token(token, Some(3))
    );
}

#[test]
fn describe_stream_pages_by_a_hundred() {
    let s = set(150);
    let (shards, more) = describe_stream_shards(&s, None, Some(10_000), T0);
    assert_eq!((shards.len(), more), (100, true));
    let (shards, more) = describe_stream_shards(&s, Some("shardId-000000000099"), None, T0);
    assert_eq!((shards.len(), more), (50, false));
    assert_eq!(shards[0].index, 100);
}

#[test]
fn an_abandoned_close_is_repaired_with_one_child_over_the_range() {
    let created = 1_700_000_000_000;
    let mut set = ShardSet::new(2, 7, created);
    let range = set.get(1).unwrap().hash_range;
    let ending = SequenceNumber::shard_end(set.get(1).unwrap().starting_sequence, created + 5);
    let child = set.replace_closed(1, ending, created + 10);
    assert_eq!(child, 2);
    assert_eq!(set.get(1).unwrap().ending_sequence, Some(ending));
    let c = set.get(2).unwrap();
    assert_eq!(
        (c.parent, c.adjacent_parent, c.hash_range),
        (Some(1), None, range)
    );
    assert_eq!(set.open_count(), 2);
    assert_eq!(set.child_shards(1)[0].shard_id, "shardId-000000000002");
    assert_eq!(set.shard_for(u128::MAX).unwrap().index, 2);
}
