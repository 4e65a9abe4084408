//! AddPermission and RemovePermission as pure edits of a queue's Policy text. SQS writes
//! one statement per label:
//! `{"Sid": label, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::ACCOUNT:root"},
//!   "Action": "SQS:SendMessage", "Resource": queue_arn}`
//! (a list where several principals or actions are given), inside a document whose
//! defaults are Version `2008-10-17` (the policy language version SQS still writes, as
//! AWS's recorded answers show) and Id `<queue ARN>/SQSDefaultPolicy`. Statements
//! already in the policy are kept as they are; the generated shape keeps its key order so
//! the JSON reads as SQS writes it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use super::document::POLICY_VERSION_LEGACY;
use super::limits::{
    PERMISSION_LABEL_MAX_LEN, POLICY_ACTIONS_PER_STATEMENT_MAX, POLICY_MAX_BYTES,
    POLICY_PRINCIPALS_MAX, POLICY_STATEMENTS_MAX,
};
use super::principal::is_account_id;

/// Actions AddPermission may grant: those SQS lets other accounts perform (its
/// "Limitations of Amazon SQS custom policies" page lists the rest as owner-only), and
/// `*`. Granting SendMessage, DeleteMessage or ChangeMessageVisibility also covers their
/// batch forms.
pub const SHAREABLE_ACTIONS: [&str; 9] = [
    "*",
    "ChangeMessageVisibility",
    "DeleteMessage",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ListDeadLetterSourceQueues",
    "PurgeQueue",
    "ReceiveMessage",
    "SendMessage",
];

const DEFAULT_POLICY_ID_SUFFIX: &str = "/SQSDefaultPolicy";
const ACTION_PREFIX: &str = "SQS:";

/// Why an AddPermission or RemovePermission was refused. `code()` is the AWS error code;
/// the Display text is the message. Wording marked "AWS" is as SQS returns it (also
/// matched by moto's SQS tests); "Sluice" marks wording AWS does not document.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyEditError {
    /// InvalidParameterValue. Sluice wording; the rule (1-80 of `[A-Za-z0-9_-]`) is from
    /// the AddPermission API reference.
    #[error("Value {label} for parameter Label is invalid. Reason: Must be 1-80 alphanumeric characters, hyphens (-) or underscores (_).")]
    InvalidLabel { label: String },
    /// InvalidParameterValue. AWS: "Value [] for parameter PrincipalId is invalid.
    /// Reason: Unable to verify."
    #[error("Value [{account}] for parameter PrincipalId is invalid. Reason: Unable to verify.")]
    InvalidAccount { account: String },
    /// MissingParameter. AWS: "The request must contain the parameter Actions."
    #[error("The request must contain the parameter Actions.")]
    MissingActions,
    /// OverLimit. AWS: "8 Actions were found, maximum allowed is 7."
    #[error("{count} Actions were found, maximum allowed is {max}.", max = POLICY_ACTIONS_PER_STATEMENT_MAX)]
    TooManyActions { count: usize },
    /// InvalidParameterValue. AWS: "Value SQS:CreateQueue for parameter ActionName is
    /// invalid. Reason: Only the queue owner is allowed to invoke this action."
    #[error("Value SQS:{action} for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.")]
    InvalidAction { action: String },
    /// InvalidParameterValue. AWS: "Value L for parameter Label is invalid. Reason:
    /// Already exists."
    #[error("Value {label} for parameter Label is invalid. Reason: Already exists.")]
    LabelExists { label: String },
    /// InvalidParameterValue. AWS: "Value L for parameter Label is invalid. Reason:
    /// can't find label."
    #[error("Value {label} for parameter Label is invalid. Reason: can't find label.")]
    LabelNotFound { label: String },
    /// OverLimit (AddPermission's documented error for "maximum number of permissions
    /// reached"); message after SQS's policy-size wording.
    #[error("{count} statements were found in the submitted policy, max allowed is {max}", max = POLICY_STATEMENTS_MAX)]
    TooManyStatements { count: usize },
    /// OverLimit. Sluice wording.
    #[error("{count} principals were found in the submitted policy, max allowed is {max}", max = POLICY_PRINCIPALS_MAX)]
    TooManyPrincipals { count: usize },
    /// OverLimit. Sluice wording.
    #[error("Policy would be {bytes} bytes long, max allowed is {max}", max = POLICY_MAX_BYTES)]
    TooLarge { bytes: usize },
    /// InternalError: the stored policy no longer parses, which validation on write
    /// should make impossible.
    #[error("The queue's stored policy could not be read.")]
    StoredPolicyUnreadable,
}

impl PolicyEditError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingActions => "MissingParameter",
            Self::TooManyActions { .. }
            | Self::TooManyStatements { .. }
            | Self::TooManyPrincipals { .. }
            | Self::TooLarge { .. } => "OverLimit",
            Self::StoredPolicyUnreadable => "InternalError",
            _ => "InvalidParameterValue",
        }
    }
}

/// A string or a list, written as SQS writes it: a bare string when there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn from_vec(mut items: Vec<String>) -> Self {
        if items.len() == 1 {
            Self::One(items.remove(0))
        } else {
            Self::Many(items)
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(v) => v.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AwsPrincipal {
    #[serde(rename = "AWS")]
    aws: OneOrMany,
}

/// The statement shape AddPermission writes, field order included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct GeneratedStatement {
    sid: String,
    effect: String,
    principal: AwsPrincipal,
    action: OneOrMany,
    resource: String,
}

/// A statement of the stored policy: ours keeps its order on the way back out; anything
/// else (written with SetQueueAttributes) passes through as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum StoredStatement {
    Generated(GeneratedStatement),
    Other(Value),
}

