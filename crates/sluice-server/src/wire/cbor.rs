//! AWS CBOR 1.1 as a second spelling of AWS JSON's documents. A CBOR request is read
//! into the JSON document it stands for, and a JSON answer written back out as CBOR, so
//! each service keeps one set of shapes. The two differ only in blobs and timestamps:
//!
//! - a blob is a CBOR byte string, where JSON has base64 text;
//! - a timestamp is tag 1 over epoch **milliseconds** as an integer, which is how AWS's
//!   Java SDKs write and read them (RFC 8949's tag 1 counts seconds; a tag-1 float is
//!   taken as seconds, as the RFC has it), where JSON has epoch seconds.
//!
//! Reading needs no shape knowledge: every byte string becomes base64 text and every
//! tag-1 time epoch seconds. Writing does: the caller says which members are blobs and
//! which are timestamps.

use base64::Engine as _;
use ciborium::value::{Integer, Value as Cbor};
use serde_json::Value as Json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// RFC 8949's tag for a time as a number since the epoch.
pub const EPOCH_TIME_TAG: u64 = 1;

/// What a member of a document is, for writing it as CBOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// A blob: base64 text in JSON, a byte string in CBOR.
    Blob,
    /// A timestamp: epoch seconds in JSON, tag 1 over epoch milliseconds in CBOR.
    Timestamp,
    /// Anything else, written as it is.
    Plain,
}

/// A CBOR body that could not be read as a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotADocument(pub String);

/// Reads a CBOR body as the JSON document it stands for.
pub fn to_json(body: &[u8]) -> Result<Json, NotADocument> {
    let value: Cbor = ciborium::de::from_reader(body).map_err(|e| NotADocument(e.to_string()))?;
    json_of(value)
}

fn json_of(value: Cbor) -> Result<Json, NotADocument> {
    Ok(match value {
        Cbor::Null => Json::Null,
        Cbor::Bool(b) => Json::Bool(b),
        Cbor::Integer(i) => integer(i)?,
        Cbor::Float(f) => serde_json::Number::from_f64(f)
            .map(Json::Number)
            .ok_or_else(|| NotADocument("a number that is not finite".to_owned()))?,
        Cbor::Text(s) => Json::String(s),
        Cbor::Bytes(b) => Json::String(B64.encode(b)),
        Cbor::Array(items) => {
            Json::Array(items.into_iter().map(json_of).collect::<Result<_, _>>()?)
        }
        Cbor::Map(entries) => {
            let mut map = serde_json::Map::with_capacity(entries.len());
            for (k, v) in entries {
                let Cbor::Text(k) = k else {
                    return Err(NotADocument("a map key that is not text".to_owned()));
                };
                map.insert(k, json_of(v)?);
            }
            Json::Object(map)
        }
        Cbor::Tag(EPOCH_TIME_TAG, inner) => match *inner {
            // The Java SDKs' milliseconds.
            Cbor::Integer(i) => {
                let ms = i128::from(i);
                let seconds = ms as f64 / 1000.0;
                serde_json::Number::from_f64(seconds)
                    .map(Json::Number)
                    .ok_or_else(|| NotADocument("a time out of range".to_owned()))?
            }
            other => json_of(other)?,
        },
        Cbor::Tag(_, inner) => json_of(*inner)?,
        _ => return Err(NotADocument("an unknown CBOR value".to_owned())),
    })
}

fn integer(i: Integer) -> Result<Json, NotADocument> {
    let wide = i128::from(i);
    if let Ok(v) = i64::try_from(wide) {
        return Ok(Json::from(v));
    }
    if let Ok(v) = u64::try_from(wide) {
        return Ok(Json::from(v));
    }
    Err(NotADocument("an integer out of range".to_owned()))
}

/// Writes a document with no blobs or timestamps (an error's) as CBOR.
pub fn from_json(document: &Json) -> Vec<u8> {
    from_json_with(document, &|_| MemberKind::Plain)
}

/// Writes a document as CBOR; `kind` names which members are blobs and timestamps.
pub fn from_json_with(document: &Json, kind: &dyn Fn(&str) -> MemberKind) -> Vec<u8> {
    let value = cbor_of(document, MemberKind::Plain, kind);
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = ciborium::ser::into_writer(&value, &mut out);
    out
}

fn cbor_of(value: &Json, as_kind: MemberKind, kind: &dyn Fn(&str) -> MemberKind) -> Cbor {
    match (value, as_kind) {
        (Json::String(s), MemberKind::Blob) => match B64.decode(s) {
            Ok(bytes) => Cbor::Bytes(bytes),
            Err(_) => Cbor::Text(s.clone()),
        },
        (Json::Number(n), MemberKind::Timestamp) => {
            let ms = (n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64;
            Cbor::Tag(EPOCH_TIME_TAG, Box::new(Cbor::Integer(ms.into())))
        }
        (Json::Null, _) => Cbor::Null,
        (Json::Bool(b), _) => Cbor::Bool(*b),
        (Json::Number(n), _) => {
            if let Some(i) = n.as_i64() {
                Cbor::Integer(i.into())
            } else if let Some(u) = n.as_u64() {
                Cbor::Integer(u.into())
            } else {
                Cbor::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        (Json::String(s), _) => Cbor::Text(s.clone()),
        (Json::Array(items), _) => Cbor::Array(
            items
                .iter()
                .map(|item| cbor_of(item, as_kind, kind))
                .collect(),
        ),
        (Json::Object(map), _) => Cbor::Map(
            map.iter()
                .map(|(k, v)| (Cbor::Text(k.clone()), cbor_of(v, kind(k), kind)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(member: &str) -> MemberKind {
        match member {
            "Data" => MemberKind::Blob,
            "When" => MemberKind::Timestamp,
            _ => MemberKind::Plain,
        }
    }

    #[test]
    fn blobs_and_times_cross_over_and_back() {
        let doc =
            json!({"Data": "aGk=", "When": 1700000000.123, "N": 3, "List": [{"Data": "AA=="}]});
        let bytes = from_json_with(&doc, &kinds);
        let raw: Cbor = ciborium::de::from_reader(&bytes[..]).unwrap();
        let Cbor::Map(entries) = &raw else {
            panic!("{raw:?}")
        };
        let get = |k: &str| {
            entries
                .iter()
                .find(|(key, _)| key.as_text() == Some(k))
                .unwrap()
                .1
                .clone()
        };
        assert_eq!(get("Data"), Cbor::Bytes(b"hi".to_vec()));
        assert_eq!(
            get("When"),
            Cbor::Tag(1, Box::new(Cbor::Integer(1_700_000_000_123i64.into())))
        );
        assert_eq!(to_json(&bytes).unwrap(), doc);
    }

    #[test]
    fn a_tag_one_float_counts_seconds() {
        let value = Cbor::Map(vec![(
            Cbor::Text("Timestamp".into()),
            Cbor::Tag(1, Box::new(Cbor::Float(1.5))),
        )]);
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&value, &mut bytes).unwrap();
        assert_eq!(to_json(&bytes).unwrap(), json!({"Timestamp": 1.5}));
    }

    #[test]
    fn what_is_not_a_document_is_refused() {
        assert!(to_json(b"\xff\x00").is_err());
        let value = Cbor::Map(vec![(Cbor::Integer(1.into()), Cbor::Null)]);
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&value, &mut bytes).unwrap();
        assert!(to_json(&bytes).is_err());
    }
}
