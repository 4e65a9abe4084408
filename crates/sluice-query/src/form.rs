//! Form parameters: parsing a form body or query string into pairs, reading list indexes,
//! and the path tree that gathers indexed parameters (`Attribute.2.Value`) back into
//! nested lists, maps and structures before they become JSON.
//!
//! Lists are ordered by their numeric index, not by the order parameters arrive in.
//! Gaps in the indexes are closed up: `AttributeName.1`, `AttributeName.3` give a
//! two-element list. AWS clients number from 1 without gaps, so this only matters for
//! hand-written requests, and it keeps every value the client sent. Indexes are bounded
//! by [`MAX_INDEX`], and since they only order entries, a large one costs no memory.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::spec::{Field, Shape, MAP_VALUE};
use crate::QueryError;

/// The largest list or map index accepted. Indexes only order entries (gaps are closed
/// up, see the module docs), so this bounds the text a client may send as an index
/// rather than memory; no SQS list comes near it.
pub const MAX_INDEX: u32 = 10_000;

/// The slot of the one unindexed element a list of scalars takes (`AttributeName=All`),
/// or the one unindexed entry a map takes (`Attribute.Name=…&Attribute.Value=…`), so that
/// it sorts before every real index.
pub(crate) const BARE_SLOT: u32 = 0;

/// Written in place of each run of bytes that is not UTF-8 in a form name or value.
///
/// It is the noncharacter U+FFFF, which SQS refuses in message bodies and attribute
/// values, so a message sent with such bytes is refused (InvalidMessageContents) rather
/// than stored with its text silently altered. U+FFFD, what a lossy decoder writes, is a
/// character SQS allows, so it would let the altered message through.
pub const NOT_UTF8: char = '\u{FFFF}';

/// Parses an `application/x-www-form-urlencoded` body or a URL query string into decoded
/// pairs, keeping their order. `+` is a space, `%XX` a byte, a `%` not followed by two
/// hex digits itself; bytes that do not decode as UTF-8 become [`NOT_UTF8`].
pub fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    bytes
        .split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|b| *b == b'=') {
            Some(eq) => (
                decode_component(&pair[..eq]),
                decode_component(&pair[eq + 1..]),
            ),
            None => (decode_component(pair), String::new()),
        })
        .collect()
}

fn decode_component(raw: &[u8]) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => match (
                raw.get(i + 1).and_then(|b| hex(*b)),
                raw.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(high), Some(low)) => {
                    bytes.push(high << 4 | low);
                    i += 2;
                }
                _ => bytes.push(b'%'),
            },
            b => bytes.push(b),
        }
        i += 1;
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.into_bytes();
            let mut text = String::with_capacity(bytes.len() + 2);
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    text.push(NOT_UTF8);
                }
            }
            text
        }
    }
}

/// Reads a list or map index: decimal digits in canonical form (no sign, no leading zero),
/// from 1 to [`MAX_INDEX`].
pub(crate) fn parse_index(segment: &str) -> Option<u32> {
    let bytes = segment.as_bytes();
    let canonical = !bytes.is_empty()
        && bytes[0] != b'0'
        && bytes.len() <= digits(MAX_INDEX)
        && bytes.iter().all(u8::is_ascii_digit);
    if !canonical {
        return None;
    }
    segment.parse().ok().filter(|&n| n <= MAX_INDEX)
}

const fn digits(mut n: u32) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// One step of a resolved parameter name, from a structure down to the value's place.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    /// A member of a structure.
    Member(&'static Field),
    /// An element of a list, or an entry of a map.
    Index(u32),
    /// The key part of a map entry (`.Name` / `.Key`).
    Key,
    /// The value part of a map entry (`.Value`).
    Value,
}

