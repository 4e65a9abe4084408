//! Access control: whether an authenticated caller may perform a request's action on a
//! queue, decided as AWS decides it from the caller's identity policies and the
//! queue's `Policy` attribute (see `sluice_auth::policy`).
//!
//! The wire layer authenticates the caller and names the action; the service checks
//! at the moment it finds the queue a request addresses, so every action on a queue
//! passes through one check, with the queue's current policy at hand. A request
//! without [`Access`] comes from a server with no identities configured, which is open.

use std::net::IpAddr;
use std::sync::Arc;

use sluice_auth::policy::{self, ConditionContext, Decision, PolicyDocument, PolicySource};

use super::error::{SqsError, SqsErrorKind, SqsResult};
use super::names::QueueKey;
use crate::clock::EpochMs;

/// How many distinct queue policies [`PolicyCache`] keeps parsed before it starts over.
pub const POLICY_CACHE_MAX_ENTRIES: usize = 4_096;

/// Queue policies parsed once, by their text: every authorised request reads its queue's
/// policy, and parsing it each time would cost more than the decision itself. Keyed by
/// the text, so a changed policy is simply another entry; bounded by starting over.
#[derive(Debug, Default)]
pub struct PolicyCache {
    parsed: parking_lot::Mutex<std::collections::HashMap<String, Option<Arc<PolicyDocument>>>>,
}

impl PolicyCache {
    /// The parsed form of a stored policy. A stored policy was validated when set; one
    /// that no longer parses grants nothing (`None`).
    pub fn get(&self, text: &str) -> Option<Arc<PolicyDocument>> {
        let mut parsed = self.parsed.lock();
        if let Some(doc) = parsed.get(text) {
            return doc.clone();
        }
        let doc = PolicyDocument::parse(text).ok().map(Arc::new);
        if parsed.len() >= POLICY_CACHE_MAX_ENTRIES {
            parsed.clear();
        }
        parsed.insert(text.to_owned(), doc.clone());
        doc
    }
}

/// An authenticated principal, as configured.
#[derive(Debug)]
pub struct Caller {
    pub account_id: String,
    pub principal_arn: String,
    principal: policy::Caller,
    policies: Vec<PolicyDocument>,
}

