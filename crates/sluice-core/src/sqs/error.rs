//! Domain errors of the SQS core. Each kind is one AWS error; the wire layer maps a kind
//! to its code, HTTP status and fault in one table (`sluice-server/src/sqs/errors.rs`).

use std::fmt;

/// Which AWS error this is. Expected rejections are values of this enum, never panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
// Not non_exhaustive: each service's error table must name every kind.
pub enum SqsErrorKind {
    QueueDoesNotExist,
    QueueNameExists,
    QueueDeletedRecently,
    InvalidParameterValue,
    MissingParameter,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidMessageContents,
    ReceiptHandleIsInvalid,
    MessageNotInflight,
    OverLimit,
    PurgeQueueInProgress,
    TooManyEntriesInBatchRequest,
    EmptyBatchRequest,
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    InvalidBatchEntryId,
    UnsupportedOperation,
    ResourceNotFound,
    InvalidAddress,
    InvalidSecurity,
    AccessDenied,
    RequestThrottled,
    InvalidAction,
    MissingAction,
    MalformedQueryString,
    InternalError,
    ServiceUnavailable,
    // The key service's errors, as SQS reports them for encrypted queues.
    KmsAccessDenied,
    KmsDisabled,
    KmsInvalidKeyUsage,
    KmsInvalidState,
    KmsNotFound,
    KmsOptInRequired,
    KmsThrottled,
}

/// An SQS error: its kind and the message a client sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsError {
    pub kind: SqsErrorKind,
    pub message: String,
}

pub type SqsResult<T> = Result<T, SqsError>;

impl SqsError {
    pub fn new(kind: SqsErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn queue_does_not_exist() -> Self {
        Self::new(
            SqsErrorKind::QueueDoesNotExist,
            "The specified queue does not exist.",
        )
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(SqsErrorKind::InvalidParameterValue, message)
    }

    /// "Value X for parameter P is invalid. Reason: R." as AWS words it.
    pub fn invalid_value(param: &str, value: impl fmt::Display, reason: &str) -> Self {
        Self::invalid_parameter(format!(
            "Value {value} for parameter {param} is invalid. Reason: {reason}"
        ))
    }

    pub fn missing_parameter(param: &str) -> Self {
        Self::new(
            SqsErrorKind::MissingParameter,
            format!("The request must contain the parameter {param}."),
        )
    }

    pub fn invalid_attribute_value(name: &str) -> Self {
        Self::new(
            SqsErrorKind::InvalidAttributeValue,
            format!("Invalid value for the parameter {name}."),
        )
    }

    pub fn invalid_attribute_name(name: &str) -> Self {
        Self::new(
            SqsErrorKind::InvalidAttributeName,
            format!("Unknown Attribute {name}."),
        )
    }

    pub fn receipt_handle_invalid(handle: &str) -> Self {
        Self::new(
            SqsErrorKind::ReceiptHandleIsInvalid,
            format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(SqsErrorKind::InternalError, message)
    }
}

impl fmt::Display for SqsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for SqsError {}

impl SqsErrorKind {
    /// The AWS error code as the Query protocol and batch result entries spell it.
    pub fn aws_code(&self) -> &'static str {
        match self {
            Self::QueueDoesNotExist => "AWS.SimpleQueueService.NonExistentQueue",
            Self::QueueNameExists => "QueueAlreadyExists",
            Self::QueueDeletedRecently => "AWS.SimpleQueueService.QueueDeletedRecently",
            Self::InvalidParameterValue => "InvalidParameterValue",
            Self::MissingParameter => "MissingParameter",
            Self::InvalidAttributeName => "InvalidAttributeName",
            Self::InvalidAttributeValue => "InvalidAttributeValue",
            Self::InvalidMessageContents => "InvalidMessageContents",
            Self::ReceiptHandleIsInvalid => "ReceiptHandleIsInvalid",
            Self::MessageNotInflight => "AWS.SimpleQueueService.MessageNotInflight",
            Self::OverLimit => "OverLimit",
            Self::PurgeQueueInProgress => "AWS.SimpleQueueService.PurgeQueueInProgress",
            Self::TooManyEntriesInBatchRequest => {
                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
            }
            Self::EmptyBatchRequest => "AWS.SimpleQueueService.EmptyBatchRequest",
            Self::BatchEntryIdsNotDistinct => "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            Self::BatchRequestTooLong => "AWS.SimpleQueueService.BatchRequestTooLong",
            Self::InvalidBatchEntryId => "AWS.SimpleQueueService.InvalidBatchEntryId",
            Self::UnsupportedOperation => "AWS.SimpleQueueService.UnsupportedOperation",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::InvalidAddress => "InvalidAddress",
            Self::InvalidSecurity => "InvalidSecurity",
            Self::AccessDenied => "AccessDenied",
            Self::RequestThrottled => "RequestThrottled",
            Self::InvalidAction => "InvalidAction",
            Self::MissingAction => "MissingAction",
            Self::MalformedQueryString => "MalformedQueryString",
            Self::InternalError => "InternalError",
            Self::ServiceUnavailable => "ServiceUnavailable",
            Self::KmsAccessDenied => "KMS.AccessDeniedException",
            Self::KmsDisabled => "KMS.DisabledException",
            Self::KmsInvalidKeyUsage => "KMS.InvalidKeyUsageException",
            Self::KmsInvalidState => "KMS.InvalidStateException",
            Self::KmsNotFound => "KMS.NotFoundException",
            Self::KmsOptInRequired => "KMS.OptInRequired",
            Self::KmsThrottled => "KMS.ThrottlingException",
        }
    }

    /// Whether the caller is at fault (Sender) rather than the service (Receiver).
    pub fn sender_fault(&self) -> bool {
        !matches!(self, Self::InternalError | Self::ServiceUnavailable)
    }
}
