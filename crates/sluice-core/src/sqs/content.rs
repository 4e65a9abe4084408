//! What a message is, kept compact: a store may hold millions of them. The fields most
//! messages leave empty (attributes, FIFO ids, sequence number, dead-letter source) sit
//! behind optional boxes that cost one pointer when absent, the body is a `Box<str>`,
//! and the sender id, the same few values across millions of messages, is shared
//! ([`SharedStrings`]). Attributes are an exact-sized sorted list ([`AttributeList`]), not
//! a `BTreeMap`, whose first node has room for eleven entries (over 1.5 KB for one
//! attribute). Journals and snapshots still store the flat layout of
//! [`MessageFields`], field for field, so the in-memory layout can change freely.

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::api::{MessageAttributeMap, MessageAttributeValue};
use crate::clock::EpochMs;

/// A message's fields, flat: how a send builds one, and the stored (postcard) layout.
/// Field order is the journal format: never reorder, insert or remove fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFields {
    pub message_id: u128,
    pub body: String,
    #[serde(with = "stored_attributes")]
    pub attributes: MessageAttributeMap,
    #[serde(with = "stored_attributes")]
    pub system_attributes: MessageAttributeMap,
    pub sender_id: String,
    pub sent_at_ms: EpochMs,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
    pub sequence_number: Option<u128>,
    pub dead_letter_source_arn: Option<String>,
}

/// What a message is: set once at send, shared (not copied) when it is delivered.
/// 72 bytes (the id is kept as bytes so the struct needs no 16-byte alignment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageContent {
    message_id: [u8; 16],
    body: Box<str>,
    sender_id: Arc<str>,
    sent_at_ms: EpochMs,
    attributes: Option<Box<Attributes>>,
    extras: Option<Box<Extras>>,
}

/// Message and system attributes, present only when a message has either.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attributes {
    message: AttributeList,
    system: AttributeList,
}

/// A message's attributes as it keeps them: sorted by name, in one allocation of exactly
/// their size. Read like a map (`get`, `iter` in name order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeList(Box<[(String, MessageAttributeValue)]>);

