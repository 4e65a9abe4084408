//! The operation table: every SQS action by its AWS name, the typed input it decodes
//! to and the service method that answers it. Both wire protocols dispatch through
//! this one table.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sluice_core::sqs::{RequestContext, Sqs, SqsError, SqsErrorKind};

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

fn decode<T: DeserializeOwned>(params: Params<'_>) -> Result<T, SqsError> {
    let result = match params {
        Params::Json([]) => serde_json::from_slice(b"{}"),
        Params::Json(bytes) => serde_json::from_slice(bytes),
        Params::Value(value) => serde_json::from_value(value),
    };
    result
        .map_err(|e| SqsError::invalid_parameter(format!("The request could not be decoded: {e}")))
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
        pub const ACTIONS: &[&str] = &[$($name),*];

        /// Decodes `params` for `action`, runs it and encodes the reply.
        pub async fn dispatch(sqs: &Arc<Sqs>, ctx: &RequestContext, action: &str, params: Params<'_>) -> Result<Reply, SqsError> {
            let json = matches!(params, Params::Json(_));
            match action {
                $($name => {
                    let output = sqs.$method(ctx, decode(params)?).await?;
                    Ok(encode(json, &output))
                })*
                _ => Err(SqsError::new(
                    SqsErrorKind::InvalidAction,
                    format!("The action {action} is not valid for this endpoint."),
                )),
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
    "ReceiveMessage" => receive_message,
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
