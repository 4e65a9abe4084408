//! Bad input against an in-process server, over raw HTTP/1.1 written byte by byte.
//!
//! Every case must be answered with AWS's error (code, HTTP status and message, in the
//! protocol the request spoke) or, for input that is not HTTP at all, with an HTTP-level
//! rejection or a closed connection; never a panic, a hang or a 5xx. After each case the
//! server must still answer a normal request.
//!
//! The stable runs of the fuzz targets (`fuzz/src/targets.rs`) are at the end.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sluice_server::{Config, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "../../../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

/// Longest any case may take to be answered before it counts as a hang.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// The heavy cases (large bodies, many connections) run one at a time, so that the
/// memory and latency they measure are their own.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const MAX_BODY: usize = sluice_server::front::REQUEST_BODY_MAX_BYTES;

// ---------------------------------------------------------------------------------
// A raw HTTP client.

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What came back: a response, or the connection closed without one.
#[derive(Debug)]
enum Outcome {
    Reply(Reply),
    Closed,
}

impl Outcome {
    fn reply(&self) -> &Reply {
        match self {
            Outcome::Reply(r) => r,
            Outcome::Closed => panic!("the connection closed without a response"),
        }
    }

    fn summary(&self) -> String {
        match self {
            Outcome::Closed => "connection closed".into(),
            Outcome::Reply(r) => {
                let code = error_code(r).unwrap_or_default();
                format!("{} {code}", r.status)
            }
        }
    }
}

/// Reads one HTTP/1.1 response from `stream`. `None` if the connection ends first.
async fn read_reply(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<Reply> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = buf[head_end..].to_vec();
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    loop {
        if length.is_some_and(|n| body.len() >= n) {
            break;
        }
        if chunked && body.ends_with(b"0\r\n\r\n") {
            break;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    if let Some(n) = length {
        body.truncate(n);
    }
    Some(Reply {
        status,
        headers,
        body,
    })
}

/// Sends `request` on a new connection while reading the response, so that a server
/// answering before the whole request is in (a body over the limit) is seen.
async fn exchange(addr: SocketAddr, request: Vec<u8>) -> Outcome {
    let stream = TcpStream::connect(addr).await.expect("connects");
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = write.write_all(&request).await;
        // Keep the write half open until the reply is read: a half-close is not what
        // clients do.
        write
    });
    let outcome = tokio::time::timeout(ANSWER_WITHIN, read_reply(&mut read))
        .await
        .unwrap_or_else(|_| panic!("no answer within {ANSWER_WITHIN:?}: the server hangs"));
    writer.abort();
    match outcome {
        Some(reply) => Outcome::Reply(reply),
        None => Outcome::Closed,
    }
}

fn http(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn json_request(action: &str, body: &[u8]) -> Vec<u8> {
    http(
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", &format!("AmazonSQS.{action}")),
        ],
        body,
    )
}

fn query_request(body: &[u8]) -> Vec<u8> {
    http(
        "POST",
        "/",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body,
    )
}

// ---------------------------------------------------------------------------------
// What a reply must look like.

/// The AWS error code a reply carries: the JSON `__type` (after `#`) or the Query
/// `<Code>`.
fn error_code(reply: &Reply) -> Option<String> {
    if reply.header("content-type") == Some("application/x-amz-json-1.0") {
        let v: serde_json::Value = serde_json::from_slice(&reply.body).ok()?;
        let ty = v.get("__type")?.as_str()?;
        return Some(ty.rsplit('#').next().unwrap_or(ty).to_owned());
    }
    let xml = std::str::from_utf8(&reply.body).ok()?;
    targets::parse_xml(xml)
        .ok()?
        .into_iter()
        .find(|(p, _)| p == "ErrorResponse/Error/Code")
        .map(|(_, t)| t)
}

/// The reply must be an AWS JSON 1.0 error with this status, `__type` (the part after
/// `#`), query error code and a message containing `message`.
fn assert_json_error(
    case: &str,
    outcome: &Outcome,
    status: u16,
    json_type: &str,
    code: &str,
    message: &str,
) {
    let reply = outcome.reply();
    let text = reply.text();
    assert_eq!(reply.status, status, "{case}: status; body {text}");
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.0"),
        "{case}: content type; body {text}"
    );
    let v: serde_json::Value = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("{case}: not JSON ({e}): {text}"));
    let ty = v["__type"].as_str().unwrap_or_default();
    assert!(
        ty.ends_with(&format!("#{json_type}")),
        "{case}: __type {ty}, wanted #{json_type}"
    );
    let msg = v["message"].as_str().unwrap_or_default();
    assert!(
        !msg.is_empty() && msg.contains(message),
        "{case}: message {msg:?} should contain {message:?}"
    );
    let query_error = reply.header("x-amzn-query-error").unwrap_or_default();
    assert_eq!(
        query_error,
        format!("{code};Sender"),
        "{case}: x-amzn-query-error"
    );
    assert!(
        reply.header("x-amzn-requestid").is_some(),
        "{case}: no request id"
    );
}

/// The reply must be what AWS's JSON deserializer answers for a body it cannot read:
/// 400 `SerializationException`, without the Query error header.
fn assert_serialization_error(case: &str, outcome: &Outcome) {
    assert_framework_error(case, outcome, "SerializationException");
}

/// The reply must be what AWS's JSON front answers for a target it does not know: 400
/// `UnknownOperationException`, without the Query error header.
fn assert_unknown_operation(case: &str, outcome: &Outcome) {
    assert_framework_error(case, outcome, "UnknownOperationException");
}

/// The reply must be what AWS's front answers a Query request that names no action:
/// 404 and a bare `<UnknownOperationException/>`.
fn assert_no_operation(case: &str, outcome: &Outcome) {
    let reply = outcome.reply();
    assert_eq!(reply.status, 404, "{case}: {}", reply.text());
    assert_eq!(
        reply.text().trim(),
        "<UnknownOperationException/>",
        "{case}"
    );
}

