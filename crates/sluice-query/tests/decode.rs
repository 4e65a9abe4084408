//! Query requests, modelled on the examples of AWS's SQS API reference, decoded into the
//! exact JSON-protocol input of each action.

use serde_json::{json, Value};
use sluice_query::{decode_input, is_known_action, known_actions, parse_form, QueryError};

const QUEUE_URL: &str = "https://sqs.us-east-2.amazonaws.com/123456789012/MyQueue";

/// Decodes a form body (as a client would send it) for `action`.
fn decode(action: &str, body: &str) -> Value {
    let params = parse_form(body.as_bytes());
    match decode_input(action, &params) {
        Ok(value) => value,
        Err(err) => panic!("{action}: {err:?}"),
    }
}

/// The common parameters every request carries, which the decoder ignores.
const COMMON: &str = "&Version=2012-11-05&X-Amz-Algorithm=AWS4-HMAC-SHA256\
&X-Amz-Credential=AKID%2F20240101%2Fus-east-2%2Fsqs%2Faws4_request\
&X-Amz-Date=20240101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc123";

fn url() -> String {
    form_encoded(QUEUE_URL)
}

fn form_encoded(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
fn add_permission() {
    let body = format!(
        "Action=AddPermission&QueueUrl={}&Label=MyLabel\
         &AWSAccountId.1=177715257436&AWSAccountId.2=111111111111\
         &ActionName.1=SendMessage&ActionName.2=ReceiveMessage{COMMON}",
        url()
    );
    assert_eq!(
        decode("AddPermission", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "Label": "MyLabel",
            "AWSAccountIds": ["177715257436", "111111111111"],
            "Actions": ["SendMessage", "ReceiveMessage"],
        })
    );
}

#[test]
fn cancel_message_move_task() {
    let handle = "eyJ0YXNrSWQiOiJkYzE2OWUwNC0wZTU1LTQ0ZDItYWE5MC1jMDgwY2ExZjM2ZjciLCJzb3VyY2VBcm4iOiJhcm46YXdzOnNxczp1cy1lYXN0LTE6MTIzNDU2Nzg5MDEyOk15RGVhZExldHRlclF1ZXVlIn0=";
    let body = format!(
        "Action=CancelMessageMoveTask&TaskHandle={}{COMMON}",
        form_encoded(handle)
    );
    assert_eq!(
        decode("CancelMessageMoveTask", &body),
        json!({"TaskHandle": handle})
    );
}

#[test]
fn change_message_visibility() {
    let body = format!(
        "Action=ChangeMessageVisibility&QueueUrl={}&ReceiptHandle=MbZj6wDWli%2BJvwwJaBV%2B3dcjk2YW2vA3%2BSTFFljT\
         &VisibilityTimeout=60{COMMON}",
        url()
    );
    assert_eq!(
        decode("ChangeMessageVisibility", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "ReceiptHandle": "MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljT",
            "VisibilityTimeout": "60",
        })
    );
}

