//! Names and identities: stream and consumer names, stream ARNs
//! (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`), consumer ARNs
//! (`STREAMARN/consumer/NAME:CREATION_EPOCH_SECONDS`), the StreamName-or-StreamARN choice
//! every stream action offers, and shard ids (`shardId-000000000000`).

use serde::{Deserialize, Serialize};

use super::error::{KinesisError, KinesisResult};
use super::limits::{
    ARN_MAX_CHARS, CONSUMER_NAME_MAX_CHARS, NAME_PATTERN, STREAM_NAME_MAX_CHARS,
    STREAM_NAME_MIN_CHARS,
};

/// The pattern the model gives StreamARN, quoted in AWS's ValidationException.
pub const STREAM_ARN_PATTERN: &str = "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+";
/// The pattern the model gives ConsumerARN.
pub const CONSUMER_ARN_PATTERN: &str =
    "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+";
/// Shard ids are `shardId-` and the shard's index in twelve zero-padded digits.
pub const SHARD_ID_PREFIX: &str = "shardId-";
pub const SHARD_ID_DIGITS: usize = 12;
/// The largest shard index a shard id resolves to (indexes are 31-bit, as AWS's are).
pub const SHARD_INDEX_MAX: u32 = i32::MAX as u32;

/// A stream's identity: its region, account and name. Two streams of the same name
/// created one after the other share a key; their creation time tells them apart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StreamKey {
    pub region: String,
    pub account_id: String,
    pub name: String,
}

impl StreamKey {
    pub fn new(region: &str, account_id: &str, name: &str) -> Self {
        Self {
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            name: name.to_owned(),
        }
    }

    /// `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:kinesis:{}:{}:stream/{}",
            self.region, self.account_id, self.name
        )
    }

    /// A consumer's ARN: the stream's ARN, `/consumer/NAME` and `:` the consumer's
    /// creation time in epoch seconds, as RegisterStreamConsumer answers it.
    pub fn consumer_arn(&self, consumer_name: &str, created_at_s: u64) -> String {
        format!("{}/consumer/{consumer_name}:{created_at_s}", self.arn())
    }
}

/// A consumer's identity as its ARN spells it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsumerKey {
    pub stream: StreamKey,
    pub name: String,
    /// The consumer's creation time, epoch seconds: tells a consumer from a later one of
    /// the same name.
    pub created_at_s: u64,
}

impl ConsumerKey {
    pub fn arn(&self) -> String {
        self.stream.consumer_arn(&self.name, self.created_at_s)
    }
}

fn name_chars_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Checks a name member (StreamName, ConsumerName) against the model: 1 to `max` characters
/// of `[a-zA-Z0-9_.-]`. `member` is AWS's lower-camel name for the ValidationException.
fn check_name(value: &str, member: &str, max: usize) -> KinesisResult<()> {
    let mut violations = Vec::new();
    let chars = value.chars().count();
    if chars < STREAM_NAME_MIN_CHARS {
        violations.push(super::error::Violation::new(
            value,
            member,
            "have length greater than or equal to 1",
        ));
    }
    if chars > max {
        violations.push(super::error::Violation::new(
            value,
            member,
            &format!("have length less than or equal to {max}"),
        ));
    }
    if !name_chars_ok(value) {
        violations.push(super::error::Violation::new(
            value,
            member,
            &format!("satisfy regular expression pattern: {NAME_PATTERN}"),
        ));
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(KinesisError::validations(&violations))
    }
}

/// A StreamName member as the model constrains it.
pub fn check_stream_name(name: &str) -> KinesisResult<()> {
    check_name(name, "streamName", STREAM_NAME_MAX_CHARS)
}

/// A ConsumerName member as the model constrains it.
pub fn check_consumer_name(name: &str) -> KinesisResult<()> {
    check_name(name, "consumerName", CONSUMER_NAME_MAX_CHARS)
}

/// Splits `arn:PARTITION:kinesis:REGION:ACCOUNT:RESOURCE`, requiring the shape the model's
/// patterns share: an `aws` partition, the kinesis service and a twelve-digit account.
fn kinesis_arn_parts(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("kinesis"), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (partition.starts_with("aws") && account_ok && arn.len() <= ARN_MAX_CHARS)
        .then_some((region, account, rest))
}

/// The stream a StreamARN member names, or AWS's ValidationException quoting the model's
/// pattern. (A name in the ARN that is not a valid stream name fails the same way.)
pub fn parse_stream_arn(arn: &str) -> KinesisResult<StreamKey> {
    let invalid = || {
        KinesisError::validation(
            arn,
            "streamARN",
            &format!("satisfy regular expression pattern: {STREAM_ARN_PATTERN}"),
        )
    };
    let (region, account, resource) = kinesis_arn_parts(arn).ok_or_else(invalid)?;
    let name = resource.strip_prefix("stream/").ok_or_else(invalid)?;
    if !name_chars_ok(name) || name.len() > STREAM_NAME_MAX_CHARS {
        return Err(invalid());
    }
    Ok(StreamKey::new(region, account, name))
}