fn assert_framework_error(case: &str, outcome: &Outcome, name: &str) {
    let reply = outcome.reply();
    let text = reply.text();
    assert_eq!(reply.status, 400, "{case}: status; body {text}");
    let v: serde_json::Value = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("{case}: not JSON ({e}): {text}"));
    assert_eq!(
        v["__type"].as_str(),
        Some(format!("com.amazon.coral.service#{name}").as_str()),
        "{case}: {text}"
    );
    assert_eq!(reply.header("x-amzn-query-error"), None, "{case}");
    assert!(
        reply.header("x-amzn-requestid").is_some(),
        "{case}: no request id"
    );
}

/// The reply must be an AWS Query `ErrorResponse` with this status, code and a message
/// containing `message`.
fn assert_query_error(case: &str, outcome: &Outcome, status: u16, code: &str, message: &str) {
    let reply = outcome.reply();
    let text = reply.text();
    assert_eq!(reply.status, status, "{case}: status; body {text}");
    assert_eq!(
        reply.header("content-type"),
        Some("text/xml"),
        "{case}: content type; body {text}"
    );
    let parsed =
        targets::parse_xml(&text).unwrap_or_else(|e| panic!("{case}: bad XML ({e}): {text}"));
    let get = |path: &str| {
        parsed
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
            .unwrap_or_default()
    };
    assert_eq!(get("ErrorResponse/Error/Code"), code, "{case}: {text}");
    assert_eq!(get("ErrorResponse/Error/Type"), "Sender", "{case}: {text}");
    let msg = get("ErrorResponse/Error/Message");
    assert!(
        !msg.is_empty() && msg.contains(message),
        "{case}: message {msg:?} should contain {message:?}"
    );
    assert!(
        !get("ErrorResponse/RequestId").is_empty(),
        "{case}: no request id: {text}"
    );
}

/// Input that is not acceptable HTTP: an HTTP-level 4xx in `statuses`, or the
/// connection closed. Never a 5xx, never a hang (the exchange times out).
fn assert_http_rejection(case: &str, outcome: &Outcome, statuses: &[u16]) {
    if let Outcome::Reply(reply) = outcome {
        assert!(
            statuses.contains(&reply.status),
            "{case}: status {} (wanted one of {statuses:?} or a closed connection): {}",
            reply.status,
            reply.text()
        );
    }
}

fn assert_ok(case: &str, outcome: &Outcome) {
    let reply = outcome.reply();
    assert_eq!(reply.status, 200, "{case}: {}", reply.text());
}

// ---------------------------------------------------------------------------------
// The server.

async fn start() -> RunningServer {
    sluice_server::start(Config::ephemeral())
        .await
        .expect("server starts")
}

/// The server still answers a normal request, promptly.
async fn assert_serving(addr: SocketAddr, after: &str) {
    let started = Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        exchange(addr, json_request("ListQueues", b"{}")),
    )
    .await
    .unwrap_or_else(|_| panic!("after {after}: a normal request got no answer"));
    match &outcome {
        Outcome::Reply(r) if r.status == 200 => {}
        other => panic!("after {after}: a normal request got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "after {after}: a normal request took {:?}",
        started.elapsed()
    );
}