#[test]
fn change_message_visibility_batch() {
    let body = format!(
        "Action=ChangeMessageVisibilityBatch&QueueUrl={}\
         &ChangeMessageVisibilityBatchRequestEntry.1.Id=change_visibility_msg_2\
         &ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle=gfk0T0R0waama4fVFffkjKzmhMCymjQvfTFk2LxT33G4ms5subrE0deLKWSscPU1oD3J9zgeS4PQQ3U30qOumIE6AdAv3w%2F%2Fa1IXW6AqaWhGsEPaLm3Vf6IiWqdM8u5imB%2BNTwj3tQRzOWdTOePjOjPcTpRxBtXix%2BEvwJOZUma9wabv%2BSw6ZHjwmNcVDx8dZXJhVp16Bksiox%2FGrUvrVTCJRTWTLc59oHLLF8sEkKzRmGNzTDGTiV%2BYjHfQj60FD3rVaXmzTsoNxRhKJ72uIHVMGVQiAGgB%2BqAbSqfKHDQtVOmJJgkHug%3D%3D\
         &ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=45\
         &ChangeMessageVisibilityBatchRequestEntry.2.Id=change_visibility_msg_3\
         &ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle=gfk0T0R0waama4fVFffkjKzmhMCymjQvfTFk2LxT33FUgBz3%2BnougdeLKWSscPU1%2FXgx%2BxcNnjnQQ3U30qOumIE6AdAv3w%2F%2Fa1IXW6AqaWhGsEPaLm3Vf6IiWqdM8u5imB%2BNTwj3tQRzOWdTOePjOsogjZM%2F7kzn4Ew27XLU9I%2FYaWYmKvDbq%2Fk3HKVB9HfB43kE49atP2aWrzNL4yunG41Q4cfRRtfJdcGQGNHQ2%2Byd0Usf5qR1dZr1iDo5xk946eQat83AxTRP%2BY4Qi0V7FAeSLH9su9xpX6HGaF4HYDLx4WaAvTyKyg%3D%3D\
         &ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout=45{COMMON}",
        url()
    );
    assert_eq!(
        decode("ChangeMessageVisibilityBatch", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "Entries": [
                {
                    "Id": "change_visibility_msg_2",
                    "ReceiptHandle": "gfk0T0R0waama4fVFffkjKzmhMCymjQvfTFk2LxT33G4ms5subrE0deLKWSscPU1oD3J9zgeS4PQQ3U30qOumIE6AdAv3w//a1IXW6AqaWhGsEPaLm3Vf6IiWqdM8u5imB+NTwj3tQRzOWdTOePjOjPcTpRxBtXix+EvwJOZUma9wabv+Sw6ZHjwmNcVDx8dZXJhVp16Bksiox/GrUvrVTCJRTWTLc59oHLLF8sEkKzRmGNzTDGTiV+YjHfQj60FD3rVaXmzTsoNxRhKJ72uIHVMGVQiAGgB+qAbSqfKHDQtVOmJJgkHug==",
                    "VisibilityTimeout": "45",
                },
                {
                    "Id": "change_visibility_msg_3",
                    "ReceiptHandle": "gfk0T0R0waama4fVFffkjKzmhMCymjQvfTFk2LxT33FUgBz3+nougdeLKWSscPU1/Xgx+xcNnjnQQ3U30qOumIE6AdAv3w//a1IXW6AqaWhGsEPaLm3Vf6IiWqdM8u5imB+NTwj3tQRzOWdTOePjOsogjZM/7kzn4Ew27XLU9I/YaWYmKvDbq/k3HKVB9HfB43kE49atP2aWrzNL4yunG41Q4cfRRtfJdcGQGNHQ2+yd0Usf5qR1dZr1iDo5xk946eQat83AxTRP+Y4Qi0V7FAeSLH9su9xpX6HGaF4HYDLx4WaAvTyKyg==",
                    "VisibilityTimeout": "45",
                },
            ],
        })
    );
}

#[test]
fn create_queue() {
    let body = format!(
        "Action=CreateQueue&QueueName=MyQueue\
         &Attribute.1.Name=DelaySeconds&Attribute.1.Value=45\
         &Attribute.2.Name=RedrivePolicy\
         &Attribute.2.Value=%7B%22deadLetterTargetArn%22%3A%22arn%3Aaws%3Asqs%3Aus-east-2%3A123456789012%3Adlq%22%2C%22maxReceiveCount%22%3A%225%22%7D\
         &Tag.1.Key=team&Tag.1.Value=x&Tag.2.Key=QueueType&Tag.2.Value=Production{COMMON}"
    );
    assert_eq!(
        decode("CreateQueue", &body),
        json!({
            "QueueName": "MyQueue",
            "Attributes": {
                "DelaySeconds": "45",
                "RedrivePolicy": r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-2:123456789012:dlq","maxReceiveCount":"5"}"#,
            },
            "tags": {"team": "x", "QueueType": "Production"},
        })
    );
}

#[test]
fn create_queue_takes_the_member_spelling_of_tags() {
    assert_eq!(
        decode("CreateQueue", "QueueName=q&Tags.1.Key=a&Tags.1.Value=b"),
        json!({"QueueName": "q", "tags": {"a": "b"}})
    );
}

