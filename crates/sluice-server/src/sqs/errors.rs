//! The one table that turns a domain error into what each SQS wire protocol says:
//! the JSON `__type`, the HTTP status and (from the core) the Query error code. Statuses
//! and codes follow the current SQS service model's `httpError` and `awsQueryError`
//! traits (for example ReceiptHandleIsInvalid 404, OverLimit and PurgeQueueInProgress 403).

use sluice_core::sqs::{SqsError, SqsErrorKind};

/// How an error goes on the wire.
pub struct WireError {
    pub status: u16,
    /// AWS JSON 1.0 `__type`.
    pub json_type: &'static str,
    /// AWS Query `<Code>`, also sent as `x-amzn-query-error`.
    pub code: &'static str,
    pub sender_fault: bool,
    pub message: String,
}

pub fn to_wire(e: &SqsError) -> WireError {
    use SqsErrorKind::*;
    let (status, json_type) = match e.kind {
        QueueDoesNotExist => (400, "com.amazonaws.sqs#QueueDoesNotExist"),
        QueueNameExists => (400, "com.amazonaws.sqs#QueueNameExists"),
        QueueDeletedRecently => (400, "com.amazonaws.sqs#QueueDeletedRecently"),
        InvalidParameterValue => (400, "com.amazonaws.sqs#InvalidParameterValue"),
        MissingParameter => (400, "com.amazonaws.sqs#MissingParameter"),
        InvalidAttributeName => (400, "com.amazonaws.sqs#InvalidAttributeName"),
        InvalidAttributeValue => (400, "com.amazonaws.sqs#InvalidAttributeValue"),
        InvalidMessageContents => (400, "com.amazonaws.sqs#InvalidMessageContents"),
        ReceiptHandleIsInvalid => (404, "com.amazonaws.sqs#ReceiptHandleIsInvalid"),
        MessageNotInflight => (400, "com.amazonaws.sqs#MessageNotInflight"),
        OverLimit => (403, "com.amazonaws.sqs#OverLimit"),
        PurgeQueueInProgress => (403, "com.amazonaws.sqs#PurgeQueueInProgress"),
        TooManyEntriesInBatchRequest => (400, "com.amazonaws.sqs#TooManyEntriesInBatchRequest"),
        EmptyBatchRequest => (400, "com.amazonaws.sqs#EmptyBatchRequest"),
        BatchEntryIdsNotDistinct => (400, "com.amazonaws.sqs#BatchEntryIdsNotDistinct"),
        BatchRequestTooLong => (400, "com.amazonaws.sqs#BatchRequestTooLong"),
        InvalidBatchEntryId => (400, "com.amazonaws.sqs#InvalidBatchEntryId"),
        UnsupportedOperation => (400, "com.amazonaws.sqs#UnsupportedOperation"),
        ResourceNotFound => (404, "com.amazonaws.sqs#ResourceNotFoundException"),
        InvalidAddress => (404, "com.amazonaws.sqs#InvalidAddress"),
        InvalidSecurity => (403, "com.amazonaws.sqs#InvalidSecurity"),
        AccessDenied => (403, "com.amazonaws.sqs#AccessDenied"),
        RequestThrottled => (403, "com.amazonaws.sqs#RequestThrottled"),
        InvalidAction => (400, "com.amazon.coral.service#UnknownOperationException"),
        MissingAction => (400, "com.amazonaws.sqs#MissingAction"),
        MalformedQueryString => (400, "com.amazonaws.sqs#MalformedQueryString"),
        InternalError => (500, "com.amazonaws.sqs#InternalError"),
        ServiceUnavailable => (503, "com.amazonaws.sqs#ServiceUnavailable"),
        KmsAccessDenied => (400, "com.amazonaws.sqs#KmsAccessDenied"),
        KmsDisabled => (400, "com.amazonaws.sqs#KmsDisabled"),
        KmsInvalidKeyUsage => (400, "com.amazonaws.sqs#KmsInvalidKeyUsage"),
        KmsInvalidState => (400, "com.amazonaws.sqs#KmsInvalidState"),
        KmsNotFound => (400, "com.amazonaws.sqs#KmsNotFound"),
        // The one KMS error the model gives 403 (httpError and awsQueryError alike).
        KmsOptInRequired => (403, "com.amazonaws.sqs#KmsOptInRequired"),
        KmsThrottled => (400, "com.amazonaws.sqs#KmsThrottled"),
        _ => (500, "com.amazonaws.sqs#InternalError"),
    };
    WireError {
        status,
        json_type,
        code: e.kind.aws_code(),
        sender_fault: e.kind.sender_fault(),
        message: e.message.clone(),
    }
}
