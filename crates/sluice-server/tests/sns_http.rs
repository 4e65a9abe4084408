//! SNS delivery to HTTP endpoints, through the `sluice` binary (run with `--test-clock`
//! over a data directory) and a real endpoint this test serves on a loopback port:
//! the confirmation flow (the SubscriptionConfirmation arrives, an unsigned GET of its
//! SubscribeURL confirms), notifications with AWS's headers whose signatures verify
//! against the certificate at SigningCertURL (versions 1 and 2), raw delivery, retries
//! on 500s and on timeouts at the times the delivery policy names on the test clock, the
//! dead-letter queue after the retries run out, and the outbox surviving `kill -9`.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::process::Sluice;
use common::sns_query::verify_signature;
use parking_lot::Mutex;

/// The POST timeout the server runs with here (AWS's is 15 s).
const TIMEOUT_MS: u64 = 400;
/// How long to watch for something that must not happen (real time: the worker looks
/// at the outbox at least once a second).
const QUIET: Duration = Duration::from_millis(1_500);

// ---------------------------------------------------------------------------------------
// The endpoint.
// ---------------------------------------------------------------------------------------

/// How the endpoint answers notifications (confirmations always get a 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Accept,
    Fail(u16),
    /// Answers only after the server's timeout.
    Hang,
}

/// One POST the endpoint received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: BTreeMap<String, String>,
    body: String,
    /// The test clock's offset (what the test had advanced it by) when it arrived.
    at_ms: u64,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    fn kind(&self) -> &str {
        self.header("x-amz-sns-message-type").unwrap_or_default()
    }

    fn doc(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON document")
    }
}

#[derive(Default)]
struct Endpoint {
    received: Mutex<Vec<Received>>,
    modes: Mutex<BTreeMap<String, Mode>>,
    offset_ms: AtomicU64,
}

