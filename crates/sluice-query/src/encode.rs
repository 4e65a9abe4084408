//! JSON-protocol output → the Query XML response document.
//!
//! The action's output table (`spec.rs`) decides what is written and in what order;
//! members of the JSON object the table does not name, and `null`s, are left out. Lists
//! and maps are written flattened (repeated elements named after the member), strings
//! as escaped text (`xml_text.rs`), numbers in decimal and booleans as `true`/`false`.
//!
//! The document is written into one `String`, sized up front from the output's text.

use std::fmt::Write;

use serde_json::Value;

use crate::spec::{self, Field, Shape, MAP_VALUE};
use crate::xml_text::push_text;
use crate::XML_NAMESPACE;

const XML_DECLARATION: &str = "<?xml version=\"1.0\"?>";

/// Room for the declaration, the envelope and the request id.
const ENVELOPE_CAPACITY: usize = 320;

/// Markup bytes budgeted per value when sizing the buffer.
const MARKUP_PER_VALUE: usize = 48;

/// How deep the buffer-sizing pass looks into the output; the tables nest no deeper.
const MAX_SIZING_DEPTH: usize = 8;

/// The element name used for an action this codec does not know, when its name is not a
/// plain ASCII word that can be used.
const UNKNOWN_ACTION_NAME: &str = "Unknown";

/// Writes the XML success response for `action` from its JSON-protocol output object:
///
/// `<?xml version="1.0"?><{Action}Response xmlns="…"><{Action}Result>…</{Action}Result>`
/// `<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{Action}Response>`
///
/// Actions without an output (DeleteMessage, PurgeQueue, TagQueue, ...) have no Result
/// element. So has an action this codec does not know, whose output it cannot shape.
pub fn encode_output(action: &str, output: &Value, request_id: &str) -> String {
    let spec = spec::find(action);
    let name = match spec {
        Some(spec) => spec.name,
        None if is_plain_word(action) => action,
        None => UNKNOWN_ACTION_NAME,
    };
    let fields = spec.and_then(|spec| spec.output);
    let capacity = ENVELOPE_CAPACITY
        + request_id.len()
        + fields.map_or(0, |_| 2 * name.len() + size_hint(output, 0));
    let mut out = String::with_capacity(capacity);
    out.push_str(XML_DECLARATION);
    open_with_suffix(&mut out, name, "Response");
    out.push_str(" xmlns=\"");
    out.push_str(XML_NAMESPACE);
    out.push_str("\">");
    if let Some(fields) = fields {
        open_with_suffix(&mut out, name, "Result");
        out.push('>');
        let empty_at = out.len();
        write_members(&mut out, fields, output);
        if out.len() == empty_at {
            // Nothing to say (an empty receive): AWS writes the empty element.
            out.pop();
            out.push_str("/>");
        } else {
            close_with_suffix(&mut out, name, "Result");
        }
    }
    out.push_str("<ResponseMetadata><RequestId>");
    push_text(&mut out, request_id);
    out.push_str("</RequestId></ResponseMetadata>");
    close_with_suffix(&mut out, name, "Response");
    out
}

/// Writes the XML error response:
///
/// `<?xml version="1.0"?><ErrorResponse xmlns="…"><Error><Type>Sender|Receiver</Type>`
/// `<Code>{code}</Code><Message>{msg}</Message><Detail/></Error><RequestId>{id}</RequestId>`
/// `</ErrorResponse>`
pub fn encode_error(code: &str, message: &str, sender_fault: bool, request_id: &str) -> String {
    encode_error_in(XML_NAMESPACE, code, message, sender_fault, request_id)
}

/// [`encode_error`] for another Query service, whose documents use `namespace`.
pub fn encode_error_in(
    namespace: &str,
    code: &str,
    message: &str,
    sender_fault: bool,
    request_id: &str,
) -> String {
    let mut out =
        String::with_capacity(ENVELOPE_CAPACITY + code.len() + message.len() + request_id.len());
    out.push_str(XML_DECLARATION);
    out.push_str("<ErrorResponse xmlns=\"");
    out.push_str(namespace);
    out.push_str("\"><Error><Type>");
    out.push_str(if sender_fault { "Sender" } else { "Receiver" });
    out.push_str("</Type><Code>");
    push_text(&mut out, code);
    out.push_str("</Code><Message>");
    push_text(&mut out, message);
    out.push_str("</Message><Detail/></Error><RequestId>");
    push_text(&mut out, request_id);
    out.push_str("</RequestId></ErrorResponse>");
    out
}

fn is_plain_word(name: &str) -> bool {
    name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Writes the members of `value` (an object) that `fields` names, in table order.
fn write_members(out: &mut String, fields: &[Field], value: &Value) {
    let Value::Object(object) = value else {
        return;
    };
    for field in fields {
        if let Some(member) = object.get(field.json) {
            write_member(out, field, member);
        }
    }
}

fn write_member(out: &mut String, field: &Field, value: &Value) {
    let name = field.xml_name();
    match (field.shape, value) {
        (Shape::List(elem), Value::Array(items)) => {
            for item in items {
                write_element(out, name, elem, item);
            }
        }
        (Shape::Map { key, value: shape }, Value::Object(entries)) => {
            for (entry_key, entry_value) in entries {
                if entry_value.is_null() {
                    continue;
                }
                open(out, name);
                open(out, key);
                push_text(out, entry_key);
                close(out, key);
                write_element(out, MAP_VALUE, shape, entry_value);
                close(out, name);
            }
        }
        (shape, value) => write_element(out, name, shape, value),
    }
}

fn write_element(out: &mut String, name: &str, shape: &Shape, value: &Value) {
    if value.is_null() {
        return;
    }
    open(out, name);
    match value {
        Value::String(text) => push_text(out, text),
        Value::Number(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Object(_) => {
            if let Shape::Struct(fields) = shape {
                write_members(out, fields, value);
            }
        }
        Value::Array(_) | Value::Null => {}
    }
    close(out, name);
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Writes `<{name}{suffix}` and leaves the tag open for attributes.
fn open_with_suffix(out: &mut String, name: &str, suffix: &str) {
    out.push('<');
    out.push_str(name);
    out.push_str(suffix);
}

fn close_with_suffix(out: &mut String, name: &str, suffix: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push_str(suffix);
    out.push('>');
}

/// A guess at the written size of `value`: its text plus some markup per value.
fn size_hint(value: &Value, depth: usize) -> usize {
    if depth > MAX_SIZING_DEPTH {
        return 0;
    }
    match value {
        Value::String(text) => text.len() + MARKUP_PER_VALUE,
        Value::Array(items) => items.iter().map(|v| size_hint(v, depth + 1)).sum(),
        Value::Object(members) => members
            .iter()
            .map(|(k, v)| k.len() + size_hint(v, depth + 1))
            .sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => MARKUP_PER_VALUE,
    }
}
