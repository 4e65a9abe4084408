//! Access control for every service: who the caller is, what a request brings to an
//! access decision, and the decision itself, made as AWS makes it from the caller's
//! identity policies and the resource's own policy (see `sluice_auth::policy`).
//!
//! Nothing here knows a service: each service names the IAM action a request needs
//! (`sqs:SendMessage`, `sts:AssumeRole`, ...) and the resource it touches, and turns a
//! [`Denial`] into its own AccessDenied error. The wire layer authenticates the caller
//! and names the action; a request without [`Access`] comes from a server with no
//! identities configured, which is open.

use std::net::IpAddr;
use std::sync::Arc;

use sluice_auth::policy::{self, ConditionContext, Decision, PolicyDocument, PolicySource};

use crate::clock::EpochMs;

/// How many distinct resource policies [`PolicyCache`] keeps parsed before it starts over.
pub const POLICY_CACHE_MAX_ENTRIES: usize = 4_096;

/// Resource policies parsed once, by their text: every authorised request reads its
/// resource's policy, and parsing it each time would cost more than the decision itself.
/// Keyed by the text, so a changed policy is simply another entry; bounded by starting
/// over.
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

/// An authenticated principal: a configured identity, a session of an assumed role, or
/// an AWS service acting for a resource (SNS delivering to a queue).
#[derive(Debug)]
pub struct Caller {
    pub account_id: String,
    /// The ARN policies see as `aws:PrincipalArn`: the user, the role (not the session)
    /// or the account root; empty for a service.
    pub principal_arn: String,
    /// The ARN the caller is known by (GetCallerIdentity's `Arn`, AccessDenied's
    /// `User:`): for a role session, `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub arn: String,
    /// GetCallerIdentity's `UserId`: the account id for the root, a unique id for a user,
    /// `ROLEID:SESSION` for a role session.
    pub user_id: String,
    principal: policy::Caller,
    policies: Vec<Arc<PolicyDocument>>,
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
        let policies = parse_policies(policies)?;
        let user_id = match principal.kind {
            policy::CallerKind::Root => account_id.to_owned(),
            _ => unique_id(USER_ID_PREFIX, &principal.principal_arn),
        };
        Ok(Self {
            account_id: account_id.to_owned(),
            principal_arn: principal.principal_arn.clone(),
            arn: principal.principal_arn.clone(),
            user_id,
            principal,
            policies,
        })
    }

    /// A session of the role `role_name` of `account_id`, named `session_name`, holding
    /// the role's permission policies.
    pub fn role_session(
        account_id: &str,
        role_name: &str,
        session_name: &str,
        policies: Vec<Arc<PolicyDocument>>,
    ) -> Self {
        let principal = policy::Caller::role(account_id, role_name);
        Self {
            account_id: account_id.to_owned(),
            principal_arn: principal.principal_arn.clone(),
            arn: format!("arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"),
            user_id: format!("{}:{session_name}", role_id(&principal.principal_arn)),
            principal,
            policies,
        }
    }

    /// An AWS service principal such as `sns.amazonaws.com`. It has no identity
    /// policies: only a resource policy naming the service lets it in.
    pub fn service(name: &str) -> Self {
        Self {
            account_id: String::new(),
            principal_arn: String::new(),
            arn: name.to_owned(),
            user_id: name.to_owned(),
            principal: policy::Caller::service(name),
            policies: Vec::new(),
        }
    }

    /// Whether this caller is its account's root user.
    pub fn is_root(&self) -> bool {
        self.principal.kind == policy::CallerKind::Root
    }

    /// The identity policies attached to the caller.
    pub fn policies(&self) -> &[Arc<PolicyDocument>] {
        &self.policies
    }
}

/// Parses identity policies (JSON documents), naming the one that fails.
pub fn parse_policies(texts: &[String]) -> Result<Vec<Arc<PolicyDocument>>, String> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            PolicyDocument::parse(text)
                .map(Arc::new)
                .map_err(|e| format!("identity policy {}: {e}", i + 1))
        })
        .collect()
}

