//! Decides whether a message's attributes, or its JSON body, satisfy a parsed policy.
//!
//! A key's condition holds when any of its match values accepts any of the key's leaf
//! values (`exists` looks only at presence). A policy holds when every condition of one of
//! its `$or` alternatives holds. Binary attributes are present but have no leaf values, so
//! only `exists` can see them. A body's nested keys are flattened to dotted paths, and
//! arrays (at any depth) contribute each element, which is also how AWS treats a body key
//! that itself contains a dot.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::parse::{Branch, Condition};
use super::pattern::{Leaf, Pattern};
use super::AttributeValue;

fn condition_holds<'a>(condition: &Condition, present: bool, leaves: &[Leaf<'a>]) -> bool {
    condition.patterns.iter().any(|pattern| match pattern {
        Pattern::Exists(want) => *want == present,
        other => leaves.iter().any(|leaf| other.matches(leaf)),
    })
}

fn json_leaf(value: &Value) -> Option<Leaf<'_>> {
    match value {
        Value::String(s) => Some(Leaf::Str(s)),
        Value::Number(n) => n.as_f64().map(Leaf::Num),
        Value::Bool(b) => Some(Leaf::Bool(*b)),
        Value::Null => Some(Leaf::Null),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// The leaf values of one attribute, by its data type ("String", "Number", "String.Array",
/// "Binary", each optionally with a custom ".label").
fn attribute_leaves<'a>(attr: &'a AttributeValue, array: &'a mut Option<Value>) -> Vec<Leaf<'a>> {
    let Some(text) = attr.string_value.as_deref() else {
        return Vec::new();
    };
    let base = attr.data_type.split('.').next().unwrap_or_default();
    match base {
        "String" if attr.data_type == "String.Array" => {
            *array = serde_json::from_str::<Value>(text).ok();
            match array {
                Some(Value::Array(items)) => items.iter().filter_map(json_leaf).collect(),
                _ => Vec::new(),
            }
        }
        "String" => vec![Leaf::Str(text)],
        "Number" => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Leaf::Num)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn matches_attributes(
    branches: &[Branch],
    attrs: &BTreeMap<String, AttributeValue>,
) -> bool {
    branches.iter().any(|branch| {
        branch
            .iter()
            .all(|condition| match attrs.get(&condition.path) {
                None => condition_holds(condition, false, &[]),
                Some(attr) => {
                    let mut array = None;
                    let leaves = attribute_leaves(attr, &mut array);
                    condition_holds(condition, true, &leaves)
                }
            })
    })
}

fn flatten<'a>(value: &'a Value, path: &str, out: &mut HashMap<String, Vec<Leaf<'a>>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(child, &child_path, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| flatten(item, path, out)),
        scalar => {
            if let Some(leaf) = json_leaf(scalar) {
                out.entry(path.to_owned()).or_default().push(leaf);
            }
        }
    }
}

pub(crate) fn matches_body(branches: &[Branch], body: &str) -> bool {
    // serde_json refuses documents nested deeper than 128 levels, so the walk is bounded.
    let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(body) else {
        return false;
    };
    let mut leaves = HashMap::new();
    flatten(&value, "", &mut leaves);
    branches.iter().any(|branch| {
        branch.iter().all(|condition| {
            let found = leaves
                .get(&condition.path)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            condition_holds(condition, !found.is_empty(), found)
        })
    })
}
