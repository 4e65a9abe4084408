//! The server's resource bounds, each against an in-process server with a small value:
//! oversized bodies, the connection limit, the idle timeout, the bound on waiting long
//! polls and the bound on requests in progress. Timeouts here are network timeouts, so
//! they run on the wall clock, with short settings and generous upper bounds.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;
use common::{sdk_client, ACCESS_KEY, REGION};
use sluice_server::{Config, Limits, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bound on waiting for something that should happen promptly.
const PROMPT: Duration = Duration::from_secs(5);

async fn start(limits: Limits) -> RunningServer {
    sluice_server::start(Config {
        limits,
        ..Config::ephemeral()
    })
    .await
    .expect("server starts")
}

async fn create_queue(client: &Client, name: &str) -> String {
    client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("queue created")
        .queue_url
        .expect("queue url")
}

/// Waits (bounded) until `check` holds.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + PROMPT;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ---- A bare HTTP/1.1 client, for control over connections and partial requests ----

#[derive(Debug)]
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn json_request(action: &str, body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AmazonSQS.{action}\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn query_request(form: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .into_bytes()
}

/// Reads one response (with a Content-Length body). None: the connection closed first.
async fn read_response(stream: &mut TcpStream) -> std::io::Result<Option<Raw>> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().expect("a numeric content-length"))
        .expect("responses carry a content-length");
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(Raw {
        status,
        headers,
        body: String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string(),
    }))
}

async fn exchange(stream: &mut TcpStream, request: &[u8]) -> Raw {
    stream.write_all(request).await.expect("request written");
    tokio::time::timeout(PROMPT, read_response(stream))
        .await
        .expect("a prompt response")
        .expect("a readable response")
        .expect("a response before the connection closed")
}

/// How long until the server closes `stream` (reading and discarding whatever it
/// sends first), or None if it stays open for `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let wait_for_close = async {
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, wait_for_close).await.ok()
}

// ---- Request body limit ----

