//! The authorization decision for one request, following AWS's documented evaluation
//! logic for identity and resource policies:
//! 1. an explicit Deny in any applicable policy wins;
//! 2. a caller in the resource's own account needs an Allow in its identity policies
//!    *or* the resource policy;
//! 3. a caller from another account needs both: an Allow in its identity policies (from
//!    its account) *and* one in the resource policy;
//! 4. service principals and anonymous callers have no identity policies, so only the
//!    resource policy can allow them.
//!
//! The root user is treated as holding an implicit allow-everything identity policy, as
//! AWS documents for the account owner; an explicit Deny still stops it.

use super::caller::Caller;
use super::context::ConditionContext;
use super::document::{Effect, PolicyDocument};

/// The facts about one request that policies are tested against.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// `service:Action`, e.g. `sqs:SendMessage`. Batch actions are authorized as their
    /// single form (SendMessageBatch as `sqs:SendMessage`), as SQS documents.
    pub action: &'a str,
    /// The resource ARN, e.g. the queue ARN.
    pub resource: &'a str,
    /// The account owning the resource.
    pub resource_account: &'a str,
    pub caller: &'a Caller,
    pub context: &'a ConditionContext,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Nothing allowed the request (the default).
    ImplicitDeny,
    /// A Deny statement matched.
    ExplicitDeny,
}

/// Which policy a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    /// Index into the `identity_policies` slice.
    Identity(usize),
    Resource,
}

/// Points at the statement that decided, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub source: PolicySource,
    /// Index of the statement within its policy.
    pub index: usize,
    pub sid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub decision: Decision,
    /// For ExplicitDeny, the Deny statement; for Allow, the Allow statement(s) that were
    /// needed (two for a cross-account allow, none for the root user's implicit allow);
    /// empty for ImplicitDeny.
    pub decided_by: Vec<StatementRef>,
}

impl Authorization {
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allow
    }
}

/// Decides whether `facts.caller` may perform `facts.action` on `facts.resource`.
/// Identity policies may be owned or shared (`Arc`): anything that borrows as a document.
pub fn authorize<P: std::borrow::Borrow<PolicyDocument>>(
    identity_policies: &[P],
    resource_policy: Option<&PolicyDocument>,
    facts: &RequestFacts<'_>,
) -> Authorization {
    let caller = facts.caller;
    // Identity policies belong to an account principal; others have none to consult.
    let identity: &[P] = if caller.has_identity() {
        identity_policies
    } else {
        &[]
    };

    let find = |effect: Effect| -> (Option<StatementRef>, Option<StatementRef>) {
        let from_identity = identity.iter().enumerate().find_map(|(p, doc)| {
            first_applicable(doc.borrow(), effect, facts, false).map(|(i, sid)| StatementRef {
                source: PolicySource::Identity(p),
                index: i,
                sid,
            })
        });
        let from_resource = resource_policy.and_then(|doc| {
            first_applicable(doc, effect, facts, true).map(|(i, sid)| StatementRef {
                source: PolicySource::Resource,
                index: i,
                sid,
            })
        });
        (from_identity, from_resource)
    };

    let (identity_deny, resource_deny) = find(Effect::Deny);
    if let Some(deny) = identity_deny.or(resource_deny) {
        return Authorization {
            decision: Decision::ExplicitDeny,
            decided_by: vec![deny],
        };
    }

    let (identity_allow, resource_allow) = find(Effect::Allow);
    let is_root = caller.kind == super::caller::CallerKind::Root;
    let identity_allows = is_root || identity_allow.is_some();
    let same_account = caller.has_identity() && caller.account_id == facts.resource_account;

    let allowed = if same_account {
        identity_allows || resource_allow.is_some()
    } else if caller.has_identity() {
        identity_allows && resource_allow.is_some()
    } else {
        resource_allow.is_some()
    };
    if !allowed {
        return Authorization {
            decision: Decision::ImplicitDeny,
            decided_by: Vec::new(),
        };
    }
    // Report what was needed: in the same account one Allow suffices, so prefer the
    // identity statement (or none, for root) and mention the resource one only if it alone
    // allowed.
    let decided_by = if same_account {
        match (is_root, identity_allow, resource_allow) {
            (true, _, _) => Vec::new(),
            (false, Some(i), _) => vec![i],
            (false, None, r) => r.into_iter().collect(),
        }
    } else {
        identity_allow.into_iter().chain(resource_allow).collect()
    };
    Authorization {
        decision: Decision::Allow,
        decided_by,
    }
}

/// The first statement of `doc` with `effect` that applies to the request.
fn first_applicable(
    doc: &PolicyDocument,
    effect: Effect,
    facts: &RequestFacts<'_>,
    is_resource_policy: bool,
) -> Option<(usize, Option<String>)> {
    doc.statements.iter().enumerate().find_map(|(i, s)| {
        let applies = s.effect == effect
            && (!is_resource_policy || s.names_principal(facts.caller))
            && s.applies(facts.action, facts.resource, facts.context);
        applies.then(|| (i, s.sid.clone()))
    })
}