#[test]
fn delete_message() {
    let body = format!(
        "Action=DeleteMessage&QueueUrl={}&ReceiptHandle=MbZj6wDWli%2BJvwwJaBV%2B3dcjk2YW2vA3%2BSTFFljTM8tJJg6HRG6PYSasuWXPJB%2BCwLj1FjgXUv1uSj1gUPAWV66FU%2FWeR4mq2OKpEGYWbnLmpRCJVAyeMjeU5ZBdtcQ%2BQEauMZc8ZRv37sIW2iJKq3M9MFx1YvV11A2x%2FKSbkJ0%3D{COMMON}",
        url()
    );
    assert_eq!(
        decode("DeleteMessage", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "ReceiptHandle": "MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+CwLj1FjgXUv1uSj1gUPAWV66FU/WeR4mq2OKpEGYWbnLmpRCJVAyeMjeU5ZBdtcQ+QEauMZc8ZRv37sIW2iJKq3M9MFx1YvV11A2x/KSbkJ0=",
        })
    );
}

#[test]
fn delete_message_batch() {
    let body = format!(
        "Action=DeleteMessageBatch&QueueUrl={}\
         &DeleteMessageBatchRequestEntry.1.Id=msg1\
         &DeleteMessageBatchRequestEntry.1.ReceiptHandle=gfk0T0R0waama4fVFffkjPQrrvzMrOg0fTFk2LxT33EuB8wR0ZCFgKWyXGWFoqqpCIiprQUEhir%2F5LeGPpYTLzjqLQxyQYaQALeSNHb0us3uE84uujxpBhsDkZUQkjFFkNqBXn48xlMcVhTcI3YLH%2Bd%2BIqetIOHgBCZAPx6r%2B09dWaBXei6nbK5Ygih21DCDdAwFV68Jo8DXhb3ErEfoDqx7vyvC5nCpdwqv%2BJhU%2FTNGjNN8t51v5c%2FAXvQsAzyZVNapxUrHIt4NxRhKJ72uICcxruyE8eRXlxIVNgeNP8ZEDcw7zZU1Zw%3D%3D\
         &DeleteMessageBatchRequestEntry.2.Id=msg2\
         &DeleteMessageBatchRequestEntry.2.ReceiptHandle=gfk0T0R0waama4fVFffkjKzmhMCymjQvfTFk2LxT33G4ms5subrE0deLKWSscPU1oD3J9zgeS4PQQ3U30qOumIE6AdAv3w%2F%2Fa1IXW6AqaWhGsEPaLm3Vf6IiWqdM8u5imB%2BNTwj3tQRzOWdTOePjOjPcTpRxBtXix%2BEvwJOZUma9wabv%2BSw6ZHjwmNcVDx8dZXJhVp16Bksiox%2FGrUvrVTCJRTWTLc59oHLLF8sEkKzRmGNzTDGTiV%2BYjHfQj60FD3rVaXmzTsoNxRhKJ72uIHVMGVQiAGgBX6HGv9LDmYhPXw4hy%2FNgIg%3D%3D{COMMON}",
        url()
    );
    let value = decode("DeleteMessageBatch", &body);
    assert_eq!(value["QueueUrl"], QUEUE_URL);
    let entries = value["Entries"].as_array().expect("Entries is a list");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["Id"], "msg1");
    assert!(entries[0]["ReceiptHandle"].as_str().unwrap().starts_with(
        "gfk0T0R0waama4fVFffkjPQrrvzMrOg0fTFk2LxT33EuB8wR0ZCFgKWyXGWFoqqpCIiprQUEhir/5LeG"
    ));
    assert!(entries[1]["ReceiptHandle"]
        .as_str()
        .unwrap()
        .ends_with("X6HGv9LDmYhPXw4hy/NgIg=="));
    assert_eq!(
        decode(
            "DeleteMessageBatch",
            "QueueUrl=u&DeleteMessageBatchRequestEntry.2.Id=b&DeleteMessageBatchRequestEntry.2.ReceiptHandle=rb\
             &DeleteMessageBatchRequestEntry.1.ReceiptHandle=ra&DeleteMessageBatchRequestEntry.1.Id=a"
        ),
        json!({
            "QueueUrl": "u",
            "Entries": [
                {"Id": "a", "ReceiptHandle": "ra"},
                {"Id": "b", "ReceiptHandle": "rb"},
            ],
        })
    );
}

