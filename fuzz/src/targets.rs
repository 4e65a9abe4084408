//! The bodies of Sluice's fuzz targets, as plain functions of a byte slice.
//!
//! The cargo-fuzz binaries in `fuzz_targets/` call these, and so does a seeded stable
//! test (`crates/sluice-server/tests/bad_input.rs`, which includes this file by path), so
//! the same checks run under libFuzzer on nightly and as an ordinary test on stable.
//! This file may use only crates both places have: `sluice_core`, `sluice_query`,
//! `serde`, `serde_json`, `form_urlencoded` and `quick_xml`.
//!
//! Each function panics exactly when it finds a bug: a panic inside the code under test,
//! or a broken invariant that the code promises.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use sluice_core::sqs::api::{self, Blob, MessageAttributeMap, MessageAttributeValue};
use sluice_core::sqs::message;

/// Deserialises `value` into the typed input of `action` exactly as the server's
/// operation table does (an empty JSON body counts as `{}`). `None` for an action the
/// server does not answer.
fn decode_typed(action: &str, input: Input<'_>) -> Option<bool> {
    fn one<T: DeserializeOwned>(input: Input<'_>) -> bool {
        match input {
            Input::Bytes([]) => serde_json::from_slice::<T>(b"{}").is_ok(),
            Input::Bytes(bytes) => serde_json::from_slice::<T>(bytes).is_ok(),
            Input::Value(value) => serde_json::from_value::<T>(value).is_ok(),
        }
    }
    Some(match action {
        "CreateQueue" => one::<api::CreateQueueInput>(input),
        "GetQueueUrl" => one::<api::GetQueueUrlInput>(input),
        "ListQueues" => one::<api::ListQueuesInput>(input),
        "DeleteQueue" | "PurgeQueue" | "ListQueueTags" => one::<api::QueueUrlInput>(input),
        "GetQueueAttributes" => one::<api::GetQueueAttributesInput>(input),
        "SetQueueAttributes" => one::<api::SetQueueAttributesInput>(input),
        "SendMessage" => one::<api::SendMessageInput>(input),
        "SendMessageBatch" => one::<api::SendMessageBatchInput>(input),
        "ReceiveMessage" => one::<api::ReceiveMessageInput>(input),
        "DeleteMessage" => one::<api::DeleteMessageInput>(input),
        "DeleteMessageBatch" => one::<api::DeleteMessageBatchInput>(input),
        "ChangeMessageVisibility" => one::<api::ChangeMessageVisibilityInput>(input),
        "ChangeMessageVisibilityBatch" => one::<api::ChangeMessageVisibilityBatchInput>(input),
        "TagQueue" => one::<api::TagQueueInput>(input),
        "UntagQueue" => one::<api::UntagQueueInput>(input),
        "ListDeadLetterSourceQueues" => one::<api::ListDeadLetterSourceQueuesInput>(input),
        "StartMessageMoveTask" => one::<api::StartMessageMoveTaskInput>(input),
        "CancelMessageMoveTask" => one::<api::CancelMessageMoveTaskInput>(input),
        "ListMessageMoveTasks" => one::<api::ListMessageMoveTasksInput>(input),
        _ => return None,
    })
}

/// Every action the server's operation table answers.
pub const SERVER_ACTIONS: &[&str] = &[
    "CreateQueue",
    "GetQueueUrl",
    "ListQueues",
    "DeleteQueue",
    "GetQueueAttributes",
    "SetQueueAttributes",
    "PurgeQueue",
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "TagQueue",
    "UntagQueue",
    "ListQueueTags",
    "ListDeadLetterSourceQueues",
    "StartMessageMoveTask",
    "CancelMessageMoveTask",
    "ListMessageMoveTasks",
];

enum Input<'a> {
    Bytes(&'a [u8]),
    Value(Value),
}

