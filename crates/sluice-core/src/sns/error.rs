//! Domain errors of SNS. Each kind is one of AWS's SNS error codes; the wire layer maps it
//! to its code, fault and HTTP status in one table (`sluice-server/src/sns/errors.rs`).
//! Messages are AWS's texts where AWS's answers were recorded.

/// Which AWS error this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Not non_exhaustive: the service's error table must name every kind.
pub enum SnsErrorKind {
    /// `InvalidParameter` (400): most validation failures.
    InvalidParameter,
    /// `ParameterValueInvalid` (400): the model's InvalidParameterValueException.
    ParameterValueInvalid,
    /// `NotFound` (404): a topic or subscription that does not exist.
    NotFound,
    /// `ResourceNotFound` (404): the tagging actions' missing resource.
    ResourceNotFound,
    /// `AuthorizationError` (403): an access policy refused the caller.
    AuthorizationError,
    TopicLimitExceeded,
    SubscriptionLimitExceeded,
    TagLimitExceeded,
    /// PublishBatch's request-level errors (400 each).
    EmptyBatchRequest,
    TooManyEntriesInBatchRequest,
    BatchEntryIdsNotDistinct,
    InvalidBatchEntryId,
    BatchRequestTooLong,
    /// `ValidationError` (400): a request the API model refuses (a required member
    /// missing), worded as AWS's model validation words it.
    ValidationError,
    /// `InvalidAction` (400): not an SNS action at all.
    InvalidAction,
    /// An SNS action this server does not implement yet (501); never a silent success.
    NotSupported,
    /// A feature of SNS Sluice deliberately lacks (mobile push, SMS, data protection):
    /// AWS's `InvalidParameter` (400) with a message that names the feature and Sluice,
    /// so SDKs surface it as the modelled exception and do not retry it.
    FeatureNotSupported,
    InternalError,
    /// The store cannot make changes durable (503, retryable).
    ServiceUnavailable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsError {
    pub kind: SnsErrorKind,
    pub message: String,
}

pub type SnsResult<T> = Result<T, SnsError>;

impl SnsError {
    pub fn new(kind: SnsErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// AWS's `InvalidParameter`, worded "Invalid parameter: {detail}".
    pub fn invalid_parameter(detail: impl std::fmt::Display) -> Self {
        Self::new(
            SnsErrorKind::InvalidParameter,
            format!("Invalid parameter: {detail}"),
        )
    }

    /// A bad attribute at create or subscribe time: "Invalid parameter: Attributes
    /// Reason: {detail}".
    pub fn invalid_attributes(detail: impl std::fmt::Display) -> Self {
        Self::invalid_parameter(format!("Attributes Reason: {detail}"))
    }

    pub fn topic_not_found() -> Self {
        Self::new(SnsErrorKind::NotFound, "Topic does not exist")
    }

    pub fn subscription_not_found() -> Self {
        Self::new(SnsErrorKind::NotFound, "Subscription does not exist")
    }

    pub fn resource_not_found() -> Self {
        Self::new(SnsErrorKind::ResourceNotFound, "Resource does not exist")
    }

    /// An SNS action Sluice has not implemented yet, named in the message.
    pub fn not_supported(action: &str) -> Self {
        Self::new(
            SnsErrorKind::NotSupported,
            format!("The SNS action {action} is not yet supported by Sluice."),
        )
    }
}

impl SnsError {
    /// A feature Sluice does not have, asked for by `action`: AWS's InvalidParameter with
    /// a message that says so (see [`SnsErrorKind::FeatureNotSupported`]).
    pub fn feature_not_supported(action: &str, feature: &str) -> Self {
        Self::new(
            SnsErrorKind::FeatureNotSupported,
            format!(
                "Invalid parameter: {action} Reason: Sluice does not support {feature}; \
                 nothing was created or changed"
            ),
        )
    }
}

impl std::fmt::Display for SnsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for SnsError {}
