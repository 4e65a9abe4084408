//! IAM-style policy evaluation for SQS queues: parsing policy documents, testing their
//! conditions against a request's context, deciding Allow / ImplicitDeny / ExplicitDeny
//! across identity and resource policies as AWS documents it, validating a queue's
//! `Policy` attribute against the SQS quotas, and the pure policy edits behind
//! AddPermission / RemovePermission. Plain data in, plain data out: no HTTP, no storage,
//! no clock (aws:CurrentTime arrives in the [`ConditionContext`]).

pub mod caller;
pub mod condition;
pub mod context;
pub mod document;
pub mod error;
pub mod evaluate;
pub mod glob;
pub mod limits;
pub mod permission;
pub mod principal;
pub mod validate;

pub use caller::{Caller, CallerKind};
pub use context::{keys, ConditionContext};
pub use document::{Effect, PolicyDocument, Statement};
pub use error::PolicyError;
pub use evaluate::{authorize, Authorization, Decision, PolicySource, RequestFacts, StatementRef};
pub use permission::{add_permission, remove_permission, PolicyEditError, SHAREABLE_ACTIONS};
pub use validate::{validate_queue_policy, PolicyViolation, INVALID_POLICY_MESSAGE};