impl Endpoint {
    /// Serves on a loopback port; answers the base URL.
    async fn start() -> (Arc<Self>, String) {
        let endpoint = Arc::new(Self::default());
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(endpoint.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (endpoint, format!("http://{addr}"))
    }

    /// Serves HTTPS on a loopback port with a new self-signed certificate kept in
    /// `dir`; answers the base URL and the certificate file (for the server to trust).
    async fn start_tls(dir: &std::path::Path) -> (Arc<Self>, String, std::path::PathBuf) {
        use sluice_core::clock::Clock as _;
        use sluice_server::server::{serve, Listener};
        use sluice_server::tls::{load, Identity};
        let identity = Identity::SelfSigned {
            dir: dir.to_owned(),
            names: vec!["127.0.0.1".to_owned()],
        };
        let loaded = load(&identity, sluice_core::clock::SystemClock.now_ms()).unwrap();
        let endpoint = Arc::new(Self::default());
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(endpoint.clone());
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let gates = sluice_server::limits::Gates::new(sluice_server::Limits::default());
        tokio::spawn(serve(
            vec![Listener {
                tcp,
                tls: Some(loaded.acceptor),
            }],
            app,
            gates,
            Duration::from_secs(30),
            std::future::pending(),
        ));
        (endpoint, format!("https://{addr}"), loaded.cert_path)
    }

    fn set_mode(&self, path: &str, mode: Mode) {
        self.modes.lock().insert(path.to_owned(), mode);
    }

    fn on(&self, path: &str) -> Vec<Received> {
        self.received
            .lock()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    fn of_kind(&self, path: &str, kind: &str) -> Vec<Received> {
        self.on(path)
            .into_iter()
            .filter(|r| r.kind() == kind)
            .collect()
    }

    /// Waits (60 s of real time at most) until `path` has had `count` POSTs of `kind`.
    async fn wait_for(&self, path: &str, kind: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.of_kind(path, kind);
            if got.len() >= count {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{path} got {} {kind} POSTs, expected {count}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(
    State(endpoint): State<Arc<Endpoint>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let record = Received {
        path: uri.path().to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        at_ms: endpoint.offset_ms.load(Ordering::SeqCst),
    };
    let notification = record.kind() == "Notification";
    let mode = endpoint
        .modes
        .lock()
        .get(&record.path)
        .copied()
        .unwrap_or(Mode::Accept);
    endpoint.received.lock().push(record);
    match (notification, mode) {
        (true, Mode::Fail(status)) => StatusCode::from_u16(status).unwrap().into_response(),
        (true, Mode::Hang) => {
            tokio::time::sleep(Duration::from_millis(TIMEOUT_MS * 10)).await;
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

// ---------------------------------------------------------------------------------------
// The server and SNS calls.
// ---------------------------------------------------------------------------------------

struct Server {
    sluice: Sluice,
    http: reqwest::Client,
    admin: String,
}

impl Server {
    fn start(data: &std::path::Path, logs: &std::path::Path, run: &str) -> Self {
        Self::start_with_env(data, logs, run, &[])
    }

    fn start_with_env(
        data: &std::path::Path,
        logs: &std::path::Path,
        run: &str,
        envs: &[(&str, &std::ffi::OsStr)],
    ) -> Self {
        let timeout = TIMEOUT_MS.to_string();
        let args: [&std::ffi::OsStr; 3] = [
            "--test-clock".as_ref(),
            "--sns-http-timeout-ms".as_ref(),
            timeout.as_ref(),
        ];
        let sluice = Sluice::start_with_env(data, logs, run, &args, envs);
        let admin = sluice.admin_url();
        Self {
            sluice,
            http: reqwest::Client::new(),
            admin,
        }
    }

    fn endpoint(&self) -> String {
        self.sluice.endpoint()
    }

    /// Moves the server's test clock, and the endpoint's record of it.
    async fn advance(&self, endpoint: &Endpoint, ms: u64) {
        endpoint.offset_ms.fetch_add(ms, Ordering::SeqCst);
        let response = self
            .http
            .post(format!("{}/test-clock/advance?ms={ms}", self.admin))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// One SNS Query call; answers the text of element `field` (empty for none).
    async fn sns(&self, params: &[(&str, &str)], field: &str) -> String {
        let mut all = vec![("Version", "2010-03-31")];
        all.extend_from_slice(params);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        let response = self
            .http
            .post(self.endpoint())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("SNS request");
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{params:?}: {status}: {text}");
        element(&text, field).unwrap_or_default()
    }

    async fn topic(&self, name: &str, signature_version: &str) -> String {
        let params = [
            ("Action", "CreateTopic"),
            ("Name", name),
            ("Attributes.entry.1.key", "SignatureVersion"),
            ("Attributes.entry.1.value", signature_version),
        ];
        self.sns(&params, "TopicArn").await
    }

    /// Subscribes `url` with `attributes`, confirms it by an unsigned GET of the
    /// SubscribeURL its confirmation carried, and answers its ARN.
    async fn subscribe_confirmed(
        &self,
        endpoint: &Endpoint,
        topic: &str,
        url: &str,
        path: &str,
        attributes: &[(&str, &str)],
    ) -> String {
        let mut params = vec![
            ("Action", "Subscribe"),
            ("TopicArn", topic),
            ("Protocol", "http"),
            ("Endpoint", url),
        ];
        let names: Vec<(String, String)> = attributes
            .iter()
            .enumerate()
            .flat_map(|(i, (k, v))| {
                [
                    (format!("Attributes.entry.{}.key", i + 1), k.to_string()),
                    (format!("Attributes.entry.{}.value", i + 1), v.to_string()),
                ]
            })
            .collect();
        params.extend(names.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let pending = self.sns(&params, "SubscriptionArn").await;
        assert_eq!(pending, "pending confirmation");
        let confirmation = endpoint
            .wait_for(path, "SubscriptionConfirmation", 1)
            .await
            .remove(0);
        let subscribe_url = confirmation.doc()["SubscribeURL"]
            .as_str()
            .unwrap()
            .to_owned();
        let response = self.http.get(&subscribe_url).send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "GET SubscribeURL: {status}: {text}");
        assert!(text.contains("<ConfirmSubscriptionResponse"), "{text}");
        element(&text, "SubscriptionArn").expect("the confirmed subscription's ARN")
    }

    async fn publish(&self, topic: &str, message: &str, subject: Option<&str>) -> String {
        let mut params = vec![
            ("Action", "Publish"),
            ("TopicArn", topic),
            ("Message", message),
        ];
        if let Some(subject) = subject {
            params.push(("Subject", subject));
        }
        self.sns(&params, "MessageId").await
    }

    /// `sluice_sns_deliveries_total` of topic `name` for `outcome` over http (0 when the
    /// series is absent), from the admin listener's /metrics.
    async fn http_deliveries(&self, name: &str, outcome: &str) -> u64 {
        let text = self.admin_get("/metrics").await;
        let series = format!(
            r#"sluice_sns_deliveries_total{{account="000000000000",topic="{name}",protocol="http",outcome="{outcome}"}} "#
        );
        text.lines()
            .find_map(|line| line.strip_prefix(&series))
            .map_or(0, |n| n.trim().parse().unwrap())
    }

    /// Waits (real time) until the topic's http deliveries with `outcome` number `count`.
    async fn wait_for_deliveries(&self, name: &str, outcome: &str, count: u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let n = self.http_deliveries(name, outcome).await;
            if n == count {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name}: {n} deliveries {outcome}, expected {count}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn admin_get(&self, path: &str) -> String {
        let response = self
            .http
            .get(format!("{}{path}", self.admin))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {path}");
        response.text().await.unwrap()
    }

    async fn subscription_attribute(&self, arn: &str, name: &str) -> String {
        let params = [
            ("Action", "GetSubscriptionAttributes"),
            ("SubscriptionArn", arn),
        ];
        let mut all = vec![("Version", "2010-03-31")];
        all.extend_from_slice(&params);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        let text = self
            .http
            .post(self.endpoint())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let key = format!("<key>{name}</key><value>");
        let start = text
            .find(&key)
            .unwrap_or_else(|| panic!("{name} in {text}"))
            + key.len();
        let end = text[start..].find("</value>").unwrap() + start;
        text[start..end].to_owned()
    }
}

fn element(text: &str, field: &str) -> Option<String> {
    let open = format!("<{field}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find('<')? + start;
    Some(text[start..end].to_owned())
}

// ---------------------------------------------------------------------------------------
// Signatures, checked as a receiver checks them.
// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// Scenarios.
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_notifications_and_signatures() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), logs.path(), "flow");
    let (endpoint, base) = Endpoint::start().await;
    for version in ["1", "2"] {
        let topic = server.topic(&format!("hooks-v{version}"), version).await;
        let path = format!("/v{version}");
        let url = format!("{base}{path}");
        let arn = server
            .subscribe_confirmed(&endpoint, &topic, &url, &path, &[])
            .await;
        assert_eq!(
            server
                .subscription_attribute(&arn, "PendingConfirmation")
                .await,
            "false"
        );

        // The confirmation: AWS's headers (no subscription ARN) and a valid signature.
        let confirmation = endpoint
            .of_kind(&path, "SubscriptionConfirmation")
            .remove(0);
        assert_eq!(
            confirmation.header("x-amz-sns-topic-arn"),
            Some(topic.as_str())
        );
        assert_eq!(confirmation.header("x-amz-sns-subscription-arn"), None);
        assert_eq!(
            confirmation.header("user-agent"),
            Some("Amazon Simple Notification Service Agent")
        );
        assert_eq!(
            confirmation.header("content-type"),
            Some("text/plain; charset=UTF-8")
        );
        let doc = confirmation.doc();
        assert_eq!(doc["Type"], "SubscriptionConfirmation");
        assert_eq!(
            confirmation.header("x-amz-sns-message-id"),
            doc["MessageId"].as_str()
        );
        assert_eq!(doc["SignatureVersion"], version);
        verify_signature(&server.http, &doc).await;

        // A notification.
        let message_id = server
            .publish(&topic, "hello \u{e9}\n over http", Some("greeting"))
            .await;
        let notification = endpoint.wait_for(&path, "Notification", 1).await.remove(0);
        assert_eq!(
            notification.header("x-amz-sns-message-id"),
            Some(message_id.as_str())
        );
        assert_eq!(
            notification.header("x-amz-sns-subscription-arn"),
            Some(arn.as_str())
        );
        assert_eq!(
            notification.header("x-amz-sns-topic-arn"),
            Some(topic.as_str())
        );
        assert_eq!(notification.header("x-amz-sns-rawdelivery"), None);
        let doc = notification.doc();
        assert_eq!(doc["Message"], "hello \u{e9}\n over http");
        assert_eq!(doc["Subject"], "greeting");
        assert_eq!(doc["MessageId"], message_id.as_str());
        assert_eq!(
            doc["SigningCertURL"],
            format!("{}/_sluice/sns/signing-cert.pem", server.endpoint())
        );
        verify_signature(&server.http, &doc).await;

        // Raw delivery: the message itself, and the header that says so.
        let params = [
            ("Action", "SetSubscriptionAttributes"),
            ("SubscriptionArn", arn.as_str()),
            ("AttributeName", "RawMessageDelivery"),
            ("AttributeValue", "true"),
        ];
        server.sns(&params, "").await;
        server.publish(&topic, "raw body", None).await;
        let raw = endpoint.wait_for(&path, "Notification", 2).await.remove(1);
        assert_eq!(raw.body, "raw body");
        assert_eq!(raw.header("x-amz-sns-rawdelivery"), Some("true"));

        // Unsubscribe through the notification's UnsubscribeURL: an unsigned GET; the
        // endpoint is told with an UnsubscribeConfirmation.
        let unsubscribe_url = doc["UnsubscribeURL"].as_str().unwrap();
        let response = server.http.get(unsubscribe_url).send().await.unwrap();
        assert!(response.status().is_success());
        let goodbye = endpoint
            .wait_for(&path, "UnsubscribeConfirmation", 1)
            .await
            .remove(0);
        assert_eq!(
            goodbye.header("x-amz-sns-subscription-arn"),
            Some(arn.as_str())
        );
        let doc = goodbye.doc();
        assert_eq!(doc["Type"], "UnsubscribeConfirmation");
        verify_signature(&server.http, &doc).await;
        server.publish(&topic, "after unsubscribe", None).await;
        tokio::time::sleep(QUIET).await;
        assert_eq!(endpoint.of_kind(&path, "Notification").len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_follow_the_policy_then_dead_letter() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), logs.path(), "retries");
    let (endpoint, base) = Endpoint::start().await;
    let sqs = server.sluice.client();
    let dlq = sqs
        .create_queue()
        .queue_name("hook-dlq")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let dlq_arn = "arn:aws:sqs:us-east-1:000000000000:hook-dlq";
    let topic = server.topic("retried", "2").await;

    // 500s: one immediate retry, then two 5 s apart; then the dead-letter queue.
    let policy = r#"{"healthyRetryPolicy":{"numRetries":3,"numNoDelayRetries":1,"minDelayTarget":5,"maxDelayTarget":5}}"#;
    let redrive = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}"}}"#);
    endpoint.set_mode("/fails", Mode::Fail(500));
    server
        .subscribe_confirmed(
            &endpoint,
            &topic,
            &format!("{base}/fails"),
            "/fails",
            &[("DeliveryPolicy", policy), ("RedrivePolicy", &redrive)],
        )
        .await;
    // Timeouts: one retry 2 s later, no dead-letter queue.
    let policy = r#"{"healthyRetryPolicy":{"numRetries":1,"minDelayTarget":2,"maxDelayTarget":2}}"#;
    endpoint.set_mode("/hangs", Mode::Hang);
    server
        .subscribe_confirmed(
            &endpoint,
            &topic,
            &format!("{base}/hangs"),
            "/hangs",
            &[("DeliveryPolicy", policy)],
        )
        .await;
    let message_id = server.publish(&topic, "keep trying", None).await;

    let fails = endpoint.wait_for("/fails", "Notification", 2).await;
    assert!(
        fails.iter().all(|r| r.at_ms == 0),
        "first try and the immediate retry"
    );
    let hangs = endpoint.wait_for("/hangs", "Notification", 1).await;
    assert_eq!(hangs[0].at_ms, 0);
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        endpoint.of_kind("/fails", "Notification").len(),
        2,
        "nothing before 5 s"
    );
    assert_eq!(
        endpoint.of_kind("/hangs", "Notification").len(),
        1,
        "nothing before 2 s"
    );

    server.advance(&endpoint, 1_999).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        endpoint.of_kind("/hangs", "Notification").len(),
        1,
        "not at 1.999 s"
    );
    server.advance(&endpoint, 1).await;
    let hangs = endpoint.wait_for("/hangs", "Notification", 2).await;
    assert_eq!(
        hangs[1].at_ms, 2_000,
        "the timed-out POST is retried 2 s later"
    );

    server.advance(&endpoint, 2_999).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        endpoint.of_kind("/fails", "Notification").len(),
        2,
        "not at 4.999 s"
    );
    server.advance(&endpoint, 1).await;
    let fails = endpoint.wait_for("/fails", "Notification", 3).await;
    assert_eq!(fails[2].at_ms, 5_000);
    server.advance(&endpoint, 5_000).await;
    let fails = endpoint.wait_for("/fails", "Notification", 4).await;
    assert_eq!(fails[3].at_ms, 10_000);
    for r in &fails {
        assert_eq!(r.header("x-amz-sns-message-id"), Some(message_id.as_str()));
    }

    // Exhausted: the notification lands in the dead-letter queue, saying why.
    let deadline = Instant::now() + Duration::from_secs(30);
    let message = loop {
        let out = sqs
            .receive_message()
            .queue_url(&dlq)
            .message_attribute_names("All")
            .send()
            .await
            .unwrap();
        if let Some(m) = out.messages.unwrap_or_default().pop() {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "nothing reached the dead-letter queue"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let doc: serde_json::Value = serde_json::from_str(message.body().unwrap()).unwrap();
    assert_eq!(doc["MessageId"], message_id.as_str());
    assert_eq!(doc["Message"], "keep trying");
    let attributes = message.message_attributes().unwrap();
    assert_eq!(attributes["ErrorCode"].string_value(), Some("500"));
    assert_eq!(attributes["ErrorCode"].data_type(), "Number");
    assert!(attributes["ErrorMessage"]
        .string_value()
        .unwrap()
        .contains("HTTP 500"));
    assert!(attributes.contains_key("RequestID"));

    // Nothing more: four attempts to one, two to the other.
    server.advance(&endpoint, 60_000).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(endpoint.of_kind("/fails", "Notification").len(), 4);
    assert_eq!(endpoint.of_kind("/hangs", "Notification").len(), 2);

    // The metrics count each failed attempt that was retried, then the end of each.
    server
        .wait_for_deliveries("retried", "dead_lettered", 1)
        .await;
    server.wait_for_deliveries("retried", "dropped", 1).await;
    assert_eq!(server.http_deliveries("retried", "retrying").await, 3 + 1);
    assert_eq!(server.http_deliveries("retried", "delivered").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_succeeds_is_counted_and_listed() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), logs.path(), "flaky");
    let (endpoint, base) = Endpoint::start().await;
    let topic = server.topic("flaky", "1").await;
    let policy = r#"{"healthyRetryPolicy":{"numRetries":2,"minDelayTarget":3,"maxDelayTarget":3}}"#;
    endpoint.set_mode("/flaky", Mode::Fail(503));
    let subscription = server
        .subscribe_confirmed(
            &endpoint,
            &topic,
            &format!("{base}/flaky"),
            "/flaky",
            &[("DeliveryPolicy", policy)],
        )
        .await;
    let message_id = server.publish(&topic, "eventually", None).await;
    endpoint.wait_for("/flaky", "Notification", 1).await;
    server.wait_for_deliveries("flaky", "retrying", 1).await;
    assert_eq!(server.http_deliveries("flaky", "delivered").await, 0);

    // The endpoint recovers; the retry 3 s later is delivered.
    endpoint.set_mode("/flaky", Mode::Accept);
    server.advance(&endpoint, 3_000).await;
    let got = endpoint.wait_for("/flaky", "Notification", 2).await;
    assert_eq!(got[1].at_ms, 3_000);
    server.wait_for_deliveries("flaky", "delivered", 1).await;
    assert_eq!(server.http_deliveries("flaky", "retrying").await, 1);
    assert_eq!(server.http_deliveries("flaky", "dead_lettered").await, 0);

    // The console's topic page lists both attempts, newest first, after the
    // subscription's confirmation.
    let page = server
        .admin_get(&format!("/console/topics/{}", topic.replace(':', "%3A")))
        .await;
    let section = page
        .split(r#"<h2 id="deliveries-h">Recent deliveries</h2>"#)
        .nth(1)
        .expect("a Recent deliveries section")
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        section.contains("<caption>The last 3 delivery attempts"),
        "{section}"
    );
    let rows: Vec<&str> = section.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 3, "{section}");
    let field = |row: &str, name: &str| -> String {
        let open = format!(r#"<td data-field="{name}">"#);
        let start = row.find(&open).unwrap() + open.len();
        row[start..][..row[start..].find("</td>").unwrap()].to_owned()
    };
    assert_eq!(field(rows[0], "outcome"), "delivered");
    assert_eq!(field(rows[0], "http-status"), "200");
    assert_eq!(field(rows[0], "attempt"), "2");
    assert_eq!(field(rows[0], "protocol"), "http");
    assert!(field(rows[0], "message").contains(&message_id));
    assert!(field(rows[0], "endpoint").contains(&subscription));
    assert_eq!(field(rows[1], "outcome"), "retrying");
    assert_eq!(field(rows[1], "http-status"), "503");
    assert_eq!(field(rows[1], "attempt"), "1");
    assert!(field(rows[1], "detail").contains("HTTP 503"));
    assert!(field(rows[2], "message").contains("SubscriptionConfirmation"));
    assert_eq!(field(rows[2], "outcome"), "delivered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_receives_per_second_spaces_deliveries() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), logs.path(), "throttle");
    let (endpoint, base) = Endpoint::start().await;
    let topic = server.topic("throttled", "1").await;
    let policy = r#"{"throttlePolicy":{"maxReceivesPerSecond":2}}"#;
    server
        .subscribe_confirmed(
            &endpoint,
            &topic,
            &format!("{base}/slow"),
            "/slow",
            &[("DeliveryPolicy", policy)],
        )
        .await;
    for i in 0..4 {
        server.publish(&topic, &format!("m-{i}"), None).await;
    }
    endpoint.wait_for("/slow", "Notification", 1).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        endpoint.of_kind("/slow", "Notification").len(),
        1,
        "one per 500 ms"
    );
    server.advance(&endpoint, 500).await;
    endpoint.wait_for("/slow", "Notification", 2).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(endpoint.of_kind("/slow", "Notification").len(), 2);
    // A second later only one more: the throttle spaces them, it does not save up.
    server.advance(&endpoint, 1_000).await;
    endpoint.wait_for("/slow", "Notification", 3).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(endpoint.of_kind("/slow", "Notification").len(), 3);
    server.advance(&endpoint, 500).await;
    let got = endpoint.wait_for("/slow", "Notification", 4).await;
    let at: Vec<u64> = got.iter().map(|r| r.at_ms).collect();
    assert_eq!(at, [0, 500, 1_500, 2_000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_endpoints_are_delivered_to_over_tls() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let certs = tempfile::tempdir().unwrap();
    let (endpoint, base, cert) = Endpoint::start_tls(certs.path()).await;
    // The server trusts the endpoint's certificate as it would a system root.
    let server = Server::start_with_env(
        data.path(),
        logs.path(),
        "https",
        &[("SSL_CERT_FILE", cert.as_os_str())],
    );
    let topic = server.topic("secure", "2").await;
    let params = [
        ("Action", "Subscribe"),
        ("TopicArn", topic.as_str()),
        ("Protocol", "https"),
        ("Endpoint", &format!("{base}/tls")),
    ];
    server.sns(&params, "SubscriptionArn").await;
    let doc = endpoint
        .wait_for("/tls", "SubscriptionConfirmation", 1)
        .await
        .remove(0)
        .doc();
    verify_signature(&server.http, &doc).await;
    let response = server
        .http
        .get(doc["SubscribeURL"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let message_id = server.publish(&topic, "over tls", None).await;
    let notification = endpoint.wait_for("/tls", "Notification", 1).await.remove(0);
    assert_eq!(
        notification.header("x-amz-sns-message-id"),
        Some(message_id.as_str())
    );
    assert_eq!(notification.doc()["Message"], "over tls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_survives_kill_9() {
    const PUBLISHES: usize = 25;
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), logs.path(), "first");
    let (endpoint, base) = Endpoint::start().await;
    let topic = server.topic("durable", "1").await;
    let policy =
        r#"{"healthyRetryPolicy":{"numRetries":50,"minDelayTarget":1,"maxDelayTarget":1}}"#;
    server
        .subscribe_confirmed(
            &endpoint,
            &topic,
            &format!("{base}/down"),
            "/down",
            &[("DeliveryPolicy", policy)],
        )
        .await;
    endpoint.set_mode("/down", Mode::Fail(503));
    let mut acked = Vec::new();
    for i in 0..PUBLISHES {
        acked.push(server.publish(&topic, &format!("m-{i}"), None).await);
    }
    server.sluice.kill_9();
    let refused = endpoint.of_kind("/down", "Notification").len();
    assert!(refused >= 1, "the first run tried (and was refused)");
    endpoint.received.lock().clear();

    endpoint.set_mode("/down", Mode::Accept);
    let server = Server::start(data.path(), logs.path(), "second");
    // The restarted clock starts at the wall clock again, past the retries the first run
    // scheduled; a minute more changes nothing for them.
    server.advance(&endpoint, 60_000).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let delivered = loop {
        let accepted: Vec<String> = endpoint
            .of_kind("/down", "Notification")
            .iter()
            .map(|r| r.doc()["MessageId"].as_str().unwrap().to_owned())
            .collect();
        let unique: std::collections::BTreeSet<&String> = accepted.iter().collect();
        if unique.len() >= PUBLISHES {
            break accepted;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {PUBLISHES} arrived after the restart",
            unique.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &delivered {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let lost: Vec<&String> = acked
        .iter()
        .filter(|id| !counts.contains_key(id.as_str()))
        .collect();
    let duplicated = counts.values().filter(|&&n| n > 1).count();
    println!(
        "kill -9 with {PUBLISHES} acknowledged publishes pending: lost {}, duplicated {duplicated}",
        lost.len()
    );
    assert!(lost.is_empty(), "lost {lost:?}");
    assert_eq!(
        counts.len(),
        PUBLISHES,
        "nothing but the acknowledged publishes"
    );
    // Accepted deliveries are not made again.
    tokio::time::sleep(QUIET).await;
    server.advance(&endpoint, 10_000).await;
    tokio::time::sleep(QUIET).await;
    let after = endpoint.of_kind("/down", "Notification").len();
    assert_eq!(after, delivered.len(), "no delivery repeated once accepted");
}

// ---------------------------------------------------------------------------------------
// A server that enforces signatures still serves the confirmation links unsigned.
// ---------------------------------------------------------------------------------------

const OWNER_KEY: &str = "AKIAOWNER0000000001";
const OWNER_SECRET: &str = "owner-secret";

/// A Query request to SNS signed by the owner (or unsigned): status and body.
async fn query(
    http: &reqwest::Client,
    addr: std::net::SocketAddr,
    params: &[(&str, &str)],
    signed: bool,
) -> (u16, String) {
    use sluice_auth::sigv4::{sign_headers, Credentials, RequestParts};
    use sluice_core::clock::Clock as _;
    let mut all = vec![("Version", "2010-03-31")];
    all.extend_from_slice(params);
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(all)
        .finish();
    let host = addr.to_string();
    let mut headers = vec![
        ("host".to_owned(), host),
        (
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ),
    ];
    if signed {
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let parts = RequestParts {
            method: "POST",
            path: "/",
            query: None,
            headers: &pairs,
            body: body.as_bytes(),
        };
        let credentials = Credentials {
            access_key_id: OWNER_KEY,
            secret_access_key: OWNER_SECRET,
            session_token: None,
        };
        let now_ms = sluice_core::clock::SystemClock.now_ms();
        let signature = sign_headers(&parts, &credentials, "us-east-1", "sns", now_ms);
        headers.extend(signature.headers);
    }
    let mut request = http.post(format!("http://{addr}/")).body(body);
    for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
        request = request.header(k.as_str(), v.as_str());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_links_need_no_signature_on_a_signing_server() {
    use sluice_server::auth::identities::{IdentityConfig, Secret};
    let config = sluice_server::Config {
        identities: vec![IdentityConfig {
            access_key_id: OWNER_KEY.to_owned(),
            secret_access_key: Some(Secret::new(OWNER_SECRET)),
            account_id: "111111111111".to_owned(),
            principal_arn: None,
            policies: vec![],
            policy_files: vec![],
        }],
        ..sluice_server::Config::ephemeral()
    };
    let server = sluice_server::start(config).await.unwrap();
    let addr = server.addr;
    let http = reqwest::Client::new();
    let (endpoint, base) = Endpoint::start().await;

    let create = [("Action", "CreateTopic"), ("Name", "guarded")];
    let (status, text) = query(&http, addr, &create, false).await;
    assert_eq!(status, 403, "unsigned requests are refused: {text}");
    let (status, text) = query(&http, addr, &create, true).await;
    assert_eq!(status, 200, "{text}");
    let topic = element(&text, "TopicArn").unwrap();

    let mut arns = Vec::new();
    for path in ["/open", "/strict"] {
        let url = format!("{base}{path}");
        let subscribe = [
            ("Action", "Subscribe"),
            ("TopicArn", topic.as_str()),
            ("Protocol", "http"),
            ("Endpoint", url.as_str()),
            ("ReturnSubscriptionArn", "true"),
        ];
        let (status, text) = query(&http, addr, &subscribe, true).await;
        assert_eq!(status, 200, "{text}");
        arns.push(element(&text, "SubscriptionArn").unwrap());
    }
    // One confirmed by an unsigned GET of its SubscribeURL, as an endpoint does.
    let doc = endpoint
        .wait_for("/open", "SubscriptionConfirmation", 1)
        .await
        .remove(0)
        .doc();
    let response = http
        .get(doc["SubscribeURL"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains(&arns[0]));
    // The other confirmed by a signed call that asks for authenticated unsubscribes.
    let doc = endpoint
        .wait_for("/strict", "SubscriptionConfirmation", 1)
        .await
        .remove(0)
        .doc();
    let confirm = [
        ("Action", "ConfirmSubscription"),
        ("TopicArn", topic.as_str()),
        ("Token", doc["Token"].as_str().unwrap()),
        ("AuthenticateOnUnsubscribe", "true"),
    ];
    let (status, text) = query(&http, addr, &confirm, true).await;
    assert_eq!(status, 200, "{text}");

    // Other unsigned GETs are still refused.
    let list = format!("http://{addr}/?Action=ListTopics&Version=2010-03-31");
    assert_eq!(http.get(&list).send().await.unwrap().status(), 403);

    let publish = [
        ("Action", "Publish"),
        ("TopicArn", topic.as_str()),
        ("Message", "to both"),
    ];
    let (status, text) = query(&http, addr, &publish, true).await;
    assert_eq!(status, 200, "{text}");
    let open = endpoint
        .wait_for("/open", "Notification", 1)
        .await
        .remove(0);
    let strict = endpoint
        .wait_for("/strict", "Notification", 1)
        .await
        .remove(0);

    // The UnsubscribeURL works unsigned, except for a subscription confirmed with
    // AuthenticateOnUnsubscribe.
    let response = http
        .get(strict.doc()["UnsubscribeURL"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "{}", response.text().await.unwrap());
    let response = http
        .get(open.doc()["UnsubscribeURL"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    endpoint
        .wait_for("/open", "UnsubscribeConfirmation", 1)
        .await;
    let (status, text) = query(&http, addr, &publish, true).await;
    assert_eq!(status, 200, "{text}");
    endpoint.wait_for("/strict", "Notification", 2).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(endpoint.of_kind("/open", "Notification").len(), 1);
    server.shutdown().await.unwrap();
}