/// The consumer a ConsumerARN member names, or AWS's ValidationException.
pub fn parse_consumer_arn(arn: &str) -> KinesisResult<ConsumerKey> {
    let invalid = || {
        KinesisError::validation(
            arn,
            "consumerARN",
            &format!("satisfy regular expression pattern: {CONSUMER_ARN_PATTERN}"),
        )
    };
    let (region, account, resource) = kinesis_arn_parts(arn).ok_or_else(invalid)?;
    let rest = resource.strip_prefix("stream/").ok_or_else(invalid)?;
    let (stream, consumer) = rest.split_once("/consumer/").ok_or_else(invalid)?;
    let (name, created) = consumer.rsplit_once(':').ok_or_else(invalid)?;
    let created_at_s: u64 = created.parse().map_err(|_| invalid())?;
    let names_ok = name_chars_ok(stream)
        && stream.len() <= STREAM_NAME_MAX_CHARS
        && name_chars_ok(name)
        && name.len() <= CONSUMER_NAME_MAX_CHARS;
    if !names_ok || !created.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    Ok(ConsumerKey {
        stream: StreamKey::new(region, account, stream),
        name: name.to_owned(),
        created_at_s,
    })
}

/// The stream an action names by StreamName (in the caller's region and account) or by
/// StreamARN, as the current model lets every stream action do. With both, they must name
/// the same stream.
///
/// The texts for neither and for a mismatch are Sluice's (inferred: AWS's answers for
/// these were not recorded), worded like AWS's ListShards "Either NextToken or StreamName
/// should be provided.".
pub fn resolve_stream(
    name: Option<&str>,
    arn: Option<&str>,
    region: &str,
    account_id: &str,
) -> KinesisResult<StreamKey> {
    match (name, arn) {
        (None, None) => Err(KinesisError::invalid_argument(
            "Either StreamName or StreamARN should be provided.",
        )),
        (Some(name), None) => {
            check_stream_name(name)?;
            Ok(StreamKey::new(region, account_id, name))
        }
        (None, Some(arn)) => parse_stream_arn(arn),
        (Some(name), Some(arn)) => {
            check_stream_name(name)?;
            let key = parse_stream_arn(arn)?;
            if key.name != name {
                return Err(KinesisError::invalid_argument(format!(
                    "StreamARN {arn} does not name the stream {name}."
                )));
            }
            Ok(key)
        }
    }
}

/// A ShardId member (ShardToSplit, ShardId, ExclusiveStartShardId, ...) checked against
/// the model: 1 to 128 characters of `[a-zA-Z0-9_.-]`. Whether it names a shard is
/// [`parse_shard_id`]'s to say.
pub fn check_shard_id_member(id: &str, member: &str) -> KinesisResult<()> {
    check_name(id, member, super::limits::SHARD_ID_MAX_CHARS)
}

/// The shard id of a shard index: `shardId-` and twelve zero-padded digits.
pub fn shard_id(index: u32) -> String {
    format!("{SHARD_ID_PREFIX}{index:0width$}", width = SHARD_ID_DIGITS)
}

