//! Shard iterators: what GetShardIterator hands out and GetRecords takes back.
//!
//! An iterator is opaque to the client and carries everything a read needs, so the server
//! keeps no table of them: the stream (its key and creation time, which tells it from a
//! later stream of the same name), the shard, the resolved position and when it was issued.
//! [`IteratorClaims::encode`] lays those out in a compact binary form, an
//! [`IteratorSealer`] seals the bytes (the server plugs in an AEAD key; a forged or altered
//! iterator then fails to open), and the result travels as standard base64, at most 512
//! characters as the model requires.
//!
//! Validity, as AWS rules it: an iterator that does not decode or open is
//! InvalidArgumentException "Invalid ShardIterator."; one issued more than five minutes
//! before `now` is ExpiredIteratorException, whose text names both times.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::error::{KinesisError, KinesisErrorKind, KinesisResult};
use super::limits::{SHARD_ITERATOR_LIFETIME_MS, SHARD_ITERATOR_MAX_CHARS};
use super::names::StreamKey;
use super::sequence::{parse_starting_sequence, SequenceNumber, ShardContext};
use crate::clock::EpochMs;

/// The ShardIteratorType enum (GetShardIterator; SubscribeToShard's StartingPosition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShardIteratorType {
    AtSequenceNumber,
    AfterSequenceNumber,
    TrimHorizon,
    Latest,
    AtTimestamp,
}

impl ShardIteratorType {
    pub const ALL: [ShardIteratorType; 5] = [
        Self::AtSequenceNumber,
        Self::AfterSequenceNumber,
        Self::TrimHorizon,
        Self::Latest,
        Self::AtTimestamp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtSequenceNumber => "AT_SEQUENCE_NUMBER",
            Self::AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER",
            Self::TrimHorizon => "TRIM_HORIZON",
            Self::Latest => "LATEST",
            Self::AtTimestamp => "AT_TIMESTAMP",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Where a request asks to start, checked but not yet resolved against the shard: LATEST
/// needs the shard's tip, which only the log knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedPosition {
    At(IteratorPosition),
    /// Just after the shard's last record at the time of the request.
    Latest,
}

/// A position in a shard, as an iterator holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IteratorPosition {
    /// The record with this sequence number, or the first after it.
    AtSequence(SequenceNumber),
    /// The first record after this sequence number. LATEST resolves to this with the
    /// shard's last number (its StartingSequenceNumber when empty); every
    /// NextShardIterator is this with the last record returned.
    AfterSequence(SequenceNumber),
    /// The first record that arrived at or after this time (epoch ms).
    AtTimestamp(EpochMs),
    /// The oldest record still kept, whenever the iterator is used.
    TrimHorizon,
}

/// The GetShardIterator (or StartingPosition) members, checked as AWS checks them, with
/// AWS's texts:
///
/// - a StartingSequenceNumber with TRIM_HORIZON or LATEST, or none with
///   AT_/AFTER_SEQUENCE_NUMBER: "Must either specify (1) AT_SEQUENCE_NUMBER or
///   AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no
///   StartingSequenceNumber. Request specified T and also a/no StartingSequenceNumber.";
/// - AT_TIMESTAMP without a Timestamp: "Must specify timestampInMillis parameter for
///   iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.";
/// - a Timestamp after `now`: "The timestampInMillis parameter cannot be greater than the
///   currentTimestampInMillis. timestampInMillis: T, currentTimestampInMillis: N";
/// - a sequence number that is not the shard's: see `sequence::parse_starting_sequence`.
pub fn requested_position(
    kind: ShardIteratorType,
    starting_sequence_number: Option<&str>,
    timestamp_ms: Option<EpochMs>,
    shard: ShardContext<'_>,
    now: EpochMs,
) -> KinesisResult<RequestedPosition> {
    use ShardIteratorType::*;
    let either_or = |also: &str| {
        KinesisError::invalid_argument(format!(
            "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and \
             StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. \
             Request specified {} and {also} StartingSequenceNumber.",
            kind.as_str()
        ))
    };
    match (kind, starting_sequence_number) {
        (TrimHorizon | Latest, Some(_)) => Err(either_or("also a")),
        (AtSequenceNumber | AfterSequenceNumber, None) => Err(either_or("no")),
        (TrimHorizon, None) => Ok(RequestedPosition::At(IteratorPosition::TrimHorizon)),
        (Latest, None) => Ok(RequestedPosition::Latest),
        (AtSequenceNumber, Some(s)) => Ok(RequestedPosition::At(IteratorPosition::AtSequence(
            parse_starting_sequence(s, "startingSequenceNumber", shard)?,
        ))),
        (AfterSequenceNumber, Some(s)) => {
            Ok(RequestedPosition::At(IteratorPosition::AfterSequence(
                parse_starting_sequence(s, "startingSequenceNumber", shard)?,
            )))
        }
        (AtTimestamp, _) => {
            let Some(ts) = timestamp_ms else {
                return Err(KinesisError::invalid_argument(
                    "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. \
                     Current request has no timestamp parameter.",
                ));
            };
            if ts > now {
                return Err(KinesisError::invalid_argument(format!(
                    "The timestampInMillis parameter cannot be greater than the \
                     currentTimestampInMillis. timestampInMillis: {ts}, currentTimestampInMillis: \
                     {now}"
                )));
            }
            Ok(RequestedPosition::At(IteratorPosition::AtTimestamp(ts)))
        }
    }
}