#[test]
fn delete_queue_purge_queue_and_list_queue_tags() {
    for action in ["DeleteQueue", "PurgeQueue", "ListQueueTags"] {
        let body = format!("Action={action}&QueueUrl={}{COMMON}", url());
        assert_eq!(
            decode(action, &body),
            json!({"QueueUrl": QUEUE_URL}),
            "{action}"
        );
    }
}

#[test]
fn get_queue_attributes() {
    let body = format!(
        "Action=GetQueueAttributes&QueueUrl={}&AttributeName.1=All{COMMON}",
        url()
    );
    assert_eq!(
        decode("GetQueueAttributes", &body),
        json!({"QueueUrl": QUEUE_URL, "AttributeNames": ["All"]})
    );
}

#[test]
fn list_indexes_order_the_list_not_arrival() {
    let body = "QueueUrl=u&AttributeName.3=DelaySeconds&AttributeName.1=VisibilityTimeout\
                &AttributeName.10=Policy&AttributeName.2=QueueArn";
    assert_eq!(
        decode("GetQueueAttributes", body),
        json!({
            "QueueUrl": "u",
            "AttributeNames": ["VisibilityTimeout", "QueueArn", "DelaySeconds", "Policy"],
        })
    );
}

#[test]
fn gaps_in_list_indexes_are_closed_up() {
    assert_eq!(
        decode(
            "GetQueueAttributes",
            "AttributeName.7=C&AttributeName.2=B&AttributeName.10000=D"
        ),
        json!({"AttributeNames": ["B", "C", "D"]})
    );
    assert_eq!(
        decode(
            "TagQueue",
            "Tag.5.Key=k&Tag.5.Value=v&Tag.9.Key=k2&Tag.9.Value=v2"
        ),
        json!({"Tags": {"k": "v", "k2": "v2"}})
    );
}

#[test]
fn get_queue_url() {
    let body =
        format!("Action=GetQueueUrl&QueueName=MyQueue&QueueOwnerAWSAccountId=123456789012{COMMON}");
    assert_eq!(
        decode("GetQueueUrl", &body),
        json!({"QueueName": "MyQueue", "QueueOwnerAWSAccountId": "123456789012"})
    );
}

#[test]
fn list_dead_letter_source_queues() {
    let body = format!(
        "Action=ListDeadLetterSourceQueues&QueueUrl={}&MaxResults=10&NextToken=tok{COMMON}",
        url()
    );
    assert_eq!(
        decode("ListDeadLetterSourceQueues", &body),
        json!({"QueueUrl": QUEUE_URL, "MaxResults": "10", "NextToken": "tok"})
    );
}

#[test]
fn list_message_move_tasks() {
    let body = format!(
        "Action=ListMessageMoveTasks&SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A123456789012%3AMyDeadLetterQueue\
         &MaxResults=2{COMMON}"
    );
    assert_eq!(
        decode("ListMessageMoveTasks", &body),
        json!({
            "SourceArn": "arn:aws:sqs:us-east-1:123456789012:MyDeadLetterQueue",
            "MaxResults": "2",
        })
    );
}

#[test]
fn list_queues() {
    let body = format!("Action=ListQueues&QueueNamePrefix=t&MaxResults=1000&NextToken=abc{COMMON}");
    assert_eq!(
        decode("ListQueues", &body),
        json!({"QueueNamePrefix": "t", "MaxResults": "1000", "NextToken": "abc"})
    );
    assert_eq!(
        decode("ListQueues", &format!("Action=ListQueues{COMMON}")),
        json!({})
    );
}