/// Creates a queue and returns its URL.
async fn create_queue(addr: SocketAddr, name: &str) -> String {
    let outcome = exchange(
        addr,
        json_request(
            "CreateQueue",
            format!(r#"{{"QueueName":"{name}"}}"#).as_bytes(),
        ),
    )
    .await;
    let reply = outcome.reply();
    assert_eq!(reply.status, 200, "CreateQueue: {}", reply.text());
    let v: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    v["QueueUrl"].as_str().expect("QueueUrl").to_owned()
}

fn form_escape(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

// ---------------------------------------------------------------------------------
// Bodies over the limit.

/// A body over REQUEST_BODY_MAX_BYTES, in either protocol, is refused with 413 (as
/// SQS's front end does: it answers 413 Request Entity Too Large) or the connection
/// is closed; it is never buffered whole, and the server keeps serving.
#[tokio::test]
async fn body_over_the_limit_is_refused() {
    let _heavy = HEAVY.lock().await;
    let server = start().await;
    let addr = server.addr;
    let url = create_queue(addr, "big").await;
    let filler = "x".repeat(MAX_BODY + 1);
    let cases = [
        (
            "JSON over the limit",
            json_request(
                "SendMessage",
                format!(r#"{{"QueueUrl":"{url}","MessageBody":"{filler}"}}"#).as_bytes(),
            ),
        ),
        (
            "Query over the limit",
            query_request(
                format!(
                    "Action=SendMessage&QueueUrl={}&MessageBody={filler}",
                    form_escape(&url)
                )
                .as_bytes(),
            ),
        ),
        (
            "JSON claiming a huge Content-Length",
            http(
                "POST",
                "/",
                &[
                    ("X-Amz-Target", "AmazonSQS.ListQueues"),
                    ("Content-Type", "application/x-amz-json-1.0"),
                ],
                b"",
            )
            .into_iter()
            .map(|b| b as char)
            .collect::<String>()
            .replace("Content-Length: 0", "Content-Length: 99999999999")
            .into_bytes(),
        ),
    ];
    for (case, request) in cases {
        let outcome = exchange(addr, request).await;
        println!("{case}: {}", outcome.summary());
        assert_http_rejection(case, &outcome, &[413]);
        assert_serving(addr, case).await;
    }
    server.shutdown().await.expect("shuts down");
}

/// Chunked bodies have no Content-Length to refuse up front; the limit must still hold.
#[tokio::test]
async fn chunked_body_over_the_limit_is_refused() {
    let _heavy = HEAVY.lock().await;
    let server = start().await;
    let addr = server.addr;
    let mut request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n\
Content-Type: application/x-amz-json-1.0\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        .to_vec();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..(MAX_BODY / chunk.len() + 2) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let outcome = exchange(addr, request).await;
    println!("chunked over the limit: {}", outcome.summary());
    assert_http_rejection("chunked over the limit", &outcome, &[413]);
    assert_serving(addr, "chunked over the limit").await;
    server.shutdown().await.expect("shuts down");
}

/// The body-limit refusal is an error in the request's protocol, so SDKs report a code
/// rather than failing to parse a plain-text body. (SQS's own front end answers 413 with
/// a body that is not XML; the status is kept, the shape is the protocol's.)
#[tokio::test]
async fn body_over_the_limit_is_refused_in_the_request_protocol() {
    let server = start().await;
    let addr = server.addr;
    let filler = "x".repeat(MAX_BODY + 1);
    let outcome = exchange(
        addr,
        json_request(
            "SendMessage",
            format!(r#"{{"QueueUrl":"q","MessageBody":"{filler}"}}"#).as_bytes(),
        ),
    )
    .await;
    let reply = outcome.reply();
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.0")
    );
    assert!(
        error_code(reply).is_some_and(|c| !c.is_empty()),
        "{}",
        reply.text()
    );
    let outcome = exchange(
        addr,
        query_request(format!("Action=SendMessage&MessageBody={filler}").as_bytes()),
    )
    .await;
    let reply = outcome.reply();
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("text/xml"));
    assert!(
        error_code(reply).is_some_and(|c| !c.is_empty()),
        "{}",
        reply.text()
    );
    server.shutdown().await.expect("shuts down");
}

// ---------------------------------------------------------------------------------
// Message contents and decoding.

#[tokio::test]
async fn invalid_characters_in_message_body() {
    let server = start().await;
    let addr = server.addr;
    let url = create_queue(addr, "chars").await;
    for (label, json_escape, form) in [
        ("U+0001", r"\u0001", "%01"),
        ("U+0000", r"\u0000", "%00"),
        ("U+001F", r"\u001f", "%1F"),
        ("U+FFFE", r"\ufffe", "%EF%BF%BE"),
        ("U+FFFF", r"\uffff", "%EF%BF%BF"),
    ] {
        let case = format!("JSON body with {label}");
        let body = format!(r#"{{"QueueUrl":"{url}","MessageBody":"ok{json_escape}"}}"#);
        let outcome = exchange(addr, json_request("SendMessage", body.as_bytes())).await;
        println!("{case}: {}", outcome.summary());
        assert_json_error(
            &case,
            &outcome,
            400,
            "InvalidMessageContents",
            "InvalidMessageContents",
            "Invalid binary character",
        );
        assert_serving(addr, &case).await;

        let case = format!("Query body with {label}");
        let body = format!(
            "Action=SendMessage&QueueUrl={}&MessageBody=ok{form}",
            form_escape(&url)
        );
        let outcome = exchange(addr, query_request(body.as_bytes())).await;
        println!("{case}: {}", outcome.summary());
        assert_query_error(
            &case,
            &outcome,
            400,
            "InvalidMessageContents",
            "Invalid binary character",
        );
        assert_serving(addr, &case).await;
    }
    // A lone surrogate cannot be a character at all: the JSON decoder refuses it.
    let body = format!(r#"{{"QueueUrl":"{url}","MessageBody":"\ud800"}}"#);
    let outcome = exchange(addr, json_request("SendMessage", body.as_bytes())).await;
    println!("JSON body with a lone surrogate: {}", outcome.summary());
    assert_serialization_error("JSON lone surrogate", &outcome);
    // Nothing was stored by any of them.
    let body =
        format!(r#"{{"QueueUrl":"{url}","AttributeNames":["ApproximateNumberOfMessages"]}}"#);
    let outcome = exchange(addr, json_request("GetQueueAttributes", body.as_bytes())).await;
    assert!(
        outcome
            .reply()
            .text()
            .contains(r#""ApproximateNumberOfMessages":"0""#),
        "{}",
        outcome.reply().text()
    );
    server.shutdown().await.expect("shuts down");
}

#[tokio::test]
async fn invalid_utf8_bodies() {
    let server = start().await;
    let addr = server.addr;
    let url = create_queue(addr, "utf8").await;

    let mut body = format!(r#"{{"QueueUrl":"{url}","MessageBody":"a"#).into_bytes();
    body.extend_from_slice(b"\xff\xfe\xc3(");
    body.extend_from_slice(b"\"}");
    let outcome = exchange(addr, json_request("SendMessage", &body)).await;
    println!("JSON body with invalid UTF-8: {}", outcome.summary());
    assert_serialization_error("JSON invalid UTF-8", &outcome);
    assert_serving(addr, "JSON invalid UTF-8").await;

    // A form body's bytes that are not UTF-8, raw or percent-encoded, cannot be stored
    // as sent: the message is refused rather than silently altered.
    for (case, raw) in [
        ("Query body with a raw 0xFF", b"a\xffb".to_vec()),
        ("Query body with %FF", b"a%FFb".to_vec()),
        ("Query body with a truncated sequence", b"a%E2%82".to_vec()),
    ] {
        let mut body = format!(
            "Action=SendMessage&QueueUrl={}&MessageBody=",
            form_escape(&url)
        )
        .into_bytes();
        body.extend_from_slice(&raw);
        let outcome = exchange(addr, query_request(&body)).await;
        println!("{case}: {}", outcome.summary());
        assert_query_error(
            case,
            &outcome,
            400,
            "InvalidMessageContents",
            "Invalid binary character",
        );
        assert_serving(addr, case).await;
    }
    server.shutdown().await.expect("shuts down");
}

#[tokio::test]
async fn malformed_json_bodies() {
    let server = start().await;
    let addr = server.addr;
    let url = create_queue(addr, "json").await;
    let deep_array = "[".repeat(100_000);
    let deep_object = r#"{"a":"#.repeat(100_000);
    let deep_ignored = format!(r#"{{"QueueUrl":"{url}","Extra":{deep_array}"#);
    let cases: Vec<(&str, &str, String)> = vec![
        ("array", "ListQueues", "[]".into()),
        ("string", "ListQueues", r#""x""#.into()),
        ("number", "ListQueues", "5".into()),
        ("null", "ListQueues", "null".into()),
        ("truncated", "CreateQueue", r#"{"QueueName":"a"#.into()),
        ("trailing garbage", "ListQueues", "{} x".into()),
        ("not JSON", "ListQueues", "Action=ListQueues".into()),
        (
            "MaxNumberOfMessages as a word",
            "ReceiveMessage",
            format!(r#"{{"QueueUrl":"{url}","MaxNumberOfMessages":"x"}}"#),
        ),
        (
            "MaxNumberOfMessages as a fraction",
            "ReceiveMessage",
            format!(r#"{{"QueueUrl":"{url}","MaxNumberOfMessages":1.5}}"#),
        ),
        (
            "MaxNumberOfMessages past i64",
            "ReceiveMessage",
            format!(r#"{{"QueueUrl":"{url}","MaxNumberOfMessages":1e300}}"#),
        ),
        (
            "QueueUrl as a number",
            "GetQueueAttributes",
            r#"{"QueueUrl":5}"#.into(),
        ),
        (
            "Entries as an object",
            "SendMessageBatch",
            format!(r#"{{"QueueUrl":"{url}","Entries":{{}}}}"#),
        ),
        (
            "Attributes as a list",
            "CreateQueue",
            r#"{"QueueName":"q","Attributes":["a"]}"#.into(),
        ),
        (
            "BinaryValue not base64",
            "SendMessage",
            format!(
                r#"{{"QueueUrl":"{url}","MessageBody":"b","MessageAttributes":{{"a":{{"DataType":"Binary","BinaryValue":"!!"}}}}}}"#
            ),
        ),
        ("100,000 [", "ListQueues", deep_array.clone()),
        ("100,000 nested objects", "ListQueues", deep_object),
        (
            "deep value in an ignored member",
            "PurgeQueue",
            deep_ignored,
        ),
        (
            "deep value in a typed member",
            "CreateQueue",
            format!(r#"{{"QueueName":{deep_array}"#),
        ),
    ];
    for (case, action, body) in cases {
        let outcome = exchange(addr, json_request(action, body.as_bytes())).await;
        println!("{case}: {}", outcome.summary());
        assert_serialization_error(case, &outcome);
        assert_serving(addr, case).await;
    }
    server.shutdown().await.expect("shuts down");
}

// ---------------------------------------------------------------------------------
// Actions and protocols.

#[tokio::test]
async fn unknown_and_missing_actions() {
    let server = start().await;
    let addr = server.addr;

    let outcome = exchange(addr, json_request("Nope", b"{}")).await;
    println!("JSON AmazonSQS.Nope: {}", outcome.summary());
    assert_unknown_operation("JSON unknown action", &outcome);
    let outcome = exchange(addr, json_request("", b"{}")).await;
    println!("JSON AmazonSQS.(empty): {}", outcome.summary());
    assert_unknown_operation("JSON empty action", &outcome);
    for target in [
        "DynamoDB_20120810.ListTables",
        "AmazonSQSListQueues",
        "",
        "amazonsqs.ListQueues",
    ] {
        let request = http(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", target),
            ],
            b"{}",
        );
        let outcome = exchange(addr, request).await;
        println!("JSON target {target:?}: {}", outcome.summary());
        assert_unknown_operation(target, &outcome);
        assert_serving(addr, target).await;
    }

    for (case, body) in [
        ("Query Action=Nope", "Action=Nope"),
        ("Query Action=listqueues", "Action=listqueues"),
    ] {
        let outcome = exchange(addr, query_request(body.as_bytes())).await;
        println!("{case}: {}", outcome.summary());
        assert_query_error(case, &outcome, 400, "InvalidAction", "is not valid");
        assert_serving(addr, case).await;
    }

    for (case, request) in [
        ("Query without Action", query_request(b"QueueName=q")),
        ("Query with an empty body", query_request(b"")),
        ("GET / with no query", http("GET", "/", &[], b"")),
        (
            "Query Action given as a header",
            http("POST", "/", &[("Action", "ListQueues")], b""),
        ),
    ] {
        let outcome = exchange(addr, request).await;
        println!("{case}: {}", outcome.summary());
        assert_no_operation(case, &outcome);
        assert_serving(addr, case).await;
    }
    server.shutdown().await.expect("shuts down");
}

#[tokio::test]
async fn wrong_content_types() {
    let server = start().await;
    let addr = server.addr;
    // A form body under another content type is not read as a form: the request has
    // no Action.
    for ct in [
        "application/json",
        "text/plain",
        "application/x-amz-json-1.0",
        "multipart/form-data; boundary=x",
    ] {
        let case = format!("Query body as {ct}");
        let request = http("POST", "/", &[("Content-Type", ct)], b"Action=ListQueues");
        let outcome = exchange(addr, request).await;
        println!("{case}: {}", outcome.summary());
        assert_no_operation(&case, &outcome);
        assert_serving(addr, &case).await;
    }
    // A JSON request is told by its X-Amz-Target; its content type is not checked, and
    // a wrong one changes nothing.
    for ct in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json",
    ] {
        let case = format!("JSON body as {ct}");
        let request = http(
            "POST",
            "/",
            &[
                ("Content-Type", ct),
                ("X-Amz-Target", "AmazonSQS.ListQueues"),
            ],
            b"{}",
        );
        let outcome = exchange(addr, request).await;
        println!("{case}: {}", outcome.summary());
        assert_ok(&case, &outcome);
        assert_eq!(
            outcome.reply().header("content-type"),
            Some("application/x-amz-json-1.0")
        );
    }
    // A form body with a JSON target is JSON that does not parse.
    let request = http(
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Amz-Target", "AmazonSQS.ListQueues"),
        ],
        b"Action=ListQueues",
    );
    let outcome = exchange(addr, request).await;
    println!("form body with a JSON target: {}", outcome.summary());
    assert_serialization_error("form body with a JSON target", &outcome);
    assert_serving(addr, "wrong content types").await;
    server.shutdown().await.expect("shuts down");
}

/// What each action answers when its required parameters are missing: in both
/// protocols, first with nothing at all, then with only an existing queue's URL.
#[tokio::test]
async fn missing_required_parameters_for_every_action() {
    let server = start().await;
    let addr = server.addr;
    let url = create_queue(addr, "present").await;
    let missing_queue = url.replace("/present", "/absent");
    assert_ne!(url, missing_queue);

    // (action, with nothing, with only QueueUrl of an existing queue). `None` means a
    // success (200).
    type Expected = Option<(&'static str, &'static str, &'static str)>;
    const QUEUE_URL: Expected = Some((
        "MissingRequiredParameterException",
        "MissingParameter",
        "QueueUrl",
    ));
    let table: &[(&str, Expected, Expected)] = &[
        (
            "CreateQueue",
            Some((
                "InvalidParameterValueException",
                "InvalidParameterValue",
                "Value for parameter QueueName is invalid. Reason: Must specify a queue name.",
            )),
            None,
        ),
        (
            "GetQueueUrl",
            Some((
                "InvalidParameterValueException",
                "InvalidParameterValue",
                "Value for parameter QueueName is invalid. Reason: Must specify a queue name.",
            )),
            None,
        ),
        ("ListQueues", None, None),
        ("DeleteQueue", QUEUE_URL, None),
        ("GetQueueAttributes", QUEUE_URL, None),
        (
            "SetQueueAttributes",
            QUEUE_URL,
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "The request must contain the parameter Attribute.Name.",
            )),
        ),
        ("PurgeQueue", QUEUE_URL, None),
        (
            "SendMessage",
            QUEUE_URL,
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "MessageBody",
            )),
        ),
        (
            "SendMessageBatch",
            QUEUE_URL,
            Some((
                "EmptyBatchRequest",
                "AWS.SimpleQueueService.EmptyBatchRequest",
                "at least one",
            )),
        ),
        ("ReceiveMessage", QUEUE_URL, None),
        (
            "DeleteMessage",
            QUEUE_URL,
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "ReceiptHandle",
            )),
        ),
        (
            "DeleteMessageBatch",
            QUEUE_URL,
            Some((
                "EmptyBatchRequest",
                "AWS.SimpleQueueService.EmptyBatchRequest",
                "at least one",
            )),
        ),
        (
            "ChangeMessageVisibility",
            QUEUE_URL,
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "ReceiptHandle",
            )),
        ),
        (
            "ChangeMessageVisibilityBatch",
            QUEUE_URL,
            Some((
                "EmptyBatchRequest",
                "AWS.SimpleQueueService.EmptyBatchRequest",
                "at least one",
            )),
        ),
        (
            "TagQueue",
            QUEUE_URL,
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "Tags",
            )),
        ),
        (
            "UntagQueue",
            QUEUE_URL,
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "TagKeys",
            )),
        ),
        ("ListQueueTags", QUEUE_URL, None),
        ("ListDeadLetterSourceQueues", QUEUE_URL, None),
        (
            "StartMessageMoveTask",
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "SourceArn",
            )),
            None,
        ),
        (
            "CancelMessageMoveTask",
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "TaskHandle",
            )),
            None,
        ),
        (
            "ListMessageMoveTasks",
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "SourceArn",
            )),
            None,
        ),
        (
            "AddPermission",
            QUEUE_URL,
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "Label",
            )),
        ),
        (
            "RemovePermission",
            QUEUE_URL,
            Some((
                "MissingRequiredParameterException",
                "MissingParameter",
                "Label",
            )),
        ),
    ];
    let mut listed: Vec<&str> = table.iter().map(|(a, _, _)| *a).collect();
    let mut actions = sluice_server::sqs::operations::ACTIONS.to_vec();
    listed.sort_unstable();
    actions.sort_unstable();
    assert_eq!(listed, actions, "the table must cover every action");

    for (action, nothing, queue_only) in table {
        // With nothing at all.
        let json = exchange(addr, json_request(action, b"{}")).await;
        let empty_json = exchange(addr, json_request(action, b"")).await;
        let query = exchange(addr, query_request(format!("Action={action}").as_bytes())).await;
        println!(
            "{action} with nothing: JSON {} / Query {}",
            json.summary(),
            query.summary()
        );
        for (label, outcome) in [("{}", &json), ("empty body", &empty_json)] {
            let case = format!("{action} JSON {label}");
            match nothing {
                None => assert_ok(&case, outcome),
                Some((ty, code, msg)) => assert_json_error(&case, outcome, 400, ty, code, msg),
            }
        }
        let case = format!("{action} Query with nothing");
        match nothing {
            None => assert_ok(&case, &query),
            Some((_, code, msg)) => assert_query_error(&case, &query, 400, code, msg),
        }

        // Actions on a queue: a queue that does not exist, then one that does.
        if *nothing != QUEUE_URL {
            continue;
        }
        let body = format!(r#"{{"QueueUrl":"{missing_queue}"}}"#);
        let json = exchange(addr, json_request(action, body.as_bytes())).await;
        let query_body = format!("Action={action}&QueueUrl={}", form_escape(&missing_queue));
        let query = exchange(addr, query_request(query_body.as_bytes())).await;
        assert_json_error(
            &format!("{action} JSON absent queue"),
            &json,
            400,
            "QueueDoesNotExist",
            "AWS.SimpleQueueService.NonExistentQueue",
            "does not exist",
        );
        assert_query_error(
            &format!("{action} Query absent queue"),
            &query,
            400,
            "AWS.SimpleQueueService.NonExistentQueue",
            "does not exist",
        );

        // Each protocol gets a queue of its own, so DeleteQueue leaves the others theirs.
        let json_url = create_queue(addr, &format!("{action}-json")).await;
        let query_url = create_queue(addr, &format!("{action}-query")).await;
        let body = format!(r#"{{"QueueUrl":"{json_url}"}}"#);
        let json = exchange(addr, json_request(action, body.as_bytes())).await;
        let query_body = format!("Action={action}&QueueUrl={}", form_escape(&query_url));
        let query = exchange(addr, query_request(query_body.as_bytes())).await;
        println!(
            "{action} with only QueueUrl: JSON {} / Query {}",
            json.summary(),
            query.summary()
        );
        let case = format!("{action} with only QueueUrl");
        match queue_only {
            None => {
                assert_ok(&case, &json);
                assert_ok(&case, &query);
            }
            Some((ty, code, msg)) => {
                assert_json_error(&case, &json, 400, ty, code, msg);
                assert_query_error(&case, &query, 400, code, msg);
            }
        }
    }
    assert_serving(addr, "missing parameters").await;
    server.shutdown().await.expect("shuts down");
}

// ---------------------------------------------------------------------------------
// Headers and request lines.

#[tokio::test]
async fn oversized_and_repeated_headers() {
    let _heavy = HEAVY.lock().await;
    let server = start().await;
    let addr = server.addr;

    let huge = "a".repeat(1024 * 1024);
    let outcome = exchange(
        addr,
        http(
            "POST",
            "/",
            &[("X-Amz-Target", "AmazonSQS.ListQueues"), ("X-Big", &huge)],
            b"{}",
        ),
    )
    .await;
    println!("1 MiB header value: {}", outcome.summary());
    assert_http_rejection("1 MiB header value", &outcome, &[431, 400]);
    assert_serving(addr, "1 MiB header value").await;

    let outcome = exchange(
        addr,
        http(
            "POST",
            "/",
            &[("X-Amz-Target", &format!("AmazonSQS.{huge}"))],
            b"{}",
        ),
    )
    .await;
    println!("1 MiB X-Amz-Target: {}", outcome.summary());
    assert_http_rejection("1 MiB X-Amz-Target", &outcome, &[431, 400]);
    assert_serving(addr, "1 MiB X-Amz-Target").await;

    let names: Vec<String> = (0..10_000).map(|i| format!("X-H{i}")).collect();
    let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    let outcome = exchange(addr, http("GET", "/?Action=ListQueues", &many, b"")).await;
    println!("10,000 headers: {}", outcome.summary());
    assert_http_rejection("10,000 headers", &outcome, &[431, 400]);
    assert_serving(addr, "10,000 headers").await;

    // Two X-Amz-Target headers: the first one is the target. Never a 5xx.
    let outcome = exchange(
        addr,
        http(
            "POST",
            "/",
            &[
                ("X-Amz-Target", "AmazonSQS.ListQueues"),
                ("X-Amz-Target", "AmazonSQS.DeleteQueue"),
            ],
            b"{}",
        ),
    )
    .await;
    println!("two X-Amz-Target: {}", outcome.summary());
    assert_ok("two X-Amz-Target", &outcome);
    assert_eq!(outcome.reply().text(), "{}");

    // A target that is not visible ASCII is no target: the request is read as Query.
    let mut request = http(
        "POST",
        "/",
        &[("X-Amz-Target", "AmazonSQS.List\u{e9}Queues")],
        b"{}",
    );
    request = String::from_utf8_lossy(&request)
        .replace('\u{e9}', "\u{fffd}")
        .into_bytes();
    let outcome = exchange(addr, request).await;
    println!("non-ASCII X-Amz-Target: {}", outcome.summary());
    if let Outcome::Reply(r) = &outcome {
        assert!(r.status < 500, "non-ASCII target: {}", r.text());
    }
    assert_serving(addr, "duplicate headers").await;
    server.shutdown().await.expect("shuts down");
}

#[tokio::test]
async fn malformed_request_lines() {
    let server = start().await;
    let addr = server.addr;
    let long_path = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000));
    // Not a request yet: blank lines before a request line are allowed, and a request
    // line or header block cut short may still be completed. The server may wait for
    // more (until its idle timeout) or refuse at once; either way it keeps serving
    // others meanwhile.
    for (case, request) in [
        ("blank lines only", b"\r\n\r\n".to_vec()),
        (
            "half a request line",
            b"GET /?Action=ListQueues HT".to_vec(),
        ),
        (
            "headers never ended",
            b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec(),
        ),
    ] {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream.write_all(&request).await.expect("writes");
        let pending = tokio::time::timeout(Duration::from_secs(2), read_reply(&mut stream)).await;
        let outcome = match pending {
            Err(_) => "still waiting for the rest".to_owned(),
            Ok(None) => "connection closed".to_owned(),
            Ok(Some(r)) => {
                assert!(r.status == 400 || r.status == 408, "{case}: {}", r.status);
                r.status.to_string()
            }
        };
        println!("{case}: {outcome}");
        assert_serving(addr, case).await;
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("method only", b"GET\r\n\r\n".to_vec()),
        ("no version", b"GET /\r\n\r\n".to_vec()),
        ("unknown version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n".to_vec()),
        ("binary", b"\x00\x01\x02\x03\xff\xfe\r\n\r\n".to_vec()),
        ("TLS hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec()),
        ("spaces in the target", b"GET / / / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("header without colon", b"GET / HTTP/1.1\r\nHost x\r\n\r\n".to_vec()),
        (
            "negative Content-Length",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec(),
        ),
        (
            "word Content-Length",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_vec(),
        ),
        (
            "two Content-Lengths",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
                .to_vec(),
        ),
        (
            "bad chunk size",
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.ListQueues\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n".to_vec(),
        ),
        (
            "unsupported Transfer-Encoding",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
        ),
        (
            "obsolete line folding",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n".to_vec(),
        ),
        ("100 KB path", long_path.into_bytes()),
        ("bare LF line ends", b"GET /?Action=ListQueues HTTP/1.1\nHost: x\n\n".to_vec()),
    ];
    for (case, request) in cases {
        let outcome = exchange(addr, request).await;
        println!("{case}: {}", outcome.summary());
        // hyper answers what is not HTTP/1.x with 400 (or 414/431 for sizes, 501 for
        // a transfer coding it does not implement) and closes; bare LF line ends are
        // tolerated and the request answered in the Query protocol.
        assert_http_rejection(case, &outcome, &[200, 400, 414, 431, 501, 505]);
        if let Outcome::Reply(r) = &outcome {
            if r.status == 200 {
                assert_eq!(case, "bare LF line ends", "{}", r.text());
            }
        }
        assert_serving(addr, case).await;
    }

    // Well-formed HTTP that SQS does not serve: answered in the Query protocol.
    for (case, request) in [
        ("method FOO", http("FOO", "/?Action=Nope", &[], b"")),
        (
            "percent-garbage path",
            http("GET", "/%zz%?Action=Nope", &[], b""),
        ),
        (
            "queue path with garbage",
            http("GET", "/..%2F..%2Fetc?Action=Nope", &[], b""),
        ),
    ] {
        let outcome = exchange(addr, request).await;
        println!("{case}: {}", outcome.summary());
        assert_query_error(case, &outcome, 400, "InvalidAction", "Nope");
        assert_serving(addr, case).await;
    }
    server.shutdown().await.expect("shuts down");
}

// ---------------------------------------------------------------------------------
// Query structure.

#[tokio::test]
async fn query_index_abuse() {
    let server = start().await;
    let addr = server.addr;
    let url = form_escape(&create_queue(addr, "index").await);
    let cases = [
        "Action=CreateQueue&QueueName=a&Attribute.99999999999.Name=x&Attribute.99999999999.Value=y",
        "Action=CreateQueue&QueueName=a&Attribute.10001.Name=x&Attribute.10001.Value=y",
        "Action=CreateQueue&QueueName=a&Attribute.0.Name=x&Attribute.0.Value=y",
        "Action=CreateQueue&QueueName=a&Attribute.-1.Name=x&Attribute.-1.Value=y",
        "Action=CreateQueue&QueueName=a&Attribute.01.Name=x&Attribute.01.Value=y",
        "Action=CreateQueue&QueueName=a&Attribute.1.Name=x",
        "Action=CreateQueue&QueueName=a&Attribute.1.Value=x",
        "Action=CreateQueue&QueueName=a&Attribute.1.Name=x&Attribute.1.Name=y&Attribute.1.Value=z",
        "Action=CreateQueue&QueueName=a&Attribute.1.=x",
        "Action=GetQueueAttributes&AttributeName.4294967296=All",
        "Action=SendMessageBatch&SendMessageBatchRequestEntry.99999999999999999999999.Id=a",
        "Action=SendMessageBatch&SendMessageBatchRequestEntry.1..Id=a",
        "Action=SendMessage&MessageBody=x&MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringListValue.99999999999=x",
    ];
    for body in cases {
        let body = body.replace(
            "Action=GetQueueAttributes",
            &format!("Action=GetQueueAttributes&QueueUrl={url}"),
        );
        let outcome = exchange(addr, query_request(body.as_bytes())).await;
        println!("{body}: {}", outcome.summary());
        let reply = outcome.reply();
        assert_query_error(&body, &outcome, 400, "MalformedQueryString", "");
        // The message names the parameter, cut short.
        assert!(reply.body.len() < 2048, "{body}: {}", reply.text());
        assert_serving(addr, &body).await;
    }
    // A parameter name far longer than any SQS name: an error message quotes at most a
    // bounded piece of it.
    let long_name = format!("Attribute.{}.Name", "9".repeat(1_000_000));
    let body = format!("Action=CreateQueue&QueueName=a&{long_name}=x");
    let outcome = exchange(addr, query_request(body.as_bytes())).await;
    println!("1 MB index: {}", outcome.summary());
    assert_query_error("1 MB index", &outcome, 400, "MalformedQueryString", "");
    assert!(outcome.reply().body.len() < 2048);

    // 100,000 distinct indexed parameters in one request: answered, quickly.
    let mut body = String::from("Action=CreateQueue&QueueName=many");
    for i in 1..=100_000 {
        body.push_str(&format!(
            "&Tag.{}.Key=k{i}&Tag.{}.Value=v",
            i % 10_000 + 1,
            i % 10_000 + 1
        ));
    }
    let started = Instant::now();
    let outcome = exchange(addr, query_request(body.as_bytes())).await;
    println!(
        "100,000 tag parameters: {} in {:?}",
        outcome.summary(),
        started.elapsed()
    );
    assert_query_error(
        "100,000 tags",
        &outcome,
        400,
        "MalformedQueryString",
        "twice",
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_serving(addr, "index abuse").await;
    server.shutdown().await.expect("shuts down");
}

// ---------------------------------------------------------------------------------
// Slow and idle clients.

/// A client trickling its body one byte every 100 ms must not hold up anyone else, and
/// is answered normally once its body is in.
#[tokio::test]
async fn slow_client_does_not_stall_others() {
    let server = start().await;
    let addr = server.addr;
    let body = br#"{"QueueName":"slow-but-fine"}"#;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n\
X-Amz-Target: AmazonSQS.CreateQueue\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut slow = TcpStream::connect(addr).await.expect("connects");
    slow.write_all(head.as_bytes()).await.expect("writes");
    let mut worst = Duration::ZERO;
    for (i, byte) in body.iter().enumerate() {
        slow.write_all(&[*byte]).await.expect("writes a byte");
        tokio::time::sleep(Duration::from_millis(100)).await;
        if i % 5 == 0 {
            let started = Instant::now();
            assert_serving(addr, "a slow client's byte").await;
            worst = worst.max(started.elapsed());
        }
    }
    println!(
        "slow client: {} bytes over {} ms; worst other request {worst:?}",
        body.len(),
        body.len() * 100
    );
    assert!(worst < Duration::from_secs(1), "others waited {worst:?}");
    let reply = tokio::time::timeout(ANSWER_WITHIN, read_reply(&mut slow))
        .await
        .expect("the slow client is answered")
        .expect("a reply");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("slow-but-fine"));
    server.shutdown().await.expect("shuts down");
}

fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

const IDLE_CONNECTIONS: usize = 10_000;
const IDLE_ADDR_ENV: &str = "SLUICE_BAD_INPUT_IDLE_ADDR";
/// Overrides the number of idle connections (for measuring below a connection limit).
const IDLE_COUNT_ENV: &str = "SLUICE_BAD_INPUT_IDLE_CONNECTIONS";

fn idle_connections() -> usize {
    std::env::var(IDLE_COUNT_ENV)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(IDLE_CONNECTIONS)
}

/// 10,000 idle connections: the server keeps answering others, and its memory grows by
/// a bounded amount per connection.
///
/// Both ends of every connection in one process would need 20,000 descriptors, which is
/// this machine's hard limit, so the client ends live in a child process: this test
/// binary again, running `idle_connection_holder`.
#[tokio::test]
async fn ten_thousand_idle_connections() {
    let _heavy = HEAVY.lock().await;
    let server = start().await;
    let addr = server.addr;
    assert_serving(addr, "start").await;
    let before = vm_rss_kib();

    let spawned = Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "idle_connection_holder",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(IDLE_ADDR_ENV, addr.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawns the holder");
    let stdout = child.stdout.take().expect("stdout");
    let opened = tokio::task::spawn_blocking(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("reads");
            // libtest may have written `test idle_connection_holder ... ` first.
            if let Some(n) = line.split("HOLDING ").nth(1) {
                return n.trim().parse::<usize>().expect("count");
            }
        }
        panic!("the holder exited without opening its connections");
    })
    .await
    .expect("joins");
    println!("idle connections: opened in {:?}", spawned.elapsed());
    // Give the server time to accept them all, then hold them.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = Instant::now();
    assert_serving(addr, "10,000 idle connections").await;
    let latency = started.elapsed();
    let during = vm_rss_kib();
    let grown = during.saturating_sub(before);
    println!(
        "idle connections: {opened} open; a normal request took {latency:?}; \
VmRSS {before} KiB -> {during} KiB (+{grown} KiB, {} bytes a connection)",
        grown * 1024 / opened.max(1) as u64
    );
    assert_eq!(opened, idle_connections());
    // A connection waiting for its request line costs a task and a read buffer; bound
    // it at 64 KiB each, far below what buffering anything unbounded would take.
    assert!(
        grown < (opened as u64) * 64,
        "VmRSS grew by {grown} KiB for {opened} idle connections"
    );
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_serving(addr, "the idle connections closed").await;
    let stopping = Instant::now();
    server.shutdown().await.expect("shuts down");
    println!("idle connections: shut down in {:?}", stopping.elapsed());
}