/// The shard index a ShardId member names, or `None` when it names none.
///
/// AWS resolves a shard id by the number after its last `-` (so `shardId-1` and
/// `anything-000000000001` both name `shardId-000000000001`, and its errors then name the
/// canonical id); a bare number names that index too. This follows AWS's recorded
/// answers; AWS's documentation does not say it.
pub fn parse_shard_id(id: &str) -> Option<u32> {
    let digits = id.rsplit_once('-').map_or(id, |(_, d)| d);
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index: u64 = digits.parse().ok()?;
    (index <= u64::from(SHARD_INDEX_MAX)).then_some(index as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::error::KinesisErrorKind;

    #[test]
    fn stream_names_follow_the_model() {
        for ok in ["s", "my-stream", "a.b_c-D9", &"x".repeat(128)] {
            assert!(check_stream_name(ok).is_ok(), "{ok}");
        }
        let e = check_stream_name("a b").unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::Validation);
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'a b' at 'streamName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        );
        let long = "x".repeat(129);
        let e = check_stream_name(&long).unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "1 validation error detected: Value '{long}' at 'streamName' failed to \
                 satisfy constraint: Member must have length less than or equal to 128"
            )
        );
        let e = check_stream_name("").unwrap_err();
        assert!(
            e.message.starts_with("2 validation errors detected"),
            "{}",
            e.message
        );
        assert!(check_consumer_name("c/1").is_err());
    }

    #[test]
    fn stream_arns_round_trip() {
        let key = StreamKey::new("us-east-1", "000000000000", "orders");
        assert_eq!(
            key.arn(),
            "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
        );
        assert_eq!(parse_stream_arn(&key.arn()).unwrap(), key);
        let china = "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s";
        assert_eq!(parse_stream_arn(china).unwrap().region, "cn-north-1");
        for bad in [
            "arn:aws:kinesis:us-east-1:0000:stream/orders",
            "arn:aws:sqs:us-east-1:000000000000:stream/orders",
            "arn:aws:kinesis:us-east-1:000000000000:queue/orders",
            "arn:aws:kinesis:us-east-1:000000000000:stream/",
            "arn:aws:kinesis:us-east-1:000000000000:stream/a/b",
            "orders",
        ] {
            let e = parse_stream_arn(bad).unwrap_err();
            assert_eq!(e.kind, KinesisErrorKind::Validation, "{bad}");
            assert!(e.message.contains("at 'streamARN'"), "{}", e.message);
        }
    }

    #[test]
    fn consumer_arns_round_trip() {
        let stream = StreamKey::new("eu-west-1", "111122223333", "s");
        let arn = stream.consumer_arn("app", 1_700_000_000);
        assert_eq!(
            arn,
            "arn:aws:kinesis:eu-west-1:111122223333:stream/s/consumer/app:1700000000"
        );
        let key = parse_consumer_arn(&arn).unwrap();
        assert_eq!(key.stream, stream);
        assert_eq!(key.name, "app");
        assert_eq!(key.created_at_s, 1_700_000_000);
        assert_eq!(key.arn(), arn);
        for bad in [
            "arn:aws:kinesis:eu-west-1:111122223333:stream/s/consumer/app",
            "arn:aws:kinesis:eu-west-1:111122223333:stream/s",
            "arn:aws:kinesis:eu-west-1:111122223333:stream/s/consumer/a b:1",
        ] {
            assert!(parse_consumer_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn streams_resolve_by_name_or_arn() {
        let by_name = resolve_stream(Some("s"), None, "us-east-1", "000000000000").unwrap();
        assert_eq!(by_name, StreamKey::new("us-east-1", "000000000000", "s"));
        let other = "arn:aws:kinesis:us-west-2:111111111111:stream/s";
        let by_arn = resolve_stream(None, Some(other), "us-east-1", "000000000000").unwrap();
        assert_eq!(by_arn, StreamKey::new("us-west-2", "111111111111", "s"));
        assert_eq!(
            resolve_stream(Some("s"), Some(other), "us-east-1", "000000000000").unwrap(),
            by_arn
        );
        assert!(resolve_stream(Some("t"), Some(other), "r", "a").is_err());
        let e = resolve_stream(None, None, "r", "a").unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    }

    proptest::proptest! {
        #[test]
        fn arns_round_trip_for_any_valid_name(
            name in "[a-zA-Z0-9_.-]{1,128}",
            consumer in "[a-zA-Z0-9_.-]{1,128}",
            created in 0u64..10_000_000_000,
        ) {
            let key = StreamKey::new("us-east-1", "123456789012", &name);
            proptest::prop_assert!(check_stream_name(&name).is_ok());
            proptest::prop_assert_eq!(parse_stream_arn(&key.arn()).unwrap(), key.clone());
            let c = parse_consumer_arn(&key.consumer_arn(&consumer, created)).unwrap();
            proptest::prop_assert_eq!(c.stream, key);
            proptest::prop_assert_eq!(c.name, consumer);
            proptest::prop_assert_eq!(c.created_at_s, created);
        }
    }

    #[test]
    fn shard_id_members() {
        assert!(check_shard_id_member("shardId-000000000000", "shardId").is_ok());
        let e = check_shard_id_member("shard/1", "shardToSplit").unwrap_err();
        assert!(e.message.contains("at 'shardToSplit'"));
    }

    #[test]
    fn shard_ids() {
        assert_eq!(shard_id(0), "shardId-000000000000");
        assert_eq!(shard_id(42), "shardId-000000000042");
        let table = [
            ("shardId-000000000000", Some(0)),
            ("shardId-000000000012", Some(12)),
            ("shardId-1", Some(1)),
            ("whatever-0002", Some(2)),
            ("7", Some(7)),
            ("shardId-2147483647", Some(SHARD_INDEX_MAX)),
            ("shardId-2147483648", None),
            ("shardId-", None),
            ("shardId-x1", None),
            ("", None),
        ];
        for (id, want) in table {
            assert_eq!(parse_shard_id(id), want, "{id}");
        }
    }
}