#[test]
fn receive_message() {
    let body = format!(
        "Action=ReceiveMessage&QueueUrl={}&MaxNumberOfMessages=5&VisibilityTimeout=15\
         &WaitTimeSeconds=20&ReceiveRequestAttemptId=attempt-1\
         &AttributeName.1=All&MessageAttributeName.1=All\
         &MessageSystemAttributeName.1=SenderId&MessageSystemAttributeName.2=SentTimestamp{COMMON}",
        url()
    );
    assert_eq!(
        decode("ReceiveMessage", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "MaxNumberOfMessages": "5",
            "VisibilityTimeout": "15",
            "WaitTimeSeconds": "20",
            "ReceiveRequestAttemptId": "attempt-1",
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        })
    );
    // AWS reads MessageSystemAttributeName.N only without AttributeName.N.
    let body = format!(
        "Action=ReceiveMessage&QueueUrl={}\
         &MessageSystemAttributeName.1=SenderId&MessageSystemAttributeName.2=SentTimestamp{COMMON}",
        url()
    );
    assert_eq!(
        decode("ReceiveMessage", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "MessageSystemAttributeNames": ["SenderId", "SentTimestamp"],
        })
    );
}

#[test]
fn receive_message_takes_an_unindexed_attribute_name() {
    // The form of the ReceiveMessage example in AWS's API reference.
    assert_eq!(
        decode(
            "ReceiveMessage",
            "QueueUrl=u&MaxNumberOfMessages=5&VisibilityTimeout=15&AttributeName=All"
        ),
        json!({
            "QueueUrl": "u",
            "MaxNumberOfMessages": "5",
            "VisibilityTimeout": "15",
            "AttributeNames": ["All"],
        })
    );
    assert_eq!(
        decode("ReceiveMessage", "AttributeName.1=B&AttributeName=A"),
        json!({"AttributeNames": ["A", "B"]})
    );
}

#[test]
fn remove_permission() {
    let body = format!(
        "Action=RemovePermission&QueueUrl={}&Label=MyLabel{COMMON}",
        url()
    );
    assert_eq!(
        decode("RemovePermission", &body),
        json!({"QueueUrl": QUEUE_URL, "Label": "MyLabel"})
    );
}

#[test]
fn send_message() {
    let body = format!(
        "Action=SendMessage&QueueUrl={}&MessageBody=This+is+a+test+message&DelaySeconds=45\
         &MessageAttribute.1.Name=my_attribute_name_1\
         &MessageAttribute.1.Value.StringValue=my_attribute_value_1\
         &MessageAttribute.1.Value.DataType=String\
         &MessageAttribute.2.Name=my_attribute_name_2\
         &MessageAttribute.2.Value.BinaryValue=base64Encoded%2Fvalue%3D%3D\
         &MessageAttribute.2.Value.DataType=Binary\
         &MessageSystemAttribute.1.Name=AWSTraceHeader\
         &MessageSystemAttribute.1.Value.StringValue=Root%3D1-5759e988-bd862e3fe1be46a994272793%3BSampled%3D1\
         &MessageSystemAttribute.1.Value.DataType=String\
         &MessageDeduplicationId=dedup&MessageGroupId=group{COMMON}",
        url()
    );
    assert_eq!(
        decode("SendMessage", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "MessageBody": "This is a test message",
            "DelaySeconds": "45",
            "MessageAttributes": {
                "my_attribute_name_1": {"StringValue": "my_attribute_value_1", "DataType": "String"},
                "my_attribute_name_2": {"BinaryValue": "base64Encoded/value==", "DataType": "Binary"},
            },
            "MessageSystemAttributes": {
                "AWSTraceHeader": {
                    "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
                    "DataType": "String",
                },
            },
            "MessageDeduplicationId": "dedup",
            "MessageGroupId": "group",
        })
    );
}

#[test]
fn send_message_list_values() {
    let body = "MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String.list\
                &MessageAttribute.1.Value.StringListValue.2=y&MessageAttribute.1.Value.StringListValue.1=x\
                &MessageAttribute.1.Value.BinaryListValue.1=AAE%3D";
    assert_eq!(
        decode("SendMessage", body),
        json!({
            "MessageAttributes": {
                "a": {
                    "DataType": "String.list",
                    "StringListValues": ["x", "y"],
                    "BinaryListValues": ["AAE="],
                },
            },
        })
    );
}

