//! Shards and their lineage: the shard model, SplitShard, MergeShards, UpdateShardCount's
//! UNIFORM_SCALING, ListShards' filters and paging, and ChildShards.
//!
//! A stream's shards live in a [`ShardSet`]: every shard it ever had that retention has
//! not yet expired, in index order, plus the next index to give out. Resharding never
//! changes a shard's range: it closes parents (each gets an EndingSequenceNumber, which
//! only the record log can give, since it must follow the shard's last record) and opens
//! children with the next indexes, which name their parents. The open shards' ranges
//! always tile the hash key space.
//!
//! Everything here is pure: the service validates with the `check_*` functions, asks the
//! log to close the parents, applies the change to a copy of the set and stores it.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::error::{KinesisError, KinesisErrorKind, KinesisResult};
use super::hash_key::{even_ranges, parse_hash_key, HashKey, HashKeyRange};
use super::limits::{
    DESCRIBE_STREAM_SHARDS_PAGE_MAX, LIST_LIMIT_MAX, LIST_LIMIT_MIN, LIST_SHARDS_PAGE_MAX,
    NEXT_TOKEN_LIFETIME_MS, UPDATE_SHARD_COUNT_MAX_FACTOR,
};
use super::names::{parse_shard_id, shard_id};
use super::sequence::SequenceNumber;
use crate::clock::EpochMs;

/// One shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// `shardId-{index:012}`.
    pub index: u32,
    /// The shard this one was split from, or the ShardToMerge it was merged from.
    pub parent: Option<u32>,
    /// The AdjacentShardToMerge it was merged from.
    pub adjacent_parent: Option<u32>,
    pub hash_range: HashKeyRange,
    pub starting_sequence: SequenceNumber,
    /// Set when the shard is closed by a split, merge or scaling; it then takes no record.
    pub ending_sequence: Option<SequenceNumber>,
    pub created_at_ms: EpochMs,
    pub closed_at_ms: Option<EpochMs>,
}

impl Shard {
    pub fn id(&self) -> String {
        shard_id(self.index)
    }

    pub fn is_open(&self) -> bool {
        self.ending_sequence.is_none()
    }

    /// Whether the shard was open at `t`: created at or before it (a stream's first shards
    /// count from the stream's creation) and not closed by then.
    fn open_at(&self, t: EpochMs) -> bool {
        self.created_at_ms <= t && self.closed_at_ms.is_none_or(|closed| closed > t)
    }

    /// Whether the shard may hold records from `t` on: open, or closed at or after `t`
    /// (a record can arrive in the millisecond its shard closes).
    fn open_after(&self, t: EpochMs) -> bool {
        self.closed_at_ms.is_none_or(|closed| closed >= t)
    }
}

/// A child in a GetRecords or SubscribeToShard answer at the end of a closed shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildShard {
    pub shard_id: String,
    pub parent_shards: Vec<String>,
    pub hash_range: HashKeyRange,
}

/// One resharding step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reshard {
    /// Close `parent`; open `[start, key - 1]` and `[key, end]`.
    Split {
        parent: u32,
        new_starting_hash_key: HashKey,
    },
    /// Close both; open their union. `shard`'s range comes just before `adjacent`'s.
    Merge { shard: u32, adjacent: u32 },
}

/// Where a stream is, for error texts.
#[derive(Debug, Clone, Copy)]
pub struct StreamContext<'a> {
    pub stream_name: &'a str,
    pub account_id: &'a str,
}

/// A stream's shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSet {
    /// Every shard not yet expired, by index.
    pub shards: Vec<Shard>,
    pub next_index: u32,
    /// The stream's sequence-number tag (`sequence::stream_tag` of its creation time).
    pub stream_tag: u64,
}

