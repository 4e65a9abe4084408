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

use serde::Deserialize;
use serde_json::Value;

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
pub fn check_input(action: &str, body: &Value) -> Result<(), Option<String>> {
    match body {
        Value::Object(_) => {}
        Value::Array(_) => return Err(Some(START_OF_LIST.to_owned())),
        _ => return Err(None),
    }
    match shapes().get(action) {
        Some(shape) => check(shape, body).map_err(Some),
        None => Ok(()),
    }
}

const START_OF_LIST: &str = "Start of list found where not expected";
const START_OF_MAP: &str = "Start of structure or map found where not expected.";

fn check(shape: &Shape, value: &Value) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    match shape {
        Shape::Structure(members) => match value {
            Value::Object(fields) => fields.iter().try_for_each(|(name, value)| {
                members
                    .get(name)
                    .map_or(Ok(()), |shape| check(shape, value))
            }),
            Value::Array(_) => Err(START_OF_LIST.to_owned()),
            _ => Err("Expected null".to_owned()),
        },
        Shape::Map(values) => match value {
            Value::Object(fields) => fields.values().try_for_each(|value| check(values, value)),
            Value::Array(_) => Err(START_OF_LIST.to_owned()),
            _ => Err("Expected null".to_owned()),
        },
        Shape::List(member) => match value {
            Value::Array(items) => items.iter().try_for_each(|item| check(member, item)),
            Value::Object(_) => Err(START_OF_MAP.to_owned()),
            _ => Err("Expected list or null".to_owned()),
        },
        scalar => check_scalar(scalar, value),
    }
}

fn check_scalar(shape: &Shape, value: &Value) -> Result<(), String> {
    let found = match value {
        Value::Object(_) => return Err(START_OF_MAP.to_owned()),
        Value::Array(_) => return Err(START_OF_LIST.to_owned()),
        Value::String(_) => "STRING_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Null => return Ok(()),
    };
    let (fits, target) = match shape {
        Shape::String => (found == "STRING_VALUE", "a String"),
        Shape::Blob => (found == "STRING_VALUE", "a ByteBuffer"),
        Shape::Integer => (found == "NUMBER_VALUE", "an Integer"),
        Shape::Long => (found == "NUMBER_VALUE", "a Long"),
        Shape::Boolean => (matches!(found, "TRUE_VALUE" | "FALSE_VALUE"), "a Boolean"),
        // Timestamps travel as epoch seconds (a number) in AWS JSON.
        Shape::Timestamp => (found == "NUMBER_VALUE", "a Date"),
        Shape::List(_) | Shape::Map(_) | Shape::Structure(_) => unreachable!("not a scalar"),
    };
    if fits {
        Ok(())
    } else {
        Err(format!("{found} can not be converted to {target}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(action: &str, body: Value) -> Option<String> {
        check_input(action, &body).err().flatten()
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
        assert_eq!(check_input("ReceiveMessage", &body), Ok(()));
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        assert_eq!(check_input("ListQueues", &json!("x")), Err(None));
        assert_eq!(check_input("ListQueues", &json!(null)), Err(None));
        assert_eq!(
            check_input("ListQueues", &json!([])),
            Err(Some(START_OF_LIST.to_owned()))
        );
    }
}