/// What an iterator says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IteratorClaims {
    pub stream: StreamKey,
    /// The stream's creation time: an iterator of a deleted stream does not read a later
    /// stream of the same name.
    pub stream_created_at_ms: EpochMs,
    pub shard_index: u32,
    pub position: IteratorPosition,
    pub issued_at_ms: EpochMs,
}

/// The first byte of every encoded iterator: bumped when the layout changes, so an
/// iterator of another layout is refused rather than misread.
pub const ITERATOR_FORMAT_VERSION: u8 = 1;

const POS_AT: u8 = 1;
const POS_AFTER: u8 = 2;
const POS_TIMESTAMP: u8 = 3;
const POS_TRIM_HORIZON: u8 = 4;

impl IteratorClaims {
    /// The claims as bytes: version, issued-at, stream creation, shard index, position
    /// (a tag and its fields), then region, account and name, each length-prefixed. All
    /// integers big-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96 + self.stream.name.len());
        out.push(ITERATOR_FORMAT_VERSION);
        out.extend_from_slice(&self.issued_at_ms.to_be_bytes());
        out.extend_from_slice(&self.stream_created_at_ms.to_be_bytes());
        out.extend_from_slice(&self.shard_index.to_be_bytes());
        let seq = |out: &mut Vec<u8>, tag: u8, s: &SequenceNumber| {
            out.push(tag);
            out.extend_from_slice(&s.time_ms.to_be_bytes());
            out.extend_from_slice(&s.counter.to_be_bytes());
            out.extend_from_slice(&s.shard_index.to_be_bytes());
            out.extend_from_slice(&s.stream_tag.to_be_bytes());
        };
        match &self.position {
            IteratorPosition::AtSequence(s) => seq(&mut out, POS_AT, s),
            IteratorPosition::AfterSequence(s) => seq(&mut out, POS_AFTER, s),
            IteratorPosition::AtTimestamp(ts) => {
                out.push(POS_TIMESTAMP);
                out.extend_from_slice(&ts.to_be_bytes());
            }
            IteratorPosition::TrimHorizon => out.push(POS_TRIM_HORIZON),
        }
        for text in [
            &self.stream.region,
            &self.stream.account_id,
            &self.stream.name,
        ] {
            let len = u8::try_from(text.len()).expect("names are at most 255 bytes");
            out.push(len);
            out.extend_from_slice(text.as_bytes());
        }
        out
    }

    /// The claims `encode` wrote, or `None` for anything else.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.u8()? != ITERATOR_FORMAT_VERSION {
            return None;
        }
        let issued_at_ms = r.u64()?;
        let stream_created_at_ms = r.u64()?;
        let shard_index = r.u32()?;
        let seq = |r: &mut Reader<'_>| {
            Some(SequenceNumber {
                time_ms: r.u64()?,
                counter: r.u64()?,
                shard_index: r.u32()?,
                stream_tag: r.u64()?,
            })
        };
        let position = match r.u8()? {
            POS_AT => IteratorPosition::AtSequence(seq(&mut r)?),
            POS_AFTER => IteratorPosition::AfterSequence(seq(&mut r)?),
            POS_TIMESTAMP => IteratorPosition::AtTimestamp(r.u64()?),
            POS_TRIM_HORIZON => IteratorPosition::TrimHorizon,
            _ => return None,
        };
        let region = r.text()?;
        let account_id = r.text()?;
        let name = r.text()?;
        if !r.0.is_empty() {
            return None;
        }
        Some(Self {
            stream: StreamKey::new(&region, &account_id, &name),
            stream_created_at_ms,
            shard_index,
            position,
            issued_at_ms,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_be_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_be_bytes)
    }
    fn text(&mut self) -> Option<String> {
        let len = usize::from(self.u8()?);
        if self.0.len() < len {
            return None;
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}

/// Seals iterator bytes so that only this server (or one holding the same key) can open
/// them, and any change to them is noticed. The server implements it with an AEAD
/// (AES-256-GCM from `sluice-kms`); the core only needs `open(seal(x)) == Some(x)` and
/// `open` of anything else to be `None`. Sealed output must stay small: an iterator of the
/// longest names must fit 512 base64 characters (about 40 bytes of overhead at most).
pub trait IteratorSealer: Send + Sync + 'static {
    fn seal(&self, plaintext: &[u8]) -> Vec<u8>;
    fn open(&self, sealed: &[u8]) -> Option<Vec<u8>>;
}

