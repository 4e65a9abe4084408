//! SNS's one error table: each domain error kind with its Query code, HTTP status and
//! modelled shape, as botocore's SNS model gives them (`awsQueryError`: InvalidParameter
//! 400, NotFound 404, AuthorizationError 403, ...).

use sluice_core::sns::{SnsError, SnsErrorKind};

use crate::wire::WireError;

fn table(kind: SnsErrorKind) -> (u16, &'static str, &'static str) {
    use SnsErrorKind::*;
    match kind {
        InvalidParameter => (
            400,
            "InvalidParameter",
            "com.amazonaws.sns#InvalidParameterException",
        ),
        ParameterValueInvalid => (
            400,
            "ParameterValueInvalid",
            "com.amazonaws.sns#InvalidParameterValueException",
        ),
        NotFound => (404, "NotFound", "com.amazonaws.sns#NotFoundException"),
        ResourceNotFound => (
            404,
            "ResourceNotFound",
            "com.amazonaws.sns#ResourceNotFoundException",
        ),
        AuthorizationError => (
            403,
            "AuthorizationError",
            "com.amazonaws.sns#AuthorizationErrorException",
        ),
        TopicLimitExceeded => (
            403,
            "TopicLimitExceeded",
            "com.amazonaws.sns#TopicLimitExceededException",
        ),
        SubscriptionLimitExceeded => (
            403,
            "SubscriptionLimitExceeded",
            "com.amazonaws.sns#SubscriptionLimitExceededException",
        ),
        TagLimitExceeded => (
            400,
            "TagLimitExceeded",
            "com.amazonaws.sns#TagLimitExceededException",
        ),
        EmptyBatchRequest => (
            400,
            "EmptyBatchRequest",
            "com.amazonaws.sns#EmptyBatchRequestException",
        ),
        TooManyEntriesInBatchRequest => (
            400,
            "TooManyEntriesInBatchRequest",
            "com.amazonaws.sns#TooManyEntriesInBatchRequestException",
        ),
        BatchEntryIdsNotDistinct => (
            400,
            "BatchEntryIdsNotDistinct",
            "com.amazonaws.sns#BatchEntryIdsNotDistinctException",
        ),
        InvalidBatchEntryId => (
            400,
            "InvalidBatchEntryId",
            "com.amazonaws.sns#InvalidBatchEntryIdException",
        ),
        BatchRequestTooLong => (
            400,
            "BatchRequestTooLong",
            "com.amazonaws.sns#BatchRequestTooLongException",
        ),
        InvalidAction => (400, "InvalidAction", "com.amazonaws.sns#InvalidAction"),
        ValidationError => (
            400,
            "ValidationError",
            "com.amazonaws.sns#ValidationException",
        ),
        // Not an AWS error: AWS implements these actions. 501 says the server lacks them,
        // and SDKs do not retry it.
        NotSupported => (501, "NotImplemented", "com.amazonaws.sns#NotImplemented"),
        // A feature Sluice lacks on purpose: AWS's own code for a request it will not act
        // on, so clients see the modelled InvalidParameterException and do not retry.
        FeatureNotSupported => (
            400,
            "InvalidParameter",
            "com.amazonaws.sns#InvalidParameterException",
        ),
        InternalError => (
            500,
            "InternalError",
            "com.amazonaws.sns#InternalErrorException",
        ),
        ServiceUnavailable => (
            503,
            "ServiceUnavailable",
            "com.amazonaws.sns#ServiceUnavailable",
        ),
    }
}

pub fn to_wire(e: &SnsError) -> WireError {
    let (status, code, json_type) = table(e.kind);
    let wire = WireError::new(status, code, json_type, e.message.clone());
    match e.kind {
        SnsErrorKind::InternalError | SnsErrorKind::ServiceUnavailable => wire.receiver(),
        _ => wire,
    }
}

/// An action SNS does not have.
pub fn invalid_action(action: &str) -> WireError {
    to_wire(&SnsError::new(
        SnsErrorKind::InvalidAction,
        format!(
            "Could not find operation {action} for version {}",
            sluice_core::sns::API_VERSION
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_the_model() {
        let cases = [
            (SnsError::topic_not_found(), 404, "NotFound", true),
            (
                SnsError::invalid_parameter("Topic Name"),
                400,
                "InvalidParameter",
                true,
            ),
            (
                SnsError::resource_not_found(),
                404,
                "ResourceNotFound",
                true,
            ),
            (
                SnsError::not_supported("Publish"),
                501,
                "NotImplemented",
                true,
            ),
            (
                SnsError::new(SnsErrorKind::ServiceUnavailable, "x"),
                503,
                "ServiceUnavailable",
                false,
            ),
            (
                SnsError::new(SnsErrorKind::AuthorizationError, "x"),
                403,
                "AuthorizationError",
                true,
            ),
        ];
        for (e, status, code, sender) in cases {
            let w = to_wire(&e);
            assert_eq!(
                (w.status, w.code, w.sender_fault),
                (status, code, sender),
                "{e}"
            );
        }
        assert_eq!(
            invalid_action("Nope").message,
            "Could not find operation Nope for version 2010-03-31"
        );
    }
}