impl ShardSet {
    /// A new stream's shards: `count` open shards over even ranges, as AWS creates them.
    pub fn new(count: u32, stream_tag: u64, created_at_ms: EpochMs) -> Self {
        let shards = even_ranges(count)
            .into_iter()
            .zip(0..)
            .map(|(hash_range, index)| Shard {
                index,
                parent: None,
                adjacent_parent: None,
                hash_range,
                starting_sequence: SequenceNumber::shard_start(index, stream_tag, created_at_ms),
                ending_sequence: None,
                created_at_ms,
                closed_at_ms: None,
            })
            .collect();
        Self {
            shards,
            next_index: count,
            stream_tag,
        }
    }

    pub fn get(&self, index: u32) -> Option<&Shard> {
        self.shards
            .binary_search_by_key(&index, |s| s.index)
            .ok()
            .map(|i| &self.shards[i])
    }

    fn get_mut(&mut self, index: u32) -> Option<&mut Shard> {
        self.shards
            .binary_search_by_key(&index, |s| s.index)
            .ok()
            .map(|i| &mut self.shards[i])
    }

    /// The open shards, by index.
    pub fn open_shards(&self) -> impl Iterator<Item = &Shard> {
        self.shards.iter().filter(|s| s.is_open())
    }

    pub fn open_count(&self) -> u32 {
        self.open_shards().count() as u32
    }

    /// The open shard a record with this hash key goes to.
    pub fn shard_for(&self, key: HashKey) -> Option<&Shard> {
        self.open_shards().find(|s| s.hash_range.contains(key))
    }

    /// The children of a shard (none while it is open).
    pub fn child_shards(&self, index: u32) -> Vec<ChildShard> {
        self.shards
            .iter()
            .filter(|s| s.parent == Some(index) || s.adjacent_parent == Some(index))
            .map(|s| ChildShard {
                shard_id: s.id(),
                parent_shards: s
                    .parent
                    .iter()
                    .chain(&s.adjacent_parent)
                    .map(|&p| shard_id(p))
                    .collect(),
                hash_range: s.hash_range,
            })
            .collect()
    }

    fn open_child(
        &mut self,
        parents: (u32, Option<u32>),
        hash_range: HashKeyRange,
        now: EpochMs,
    ) -> u32 {
        let index = self.next_index;
        self.next_index += 1;
        self.shards.push(Shard {
            index,
            parent: Some(parents.0),
            adjacent_parent: parents.1,
            hash_range,
            starting_sequence: SequenceNumber::shard_start(index, self.stream_tag, now),
            ending_sequence: None,
            created_at_ms: now,
            closed_at_ms: None,
        });
        index
    }

    fn close(&mut self, index: u32, ending: SequenceNumber, now: EpochMs) {
        let shard = self.get_mut(index).expect("closing a shard of the set");
        assert!(shard.is_open(), "closing a closed shard");
        shard.ending_sequence = Some(ending);
        shard.closed_at_ms = Some(now);
    }

    /// Applies one checked step at `now`: closes the parents with the EndingSequenceNumber
    /// `ending` gives for each, opens the children, and answers the children's indexes.
    pub fn apply(
        &mut self,
        step: Reshard,
        now: EpochMs,
        ending: &mut dyn FnMut(&Shard) -> SequenceNumber,
    ) -> Vec<u32> {
        match step {
            Reshard::Split {
                parent,
                new_starting_hash_key: key,
            } => {
                let shard = self.get(parent).expect("a checked split").clone();
                self.close(parent, ending(&shard), now);
                let range = shard.hash_range;
                let left =
                    self.open_child((parent, None), HashKeyRange::new(range.start, key - 1), now);
                let right = self.open_child((parent, None), HashKeyRange::new(key, range.end), now);
                vec![left, right]
            }
            Reshard::Merge { shard, adjacent } => {
                let a = self.get(shard).expect("a checked merge").clone();
                let b = self.get(adjacent).expect("a checked merge").clone();
                self.close(shard, ending(&a), now);
                self.close(adjacent, ending(&b), now);
                let range = HashKeyRange::new(a.hash_range.start, b.hash_range.end);
                vec![self.open_child((shard, Some(adjacent)), range, now)]
            }
        }
    }

