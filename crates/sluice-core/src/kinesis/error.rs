//! Domain errors of Kinesis Data Streams. Each kind is one of the exceptions the service
//! model declares; [`KinesisErrorKind::code`] is its `__type` and
//! [`KinesisErrorKind::http_status`] its status. Kinesis speaks AWS JSON 1.1 (and CBOR),
//! where every client error is answered 400 and a server fault 500: the model gives no
//! other status, and AWS's recorded answers carry 400 for each client exception.
//!
//! Messages are AWS's texts where AWS's answers are on record; a constructor whose text
//! is Sluice's own says so.

use std::fmt;

/// Which Kinesis exception this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
// Not non_exhaustive: the wire module's error table must name every kind.
pub enum KinesisErrorKind {
    /// The stream, shard or consumer does not exist.
    ResourceNotFound,
    /// The resource exists but is not in a state for this action (not ACTIVE, already
    /// exists, a subscription too soon after another).
    ResourceInUse,
    /// A parameter breaks a rule the service checks (not a model constraint).
    InvalidArgument,
    /// A quota: shards per account, consumers per stream, tags, rate of control calls.
    LimitExceeded,
    /// A shard iterator older than five minutes.
    ExpiredIterator,
    /// A NextToken older than its lifetime.
    ExpiredNextToken,
    /// A per-shard throughput limit (only when the server enforces them).
    ProvisionedThroughputExceeded,
    /// A member breaks a constraint of the model (length, pattern, range): AWS's
    /// "1 validation error detected: ..." answers.
    Validation,
    AccessDenied,
    /// The request rate for an account-level action is too high.
    Throttling,
    KmsAccessDenied,
    KmsDisabled,
    KmsInvalidState,
    KmsNotFound,
    KmsOptInRequired,
    KmsThrottling,
    /// An unexpected server fault (500): AWS's common `InternalFailure`. (The model's
    /// InternalFailureException shape is the same fault inside a SubscribeToShard event
    /// stream, where the wire module names it so.)
    InternalFailure,
    /// The store cannot make changes durable right now (503, retryable). Not in the model:
    /// AWS's front end answers `ServiceUnavailable` the same way.
    ServiceUnavailable,
    /// A Kinesis action Sluice does not implement (501); never a silent success.
    NotSupported,
}

impl KinesisErrorKind {
    /// The `__type` (and CBOR `__type`) AWS answers.
    pub fn code(self) -> &'static str {
        use KinesisErrorKind::*;
        match self {
            ResourceNotFound => "ResourceNotFoundException",
            ResourceInUse => "ResourceInUseException",
            InvalidArgument => "InvalidArgumentException",
            LimitExceeded => "LimitExceededException",
            ExpiredIterator => "ExpiredIteratorException",
            ExpiredNextToken => "ExpiredNextTokenException",
            ProvisionedThroughputExceeded => "ProvisionedThroughputExceededException",
            Validation => "ValidationException",
            AccessDenied => "AccessDeniedException",
            Throttling => "ThrottlingException",
            KmsAccessDenied => "KMSAccessDeniedException",
            KmsDisabled => "KMSDisabledException",
            KmsInvalidState => "KMSInvalidStateException",
            KmsNotFound => "KMSNotFoundException",
            KmsOptInRequired => "KMSOptInRequired",
            KmsThrottling => "KMSThrottlingException",
            InternalFailure => "InternalFailure",
            ServiceUnavailable => "ServiceUnavailable",
            NotSupported => "NotImplemented",
        }
    }

    /// The HTTP status AWS answers with.
    pub fn http_status(self) -> u16 {
        match self {
            KinesisErrorKind::InternalFailure => 500,
            KinesisErrorKind::NotSupported => 501,
            KinesisErrorKind::ServiceUnavailable => 503,
            _ => 400,
        }
    }

    /// Whether the fault is the server's (SDKs retry these).
    pub fn is_server_fault(self) -> bool {
        self.http_status() >= 500
    }
}

/// A Kinesis error: its kind and AWS's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinesisError {
    pub kind: KinesisErrorKind,
    pub message: String,
}

