//! Message content rules: which characters a body may hold, message attribute names,
//! types and values, the size a message counts against the queue's limit, and the MD5
//! digests AWS returns (computed exactly as the SDKs check them).

use md5::{Digest, Md5};

use super::api::{MessageAttributeMap, MessageAttributeValue};
use super::error::{SqsError, SqsErrorKind, SqsResult};
use crate::limits::*;

/// Whether `c` is in the set SQS allows in bodies and string values:
/// #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
pub fn is_allowed_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

const ALLOWED_SET: &str =
    "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";

/// Checks a message body's characters.
pub fn validate_body(body: &str) -> SqsResult<()> {
    // Most bodies are ASCII text: a byte scan the compiler can vectorise settles them
    // without decoding characters.
    if body
        .bytes()
        .all(|b| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7F))
    {
        return Ok(());
    }
    if let Some(bad) = body.chars().find(|c| !is_allowed_char(*c)) {
        return Err(SqsError::new(
            SqsErrorKind::InvalidMessageContents,
            format!(
                "Invalid binary character '#x{:X}' was found in the message body, the set of allowed characters is {ALLOWED_SET}",
                bad as u32
            ),
        ));
    }
    Ok(())
}

/// The kind of attribute value a data type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BaseType {
    String,
    Number,
    Binary,
}

fn base_type(data_type: &str) -> Option<BaseType> {
    let (base, custom) = match data_type.split_once('.') {
        Some((b, c)) => (b, Some(c)),
        None => (data_type, None),
    };
    if custom.is_some_and(|c| c.is_empty()) {
        return None;
    }
    match base {
        "String" => Some(BaseType::String),
        "Number" => Some(BaseType::Number),
        "Binary" => Some(BaseType::Binary),
        _ => None,
    }
}

fn attribute_error(message: String) -> SqsError {
    SqsError::invalid_parameter(message)
}

/// Attribute names take letters and digits of any script (AWS accepts `attr.1øßä`),
/// underscore, hyphen and period; punctuation such as `!`, `"`, `§`, `(` or `?` is refused.
fn validate_attribute_name(name: &str, kind: &str) -> SqsResult<()> {
    let lower = name.to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.chars().count() <= MESSAGE_ATTRIBUTE_NAME_MAX_LEN
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !lower.starts_with("aws.")
        && !lower.starts_with("amazon.");
    if !valid {
        return Err(attribute_error(format!(
            "Message ({kind}) attribute name '{name}' is invalid. Attribute names can contain only A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.). They can't start or end with a period, can't have successive periods and can't start with 'AWS.' or 'Amazon.'."
        )));
    }
    Ok(())
}

fn validate_number(name: &str, kind: &str, value: &str) -> SqsResult<()> {
    let text = value.trim();
    let parsed = text.parse::<f64>();
    let digits = text.bytes().filter(|b| b.is_ascii_digit()).count();
    let ok = matches!(parsed, Ok(v) if v.is_finite() && (v == 0.0 || (v.abs() < 1e126 && v.abs() >= 1e-128)))
        && digits <= 38
        && !text.is_empty()
        && !text.contains(['x', 'X', 'i', 'I', 'n', 'N']);
    if !ok {
        return Err(attribute_error(format!(
            "Can't cast the value of message ({kind}) attribute '{name}' to a number."
        )));
    }
    Ok(())
}

/// An attribute without a value, in AWS's words, which name the base type
/// (test_send_message_with_empty_string_attribute).
fn empty_value_error(name: &str, kind: &str, base: BaseType) -> SqsError {
    let type_name = match base {
        BaseType::String => "String",
        BaseType::Number => "Number",
        BaseType::Binary => "Binary",
    };
    attribute_error(format!(
        "Message ({kind}) attribute '{name}' must contain a non-empty value of type '{type_name}'."
    ))
}

