//! Query parameters → the JSON-protocol input of an action.
//!
//! Each parameter name is resolved against the action's input table (`spec.rs`) into a
//! path of steps, then placed in the path tree (`form.rs`), which becomes the JSON value.
//! Names whose first segment is not a member of the action (`Action`, `Version`, SigV4's
//! `X-Amz-*`, anything unknown) are ignored, and so are unknown members deeper down.
//! Below a known member the structure must be right: a bad index, an empty segment, a
//! parameter given twice or a map entry missing its key or value is
//! [`QueryError::Malformed`].
//!
//! Scalars stay the strings the client sent (the service's input types read numbers
//! from strings), and binary values stay their base64 text.

use serde_json::Value;

use crate::form::{parse_index, Node, Shown, Step, BARE_SLOT, MAX_INDEX};
use crate::spec::{self, Field, Shape, MAP_VALUE};
use crate::QueryError;

/// The most steps a parameter name resolves to in any table
/// (`SendMessageBatchRequestEntry.N.MessageAttribute.M.Value.StringListValue.K`).
const MAX_STEPS: usize = 8;

/// Decodes the Query parameters of a request for `action` into that action's
/// JSON-protocol input object.
///
/// `params` are the URL-decoded form or query-string pairs of the request; `Action`,
/// `Version`, SigV4 presign parameters and any other parameter the action does not have
/// are ignored. Missing required parameters are left for the service to report.
///
/// Lists are ordered by index, and gaps in the indexes are closed up: `AttributeName.1`
/// and `AttributeName.3` give a two-element list. As in the examples of AWS's API
/// reference, a list of strings also takes one unindexed value (`AttributeName=All`) as
/// its first element, and a map one unindexed entry (`Attribute.Name=…&Attribute.Value=…`).
/// A bare container name with an empty value (`AttributeNames=`) is an empty list or map.
pub fn decode_input(action: &str, params: &[(String, String)]) -> Result<Value, QueryError> {
    let spec = spec::find(action).ok_or_else(|| QueryError::UnknownAction(action.to_owned()))?;
    let mut root = Node::root();
    let mut steps = Vec::with_capacity(MAX_STEPS);
    for (name, value) in params {
        steps.clear();
        if resolve(spec.input, name, value, &mut steps)? {
            root.place(&steps, value, name)?;
        }
    }
    let mut input = root.into_json(&mut String::new())?;
    if action == "ReceiveMessage" {
        attribute_names_win(&mut input);
    }
    Ok(input)
}

/// On the Query protocol AWS reads a receive's `AttributeName.N` alone when it is
/// given, ignoring `MessageSystemAttributeName.N` (over JSON it takes both).
fn attribute_names_win(input: &mut Value) {
    if let Some(members) = input.as_object_mut() {
        if members.contains_key("AttributeNames") {
            members.remove("MessageSystemAttributeNames");
        }
    }
}

/// Resolves a parameter name into `steps`. `Ok(false)` means the name is not one of the
/// action's parameters and is to be ignored.
fn resolve(
    fields: &'static [Field],
    name: &str,
    value: &str,
    steps: &mut Vec<Step>,
) -> Result<bool, QueryError> {
    let mut segments = name.split('.');
    let first = segments.next().unwrap_or_default();
    let Some(field) = fields.iter().find(|field| field.matches(first)) else {
        return Ok(false);
    };
    steps.push(Step::Member(field));
    let mut shape = field.shape;
    loop {
        match shape {
            // Anything below a scalar is a parameter the action does not have.
            Shape::Scalar => return Ok(segments.next().is_none()),
            Shape::List(elem) => {
                let Some(segment) = segments.next() else {
                    if matches!(elem, Shape::Scalar) && !value.is_empty() {
                        steps.push(Step::Index(BARE_SLOT));
                    }
                    return Ok(true);
                };
                steps.push(Step::Index(index(segment, name)?));
                shape = elem;
            }
            Shape::Map { key, value: inner } => {
                let Some(segment) = segments.next() else {
                    return Ok(true);
                };
                // `Attribute.Name` / `Attribute.Value`: the one unindexed entry.
                let part = if segment == *key || segment == MAP_VALUE {
                    steps.push(Step::Index(BARE_SLOT));
                    Some(segment)
                } else {
                    steps.push(Step::Index(index(segment, name)?));
                    segments.next()
                };
                match part {
                    Some(part) if part == *key => {
                        steps.push(Step::Key);
                        return Ok(segments.next().is_none());
                    }
                    Some(MAP_VALUE) => {
                        steps.push(Step::Value);
                        shape = inner;
                    }
                    Some("") | None => {
                        return Err(QueryError::Malformed(format!(
                            "parameter `{}` must end in `.{key}` or `.{MAP_VALUE}`",
                            Shown(name)
                        )))
                    }
                    Some(_) => return Ok(false),
                }
            }
            Shape::Struct(members) => match segments.next() {
                None => return Ok(true),
                Some("") => {
                    return Err(QueryError::Malformed(format!(
                        "parameter `{}` has an empty name segment",
                        Shown(name)
                    )))
                }
                Some(segment) => {
                    let Some(member) = members.iter().find(|member| member.matches(segment)) else {
                        return Ok(false);
                    };
                    steps.push(Step::Member(member));
                    shape = member.shape;
                }
            },
        }
    }
}

fn index(segment: &str, name: &str) -> Result<u32, QueryError> {
    parse_index(segment).ok_or_else(|| {
        QueryError::Malformed(format!(
            "parameter `{}`: `{}` is not an index from 1 to {MAX_INDEX}",
            Shown(name),
            Shown(segment)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(shape: &Shape) -> usize {
        match shape {
            Shape::Scalar => 0,
            Shape::List(elem) => 1 + depth(elem),
            Shape::Map { value, .. } => 2 + depth(value),
            Shape::Struct(fields) => fields.iter().map(|f| 1 + depth(f.shape)).max().unwrap_or(0),
        }
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_receives_attribute_names_win_over_its_system_attribute_names() {
        let both = params(&[
            ("AttributeName.1", "SenderId"),
            ("MessageSystemAttributeName.1", "All"),
        ]);
        let input = decode_input("ReceiveMessage", &both).unwrap();
        assert_eq!(input, serde_json::json!({"AttributeNames": ["SenderId"]}));
        let system_only = params(&[("MessageSystemAttributeName.1", "All")]);
        let input = decode_input("ReceiveMessage", &system_only).unwrap();
        assert_eq!(
            input,
            serde_json::json!({"MessageSystemAttributeNames": ["All"]})
        );
    }

    #[test]
    fn max_steps_covers_every_table() {
        for spec in spec::ACTIONS {
            let deepest = spec
                .input
                .iter()
                .map(|f| 1 + depth(f.shape))
                .max()
                .unwrap_or(0);
            assert!(deepest <= MAX_STEPS, "{}: {deepest}", spec.name);
        }
    }
}