/// The first letters of an IAM user's unique id.
pub const USER_ID_PREFIX: &str = "AIDA";
/// The first letters of an IAM role's unique id.
pub const ROLE_ID_PREFIX: &str = "AROA";
/// How many characters follow the prefix of an IAM unique id.
pub const UNIQUE_ID_SUFFIX_LEN: usize = 17;

/// A stable IAM-style unique id for a principal ARN: the prefix, then 17 upper-case
/// letters and digits derived from the ARN, so the same configuration always yields the
/// same id (AWS draws them at random when the principal is created).
pub fn unique_id(prefix: &str, arn: &str) -> String {
    use sha2::{Digest, Sha256};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(arn.as_bytes());
    let suffix: String = digest
        .iter()
        .take(UNIQUE_ID_SUFFIX_LEN)
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    format!("{prefix}{suffix}")
}

/// A role's unique id (`AROA...`).
pub fn role_id(role_arn: &str) -> String {
    unique_id(ROLE_ID_PREFIX, role_arn)
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
    /// The action the request is, as its service names it (e.g. `SendMessageBatch`).
    pub action: String,
    /// Whether the request came over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
    /// The client's address (`aws:SourceIp`).
    pub source_ip: Option<IpAddr>,
    /// For a service acting for a resource: that resource (`aws:SourceArn`) and its
    /// account (`aws:SourceAccount`).
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
}

impl Access {
    /// A request by `caller`, its action still to be named.
    pub fn new(caller: Arc<Caller>) -> Self {
        Self {
            caller,
            action: String::new(),
            secure_transport: false,
            source_ip: None,
            source_arn: None,
            source_account: None,
        }
    }

    /// A service principal acting for the resource `source_arn` of `source_account`,
    /// as SNS does when it delivers a topic's message to a queue.
    pub fn for_service(
        service: &str,
        action: &str,
        source_arn: &str,
        source_account: &str,
    ) -> Self {
        Self {
            action: action.to_owned(),
            source_arn: Some(source_arn.to_owned()),
            source_account: Some(source_account.to_owned()),
            ..Self::new(Arc::new(Caller::service(service)))
        }
    }
}

/// The resource an action touches.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    pub arn: &'a str,
    pub account_id: &'a str,
}

/// Why a request was refused, worded as AWS words AccessDenied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub message: String,
}

impl Access {
    /// Allows or refuses the IAM action `iam_action` (`service:Action`) on `resource`,
    /// whose resource policy is `resource_policy` (`None`: it has none, or does not
    /// exist).
    pub fn decide(
        &self,
        iam_action: &str,
        resource: Resource<'_>,
        resource_policy: Option<&PolicyDocument>,
        now_ms: EpochMs,
    ) -> Result<(), Denial> {
        let context = self.condition_context(now_ms);
        let facts = policy::RequestFacts {
            action: iam_action,
            resource: resource.arn,
            resource_account: resource.account_id,
            caller: &self.caller.principal,
            context: &context,
        };
        let verdict = policy::authorize(&self.caller.policies, resource_policy, &facts);
        if verdict.decision == Decision::Allow {
            return Ok(());
        }
        // Worded as AWS words it, naming the kind of policy that was missing or denied.
        let action = iam_action.to_ascii_lowercase();
        let reason = match (verdict.decision, verdict.decided_by.first()) {
            (Decision::ExplicitDeny, Some(by)) => format!(
                "with an explicit deny in {} policy",
                match by.source {
                    PolicySource::Identity(_) => "an identity-based",
                    PolicySource::Resource => "a resource-based",
                }
            ),
            _ if self.caller.account_id == resource.account_id => {
                format!("because no identity-based policy allows the {action} action")
            }
            _ => format!("because no resource-based policy allows the {action} action"),
        };
        Err(Denial {
            message: format!(
                "User: {} is not authorized to perform: {action} on resource: {} {reason}",
                self.caller.arn, resource.arn,
            ),
        })
    }