pub type KinesisResult<T> = Result<T, KinesisError>;

impl KinesisError {
    pub fn new(kind: KinesisErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(KinesisErrorKind::InvalidArgument, message)
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(KinesisErrorKind::LimitExceeded, message)
    }

    /// One model constraint broken: "1 validation error detected: Value 'v' at 'member'
    /// failed to satisfy constraint: Member must ...". `member` is the lower-camel name
    /// AWS quotes (`streamName`); `constraint` follows "Member must".
    pub fn validation(value: &str, member: &str, constraint: &str) -> Self {
        Self::validations(&[Violation::new(value, member, constraint)])
    }

    /// Several model constraints broken at once, joined as AWS joins them ("2 validation
    /// errors detected: ...; ...").
    pub fn validations(violations: &[Violation]) -> Self {
        let n = violations.len();
        let noun = if n == 1 { "error" } else { "errors" };
        let parts: Vec<String> = violations.iter().map(Violation::to_string).collect();
        Self::new(
            KinesisErrorKind::Validation,
            format!("{n} validation {noun} detected: {}", parts.join("; ")),
        )
    }

    /// "Stream NAME under account ACCOUNT not found."
    pub fn stream_not_found(name: &str, account_id: &str) -> Self {
        Self::new(
            KinesisErrorKind::ResourceNotFound,
            format!("Stream {name} under account {account_id} not found."),
        )
    }

    /// CreateStream of a name in use: "Stream NAME under account ACCOUNT already exists."
    pub fn stream_exists(name: &str, account_id: &str) -> Self {
        Self::new(
            KinesisErrorKind::ResourceInUse,
            format!("Stream {name} under account {account_id} already exists."),
        )
    }

    /// An action that needs an ACTIVE stream: "Stream NAME under account ACCOUNT not
    /// ACTIVE, instead in state STATUS".
    pub fn stream_not_active(name: &str, account_id: &str, status: &str) -> Self {
        Self::new(
            KinesisErrorKind::ResourceInUse,
            format!(
                "Stream {name} under account {account_id} not ACTIVE, instead in state {status}"
            ),
        )
    }

    /// Resharding names a shard the stream lacks: "Could not find shard ID in stream NAME
    /// under account ACCOUNT."
    pub fn shard_not_found_for_reshard(shard_id: &str, name: &str, account_id: &str) -> Self {
        Self::new(
            KinesisErrorKind::ResourceNotFound,
            format!("Could not find shard {shard_id} in stream {name} under account {account_id}."),
        )
    }

    /// GetShardIterator (and reads) of a shard the stream lacks: "Shard ID in stream NAME
    /// under account ACCOUNT does not exist".
    pub fn shard_not_found(shard_id: &str, name: &str, account_id: &str) -> Self {
        Self::new(
            KinesisErrorKind::ResourceNotFound,
            format!("Shard {shard_id} in stream {name} under account {account_id} does not exist"),
        )
    }

    /// A consumer ARN or name that names no consumer. (Sluice's wording: AWS's recorded
    /// answers vary by action.)
    pub fn consumer_not_found(consumer: &str, account_id: &str) -> Self {
        Self::new(
            KinesisErrorKind::ResourceNotFound,
            format!("Consumer {consumer} under account {account_id} not found."),
        )
    }

    /// "This request would exceed the shard limit for the account ACCOUNT in REGION. ..."
    pub fn shard_limit(
        account_id: &str,
        region: &str,
        current: u64,
        limit: u64,
        additional: u64,
    ) -> Self {
        Self::limit_exceeded(format!(
            "This request would exceed the shard limit for the account {account_id} in {region}. \
             Current shard count for the account: {current}. Limit: {limit}. Number of additional \
             shards that would have resulted from this request: {additional}. Refer to the AWS \
             Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) \
             for current limits and how to request higher limits."
        ))
    }

