//! Sequence numbers: AWS's shape (56-digit decimal strings such as
//! `49590338271490256608559692538361571095921575989136588898`), strictly increasing per
//! shard, across restarts too.
//!
//! # Layout
//!
//! Sluice's sequence numbers are 56 decimal digits in five fixed-width fields, most
//! significant first:
//!
//! | digits | field | meaning |
//! | --- | --- | --- |
//! | 1 | version | always `4`, so every number has exactly 56 digits |
//! | 14 | `time_ms` | epoch milliseconds the number was assigned at (never less than the previous number's) |
//! | 20 | `counter` | the shard's record counter: 0 for the shard's StartingSequenceNumber, +1 per record, `u64::MAX` for its EndingSequenceNumber |
//! | 10 | `shard_index` | the shard's index (`shardId-000000000007` is 7) |
//! | 11 | `stream_tag` | the stream's creation time in ms, modulo 10^11: tells a stream from a later one of the same name |
//!
//! Because every number has the same width, comparing the decimal strings, comparing them
//! as integers and comparing the fields in order all agree; [`SequenceNumber`] derives
//! `Ord` over the fields in that order.
//!
//! Within a shard the last two fields are constant, so order is `(time_ms, counter)`.
//! [`next_sequence_number`] keeps both from going backwards: the time is the later of
//! `now` and the previous number's time, and the counter is the previous counter plus one.
//! After a restart the log continues from the last number it kept for the shard (it must
//! keep it even when retention has trimmed every record, see `store.rs`); and even a log
//! that lost it would restart the counter under a later time, since the records it lost
//! were all older. A wall clock that steps back does no harm: the time field holds still.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::{KinesisError, KinesisResult};
use super::limits::{SEQUENCE_NUMBER_MAX_DIGITS, SEQUENCE_NUMBER_PATTERN};
use super::names::{shard_id, SHARD_INDEX_MAX};
use crate::clock::EpochMs;

/// The number of digits of every Sluice sequence number.
pub const SEQUENCE_NUMBER_DIGITS: usize = 56;
/// The leading digit.
pub const SEQUENCE_VERSION_DIGIT: u8 = b'4';
const TIME_DIGITS: usize = 14;
const COUNTER_DIGITS: usize = 20;
const SHARD_DIGITS: usize = 10;
const TAG_DIGITS: usize = 11;
/// `stream_tag` is the stream's creation time modulo this.
pub const STREAM_TAG_MODULUS: u64 = 100_000_000_000;
/// The largest time the layout holds: 10^14 - 1 ms, in the year 5138.
pub const SEQUENCE_TIME_MAX_MS: u64 = 99_999_999_999_999;

/// One position in one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SequenceNumber {
    // Field order is numeric order: do not reorder.
    pub time_ms: u64,
    pub counter: u64,
    pub shard_index: u32,
    pub stream_tag: u64,
}

/// The stream tag of a stream created at `created_at_ms`.
pub fn stream_tag(created_at_ms: EpochMs) -> u64 {
    created_at_ms % STREAM_TAG_MODULUS
}

impl SequenceNumber {
    /// A shard's StartingSequenceNumber: counter 0 at the shard's creation time. Every
    /// record of the shard sorts after it.
    pub fn shard_start(shard_index: u32, stream_tag: u64, created_at_ms: EpochMs) -> Self {
        Self {
            time_ms: created_at_ms.min(SEQUENCE_TIME_MAX_MS),
            counter: 0,
            shard_index,
            stream_tag: stream_tag % STREAM_TAG_MODULUS,
        }
    }

    /// A closed shard's EndingSequenceNumber, given the last number the shard gave out
    /// (its StartingSequenceNumber if it holds no record): the largest counter at the
    /// later of `now` and that number's time. No record of the shard sorts after it.
    pub fn shard_end(last: SequenceNumber, now: EpochMs) -> Self {
        Self {
            time_ms: now.clamp(last.time_ms, SEQUENCE_TIME_MAX_MS),
            counter: u64::MAX,
            ..last
        }
    }

    /// Whether this number was given out in the shard `shard_index` of the stream tagged
    /// `stream_tag`.
    pub fn belongs_to(&self, shard_index: u32, stream_tag: u64) -> bool {
        self.shard_index == shard_index && self.stream_tag == stream_tag
    }