/// Issues an iterator: the claims, sealed, in base64.
pub fn issue_iterator(sealer: &dyn IteratorSealer, claims: &IteratorClaims) -> String {
    let text = BASE64.encode(sealer.seal(&claims.encode()));
    debug_assert!(text.len() <= SHARD_ITERATOR_MAX_CHARS, "iterator too long");
    text
}

/// "Invalid ShardIterator." (AWS's text for an iterator it cannot read.)
pub fn invalid_iterator() -> KinesisError {
    KinesisError::invalid_argument("Invalid ShardIterator.")
}

/// Opens an iterator a client sent and checks its age: its claims, or AWS's
/// InvalidArgumentException for one that does not open, or ExpiredIteratorException for
/// one issued more than five minutes before `now`.
///
/// The caller still checks that the stream exists with that creation time (else
/// ResourceNotFound, as AWS answers for an iterator of a deleted stream) and the shard.
pub fn open_iterator(
    sealer: &dyn IteratorSealer,
    iterator: &str,
    now: EpochMs,
) -> KinesisResult<IteratorClaims> {
    if iterator.is_empty() || iterator.len() > SHARD_ITERATOR_MAX_CHARS {
        return Err(invalid_iterator());
    }
    let sealed = BASE64.decode(iterator).map_err(|_| invalid_iterator())?;
    let plain = sealer.open(&sealed).ok_or_else(invalid_iterator)?;
    let claims = IteratorClaims::decode(&plain).ok_or_else(invalid_iterator)?;
    if now.saturating_sub(claims.issued_at_ms) > SHARD_ITERATOR_LIFETIME_MS {
        return Err(expired_iterator(claims.issued_at_ms, now));
    }
    Ok(claims)
}

/// "Iterator expired. The iterator was created at time Thu Dec 10 01:59:39 UTC 2015 while
/// right now it is Thu Dec 10 02:06:15 UTC 2015 which is further in the future than the
/// tolerated delay of 300000 milliseconds." (Times as Java's `Date.toString` in UTC.)
pub fn expired_iterator(issued_at_ms: EpochMs, now: EpochMs) -> KinesisError {
    KinesisError::new(
        KinesisErrorKind::ExpiredIterator,
        format!(
            "Iterator expired. The iterator was created at time {} while right now it is {} \
             which is further in the future than the tolerated delay of \
             {SHARD_ITERATOR_LIFETIME_MS} milliseconds.",
            java_date(issued_at_ms),
            java_date(now)
        ),
    )
}

/// Epoch ms as Java's `Date.toString()` in UTC: `Thu Dec 10 01:59:39 UTC 2015`.
fn java_date(ms: EpochMs) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// A sealer for tests and for servers without a key service: a keyed SHA-256 tag (16
/// bytes) after the plaintext. Tamper-evident, not confidential: anyone can read the
/// claims, nobody without the key can forge or alter them.
#[derive(Clone)]
pub struct KeyedTagSealer {
    key: [u8; 32],
}

const TAG_BYTES: usize = 16;