/// A node of the path tree, shaped by the table it was resolved against.
#[derive(Debug)]
pub(crate) enum Node {
    Scalar(Option<String>),
    List {
        elem: &'static Shape,
        items: BTreeMap<u32, Node>,
    },
    Map {
        key: &'static str,
        value: &'static Shape,
        entries: BTreeMap<u32, Entry>,
    },
    Struct(Vec<(&'static Field, Node)>),
}

/// One map entry as gathered so far: either part may still be missing.
#[derive(Debug, Default)]
pub(crate) struct Entry {
    key: Option<String>,
    value: Option<Node>,
}

fn malformed(message: String) -> QueryError {
    QueryError::Malformed(message)
}

/// The most characters of client text (a parameter name, a map key) an error message
/// repeats, so a huge parameter name cannot make a huge error response.
pub(crate) const MAX_SHOWN_CHARS: usize = 120;

/// Client text as error messages show it: cut to [`MAX_SHOWN_CHARS`] characters.
pub(crate) struct Shown<'a>(pub &'a str);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.char_indices().nth(MAX_SHOWN_CHARS) {
            Some((cut, _)) => write!(f, "{}…", &self.0[..cut]),
            None => f.write_str(self.0),
        }
    }
}

impl Node {
    /// The root of a tree: a structure holding the action's input members.
    pub fn root() -> Node {
        Node::Struct(Vec::new())
    }

    fn empty(shape: &'static Shape) -> Node {
        match shape {
            Shape::Scalar => Node::Scalar(None),
            Shape::List(elem) => Node::List {
                elem,
                items: BTreeMap::new(),
            },
            Shape::Map { key, value } => Node::Map {
                key,
                value,
                entries: BTreeMap::new(),
            },
            Shape::Struct(_) => Node::Struct(Vec::new()),
        }
    }

    /// Places `value` at the end of `steps`, which address a descendant of this node.
    /// `name` is the parameter's name, for error messages.
    pub fn place(&mut self, steps: &[Step], value: &str, name: &str) -> Result<(), QueryError> {
        match (self, steps) {
            (Node::Struct(members), [Step::Member(field), rest @ ..]) => {
                let index = match members.iter().position(|(f, _)| std::ptr::eq(*f, *field)) {
                    Some(index) => index,
                    None => {
                        members.push((field, Node::empty(field.shape)));
                        members.len() - 1
                    }
                };
                members[index].1.settle(rest, value, name)
            }
            (Node::List { elem, items }, [Step::Index(n), rest @ ..]) => items
                .entry(*n)
                .or_insert_with(|| Node::empty(elem))
                .settle(rest, value, name),
            (Node::Map { entries, .. }, [Step::Index(n), Step::Key]) => {
                let entry = entries.entry(*n).or_default();
                if entry.key.is_some() {
                    return Err(malformed(format!(
                        "parameter `{}` is given twice",
                        Shown(name)
                    )));
                }
                entry.key = Some(value.to_owned());
                Ok(())
            }
            (
                Node::Map {
                    entries,
                    value: shape,
                    ..
                },
                [Step::Index(n), Step::Value, rest @ ..],
            ) => entries
                .entry(*n)
                .or_default()
                .value
                .get_or_insert_with(|| Node::empty(shape))
                .settle(rest, value, name),
            _ => Err(malformed(format!(
                "parameter `{}` does not fit the action's parameters",
                Shown(name)
            ))),
        }
    }

    /// Places `value` in this node if `steps` is empty, else further down.
    fn settle(&mut self, steps: &[Step], value: &str, name: &str) -> Result<(), QueryError> {
        if !steps.is_empty() {
            return self.place(steps, value, name);
        }
        match self {
            Node::Scalar(slot @ None) => {
                *slot = Some(value.to_owned());
                Ok(())
            }
            Node::Scalar(Some(_)) => Err(malformed(format!(
                "parameter `{}` is given twice",
                Shown(name)
            ))),
            // A bare container name with an empty value is how clients send an empty list
            // or map; the node now exists, which is all it says.
            _ if value.is_empty() => Ok(()),
            _ => Err(malformed(format!(
                "parameter `{name}` needs an index (`{name}.1`, ...)",
                name = Shown(name)
            ))),
        }
    }

