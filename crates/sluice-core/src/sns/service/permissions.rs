//! AddPermission and RemovePermission: edits of a topic's Policy as SNS makes them. A
//! topic that never had its Policy set starts from AWS's default policy, so the owner's
//! statement survives the first edit. AddPermission appends one statement:
//!
//! ```json
//! {"Sid": LABEL, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::ACCOUNT:root"},
//!  "Action": "SNS:Publish", "Resource": TOPIC_ARN}
//! ```
//!
//! with a single principal or action written as a string and several as a list, as AWS
//! writes them. RemovePermission drops the statement whose Sid is the label.

use serde_json::{json, Value};

use super::{missing, Sns, SnsContext};
use crate::sns::error::{SnsError, SnsResult};
use crate::sns::limits::{PERMISSION_LABEL_MAX_CHARS, TOPIC_POLICY_MAX_BYTES};
use crate::sns::store::{TopicChange, TopicMeta};
use crate::sns::topic_attributes::{default_topic_policy, DEFAULT_POLICY_ACTIONS};

/// The input of AddPermission.
#[derive(Debug, Clone, Default)]
pub struct AddPermissionInput {
    pub topic_arn: Option<String>,
    pub label: Option<String>,
    pub aws_account_ids: Vec<String>,
    pub action_names: Vec<String>,
}

impl Sns {
    pub async fn add_permission(
        &self,
        ctx: &SnsContext,
        input: AddPermissionInput,
    ) -> SnsResult<()> {
        let label = required_label(input.label.as_deref())?;
        if input.aws_account_ids.is_empty() {
            return Err(missing("AWSAccountId"));
        }
        if input.action_names.is_empty() {
            return Err(missing("ActionName"));
        }
        let _edit = self.edits.lock().await;
        let topic = self
            .resolve_topic(ctx, "AddPermission", input.topic_arn.as_deref(), "TopicArn")
            .await?;
        let mut policy = current_policy(&topic)?;
        let statements = statements_mut(&mut policy)?;
        if statements.iter().any(|s| sid(s) == Some(label)) {
            return Err(SnsError::invalid_parameter("Statement already exists"));
        }
        if let Some(bad) = input
            .action_names
            .iter()
            .find(|a| !DEFAULT_POLICY_ACTIONS.contains(&format!("SNS:{a}").as_str()))
        {
            tracing::debug!(action = %bad, "AddPermission action outside the topic actions");
            return Err(SnsError::invalid_parameter(
                "Policy statement action out of service scope!",
            ));
        }
        if let Some(bad) = input.aws_account_ids.iter().find(|a| !is_account_id(a)) {
            return Err(SnsError::invalid_parameter(format!(
                "AWSAccountId Reason: {bad} is not a valid account ID"
            )));
        }
        let principals: Vec<String> = input
            .aws_account_ids
            .iter()
            .map(|a| format!("arn:aws:iam::{a}:root"))
            .collect();
        let actions: Vec<String> = input
            .action_names
            .iter()
            .map(|a| format!("SNS:{a}"))
            .collect();
        statements.push(json!({
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": one_or_many(principals)},
            "Action": one_or_many(actions),
            "Resource": topic.key.arn(),
        }));
        self.store_policy(&topic, policy).await
    }

    pub async fn remove_permission(
        &self,
        ctx: &SnsContext,
        topic_arn: Option<&str>,
        label: Option<&str>,
    ) -> SnsResult<()> {
        let label = label
            .filter(|l| !l.is_empty())
            .ok_or_else(|| missing("Label"))?;
        let _edit = self.edits.lock().await;
        let topic = self
            .resolve_topic(ctx, "RemovePermission", topic_arn, "TopicArn")
            .await?;
        let mut policy = current_policy(&topic)?;
        let statements = statements_mut(&mut policy)?;
        let index = statements
            .iter()
            .position(|s| sid(s) == Some(label))
            .ok_or_else(|| {
                SnsError::invalid_parameter(format!(
                    "Label Reason: no statement labelled {label} in the topic policy"
                ))
            })?;
        statements.remove(index);
        self.store_policy(&topic, policy).await
    }

    async fn store_policy(&self, topic: &TopicMeta, policy: Value) -> SnsResult<()> {
        let text = policy.to_string();
        if text.len() > TOPIC_POLICY_MAX_BYTES {
            return Err(SnsError::invalid_parameter(
                "Policy Error: the policy is too long",
            ));
        }
        let mut attributes = topic.attributes.clone();
        attributes.policy = Some(text);
        self.store
            .change_topic(&topic.key, TopicChange::Attributes(attributes))
            .await?;
        Ok(())
    }
}

/// A label: required, and at most 80 characters (SNS documents no character set, so
/// none is imposed beyond what the policy's JSON carries).
fn required_label(label: Option<&str>) -> SnsResult<&str> {
    let label = label
        .filter(|l| !l.is_empty())
        .ok_or_else(|| missing("Label"))?;
    if label.chars().count() <= PERMISSION_LABEL_MAX_CHARS {
        Ok(label)
    } else {
        Err(SnsError::invalid_parameter(format!(
            "Label Reason: a label has at most {PERMISSION_LABEL_MAX_CHARS} characters"
        )))
    }
}

fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The topic's policy as JSON: the one set, else AWS's default.
fn current_policy(topic: &TopicMeta) -> SnsResult<Value> {
    let text = topic
        .attributes
        .policy
        .clone()
        .unwrap_or_else(|| default_topic_policy(&topic.key));
    serde_json::from_str(&text)
        .map_err(|e| SnsError::invalid_parameter(format!("Policy Error: {e}")))
}

/// The policy's statements as a list (a lone statement object becomes a list of one).
fn statements_mut(policy: &mut Value) -> SnsResult<&mut Vec<Value>> {
    let object = policy
        .as_object_mut()
        .ok_or_else(|| SnsError::invalid_parameter("Policy Error: not a JSON object"))?;
    let entry = object
        .entry("Statement")
        .or_insert_with(|| Value::Array(Vec::new()));
    if entry.is_object() {
        *entry = Value::Array(vec![entry.take()]);
    }
    entry
        .as_array_mut()
        .ok_or_else(|| SnsError::invalid_parameter("Policy Error: Statement is not a list"))
}

fn sid(statement: &Value) -> Option<&str> {
    statement.get("Sid").and_then(Value::as_str)
}

/// One value as a string, several as a list.
fn one_or_many(mut values: Vec<String>) -> Value {
    if values.len() == 1 {
        Value::String(values.remove(0))
    } else {
        json!(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_accounts_are_checked() {
        assert_eq!(required_label(Some("ok-Label_1")).unwrap(), "ok-Label_1");
        assert_eq!(
            required_label(None).unwrap_err().message,
            "Invalid parameter: Label Reason: cannot be empty"
        );
        assert_eq!(required_label(Some("has space")).unwrap(), "has space");
        assert!(required_label(Some(&"x".repeat(81))).is_err());
        assert!(is_account_id("111111111111"));
        assert!(!is_account_id("11111111111a"));
        assert!(!is_account_id("1111"));
    }

    #[test]
    fn single_values_are_strings_and_several_are_lists() {
        assert_eq!(one_or_many(vec!["a".into()]), json!("a"));
        assert_eq!(one_or_many(vec!["a".into(), "b".into()]), json!(["a", "b"]));
        let mut lone = json!({"Statement": {"Sid": "x"}});
        assert_eq!(statements_mut(&mut lone).unwrap().len(), 1);
        assert_eq!(sid(&lone["Statement"][0]), Some("x"));
    }
}