    /// Applies a plan (from [`uniform_scaling_plan`] or a single checked step). Shards
    /// open before the plan take their EndingSequenceNumber from `endings` (which the log
    /// gave when it closed them); shards the plan itself opens and closes held no record
    /// and end at [`SequenceNumber::shard_end`] of their start.
    pub fn apply_plan(
        &mut self,
        plan: &[Reshard],
        endings: &BTreeMap<u32, SequenceNumber>,
        now: EpochMs,
    ) {
        let mut ending = |s: &Shard| {
            endings
                .get(&s.index)
                .copied()
                .unwrap_or_else(|| SequenceNumber::shard_end(s.starting_sequence, now))
        };
        for step in plan {
            self.apply(*step, now, &mut ending);
        }
    }

    /// Repairs a shard whose log a reshard closed without the catalog ever learning of it
    /// (a crash between the protocol's steps, and no retry): the shard closes with the
    /// `ending` its log gave, and one child with its whole range takes its records from
    /// `now`, so the open shards still tile the space and readers follow the lineage as
    /// after a split. Answers the child's index.
    pub fn replace_closed(&mut self, index: u32, ending: SequenceNumber, now: EpochMs) -> u32 {
        let range = self
            .get(index)
            .expect("repairing a shard of the set")
            .hash_range;
        self.close(index, ending, now);
        self.open_child((index, None), range, now)
    }

    /// Drops closed shards whose records have all expired: closed before the trim horizon
    /// (reads keep records that arrived at the horizon, and a shard's last record may have
    /// arrived in the millisecond it closed). AWS stops listing them then. Answers the
    /// dropped indexes, whose logs the caller deletes.
    pub fn expire(&mut self, trim_horizon_ms: EpochMs) -> Vec<u32> {
        let (gone, kept): (Vec<Shard>, Vec<Shard>) = std::mem::take(&mut self.shards)
            .into_iter()
            .partition(|s| s.closed_at_ms.is_some_and(|c| c < trim_horizon_ms));
        self.shards = kept;
        gone.into_iter().map(|s| s.index).collect()
    }
}

/// The shards a plan closes that were open before it: those whose logs must be closed
/// (and whose EndingSequenceNumbers gathered) before the plan is applied.
pub fn plan_parents(set: &ShardSet, plan: &[Reshard]) -> Vec<u32> {
    let mut parents: Vec<u32> = plan
        .iter()
        .flat_map(|step| match *step {
            Reshard::Split { parent, .. } => vec![parent],
            Reshard::Merge { shard, adjacent } => vec![shard, adjacent],
        })
        .filter(|i| set.get(*i).is_some_and(Shard::is_open))
        .collect();
    parents.sort_unstable();
    parents.dedup();
    parents
}

fn closed_shard(shard: &Shard, ctx: StreamContext<'_>) -> KinesisError {
    KinesisError::new(
        KinesisErrorKind::ResourceInUse,
        format!(
            "Shard {} in stream {} under account {} has already been merged or split, and thus \
             is not eligible for merging or splitting.",
            shard.id(),
            ctx.stream_name,
            ctx.account_id
        ),
    )
}

fn reshard_target<'a>(
    set: &'a ShardSet,
    id: &str,
    ctx: StreamContext<'_>,
) -> KinesisResult<&'a Shard> {
    let not_found = |shown: &str| {
        KinesisError::shard_not_found_for_reshard(shown, ctx.stream_name, ctx.account_id)
    };
    let index = parse_shard_id(id).ok_or_else(|| not_found(id))?;
    let shard = set.get(index).ok_or_else(|| not_found(&shard_id(index)))?;
    if !shard.is_open() {
        return Err(closed_shard(shard, ctx));
    }
    Ok(shard)
}

