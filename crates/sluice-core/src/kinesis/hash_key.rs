//! The 128-bit hash key space that places records on shards.
//!
//! A record's hash key is its ExplicitHashKey when given, else the MD5 of its partition
//! key's UTF-8 bytes read as an unsigned 128-bit big-endian integer. Every open shard owns
//! an inclusive range `[StartingHashKey, EndingHashKey]`; the open shards' ranges tile
//! `0..=2^128-1` without gaps or overlaps, so exactly one open shard takes each record.
//! `u128` holds the space exactly: `2^128 - 1 == u128::MAX`.

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::error::{KinesisError, KinesisResult};
use super::limits::{HASH_KEY_PATTERN, PARTITION_KEY_MAX_CHARS, PARTITION_KEY_MIN_CHARS};

/// A point of the hash key space.
pub type HashKey = u128;

/// The largest hash key, `2^128 - 1`.
pub const HASH_KEY_MAX: HashKey = u128::MAX;

/// An inclusive range of hash keys, as a shard's HashKeyRange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HashKeyRange {
    pub start: HashKey,
    pub end: HashKey,
}

impl HashKeyRange {
    /// The whole space: what a one-shard stream owns.
    pub const FULL: HashKeyRange = HashKeyRange {
        start: 0,
        end: HASH_KEY_MAX,
    };

    pub fn new(start: HashKey, end: HashKey) -> Self {
        debug_assert!(start <= end, "an empty hash key range");
        Self { start, end }
    }

    pub fn contains(&self, key: HashKey) -> bool {
        self.start <= key && key <= self.end
    }

    /// Whether `self` ends just before `next` begins (the adjacency MergeShards needs).
    pub fn precedes(&self, next: &HashKeyRange) -> bool {
        self.end.checked_add(1) == Some(next.start)
    }

