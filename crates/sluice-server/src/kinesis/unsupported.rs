//! The actions of Kinesis's current model that Sluice does not have: channels (delivery
//! to S3), Kinesis queues and their dead-letter records, and record distribution
//! strategies. They answer as AWS does in an account that has none of them: lists are
//! empty, and a named channel or queue does not exist. Creating one, or changing a
//! stream's distribution strategy, is refused with InvalidArgumentException naming the
//! feature as not supported by Sluice; none is a silent success.

use serde_json::{json, Value};
use sluice_core::kinesis::{KinesisError, KinesisErrorKind};

use super::codec::Codec;
use super::errors::to_wire;
use crate::wire::WireError;

/// The model's actions answered here.
pub const ACTIONS: &[&str] = &[
    "AcknowledgeDeadLetterQueueRecords",
    "AcknowledgeQueueRecords",
    "CreateChannel",
    "CreateQueue",
    "DeleteChannel",
    "DeleteQueue",
    "DescribeChannel",
    "DescribeQueue",
    "ListChannels",
    "ListQueues",
    "ReceiveDeadLetterQueueRecords",
    "ReceiveQueueRecords",
    "RestoreDeadLetterQueueRecords",
    "UpdateChannel",
    "UpdateDeadLetterQueueRecordsVisibility",
    "UpdateQueue",
    "UpdateQueueRecordsVisibility",
    "UpdateStreamRecordDistributionStrategy",
];

/// Answers one of [`ACTIONS`]; `None` for any other action.
pub fn answer(action: &str, codec: Codec, body: &[u8]) -> Option<Result<Vec<u8>, WireError>> {
    if !ACTIONS.contains(&action) {
        return None;
    }
    Some(run(action, codec, body))
}

fn run(action: &str, codec: Codec, body: &[u8]) -> Result<Vec<u8>, WireError> {
    let input: Value = codec.decode(body)?;
    let member = |name: &str, quoted: &str| -> Result<String, WireError> {
        match input.get(name).and_then(Value::as_str) {
            Some(v) => Ok(v.to_owned()),
            None => Err(to_wire(&KinesisError::new(
                KinesisErrorKind::Validation,
                format!(
                    "1 validation error detected: Value null at '{quoted}' failed to satisfy \
                     constraint: Member must not be null"
                ),
            ))),
        }
    };
    let not_found = |what: &str, arn: &str| {
        to_wire(&KinesisError::new(
            KinesisErrorKind::ResourceNotFound,
            format!("{what} {arn} not found."),
        ))
    };
    let not_supported = |feature: &str| {
        to_wire(&KinesisError::invalid_argument(format!(
            "{feature} are not supported by Sluice."
        )))
    };
    match action {
        "ListChannels" => Ok(codec.encode(&json!({ "ChannelSummaries": [] }))),
        "ListQueues" => Ok(codec.encode(&json!({ "QueueSummaries": [] }))),
        "CreateChannel" => Err(not_supported("Kinesis channels")),
        "CreateQueue" => Err(not_supported("Kinesis queues")),
        "UpdateStreamRecordDistributionStrategy" => {
            member("StreamARN", "streamARN")?;
            Err(not_supported("Record distribution strategies"))
        }
        "DeleteChannel" | "DescribeChannel" | "UpdateChannel" => {
            let arn = member("ChannelARN", "channelARN")?;
            Err(not_found("Channel", &arn))
        }
        _ => {
            let arn = member("QueueARN", "queueARN")?;
            Err(not_found("Queue", &arn))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_empty_and_named_resources_are_missing() {
        let out = answer("ListQueues", Codec::Json, b"{}").unwrap().unwrap();
        assert_eq!(out, br#"{"QueueSummaries":[]}"#);
        let e = answer("DescribeChannel", Codec::Json, br#"{"ChannelARN":"arn:c"}"#)
            .unwrap()
            .unwrap_err();
        assert_eq!(e.json_type, "ResourceNotFoundException");
        let e = answer("CreateQueue", Codec::Json, b"{}")
            .unwrap()
            .unwrap_err();
        assert!(e.message.contains("Sluice"), "{e:?}");
        let e = answer("ReceiveQueueRecords", Codec::Json, b"{}")
            .unwrap()
            .unwrap_err();
        assert_eq!(e.json_type, "ValidationException");
        assert!(answer("PutRecord", Codec::Json, b"{}").is_none());
    }
}