/// SplitShard's checks, with AWS's texts: the shard exists ("Could not find shard ..."),
/// is open ("... has already been merged or split ..."), and NewStartingHashKey matches
/// the model and lies strictly inside it: "NewStartingHashKey K used in SplitShard() on
/// shard S in stream N under account A is not both greater than one plus the shard's
/// StartingHashKey B and less than the shard's EndingHashKey E."
pub fn check_split(
    set: &ShardSet,
    shard_to_split: &str,
    new_starting_hash_key: &str,
    ctx: StreamContext<'_>,
) -> KinesisResult<Reshard> {
    let shard = reshard_target(set, shard_to_split, ctx)?;
    let range = shard.hash_range;
    let outside = |value: &str| {
        KinesisError::invalid_argument(format!(
            "NewStartingHashKey {value} used in SplitShard() on shard {} in stream {} under \
             account {} is not both greater than one plus the shard's StartingHashKey {} and less \
             than the shard's EndingHashKey {}.",
            shard.id(),
            ctx.stream_name,
            ctx.account_id,
            range.start,
            range.end
        ))
    };
    let key = parse_hash_key(new_starting_hash_key, "newStartingHashKey", outside)?;
    if key <= range.start.saturating_add(1) || key >= range.end {
        return Err(outside(new_starting_hash_key));
    }
    Ok(Reshard::Split {
        parent: shard.index,
        new_starting_hash_key: key,
    })
}

/// MergeShards' checks, with AWS's texts: both exist and are open, and ShardToMerge's
/// range ends just before AdjacentShardToMerge's begins (the order matters, as AWS's
/// does): "Shards A and B in stream N under account X are not an adjacent pair of shards
/// eligible for merging".
pub fn check_merge(
    set: &ShardSet,
    shard_to_merge: &str,
    adjacent_shard_to_merge: &str,
    ctx: StreamContext<'_>,
) -> KinesisResult<Reshard> {
    let a = reshard_target(set, shard_to_merge, ctx)?;
    let b = reshard_target(set, adjacent_shard_to_merge, ctx)?;
    if !a.hash_range.precedes(&b.hash_range) {
        return Err(KinesisError::invalid_argument(format!(
            "Shards {} and {} in stream {} under account {} are not an adjacent pair of shards \
             eligible for merging",
            a.id(),
            b.id(),
            ctx.stream_name,
            ctx.account_id
        )));
    }
    Ok(Reshard::Merge {
        shard: a.index,
        adjacent: b.index,
    })
}

/// UpdateShardCount's limits, with AWS's texts (LimitExceededException): the target may
/// not pass `shard_limit` ("Target shard count or number of open shards cannot be greater
/// than L. ..."), double the open count ("UpdateShardCount cannot scale up over double
/// your current open shard count. Current open shard count: O, Target shard count: T") or
/// fall below half of it ("... cannot scale down below half ...").
pub fn check_update_shard_count(open: u32, target: u32, shard_limit: u32) -> KinesisResult<()> {
    let counts = format!("Current open shard count: {open}, Target shard count: {target}");
    if target > shard_limit {
        return Err(KinesisError::limit_exceeded(format!(
            "Target shard count or number of open shards cannot be greater than {shard_limit}. {counts}"
        )));
    }
    if u64::from(target) > u64::from(open) * u64::from(UPDATE_SHARD_COUNT_MAX_FACTOR) {
        return Err(KinesisError::limit_exceeded(format!(
            "UpdateShardCount cannot scale up over double your current open shard count. {counts}"
        )));
    }
    if u64::from(target) * u64::from(UPDATE_SHARD_COUNT_MAX_FACTOR) < u64::from(open) {
        return Err(KinesisError::limit_exceeded(format!(
            "UpdateShardCount cannot scale down below half your current open shard count. {counts}"
        )));
    }
    Ok(())
}