    /// Parses one of Sluice's sequence numbers: exactly 56 digits in the layout above.
    /// Anything else (AWS's own numbers, other servers', junk) is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != SEQUENCE_NUMBER_DIGITS
            || b[0] != SEQUENCE_VERSION_DIGIT
            || !b.iter().all(u8::is_ascii_digit)
        {
            return None;
        }
        let mut at = 1;
        let mut field = |width: usize| {
            let v = s[at..at + width].parse::<u128>().ok();
            at += width;
            v
        };
        let time_ms = field(TIME_DIGITS)?;
        let counter = field(COUNTER_DIGITS)?;
        let shard_index = field(SHARD_DIGITS)?;
        let stream_tag = field(TAG_DIGITS)?;
        if counter > u128::from(u64::MAX) || shard_index > u128::from(SHARD_INDEX_MAX) {
            return None;
        }
        Some(Self {
            time_ms: time_ms as u64,
            counter: counter as u64,
            shard_index: shard_index as u32,
            stream_tag: stream_tag as u64,
        })
    }
}

impl fmt::Display for SequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "4{:0tw$}{:0cw$}{:0sw$}{:0gw$}",
            self.time_ms,
            self.counter,
            self.shard_index,
            self.stream_tag,
            tw = TIME_DIGITS,
            cw = COUNTER_DIGITS,
            sw = SHARD_DIGITS,
            gw = TAG_DIGITS
        )
    }
}

/// The number the next record of a shard gets, after `last` (the shard's last number,
/// or its StartingSequenceNumber when it has held no record), at `now`.
///
/// `floor` is a PutRecord's SequenceNumberForOrdering: the new number is then also greater
/// than it (AWS's guarantee for puts that chain them), by moving the time field past the
/// floor's when the counter alone would not do.
pub fn next_sequence_number(
    last: SequenceNumber,
    now: EpochMs,
    floor: Option<SequenceNumber>,
) -> SequenceNumber {
    let counter = last
        .counter
        .checked_add(1)
        .expect("a shard cannot give out 2^64 sequence numbers");
    let mut next = SequenceNumber {
        time_ms: now.clamp(last.time_ms, SEQUENCE_TIME_MAX_MS),
        counter,
        ..last
    };
    if let Some(floor) = floor {
        if (next.time_ms, next.counter) <= (floor.time_ms, floor.counter) {
            next.time_ms = (floor.time_ms + 1).min(SEQUENCE_TIME_MAX_MS);
        }
    }
    next
}

/// Whether `value` matches the model's SequenceNumber pattern `0|([1-9]\d{0,128})`.
pub fn matches_sequence_pattern(value: &str) -> bool {
    match value.as_bytes() {
        [b'0'] => true,
        [first, rest @ ..] => {
            (b'1'..=b'9').contains(first)
                && rest.len() < SEQUENCE_NUMBER_MAX_DIGITS
                && rest.iter().all(u8::is_ascii_digit)
        }
        [] => false,
    }
}

/// A SequenceNumber member checked against the model: a ValidationException naming
/// `member` (`startingSequenceNumber`, `sequenceNumberForOrdering`) otherwise.
pub fn check_sequence_member(value: &str, member: &str) -> KinesisResult<()> {
    if matches_sequence_pattern(value) {
        Ok(())
    } else {
        Err(KinesisError::validation(
            value,
            member,
            &format!("satisfy regular expression pattern: {SEQUENCE_NUMBER_PATTERN}"),
        ))
    }
}

/// Compares two sequence-number strings as AWS's are compared: as unsigned decimal
/// integers (a shorter string of digits is smaller, equal lengths compare digit-wise).
pub fn compare_decimal(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Where a shard is, for the texts of errors about a sequence number used on it.
#[derive(Debug, Clone, Copy)]
pub struct ShardContext<'a> {
    pub stream_name: &'a str,
    pub account_id: &'a str,
    pub shard_index: u32,
    pub stream_tag: u64,
}

/// The StartingSequenceNumber of GetShardIterator (AT_/AFTER_SEQUENCE_NUMBER) or
/// SubscribeToShard's StartingPosition, checked as AWS checks it:
///
/// - not the model's pattern: ValidationException naming `member`;
/// - not a sequence number this server gives out: "StartingSequenceNumber V used in
///   GetShardIterator on shard S in stream N under account A is invalid.";
/// - another shard's: "Invalid StartingSequenceNumber. It encodes shardId-X, while it was
///   used in a call to a shard with shardId-Y";
/// - a former stream's of the same name: "... is invalid because it did not come from
///   this stream."
pub fn parse_starting_sequence(
    value: &str,
    member: &str,
    shard: ShardContext<'_>,
) -> KinesisResult<SequenceNumber> {
    check_sequence_member(value, member)?;
    let used = || {
        format!(
            "StartingSequenceNumber {value} used in GetShardIterator on shard {} in stream {} \
             under account {} is invalid",
            shard_id(shard.shard_index),
            shard.stream_name,
            shard.account_id
        )
    };
    let Some(seq) = SequenceNumber::parse(value) else {
        return Err(KinesisError::invalid_argument(format!("{}.", used())));
    };
    if seq.shard_index != shard.shard_index {
        return Err(KinesisError::invalid_argument(format!(
            "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a \
             shard with {}",
            shard_id(seq.shard_index),
            shard_id(shard.shard_index)
        )));
    }
    if seq.stream_tag != shard.stream_tag {
        return Err(KinesisError::invalid_argument(format!(
            "{} because it did not come from this stream.",
            used()
        )));
    }
    Ok(seq)
}

