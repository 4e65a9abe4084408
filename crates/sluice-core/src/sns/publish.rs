//! What a Publish must hold before anything is delivered, checked as AWS checks it, and
//! the pure choices fan-out makes per subscription: which body a protocol gets under
//! `MessageStructure=json`, what filter policies see, how attributes are carried.
//! Texts are AWS's (as LocalStack's AWS-validated provider words them).

use std::collections::BTreeMap;

use base64::Engine as _;

use super::api::{PublishAttribute, PublishInput};
use super::error::{SnsError, SnsErrorKind, SnsResult};
use super::filter::AttributeValue;
use super::limits::{
    MESSAGE_ATTRIBUTE_NAME_MAX_CHARS, MESSAGE_GROUP_ID_MAX_CHARS, MESSAGE_MAX_BYTES,
    MESSAGE_STRUCTURE_DEFAULT_KEY, SUBJECT_MAX_CHARS,
};

/// The only `MessageStructure` AWS accepts.
pub const MESSAGE_STRUCTURE_JSON: &str = "json";

/// A publish that passed validation.
#[derive(Debug, Clone)]
pub struct CheckedPublish {
    pub message: String,
    pub subject: Option<String>,
    /// Per protocol bodies of `MessageStructure=json` (always with `default`).
    pub structure: Option<BTreeMap<String, String>>,
    /// Validated, in name order (as AWS writes them in the notification).
    pub attributes: BTreeMap<String, PublishAttribute>,
    pub message_group_id: Option<String>,
}

impl CheckedPublish {
    /// The body a subscriber of `protocol` (`sqs`, `http`, ...) receives.
    pub fn body_for(&self, protocol: &str) -> &str {
        match &self.structure {
            None => &self.message,
            Some(bodies) => bodies
                .get(protocol)
                .or_else(|| bodies.get(MESSAGE_STRUCTURE_DEFAULT_KEY))
                .map_or(self.message.as_str(), String::as_str),
        }
    }

    /// The attributes as filter policies see them.
    pub fn filter_attributes(&self) -> BTreeMap<String, AttributeValue> {
        self.attributes
            .iter()
            .map(|(name, a)| {
                let value = match &a.string_value {
                    Some(s) if !is_binary(&a.data_type) => AttributeValue::new(&a.data_type, s),
                    _ => AttributeValue {
                        data_type: a.data_type.clone(),
                        string_value: None,
                    },
                };
                (name.clone(), value)
            })
            .collect()
    }
}

/// An attribute's value as the notification writes it: the string, or the bytes in
/// base64.
pub fn attribute_text(a: &PublishAttribute) -> String {
    match (&a.binary_value, is_binary(&a.data_type)) {
        (Some(bytes), true) => base64::engine::general_purpose::STANDARD.encode(bytes),
        _ => a.string_value.clone().unwrap_or_default(),
    }
}

fn is_binary(data_type: &str) -> bool {
    data_type == "Binary" || data_type.starts_with("Binary.")
}

fn value_invalid(message: String) -> SnsError {
    SnsError::new(SnsErrorKind::ParameterValueInvalid, message)
}

/// Checks a Publish's message, subject, structure, attributes and size.
pub fn check(input: &PublishInput) -> SnsResult<CheckedPublish> {
    if let Some(subject) = &input.subject {
        let printable = subject.bytes().all(|b| (0x20..0x7f).contains(&b));
        if subject.is_empty() || subject.len() > SUBJECT_MAX_CHARS || !printable {
            return Err(SnsError::invalid_parameter("Subject"));
        }
    }
    let message = input
        .message
        .clone()
        .filter(|m| !m.is_empty())
        .ok_or_else(|| SnsError::invalid_parameter("Empty message"))?;
    let structure = match input.message_structure.as_deref() {
        None => None,
        Some(MESSAGE_STRUCTURE_JSON) => Some(parse_structure(&message)?),
        Some(_) => return Err(SnsError::invalid_parameter("MessageStructure")),
    };
    let mut attributes = BTreeMap::new();
    check_attributes(&input.message_attributes)?;
    for (name, attribute) in &input.message_attributes {
        attributes.insert(name.clone(), attribute.clone());
    }
    if message.len() + attributes_bytes(&input.message_attributes) > MESSAGE_MAX_BYTES {
        return Err(SnsError::invalid_parameter("Message too long"));
    }
    if let Some(group) = &input.message_group_id {
        let valid = (1..=MESSAGE_GROUP_ID_MAX_CHARS).contains(&group.len())
            && group.bytes().all(|b| (0x21..0x7f).contains(&b));
        if !valid {
            return Err(SnsError::invalid_parameter("MessageGroupId"));
        }
    }
    Ok(CheckedPublish {
        message,
        subject: input.subject.clone(),
        structure,
        attributes,
        message_group_id: input.message_group_id.clone(),
    })
}

