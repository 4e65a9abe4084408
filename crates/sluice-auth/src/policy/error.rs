//! Why a policy document was refused. These are detailed for logs and tests; SQS itself
//! answers most of them with the same terse "Invalid value for the parameter Policy."
//! (see `validate`).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyError {
    #[error("policy is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("{element} must be {expected}")]
    WrongType {
        element: &'static str,
        expected: &'static str,
    },
    #[error("unknown element {0:?}")]
    UnknownElement(String),
    #[error("unsupported policy Version {0:?}; expected \"2012-10-17\" or \"2008-10-17\"")]
    UnsupportedVersion(String),
    #[error("policy has no Statement")]
    MissingStatement,
    #[error("Effect must be \"Allow\" or \"Deny\", not {0:?}")]
    InvalidEffect(String),
    #[error("statement has neither {0} nor Not{0}")]
    MissingElement(&'static str),
    #[error("statement has both {0} and Not{0}")]
    ConflictingElements(&'static str),
    #[error("invalid principal {0:?}")]
    InvalidPrincipal(String),
    #[error("unknown condition operator {0:?}")]
    UnknownConditionOperator(String),
    #[error("condition {operator} {key}: value {value:?} does not fit the operator")]
    InvalidConditionValue {
        operator: String,
        key: String,
        value: String,
    },
    #[error("invalid action {0:?}")]
    InvalidAction(String),
}