/// `query_decode`: arbitrary bytes as a form body, decoded for every action the Query
/// codec knows, then deserialised into the typed input as the server would.
pub fn query_decode(data: &[u8]) {
    let params = sluice_query::parse_form(data);
    // The same pairs as the form_urlencoded crate's lossy parser, but for the character
    // that stands for bytes that are not UTF-8.
    let same = |text: &str| text.replace(sluice_query::NOT_UTF8, "\u{FFFD}");
    let reference: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(k, v)| (same(&k), same(&v)))
        .collect();
    let ours: Vec<(String, String)> = params.iter().map(|(k, v)| (same(k), same(v))).collect();
    assert_eq!(
        ours,
        reference,
        "parse_form({:?})",
        String::from_utf8_lossy(data)
    );
    for action in sluice_query::known_actions() {
        match sluice_query::decode_input(action, &params) {
            Ok(value) => {
                assert!(
                    value.is_object(),
                    "{action}: decode_input gave a non-object {value}"
                );
                decode_typed(action, Input::Value(value));
            }
            Err(sluice_query::QueryError::Malformed(message)) => {
                // Error messages repeat client text only in bounded pieces.
                assert!(
                    message.len() <= 4096,
                    "{action}: a {}-byte error message",
                    message.len()
                );
            }
            Err(sluice_query::QueryError::UnknownAction(a)) => {
                panic!("known action {a} reported unknown")
            }
        }
    }
}

/// `json_decode`: arbitrary bytes as an AWS JSON 1.0 body, deserialised into every
/// typed input.
pub fn json_decode(data: &[u8]) {
    for action in SERVER_ACTIONS {
        let decoded = decode_typed(action, Input::Bytes(data));
        assert!(decoded.is_some(), "{action} has no typed input");
    }
}