impl AttributeList {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The attribute named `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&MessageAttributeValue> {
        self.0
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// The attributes in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &MessageAttributeValue)> {
        self.0.iter().map(|(name, value)| (name, value))
    }

    /// The attributes as a map, as the APIs take them.
    pub fn to_map(&self) -> MessageAttributeMap {
        self.0.iter().cloned().collect()
    }
}

impl From<MessageAttributeMap> for AttributeList {
    fn from(map: MessageAttributeMap) -> Self {
        // A map iterates in key order, so the list is sorted.
        Self(map.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a AttributeList {
    type Item = (&'a String, &'a MessageAttributeValue);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, MessageAttributeValue)>,
        fn(&'a (String, MessageAttributeValue)) -> (&'a String, &'a MessageAttributeValue),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(name, value)| (name, value))
    }
}

/// Fields only FIFO and dead-lettered messages carry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Extras {
    group_id: Option<Box<str>>,
    deduplication_id: Option<Box<str>>,
    sequence_number: Option<u128>,
    dead_letter_source_arn: Option<Box<str>>,
}

impl Extras {
    fn is_empty(&self) -> bool {
        self.group_id.is_none()
            && self.deduplication_id.is_none()
            && self.sequence_number.is_none()
            && self.dead_letter_source_arn.is_none()
    }
}

static NO_ATTRIBUTES: std::sync::LazyLock<AttributeList> =
    std::sync::LazyLock::new(AttributeList::default);

impl From<MessageFields> for MessageContent {
    fn from(f: MessageFields) -> Self {
        let attributes = (!f.attributes.is_empty() || !f.system_attributes.is_empty()).then(|| {
            Box::new(Attributes {
                message: f.attributes.into(),
                system: f.system_attributes.into(),
            })
        });
        let mut content = Self {
            message_id: f.message_id.to_ne_bytes(),
            body: f.body.into_boxed_str(),
            sender_id: Arc::from(f.sender_id),
            sent_at_ms: f.sent_at_ms,
            attributes,
            extras: None,
        };
        content.set_extras(Extras {
            group_id: f.group_id.map(String::into_boxed_str),
            deduplication_id: f.deduplication_id.map(String::into_boxed_str),
            sequence_number: f.sequence_number,
            dead_letter_source_arn: f.dead_letter_source_arn.map(String::into_boxed_str),
        });
        content
    }
}

impl MessageContent {
    pub fn message_id(&self) -> u128 {
        u128::from_ne_bytes(self.message_id)
    }

    pub fn message_id_string(&self) -> String {
        uuid::Uuid::from_u128(self.message_id())
            .hyphenated()
            .to_string()
    }

    pub fn body(&self) -> &str {
        &self.body
    }

    pub fn attributes(&self) -> &AttributeList {
        self.attributes
            .as_ref()
            .map_or(&*NO_ATTRIBUTES, |a| &a.message)
    }

    pub fn system_attributes(&self) -> &AttributeList {
        self.attributes
            .as_ref()
            .map_or(&*NO_ATTRIBUTES, |a| &a.system)
    }

    pub fn sender_id(&self) -> &str {
        &self.sender_id
    }

    pub fn sent_at_ms(&self) -> EpochMs {
        self.sent_at_ms
    }

    pub fn group_id(&self) -> Option<&str> {
        self.extras.as_ref()?.group_id.as_deref()
    }

    pub fn deduplication_id(&self) -> Option<&str> {
        self.extras.as_ref()?.deduplication_id.as_deref()
    }

    pub fn sequence_number(&self) -> Option<u128> {
        self.extras.as_ref()?.sequence_number
    }

    pub fn dead_letter_source_arn(&self) -> Option<&str> {
        self.extras.as_ref()?.dead_letter_source_arn.as_deref()
    }

    /// Numbers a FIFO message (the store assigns sequence numbers).
    pub fn set_sequence_number(&mut self, sequence_number: Option<u128>) {
        let mut extras = self.take_extras();
        extras.sequence_number = sequence_number;
        self.set_extras(extras);
    }

    /// The same message with its sender id replaced by the shared copy in `senders`.
    pub fn share_sender(&mut self, senders: &mut SharedStrings) {
        self.sender_id = senders.share(&self.sender_id);
    }

    /// The flat fields, for changing a message into another (moves) and for tests.
    pub fn to_fields(&self) -> MessageFields {
        self.as_stored().into_fields()
    }

    fn take_extras(&mut self) -> Extras {
        self.extras.take().map_or(
            Extras {
                group_id: None,
                deduplication_id: None,
                sequence_number: None,
                dead_letter_source_arn: None,
            },
            |b| *b,
        )
    }

    fn set_extras(&mut self, extras: Extras) {
        self.extras = (!extras.is_empty()).then(|| Box::new(extras));
    }

    fn as_stored(&self) -> StoredRef<'_> {
        StoredRef {
            message_id: self.message_id(),
            body: &self.body,
            attributes: self.attributes(),
            system_attributes: self.system_attributes(),
            sender_id: &self.sender_id,
            sent_at_ms: self.sent_at_ms,
            group_id: self.group_id(),
            deduplication_id: self.deduplication_id(),
            sequence_number: self.sequence_number(),
            dead_letter_source_arn: self.dead_letter_source_arn(),
        }
    }
}

/// [`MessageFields`] borrowed, so encoding a message copies nothing. Same fields in the
/// same order: postcard encodes `&str` as it encodes `String`.
#[derive(Serialize)]
struct StoredRef<'a> {
    message_id: u128,
    body: &'a str,
    #[serde(serialize_with = "stored_attributes::serialize_list")]
    attributes: &'a AttributeList,
    #[serde(serialize_with = "stored_attributes::serialize_list")]
    system_attributes: &'a AttributeList,
    sender_id: &'a str,
    sent_at_ms: EpochMs,
    group_id: Option<&'a str>,
    deduplication_id: Option<&'a str>,
    sequence_number: Option<u128>,
    dead_letter_source_arn: Option<&'a str>,
}

impl StoredRef<'_> {
    fn into_fields(self) -> MessageFields {
        MessageFields {
            message_id: self.message_id,
            body: self.body.to_owned(),
            attributes: self.attributes.to_map(),
            system_attributes: self.system_attributes.to_map(),
            sender_id: self.sender_id.to_owned(),
            sent_at_ms: self.sent_at_ms,
            group_id: self.group_id.map(str::to_owned),
            deduplication_id: self.deduplication_id.map(str::to_owned),
            sequence_number: self.sequence_number,
            dead_letter_source_arn: self.dead_letter_source_arn.map(str::to_owned),
        }
    }
}

impl Serialize for MessageContent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_stored().serialize(s)
    }
}

impl<'de> Deserialize<'de> for MessageContent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        MessageFields::deserialize(d).map(Self::from)
    }
}

/// One shared copy of each string, for values repeated across many messages (sender
/// ids). Copies no message holds any more are dropped whenever the set has doubled,
/// so its size follows the distinct values in use.
#[derive(Debug, Default)]
pub struct SharedStrings {
    set: HashSet<Arc<str>>,
    prune_at_len: usize,
}

impl SharedStrings {
    const MIN_PRUNE_AT_LEN: usize = 64;

    /// The shared copy of `value` (which becomes it, if there was none).
    pub fn share(&mut self, value: &Arc<str>) -> Arc<str> {
        if let Some(shared) = self.set.get(&**value) {
            return shared.clone();
        }
        if self.set.len() >= self.prune_at_len {
            self.set.retain(|s| Arc::strong_count(s) > 1);
            self.prune_at_len = (self.set.len() * 2).max(Self::MIN_PRUNE_AT_LEN);
        }
        self.set.insert(value.clone());
        value.clone()
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// Message attributes as journals store them. The wire type leaves absent values out,
/// which suits JSON but not a positional encoding such as postcard (the decoder cannot
/// tell a field was skipped), so stored attributes always carry every field.
mod stored_attributes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::AttributeList;
    use crate::sqs::api::{Blob, MessageAttributeMap, MessageAttributeValue};

    #[derive(Deserialize)]
    struct Stored {
        string_value: Option<String>,
        binary_value: Option<Vec<u8>>,
        string_list_values: Option<Vec<String>>,
        binary_list_values: Option<Vec<Vec<u8>>>,
        data_type: String,
    }

    /// [`Stored`], borrowed: the same encoding, without copying a value.
    #[derive(Serialize)]
    struct StoredRef<'a> {
        string_value: Option<&'a str>,
        binary_value: Option<&'a [u8]>,
        string_list_values: Option<&'a [String]>,
        binary_list_values: Option<BlobList<'a>>,
        data_type: &'a str,
    }

    /// A list of blobs encoded as a list of byte lists.
    struct BlobList<'a>(&'a [Blob]);

    impl Serialize for BlobList<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|b| b.0.as_slice()))
        }
    }

    /// Serializes a message's attribute list.
    pub fn serialize_list<S: Serializer>(list: &&AttributeList, s: S) -> Result<S::Ok, S::Error> {
        serialize(*list, s)
    }

    /// Serializes any attributes read in name order (a map, or a message's list).
    pub fn serialize<'a, A, S>(attributes: A, s: S) -> Result<S::Ok, S::Error>
    where
        A: IntoIterator<Item = (&'a String, &'a MessageAttributeValue)>,
        S: Serializer,
    {
        s.collect_seq(attributes.into_iter().map(|(name, v)| {
            let stored = StoredRef {
                string_value: v.string_value.as_deref(),
                binary_value: v.binary_value.as_ref().map(|b| b.0.as_slice()),
                string_list_values: v.string_list_values.as_deref(),
                binary_list_values: v.binary_list_values.as_deref().map(BlobList),
                data_type: &v.data_type,
            };
            (name, stored)
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MessageAttributeMap, D::Error> {
        let entries = Vec::<(String, Stored)>::deserialize(d)?;
        Ok(entries
            .into_iter()
            .map(|(name, v)| {
                let value = MessageAttributeValue {
                    string_value: v.string_value,
                    binary_value: v.binary_value.map(Blob),
                    string_list_values: v.string_list_values,
                    binary_list_values: v
                        .binary_list_values
                        .map(|l| l.into_iter().map(Blob).collect()),
                    data_type: v.data_type,
                };
                (name, value)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqs::api::MessageAttributeValue;

    fn rich() -> MessageFields {
        let value = MessageAttributeValue {
            string_value: Some("v".into()),
            data_type: "String".into(),
            ..Default::default()
        };
        MessageFields {
            message_id: u128::MAX - 7,
            body: "body".into(),
            attributes: [("a".to_owned(), value.clone())].into(),
            system_attributes: [("AWSTraceHeader".to_owned(), value)].into(),
            sender_id: "AIDA".into(),
            sent_at_ms: 12,
            group_id: Some("g".into()),
            deduplication_id: Some("d".into()),
            sequence_number: Some(1 << 100),
            dead_letter_source_arn: Some("arn".into()),
        }
    }

    #[test]
    fn fields_round_trip_through_the_compact_layout() {
        for fields in [rich(), MessageFields::default()] {
            assert_eq!(MessageContent::from(fields.clone()).to_fields(), fields);
        }
        let plain = MessageContent::from(MessageFields::default());
        assert!(plain.attributes.is_none() && plain.extras.is_none());
    }

    #[test]
    fn attribute_lists_read_like_sorted_maps() {
        let value = |v: &str| MessageAttributeValue {
            string_value: Some(v.into()),
            data_type: "String".into(),
            ..Default::default()
        };
        let map: MessageAttributeMap =
            [("b".to_owned(), value("2")), ("a".to_owned(), value("1"))].into();
        let list = AttributeList::from(map.clone());
        assert_eq!(list.len(), 2);
        assert_eq!(list.get("a"), Some(&value("1")));
        assert_eq!(list.get("b"), Some(&value("2")));
        assert_eq!(list.get("c"), None);
        assert_eq!(
            list.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(list.to_map(), map);
        assert!(AttributeList::default().is_empty());
    }

    #[test]
    fn the_stored_layout_is_the_flat_fields_layout() {
        let mut fields = rich();
        fields.attributes.insert(
            "bin".to_owned(),
            MessageAttributeValue {
                binary_value: Some(crate::sqs::api::Blob(vec![0, 1, 255])),
                string_list_values: Some(vec!["x".into(), "y".into()]),
                binary_list_values: Some(vec![
                    crate::sqs::api::Blob(vec![7]),
                    crate::sqs::api::Blob(vec![]),
                ]),
                data_type: "Binary.custom".into(),
                ..Default::default()
            },
        );
        let content = MessageContent::from(fields.clone());
        let stored = postcard::to_allocvec(&content).unwrap();
        assert_eq!(stored, postcard::to_allocvec(&fields).unwrap());
        let back: MessageContent = postcard::from_bytes(&stored).unwrap();
        assert_eq!(back.to_fields(), fields);
    }

    #[test]
    fn the_sequence_number_can_be_set_and_cleared() {
        let mut c = MessageContent::from(MessageFields::default());
        c.set_sequence_number(Some(5));
        assert_eq!(c.sequence_number(), Some(5));
        c.set_sequence_number(None);
        assert!(c.extras.is_none());
    }

    #[test]
    fn shared_strings_share_and_forget_unused_values() {
        let mut shared = SharedStrings::default();
        let a: Arc<str> = Arc::from("a");
        let first = shared.share(&a);
        let again = shared.share(&Arc::from("a"));
        assert!(Arc::ptr_eq(&first, &again));
        drop((a, first, again));
        for i in 1..SharedStrings::MIN_PRUNE_AT_LEN {
            shared.share(&Arc::from(i.to_string()));
        }
        // Nobody holds any of them: the next new value prunes the set first.
        let kept = shared.share(&Arc::from("kept"));
        assert_eq!(shared.len(), 1);
        assert!(Arc::ptr_eq(&kept, &shared.share(&Arc::from("kept"))));
    }
}