/// The steps UNIFORM_SCALING takes from the open shards to `target` of them, in at most
/// one round of splits and one round of merges, which is why AWS allows at most doubling
/// and at least halving in one call:
///
/// - scaling up, every open shard is split at its middle, then adjacent halves are merged
///   back in pairs until `target` remain;
/// - scaling down, adjacent open shards are merged in groups until `target` remain.
///
/// Which halves or shards are grouped is spread evenly along the hash key space (group
/// `k` ends at piece `round(k * pieces / target)`), so from evenly split shards the result
/// is as even as one round of each allows. The shard totals this gives match those
/// recorded from AWS: 2 → 4 leaves 6 shards in all, 4 → 5 leaves 15, 10 → 13 leaves 37,
/// 4 → 2 leaves 6, 5 → 3 leaves 7. A target equal to the open count is no change.
///
/// The plan names real indexes: it is worked out on a copy of the set. The caller has
/// checked `target` with [`check_update_shard_count`]; shards narrower than four keys
/// (which only deliberate splits make) are not split.
pub fn uniform_scaling_plan(set: &ShardSet, target: u32) -> Vec<Reshard> {
    let mut sim = set.clone();
    let mut plan = Vec::new();
    let mut noop =
        |s: &Shard| SequenceNumber::shard_end(s.starting_sequence, s.starting_sequence.time_ms);
    let open = sim.open_count();
    if target == open || target == 0 {
        return plan;
    }
    if target > open {
        let mut parents: Vec<(HashKey, HashKey, u32)> = sim
            .open_shards()
            .map(|s| (s.hash_range.start, s.hash_range.end, s.index))
            .collect();
        parents.sort_unstable();
        for (start, end, index) in parents {
            let width = end - start; // one less than the number of keys
            if width < 3 {
                continue;
            }
            let step = Reshard::Split {
                parent: index,
                new_starting_hash_key: start + width / 2 + 1,
            };
            sim.apply(step, 0, &mut noop);
            plan.push(step);
        }
    }
    let mut pieces: Vec<(HashKey, u32)> = sim
        .open_shards()
        .map(|s| (s.hash_range.start, s.index))
        .collect();
    pieces.sort_unstable();
    let count = pieces.len() as u64;
    let target = u64::from(target);
    assert!(target <= count, "UNIFORM_SCALING beyond doubling");
    let cut = |k: u64| ((2 * k * count + target) / (2 * target)) as usize;
    for k in 0..target {
        let group = &pieces[cut(k)..cut(k + 1)];
        let mut acc = group[0].1;
        for &(_, next) in &group[1..] {
            let step = Reshard::Merge {
                shard: acc,
                adjacent: next,
            };
            acc = sim.apply(step, 0, &mut noop)[0];
            plan.push(step);
        }
    }
    plan
}

/// ListShards' ShardFilter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShardFilter {
    /// Shards after this index.
    AfterShardId(u32),
    /// Shards open at the trim horizon.
    AtTrimHorizon,
    /// Shards open at the trim horizon or since (every shard not expired).
    FromTrimHorizon,
    /// Shards open now.
    AtLatest,
    /// Shards open at this time (the trim horizon if earlier).
    AtTimestamp(EpochMs),
    /// Shards open at this time or since.
    FromTimestamp(EpochMs),
}

/// A ShardFilter as the request gives it. The texts for a missing ShardId or Timestamp
/// are Sluice's (inferred: AWS's were not recorded).
pub fn parse_shard_filter(
    kind: &str,
    shard_id: Option<&str>,
    timestamp_ms: Option<EpochMs>,
) -> KinesisResult<ShardFilter> {
    let need_time = |kind: &str| {
        timestamp_ms.ok_or_else(|| {
            KinesisError::invalid_argument(format!(
                "The Timestamp of a ShardFilter of type {kind} must be provided."
            ))
        })
    };
    Ok(match kind {
        "AFTER_SHARD_ID" => {
            let id = shard_id.ok_or_else(|| {
                KinesisError::invalid_argument(
                    "The ShardId of a ShardFilter of type AFTER_SHARD_ID must be provided.",
                )
            })?;
            // A ShardId that names no index lists from the start (inferred).
            ShardFilter::AfterShardId(parse_shard_id(id).unwrap_or(0))
        }
        "AT_TRIM_HORIZON" => ShardFilter::AtTrimHorizon,
        "FROM_TRIM_HORIZON" => ShardFilter::FromTrimHorizon,
        "AT_LATEST" => ShardFilter::AtLatest,
        "AT_TIMESTAMP" => ShardFilter::AtTimestamp(need_time(kind)?),
        "FROM_TIMESTAMP" => ShardFilter::FromTimestamp(need_time(kind)?),
        other => {
            return Err(KinesisError::validation(
                other,
                "shardFilter.type",
                "satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, \
                 AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]",
            ))
        }
    })
}

