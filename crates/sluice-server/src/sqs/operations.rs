//! The operation table: every SQS action by its AWS name, the typed input it decodes
//! to and the service method that answers it. Both wire protocols dispatch through
//! this one table. A ReceiveMessage is handed to the long-poll gate between decoding
//! and running, so the request is decoded once.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sluice_core::sqs::api::ReceiveMessageInput;
use sluice_core::sqs::{RequestContext, Sqs, SqsError};

use super::json_shape;
use crate::wire::{serialization_error, WireError};

/// A request's parameters, in the form its protocol delivered them.
pub enum Params<'a> {
    /// An AWS JSON 1.0 body.
    Json(&'a [u8]),
    /// Query parameters already translated to the JSON shape.
    Value(serde_json::Value),
}

/// A reply, in the form its protocol will encode.
pub enum Reply {
    Json(Vec<u8>),
    Value(serde_json::Value),
}

/// Why an operation did not answer: the service refused it, or its input could not
/// be read.
pub enum Failure {
    Sqs(SqsError),
    Wire(WireError),
}

impl From<SqsError> for Failure {
    fn from(e: SqsError) -> Self {
        Failure::Sqs(e)
    }
}

fn decode<T: DeserializeOwned>(action: &str, params: Params<'_>) -> Result<T, Failure> {
    match params {
        Params::Json(bytes) => {
            // An empty body is an empty input, as AWS takes it.
            let bytes = if bytes.is_empty() { b"{}" } else { bytes };
            json_shape::check_input(action, bytes)
                .map_err(|message| Failure::Wire(serialization_error(message)))?;
            serde_json::from_slice(bytes)
                .map_err(|e| Failure::Wire(serialization_error(Some(e.to_string()))))
        }
        Params::Value(value) => serde_json::from_value(value).map_err(|e| {
            Failure::Sqs(SqsError::invalid_parameter(format!(
                "The request could not be decoded: {e}"
            )))
        }),
    }
}

fn encode<T: Serialize>(json: bool, output: &T) -> Reply {
    if json {
        Reply::Json(serde_json::to_vec(output).expect("outputs always serialise"))
    } else {
        Reply::Value(serde_json::to_value(output).expect("outputs always serialise"))
    }
}

macro_rules! operations {
    ($($name:literal => $method:ident),* $(,)?) => {
        /// Every action this server answers.
        pub const ACTIONS: &[&str] = &["ReceiveMessage", $($name),*];

        /// Decodes `params` for `action`, runs it and encodes the reply. A
        /// ReceiveMessage passes through `gate` first, which may shorten its wait.
        pub async fn dispatch(
            sqs: &Arc<Sqs>,
            ctx: &RequestContext,
            action: &str,
            params: Params<'_>,
            gate: impl FnOnce(&mut ReceiveMessageInput),
        ) -> Result<Reply, Failure> {
            let json = matches!(params, Params::Json(_));
            match action {
                "ReceiveMessage" => {
                    let mut input: ReceiveMessageInput = decode(action, params)?;
                    gate(&mut input);
                    let output = sqs.receive_message(ctx, input).await?;
                    Ok(encode(json, &output))
                }
                $($name => {
                    let output = sqs.$method(ctx, decode(action, params)?).await?;
                    Ok(encode(json, &output))
                })*
                _ => Err(Failure::Wire(crate::wire::unknown_operation())),
            }
        }
    };
}

operations! {
    "CreateQueue" => create_queue,
    "GetQueueUrl" => get_queue_url,
    "ListQueues" => list_queues,
    "DeleteQueue" => delete_queue,
    "GetQueueAttributes" => get_queue_attributes,
    "SetQueueAttributes" => set_queue_attributes,
    "PurgeQueue" => purge_queue,
    "SendMessage" => send_message,
    "SendMessageBatch" => send_message_batch,
    "DeleteMessage" => delete_message,
    "DeleteMessageBatch" => delete_message_batch,
    "ChangeMessageVisibility" => change_message_visibility,
    "ChangeMessageVisibilityBatch" => change_message_visibility_batch,
    "TagQueue" => tag_queue,
    "UntagQueue" => untag_queue,
    "ListQueueTags" => list_queue_tags,
    "ListDeadLetterSourceQueues" => list_dead_letter_source_queues,
    "StartMessageMoveTask" => start_message_move_task,
    "CancelMessageMoveTask" => cancel_message_move_task,
    "ListMessageMoveTasks" => list_message_move_tasks,
    "AddPermission" => add_permission,
    "RemovePermission" => remove_permission,
}