/// A little reader over fuzz bytes that never fails: past the end it yields zeros.
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// Up to `max` bytes, the length taken from the input.
    pub fn slice(&mut self, max: usize) -> &'a [u8] {
        let len = (usize::from(self.byte()) * 256 + usize::from(self.byte())) % (max + 1);
        let len = len.min(self.data.len());
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        head
    }

    /// A string from the input: lossy UTF-8, so invalid bytes become U+FFFD.
    pub fn string(&mut self, max: usize) -> String {
        String::from_utf8_lossy(self.slice(max)).into_owned()
    }

    /// A string that also reaches characters beyond what lossy UTF-8 of short inputs
    /// tends to produce: each 3-byte group is read as a code point below U+110000.
    pub fn wide_string(&mut self, max_chars: usize) -> String {
        let raw = self.slice(max_chars * 3);
        raw.chunks(3)
            .filter_map(|c| {
                let n = c.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) % 0x11_0000;
                char::from_u32(n)
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Whether every character of `text` is one SQS allows in bodies and attribute values.
fn sqs_allows(text: &str) -> bool {
    text.chars().all(message::is_allowed_char)
}

/// `xml_roundtrip`: arbitrary strings as message bodies and attribute values, encoded
/// as a ReceiveMessage Query response and parsed back with quick-xml. The document must
/// always be well-formed, carry no literal CR (a parser would normalise it), and give
/// back exactly the text of every string SQS allows.
pub fn xml_roundtrip(data: &[u8]) {
    let mut input = Bytes::new(data);
    let mut texts = Vec::new();
    for _ in 0..8 {
        let text = if input.byte() & 1 == 0 {
            input.string(512)
        } else {
            input.wide_string(128)
        };
        texts.push(text);
    }
    let [body, handle, sender, attr_name, attr_value, string_attr, id, request_id] =
        <[String; 8]>::try_from(texts).expect("eight strings");
    let attr_name = if attr_name.is_empty() {
        "a".to_owned()
    } else {
        attr_name
    };
    let mut attributes = serde_json::Map::new();
    attributes.insert("SenderId".to_owned(), Value::String(sender));
    attributes.insert(attr_name.clone(), Value::String(attr_value));
    let output = json!({
        "Messages": [{
            "MessageId": id,
            "ReceiptHandle": handle,
            "MD5OfBody": message::md5_of_body(&body),
            "Body": body,
            "Attributes": attributes,
            "MessageAttributes": {
                "s": { "DataType": "String", "StringValue": string_attr },
            },
        }]
    });
    let xml = sluice_query::encode_output("ReceiveMessage", &output, &request_id);
    assert!(!xml.contains('\r'), "a literal CR in {xml:?}");
    let parsed = parse_xml(&xml).unwrap_or_else(|e| panic!("not well-formed ({e}): {xml:?}"));
    let expect = |path: &str, sent: &str| {
        if !sqs_allows(sent) {
            return;
        }
        let got: Vec<&String> = parsed
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| t)
            .collect();
        assert!(
            got.iter().any(|t| *t == sent),
            "{path}: sent {sent:?}, got {got:?} in {xml:?}"
        );
    };
    expect(
        "ReceiveMessageResponse/ReceiveMessageResult/Message/Body",
        body_of(&output),
    );
    expect(
        "ReceiveMessageResponse/ReceiveMessageResult/Message/ReceiptHandle",
        str_at(&output, "ReceiptHandle"),
    );
    expect(
        "ReceiveMessageResponse/ReceiveMessageResult/Message/MessageId",
        str_at(&output, "MessageId"),
    );
    expect(
        "ReceiveMessageResponse/ReceiveMessageResult/Message/Attribute/Name",
        &attr_name,
    );
    let message_value = &output["Messages"][0];
    expect(
        "ReceiveMessageResponse/ReceiveMessageResult/Message/Attribute/Value",
        message_value["Attributes"]["SenderId"]
            .as_str()
            .unwrap_or(""),
    );
    expect(
        "ReceiveMessageResponse/ReceiveMessageResult/Message/Attribute/Value",
        message_value["Attributes"][attr_name.as_str()]
            .as_str()
            .unwrap_or(""),
    );
    expect(
        "ReceiveMessageResponse/ReceiveMessageResult/Message/MessageAttribute/Value/StringValue",
        message_value["MessageAttributes"]["s"]["StringValue"]
            .as_str()
            .unwrap_or(""),
    );
    expect(
        "ReceiveMessageResponse/ResponseMetadata/RequestId",
        &request_id,
    );
    // Error documents carry client text too (a bad parameter's name).
    let error = sluice_query::encode_error("InvalidParameterValue", body_of(&output), true, "r");
    assert!(!error.contains('\r'), "a literal CR in {error:?}");
    let parsed = parse_xml(&error).unwrap_or_else(|e| panic!("not well-formed ({e}): {error:?}"));
    if sqs_allows(body_of(&output)) {
        assert!(
            parsed
                .iter()
                .any(|(p, t)| p == "ErrorResponse/Error/Message" && t == body_of(&output)),
            "error message lost in {error:?}"
        );
    }
}

fn str_at<'a>(output: &'a Value, member: &str) -> &'a str {
    output["Messages"][0][member].as_str().unwrap_or("")
}

fn body_of(output: &Value) -> &str {
    str_at(output, "Body")
}