/// PutRecord's SequenceNumberForOrdering: one of this server's numbers, not from the
/// future (a floor from the future would drag the shard's time field forward). Otherwise
/// "ExclusiveMinimumSequenceNumber V used in PutRecord on stream N under account A is
/// invalid." (AWS's text, as recorded.)
pub fn parse_ordering_floor(
    value: &str,
    stream_name: &str,
    account_id: &str,
    now: EpochMs,
) -> KinesisResult<SequenceNumber> {
    check_sequence_member(value, "sequenceNumberForOrdering")?;
    match SequenceNumber::parse(value) {
        Some(seq) if seq.time_ms <= now => Ok(seq),
        _ => Err(KinesisError::invalid_argument(format!(
            "ExclusiveMinimumSequenceNumber {value} used in PutRecord on stream {stream_name} \
             under account {account_id} is invalid."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::error::KinesisErrorKind;
    use proptest::prelude::*;

    const T0: u64 = 1_700_000_123_456;

    #[test]
    fn numbers_have_awss_shape() {
        let start = SequenceNumber::shard_start(3, stream_tag(T0), T0);
        let s = start.to_string();
        assert_eq!(s.len(), 56);
        let want = [
            "4",
            "01700000123456",
            "00000000000000000000",
            "0000000003",
            "00000123456",
        ];
        assert_eq!(s, want.concat());
        assert_eq!(SequenceNumber::parse(&s), Some(start));
        let aws = "49590338271490256608559692538361571095921575989136588898";
        assert_eq!(aws.len(), SEQUENCE_NUMBER_DIGITS);
        assert!(matches_sequence_pattern(aws));
        let end = SequenceNumber::shard_end(start, T0 + 5);
        assert_eq!(end.counter, u64::MAX);
        assert_eq!(end.to_string().len(), 56);
        assert_eq!(SequenceNumber::parse(&end.to_string()), Some(end));
    }

    #[test]
    fn parse_rejects_what_is_not_ours() {
        for bad in [
            "",
            "0",
            "1",
            "59590338271490256608559692538361571095921575989136588898",
            "4959033827149025660855969253836157109592157598913658889",
            "4001700000000000099999999999999999999900000000031700000000",
            "400170000000000009999999999999999999990000000003170000000x",
        ] {
            assert_eq!(SequenceNumber::parse(bad), None, "{bad}");
        }
        // A counter above u64::MAX.
        let over = format!("4{:014}{}{:010}{:011}", 1, "99999999999999999999", 0, 0);
        assert_eq!(SequenceNumber::parse(&over), None);
        // A shard index above 2^31 - 1.
        let over = format!("4{:014}{:020}{}{:011}", 1, 1, "9999999999", 0);
        assert_eq!(SequenceNumber::parse(&over), None);
    }

    #[test]
    fn next_numbers_increase_whatever_the_clock_does() {
        let start = SequenceNumber::shard_start(0, 7, T0);
        let a = next_sequence_number(start, T0 + 10, None);
        assert_eq!((a.time_ms, a.counter), (T0 + 10, 1));
        let b = next_sequence_number(a, T0 + 10, None);
        assert!(b > a && b.to_string() > a.to_string());
        let c = next_sequence_number(b, T0 - 1_000, None);
        assert_eq!(
            c.time_ms,
            T0 + 10,
            "the time field holds still when the clock steps back"
        );
        assert!(c > b);
        let end = SequenceNumber::shard_end(c, T0);
        assert!(end > c);
    }

    #[test]
    fn ordering_floors_are_honoured() {
        let other_shard_start = SequenceNumber::shard_start(1, 7, T0);
        let floor = SequenceNumber {
            counter: 900,
            time_ms: T0 + 50,
            ..other_shard_start
        };
        let last = SequenceNumber::shard_start(0, 7, T0);
        let next = next_sequence_number(last, T0 + 10, Some(floor));
        assert!(next > floor);
        assert_eq!(next.time_ms, T0 + 51);
        assert_eq!(next.counter, 1);
        let later = next_sequence_number(last, T0 + 60, Some(floor));
        assert_eq!(
            later.time_ms,
            T0 + 60,
            "a floor already passed changes nothing"
        );
    }

    #[test]
    fn starting_sequence_numbers_are_checked_with_aws_texts() {
        let tag = stream_tag(T0);
        let ctx = ShardContext {
            stream_name: "s",
            account_id: "000000000000",
            shard_index: 0,
            stream_tag: tag,
        };
        let own = next_sequence_number(SequenceNumber::shard_start(0, tag, T0), T0, None);
        assert_eq!(
            parse_starting_sequence(&own.to_string(), "startingSequenceNumber", ctx).unwrap(),
            own
        );
        let e = parse_starting_sequence("12", "startingSequenceNumber", ctx).unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
        assert_eq!(
            e.message,
            "StartingSequenceNumber 12 used in GetShardIterator on shard shardId-000000000000 \
             in stream s under account 000000000000 is invalid."
        );
        let other = SequenceNumber::shard_start(5, tag, T0).to_string();
        let e = parse_starting_sequence(&other, "startingSequenceNumber", ctx).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid StartingSequenceNumber. It encodes shardId-000000000005, while it was used \
             in a call to a shard with shardId-000000000000"
        );
        let former = SequenceNumber::shard_start(0, tag + 1, T0).to_string();
        let e = parse_starting_sequence(&former, "startingSequenceNumber", ctx).unwrap_err();
        assert!(e
            .message
            .ends_with("is invalid because it did not come from this stream."));
        let e = parse_starting_sequence("x1", "startingSequenceNumber", ctx).unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::Validation);
        assert!(e.message.contains("at 'startingSequenceNumber'"));
    }

    #[test]
    fn ordering_floors_from_the_future_are_refused() {
        let seq = SequenceNumber::shard_start(0, 1, T0 + 1_000).to_string();
        assert!(parse_ordering_floor(&seq, "s", "1", T0 + 1_000).is_ok());
        let e = parse_ordering_floor(&seq, "s", "1", T0).unwrap_err();
        assert_eq!(
            e.message,
            format!("ExclusiveMinimumSequenceNumber {seq} used in PutRecord on stream s under account 1 is invalid.")
        );
        assert!(parse_ordering_floor("5", "s", "1", T0).is_err());
    }

    #[test]
    fn decimal_comparison() {
        let table = [
            ("1", "2", Ordering::Less),
            ("10", "9", Ordering::Greater),
            ("007", "7", Ordering::Equal),
            ("0", "0", Ordering::Equal),
            (
                "49590338271490256608559692538361571095921575989136588898",
                "49590338271490256608559692538361571095921575989136588899",
                Ordering::Less,
            ),
        ];
        for (a, b, want) in table {
            assert_eq!(compare_decimal(a, b), want, "{a} vs {b}");
        }
    }

    fn any_seq() -> impl Strategy<Value = SequenceNumber> {
        (
            0..=SEQUENCE_TIME_MAX_MS,
            any::<u64>(),
            0..=SHARD_INDEX_MAX,
            0..STREAM_TAG_MODULUS,
        )
            .prop_map(
                |(time_ms, counter, shard_index, stream_tag)| SequenceNumber {
                    time_ms,
                    counter,
                    shard_index,
                    stream_tag,
                },
            )
    }

    proptest! {
        #[test]
        fn string_order_is_number_order(a in any_seq(), b in any_seq()) {
            let (sa, sb) = (a.to_string(), b.to_string());
            prop_assert_eq!(sa.len(), 56);
            prop_assert_eq!(a.cmp(&b), sa.cmp(&sb));
            prop_assert_eq!(a.cmp(&b), compare_decimal(&sa, &sb));
            prop_assert_eq!(SequenceNumber::parse(&sa), Some(a));
        }

        #[test]
        fn a_shard_never_goes_backwards(
            steps in proptest::collection::vec((0u64..10_000, proptest::option::of(0u64..20_000)), 1..200)
        ) {
            let mut last = SequenceNumber::shard_start(2, 9, T0);
            for (dt, floor_dt) in steps {
                let floor = floor_dt.map(|f| SequenceNumber { time_ms: T0 + f, counter: f, ..last });
                let next = next_sequence_number(last, T0 + dt, floor);
                prop_assert!(next > last);
                prop_assert!(next.to_string() > last.to_string());
                if let Some(floor) = floor {
                    prop_assert!(next > floor);
                }
                prop_assert!(next.belongs_to(2, 9));
                last = next;
            }
            prop_assert!(SequenceNumber::shard_end(last, T0) > last);
        }
    }
}