#[tokio::test]
async fn oversized_bodies_get_an_aws_error_in_the_protocol_spoken_and_serving_goes_on() {
    const MAX: usize = 64 * 1024;
    let server = start(Limits {
        max_request_bytes: MAX,
        ..Limits::default()
    })
    .await;
    let endpoint = server.endpoint_url();
    let client = sdk_client(&endpoint);
    let url = create_queue(&client, "big").await;

    // Through the SDK (JSON 1.0): a modelled-looking error it can read.
    let err = client
        .send_message()
        .queue_url(&url)
        .message_body("a".repeat(100_000))
        .send()
        .await
        .expect_err("an oversized request is refused");
    assert_eq!(err.code(), Some("RequestEntityTooLarge"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(413));
    // The same client goes on working.
    client
        .send_message()
        .queue_url(&url)
        .message_body("small")
        .send()
        .await
        .expect("a small send after the refusal");

    let http = reqwest::Client::new();
    // JSON 1.0: `__type`, the query-compatible header and a JSON content type.
    let body = serde_json::json!({ "QueueUrl": url, "MessageBody": "b".repeat(MAX) }).to_string();
    let response = http
        .post(&endpoint)
        .header("x-amz-target", "AmazonSQS.SendMessage")
        .header("content-type", "application/x-amz-json-1.0")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let headers = response.headers().clone();
    assert_eq!(
        headers["x-amzn-query-error"].to_str().unwrap(),
        "RequestEntityTooLarge;Sender"
    );
    assert_eq!(
        headers["content-type"].to_str().unwrap(),
        "application/x-amz-json-1.0"
    );
    assert!(headers.contains_key("x-amzn-requestid"));
    let error: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert!(
        error["__type"]
            .as_str()
            .unwrap()
            .ends_with("#RequestEntityTooLarge"),
        "{error}"
    );
    assert!(
        error["message"].as_str().unwrap().contains("65536"),
        "{error}"
    );

    // Query: an XML ErrorResponse.
    let form = format!(
        "Action=SendMessage&QueueUrl={}&MessageBody={}",
        url.replace(':', "%3A").replace('/', "%2F"),
        "c".repeat(MAX)
    );
    let response = http
        .post(&endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/xml"
    );
    let xml = response.text().await.unwrap();
    assert!(xml.contains("<ErrorResponse"), "{xml}");
    assert!(xml.contains("<Code>RequestEntityTooLarge</Code>"), "{xml}");
    assert!(xml.contains("<Type>Sender</Type>"), "{xml}");

    // A body of exactly the limit is accepted.
    let mut exact = serde_json::json!({ "QueueUrl": url, "MessageBody": "exact" }).to_string();
    exact.push_str(&" ".repeat(MAX - exact.len()));
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let ok = exchange(&mut stream, &json_request("SendMessage", &exact)).await;
    assert_eq!(ok.status, 200, "{ok:?}");

    // On one keep-alive connection: the refusal, then an ordinary request.
    let refused = exchange(&mut stream, &query_request(&"d".repeat(MAX + 1))).await;
    assert_eq!(refused.status, 413);
    assert!(refused.body.contains("RequestEntityTooLarge"));
    let listed = exchange(&mut stream, &json_request("ListQueues", "{}")).await;
    assert_eq!(listed.status, 200, "{listed:?}");

    // A body declared far larger than could ever be read is refused before reading,
    // and that connection is closed.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let huge = "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n\
                Content-Type: application/x-amz-json-1.0\r\nContent-Length: 1073741824\r\n\r\n{";
    let refused = exchange(&mut stream, huge.as_bytes()).await;
    assert_eq!(refused.status, 413);
    assert_eq!(
        refused.header("x-amzn-query-error"),
        Some("RequestEntityTooLarge;Sender")
    );
    assert!(closed_within(&mut stream, PROMPT).await.is_some());

    // Still serving.
    let listed = client.list_queues().send().await.unwrap();
    assert_eq!(listed.queue_urls().len(), 1);
    server.shutdown().await.unwrap();
}

// ---- Connection limit ----

#[tokio::test]
async fn connections_beyond_the_limit_wait_and_are_served_once_others_close() {
    const MAX: usize = 3;
    const MORE: usize = 40;
    let server = start(Limits {
        max_connections: MAX,
        idle_timeout_ms: 30_000,
        ..Limits::default()
    })
    .await;
    let list = json_request("ListQueues", "{}");

    // MAX keep-alive connections, each having been served once, stay open.
    let mut held = Vec::new();
    for _ in 0..MAX {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        assert_eq!(exchange(&mut stream, &list).await.status, 200);
        held.push(stream);
    }
    assert_eq!(server.load().connections, MAX);

    // MORE further connections each send a request: the kernel completes their
    // handshakes, but the server takes none of them while MAX are open.
    let mut waiting = Vec::new();
    for _ in 0..MORE {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        let request = list.clone();
        waiting.push(tokio::spawn(async move {
            stream.write_all(&request).await.unwrap();
            let response =
                tokio::time::timeout(Duration::from_secs(20), read_response(&mut stream))
                    .await
                    .expect("served once connections free up")
                    .expect("a readable response")
                    .expect("a response");
            response.status
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        waiting.iter().all(|t| !t.is_finished()),
        "a connection over the limit was served"
    );
    assert_eq!(server.load().connections, MAX);

    // Once the held connections close, every waiting one is served in turn (each
    // closes after its answer, freeing its place).
    drop(held);
    for task in waiting {
        assert_eq!(task.await.unwrap(), 200);
    }
    eventually("every connection is closed", || {
        server.load().connections == 0
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    assert_eq!(exchange(&mut stream, &list).await.status, 200);
    drop(stream);
    server.shutdown().await.unwrap();
}

// ---- Idle and slow connections ----

#[tokio::test]
async fn idle_and_slow_connections_are_closed_after_the_idle_timeout() {
    const IDLE: Duration = Duration::from_millis(400);
    let server = start(Limits {
        idle_timeout_ms: IDLE.as_millis() as u64,
        ..Limits::default()
    })
    .await;
    let early = IDLE * 3 / 4;
    let late = IDLE + Duration::from_secs(3);
    let list = json_request("ListQueues", "{}");

    // A connection that never sends anything.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let closed = closed_within(&mut silent, late)
        .await
        .expect("silent connection closed");
    assert!(closed >= early, "closed after {closed:?}");

    // A keep-alive connection, idle after one request.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    assert_eq!(exchange(&mut idle, &list).await.status, 200);
    let closed = closed_within(&mut idle, late)
        .await
        .expect("idle connection closed");
    assert!(closed >= early, "closed after {closed:?}");

    // A client trickling its request head a line at a time is closed on the same
    // clock, and serves no one any slower meanwhile.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    slow.write_all(b"POST / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let (mut slow_read, mut slow_write) = slow.into_split();
    let trickle = tokio::spawn(async move {
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if slow_write
                .write_all(format!("X-Slow-{i}: x\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let mut other = TcpStream::connect(server.addr).await.unwrap();
    let t = Instant::now();
    assert_eq!(exchange(&mut other, &list).await.status, 200);
    assert!(t.elapsed() < Duration::from_secs(1));
    let mut sink = Vec::new();
    tokio::time::timeout(late, slow_read.read_to_end(&mut sink))
        .await
        .expect("slow connection closed")
        .ok();
    let closed = started.elapsed();
    assert!(closed >= early && closed < late, "closed after {closed:?}");
    trickle.abort();

    // A body that stops arriving: answered with a retryable RequestTimeout, and closed.
    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    stalled
        .write_all(
            b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n\
              Content-Type: application/x-amz-json-1.0\r\nContent-Length: 100\r\n\r\n{\"Queue",
        )
        .await
        .unwrap();
    let t = Instant::now();
    let answer = tokio::time::timeout(late, read_response(&mut stalled))
        .await
        .expect("an answer to the stalled body")
        .unwrap()
        .expect("a response");
    assert!(t.elapsed() >= early, "answered after {:?}", t.elapsed());
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.header("x-amzn-query-error"),
        Some("RequestTimeout;Sender")
    );
    assert!(closed_within(&mut stalled, PROMPT).await.is_some());

    // A request in progress is not idle: a long poll longer than the idle timeout
    // completes on its connection.
    let client = sdk_client(&server.endpoint_url());
    let url = create_queue(&client, "idle").await;
    let mut polling = TcpStream::connect(server.addr).await.unwrap();
    let t = Instant::now();
    let body = serde_json::json!({ "QueueUrl": url, "WaitTimeSeconds": 1 }).to_string();
    let answer = exchange(&mut polling, &json_request("ReceiveMessage", &body)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(t.elapsed() >= Duration::from_millis(900));
    server.shutdown().await.unwrap();
}

// ---- Waiting long polls ----

#[tokio::test]
async fn long_polls_over_the_bound_are_answered_at_once_and_the_others_keep_waiting() {
    const K: usize = 2;
    let server = start(Limits {
        max_waiting_receives: K,
        ..Limits::default()
    })
    .await;
    let client = sdk_client(&server.endpoint_url());
    let url = client
        .create_queue()
        .queue_name("polled")
        .attributes(QueueAttributeName::ReceiveMessageWaitTimeSeconds, "20")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();

    let long_poll = |client: Client, url: String| async move {
        client
            .receive_message()
            .queue_url(url)
            .wait_time_seconds(20)
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default()
    };
    let first: Vec<_> = (0..K)
        .map(|_| tokio::spawn(long_poll(client.clone(), url.clone())))
        .collect();
    eventually("the first long polls wait", || {
        server.load().waiting_receives == K
    })
    .await;
    // Waiting long polls are not requests in progress.
    assert_eq!(server.load().inflight_requests, 0);

    // The next long poll, in either protocol and whether it names its wait or takes the
    // queue's, is answered at once, empty.
    let t = Instant::now();
    let got = long_poll(client.clone(), url.clone()).await;
    assert!(got.is_empty());
    let got = client
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert!(got.is_empty());
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let form = format!(
        "Action=ReceiveMessage&WaitTimeSeconds=20&QueueUrl={}",
        url.replace(':', "%3A").replace('/', "%2F")
    );
    let answer = exchange(&mut stream, &query_request(&form)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.contains("<ReceiveMessageResult"), "{answer:?}");
    assert!(!answer.body.contains("<Message>"), "{answer:?}");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );

    // The first K are still waiting, and get the messages when they come.
    assert!(first.iter().all(|t| !t.is_finished()));
    assert_eq!(server.load().waiting_receives, K);
    for i in 0..K {
        client
            .send_message()
            .queue_url(&url)
            .message_body(format!("m{i}"))
            .send()
            .await
            .unwrap();
    }
    let mut bodies = Vec::new();
    for task in first {
        let messages = tokio::time::timeout(PROMPT, task)
            .await
            .expect("a waiting long poll is answered when messages arrive")
            .unwrap();
        bodies.extend(messages.into_iter().filter_map(|m| m.body));
    }
    bodies.sort();
    assert_eq!(bodies, ["m0", "m1"]);

    // Their places are free again: a new long poll waits, then gets its message.
    assert_eq!(server.load().waiting_receives, 0);
    let again = tokio::spawn(long_poll(client.clone(), url.clone()));
    eventually("the new long poll waits", || {
        server.load().waiting_receives == 1
    })
    .await;
    client
        .send_message()
        .queue_url(&url)
        .message_body("later")
        .send()
        .await
        .unwrap();
    let messages = tokio::time::timeout(PROMPT, again).await.unwrap().unwrap();
    assert_eq!(messages[0].body(), Some("later"));
    server.shutdown().await.unwrap();
}

// ---- Requests in progress ----

/// Starts a ListQueues whose body stops half-way, so the request stays in progress.
async fn stalled_request(server: &RunningServer) -> (TcpStream, String) {
    let mut body = r#"{"QueueNamePrefix":"q"}"#.to_owned();
    body.push_str(&" ".repeat(200 - body.len()));
    let request = String::from_utf8(json_request("ListQueues", &body)).unwrap();
    let (first, rest) = request.split_at(request.len() - 100);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(first.as_bytes()).await.unwrap();
    (stream, rest.to_owned())
}

fn throttled_json(status: u16, headers: &reqwest::header::HeaderMap, body: &str) {
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        headers["x-amzn-query-error"].to_str().unwrap(),
        "ServiceUnavailable;Receiver"
    );
    let error: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(error["__type"]
        .as_str()
        .unwrap()
        .ends_with("#ServiceUnavailable"));
}

#[tokio::test]
async fn requests_over_the_inflight_bound_get_a_retryable_503_and_the_server_recovers() {
    const MAX: usize = 2;
    let server = start(Limits {
        max_inflight_requests: MAX,
        idle_timeout_ms: 20_000,
        ..Limits::default()
    })
    .await;
    let endpoint = server.endpoint_url();
    let client = sdk_client(&endpoint);
    let url = create_queue(&client, "busy").await;
    let http = reqwest::Client::new();

    // Long polls waiting do not count against the bound.
    let polls: Vec<_> = (0..5)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                client
                    .receive_message()
                    .queue_url(url)
                    .wait_time_seconds(20)
                    .send()
                    .await
            })
        })
        .collect();
    eventually("five long polls wait", || {
        server.load().waiting_receives == 5
    })
    .await;
    assert_eq!(server.load().inflight_requests, 0);
    client
        .list_queues()
        .send()
        .await
        .expect("served beside the long polls");

    // Fill the bound with two requests whose bodies are still on their way.
    let mut stalled = Vec::new();
    for _ in 0..MAX {
        stalled.push(stalled_request(&server).await);
    }
    eventually("the bound is full", || {
        server.load().inflight_requests == MAX
    })
    .await;

    // JSON 1.0.
    let response = http
        .post(&endpoint)
        .header("x-amz-target", "AmazonSQS.ListQueues")
        .header("content-type", "application/x-amz-json-1.0")
        .body("{}")
        .send()
        .await
        .unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    throttled_json(status, &headers, &response.text().await.unwrap());
    // Query.
    let response = http
        .post(&endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=ListQueues")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let xml = response.text().await.unwrap();
    assert!(xml.contains("<Code>ServiceUnavailable</Code>"), "{xml}");
    assert!(xml.contains("<Type>Receiver</Type>"), "{xml}");
    // The SDK reads it as a server-side, retryable error.
    let err = client.list_queues().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ServiceUnavailable"));
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(503));
    // A new long poll cannot start either.
    let err = client
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(20)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ServiceUnavailable"));

    // An SDK client with its standard retries keeps trying and gets through once
    // there is room.
    let retrying = Client::from_conf(
        aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&endpoint)
            .credentials_provider(Credentials::new(ACCESS_KEY, "secret", None, None, "test"))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(100)
                    .with_initial_backoff(Duration::from_millis(50))
                    .with_max_backoff(Duration::from_millis(100)),
            )
            .build(),
    );
    let retried = {
        let url = url.clone();
        tokio::spawn(async move {
            retrying
                .send_message()
                .queue_url(url)
                .message_body("retried")
                .send()
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!retried.is_finished(), "{:?}", retried.await);

    // The stalled requests complete normally once their bodies arrive.
    for (mut stream, rest) in stalled {
        stream.write_all(rest.as_bytes()).await.unwrap();
        let answer = tokio::time::timeout(PROMPT, read_response(&mut stream))
            .await
            .unwrap()
            .unwrap()
            .expect("a response");
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    tokio::time::timeout(PROMPT, retried)
        .await
        .expect("the retrying send ends")
        .unwrap()
        .expect("retries get the send through");
    eventually("the bound is free", || server.load().inflight_requests == 0).await;
    client.list_queues().send().await.expect("served again");

    // The long polls kept waiting throughout and get messages (one took "retried").
    for i in 0..4 {
        client
            .send_message()
            .queue_url(&url)
            .message_body(format!("m{i}"))
            .send()
            .await
            .unwrap();
    }
    for poll in polls {
        let out = tokio::time::timeout(PROMPT, poll)
            .await
            .unwrap()
            .unwrap()
            .expect("the long poll succeeds");
        assert_eq!(out.messages().len(), 1);
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_burst_over_the_inflight_bound_gets_only_throttling_errors_then_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = sluice_server::start(Config {
        data_dir: Some(dir.path().to_owned()),
        limits: Limits {
            max_inflight_requests: 2,
            ..Limits::default()
        },
        ..Config::ephemeral()
    })
    .await
    .unwrap();
    let endpoint = server.endpoint_url();
    let url = create_queue(&sdk_client(&endpoint), "burst").await;
    let http = reqwest::Client::new();
    // Sizeable bodies arrive in several pieces, so requests overlap in the handler.
    let body =
        serde_json::json!({ "QueueUrl": url, "MessageBody": "x".repeat(200_000) }).to_string();

    let (mut ok, mut throttled) = (0, 0);
    for _round in 0..5 {
        let burst: Vec<_> = (0..48)
            .map(|_| {
                let (http, endpoint, body) = (http.clone(), endpoint.clone(), body.clone());
                tokio::spawn(async move {
                    let response = http
                        .post(&endpoint)
                        .header("x-amz-target", "AmazonSQS.SendMessage")
                        .header("content-type", "application/x-amz-json-1.0")
                        .body(body)
                        .send()
                        .await
                        .expect("every request is answered");
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    (status, headers, response.text().await.unwrap())
                })
            })
            .collect();
        for task in burst {
            let (status, headers, body) = task.await.unwrap();
            if status == 200 {
                ok += 1;
            } else {
                throttled_json(status, &headers, &body);
                throttled += 1;
            }
        }
        if throttled > 0 {
            break;
        }
    }
    assert!(throttled > 0, "no request was throttled ({ok} succeeded)");
    assert!(ok > 0, "every request was throttled");

    // The burst over, every request is served again.
    let client = sdk_client(&endpoint);
    for i in 0..10 {
        client
            .send_message()
            .queue_url(&url)
            .message_body(format!("after {i}"))
            .send()
            .await
            .expect("served after the burst");
    }
    assert_eq!(server.load().inflight_requests, 0);
    server.shutdown().await.unwrap();
}
