//! SQS's side of access control: the IAM action each SQS action needs and the queue it
//! touches. The decision itself is service-neutral (`crate::access`); it is taken at
//! the moment the service finds the queue a request addresses, so every action on a
//! queue passes through one check, with the queue's current policy at hand.

use sluice_auth::policy::PolicyDocument;

use crate::access::Resource;
pub use crate::access::{Access, Caller, PolicyCache};
use crate::clock::EpochMs;

use super::error::{SqsError, SqsErrorKind, SqsResult};
use super::names::QueueKey;

/// The IAM action prefix of SQS.
pub const IAM_PREFIX: &str = "sqs";

/// The IAM action a request needs. Batch actions need the permission of their single
/// action, as AWS documents for SQS.
pub fn iam_action(action: &str) -> String {
    let single = match action {
        "SendMessageBatch" => "SendMessage",
        "DeleteMessageBatch" => "DeleteMessage",
        "ChangeMessageVisibilityBatch" => "ChangeMessageVisibility",
        other => other,
    };
    format!("{IAM_PREFIX}:{single}")
}

/// Allows or refuses `action` (the request's own, or another it performs on a second
/// queue, as a message move task sends to its destination) on the queue `key`, whose
/// resource policy is `resource_policy`.
pub fn check_action(
    access: &Access,
    action: &str,
    key: &QueueKey,
    resource_policy: Option<&PolicyDocument>,
    now_ms: EpochMs,
) -> SqsResult<()> {
    let arn = key.arn();
    let resource = Resource {
        arn: &arn,
        account_id: &key.account_id,
    };
    access
        .decide(&iam_action(action), resource, resource_policy, now_ms)
        .map_err(|denial| SqsError::new(SqsErrorKind::AccessDenied, denial.message))
}