fn validate_attribute_value(name: &str, kind: &str, v: &MessageAttributeValue) -> SqsResult<()> {
    if v.data_type.is_empty() {
        return Err(attribute_error(format!(
            "The message ({kind}) attribute '{name}' must contain a non-empty message attribute type."
        )));
    }
    if v.data_type.len() > MESSAGE_ATTRIBUTE_DATA_TYPE_MAX_LEN {
        return Err(attribute_error(format!(
            "Message ({kind}) attribute '{name}' type must be less than {MESSAGE_ATTRIBUTE_DATA_TYPE_MAX_LEN} characters."
        )));
    }
    if v.string_list_values.as_ref().is_some_and(|l| !l.is_empty())
        || v.binary_list_values.as_ref().is_some_and(|l| !l.is_empty())
    {
        return Err(attribute_error(format!(
            "Message ({kind}) attribute '{name}' uses list values, which SQS does not support."
        )));
    }
    let base = base_type(&v.data_type).ok_or_else(|| {
        attribute_error(format!(
            "The type of message ({kind}) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
        ))
    })?;
    match base {
        BaseType::String | BaseType::Number => {
            let s = v
                .string_value
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| empty_value_error(name, kind, base))?;
            if v.binary_value.is_some() {
                return Err(attribute_error(format!(
                    "Message ({kind}) attribute '{name}' with type '{}' must use field 'String'.",
                    v.data_type
                )));
            }
            if let Some(bad) = s.chars().find(|c| !is_allowed_char(*c)) {
                return Err(SqsError::new(
                    SqsErrorKind::InvalidParameterValue,
                    format!(
                        "Invalid binary character '#x{:X}' was found in the message attribute '{name}' value, the set of allowed characters is {ALLOWED_SET}",
                        bad as u32
                    ),
                ));
            }
            if base == BaseType::Number {
                validate_number(name, kind, s)?;
            }
        }
        BaseType::Binary => {
            if v.binary_value.as_ref().is_none_or(|b| b.0.is_empty()) {
                return Err(empty_value_error(name, kind, base));
            }
            if v.string_value.is_some() {
                return Err(attribute_error(format!(
                    "Message ({kind}) attribute '{name}' with type '{}' must use field 'Binary'.",
                    v.data_type
                )));
            }
        }
    }
    Ok(())
}

/// Checks user message attributes: count, names, types and values.
pub fn validate_message_attributes(attrs: &MessageAttributeMap) -> SqsResult<()> {
    if attrs.len() > MESSAGE_ATTRIBUTES_MAX {
        return Err(attribute_error(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MESSAGE_ATTRIBUTES_MAX}].",
            attrs.len()
        )));
    }
    for (name, value) in attrs {
        validate_attribute_name(name, "user")?;
        validate_attribute_value(name, "user", value)?;
    }
    Ok(())
}

/// The system attributes a sender may set. Only `AWSTraceHeader`, a String.
pub fn validate_system_attributes(attrs: &MessageAttributeMap) -> SqsResult<()> {
    for (name, value) in attrs {
        if name != "AWSTraceHeader" {
            return Err(attribute_error(format!(
                "Message system attribute name '{name}' is invalid."
            )));
        }
        if value.data_type != "String" {
            return Err(attribute_error(format!(
                "Message system attribute '{name}' must be of type String."
            )));
        }
        validate_attribute_value(name, "system", value)?;
    }
    Ok(())
}

/// The bytes a message counts against MaximumMessageSize: the body plus, for each
/// attribute, its name, its data type and its value.
pub fn message_size_bytes<'a>(
    body: &str,
    attrs: impl IntoIterator<Item = (&'a String, &'a MessageAttributeValue)>,
) -> usize {
    body.len()
        + attrs
            .into_iter()
            .map(|(name, v)| {
                name.len()
                    + v.data_type.len()
                    + v.string_value.as_ref().map_or(0, String::len)
                    + v.binary_value.as_ref().map_or(0, |b| b.0.len())
            })
            .sum::<usize>()
}

