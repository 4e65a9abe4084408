//! The two spellings of a Kinesis document: AWS JSON 1.1 and AWS CBOR 1.1, chosen by
//! the request's `Content-Type` (CBOR when it says `application/x-amz-cbor-1.1`). JSON
//! decodes straight into the action's input; CBOR is read into the JSON document it
//! stands for first (`wire/cbor.rs`), so both share the core's shapes. Answers go back in
//! the request's spelling.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::wire::cbor::{self, MemberKind};
use crate::wire::{
    serialization_error, Protocol, WireError, CBOR_1_1_CONTENT_TYPE, JSON_1_1_CONTENT_TYPE,
};

/// Members of Kinesis's outputs that are blobs.
const BLOB_MEMBERS: &[&str] = &["Data"];
/// Members of Kinesis's outputs that are timestamps.
const TIMESTAMP_MEMBERS: &[&str] = &[
    "ApproximateArrivalTimestamp",
    "ConsumerCreationTimestamp",
    "StreamCreationTimestamp",
    "Timestamp",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Json,
    Cbor,
}

impl Codec {
    /// The spelling of a request with `content_type`.
    pub fn of(content_type: Option<&str>) -> Self {
        match content_type {
            Some(ct) if ct.trim().starts_with(CBOR_1_1_CONTENT_TYPE) => Codec::Cbor,
            _ => Codec::Json,
        }
    }

    pub fn protocol(self) -> Protocol {
        match self {
            Codec::Json => Protocol::Json11,
            Codec::Cbor => Protocol::Cbor,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Codec::Json => JSON_1_1_CONTENT_TYPE,
            Codec::Cbor => CBOR_1_1_CONTENT_TYPE,
        }
    }

    /// The action's input from the request body (an empty body is an empty document).
    pub fn decode<T: DeserializeOwned>(self, body: &[u8]) -> Result<T, WireError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return serde_json::from_slice(b"{}").map_err(shape_error);
        }
        match self {
            Codec::Json => serde_json::from_slice(body).map_err(|e| match e.classify() {
                serde_json::error::Category::Data => shape_error(e),
                _ => serialization_error(None),
            }),
            Codec::Cbor => {
                let document = cbor::to_json(body).map_err(|_| serialization_error(None))?;
                serde_json::from_value(document).map_err(shape_error)
            }
        }
    }

    /// An action's answer.
    pub fn encode<T: Serialize>(self, output: &T) -> Vec<u8> {
        match self {
            Codec::Json => serde_json::to_vec(output).unwrap_or_default(),
            Codec::Cbor => match serde_json::to_value(output) {
                Ok(document) => cbor::from_json_with(&document, &member_kind),
                Err(_) => Vec::new(),
            },
        }
    }
}

fn member_kind(member: &str) -> MemberKind {
    if BLOB_MEMBERS.contains(&member) {
        MemberKind::Blob
    } else if TIMESTAMP_MEMBERS.contains(&member) {
        MemberKind::Timestamp
    } else {
        MemberKind::Plain
    }
}

/// A document whose members are not of the shape's types: the deserializer's 400
/// `SerializationException`, naming what it could not read.
fn shape_error(e: serde_json::Error) -> WireError {
    let text = e.to_string();
    // serde's wording ends with " at line L column C"; the position says nothing useful
    // about a one-line document.
    let text = match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    };
    serialization_error(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::kinesis::api::{PutRecordInput, Record};

    #[test]
    fn content_type_chooses_the_spelling() {
        assert_eq!(Codec::of(Some("application/x-amz-cbor-1.1")), Codec::Cbor);
        assert_eq!(Codec::of(Some("application/x-amz-json-1.1")), Codec::Json);
        assert_eq!(Codec::of(None), Codec::Json);
    }

    #[test]
    fn json_and_cbor_decode_to_the_same_input() {
        let json = br#"{"StreamName":"s","Data":"aGk=","PartitionKey":"p"}"#;
        let from_json: PutRecordInput = Codec::Json.decode(json).unwrap();
        let cbor = cbor::from_json_with(&serde_json::from_slice(json).unwrap(), &member_kind);
        let from_cbor: PutRecordInput = Codec::Cbor.decode(&cbor).unwrap();
        assert_eq!(from_json.data.as_deref(), Some(&b"hi"[..]));
        assert_eq!(from_cbor.data, from_json.data);
        assert_eq!(from_cbor.stream_name.as_deref(), Some("s"));
    }

    #[test]
    fn records_go_out_with_base64_or_bytes_and_seconds_or_milliseconds() {
        let record = Record {
            sequence_number: "1".into(),
            approximate_arrival_timestamp_ms: 1_700_000_000_123,
            data: b"hi".to_vec(),
            partition_key: "p".into(),
            encryption_type: None,
        };
        let json: serde_json::Value = serde_json::from_slice(&Codec::Json.encode(&record)).unwrap();
        assert_eq!(json["Data"], "aGk=");
        assert_eq!(json["ApproximateArrivalTimestamp"], 1_700_000_000.123);
        assert!(json.get("EncryptionType").is_none());
        let cbor: ciborium::Value =
            ciborium::de::from_reader(&Codec::Cbor.encode(&record)[..]).unwrap();
        let map = cbor.as_map().unwrap();
        let get = |k: &str| {
            map.iter()
                .find(|(key, _)| key.as_text() == Some(k))
                .unwrap()
                .1
                .clone()
        };
        assert_eq!(get("Data"), ciborium::Value::Bytes(b"hi".to_vec()));
        assert_eq!(
            get("ApproximateArrivalTimestamp"),
            ciborium::Value::Tag(
                1,
                Box::new(ciborium::Value::Integer(1_700_000_000_123i64.into()))
            )
        );
    }

    #[test]
    fn wrong_types_and_broken_documents_are_serialization_errors() {
        let e = Codec::Json
            .decode::<PutRecordInput>(br#"{"StreamName": 5}"#)
            .unwrap_err();
        assert_eq!(e.json_type, crate::wire::SERIALIZATION_TYPE);
        assert!(e.has_message, "{e:?}");
        let e = Codec::Json
            .decode::<PutRecordInput>(b"{not json")
            .unwrap_err();
        assert!(!e.has_message);
        let e = Codec::Json
            .decode::<PutRecordInput>(br#"{"Data": "***"}"#)
            .unwrap_err();
        assert!(e.message.contains("Base64"), "{e:?}");
    }
}
