//! Type checks of AWS JSON 1.0 request members against SQS's service model, worded as
//! AWS's JSON deserializer words them ("STRING_VALUE can not be converted to an
//! Integer", "Start of list found where not expected", ...).
//!
//! `input_shapes.json` lists each operation's input members and their types; it is
//! generated from botocore's model (`scripts/gen-sqs-input-shapes.py`) and checked
//! against it by the end-to-end suite. The Query protocol carries every value as text
//! and is not checked here. Members the model does not name are ignored, as AWS does,
//! and `null` stands for an absent member.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A member's type in the model.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Shape {
    String,
    Integer,
    Long,
    Boolean,
    Blob,
    Timestamp,
    List(Box<Shape>),
    Map(Box<Shape>),
    Structure(BTreeMap<String, Shape>),
}

fn shapes() -> &'static BTreeMap<String, Shape> {
    static SHAPES: OnceLock<BTreeMap<String, Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        serde_json::from_str(include_str!("input_shapes.json"))
            .expect("input_shapes.json is generated and well-formed")
    })
}

/// Checks the body of a JSON request for `action`. `Err(None)`: the body is not a
/// JSON object at all (AWS then says nothing but the error's name);
/// `Err(Some(message))`: a member has the wrong type.
///
/// It walks the bytes once without building anything (the request is then decoded
/// straight into its typed input), so the check costs a parse, not an allocation per
/// member.
pub fn check_input(action: &str, body: &[u8]) -> Result<(), Option<String>> {
    static ANY_OBJECT: Shape = Shape::Structure(BTreeMap::new());
    let shape = shapes().get(action).unwrap_or(&ANY_OBJECT);
    let failure = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let walked = Walk {
        shape,
        failure: &failure,
        top: true,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    match (walked, failure.into_inner()) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(message)) => Err(Some(message)),
        // Not JSON, or JSON that is not an object.
        (Err(_), None) => Err(None),
    }
}

const START_OF_LIST: &str = "Start of list found where not expected";
const START_OF_MAP: &str = "Start of structure or map found where not expected.";

/// One value of the body, checked against its shape. A wrong type records AWS's words
/// in `failure` and stops the walk.
struct Walk<'a> {
    shape: &'a Shape,
    failure: &'a RefCell<Option<String>>,
    /// The body itself, which must be an object.
    top: bool,
}

impl Walk<'_> {
    fn fail<E: de::Error>(&self, message: String) -> E {
        *self.failure.borrow_mut() = Some(message);
        E::custom("wrong type")
    }

    fn child<'b>(&'b self, shape: &'b Shape) -> Walk<'b> {
        Walk {
            shape,
            failure: self.failure,
            top: false,
        }
    }

    /// A scalar found where `self.shape` belongs.
    fn scalar<E: de::Error>(&self, found: &'static str) -> Result<(), E> {
        if self.top {
            return Err(E::custom("not an object"));
        }
        let (fits, target) = match self.shape {
            Shape::String => (found == "STRING_VALUE", "a String"),
            Shape::Blob => (found == "STRING_VALUE", "a ByteBuffer"),
            Shape::Integer => (found == "NUMBER_VALUE", "an Integer"),
            Shape::Long => (found == "NUMBER_VALUE", "a Long"),
            Shape::Boolean => (matches!(found, "TRUE_VALUE" | "FALSE_VALUE"), "a Boolean"),
            // Timestamps travel as epoch seconds (a number) in AWS JSON.
            Shape::Timestamp => (found == "NUMBER_VALUE", "a Date"),
            Shape::List(_) => return Err(self.fail("Expected list or null".to_owned())),
            Shape::Map(_) | Shape::Structure(_) => {
                return Err(self.fail("Expected null".to_owned()))
            }
        };
        if fits {
            Ok(())
        } else {
            Err(self.fail(format!("{found} can not be converted to {target}")))
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the operation's shape")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        if self.top {
            return Err(E::custom("not an object"));
        }
        // `null` stands for an absent member.
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(if v { "TRUE_VALUE" } else { "FALSE_VALUE" })
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar("NUMBER_VALUE")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar("NUMBER_VALUE")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar("NUMBER_VALUE")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar("STRING_VALUE")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Shape::List(member) = self.shape else {
            return Err(self.fail(START_OF_LIST.to_owned()));
        };
        while seq.next_element_seed(self.child(member))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        match self.shape {
            Shape::Structure(members) => {
                while let Some(name) = map.next_key::<MemberName<'de>>()? {
                    match members.get(name.0.as_ref()) {
                        Some(shape) => map.next_value_seed(self.child(shape))?,
                        // Members the model does not name are ignored, as AWS does.
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(())
            }
            Shape::Map(values) => {
                while map.next_key::<IgnoredAny>()?.is_some() {
                    map.next_value_seed(self.child(values))?;
                }
                Ok(())
            }
            _ => Err(self.fail(START_OF_MAP.to_owned())),
        }
    }
}

