//! Query parameters into SNS's typed inputs: scalars by name, maps as
//! `Attributes.entry.N.key` / `.value`, tag lists as `Tags.member.N.Key` / `.Value`, key
//! lists as `TagKeys.member.N`, each kept in the order of N.

use std::collections::BTreeMap;

use base64::Engine as _;
use sluice_core::sns::api::{PublishAttribute, PublishBatchEntry, Tag};
use sluice_core::sns::{SnsError, SnsErrorKind, SnsResult};

/// The first value of parameter `name`.
pub fn scalar<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Groups `PREFIX.N.FIELD=value` parameters by N (in numeric order) into field maps.
fn numbered<'a>(params: &'a [(String, String)], prefix: &str) -> Vec<BTreeMap<&'a str, &'a str>> {
    indexed(params, prefix).into_values().collect()
}

/// [`numbered`], keeping each N.
fn indexed<'a>(
    params: &'a [(String, String)],
    prefix: &str,
) -> BTreeMap<u32, BTreeMap<&'a str, &'a str>> {
    let mut by_index: BTreeMap<u32, BTreeMap<&str, &str>> = BTreeMap::new();
    for (name, value) in params {
        let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let (index, field) = rest.split_once('.').unwrap_or((rest, ""));
        if let Ok(index) = index.parse::<u32>() {
            by_index.entry(index).or_default().insert(field, value);
        }
    }
    by_index
}