/// Whether `shard` belongs in a listing under `filter`, given the stream's trim horizon
/// (never before the stream's creation). Shards that expired are gone from the set already.
pub fn shard_matches(shard: &Shard, filter: Option<ShardFilter>, trim_horizon_ms: EpochMs) -> bool {
    match filter {
        None | Some(ShardFilter::FromTrimHorizon) => shard.open_after(trim_horizon_ms),
        Some(ShardFilter::AfterShardId(after)) => shard.index > after,
        // A shard closed in the horizon's own millisecond still holds records from it.
        Some(ShardFilter::AtTrimHorizon) => {
            shard.created_at_ms <= trim_horizon_ms && shard.open_after(trim_horizon_ms)
        }
        Some(ShardFilter::AtLatest) => shard.is_open(),
        Some(ShardFilter::AtTimestamp(t)) => shard.open_at(t.max(trim_horizon_ms)),
        Some(ShardFilter::FromTimestamp(t)) => shard.open_after(t.max(trim_horizon_ms)),
    }
}

/// What a ListShards NextToken carries: the stream (by creation time), the filter, where
/// to go on, and when it was issued. Plain base64 of JSON: it reveals nothing the caller
/// may not list, and a forged one can only list what a real request could.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListShardsToken {
    pub stream_name: String,
    pub stream_created_at_ms: EpochMs,
    pub after_index: u32,
    pub filter: Option<ShardFilter>,
    pub issued_at_ms: EpochMs,
}

impl ListShardsToken {
    pub fn encode(&self) -> String {
        BASE64.encode(serde_json::to_vec(self).expect("serialisable"))
    }

    /// A NextToken a client sent: InvalidArgumentException if it is not one (Sluice's
    /// text), ExpiredNextTokenException once older than 300 s (AWS's kind; the text is
    /// Sluice's).
    pub fn decode(token: &str, now: EpochMs) -> KinesisResult<Self> {
        let token: Self = BASE64
            .decode(token)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| KinesisError::invalid_argument("Invalid NextToken."))?;
        if now.saturating_sub(token.issued_at_ms) > NEXT_TOKEN_LIFETIME_MS {
            return Err(KinesisError::new(
                KinesisErrorKind::ExpiredNextToken,
                "The NextToken has expired.",
            ));
        }
        Ok(token)
    }
}

/// A ListShards request, its NextToken already decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListShardsQuery {
    /// From ExclusiveStartShardId, or the token's position.
    pub after_index: Option<u32>,
    pub filter: Option<ShardFilter>,
    pub max_results: Option<u32>,
}

/// A page of ListShards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListShardsPage {
    pub shards: Vec<Shard>,
    /// More shards follow: the last shard's index, to go on from.
    pub more_after: Option<u32>,
}

/// Checks MaxResults (and DescribeStream's Limit): 1 to 10,000, a ValidationException
/// naming `member` otherwise.
pub fn check_list_limit(value: i64, member: &str) -> KinesisResult<u32> {
    if value < i64::from(LIST_LIMIT_MIN) {
        return Err(KinesisError::validation(
            &value.to_string(),
            member,
            "have value greater than or equal to 1",
        ));
    }
    if value > i64::from(LIST_LIMIT_MAX) {
        return Err(KinesisError::validation(
            &value.to_string(),
            member,
            "have value less than or equal to 10000",
        ));
    }
    Ok(value as u32)
}