/// Checks message attributes as Publish and every PublishBatch entry have them checked.
pub fn check_attributes(attributes: &[(String, PublishAttribute)]) -> SnsResult<()> {
    attributes
        .iter()
        .try_for_each(|(name, attribute)| check_attribute(name, attribute))
}

/// What message attributes add to a message's size: names, data types and values.
pub fn attributes_bytes(attributes: &[(String, PublishAttribute)]) -> usize {
    attributes
        .iter()
        .map(|(name, a)| name.len() + a.data_type.len() + attribute_size(a))
        .sum()
}

fn attribute_size(a: &PublishAttribute) -> usize {
    a.string_value.as_ref().map_or(0, String::len) + a.binary_value.as_ref().map_or(0, Vec::len)
}

/// `MessageStructure=json`: an object of string bodies with a `default` entry. Entries
/// that are not strings are ignored (so `{"default": {...}}` has no default entry), and a
/// JSON object followed by anything else "failed to parse", as AWS's recordings show.
fn parse_structure(message: &str) -> SnsResult<BTreeMap<String, String>> {
    let unparseable =
        || SnsError::invalid_parameter("Message Structure - No JSON message body is parseable");
    let mut values = serde_json::Deserializer::from_str(message).into_iter::<serde_json::Value>();
    let parsed = values.next().and_then(Result::ok).ok_or_else(unparseable)?;
    if values.next().is_some() {
        return Err(SnsError::invalid_parameter(
            "Message Structure - JSON message body failed to parse",
        ));
    }
    let object = parsed.as_object().ok_or_else(unparseable)?;
    let mut bodies = BTreeMap::new();
    for (protocol, body) in object {
        if let Some(body) = body.as_str() {
            bodies.insert(protocol.clone(), body.to_owned());
        }
    }
    if !bodies.contains_key(MESSAGE_STRUCTURE_DEFAULT_KEY) {
        return Err(SnsError::invalid_parameter(
            "Message Structure - No default entry in JSON message body",
        ));
    }
    Ok(bodies)
}

fn check_attribute(name: &str, a: &PublishAttribute) -> SnsResult<()> {
    if name.len() > MESSAGE_ATTRIBUTE_NAME_MAX_CHARS {
        return Err(value_invalid(
            "Length of message attribute name must be less than 256 bytes.".to_owned(),
        ));
    }
    check_attribute_name(name)?;
    let data_type = a.data_type.as_str();
    let (prefix, custom) = match data_type.split_once('.') {
        Some((prefix, custom)) => (prefix, Some(custom)),
        None => (data_type, None),
    };
    // A custom type needs something after the dot ("String." is not a type).
    if !matches!(prefix, "String" | "Number" | "Binary") || custom == Some("") {
        return Err(value_invalid(format!(
            "The message attribute '{name}' has an invalid message attribute type, the set of \
             supported type prefixes is Binary, Number, and String."
        )));
    }
    let (field, value_len, other_field_used) = if prefix == "Binary" {
        let len = a.binary_value.as_ref().map(Vec::len);
        ("Binary", len, a.string_value.is_some())
    } else {
        let len = a.string_value.as_ref().map(String::len);
        ("String", len, a.binary_value.is_some())
    };
    // No value at all reads as an empty one; a value in the other field is misplaced.
    let value_len = match value_len {
        None if !other_field_used => Some(0),
        len => len,
    };
    match value_len {
        None => Err(value_invalid(format!(
            "The message attribute '{name}' with type '{data_type}' must use field '{field}'."
        ))),
        Some(0) => Err(value_invalid(format!(
            "The message attribute '{name}' must contain non-empty message attribute value \
             for message attribute type '{data_type}'."
        ))),
        Some(_) if prefix == "Number" => {
            let text = a.string_value.as_deref().unwrap_or_default();
            if text.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                Ok(())
            } else {
                Err(value_invalid(format!(
                    "Could not cast message attribute '{name}' value to number."
                )))
            }
        }
        Some(_) => Ok(()),
    }
}

/// Names: A-Z, a-z, 0-9, `_`, `-` and `.`, not starting or ending with `.` and without
/// two in a row.
fn check_attribute_name(name: &str) -> SnsResult<()> {
    if name.starts_with('.') {
        return Err(value_invalid(
            "Invalid message attribute name starting with character '.' was found.".to_owned(),
        ));
    }
    if name.ends_with('.') {
        return Err(value_invalid(
            "Invalid message attribute name ending with character '.' was found.".to_owned(),
        ));
    }
    for c in name.chars() {
        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            return Err(value_invalid(format!(
                "Invalid non-alphanumeric character '#x{:X}' was found in the message \
                 attribute name. Can only include alphanumeric characters, hyphens, \
                 underscores, or dots.",
                u32::from(c)
            )));
        }
    }
    if name.contains("..") {
        return Err(value_invalid(
            "Message attribute name can not have successive '.' character.".to_owned(),
        ));
    }
    Ok(())
}
