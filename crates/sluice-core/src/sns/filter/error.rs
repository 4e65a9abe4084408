//! The one error a filter policy can fail with: AWS's `InvalidParameter`, carrying the text
//! AWS writes after its prefix. AWS words the prefix by the call that carried the policy
//! (`Subscribe` adds "Attributes Reason: "), so the wire layer picks the [`PolicyCall`].
//!
//! AWS also appends a Jackson parser position ("\n at [Source: ...; line: 1, column: N]")
//! to most rule errors; Sluice does not reproduce that suffix.

use std::fmt;

/// AWS's error code for every filter policy rejection (HTTP 400, Sender fault).
pub const INVALID_PARAMETER_CODE: &str = "InvalidParameter";

/// Which action carried the policy; AWS's message prefix differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCall {
    Subscribe,
    SetSubscriptionAttributes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterPolicyError {
    detail: String,
}

impl FilterPolicyError {
    /// A rule error, worded as AWS does after "FilterPolicy: ".
    pub(crate) fn policy(reason: impl fmt::Display) -> Self {
        Self {
            detail: format!("FilterPolicy: {reason}"),
        }
    }

    /// An error AWS words without the "FilterPolicy: " label.
    pub(crate) fn bare(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        INVALID_PARAMETER_CODE
    }

    /// The text after AWS's "Invalid parameter: " prefix, e.g.
    /// `FilterPolicy: Filter policy is too complex`.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The full message AWS returns for this error on `call`.
    pub fn message(&self, call: PolicyCall) -> String {
        match call {
            PolicyCall::Subscribe => {
                format!("Invalid parameter: Attributes Reason: {}", self.detail)
            }
            PolicyCall::SetSubscriptionAttributes => format!("Invalid parameter: {}", self.detail),
        }
    }
}

impl fmt::Display for FilterPolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(PolicyCall::SetSubscriptionAttributes))
    }
}

impl std::error::Error for FilterPolicyError {}