/// One page of ListShards over a stream's shards: those matching the filter, after
/// `after_index`, by index, at most MaxResults and never more than 1,000 (AWS answers at
/// most 1,000 whatever MaxResults says). The caller turns `more_after` into a
/// [`ListShardsToken`].
pub fn list_shards(
    set: &ShardSet,
    query: ListShardsQuery,
    trim_horizon_ms: EpochMs,
) -> ListShardsPage {
    let limit = query
        .max_results
        .unwrap_or(LIST_SHARDS_PAGE_MAX)
        .min(LIST_SHARDS_PAGE_MAX) as usize;
    let mut matching = set
        .shards
        .iter()
        .filter(|s| query.after_index.is_none_or(|after| s.index > after))
        .filter(|s| shard_matches(s, query.filter, trim_horizon_ms));
    let shards: Vec<Shard> = matching.by_ref().take(limit).cloned().collect();
    let more_after = match matching.next() {
        Some(_) => shards.last().map(|s| s.index),
        None => None,
    };
    ListShardsPage { shards, more_after }
}

/// Where a ListShards request lists from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListShardsStart {
    /// A first page: the stream the request names (by StreamName or StreamARN, which the
    /// caller resolves), with the query.
    Stream(ListShardsQuery),
    /// A later page: the stream and position the token carries (the caller checks the
    /// stream still exists with that creation time), MaxResults from this request.
    Token(ListShardsToken, Option<u32>),
}

/// ListShards' members, checked for the combinations AWS refuses
/// (InvalidArgumentException): "NextToken and StreamName cannot be provided together." and
/// "Either NextToken or StreamName should be provided." are AWS's texts; the ones for
/// NextToken with ExclusiveStartShardId or ShardFilter are Sluice's (inferred), worded
/// alike. `names_stream` is whether StreamName or StreamARN was given.
pub fn list_shards_start(
    names_stream: bool,
    next_token: Option<&str>,
    exclusive_start_shard_id: Option<&str>,
    filter: Option<ShardFilter>,
    max_results: Option<u32>,
    now: EpochMs,
) -> KinesisResult<ListShardsStart> {
    let Some(token) = next_token else {
        if !names_stream {
            return Err(KinesisError::invalid_argument(
                "Either NextToken or StreamName should be provided.",
            ));
        }
        // An ExclusiveStartShardId naming no index lists from the start (inferred).
        let after_index = exclusive_start_shard_id.and_then(parse_shard_id);
        return Ok(ListShardsStart::Stream(ListShardsQuery {
            after_index,
            filter,
            max_results,
        }));
    };
    let together = |other: &str| {
        KinesisError::invalid_argument(format!(
            "NextToken and {other} cannot be provided together."
        ))
    };
    if names_stream {
        return Err(together("StreamName"));
    }
    if exclusive_start_shard_id.is_some() {
        return Err(together("ExclusiveStartShardId"));
    }
    if filter.is_some() {
        return Err(together("ShardFilter"));
    }
    Ok(ListShardsStart::Token(
        ListShardsToken::decode(token, now)?,
        max_results,
    ))
}

/// One page of DescribeStream's Shards: every shard not expired, after
/// ExclusiveStartShardId, at most Limit and never more than 100 (AWS answers at most 100);
/// and HasMoreShards.
pub fn describe_stream_shards(
    set: &ShardSet,
    exclusive_start_shard_id: Option<&str>,
    limit: Option<u32>,
    trim_horizon_ms: EpochMs,
) -> (Vec<Shard>, bool) {
    let page = list_shards(
        set,
        ListShardsQuery {
            after_index: exclusive_start_shard_id.and_then(parse_shard_id),
            filter: None,
            max_results: Some(
                limit
                    .unwrap_or(DESCRIBE_STREAM_SHARDS_PAGE_MAX)
                    .min(DESCRIBE_STREAM_SHARDS_PAGE_MAX),
            ),
        },
        trim_horizon_ms,
    );
    (page.shards, page.more_after.is_some())
}

#[cfg(test)]
mod tests;
