//! Domain errors of STS. The wire layer maps each kind to its code, fault and HTTP
//! status in one table (`sluice-server/src/sts/errors.rs`).

/// Which AWS error this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Not non_exhaustive: each service's error table must name every kind.
pub enum StsErrorKind {
    /// A parameter failed the model's constraints ("1 validation error detected: ...").
    ValidationError,
    AccessDenied,
    MalformedPolicyDocument,
    InvalidParameterValue,
    MissingParameter,
    InvalidAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    pub kind: StsErrorKind,
    pub message: String,
}

impl StsError {
    pub fn new(kind: StsErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// One failed model constraint, worded as AWS's validation layer words it.
    pub fn validation(value: &str, member: &str, constraint: &str) -> Self {
        Self::new(
            StsErrorKind::ValidationError,
            format!(
                "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
            ),
        )
    }

    /// A required member that is absent.
    pub fn missing(member: &str) -> Self {
        Self::new(
            StsErrorKind::ValidationError,
            format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ),
        )
    }
}

impl std::fmt::Display for StsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for StsError {}