    /// The condition keys the request supplies.
    fn condition_context(&self, now_ms: EpochMs) -> ConditionContext {
        let mut context = ConditionContext::new()
            .with(
                policy::keys::SECURE_TRANSPORT,
                self.secure_transport.to_string(),
            )
            .with_time(now_ms as i64);
        if !self.caller.principal_arn.is_empty() {
            context = context
                .with(
                    policy::keys::PRINCIPAL_ARN,
                    self.caller.principal_arn.clone(),
                )
                .with(
                    policy::keys::PRINCIPAL_ACCOUNT,
                    self.caller.account_id.clone(),
                );
        }
        if let Some(ip) = self.source_ip {
            context = context.with(policy::keys::SOURCE_IP, ip.to_string());
        }
        if let Some(arn) = &self.source_arn {
            context = context.with(policy::keys::SOURCE_ARN, arn.clone());
        }
        if let Some(account) = &self.source_account {
            context = context.with(policy::keys::SOURCE_ACCOUNT, account.clone());
        }
        context
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

    const QUEUE: Resource<'static> = Resource {
        arn: "arn:aws:sqs:us-east-1:111111111111:q",
        account_id: "111111111111",
    };

    #[test]
    fn a_service_principal_needs_a_resource_policy_naming_it_and_its_source() {
        let access = Access::for_service(
            "sns.amazonaws.com",
            "SendMessage",
            "arn:aws:sns:us-east-1:111111111111:t",
            "111111111111",
        );
        assert!(access.decide("sqs:SendMessage", QUEUE, None, 0).is_err());
        let policy = |source: &str| {
            PolicyDocument::parse(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"sns.amazonaws.com"}},"Action":"sqs:SendMessage","Resource":"*","Condition":{{"ArnEquals":{{"aws:SourceArn":"{source}"}}}}}}]}}"#
            ))
            .expect("valid policy")
        };
        let allowed = policy("arn:aws:sns:us-east-1:111111111111:t");
        assert_eq!(
            access.decide("sqs:SendMessage", QUEUE, Some(&allowed), 0),
            Ok(())
        );
        let other_topic = policy("arn:aws:sns:us-east-1:111111111111:other");
        assert!(access
            .decide("sqs:SendMessage", QUEUE, Some(&other_topic), 0)
            .is_err());
    }

    #[test]
    fn a_role_session_is_known_by_its_session_arn_and_matched_by_its_role() {
        let session = Caller::role_session("111111111111", "worker", "s1", Vec::new());
        assert_eq!(
            session.arn,
            "arn:aws:sts::111111111111:assumed-role/worker/s1"
        );
        assert_eq!(
            session.principal_arn,
            "arn:aws:iam::111111111111:role/worker"
        );
        assert!(session.user_id.starts_with(ROLE_ID_PREFIX));
        assert!(session.user_id.ends_with(":s1"));
        let access = Access::new(Arc::new(session));
        let denied = access
            .decide("sqs:SendMessage", QUEUE, None, 0)
            .expect_err("no policy allows it");
        assert!(
            denied
                .message
                .starts_with("User: arn:aws:sts::111111111111:assumed-role/worker/s1 is not"),
            "{}",
            denied.message
        );
    }

    #[test]
    fn unique_ids_are_stable_and_shaped_as_iam_ids() {
        let a = unique_id(USER_ID_PREFIX, "arn:aws:iam::1:user/a");
        assert_eq!(a, unique_id(USER_ID_PREFIX, "arn:aws:iam::1:user/a"));
        assert_ne!(a, unique_id(USER_ID_PREFIX, "arn:aws:iam::1:user/b"));
        assert_eq!(a.len(), USER_ID_PREFIX.len() + UNIQUE_ID_SUFFIX_LEN);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }
}
