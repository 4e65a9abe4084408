//! SQS's one error table: each domain error kind with its HTTP status and its JSON
//! `__type` (the modelled error shape, which is not always the Query code: AWS answers
//! `InvalidParameterValueException` where Query says `InvalidParameterValue`). The
//! Query code and the fault come from the core (`SqsErrorKind::aws_code`), so batch
//! result entries and whole-request errors name errors alike. Statuses follow the SQS
//! service model's `awsQueryError` traits and AWS's recorded answers (for example
//! ReceiptHandleIsInvalid 404, OverLimit and PurgeQueueInProgress 403).

use sluice_core::sqs::{SqsError, SqsErrorKind};

use crate::wire::{Protocol, WireError};

/// What SQS's Query protocol says for a queue that does not exist; its JSON protocol
/// keeps the short text.
pub const NON_EXISTENT_QUEUE_QUERY_MESSAGE: &str =
    "The specified queue does not exist for this wsdl version.";

/// The status and JSON `__type` of each kind.
fn table(kind: SqsErrorKind) -> (u16, &'static str) {
    use SqsErrorKind::*;
    match kind {
        QueueDoesNotExist => (400, "com.amazonaws.sqs#QueueDoesNotExist"),
        QueueNameExists => (400, "com.amazonaws.sqs#QueueNameExists"),
        QueueDeletedRecently => (400, "com.amazonaws.sqs#QueueDeletedRecently"),
        InvalidParameterValue => (400, "com.amazonaws.sqs#InvalidParameterValueException"),
        MissingParameter => (400, "com.amazonaws.sqs#MissingRequiredParameterException"),
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
        InvalidAction => (400, "com.amazonaws.sqs#InvalidAction"),
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
    }
}

/// How `e` goes on the wire in `protocol`.
pub fn to_wire(e: &SqsError, protocol: Protocol) -> WireError {
    let (status, json_type) = table(e.kind);
    let message = match (e.kind, protocol) {
        (SqsErrorKind::QueueDoesNotExist, Protocol::Query { .. })
            if e.message == SqsError::queue_does_not_exist().message =>
        {
            NON_EXISTENT_QUEUE_QUERY_MESSAGE.to_owned()
        }
        _ => e.message.clone(),
    };
    let wire = WireError::new(status, e.kind.aws_code(), json_type, message);
    if e.kind.sender_fault() {
        wire
    } else {
        wire.receiver()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: Protocol = Protocol::Query {
        namespace: sluice_query::XML_NAMESPACE,
    };

    #[test]
    fn renamed_shapes_keep_their_query_codes() {
        let cases = [
            (
                SqsError::invalid_parameter("x"),
                "InvalidParameterValue",
                "com.amazonaws.sqs#InvalidParameterValueException",
            ),
            (
                SqsError::missing_parameter("QueueName"),
                "MissingParameter",
                "com.amazonaws.sqs#MissingRequiredParameterException",
            ),
            (
                SqsError::new(SqsErrorKind::QueueNameExists, "x"),
                "QueueAlreadyExists",
                "com.amazonaws.sqs#QueueNameExists",
            ),
            (
                SqsError::queue_does_not_exist(),
                "AWS.SimpleQueueService.NonExistentQueue",
                "com.amazonaws.sqs#QueueDoesNotExist",
            ),
        ];
        for (e, code, json_type) in cases {
            let wire = to_wire(&e, Protocol::Json);
            assert_eq!(
                (wire.code, wire.json_type, wire.status),
                (code, json_type, 400)
            );
        }
    }

    #[test]
    fn a_missing_queue_is_worded_per_protocol() {
        let e = SqsError::queue_does_not_exist();
        assert_eq!(to_wire(&e, Protocol::Json).message, e.message);
        assert_eq!(to_wire(&e, QUERY).message, NON_EXISTENT_QUEUE_QUERY_MESSAGE);
    }
}
