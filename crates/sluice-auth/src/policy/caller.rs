//! Who is asking: the facts about an authenticated (or anonymous) caller that policy
//! evaluation needs. Built by the wire layer after SigV4 has named the access key.

/// What sort of principal the caller is; decides which policies can apply to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerKind {
    /// The account's root user: implicitly allowed everything in its own account.
    Root,
    User,
    /// An IAM role; `principal_arn` is the role ARN, not the STS session ARN.
    Role,
    /// An AWS service principal acting on a customer's behalf, e.g. `sns.amazonaws.com`.
    /// It has no identity policies; only resource policies can let it in.
    Service(String),
    /// An unsigned request. Only a resource policy with Principal `*` admits it.
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Twelve-digit account; empty for services and anonymous callers.
    pub account_id: String,
    /// `arn:aws:iam::123456789012:user/alice`; empty for services and anonymous callers.
    pub principal_arn: String,
    pub kind: CallerKind,
}

impl Caller {
    pub fn root(account_id: &str) -> Self {
        Self {
            account_id: account_id.to_owned(),
            principal_arn: format!("arn:aws:iam::{account_id}:root"),
            kind: CallerKind::Root,
        }
    }

    /// A user; `name` may carry a path (`division/alice`).
    pub fn user(account_id: &str, name: &str) -> Self {
        Self {
            account_id: account_id.to_owned(),
            principal_arn: format!("arn:aws:iam::{account_id}:user/{name}"),
            kind: CallerKind::User,
        }
    }

    pub fn role(account_id: &str, name: &str) -> Self {
        Self {
            account_id: account_id.to_owned(),
            principal_arn: format!("arn:aws:iam::{account_id}:role/{name}"),
            kind: CallerKind::Role,
        }
    }

    pub fn service(name: &str) -> Self {
        Self {
            account_id: String::new(),
            principal_arn: String::new(),
            kind: CallerKind::Service(name.to_owned()),
        }
    }

    pub fn anonymous() -> Self {
        Self {
            account_id: String::new(),
            principal_arn: String::new(),
            kind: CallerKind::Anonymous,
        }
    }

    /// Whether the caller belongs to an account and so can hold identity policies.
    pub fn has_identity(&self) -> bool {
        matches!(
            self.kind,
            CallerKind::Root | CallerKind::User | CallerKind::Role
        )
    }
}
