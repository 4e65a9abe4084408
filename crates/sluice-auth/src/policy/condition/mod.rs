//! The Condition element: parsing `{"Operator": {"key": value | [values]}}` and testing
//! it against a request's [`ConditionContext`]. All entries must hold (AND); the values
//! listed for one key are alternatives (OR), as IAM evaluates them.

pub mod operator;
pub mod time;

#[cfg(test)]
mod tests;

use serde_json::Value;

use super::context::ConditionContext;
use super::error::PolicyError;
use operator::{compare, Comparison, Operator, SetQualifier};

/// One `operator / key / values` triple of a Condition block.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionEntry {
    /// The operator as written, kept for diagnostics.
    pub operator_name: String,
    pub operator: Operator,
    pub key: String,
    pub values: Vec<String>,
}

/// A statement's Condition block. Empty means "no condition": always holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    pub entries: Vec<ConditionEntry>,
}

impl Conditions {
    pub fn parse(value: &Value) -> Result<Self, PolicyError> {
        let operators = value.as_object().ok_or(PolicyError::WrongType {
            element: "Condition",
            expected: "an object",
        })?;
        let mut entries = Vec::new();
        for (operator_name, keys) in operators {
            let operator = Operator::parse(operator_name)
                .ok_or_else(|| PolicyError::UnknownConditionOperator(operator_name.clone()))?;
            let keys = keys.as_object().ok_or(PolicyError::WrongType {
                element: "Condition operator block",
                expected: "an object of keys",
            })?;
            for (key, raw) in keys {
                let values = condition_values(raw)?;
                if let Some(bad) = values
                    .iter()
                    .find(|v| !operator::policy_value_is_valid(operator.comparison, v))
                {
                    return Err(PolicyError::InvalidConditionValue {
                        operator: operator_name.clone(),
                        key: key.clone(),
                        value: bad.clone(),
                    });
                }
                entries.push(ConditionEntry {
                    operator_name: operator_name.clone(),
                    operator,
                    key: key.clone(),
                    values,
                });
            }
        }
        Ok(Self { entries })
    }

    /// True when every entry holds for this request.
    pub fn holds(&self, context: &ConditionContext) -> bool {
        self.entries.iter().all(|e| e.holds(context))
    }
}

impl ConditionEntry {
    pub fn holds(&self, context: &ConditionContext) -> bool {
        let op = self.operator;
        let present = context.get(&self.key).filter(|v| !v.is_empty());
        if op.comparison == Comparison::Null {
            // "true" asks for the key to be absent, "false" for it to be present.
            return self
                .values
                .iter()
                .any(|v| operator::parse_bool(v) == Some(present.is_none()));
        }
        let Some(request_values) = present else {
            // AWS: a missing key fails a positive test and passes a negated one;
            // IfExists passes; ForAllValues over an empty set is vacuously true.
            return op.if_exists
                || match op.qualifier {
                    SetQualifier::ForAllValues => true,
                    SetQualifier::ForAnyValue => false,
                    SetQualifier::Single => op.negated,
                };
        };
        // A request value "passes" when it matches one of the policy values, or, for a
        // negated operator, when it matches none of them.
        let passes = |request: &String| {
            let matched = self
                .values
                .iter()
                .any(|policy| compare(op.comparison, policy, request));
            matched != op.negated
        };
        match op.qualifier {
            SetQualifier::ForAllValues => request_values.iter().all(passes),
            SetQualifier::ForAnyValue => request_values.iter().any(passes),
            // Without a qualifier a negated operator must hold for every value: "this
            // request's SourceIp is not in the range" cannot be true of only one of them.
            SetQualifier::Single if op.negated => request_values.iter().all(passes),
            SetQualifier::Single => request_values.iter().any(passes),
        }
    }
}

/// A condition value may be a string, number or boolean, or an array of them.
fn condition_values(raw: &Value) -> Result<Vec<String>, PolicyError> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(PolicyError::WrongType {
            element: "Condition value",
            expected: "a string, number, boolean or an array of them",
        }),
    };
    match raw {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}