impl Caller {
    /// A caller of `account_id` acting as `principal_arn` (the account's root when
    /// `None`), with these identity policies (JSON documents).
    pub fn new(
        account_id: &str,
        principal_arn: Option<&str>,
        policies: &[String],
    ) -> Result<Self, String> {
        let principal = match principal_arn {
            None => policy::Caller::root(account_id),
            Some(arn) => principal_from_arn(account_id, arn)?,
        };
        let policies = policies
            .iter()
            .enumerate()
            .map(|(i, text)| {
                PolicyDocument::parse(text).map_err(|e| format!("identity policy {}: {e}", i + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            account_id: account_id.to_owned(),
            principal_arn: principal.principal_arn.clone(),
            principal,
            policies,
        })
    }
}

/// The principal an IAM ARN of `account_id` names: the root, a user or a role.
fn principal_from_arn(account_id: &str, arn: &str) -> Result<policy::Caller, String> {
    let prefix = format!("arn:aws:iam::{account_id}:");
    let Some(rest) = arn.strip_prefix(&prefix) else {
        return Err(format!(
            "principal {arn} is not an IAM ARN of account {account_id}"
        ));
    };
    match rest.split_once('/') {
        None if rest == "root" => Ok(policy::Caller::root(account_id)),
        Some(("user", name)) if !name.is_empty() => Ok(policy::Caller::user(account_id, name)),
        Some(("role", name)) if !name.is_empty() => Ok(policy::Caller::role(account_id, name)),
        _ => Err(format!(
            "principal {arn}: expected arn:aws:iam::{account_id}:root, :user/NAME or :role/NAME"
        )),
    }
}

/// What an authenticated request brings to access decisions.
#[derive(Debug, Clone)]
pub struct Access {
    pub caller: Arc<Caller>,
    /// The AWS action the request is, e.g. `SendMessageBatch`.
    pub action: String,
    /// Whether the request came over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
    /// The client's address (`aws:SourceIp`).
    pub source_ip: Option<IpAddr>,
}

/// The IAM action a request needs. Batch actions need the permission of their single
/// action, as AWS documents for SQS.
pub fn iam_action(action: &str) -> String {
    let single = match action {
        "SendMessageBatch" => "SendMessage",
        "DeleteMessageBatch" => "DeleteMessage",
        "ChangeMessageVisibilityBatch" => "ChangeMessageVisibility",
        other => other,
    };
    format!("sqs:{single}")
}

impl Access {
    /// Allows or refuses `action` (the request's own, or another it performs on a second
    /// queue, as a message move task sends to its destination) on the queue `key`, whose
    /// resource policy is `resource_policy` (`None`: it has none, or does not exist).
    pub fn check_action(
        &self,
        action: &str,
        key: &QueueKey,
        resource_policy: Option<&PolicyDocument>,
        now_ms: EpochMs,
    ) -> SqsResult<()> {
        let arn = key.arn();
        let action = iam_action(action);
        let mut context = ConditionContext::new()
            .with(
                policy::keys::SECURE_TRANSPORT,
                self.secure_transport.to_string(),
            )
            .with(
                policy::keys::PRINCIPAL_ARN,
                self.caller.principal_arn.clone(),
            )
            .with(
                policy::keys::PRINCIPAL_ACCOUNT,
                self.caller.account_id.clone(),
            )
            .with_time(now_ms as i64);
        if let Some(ip) = self.source_ip {
            context = context.with(policy::keys::SOURCE_IP, ip.to_string());
        }
        let facts = policy::RequestFacts {
            action: &action,
            resource: &arn,
            resource_account: &key.account_id,
            caller: &self.caller.principal,
            context: &context,
        };
        let verdict = policy::authorize(&self.caller.policies, resource_policy, &facts);
        if verdict.decision == Decision::Allow {
            return Ok(());
        }
        // Worded as AWS words it, naming the kind of policy that was missing or denied.
        let action = action.to_ascii_lowercase();
        let reason = match (verdict.decision, verdict.decided_by.first()) {
            (Decision::ExplicitDeny, Some(by)) => format!(
                "with an explicit deny in {} policy",
                match by.source {
                    PolicySource::Identity(_) => "an identity-based",
                    PolicySource::Resource => "a resource-based",
                }
            ),
            _ if self.caller.account_id == key.account_id => {
                format!("because no identity-based policy allows the {action} action")
            }
            _ => format!("because no resource-based policy allows the {action} action"),
        };
        Err(SqsError::new(
            SqsErrorKind::AccessDenied,
            format!(
                "User: {} is not authorized to perform: {action} on resource: {arn} {reason}",
                self.caller.principal_arn,
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}]}"#;

    #[test]
    fn policies_are_parsed_once_by_their_text() {
        let cache = PolicyCache::default();
        let first = cache.get(POLICY).expect("valid policy");
        let again = cache.get(POLICY).expect("valid policy");
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second read is the cached parse"
        );
        let changed = POLICY.replace("SendMessage", "ReceiveMessage");
        let other = cache.get(&changed).expect("valid policy");
        assert!(
            !Arc::ptr_eq(&first, &other),
            "another text is another policy"
        );
        assert!(
            cache.get("not json").is_none(),
            "an unparsable policy grants nothing"
        );
    }

    #[test]
    fn the_cache_starts_over_when_full() {
        let cache = PolicyCache::default();
        let first = cache.get(POLICY).expect("valid policy");
        for n in 0..POLICY_CACHE_MAX_ENTRIES {
            cache.get(&POLICY.replace("\"*\"}", &format!("\"arn:aws:sqs:*:*:q{n}\"}}")));
        }
        assert!(cache.parsed.lock().len() <= POLICY_CACHE_MAX_ENTRIES);
        let reparsed = cache.get(POLICY).expect("valid policy");
        assert!(
            !Arc::ptr_eq(&first, &reparsed),
            "evicted, then parsed again"
        );
    }
}
