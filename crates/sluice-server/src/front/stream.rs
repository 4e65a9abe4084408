//! Responses that stream: a body fed frame by frame through a bounded channel, sent as
//! each frame is produced (HTTP/1.1 chunks, HTTP/2 DATA frames), for event streams
//! (`wire/eventstream.rs`).
//!
//! The channel is bounded, so a client that reads slowly slows its producer rather than
//! making the server buffer without limit; a client that goes away closes the channel,
//! which the producer sees on its next send (or waits for with [`FrameSender::closed`]).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::mpsc;

use crate::wire::eventstream::{EncodeError, Message, CONTENT_TYPE};

/// Frames a streaming response holds ready before its producer waits for the client.
pub const STREAM_BUFFER_FRAMES: usize = 8;

/// The producing end of a streaming body.
#[derive(Debug, Clone)]
pub struct FrameSender {
    tx: mpsc::Sender<Bytes>,
}

/// The client is gone: the response body was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the response stream is closed")]
pub struct StreamClosed;

/// Why an event could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendEventError {
    #[error(transparent)]
    Closed(#[from] StreamClosed),
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl FrameSender {
    /// Sends one frame, waiting while the buffer is full.
    pub async fn send(&self, frame: Bytes) -> Result<(), StreamClosed> {
        self.tx.send(frame).await.map_err(|_| StreamClosed)
    }

    /// Frames `message` and sends it.
    pub async fn send_event(&self, message: &Message) -> Result<(), SendEventError> {
        Ok(self.send(message.encode()?).await?)
    }

    /// Whether the client is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Completes when the client is gone.
    pub async fn closed(&self) {
        self.tx.closed().await
    }
}

/// A response body that yields the frames sent through its [`FrameSender`]s, and ends
/// when all of them are dropped.
#[derive(Debug)]
pub struct StreamBody {
    rx: mpsc::Receiver<Bytes>,
}

/// A streaming body and the sender that feeds it.
pub fn channel() -> (FrameSender, StreamBody) {
    let (tx, rx) = mpsc::channel(STREAM_BUFFER_FRAMES);
    (FrameSender { tx }, StreamBody { rx })
}

impl hyper::body::Body for StreamBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx
            .poll_recv(cx)
            .map(|frame| frame.map(|data| Ok(Frame::data(data))))
    }

    fn size_hint(&self) -> SizeHint {
        // Unknown: HTTP/1.1 sends it chunked.
        SizeHint::default()
    }
}

/// A 200 event stream response over `body`, with the request id AWS's responses carry.
pub fn event_stream_response(request_id: &str, body: StreamBody) -> Response {
    let mut response = Response::new(Body::new(body));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn frames_arrive_as_sent_and_the_body_ends_with_its_senders() {
        let (tx, mut body) = channel();
        tx.send(Bytes::from_static(b"one")).await.unwrap();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first, "one");
        let second = tx.clone();
        second.send(Bytes::from_static(b"two")).await.unwrap();
        drop((tx, second));
        let rest = body.collect().await.unwrap().to_bytes();
        assert_eq!(rest, "two");
    }

    #[tokio::test]
    async fn a_dropped_body_closes_the_sender() {
        let (tx, body) = channel();
        assert!(!tx.is_closed());
        drop(body);
        tx.closed().await;
        assert_eq!(tx.send(Bytes::new()).await, Err(StreamClosed));
    }
}