    /// A Kinesis action Sluice has not implemented yet, named in the message.
    pub fn not_supported(action: &str) -> Self {
        Self::new(
            KinesisErrorKind::NotSupported,
            format!("The Kinesis action {action} is not yet supported by Sluice."),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(KinesisErrorKind::InternalFailure, message)
    }
}

impl fmt::Display for KinesisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for KinesisError {}

/// One broken model constraint, as AWS words it inside a ValidationException.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub value: String,
    pub member: String,
    /// What follows "failed to satisfy constraint: " ("Member must have length less than
    /// or equal to 128").
    pub constraint: String,
}

impl Violation {
    /// A constraint on the member itself: `must` follows "Member must".
    pub fn new(value: &str, member: &str, must: &str) -> Self {
        Self::raw(value, member, &format!("Member must {must}"))
    }

    /// A constraint worded in full, such as a map's: "Map keys must satisfy constraint:
    /// [Member must have length less than or equal to 128, ...]".
    pub fn raw(value: &str, member: &str, constraint: &str) -> Self {
        Self {
            value: value.to_owned(),
            member: member.to_owned(),
            constraint: constraint.to_owned(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Value '{}' at '{}' failed to satisfy constraint: {}",
            self.value, self.member, self.constraint
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_the_models_codes_and_statuses() {
        let table = [
            (
                KinesisErrorKind::ResourceNotFound,
                "ResourceNotFoundException",
                400,
            ),
            (
                KinesisErrorKind::ResourceInUse,
                "ResourceInUseException",
                400,
            ),
            (
                KinesisErrorKind::InvalidArgument,
                "InvalidArgumentException",
                400,
            ),
            (
                KinesisErrorKind::LimitExceeded,
                "LimitExceededException",
                400,
            ),
            (
                KinesisErrorKind::ExpiredIterator,
                "ExpiredIteratorException",
                400,
            ),
            (
                KinesisErrorKind::ExpiredNextToken,
                "ExpiredNextTokenException",
                400,
            ),
            (
                KinesisErrorKind::ProvisionedThroughputExceeded,
                "ProvisionedThroughputExceededException",
                400,
            ),
            (KinesisErrorKind::Validation, "ValidationException", 400),
            (KinesisErrorKind::AccessDenied, "AccessDeniedException", 400),
            (KinesisErrorKind::KmsOptInRequired, "KMSOptInRequired", 400),
            (KinesisErrorKind::KmsNotFound, "KMSNotFoundException", 400),
            (KinesisErrorKind::InternalFailure, "InternalFailure", 500),
            (
                KinesisErrorKind::ServiceUnavailable,
                "ServiceUnavailable",
                503,
            ),
        ];
        for (kind, code, status) in table {
            assert_eq!(kind.code(), code);
            assert_eq!(kind.http_status(), status, "{code}");
        }
        assert!(!KinesisErrorKind::InvalidArgument.is_server_fault());
        assert!(KinesisErrorKind::InternalFailure.is_server_fault());
    }

    #[test]
    fn validation_messages_read_as_aws_writes_them() {
        let e = KinesisError::validation(
            "a b",
            "streamName",
            "satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        );
        assert_eq!(e.kind, KinesisErrorKind::Validation);
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'a b' at 'streamName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        );
        let e = KinesisError::validations(&[
            Violation::new("0", "shardCount", "have value greater than or equal to 1"),
            Violation::new("x", "y", "z"),
        ]);
        assert!(e
            .message
            .starts_with("2 validation errors detected: Value '0' at 'shardCount'"));
        assert!(e.message.contains("; Value 'x' at 'y'"));
    }

    #[test]
    fn stream_messages() {
        assert_eq!(
            KinesisError::stream_not_found("s", "000000000000").message,
            "Stream s under account 000000000000 not found."
        );
        assert_eq!(
            KinesisError::stream_not_active("s", "1", "UPDATING").message,
            "Stream s under account 1 not ACTIVE, instead in state UPDATING"
        );
        let e = KinesisError::shard_limit("1", "us-east-1", 0, 500, 1000);
        assert!(e.message.starts_with(
            "This request would exceed the shard limit for the account 1 in us-east-1. Current \
             shard count for the account: 0. Limit: 500. Number of additional shards that would \
             have resulted from this request: 1000."
        ));
    }
}