impl KeyedTagSealer {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn tag(&self, plaintext: &[u8]) -> [u8; TAG_BYTES] {
        // Key on both sides of the message (an envelope MAC): SHA-256's length extension
        // cannot then forge a longer message.
        let digest = Sha256::new()
            .chain_update(self.key)
            .chain_update(plaintext)
            .chain_update(self.key)
            .finalize();
        digest[..TAG_BYTES].try_into().expect("16 of 32 bytes")
    }
}

impl IteratorSealer for KeyedTagSealer {
    fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut out = plaintext.to_vec();
        out.extend_from_slice(&self.tag(plaintext));
        out
    }

    fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let at = sealed.len().checked_sub(TAG_BYTES)?;
        let (plain, tag) = sealed.split_at(at);
        // Constant-time comparison.
        let expected = self.tag(plain);
        let diff = expected
            .iter()
            .zip(tag)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        (diff == 0).then(|| plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::sequence::{next_sequence_number, stream_tag};
    use proptest::prelude::*;

    const T0: u64 = 1_449_712_779_000; // Thu Dec 10 01:59:39 UTC 2015

    fn claims(position: IteratorPosition) -> IteratorClaims {
        IteratorClaims {
            stream: StreamKey::new("us-east-1", "000000000000", "orders"),
            stream_created_at_ms: T0 - 1_000,
            shard_index: 3,
            position,
            issued_at_ms: T0,
        }
    }

    fn sealer() -> KeyedTagSealer {
        KeyedTagSealer::new([7; 32])
    }

    #[test]
    fn iterators_round_trip_every_position() {
        let seq = SequenceNumber::shard_start(3, stream_tag(T0), T0);
        for position in [
            IteratorPosition::AtSequence(seq),
            IteratorPosition::AfterSequence(next_sequence_number(seq, T0, None)),
            IteratorPosition::AtTimestamp(T0 - 5),
            IteratorPosition::TrimHorizon,
        ] {
            let c = claims(position);
            let it = issue_iterator(&sealer(), &c);
            assert_eq!(open_iterator(&sealer(), &it, T0 + 1).unwrap(), c);
        }
    }

    #[test]
    fn the_longest_iterator_fits_the_model() {
        let mut c = claims(IteratorPosition::AtSequence(SequenceNumber::shard_start(
            u32::MAX >> 1,
            99_999_999_999,
            u64::MAX >> 20,
        )));
        c.stream = StreamKey::new("ap-southeast-5-longest-1", "123456789012", &"n".repeat(128));
        let it = issue_iterator(&sealer(), &c);
        // AES-GCM adds 28 bytes (nonce and tag) where this sealer adds 16: leave room.
        let aead_len = c.encode().len() + 40;
        assert!(
            aead_len.div_ceil(3) * 4 <= SHARD_ITERATOR_MAX_CHARS,
            "{}",
            it.len()
        );
    }

    #[test]
    fn iterators_expire_after_five_minutes_with_awss_text() {
        let it = issue_iterator(&sealer(), &claims(IteratorPosition::TrimHorizon));
        assert!(open_iterator(&sealer(), &it, T0 + SHARD_ITERATOR_LIFETIME_MS).is_ok());
        let now = T0 + 396_000; // Thu Dec 10 02:06:15 UTC 2015
        let e = open_iterator(&sealer(), &it, now).unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::ExpiredIterator);
        assert_eq!(
            e.message,
            "Iterator expired. The iterator was created at time Thu Dec 10 01:59:39 UTC 2015 \
             while right now it is Thu Dec 10 02:06:15 UTC 2015 which is further in the future \
             than the tolerated delay of 300000 milliseconds."
        );
    }

    #[test]
    fn tampered_and_foreign_iterators_are_invalid() {
        let it = issue_iterator(&sealer(), &claims(IteratorPosition::TrimHorizon));
        let mut bytes = BASE64.decode(&it).unwrap();
        bytes[5] ^= 1;
        let tampered = BASE64.encode(&bytes);
        let foreign = issue_iterator(
            &KeyedTagSealer::new([8; 32]),
            &claims(IteratorPosition::TrimHorizon),
        );
        for bad in [
            tampered.as_str(),
            foreign.as_str(),
            "",
            "not base64!",
            "AAAA",
            &"A".repeat(600),
        ] {
            let e = open_iterator(&sealer(), bad, T0).unwrap_err();
            assert_eq!(e.kind, KinesisErrorKind::InvalidArgument, "{bad}");
            assert_eq!(e.message, "Invalid ShardIterator.");
        }
    }

    #[test]
    fn requested_positions_follow_awss_rules() {
        let tag = stream_tag(T0);
        let shard = ShardContext {
            stream_name: "s",
            account_id: "000000000000",
            shard_index: 0,
            stream_tag: tag,
        };
        let seq = SequenceNumber::shard_start(0, tag, T0);
        let s = seq.to_string();
        use ShardIteratorType::*;
        let ok = [
            (
                TrimHorizon,
                None,
                None,
                RequestedPosition::At(IteratorPosition::TrimHorizon),
            ),
            (Latest, None, None, RequestedPosition::Latest),
            (
                AtSequenceNumber,
                Some(s.as_str()),
                None,
                RequestedPosition::At(IteratorPosition::AtSequence(seq)),
            ),
            (
                AfterSequenceNumber,
                Some(s.as_str()),
                None,
                RequestedPosition::At(IteratorPosition::AfterSequence(seq)),
            ),
            (
                AtTimestamp,
                None,
                Some(T0),
                RequestedPosition::At(IteratorPosition::AtTimestamp(T0)),
            ),
        ];
        for (kind, seq, ts, want) in ok {
            assert_eq!(
                requested_position(kind, seq, ts, shard, T0).unwrap(),
                want,
                "{kind:?}"
            );
        }
        let e = requested_position(Latest, Some(&s), None, shard, T0).unwrap_err();
        assert_eq!(
            e.message,
            "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and \
             StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. \
             Request specified LATEST and also a StartingSequenceNumber."
        );
        let e = requested_position(AtSequenceNumber, None, None, shard, T0).unwrap_err();
        assert!(e
            .message
            .ends_with("Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber."));
        let e = requested_position(AtTimestamp, None, None, shard, T0).unwrap_err();
        assert!(e
            .message
            .starts_with("Must specify timestampInMillis parameter"));
        let e = requested_position(AtTimestamp, None, Some(T0 + 1), shard, T0).unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "The timestampInMillis parameter cannot be greater than the \
                 currentTimestampInMillis. timestampInMillis: {}, currentTimestampInMillis: {T0}",
                T0 + 1
            )
        );
        assert_eq!(ShardIteratorType::parse("LATEST"), Some(Latest));
        assert_eq!(ShardIteratorType::parse("latest"), None);
    }

    fn any_position() -> impl Strategy<Value = IteratorPosition> {
        let seq = (any::<u64>(), any::<u64>(), any::<u32>(), any::<u64>()).prop_map(
            |(time_ms, counter, shard_index, stream_tag)| SequenceNumber {
                time_ms,
                counter,
                shard_index,
                stream_tag,
            },
        );
        prop_oneof![
            seq.clone().prop_map(IteratorPosition::AtSequence),
            seq.prop_map(IteratorPosition::AfterSequence),
            any::<u64>().prop_map(IteratorPosition::AtTimestamp),
            Just(IteratorPosition::TrimHorizon),
        ]
    }

    proptest! {
        #[test]
        fn any_claims_round_trip(
            name in "[a-zA-Z0-9_.-]{1,128}",
            created in any::<u64>(),
            shard_index in any::<u32>(),
            position in any_position(),
            issued in 0u64..u64::MAX / 2,
        ) {
            let c = IteratorClaims {
                stream: StreamKey::new("eu-central-1", "123456789012", &name),
                stream_created_at_ms: created,
                shard_index,
                position,
                issued_at_ms: issued,
            };
            prop_assert_eq!(IteratorClaims::decode(&c.encode()), Some(c.clone()));
            let it = issue_iterator(&sealer(), &c);
            prop_assert!(it.len() <= SHARD_ITERATOR_MAX_CHARS);
            prop_assert_eq!(open_iterator(&sealer(), &it, issued).unwrap(), c);
        }

        #[test]
        fn any_bytes_decode_or_are_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = IteratorClaims::decode(&bytes);
            let _ = open_iterator(&sealer(), &BASE64.encode(&bytes), T0);
        }

        #[test]
        fn any_single_bit_flip_is_noticed(at in 0usize..60, bit in 0u8..8) {
            let it = issue_iterator(&sealer(), &claims(IteratorPosition::TrimHorizon));
            let mut bytes = BASE64.decode(&it).unwrap();
            let at = at % bytes.len();
            bytes[at] ^= 1 << bit;
            prop_assert!(open_iterator(&sealer(), &BASE64.encode(&bytes), T0).is_err());
        }
    }
}
