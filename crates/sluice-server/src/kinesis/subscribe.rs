//! SubscribeToShard: an `application/vnd.amazon.eventstream` response. The first message
//! is the `initial-response` event; then each `SubscribeToShardEvent` is pushed as soon
//! as the shard's log reports new records (the core's subscription waits on the log's
//! watch: no polling), until the subscription's five minutes are up, the shard's end is
//! reached (the last event has no ContinuationSequenceNumber and names the ChildShards),
//! the client goes away, or the server begins to stop (the stream then just ends, so the
//! connection can close). An error mid-stream is an exception message, which ends the
//! stream. Errors before the stream starts (validation, a consumer or shard that does
//! not exist, a subscription too soon after another) are ordinary error responses.

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use sluice_core::kinesis::api::SubscribeToShardInput;
use sluice_core::kinesis::{Kinesis, KinesisContext, KinesisError, ShardSubscription};
use tokio::sync::watch;

use super::codec::Codec;
use super::errors::{stream_exception_type, to_wire};
use crate::front::stream::{channel, event_stream_response, FrameSender};
use crate::wire::error_reply;
use crate::wire::eventstream::{Message, INITIAL_RESPONSE_EVENT};

/// The event type of each batch of records.
pub const SUBSCRIBE_EVENT: &str = "SubscribeToShardEvent";

/// The content type of each event's payload.
fn payload_content_type(codec: Codec) -> &'static str {
    match codec {
        Codec::Json => "application/json",
        Codec::Cbor => crate::wire::CBOR_1_1_CONTENT_TYPE,
    }
}

pub async fn serve(
    kinesis: Arc<Kinesis>,
    ctx: KinesisContext,
    codec: Codec,
    body: &[u8],
    request_id: &str,
    stopping: watch::Receiver<bool>,
) -> Response {
    let protocol = codec.protocol();
    let input: SubscribeToShardInput = match codec.decode(body) {
        Ok(input) => input,
        Err(e) => return error_reply(protocol, &e, request_id),
    };
    let subscription = match kinesis.subscribe_to_shard(&ctx, input).await {
        Ok(subscription) => subscription,
        Err(e) => return error_reply(protocol, &to_wire(&e), request_id),
    };
    let (sender, stream_body) = channel();
    tokio::spawn(push(kinesis, subscription, sender, codec, stopping));
    event_stream_response(request_id, stream_body)
}

/// Sends the subscription's events until it ends or the client leaves.
async fn push(
    kinesis: Arc<Kinesis>,
    mut subscription: ShardSubscription,
    sender: FrameSender,
    codec: Codec,
    mut stopping: watch::Receiver<bool>,
) {
    let content_type = payload_content_type(codec);
    let initial = Message::event(
        INITIAL_RESPONSE_EVENT,
        content_type,
        codec.encode(&serde_json::json!({})),
    );
    if sender.send_event(&initial).await.is_err() {
        return;
    }
    loop {
        // The subscription ends on the service clock; sleep at most until then.
        let left_ms = subscription.ends_at_ms().saturating_sub(kinesis.now());
        let next = tokio::select! {
            next = subscription.next_event() => next,
            () = tokio::time::sleep(Duration::from_millis(left_ms)) => None,
            () = sender.closed() => return,
            _ = stopping.wait_for(|stopping| *stopping) => return,
        };
        let message = match next {
            None => return,
            Some(Ok(event)) => Message::event(SUBSCRIBE_EVENT, content_type, codec.encode(&event)),
            Some(Err(e)) => exception(&e, codec),
        };
        let failed = message.header(":message-type") == Some("exception");
        if sender.send_event(&message).await.is_err() || failed {
            return;
        }
    }
}

fn exception(e: &KinesisError, codec: Codec) -> Message {
    Message::exception(
        stream_exception_type(e.kind),
        payload_content_type(codec),
        codec.encode(&serde_json::json!({ "message": e.message })),
    )
}
