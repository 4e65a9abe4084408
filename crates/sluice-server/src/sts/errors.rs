//! STS's one error table: each domain error kind with its Query code and HTTP status.

use sluice_core::sts::{StsError, StsErrorKind};

use crate::wire::WireError;

fn table(kind: StsErrorKind) -> (u16, &'static str, &'static str) {
    use StsErrorKind::*;
    match kind {
        ValidationError => (400, "ValidationError", "com.amazonaws.sts#ValidationError"),
        AccessDenied => (403, "AccessDenied", "com.amazonaws.sts#AccessDenied"),
        MalformedPolicyDocument => (
            400,
            "MalformedPolicyDocument",
            "com.amazonaws.sts#MalformedPolicyDocumentException",
        ),
        InvalidParameterValue => (
            400,
            "InvalidParameterValue",
            "com.amazonaws.sts#InvalidParameterValue",
        ),
        MissingParameter => (
            400,
            "MissingParameter",
            "com.amazonaws.sts#MissingParameter",
        ),
        InvalidAction => (400, "InvalidAction", "com.amazonaws.sts#InvalidAction"),
    }
}

pub fn to_wire(e: &StsError) -> WireError {
    let (status, code, json_type) = table(e.kind);
    WireError::new(status, code, json_type, e.message.clone())
}

/// An action STS does not have, or that this server does not serve.
pub fn invalid_action(action: &str) -> WireError {
    to_wire(&StsError::new(
        StsErrorKind::InvalidAction,
        format!(
            "Could not find operation {action} for version {}",
            super::API_VERSION
        ),
    ))
}
