//! Validation of a queue's `Policy` attribute as SQS does it on CreateQueue and
//! SetQueueAttributes: the document must parse, be a resource policy (every statement
//! names a Principal or NotPrincipal), have at least one statement, and stay within the
//! SQS policy quotas. Failures carry the message SQS returns with InvalidAttributeValue.

use thiserror::Error;

use super::document::PolicyDocument;
use super::error::PolicyError;
use super::limits::{
    POLICY_ACTIONS_PER_STATEMENT_MAX, POLICY_CONDITIONS_MAX, POLICY_MAX_BYTES,
    POLICY_PRINCIPALS_MAX, POLICY_STATEMENTS_MAX,
};

/// The AWS error code every violation is reported under.
pub const POLICY_VIOLATION_CODE: &str = "InvalidAttributeValue";

/// The message SQS gives for a policy it cannot accept (observed AWS wording, quoted by
/// Terraform's AWS provider and by SQS emulators' conformance tests).
pub const INVALID_POLICY_MESSAGE: &str = "Invalid value for the parameter Policy.";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyViolation {
    /// Unparsable, malformed, or not a resource policy. AWS: "Invalid value for the
    /// parameter Policy."
    #[error("Invalid value for the parameter Policy.")]
    Malformed(PolicyError),
    /// A statement names no principal, which a resource policy must.
    #[error("Invalid value for the parameter Policy.")]
    MissingPrincipal { statement: usize },
    #[error("Invalid value for the parameter Policy.")]
    NoStatements,
    /// Sluice wording; AWS's exact text for this case is not documented.
    #[error("Policy is {bytes} bytes long, max allowed is {max}", max = POLICY_MAX_BYTES)]
    TooLarge { bytes: usize },
    /// AWS wording as SQS returns it: "22 statements were found in the submitted
    /// policy, max allowed is 20".
    #[error("{count} statements were found in the submitted policy, max allowed is {max}", max = POLICY_STATEMENTS_MAX)]
    TooManyStatements { count: usize },
    /// Sluice wording, after the statements message.
    #[error("{count} actions were found in a statement of the submitted policy, max allowed is {max}", max = POLICY_ACTIONS_PER_STATEMENT_MAX)]
    TooManyActions { count: usize },
    /// Sluice wording, after the statements message.
    #[error("{count} principals were found in the submitted policy, max allowed is {max}", max = POLICY_PRINCIPALS_MAX)]
    TooManyPrincipals { count: usize },
    /// Sluice wording, after the statements message.
    #[error("{count} conditions were found in the submitted policy, max allowed is {max}", max = POLICY_CONDITIONS_MAX)]
    TooManyConditions { count: usize },
}

impl PolicyViolation {
    pub fn code(&self) -> &'static str {
        POLICY_VIOLATION_CODE
    }
}

/// Checks a queue `Policy` attribute value. The empty string (which removes the policy)
/// is the caller's business and is not accepted here.
pub fn validate_queue_policy(json: &str) -> Result<PolicyDocument, PolicyViolation> {
    if json.len() > POLICY_MAX_BYTES {
        return Err(PolicyViolation::TooLarge { bytes: json.len() });
    }
    let doc = PolicyDocument::parse(json).map_err(PolicyViolation::Malformed)?;
    check_quotas(&doc)?;
    Ok(doc)
}

/// The structural and quota checks on an already parsed queue policy.
pub fn check_quotas(doc: &PolicyDocument) -> Result<(), PolicyViolation> {
    if doc.statements.is_empty() {
        return Err(PolicyViolation::NoStatements);
    }
    if doc.statements.len() > POLICY_STATEMENTS_MAX {
        return Err(PolicyViolation::TooManyStatements {
            count: doc.statements.len(),
        });
    }
    if let Some(statement) = doc.statements.iter().position(|s| s.principal.is_none()) {
        return Err(PolicyViolation::MissingPrincipal { statement });
    }
    if let Some(s) = doc
        .statements
        .iter()
        .find(|s| s.action.items.len() > POLICY_ACTIONS_PER_STATEMENT_MAX)
    {
        return Err(PolicyViolation::TooManyActions {
            count: s.action.items.len(),
        });
    }
    let principals: usize = doc
        .statements
        .iter()
        .filter_map(|s| s.principal.as_ref())
        .map(|p| p.items.ids.len())
        .sum();
    if principals > POLICY_PRINCIPALS_MAX {
        return Err(PolicyViolation::TooManyPrincipals { count: principals });
    }
    let conditions: usize = doc
        .statements
        .iter()
        .map(|s| s.condition.entries.len())
        .sum();
    if conditions > POLICY_CONDITIONS_MAX {
        return Err(PolicyViolation::TooManyConditions { count: conditions });
    }
    Ok(())
}
