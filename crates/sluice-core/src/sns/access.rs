//! SNS's side of access control: the IAM action each SNS action needs (`sns:` prefix)
//! and the resource it touches, a topic's ARN. The decision is the service-neutral
//! `crate::access`; a topic's Policy (or the default policy AWS writes) is its resource
//! policy.

use sluice_auth::policy::PolicyDocument;

use crate::access::{Access, Resource};
use crate::clock::EpochMs;

use super::error::{SnsError, SnsErrorKind, SnsResult};

/// The IAM action prefix of SNS.
pub const IAM_PREFIX: &str = "sns";

/// Allows or refuses `action` on the resource `arn` of `account_id`.
pub fn check_action(
    access: &Access,
    action: &str,
    arn: &str,
    account_id: &str,
    resource_policy: Option<&PolicyDocument>,
    now_ms: EpochMs,
) -> SnsResult<()> {
    let resource = Resource { arn, account_id };
    access
        .decide(
            &format!("{IAM_PREFIX}:{action}"),
            resource,
            resource_policy,
            now_ms,
        )
        .map_err(|denial| SnsError::new(SnsErrorKind::AuthorizationError, denial.message))
}
