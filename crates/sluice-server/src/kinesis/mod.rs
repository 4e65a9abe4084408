//! The Kinesis wire front: AWS JSON 1.1 (`X-Amz-Target: Kinesis_20131202.PutRecord`,
//! `application/x-amz-json-1.1`) and AWS CBOR 1.1 (`application/x-amz-cbor-1.1`), over
//! HTTP/1.1 or HTTP/2, with one operation table for both spellings.
//!
//! - `codec.rs`: JSON or CBOR, by the request's content type.
//! - `operations.rs`: each action's input shape and service method.
//! - `subscribe.rs`: SubscribeToShard's event stream.
//! - `unsupported.rs`: the model's actions Sluice does not have.
//! - `errors.rs`: the error table.
//!
//! No answer ever carries a `StreamId`: the SDKs' endpoint rules send a request that
//! carries one to an amazonaws.com host, whatever endpoint they were given. The core's
//! shapes have no such member.

mod background;
mod codec;
mod errors;
mod operations;
mod subscribe;
mod unsupported;

use std::sync::Arc;

use axum::response::Response;
use sluice_core::kinesis::KinesisContext;
use tracing::Instrument as _;

use crate::front::{AppState, Incoming};
use crate::wire::{error_reply, typed_reply, unknown_operation};
pub use background::start;
use codec::Codec;
pub use subscribe::LiveSubscriptions;

/// The `X-Amz-Target` prefix of Kinesis actions, before the dot.
pub const JSON_TARGET_PREFIX: &str = "Kinesis_20131202";
/// The signing name of Kinesis in SigV4 credential scopes.
pub const SIGNING_NAME: &str = "kinesis";

/// `action` as a label from the fixed set of Kinesis actions, if it is one.
pub fn action_label(action: &str) -> Option<&'static str> {
    std::iter::once("SubscribeToShard")
        .chain(operations::ACTIONS.iter().copied())
        .chain(unsupported::ACTIONS.iter().copied())
        .find(|a| *a == action)
}

/// Whether `action` is one this server answers (served, or answered as unsupported).
pub fn is_action(action: &str) -> bool {
    action_label(action).is_some()
}

pub async fn serve(app: Arc<AppState>, request: Incoming) -> Response {
    let codec = Codec::of(request.header("content-type"));
    let action = request.target_action.clone().unwrap_or_default();
    let ctx = KinesisContext {
        region: request.region(&app.region),
        account_id: request.authenticated.account_id(&app.account_id),
        access: request.access(&action),
    };
    let request_id = request.request_id.clone();
    if action == "SubscribeToShard" {
        return subscribe::serve(&app, ctx, codec, &request.body, &request_id).await;
    }
    // Each action runs to its end in its own task: a client that goes away mid-request
    // cannot cut a write short between its durable steps.
    let body = request.body;
    let kinesis = app.kinesis.clone();
    let result = tokio::spawn(
        async move {
            if let Some(result) = operations::dispatch(&kinesis, &ctx, &action, codec, &body).await
            {
                return result;
            }
            unsupported::answer(&action, codec, &body).unwrap_or_else(|| Err(unknown_operation()))
        }
        .instrument(tracing::Span::current()),
    )
    .await;
    let result = result.unwrap_or_else(|_| {
        Err(errors::to_wire(
            &sluice_core::kinesis::KinesisError::internal("The request failed unexpectedly."),
        ))
    });
    match result {
        Ok(bytes) => typed_reply(codec.content_type(), bytes, &request_id),
        Err(e) => error_reply(codec.protocol(), &e, &request_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_of_the_model_is_answered() {
        // The 57 operations of botocore's kinesis 2013-12-02 model.
        let served = operations::ACTIONS.len() + unsupported::ACTIONS.len() + 1;
        assert_eq!(served, 57);
        assert!(is_action("PutRecords"));
        assert!(is_action("ListChannels"));
        assert!(!is_action("ListTables"));
    }
}