    /// Turns the gathered tree into the JSON-protocol value. `path` is the Query name of
    /// this node, for error messages; it is restored before returning.
    pub fn into_json(self, path: &mut String) -> Result<Value, QueryError> {
        match self {
            Node::Scalar(value) => Ok(value.map_or(Value::Null, Value::String)),
            Node::List { items, .. } => {
                let mut list = Vec::with_capacity(items.len());
                for (n, item) in items {
                    let len = path.len();
                    push_index(path, n);
                    list.push(item.into_json(path)?);
                    path.truncate(len);
                }
                Ok(Value::Array(list))
            }
            Node::Map {
                key: key_part,
                entries,
                ..
            } => {
                let mut map = Map::new();
                for (n, entry) in entries {
                    let len = path.len();
                    push_index(path, n);
                    let key = match entry.key {
                        Some(key) if !key.is_empty() => key,
                        Some(_) => return Err(malformed(format!("`{path}.{key_part}` is empty"))),
                        None => {
                            return Err(malformed(format!(
                                "`{path}.{MAP_VALUE}` is given without `{path}.{key_part}`"
                            )))
                        }
                    };
                    let Some(value) = entry.value else {
                        return Err(malformed(format!(
                            "`{path}.{key_part}` is given without `{path}.{MAP_VALUE}`"
                        )));
                    };
                    if map.contains_key(&key) {
                        return Err(malformed(format!(
                            "`{path}.{key_part}`: `{}` is given twice",
                            Shown(&key)
                        )));
                    }
                    path.push('.');
                    path.push_str(MAP_VALUE);
                    let value = value.into_json(path)?;
                    map.insert(key, value);
                    path.truncate(len);
                }
                Ok(Value::Object(map))
            }
            Node::Struct(members) => {
                let mut map = Map::new();
                for (field, node) in members {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(field.xml_name());
                    map.insert(field.json.to_owned(), node.into_json(path)?);
                    path.truncate(len);
                }
                Ok(Value::Object(map))
            }
        }
    }
}

fn push_index(path: &mut String, n: u32) {
    use std::fmt::Write;
    if n == BARE_SLOT {
        return;
    }
    let _ = write!(path, ".{n}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_form_decodes_and_keeps_order() {
        let pairs = parse_form(b"b=2&a=1&Message%2EBody=x+y%26z&empty=&novalue");
        assert_eq!(
            pairs,
            vec![
                ("b".to_owned(), "2".to_owned()),
                ("a".to_owned(), "1".to_owned()),
                ("Message.Body".to_owned(), "x y&z".to_owned()),
                ("empty".to_owned(), String::new()),
                ("novalue".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn parse_form_decodes_utf8_and_carriage_returns() {
        let pairs = parse_form("MessageBody=%F0%9F%98%80%0D%0A%E2%82%AC".as_bytes());
        assert_eq!(pairs[0].1, "😀\r\n€");
    }

    #[test]
    fn parse_form_matches_form_urlencoding() {
        let pairs = parse_form(b"&&a=%zz%4&b=%41%4a%4A&=v&c==d&%2B+=1");
        assert_eq!(
            pairs,
            vec![
                ("a".to_owned(), "%zz%4".to_owned()),
                ("b".to_owned(), "AJJ".to_owned()),
                (String::new(), "v".to_owned()),
                ("c".to_owned(), "=d".to_owned()),
                ("+ ".to_owned(), "1".to_owned()),
            ]
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_become_a_refused_character() {
        let pairs = parse_form(b"MessageBody=a%FFb\xfe%E2%82&x%C3=%E2%82%AC");
        assert_eq!(pairs[0].1, "a\u{FFFF}b\u{FFFF}\u{FFFF}");
        assert_eq!(pairs[1], ("x\u{FFFF}".to_owned(), "€".to_owned()));
    }

    #[test]
    fn index_grammar() {
        assert_eq!(parse_index("1"), Some(1));
        assert_eq!(parse_index("10"), Some(10));
        assert_eq!(parse_index("10000"), Some(MAX_INDEX));
        for bad in [
            "",
            "0",
            "01",
            "-1",
            "+1",
            "x",
            "1x",
            " 1",
            "10001",
            "99999",
            "4294967296",
            "١",
        ] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
        }
    }
}