/// A map member (`Attributes`): its entries' key/value pairs.
pub fn map(params: &[(String, String)], member: &str) -> Vec<(String, String)> {
    numbered(params, &format!("{member}.entry"))
        .into_iter()
        .filter_map(|e| {
            Some((
                e.get("key")?.to_string(),
                e.get("value").copied().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// A list of tags (`Tags`).
pub fn tags(params: &[(String, String)], member: &str) -> Vec<Tag> {
    numbered(params, &format!("{member}.member"))
        .into_iter()
        .map(|e| Tag {
            key: e.get("Key").copied().unwrap_or_default().to_owned(),
            value: e.get("Value").copied().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// A list of strings (`TagKeys`).
pub fn strings(params: &[(String, String)], member: &str) -> Vec<String> {
    numbered(params, &format!("{member}.member"))
        .into_iter()
        .filter_map(|e| e.get("").map(|v| v.to_string()))
        .collect()
}

/// Publish's `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`
/// / `.Value.BinaryValue` (base64), in the order of N. A value without its required
/// DataType fails AWS's model validation; `path` is where the request holds the map, as
/// AWS's message names it (`messageAttributes`).
pub fn message_attributes(
    params: &[(String, String)],
    member: &str,
    path: &str,
) -> SnsResult<Vec<(String, PublishAttribute)>> {
    numbered(params, &format!("{member}.entry"))
        .into_iter()
        .map(|e| {
            let name = e.get("Name").copied().unwrap_or_default().to_owned();
            if !e.contains_key("Value.DataType") {
                return Err(SnsError::new(
                    SnsErrorKind::ValidationError,
                    format!(
                        "1 validation error detected: Value null at '{path}.{name}.member.dataType' \
                         failed to satisfy constraint: Member must not be null"
                    ),
                ));
            }
            let binary_value = match e.get("Value.BinaryValue") {
                None => None,
                Some(text) => Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .map_err(|_| SnsError::invalid_parameter("MessageAttributes"))?,
                ),
            };
            let attribute = PublishAttribute {
                data_type: e
                    .get("Value.DataType")
                    .copied()
                    .unwrap_or_default()
                    .to_owned(),
                string_value: e.get("Value.StringValue").map(|v| v.to_string()),
                binary_value,
            };
            Ok((name, attribute))
        })
        .collect()
}

/// PublishBatch's `PublishBatchRequestEntries.member.N.*`, in the order of N.
pub fn publish_batch_entries(
    params: &[(String, String)],
    member: &str,
) -> SnsResult<Vec<PublishBatchEntry>> {
    indexed(params, &format!("{member}.member"))
        .into_iter()
        .map(|(index, e)| {
            let fields: Vec<(String, String)> = e
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let text = |name: &str| e.get(name).map(|v| v.to_string());
            Ok(PublishBatchEntry {
                id: text("Id").unwrap_or_default(),
                message: text("Message"),
                subject: text("Subject"),
                message_structure: text("MessageStructure"),
                message_attributes: message_attributes(
                    &fields,
                    "MessageAttributes",
                    &format!("publishBatchRequestEntries.{index}.member.messageAttributes"),
                )?,
                message_group_id: text("MessageGroupId"),
                message_deduplication_id: text("MessageDeduplicationId"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn maps_and_lists_come_in_index_order() {
        let params = p(&[
            ("Attributes.entry.10.key", "B"),
            ("Attributes.entry.10.value", "2"),
            ("Attributes.entry.2.value", "1"),
            ("Attributes.entry.2.key", "A"),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
            ("TagKeys.member.2", "y"),
            ("TagKeys.member.1", "x"),
        ]);
        assert_eq!(
            map(&params, "Attributes"),
            [("A".into(), "1".into()), ("B".into(), "2".into())]
        );
        assert_eq!(
            tags(&params, "Tags"),
            [Tag {
                key: "k".into(),
                value: "v".into()
            }]
        );
        assert_eq!(strings(&params, "TagKeys"), ["x", "y"]);
        assert!(map(&params, "Other").is_empty());
    }

    #[test]
    fn message_attributes_decode_strings_and_base64() {
        let params = p(&[
            ("MessageAttributes.entry.2.Name", "b"),
            ("MessageAttributes.entry.2.Value.DataType", "Binary"),
            ("MessageAttributes.entry.2.Value.BinaryValue", "AAE="),
            ("MessageAttributes.entry.1.Name", "a"),
            ("MessageAttributes.entry.1.Value.DataType", "String"),
            ("MessageAttributes.entry.1.Value.StringValue", "x"),
        ]);
        let attrs = message_attributes(&params, "MessageAttributes", "m").expect("valid");
        assert_eq!(attrs[0].0, "a");
        assert_eq!(attrs[0].1.string_value.as_deref(), Some("x"));
        assert_eq!(attrs[1].1.binary_value.as_deref(), Some(&[0u8, 1][..]));
        let bad = p(&[
            ("MessageAttributes.entry.1.Name", "a"),
            ("MessageAttributes.entry.1.Value.DataType", "Binary"),
            ("MessageAttributes.entry.1.Value.BinaryValue", "!!"),
        ]);
        assert!(message_attributes(&bad, "MessageAttributes", "m").is_err());
        let untyped = p(&[
            ("MessageAttributes.entry.1.Name", "a"),
            ("MessageAttributes.entry.1.Value.StringValue", "x"),
        ]);
        let e = message_attributes(&untyped, "MessageAttributes", "messageAttributes").unwrap_err();
        assert_eq!(e.kind, SnsErrorKind::ValidationError);
        assert_eq!(e.message, "1 validation error detected: Value null at 'messageAttributes.a.member.dataType' failed to satisfy constraint: Member must not be null");
    }

    #[test]
    fn batch_entries_carry_their_own_attributes() {
        let params = p(&[
            ("PublishBatchRequestEntries.member.2.Id", "b"),
            ("PublishBatchRequestEntries.member.2.Message", "two"),
            ("PublishBatchRequestEntries.member.1.Id", "a"),
            ("PublishBatchRequestEntries.member.1.Message", "one"),
            (
                "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name",
                "k",
            ),
            (
                "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.DataType",
                "String",
            ),
            (
                "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.StringValue",
                "v",
            ),
        ]);
        let entries = publish_batch_entries(&params, "PublishBatchRequestEntries").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (entries[0].id.as_str(), entries[0].message.as_deref()),
            ("a", Some("one"))
        );
        assert_eq!(entries[0].message_attributes[0].0, "k");
        assert!(entries[1].message_attributes.is_empty());
        let untyped = p(&[
            ("E.member.3.Id", "c"),
            ("E.member.3.MessageAttributes.entry.1.Name", "k"),
        ]);
        let e = publish_batch_entries(&untyped, "E").unwrap_err();
        assert!(e
            .message
            .contains("'publishBatchRequestEntries.3.member.messageAttributes.k.member.dataType'"));
    }
}