/// The client side of `ten_thousand_idle_connections`, run in a child process. Does
/// nothing unless that test started it.
#[test]
#[ignore = "run by ten_thousand_idle_connections in a child process"]
fn idle_connection_holder() {
    let Ok(addr) = std::env::var(IDLE_ADDR_ENV) else {
        return;
    };
    let addr: SocketAddr = addr.parse().expect("address");
    let count = idle_connections();
    let mut held = Vec::with_capacity(count);
    for i in 0..count {
        held.push(std::net::TcpStream::connect(addr).expect("connects"));
        // Let the server's accept loop keep up, so no SYN is dropped from a full
        // backlog and retried a second later.
        if i % 100 == 99 {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    println!("HOLDING {}", held.len());
    std::io::stdout().flush().expect("flushes");
    // Hold them until the parent closes stdin (or kills this process).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

// ---------------------------------------------------------------------------------
// The fuzz targets on stable: the same functions cargo-fuzz runs, over inputs from a
// seeded generator biased toward each target's grammar.

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// An input of up to `max_parts` pieces, each a token or a few random bytes.
    fn input(&mut self, tokens: &[&str], max_parts: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..self.below(max_parts + 1) {
            if self.below(4) == 0 {
                for _ in 0..self.below(4) + 1 {
                    out.push(self.next() as u8);
                }
            } else {
                out.extend_from_slice(tokens[self.below(tokens.len())].as_bytes());
            }
        }
        out
    }
}

const STABLE_RUNS: usize = 5_000;

const FORM_TOKENS: &[&str] = &[
    "&",
    "=",
    ".",
    "Action=",
    "QueueUrl=",
    "QueueName=",
    "Attribute.",
    "AttributeName",
    "MessageAttribute.",
    "MessageSystemAttribute.",
    "Tag.",
    "TagKey.",
    "Name",
    "Value",
    "Key",
    ".Name=",
    ".Value=",
    ".Key=",
    ".Value.StringValue=",
    ".Value.DataType=",
    ".Value.BinaryValue=",
    ".Value.StringListValue.",
    "SendMessageBatchRequestEntry.",
    "DeleteMessageBatchRequestEntry.",
    "ChangeMessageVisibilityBatchRequestEntry.",
    "Entries.",
    ".Id=",
    ".MessageBody=",
    ".ReceiptHandle=",
    "MessageBody=",
    "1",
    "2",
    "10",
    "0",
    "01",
    "10000",
    "10001",
    "99999999999",
    "-1",
    "%",
    "%FF",
    "%00",
    "%2E",
    "+",
    "%E2%82%AC",
    "All",
    "MaxNumberOfMessages=",
    "x",
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\"QueueUrl\"",
    "\"QueueName\"",
    "\"Entries\"",
    "\"Id\"",
    "\"MessageBody\"",
    "\"MessageAttributes\"",
    "\"DataType\"",
    "\"BinaryValue\"",
    "\"StringValue\"",
    "\"Attributes\"",
    "\"tags\"",
    "\"MaxNumberOfMessages\"",
    "\"DelaySeconds\"",
    "\"x\"",
    "\"AAAA\"",
    "\"!!\"",
    "1",
    "-1",
    "1.5",
    "1e400",
    "9223372036854775808",
    "null",
    "true",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\uDC00\"",
    "\\",
];

#[test]
fn fuzz_query_decode_stable() {
    let mut rng = XorShift(0x5eed_0001);
    for _ in 0..STABLE_RUNS {
        targets::query_decode(&rng.input(FORM_TOKENS, 40));
    }
}

#[test]
fn fuzz_json_decode_stable() {
    let mut rng = XorShift(0x5eed_0002);
    for _ in 0..STABLE_RUNS {
        targets::json_decode(&rng.input(JSON_TOKENS, 40));
    }
    targets::json_decode("[".repeat(100_000).as_bytes());
    targets::json_decode(r#"{"a":"#.repeat(100_000).as_bytes());
}

#[test]
fn fuzz_xml_roundtrip_stable() {
    let mut rng = XorShift(0x5eed_0003);
    for _ in 0..STABLE_RUNS {
        let len = rng.below(600);
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        targets::xml_roundtrip(&data);
    }
}

#[test]
fn fuzz_message_rules_stable() {
    let mut rng = XorShift(0x5eed_0004);
    for _ in 0..STABLE_RUNS {
        let len = rng.below(800);
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        targets::message_rules(&data);
    }
}

/// The fuzz targets' own checks must be able to fail.
#[test]
fn fuzz_targets_catch_broken_output() {
    assert!(targets::parse_xml("<a><b></a>").is_err());
    assert!(
        targets::parse_xml("<a>\u{1}</a>").is_err() || targets::parse_xml("<a>&#x1;</a>").is_err()
    );
    assert!(targets::parse_xml("<a/><b/>").is_err());
    let parsed = targets::parse_xml("<a><b>x&amp;&#xD;y</b></a>").expect("parses");
    assert_eq!(parsed[0], ("a/b".to_owned(), "x&\ry".to_owned()));
}