#[test]
fn send_message_keeps_the_body_byte_for_byte() {
    let message = "a&b<c>\"d'\r\n\t😀\u{E000}\u{FFFD}+%=;";
    let body = format!("QueueUrl=u&MessageBody={}", form_encoded(message));
    assert_eq!(
        decode("SendMessage", &body),
        json!({"QueueUrl": "u", "MessageBody": message})
    );
}

#[test]
fn send_message_batch() {
    let body = format!(
        "Action=SendMessageBatch&QueueUrl={}\
         &SendMessageBatchRequestEntry.1.Id=test_msg_001\
         &SendMessageBatchRequestEntry.1.MessageBody=test%20message%20body%201\
         &SendMessageBatchRequestEntry.2.Id=test_msg_002\
         &SendMessageBatchRequestEntry.2.MessageBody=test%20message%20body%202\
         &SendMessageBatchRequestEntry.2.DelaySeconds=60\
         &SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=test_attribute_name_1\
         &SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=test_attribute_value_1\
         &SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=String\
         &SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n\
         &SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=Number\
         &SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=42\
         &SendMessageBatchRequestEntry.1.MessageAttribute.2.Name=b\
         &SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.DataType=Binary\
         &SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.BinaryValue=AQID\
         &SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Name=AWSTraceHeader\
         &SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Value.DataType=String\
         &SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Value.StringValue=Root%3D1\
         &SendMessageBatchRequestEntry.1.MessageGroupId=g\
         &SendMessageBatchRequestEntry.1.MessageDeduplicationId=d{COMMON}",
        url()
    );
    assert_eq!(
        decode("SendMessageBatch", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "Entries": [
                {
                    "Id": "test_msg_001",
                    "MessageBody": "test message body 1",
                    "MessageAttributes": {
                        "n": {"DataType": "Number", "StringValue": "42"},
                        "b": {"DataType": "Binary", "BinaryValue": "AQID"},
                    },
                    "MessageSystemAttributes": {
                        "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"},
                    },
                    "MessageGroupId": "g",
                    "MessageDeduplicationId": "d",
                },
                {
                    "Id": "test_msg_002",
                    "MessageBody": "test message body 2",
                    "DelaySeconds": "60",
                    "MessageAttributes": {
                        "test_attribute_name_1": {
                            "StringValue": "test_attribute_value_1",
                            "DataType": "String",
                        },
                    },
                },
            ],
        })
    );
}

#[test]
fn set_queue_attributes() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-2:123456789012:MyQueue"}]}"#;
    let body = format!(
        "Action=SetQueueAttributes&QueueUrl={}&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=35\
         &Attribute.2.Name=Policy&Attribute.2.Value={}{COMMON}",
        url(),
        form_encoded(policy)
    );
    assert_eq!(
        decode("SetQueueAttributes", &body),
        json!({
            "QueueUrl": QUEUE_URL,
            "Attributes": {"VisibilityTimeout": "35", "Policy": policy},
        })
    );
}

#[test]
fn set_queue_attributes_takes_an_unindexed_attribute() {
    // The form of the SetQueueAttributes example in AWS's API reference.
    assert_eq!(
        decode(
            "SetQueueAttributes",
            "QueueUrl=u&Attribute.Name=VisibilityTimeout&Attribute.Value=35"
        ),
        json!({"QueueUrl": "u", "Attributes": {"VisibilityTimeout": "35"}})
    );
}

#[test]
fn start_message_move_task() {
    let body = format!(
        "Action=StartMessageMoveTask\
         &SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A555555555555%3AMyDeadLetterQueue\
         &DestinationArn=arn%3Aaws%3Asqs%3Aus-east-1%3A555555555555%3AMySourceQueue\
         &MaxNumberOfMessagesPerSecond=50{COMMON}"
    );
    assert_eq!(
        decode("StartMessageMoveTask", &body),
        json!({
            "SourceArn": "arn:aws:sqs:us-east-1:555555555555:MyDeadLetterQueue",
            "DestinationArn": "arn:aws:sqs:us-east-1:555555555555:MySourceQueue",
            "MaxNumberOfMessagesPerSecond": "50",
        })
    );
}