impl StoredStatement {
    fn sid(&self) -> Option<&str> {
        match self {
            Self::Generated(g) => Some(&g.sid),
            Self::Other(v) => v.get("Sid").and_then(Value::as_str),
        }
    }

    fn principal_count(&self) -> usize {
        match self {
            Self::Generated(g) => g.principal.aws.len(),
            Self::Other(v) => ["Principal", "NotPrincipal"]
                .iter()
                .filter_map(|k| v.get(*k))
                .map(|p| match p {
                    Value::Object(m) => m.values().map(|e| e.as_array().map_or(1, Vec::len)).sum(),
                    _ => 1,
                })
                .sum(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Statements {
    Many(Vec<StoredStatement>),
    One(StoredStatement),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StoredPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    statement: Vec<StoredStatement>,
}

fn read_stored(existing: Option<&str>) -> Result<Option<StoredPolicy>, PolicyEditError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Raw {
        version: Option<String>,
        id: Option<String>,
        statement: Option<Statements>,
    }
    let Some(text) = existing.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let raw: Raw =
        serde_json::from_str(text).map_err(|_| PolicyEditError::StoredPolicyUnreadable)?;
    let statement = match raw.statement {
        None => Vec::new(),
        Some(Statements::Many(v)) => v,
        Some(Statements::One(s)) => vec![s],
    };
    Ok(Some(StoredPolicy {
        version: raw.version,
        id: raw.id,
        statement,
    }))
}

fn write(policy: &StoredPolicy) -> String {
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string(policy).unwrap_or_default()
}

/// Whether `label` fits AddPermission's rule: 1 to 80 of `[A-Za-z0-9_-]`.
pub fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= PERMISSION_LABEL_MAX_LEN
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Adds the statement SQS's AddPermission writes and returns the new Policy text.
/// `queue_arn`'s partition is used in the principal ARNs.
pub fn add_permission(
    existing: Option<&str>,
    label: &str,
    aws_account_ids: &[String],
    actions: &[String],
    queue_arn: &str,
) -> Result<String, PolicyEditError> {
    if !is_valid_label(label) {
        return Err(PolicyEditError::InvalidLabel {
            label: label.to_owned(),
        });
    }
    if aws_account_ids.is_empty() {
        return Err(PolicyEditError::InvalidAccount {
            account: String::new(),
        });
    }
    if let Some(bad) = aws_account_ids.iter().find(|a| !is_account_id(a)) {
        return Err(PolicyEditError::InvalidAccount {
            account: bad.clone(),
        });
    }
    if actions.is_empty() {
        return Err(PolicyEditError::MissingActions);
    }
    if actions.len() > POLICY_ACTIONS_PER_STATEMENT_MAX {
        return Err(PolicyEditError::TooManyActions {
            count: actions.len(),
        });
    }
    if let Some(bad) = actions
        .iter()
        .find(|a| !SHAREABLE_ACTIONS.contains(&a.as_str()))
    {
        return Err(PolicyEditError::InvalidAction {
            action: bad.clone(),
        });
    }

    let mut policy = read_stored(existing)?.unwrap_or_else(|| StoredPolicy {
        version: Some(POLICY_VERSION_LEGACY.to_owned()),
        id: Some(format!("{queue_arn}{DEFAULT_POLICY_ID_SUFFIX}")),
        statement: Vec::new(),
    });
    if policy.statement.iter().any(|s| s.sid() == Some(label)) {
        return Err(PolicyEditError::LabelExists {
            label: label.to_owned(),
        });
    }
    if policy.statement.len() + 1 > POLICY_STATEMENTS_MAX {
        return Err(PolicyEditError::TooManyStatements {
            count: policy.statement.len() + 1,
        });
    }
    let principals: usize = policy
        .statement
        .iter()
        .map(StoredStatement::principal_count)
        .sum::<usize>()
        + aws_account_ids.len();
    if principals > POLICY_PRINCIPALS_MAX {
        return Err(PolicyEditError::TooManyPrincipals { count: principals });
    }

    let partition = queue_arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    policy
        .statement
        .push(StoredStatement::Generated(GeneratedStatement {
            sid: label.to_owned(),
            effect: "Allow".to_owned(),
            principal: AwsPrincipal {
                aws: OneOrMany::from_vec(
                    aws_account_ids
                        .iter()
                        .map(|a| format!("arn:{partition}:iam::{a}:root"))
                        .collect(),
                ),
            },
            action: OneOrMany::from_vec(
                actions
                    .iter()
                    .map(|a| format!("{ACTION_PREFIX}{a}"))
                    .collect(),
            ),
            resource: queue_arn.to_owned(),
        }));
    let text = write(&policy);
    if text.len() > POLICY_MAX_BYTES {
        return Err(PolicyEditError::TooLarge { bytes: text.len() });
    }
    Ok(text)
}

/// Removes the statement whose Sid is `label`. Returns the new Policy text, or `None`
/// when no statement is left and the queue should have no Policy at all.
pub fn remove_permission(
    existing: Option<&str>,
    label: &str,
) -> Result<Option<String>, PolicyEditError> {
    let not_found = || PolicyEditError::LabelNotFound {
        label: label.to_owned(),
    };
    let mut policy = read_stored(existing)?.ok_or_else(not_found)?;
    let index = policy
        .statement
        .iter()
        .position(|s| s.sid() == Some(label))
        .ok_or_else(not_found)?;
    policy.statement.remove(index);
    if policy.statement.is_empty() {
        return Ok(None);
    }
    Ok(Some(write(&policy)))
}