    /// Whether the two ranges share any key.
    pub fn overlaps(&self, other: &HashKeyRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// The wire form of StartingHashKey and EndingHashKey: decimal strings.
    pub fn starting_hash_key(&self) -> String {
        self.start.to_string()
    }

    pub fn ending_hash_key(&self) -> String {
        self.end.to_string()
    }
}

/// A partition key's hash key: MD5 of its UTF-8 bytes, big-endian.
pub fn partition_key_hash(partition_key: &str) -> HashKey {
    let digest: [u8; 16] = Md5::digest(partition_key.as_bytes()).into();
    u128::from_be_bytes(digest)
}

/// Checks a PartitionKey member: 1 to 256 Unicode characters (model). `member` is AWS's
/// name for it in a ValidationException (`partitionKey`, or
/// `records.3.member.partitionKey` inside PutRecords).
pub fn check_partition_key(partition_key: &str, member: &str) -> KinesisResult<()> {
    let chars = partition_key.chars().count();
    if chars < PARTITION_KEY_MIN_CHARS {
        return Err(KinesisError::validation(
            partition_key,
            member,
            "have length greater than or equal to 1",
        ));
    }
    if chars > PARTITION_KEY_MAX_CHARS {
        return Err(KinesisError::validation(
            partition_key,
            member,
            &format!("have length less than or equal to {PARTITION_KEY_MAX_CHARS}"),
        ));
    }
    Ok(())
}

/// Whether `s` matches the model's HashKey pattern `0|([1-9]\d{0,38})`.
fn matches_hash_key_pattern(s: &str) -> bool {
    let b = s.as_bytes();
    match b {
        [b'0'] => true,
        [first, rest @ ..] => {
            (b'1'..=b'9').contains(first) && rest.len() <= 38 && rest.iter().all(u8::is_ascii_digit)
        }
        [] => false,
    }
}

/// Parses a HashKey member (ExplicitHashKey, NewStartingHashKey): a ValidationException
/// naming `member` when it breaks the model's pattern, else its value, which must fit in
/// the space.
///
/// `out_of_range` words the error for a value at or above 2^128, which differs by action:
/// PutRecord answers [`explicit_hash_key_out_of_range`].
pub fn parse_hash_key(
    value: &str,
    member: &str,
    out_of_range: impl FnOnce(&str) -> KinesisError,
) -> KinesisResult<HashKey> {
    if !matches_hash_key_pattern(value) {
        return Err(KinesisError::validation(
            value,
            member,
            &format!("satisfy regular expression pattern: {HASH_KEY_PATTERN}"),
        ));
    }
    value.parse::<u128>().map_err(|_| out_of_range(value))
}

/// PutRecord/PutRecords with an ExplicitHashKey of 2^128 or more: "Invalid
/// ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was
/// V".
pub fn explicit_hash_key_out_of_range(value: &str) -> KinesisError {
    KinesisError::invalid_argument(format!(
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. \
         Specified value was {value}"
    ))
}

/// An ExplicitHashKey member of PutRecord (`member` = `explicitHashKey`) or PutRecords.
pub fn parse_explicit_hash_key(value: &str, member: &str) -> KinesisResult<HashKey> {
    parse_hash_key(value, member, explicit_hash_key_out_of_range)
}

/// The hash key a record goes by: its explicit one, else its partition key's.
pub fn record_hash_key(partition_key: &str, explicit: Option<HashKey>) -> HashKey {
    explicit.unwrap_or_else(|| partition_key_hash(partition_key))
}

/// The ranges AWS gives `n` shards at CreateStream (and UpdateShardCount targets): each
/// `floor(2^128 / n)` keys wide, starting at `i * width`, the last one running to
/// `2^128 - 1`. For 2 shards the first ends at 2^127 - 1
/// (170141183460469231731687303715884105727); for 3 at
/// 113427455640312821154458202477256070484, as AWS answers.
///
/// `n` must be at least 1.
pub fn even_ranges(n: u32) -> Vec<HashKeyRange> {
    assert!(n >= 1, "a stream has at least one shard");
    if n == 1 {
        // 2^128 keys wide: a width `u128` cannot hold.
        return vec![HashKeyRange::FULL];
    }
    let width = even_width(n);
    (0..n)
        .map(|i| {
            let start = width * u128::from(i);
            let end = if i + 1 == n {
                HASH_KEY_MAX
            } else {
                width * u128::from(i + 1) - 1
            };
            HashKeyRange::new(start, end)
        })
        .collect()
}

/// `floor(2^128 / n)` for `n >= 2`, computed without 2^128 itself.
fn even_width(n: u32) -> u128 {
    let n = u128::from(n);
    // 2^128 = (2^128 - 1) + 1, so floor(2^128 / n) = floor(MAX / n) + [MAX % n == n - 1].
    HASH_KEY_MAX / n + u128::from(HASH_KEY_MAX % n == n - 1)
}

/// The starting keys of the ranges `even_ranges(n)` gives, after the first (which is 0):
/// the boundaries UNIFORM_SCALING reshapes the open shards to.
pub fn even_boundaries(n: u32) -> Vec<HashKey> {
    even_ranges(n).iter().skip(1).map(|r| r.start).collect()
}

/// Of `ranges` (open shards' ranges, in any order, tiling the space), the position of the
/// one that contains `key`.
pub fn range_for<'a>(
    ranges: impl IntoIterator<Item = &'a HashKeyRange>,
    key: HashKey,
) -> Option<usize> {
    ranges.into_iter().position(|r| r.contains(key))
}

