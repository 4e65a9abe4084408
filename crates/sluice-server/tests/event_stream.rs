//! Event stream responses through the server's accept loop (with a router of our own),
//! over HTTP/1.1 (chunked) and HTTP/2 (DATA frames): each frame reaches the client as
//! it is produced, and decodes with the AWS SDK's event stream decoder, which checks
//! the prelude and message CRCs. The idle timeout does not cut a stream that is open.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::Message as Decoded;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use sluice_server::front::stream::{channel, event_stream_response};
use sluice_server::limits::Gates;
use sluice_server::server::{serve, Listener};
use sluice_server::wire::eventstream::{Message, CONTENT_TYPE, INITIAL_RESPONSE_EVENT};
use sluice_server::Limits;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Bound on waiting for something that should happen promptly.
const PROMPT: Duration = Duration::from_secs(5);
/// Data events each subscription sends after its initial response.
const EVENTS: usize = 5;
/// The idle timeout the test server runs with: shorter than the stream lasts.
const IDLE_TIMEOUT: Duration = Duration::from_millis(300);

/// A router whose every request is a subscription: the initial response, then one data
/// event each time `go` gets a permit (so each must reach the client before the next is
/// made), then an exception that ends it.
fn subscribe_router(go: Arc<Semaphore>) -> axum::Router {
    axum::Router::new().fallback(move || {
        let go = go.clone();
        async move {
            let (tx, body) = channel();
            tokio::spawn(async move {
                let initial = Message::event(INITIAL_RESPONSE_EVENT, "application/json", "{}");
                tx.send_event(&initial).await?;
                for i in 0..EVENTS {
                    go.acquire().await.expect("open").forget();
                    let payload = format!(r#"{{"ContinuationSequenceNumber":"{i}"}}"#);
                    let event =
                        Message::event("SubscribeToShardEvent", "application/json", payload);
                    tx.send_event(&event).await?;
                    // Longer than the idle timeout between some events: an open stream
                    // is not idle.
                    if i == 1 {
                        tokio::time::sleep(IDLE_TIMEOUT * 2).await;
                    }
                }
                let end = Message::exception(
                    "ResourceInUseException",
                    "application/json",
                    r#"{"message":"done"}"#,
                );
                tx.send_event(&end).await
            });
            event_stream_response("req-1", body)
        }
    })
}

async fn serve_subscriptions(go: Arc<Semaphore>) -> std::net::SocketAddr {
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    tokio::spawn(serve(
        vec![Listener { tcp, tls: None }],
        subscribe_router(go),
        Gates::new(Limits::default()),
        IDLE_TIMEOUT,
        std::future::pending(),
    ));
    addr
}

/// The string value of header `name`.
fn header(message: &Decoded, name: &str) -> String {
    let header = message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .unwrap_or_else(|| panic!("no {name}"));
    header.value().as_string().unwrap().as_str().to_owned()
}

/// Reads the stream, decoding each message as its bytes arrive and letting the server
/// make the next event only once this one is in.
async fn read_events(response: Response<Incoming>, go: &Semaphore) -> Vec<Decoded> {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], CONTENT_TYPE);
    assert_eq!(response.headers()["x-amzn-requestid"], "req-1");
    let mut body = response.into_body();
    let mut decoder = MessageFrameDecoder::new();
    let mut pending = BytesMut::new();
    let mut messages = Vec::new();
    loop {
        let frame = tokio::time::timeout(PROMPT, body.frame())
            .await
            .expect("the next frame arrives without the stream ending");
        let Some(frame) = frame else { break };
        let Ok(data) = frame.unwrap().into_data() else {
            continue;
        };
        pending.extend_from_slice(&data);
        while let DecodedFrame::Complete(message) = decoder
            .decode_frame(&mut pending)
            .expect("valid frame, CRCs and all")
        {
            if header(&message, ":message-type") == "event" {
                go.add_permits(1);
            }
            messages.push(message);
        }
    }
    assert!(pending.is_empty(), "no bytes after the last message");
    messages
}

fn check(messages: &[Decoded]) {
    assert_eq!(messages.len(), EVENTS + 2);
    assert_eq!(header(&messages[0], ":event-type"), INITIAL_RESPONSE_EVENT);
    assert_eq!(messages[0].payload(), &Bytes::from_static(b"{}"));
    for (i, event) in messages[1..=EVENTS].iter().enumerate() {
        assert_eq!(header(event, ":message-type"), "event");
        assert_eq!(header(event, ":event-type"), "SubscribeToShardEvent");
        assert_eq!(header(event, ":content-type"), "application/json");
        let payload: serde_json::Value = serde_json::from_slice(event.payload()).unwrap();
        assert_eq!(payload["ContinuationSequenceNumber"], i.to_string());
    }
    let end = &messages[EVENTS + 1];
    assert_eq!(header(end, ":message-type"), "exception");
    assert_eq!(header(end, ":exception-type"), "ResourceInUseException");
}

fn subscribe_request(version: Version, addr: std::net::SocketAddr) -> Request<Empty<Bytes>> {
    Request::post(format!("http://{addr}/"))
        .version(version)
        .header("host", addr.to_string())
        .body(Empty::new())
        .unwrap()
}

#[tokio::test]
async fn event_stream_over_http1_chunked() {
    let go = Arc::new(Semaphore::new(0));
    let addr = serve_subscriptions(go.clone()).await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let response = send
        .send_request(subscribe_request(Version::HTTP_11, addr))
        .await
        .unwrap();
    assert_eq!(response.version(), Version::HTTP_11);
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    check(&read_events(response, &go).await);
}

#[tokio::test]
async fn event_streams_over_http2_share_a_connection() {
    let go = Arc::new(Semaphore::new(0));
    let addr = serve_subscriptions(go.clone()).await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(conn);
    // Two subscriptions at once on one connection, each its own stream.
    let streams: Vec<_> = (0..2)
        .map(|_| {
            let mut send = send.clone();
            let go = go.clone();
            tokio::spawn(async move {
                let response = send
                    .send_request(subscribe_request(Version::HTTP_2, addr))
                    .await
                    .unwrap();
                assert_eq!(response.version(), Version::HTTP_2);
                read_events(response, &go).await
            })
        })
        .collect();
    for stream in streams {
        check(&stream.await.unwrap());
    }
}
