//! Policy documents: parsing the JSON (Version, Id, Statement as object or array, and
//! each statement's Sid, Effect, Principal/NotPrincipal, Action/NotAction,
//! Resource/NotResource, Condition) into plain data, and deciding whether one statement
//! applies to a request. Unknown elements are refused, as IAM refuses them.

use serde_json::{Map, Value};

use super::caller::Caller;
use super::condition::Conditions;
use super::context::ConditionContext;
use super::error::PolicyError;
use super::glob;
use super::principal::{strings, Principals};

/// The two policy language versions AWS accepts; an absent Version means the older one.
pub const POLICY_VERSION_CURRENT: &str = "2012-10-17";
pub const POLICY_VERSION_LEGACY: &str = "2008-10-17";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A list of patterns, or its negation (`NotAction`, `NotResource`, `NotPrincipal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher<T> {
    pub negated: bool,
    pub items: T,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// `None` in identity policies, which name no principal.
    pub principal: Option<Matcher<Principals>>,
    pub action: Matcher<Vec<String>>,
    /// `None` when the statement names no resource: it applies to the resource the
    /// policy is attached to.
    pub resource: Option<Matcher<Vec<String>>>,
    pub condition: Conditions,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    pub fn parse(json: &str) -> Result<Self, PolicyError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| PolicyError::InvalidJson(e.to_string()))?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let map = value.as_object().ok_or(PolicyError::WrongType {
            element: "policy",
            expected: "a JSON object",
        })?;
        reject_unknown(map, &["Version", "Id", "Statement"])?;
        let version = optional_string(map, "Version")?;
        if let Some(v) = &version {
            if v != POLICY_VERSION_CURRENT && v != POLICY_VERSION_LEGACY {
                return Err(PolicyError::UnsupportedVersion(v.clone()));
            }
        }
        let id = optional_string(map, "Id")?;
        let statements = match map.get("Statement") {
            None => return Err(PolicyError::MissingStatement),
            Some(Value::Array(items)) => items.iter().map(Statement::from_value).collect(),
            Some(single @ Value::Object(_)) => Statement::from_value(single).map(|s| vec![s]),
            Some(_) => Err(PolicyError::WrongType {
                element: "Statement",
                expected: "an object or an array of objects",
            }),
        }?;
        Ok(Self {
            version,
            id,
            statements,
        })
    }
}

impl Statement {
    fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let map = value.as_object().ok_or(PolicyError::WrongType {
            element: "Statement",
            expected: "an object",
        })?;
        reject_unknown(
            map,
            &[
                "Sid",
                "Effect",
                "Principal",
                "NotPrincipal",
                "Action",
                "NotAction",
                "Resource",
                "NotResource",
                "Condition",
            ],
        )?;
        let effect = match map.get("Effect") {
            Some(Value::String(s)) if s == "Allow" => Effect::Allow,
            Some(Value::String(s)) if s == "Deny" => Effect::Deny,
            Some(other) => return Err(PolicyError::InvalidEffect(other.to_string())),
            None => return Err(PolicyError::InvalidEffect(String::new())),
        };
        let principal = pair(map, "Principal", "NotPrincipal")?
            .map(|(negated, v)| Principals::parse(v).map(|items| Matcher { negated, items }))
            .transpose()?;
        let (negated, actions) =
            pair(map, "Action", "NotAction")?.ok_or(PolicyError::MissingElement("Action"))?;
        let action = Matcher {
            negated,
            items: non_empty_strings(actions)?,
        };
        if let Some(bad) = action.items.iter().find(|a| !is_action_pattern(a)) {
            return Err(PolicyError::InvalidAction(bad.clone()));
        }
        let resource = pair(map, "Resource", "NotResource")?
            .map(|(negated, v)| non_empty_strings(v).map(|items| Matcher { negated, items }))
            .transpose()?;
        let condition = match map.get("Condition") {
            Some(c) => Conditions::parse(c)?,
            None => Conditions::default(),
        };
        Ok(Self {
            sid: optional_string(map, "Sid")?,
            effect,
            principal,
            action,
            resource,
            condition,
        })
    }

    /// Whether the statement's Action/NotAction covers `action` (case-insensitive).
    pub fn covers_action(&self, action: &str) -> bool {
        let hit = self
            .action
            .items
            .iter()
            .any(|p| glob::matches(p, action, true));
        hit != self.action.negated
    }

    /// Whether Resource/NotResource covers `resource`; no element covers it.
    pub fn covers_resource(&self, resource: &str) -> bool {
        self.resource.as_ref().is_none_or(|r| {
            let hit = r.items.iter().any(|p| glob::arn_matches(p, resource));
            hit != r.negated
        })
    }

    /// Whether Principal/NotPrincipal names the caller. A statement with neither names
    /// nobody: in a resource policy it applies to no one.
    pub fn names_principal(&self, caller: &Caller) -> bool {
        self.principal
            .as_ref()
            .is_some_and(|p| p.items.matches(caller) != p.negated)
    }

    /// Action, resource and condition all fit; principal is the caller's concern, since
    /// identity policies have none.
    pub fn applies(&self, action: &str, resource: &str, context: &ConditionContext) -> bool {
        self.covers_action(action)
            && self.covers_resource(resource)
            && self.condition.holds(context)
    }
}

/// `*`, or `service:pattern` with a non-empty service prefix.
fn is_action_pattern(action: &str) -> bool {
    action == "*"
        || action
            .split_once(':')
            .is_some_and(|(service, name)| !service.is_empty() && !name.is_empty())
}

fn reject_unknown(map: &Map<String, Value>, known: &[&str]) -> Result<(), PolicyError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(PolicyError::UnknownElement(k.clone())),
        None => Ok(()),
    }
}

fn optional_string(
    map: &Map<String, Value>,
    key: &'static str,
) -> Result<Option<String>, PolicyError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(PolicyError::WrongType {
            element: key,
            expected: "a string",
        }),
    }
}

/// Finds `X` or `NotX`; having both is an error. Returns (negated, value).
fn pair<'a>(
    map: &'a Map<String, Value>,
    key: &'static str,
    not_key: &'static str,
) -> Result<Option<(bool, &'a Value)>, PolicyError> {
    match (map.get(key), map.get(not_key)) {
        (Some(_), Some(_)) => Err(PolicyError::ConflictingElements(key)),
        (Some(v), None) => Ok(Some((false, v))),
        (None, Some(v)) => Ok(Some((true, v))),
        (None, None) => Ok(None),
    }
}

fn non_empty_strings(value: &Value) -> Result<Vec<String>, PolicyError> {
    let items = strings(value)?;
    if items.is_empty() {
        return Err(PolicyError::WrongType {
            element: "Action or Resource",
            expected: "a non-empty list",
        });
    }
    Ok(items)
}
