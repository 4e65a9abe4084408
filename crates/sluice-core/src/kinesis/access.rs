//! Kinesis's side of access control: the IAM action each Kinesis action needs (`kinesis:`
//! prefix) and the resource it touches, a stream's or consumer's ARN. The decision is the
//! service-neutral `crate::access`; a stream's resource policy (PutResourcePolicy) is the
//! resource policy.

use sluice_auth::policy::PolicyDocument;

use crate::access::{Access, Resource};
use crate::clock::EpochMs;

use super::error::{KinesisError, KinesisErrorKind, KinesisResult};

/// The IAM action prefix of Kinesis.
pub const IAM_PREFIX: &str = "kinesis";

/// Allows or refuses `action` on the resource `arn` of `account_id`.
pub fn check_action(
    access: &Access,
    action: &str,
    arn: &str,
    account_id: &str,
    resource_policy: Option<&PolicyDocument>,
    now_ms: EpochMs,
) -> KinesisResult<()> {
    let resource = Resource { arn, account_id };
    access
        .decide(
            &format!("{IAM_PREFIX}:{action}"),
            resource,
            resource_policy,
            now_ms,
        )
        .map_err(|denial| KinesisError::new(KinesisErrorKind::AccessDenied, denial.message))
}