/// A member's name, borrowed from the body unless it holds escapes.
struct MemberName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl<'de> Visitor<'de> for Name {
            type Value = MemberName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(Name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn message(action: &str, body: Value) -> Option<String> {
        check_input(action, body.to_string().as_bytes())
            .err()
            .flatten()
    }

    fn check_value(action: &str, body: &Value) -> Result<(), Option<String>> {
        check_input(action, body.to_string().as_bytes())
    }

    #[test]
    fn every_operation_of_the_table_has_its_shape() {
        for action in super::super::operations::ACTIONS {
            assert!(shapes().contains_key(*action), "{action}");
        }
    }

    #[test]
    fn members_of_the_wrong_type_are_named_as_aws_names_them() {
        let cases = [
            (
                json!({"QueueUrl": "q", "VisibilityTimeout": "30", "ReceiptHandle": "r"}),
                "STRING_VALUE can not be converted to an Integer",
            ),
            (
                json!({"QueueUrl": "q", "VisibilityTimeout": true}),
                "TRUE_VALUE can not be converted to an Integer",
            ),
            (
                json!({"QueueUrl": 5}),
                "NUMBER_VALUE can not be converted to a String",
            ),
            (
                json!({"QueueUrl": {"a": 1}}),
                "Start of structure or map found where not expected.",
            ),
            (
                json!({"QueueUrl": ["q"]}),
                "Start of list found where not expected",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(
                message("ChangeMessageVisibility", body.clone()).as_deref(),
                Some(want),
                "{body}"
            );
        }
        assert_eq!(
            message(
                "ReceiveMessage",
                json!({"QueueUrl": "q", "AttributeNames": "All"})
            )
            .as_deref(),
            Some("Expected list or null")
        );
        assert_eq!(
            message(
                "SendMessage",
                json!({"QueueUrl": "q", "MessageBody": "b", "MessageAttributes": {"a": {"DataType": "String", "StringValue": 1}}})
            )
            .as_deref(),
            Some("NUMBER_VALUE can not be converted to a String")
        );
    }

    #[test]
    fn nulls_unknown_members_and_right_types_pass() {
        let body = json!({
            "QueueUrl": "q",
            "MaxNumberOfMessages": 10,
            "WaitTimeSeconds": null,
            "AttributeNames": ["All"],
            "SomethingElse": {"x": [1]},
        });
        assert_eq!(check_value("ReceiveMessage", &body), Ok(()));
        assert_eq!(
            check_input("ReceiveMessage", br#"{"Queue\u0055rl": "q"}"#),
            Ok(())
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        assert_eq!(check_value("ListQueues", &json!("x")), Err(None));
        assert_eq!(check_value("ListQueues", &json!(null)), Err(None));
        assert_eq!(check_input("ListQueues", b"{not json"), Err(None));
        assert_eq!(check_input("ListQueues", b"{} trailing"), Err(None));
        assert_eq!(
            check_value("ListQueues", &json!([])),
            Err(Some(START_OF_LIST.to_owned()))
        );
        assert_eq!(
            check_input(
                "ReceiveMessage",
                br#"{"QueueUrl": "q\u0041", "MaxNumberOfMessages": "1"}"#
            ),
            Err(Some(
                "STRING_VALUE can not be converted to an Integer".to_owned()
            ))
        );
    }
}
