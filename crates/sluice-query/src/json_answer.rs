//! The JSON form of a Query answer, which AWS sends instead of XML when a Query request
//! asks for it with `Accept: application/json`.
//!
//! AWS's recorded answers show its outline: the XML document's two wrappers as members
//! (`{"ListQueuesResponse": ...}`, `{"ReceiveMessageResponse": {"ReceiveMessageResult":
//! {"messages": [{"Body": ...}]}}}`), a result's list member named with a lower-case
//! first letter (`messages`) and the members inside it as the JSON protocol names them.

use serde_json::{Map, Value};

use crate::spec;

/// The JSON answer for `action` from its JSON-protocol output object.
pub fn encode_output_json(action: &str, output: &Value, request_id: &str) -> Value {
    let name = spec::find(action).map_or(action, |spec| spec.name);
    let mut response = Map::new();
    if spec::find(action).is_some_and(|spec| spec.output.is_some()) {
        let result: Map<String, Value> = output
            .as_object()
            .into_iter()
            .flatten()
            .map(|(member, value)| {
                let member = if value.is_array() {
                    lower_first(member)
                } else {
                    member.clone()
                };
                (member, value.clone())
            })
            .collect();
        response.insert(format!("{name}Result"), Value::Object(result));
    }
    response.insert(
        "ResponseMetadata".to_owned(),
        serde_json::json!({ "RequestId": request_id }),
    );
    let mut root = Map::new();
    root.insert(format!("{name}Response"), Value::Object(response));
    Value::Object(root)
}

fn lower_first(member: &str) -> String {
    let mut chars = member.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_receive_answers_its_messages_in_lower_case() {
        let output = json!({"Messages": [{"Body": "b", "MessageId": "m"}]});
        assert_eq!(
            encode_output_json("ReceiveMessage", &output, "r"),
            json!({"ReceiveMessageResponse": {
                "ReceiveMessageResult": {"messages": [{"Body": "b", "MessageId": "m"}]},
                "ResponseMetadata": {"RequestId": "r"},
            }})
        );
    }

    #[test]
    fn an_action_without_output_has_no_result() {
        assert_eq!(
            encode_output_json("PurgeQueue", &json!({}), "r"),
            json!({"PurgeQueueResponse": {"ResponseMetadata": {"RequestId": "r"}}})
        );
    }

    #[test]
    fn scalar_members_keep_their_names() {
        let output = json!({"QueueUrl": "u"});
        assert_eq!(
            encode_output_json("GetQueueUrl", &output, "r")["GetQueueUrlResponse"]
                ["GetQueueUrlResult"],
            json!({"QueueUrl": "u"})
        );
    }
}