#[test]
fn tag_queue() {
    let body = format!(
        "Action=TagQueue&QueueUrl={}&Tag.1.Key=QueueType&Tag.1.Value=Production\
         &Tag.2.Key=Owner&Tag.2.Value=Developer123{COMMON}",
        url()
    );
    let expected = json!({
        "QueueUrl": QUEUE_URL,
        "Tags": {"QueueType": "Production", "Owner": "Developer123"},
    });
    assert_eq!(decode("TagQueue", &body), expected);
    assert_eq!(decode("TagQueue", &body.replace("Tag.", "Tags.")), expected);
}

#[test]
fn untag_queue() {
    let body = format!(
        "Action=UntagQueue&QueueUrl={}&TagKey.1=QueueType&TagKey.2=Owner{COMMON}",
        url()
    );
    assert_eq!(
        decode("UntagQueue", &body),
        json!({"QueueUrl": QUEUE_URL, "TagKeys": ["QueueType", "Owner"]})
    );
}

#[test]
fn empty_containers_as_clients_send_them() {
    // An empty list or map travels as its bare name with an empty value.
    assert_eq!(
        decode("GetQueueAttributes", "QueueUrl=u&AttributeNames="),
        json!({"QueueUrl": "u", "AttributeNames": []})
    );
    assert_eq!(
        decode("CreateQueue", "QueueName=q&Attribute=&Tag="),
        json!({"QueueName": "q", "Attributes": {}, "tags": {}})
    );
}

#[test]
fn unknown_parameters_are_ignored() {
    let body = "QueueUrl=u&Foo=1&Foo.1.Bar=2&QueueUrl.Extra=3&Attribute.1.Color=red\
                &SendMessageBatchRequestEntry.1.Id=x&MessageBody.1=z&AWSAccessKeyId=AKID\
                &Signature=sig&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=t&Expires=e";
    assert_eq!(decode("SetQueueAttributes", body), json!({"QueueUrl": "u"}));
    assert_eq!(
        decode(
            "SendMessageBatch",
            "SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.Colour=red\
             &SendMessageBatchRequestEntry.2.Colour=blue&SendMessageBatchRequestEntry.1.MessageAttribute.1.Nom=x"
        ),
        json!({"Entries": [{"Id": "a"}]})
    );
}

#[test]
fn empty_values_are_kept() {
    assert_eq!(
        decode(
            "SendMessage",
            "QueueUrl=u&MessageBody=&MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringValue=&MessageAttribute.1.Value.DataType=String"
        ),
        json!({
            "QueueUrl": "u",
            "MessageBody": "",
            "MessageAttributes": {"a": {"StringValue": "", "DataType": "String"}},
        })
    );
}

#[test]
fn every_action_is_known_and_decodes_an_empty_request() {
    let actions: Vec<_> = known_actions().collect();
    assert_eq!(
        actions,
        [
            "AddPermission",
            "CancelMessageMoveTask",
            "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
            "CreateQueue",
            "DeleteMessage",
            "DeleteMessageBatch",
            "DeleteQueue",
            "GetQueueAttributes",
            "GetQueueUrl",
            "ListDeadLetterSourceQueues",
            "ListMessageMoveTasks",
            "ListQueueTags",
            "ListQueues",
            "PurgeQueue",
            "ReceiveMessage",
            "RemovePermission",
            "SendMessage",
            "SendMessageBatch",
            "SetQueueAttributes",
            "StartMessageMoveTask",
            "TagQueue",
            "UntagQueue",
        ]
    );
    for action in actions {
        assert!(is_known_action(action));
        assert_eq!(decode_input(action, &[]), Ok(json!({})), "{action}");
    }
}

#[test]
fn unknown_actions_are_refused() {
    for action in [
        "",
        "createqueue",
        "CreateQueue ",
        "SendMessages",
        "ListQueue",
    ] {
        assert!(!is_known_action(action), "{action:?}");
        assert_eq!(
            decode_input(action, &[]),
            Err(QueryError::UnknownAction(action.to_owned()))
        );
    }
}