/// Whether `ranges`, sorted by start, tile the whole space without gap or overlap.
pub fn tiles_space(sorted: &[HashKeyRange]) -> bool {
    let Some(first) = sorted.first() else {
        return false;
    };
    first.start == 0
        && sorted.last().map(|r| r.end) == Some(HASH_KEY_MAX)
        && sorted.windows(2).all(|w| w[0].precedes(&w[1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::error::KinesisErrorKind;
    use proptest::prelude::*;

    #[test]
    fn partition_keys_hash_as_md5_big_endian() {
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
        assert_eq!(
            partition_key_hash("a"),
            0x0cc175b9c0f1b6a831c399e269772661_u128
        );
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e.
        assert_eq!(
            partition_key_hash(""),
            0xd41d8cd98f00b204e9800998ecf8427e_u128
        );
        assert_eq!(
            partition_key_hash("a").to_string(),
            "16955237001963240173058271559858726497"
        );
    }

    #[test]
    fn even_ranges_match_aws_boundaries() {
        assert_eq!(even_ranges(1), vec![HashKeyRange::FULL]);
        let two = even_ranges(2);
        assert_eq!(
            two[0].ending_hash_key(),
            "170141183460469231731687303715884105727"
        );
        assert_eq!(
            two[1].starting_hash_key(),
            "170141183460469231731687303715884105728"
        );
        assert_eq!(
            two[1].ending_hash_key(),
            "340282366920938463463374607431768211455"
        );
        let three = even_ranges(3);
        assert_eq!(
            three[0].ending_hash_key(),
            "113427455640312821154458202477256070484"
        );
        assert_eq!(
            three[1].starting_hash_key(),
            "113427455640312821154458202477256070485"
        );
        assert_eq!(three[2].end, HASH_KEY_MAX);
        assert_eq!(even_boundaries(4).len(), 3);
        assert_eq!(even_boundaries(4)[1], 1u128 << 127);
    }

    #[test]
    fn explicit_hash_keys_parse_with_aws_errors() {
        assert_eq!(parse_explicit_hash_key("0", "explicitHashKey").unwrap(), 0);
        let max = "340282366920938463463374607431768211455";
        assert_eq!(
            parse_explicit_hash_key(max, "explicitHashKey").unwrap(),
            HASH_KEY_MAX
        );
        let over = "340282366920938463463374607431768211456";
        let e = parse_explicit_hash_key(over, "explicitHashKey").unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
        assert_eq!(
            e.message,
            format!(
                "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. \
                 Specified value was {over}"
            )
        );
        for bad in ["", "-1", "01", "1.5", "1e3", &"9".repeat(40)] {
            let e = parse_explicit_hash_key(bad, "explicitHashKey").unwrap_err();
            assert_eq!(e.kind, KinesisErrorKind::Validation, "{bad}");
            assert!(
                e.message.ends_with(
                    "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"
                ),
                "{}",
                e.message
            );
        }
        // 39 nines passes the pattern but not the range.
        let e = parse_explicit_hash_key(&"9".repeat(39), "explicitHashKey").unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    }

    #[test]
    fn partition_key_lengths() {
        assert!(check_partition_key("k", "partitionKey").is_ok());
        assert!(check_partition_key(&"é".repeat(256), "partitionKey").is_ok());
        let e = check_partition_key(&"k".repeat(257), "partitionKey").unwrap_err();
        assert!(e
            .message
            .ends_with("Member must have length less than or equal to 256"));
        assert!(check_partition_key("", "partitionKey").is_err());
    }

    #[test]
    fn records_find_their_range() {
        let ranges = even_ranges(4);
        assert_eq!(range_for(&ranges, 0), Some(0));
        assert_eq!(range_for(&ranges, HASH_KEY_MAX), Some(3));
        assert_eq!(range_for(&ranges, 1u128 << 127), Some(2));
        assert_eq!(range_for(&ranges, (1u128 << 127) - 1), Some(1));
        assert_eq!(
            range_for(&ranges, record_hash_key("ignored", Some(5))),
            Some(0)
        );
    }

    proptest! {
        #[test]
        fn even_ranges_tile_the_space(n in 1u32..5000) {
            let ranges = even_ranges(n);
            prop_assert_eq!(ranges.len(), n as usize);
            prop_assert!(tiles_space(&ranges));
            if n == 1 {
                return Ok(());
            }
            let width = ranges[0].end - ranges[0].start + 1;
            for r in &ranges[..ranges.len() - 1] {
                prop_assert_eq!(r.end - r.start + 1, width);
            }
        }

        #[test]
        fn every_key_lands_in_exactly_one_range(n in 1u32..64, key: u128) {
            let ranges = even_ranges(n);
            prop_assert_eq!(ranges.iter().filter(|r| r.contains(key)).count(), 1);
        }
    }
}