/// Parses an XML document into (element path, text) pairs, the text of each element
/// being the concatenation of its character data with references resolved.
pub fn parse_xml(xml: &str) -> Result<Vec<(String, String)>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut out = Vec::new();
    let mut roots = 0;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(start) => {
                if path.is_empty() {
                    roots += 1;
                }
                path.push(String::from_utf8_lossy(start.name().as_ref()).into_owned());
                text.clear();
            }
            Event::End(_) => {
                out.push((path.join("/"), std::mem::take(&mut text)));
                path.pop();
            }
            Event::Empty(empty) => {
                if path.is_empty() {
                    roots += 1;
                }
                let name = String::from_utf8_lossy(empty.name().as_ref()).into_owned();
                out.push((format!("{}/{name}", path.join("/")), String::new()));
            }
            Event::Text(t) => {
                let unescaped = t.unescape().map_err(|e| e.to_string())?;
                if path.is_empty() && !unescaped.trim().is_empty() {
                    return Err("text outside the root element".into());
                }
                text.push_str(&unescaped);
            }
            Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c)),
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(format!("unclosed elements {path:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    // Characters XML 1.0 cannot carry must not appear, not even as references.
    for (p, t) in &out {
        if let Some(c) = t
            .chars()
            .find(|c| matches!(*c as u32, 0x0..=0x8 | 0xB | 0xC | 0xE..=0x1F | 0xFFFE | 0xFFFF))
        {
            return Err(format!(
                "{p}: character U+{:04X} XML cannot carry",
                c as u32
            ));
        }
    }
    Ok(out)
}

const DATA_TYPES: &[&str] = &[
    "String",
    "Number",
    "Binary",
    "String.custom",
    "Number.int",
    "Binary.png",
    "String.",
    "",
    "Text",
    "string",
];

/// `message_rules`: arbitrary message attribute maps and bodies through the message
/// rules and digests. Nothing may panic, and what the rules accept must meet the rules.
pub fn message_rules(data: &[u8]) {
    let mut input = Bytes::new(data);
    let body = if input.byte() & 1 == 0 {
        input.string(300)
    } else {
        input.wide_string(100)
    };
    let body_ok = message::validate_body(&body).is_ok();
    assert_eq!(body_ok, sqs_allows(&body), "validate_body({body:?})");
    let digest = message::md5_of_body(&body);
    assert!(
        digest.len() == 32 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
        "md5_of_body gave {digest:?}"
    );

    let mut attrs = MessageAttributeMap::new();
    let count = input.byte() % 13;
    for _ in 0..count {
        let name = match input.byte() % 4 {
            0 => input.string(300),
            1 => format!("a{}", input.byte()),
            2 => format!("AWS.{}", input.string(8)),
            _ => input.wide_string(20),
        };
        let pick = usize::from(input.byte());
        let data_type = match DATA_TYPES.get(pick % (DATA_TYPES.len() + 1)) {
            Some(t) => (*t).to_owned(),
            None => input.string(300),
        };
        let flags = input.byte();
        let string_value = (flags & 1 != 0).then(|| match flags & 6 {
            0 => input.wide_string(40),
            2 => format!("{}e{}", input.byte() as i8, input.byte() as i8),
            _ => input.string(200),
        });
        let binary_value = (flags & 8 != 0).then(|| Blob(input.slice(200).to_vec()));
        let string_list_values = (flags & 16 != 0).then(|| vec![input.string(10)]);
        let binary_list_values = (flags & 32 != 0).then(|| vec![Blob(input.slice(10).to_vec())]);
        attrs.insert(
            name,
            MessageAttributeValue {
                string_value,
                binary_value,
                string_list_values,
                binary_list_values,
                data_type,
            },
        );
    }

    let accepted = message::validate_message_attributes(&attrs).is_ok();
    if accepted {
        assert!(attrs.len() <= 10, "{} attributes accepted", attrs.len());
        for (name, value) in &attrs {
            assert!(
                !name.is_empty() && name.len() <= 256,
                "name {name:?} accepted"
            );
            assert!(!value.data_type.is_empty(), "empty type accepted");
            if let Some(s) = &value.string_value {
                assert!(sqs_allows(s), "value {s:?} accepted");
            }
            assert!(
                value.string_value.is_some() != value.binary_value.is_some(),
                "{name}: accepted with both or neither value fields"
            );
        }
    }
    let _ = message::validate_system_attributes(&attrs);
    let size = message::message_size_bytes(&body, &attrs);
    assert!(size >= body.len());
    let md5 = message::md5_of_attributes(&attrs);
    assert_eq!(md5.is_some(), !attrs.is_empty());
    // The digest covers the attributes in name order, so it does not depend on how
    // the map was built.
    let rebuilt: MessageAttributeMap = attrs
        .iter()
        .rev()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<BTreeMap<_, _>>();
    assert_eq!(message::md5_of_attributes(&rebuilt), md5);

    let mut requested = Vec::new();
    while !input.is_empty() && requested.len() < 4 {
        requested.push(match input.byte() % 4 {
            0 => "All".to_owned(),
            1 => ".*".to_owned(),
            2 => format!("{}.*", input.string(6)),
            _ => input.string(6),
        });
    }
    let filtered = message::filter_attributes(&attrs, &requested);
    assert!(filtered.len() <= attrs.len());
    for (name, value) in &filtered {
        assert_eq!(attrs.get(name), Some(value), "filter invented {name:?}");
    }
}