/// Hex MD5 of a body, as in MD5OfMessageBody / MD5OfBody.
pub fn md5_of_body(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// Hex MD5 over message attributes as the SDKs compute it: for each attribute in name
/// order, the length-prefixed (4-byte big-endian) name and data type, a transport byte
/// (1 string, 2 binary) and the length-prefixed value. `None` when there are none.
pub fn md5_of_attributes(attrs: &MessageAttributeMap) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    fn put(hasher: &mut Md5, bytes: &[u8]) {
        hasher.update((bytes.len() as u32).to_be_bytes());
        hasher.update(bytes);
    }
    let mut hasher = Md5::new();
    // A BTreeMap iterates in byte order of names, which is the order the SDKs sort by.
    for (name, v) in attrs {
        put(&mut hasher, name.as_bytes());
        put(&mut hasher, v.data_type.as_bytes());
        if let Some(s) = &v.string_value {
            hasher.update([1u8]);
            put(&mut hasher, s.as_bytes());
        } else if let Some(b) = &v.binary_value {
            hasher.update([2u8]);
            put(&mut hasher, &b.0);
        }
    }
    Some(hex::encode(hasher.finalize()))
}

/// Selects message attributes by the names a ReceiveMessage asked for: `All`, `*` or
/// `.*` (every attribute), a `prefix.*` pattern (every name that starts with the prefix:
/// AWS gives `Hello` and `Help.Me` for `Hel.*`) or an exact name. Names that match
/// nothing, even ones no attribute could have, are no error.
pub fn filter_attributes<'a>(
    attrs: impl IntoIterator<Item = (&'a String, &'a MessageAttributeValue)>,
    requested: &[String],
) -> MessageAttributeMap {
    if requested.is_empty() {
        return MessageAttributeMap::new();
    }
    attrs
        .into_iter()
        .filter(|(name, _)| {
            requested.iter().any(|r| {
                matches!(r.as_str(), "All" | "*" | ".*")
                    || r == name.as_str()
                    || r.strip_suffix(".*")
                        .is_some_and(|prefix| name.starts_with(prefix))
            })
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqs::api::Blob;

    fn string_attr(data_type: &str, value: &str) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: data_type.into(),
            string_value: Some(value.into()),
            ..Default::default()
        }
    }

    #[test]
    fn body_md5_matches_known_digest() {
        assert_eq!(md5_of_body("hello"), "5d41402abc4b2a76b9719d911017c592");
    }

    #[test]
    fn attribute_md5_matches_sdk_algorithm() {
        // Digest computed independently with the algorithm the SDKs document
        // (python: hashlib.md5 over the same length-prefixed encoding).
        let mut attrs = MessageAttributeMap::new();
        attrs.insert("a".into(), string_attr("String", "x"));
        let mut expected = Vec::new();
        for part in [&b"a"[..], b"String"] {
            expected.extend((part.len() as u32).to_be_bytes());
            expected.extend(part);
        }
        expected.push(1);
        expected.extend(1u32.to_be_bytes());
        expected.push(b'x');
        assert_eq!(
            md5_of_attributes(&attrs).unwrap(),
            hex::encode(Md5::digest(&expected))
        );
        assert_eq!(md5_of_attributes(&MessageAttributeMap::new()), None);
    }

    #[test]
    fn body_characters_are_checked() {
        assert!(validate_body("tab\tnl\ncr\r ok \u{E000} \u{10FFFF}").is_ok());
        let err = validate_body("bad\u{1}").unwrap_err();
        assert_eq!(err.kind, SqsErrorKind::InvalidMessageContents);
        assert!(err.message.contains("#x1"), "{}", err.message);
        assert!(validate_body("\u{FFFE}").is_err());
    }

    #[test]
    fn attribute_rules() {
        let mut attrs = MessageAttributeMap::new();
        attrs.insert("n".into(), string_attr("Number.int", "12.5e3"));
        attrs.insert(
            "b".into(),
            MessageAttributeValue {
                data_type: "Binary".into(),
                binary_value: Some(Blob(vec![1, 2])),
                ..Default::default()
            },
        );
        validate_message_attributes(&attrs).unwrap();
        for (name, value) in [
            ("AWS.x", string_attr("String", "v")),
            ("a..b", string_attr("String", "v")),
            (".a", string_attr("String", "v")),
            ("ok", string_attr("Text", "v")),
            ("ok", string_attr("String.", "v")),
            ("ok", string_attr("Number", "abc")),
            ("ok", string_attr("String", "")),
            ("Invalid-!-attr", string_attr("String", "v")),
            ("Invalid-§-attr", string_attr("String", "v")),
            ("Invalid-(-attr", string_attr("String", "v")),
            ("Invalid.", string_attr("String", "v")),
            ("aWs.x", string_attr("String", "v")),
        ] {
            let mut one = MessageAttributeMap::new();
            one.insert(name.into(), value);
            assert!(validate_message_attributes(&one).is_err(), "{name}");
        }
        let mut unicode = MessageAttributeMap::new();
        unicode.insert("attr.1øßä".into(), string_attr("String", "Valida"));
        validate_message_attributes(&unicode).unwrap();
        let long: String = "L".repeat(257);
        let mut one = MessageAttributeMap::new();
        one.insert(long, string_attr("String", "v"));
        assert!(validate_message_attributes(&one).is_err());
        for (data_type, type_name) in [("String", "String"), ("Number.n", "Number")] {
            let mut one = MessageAttributeMap::new();
            one.insert("E".into(), string_attr(data_type, ""));
            assert_eq!(
                validate_message_attributes(&one).unwrap_err().message,
                format!("Message (user) attribute 'E' must contain a non-empty value of type '{type_name}'.")
            );
        }
        let mut one = MessageAttributeMap::new();
        one.insert(
            "B".into(),
            MessageAttributeValue {
                data_type: "Binary".into(),
                binary_value: Some(Blob(vec![])),
                ..Default::default()
            },
        );
        assert_eq!(
            validate_message_attributes(&one).unwrap_err().message,
            "Message (user) attribute 'B' must contain a non-empty value of type 'Binary'."
        );
        let many: MessageAttributeMap = (0..11)
            .map(|i| (format!("a{i}"), string_attr("String", "v")))
            .collect();
        assert!(validate_message_attributes(&many).is_err());
    }

    #[test]
    fn size_counts_names_types_and_values() {
        let mut attrs = MessageAttributeMap::new();
        attrs.insert("ab".into(), string_attr("String", "xyz"));
        assert_eq!(message_size_bytes("hello", &attrs), 5 + 2 + 6 + 3);
    }

    #[test]
    fn attribute_filters() {
        let attrs: MessageAttributeMap = ["a.b", "a.c", "ab", "z"]
            .iter()
            .map(|n| (n.to_string(), string_attr("String", "v")))
            .collect();
        let names = |req: &[&str]| -> Vec<String> {
            let req: Vec<String> = req.iter().map(|s| s.to_string()).collect();
            filter_attributes(&attrs, &req).into_keys().collect()
        };
        assert_eq!(names(&["All"]).len(), 4);
        assert_eq!(names(&[".*"]).len(), 4);
        assert_eq!(names(&["*"]).len(), 4);
        // A prefix need not end at a period: AWS gives Hello and Help.Me for Hel.*.
        assert_eq!(names(&["a.*"]), vec!["a.b", "a.c", "ab"]);
        assert_eq!(names(&["a.b.*"]), vec!["a.b"]);
        assert_eq!(names(&["a*"]), Vec::<String>::new());
        let attrs: MessageAttributeMap = ["Help.Me", "Hello", "General"]
            .iter()
            .map(|n| (n.to_string(), string_attr("String", "v")))
            .collect();
        let hel: Vec<String> = filter_attributes(&attrs, &["Hel.*".to_owned()])
            .into_keys()
            .collect();
        assert_eq!(hel, vec!["Hello", "Help.Me"]);
        assert!(filter_attributes(&attrs, &["Foo".to_owned(), "Help".to_owned()]).is_empty());
        assert_eq!(names(&["z"]), vec!["z"]);
        assert!(names(&[]).is_empty());
    }
}
