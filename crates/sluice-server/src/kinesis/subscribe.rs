//! SubscribeToShard: an `application/vnd.amazon.eventstream` response. The first message
//! is the `initial-response` event; then each `SubscribeToShardEvent` is pushed as soon
//! as the shard's log reports new records (the core's subscription waits on the log's
//! watch: no polling), until the subscription's five minutes are up, the shard's end is
//! reached (the last event has no ContinuationSequenceNumber and names the ChildShards),
//! the client goes away, the server begins to stop (the stream then just ends, so the
//! connection can close), or a newer subscription of the same consumer to the same shard
//! takes over (allowed five seconds after the last; the older stream then just ends: AWS's
//! "previous connection expires"). An error mid-stream is an exception message, which
//! ends the stream. Errors before the stream starts (validation, a consumer or shard that
//! does not exist, a subscription too soon after another) are ordinary error responses.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use sluice_core::kinesis::api::SubscribeToShardInput;
use sluice_core::kinesis::names::parse_shard_id;
use sluice_core::kinesis::{Kinesis, KinesisContext, KinesisError, ShardSubscription};
use tokio::sync::{watch, Notify};

use super::codec::Codec;
use super::errors::{stream_exception_type, to_wire};
use crate::front::stream::{channel, event_stream_response, FrameSender};
use crate::front::AppState;
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

/// The live subscription of each consumer (by ARN) to each shard (by index): the one
/// stream that holds it, told to end when a newer one takes over.
#[derive(Debug, Default)]
pub struct LiveSubscriptions {
    live: parking_lot::Mutex<HashMap<(String, u32), Arc<Notify>>>,
}

impl LiveSubscriptions {
    /// Makes a new stream the holder of `key`, ending the one it takes over.
    fn take_over(self: &Arc<Self>, key: (String, u32)) -> Holder {
        let ended = Arc::new(Notify::new());
        if let Some(previous) = self.live.lock().insert(key.clone(), ended.clone()) {
            previous.notify_one();
        }
        Holder {
            live: self.clone(),
            key,
            ended,
        }
    }
}

/// A stream's hold on its subscription, let go when the stream ends.
struct Holder {
    live: Arc<LiveSubscriptions>,
    key: (String, u32),
    ended: Arc<Notify>,
}

impl Drop for Holder {
    fn drop(&mut self) {
        let mut live = self.live.live.lock();
        if live
            .get(&self.key)
            .is_some_and(|holder| Arc::ptr_eq(holder, &self.ended))
        {
            live.remove(&self.key);
        }
    }
}

pub async fn serve(
    app: &AppState,
    ctx: KinesisContext,
    codec: Codec,
    body: &[u8],
    request_id: &str,
) -> Response {
    let kinesis = app.kinesis.clone();
    let protocol = codec.protocol();
    let input: SubscribeToShardInput = match codec.decode(body) {
        Ok(input) => input,
        Err(e) => return error_reply(protocol, &e, request_id),
    };
    let key = (
        input.consumer_arn.clone().unwrap_or_default(),
        input
            .shard_id
            .as_deref()
            .and_then(parse_shard_id)
            .unwrap_or_default(),
    );
    let subscription = match kinesis.subscribe_to_shard(&ctx, input).await {
        Ok(subscription) => subscription,
        Err(e) => return error_reply(protocol, &to_wire(&e), request_id),
    };
    let holder = app.kinesis_subscriptions.take_over(key);
    let (sender, stream_body) = channel();
    tokio::spawn(push(
        kinesis,
        subscription,
        sender,
        codec,
        app.stopping.clone(),
        holder,
    ));
    event_stream_response(request_id, stream_body)
}

/// Sends the subscription's events until it ends or the client leaves.
async fn push(
    kinesis: Arc<Kinesis>,
    mut subscription: ShardSubscription,
    sender: FrameSender,
    codec: Codec,
    mut stopping: watch::Receiver<bool>,
    holder: Holder,
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
            () = holder.ended.notified() => return,
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
