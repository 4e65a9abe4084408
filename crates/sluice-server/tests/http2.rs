//! HTTP/2 on the same port as HTTP/1.1, against the `sluice` binary: SQS's JSON protocol
//! over cleartext HTTP/2 with prior knowledge (h2c), with requests multiplexed on one
//! connection; the same over TLS with `h2` chosen by ALPN; and HTTP/1.1 still served on
//! both listeners beside it.

mod common;

use std::ffi::OsStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::process::{free_port, Sluice};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2::SendRequest;
use hyper::{Request, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use sluice_core::clock::{Clock, SystemClock};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Bound on waiting for something that should happen promptly.
const PROMPT: Duration = Duration::from_secs(10);
/// Requests sent at once on one connection.
const CONCURRENT_REQUESTS: usize = 32;

/// An HTTP/2 client connection (cleartext or TLS) to `authority`.
#[derive(Clone)]
struct H2 {
    send: SendRequest<Full<Bytes>>,
    scheme: &'static str,
    authority: String,
}

impl H2 {
    async fn over<T>(io: T, scheme: &'static str, authority: String) -> Self
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (send, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(io))
                .await
                .expect("HTTP/2 handshake");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Self {
            send,
            scheme,
            authority,
        }
    }

    /// Cleartext HTTP/2 with prior knowledge: the connection preface straight away.
    async fn h2c(port: u16) -> Self {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        Self::over(tcp, "http", format!("127.0.0.1:{port}")).await
    }

    /// An SQS JSON 1.0 call: status, HTTP version and the JSON reply.
    async fn sqs(&self, action: &str, input: Value) -> (StatusCode, Version, Value) {
        let request = Request::post(format!("{}://{}/", self.scheme, self.authority))
            .version(Version::HTTP_2)
            .header("x-amz-target", format!("AmazonSQS.{action}"))
            .header("content-type", "application/x-amz-json-1.0")
            .body(Full::new(Bytes::from(input.to_string())))
            .unwrap();
        let mut send = self.send.clone();
        send.ready().await.expect("connection usable");
        let response = tokio::time::timeout(PROMPT, send.send_request(request))
            .await
            .expect("answered in time")
            .expect("a response");
        let (status, version) = (response.status(), response.version());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("{action}: {e}: {}", String::from_utf8_lossy(&body)))
        };
        (status, version, json)
    }

    /// Create, send, receive and delete over this connection, then many sends and a
    /// receive multiplexed at once; checks the queue URL names `authority`.
    async fn exercise(&self, queue: &str) {
        let (status, version, created) =
            self.sqs("CreateQueue", json!({ "QueueName": queue })).await;
        assert_eq!(
            (status, version),
            (StatusCode::OK, Version::HTTP_2),
            "{created}"
        );
        let url = created["QueueUrl"].as_str().expect("QueueUrl").to_owned();
        assert_eq!(
            url,
            format!("{}://{}/000000000000/{queue}", self.scheme, self.authority),
            "queue URLs take the host from :authority"
        );
        let (status, _, sent) = self
            .sqs(
                "SendMessage",
                json!({ "QueueUrl": url, "MessageBody": "over h2" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        assert!(sent["MessageId"].is_string());
        let (status, _, received) = self
            .sqs(
                "ReceiveMessage",
                json!({ "QueueUrl": url, "WaitTimeSeconds": 1 }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{received}");
        let message = &received["Messages"][0];
        assert_eq!(message["Body"], "over h2");
        let (status, _, deleted) = self
            .sqs(
                "DeleteMessage",
                json!({ "QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"] }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{deleted}");

        // A long poll holds its stream open while others come and go beside it.
        let poll = {
            let client = self.clone();
            let url = url.clone();
            tokio::spawn(async move {
                client
                    .sqs(
                        "ReceiveMessage",
                        json!({ "QueueUrl": url, "WaitTimeSeconds": 5, "MaxNumberOfMessages": 10 }),
                    )
                    .await
            })
        };
        let started = Instant::now();
        let sends: Vec<_> = (0..CONCURRENT_REQUESTS)
            .map(|i| {
                let client = self.clone();
                let url = url.clone();
                tokio::spawn(async move {
                    client
                        .sqs(
                            "SendMessage",
                            json!({ "QueueUrl": url, "MessageBody": format!("m{i}") }),
                        )
                        .await
                })
            })
            .collect();
        for send in sends {
            let (status, version, sent) = send.await.unwrap();
            assert_eq!(
                (status, version),
                (StatusCode::OK, Version::HTTP_2),
                "{sent}"
            );
        }
        let (status, _, polled) = poll.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{polled}");
        assert!(
            polled["Messages"].as_array().is_some_and(|m| !m.is_empty()),
            "the long poll got messages sent beside it: {polled}"
        );
        assert!(started.elapsed() < PROMPT);
        let (_, _, attributes) = self
            .sqs(
                "GetQueueAttributes",
                json!({ "QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
            )
            .await;
        let count = |name: &str| -> usize {
            attributes["Attributes"][name]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} in {attributes}"))
        };
        assert_eq!(
            count("ApproximateNumberOfMessages") + count("ApproximateNumberOfMessagesNotVisible"),
            CONCURRENT_REQUESTS
        );
        // An AWS error comes back on its stream like any reply.
        let (status, _, error) = self
            .sqs("GetQueueUrl", json!({ "QueueName": "absent" }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            error["__type"], "com.amazonaws.sqs#QueueDoesNotExist",
            "{error}"
        );
    }
}

/// An HTTP/1.1 JSON call with reqwest (which speaks only HTTP/1.1 here).
async fn http1_list_queues(endpoint: &str, client: &reqwest::Client) -> Value {
    let response = client
        .post(format!("{endpoint}/"))
        .header("x-amz-target", "AmazonSQS.ListQueues")
        .header("content-type", "application/x-amz-json-1.0")
        .body("{}")
        .send()
        .await
        .expect("HTTP/1.1 request");
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    assert_eq!(response.status(), 200);
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn sqs_json_over_h2c_with_prior_knowledge_beside_http1() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "h2c");
    let h2 = H2::h2c(server.port).await;
    h2.exercise("over-h2c").await;

    // HTTP/1.1 on the same port, as before: the SDK, and a plain client.
    let sdk = server.client();
    let listed = sdk.list_queues().send().await.expect("SDK over HTTP/1.1");
    assert_eq!(listed.queue_urls().len(), 1);
    let listed = http1_list_queues(&server.endpoint(), &reqwest::Client::new()).await;
    assert_eq!(
        listed["QueueUrls"][0],
        format!("{}/000000000000/over-h2c", server.endpoint())
    );

    // Query/XML over HTTP/2 too.
    let mut send = h2.send.clone();
    let request = Request::post(format!("{}/", server.endpoint()))
        .version(Version::HTTP_2)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from_static(
            b"Action=ListQueues&Version=2012-11-05",
        )))
        .unwrap();
    let response = send.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let xml = response.into_body().collect().await.unwrap().to_bytes();
    let xml = String::from_utf8_lossy(&xml);
    assert!(xml.contains("<ListQueuesResponse"), "{xml}");
    assert!(xml.contains("/000000000000/over-h2c</QueueUrl>"), "{xml}");
    server.terminate();
}

/// A TLS connection to `port` trusting `cert_pem`, offering `alpn`.
async fn tls_connect(
    port: u16,
    cert_pem: &[u8],
    alpn: &[&[u8]],
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(cert_pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let deadline = Instant::now() + PROMPT;
    let tcp = loop {
        match TcpStream::connect(("127.0.0.1", port)).await {
            Ok(tcp) => break tcp,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(e) => panic!("connect to the TLS listener: {e}"),
        }
    };
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS handshake")
}

#[tokio::test]
async fn sqs_json_over_tls_with_alpn_h2_and_http1_beside_it() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let tls_port = free_port();
    let tls_listen = format!("127.0.0.1:{tls_port}");
    let args: [&OsStr; 3] = [
        "--tls-self-signed".as_ref(),
        "--tls-listen".as_ref(),
        tls_listen.as_ref(),
    ];
    let server = Sluice::start_with(data.path(), logs.path(), "h2-tls", &args);
    let cert = data.path().join("tls").join("self-signed-cert.pem");
    let deadline = Instant::now() + PROMPT;
    while !cert.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let cert_pem = std::fs::read(&cert).expect("the development certificate");

    // A client offering both gets HTTP/2.
    let tls = tls_connect(tls_port, &cert_pem, &[b"h2", b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let h2 = H2::over(tls, "https", format!("localhost:{tls_port}")).await;
    h2.exercise("over-h2-tls").await;

    // A client offering only HTTP/1.1 gets it, and is served as before.
    let tls = tls_connect(tls_port, &cert_pem, &[b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let request = Request::post("/")
        .header("host", format!("localhost:{tls_port}"))
        .header("x-amz-target", "AmazonSQS.ListQueues")
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let response = send.send_request(request).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_11);
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let listed: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        listed["QueueUrls"][0],
        format!("https://localhost:{tls_port}/000000000000/over-h2-tls")
    );

    // No ALPN at all: the first bytes decide, so prior-knowledge HTTP/2 over TLS works.
    let tls = tls_connect(tls_port, &cert_pem, &[]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), None);
    let h2 = H2::over(tls, "https", format!("localhost:{tls_port}")).await;
    let (status, version, _) = h2.sqs("ListQueues", json!({})).await;
    assert_eq!((status, version), (StatusCode::OK, Version::HTTP_2));

    // The plain listener beside it serves both versions too.
    let h2 = H2::h2c(server.port).await;
    let (status, version, listed) = h2.sqs("ListQueues", json!({})).await;
    assert_eq!((status, version), (StatusCode::OK, Version::HTTP_2));
    assert_eq!(
        listed["QueueUrls"][0],
        format!("http://127.0.0.1:{}/000000000000/over-h2-tls", server.port)
    );
    http1_list_queues(&server.endpoint(), &reqwest::Client::new()).await;
    server.terminate();
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_with_goaway() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let args: [&OsStr; 2] = ["--idle-timeout-ms".as_ref(), "500".as_ref()];
    let server = Sluice::start_with(data.path(), logs.path(), "h2-idle", &args);
    let tcp = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    let closed = tokio::spawn(async move {
        let started = Instant::now();
        let result = conn.await;
        (started.elapsed(), result.is_ok())
    });
    let request = Request::post(format!("{}/", server.endpoint()))
        .version(Version::HTTP_2)
        .header("x-amz-target", "AmazonSQS.ListQueues")
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let response = send.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    drop(response);
    // Pings do not keep it open: with no stream for the idle timeout, the server
    // sends GOAWAY and closes, and the client sees a clean end.
    let (after, clean) = tokio::time::timeout(PROMPT, closed)
        .await
        .expect("idle HTTP/2 connection closed")
        .unwrap();
    assert!(
        after >= Duration::from_millis(400),
        "closed after {after:?}"
    );
    assert!(clean, "closed with GOAWAY, not reset");
    server.terminate();
}

/// `request` signed with SigV4 for SQS as `key` with `secret`, the host taken from its
/// URI's authority (HTTP/2 sends no Host header).
fn signed(
    mut request: Request<Full<Bytes>>,
    body: &[u8],
    key: &str,
    secret: &str,
) -> Request<Full<Bytes>> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    let identity = aws_credential_types::Credentials::new(key, secret, None, None, "test").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sqs")
        .time(std::time::UNIX_EPOCH + Duration::from_millis(SystemClock.now_ms()))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let uri = request.uri().to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let signable = SignableRequest::new(
        "POST",
        &uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut request);
    request
}

#[tokio::test]
async fn sigv4_over_h2c_signs_the_authority_as_host() {
    use sluice_server::auth::identities::{IdentityConfig, Secret};
    let mut config = sluice_server::Config::ephemeral();
    config.identities = vec![IdentityConfig {
        access_key_id: "AKIDH2".to_owned(),
        secret_access_key: Some(Secret::new("h2-secret".to_owned())),
        account_id: "123456789012".to_owned(),
        principal_arn: None,
        policies: vec![],
        policy_files: vec![],
    }];
    let server = sluice_server::start(config).await.expect("server starts");
    let h2 = H2::h2c(server.addr.port()).await;
    let body = br#"{"QueueName":"signed-h2"}"#;
    let request = |secret: &str| {
        let request = Request::post(format!("http://{}/", server.addr))
            .version(Version::HTTP_2)
            .header("x-amz-target", "AmazonSQS.CreateQueue")
            .header("content-type", "application/x-amz-json-1.0")
            .body(Full::new(Bytes::from_static(body)))
            .unwrap();
        signed(request, body, "AKIDH2", secret)
    };
    let mut send = h2.send.clone();
    let response = send.send_request(request("h2-secret")).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    let status = response.status();
    let reply = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply)
    );
    let reply: Value = serde_json::from_slice(&reply).unwrap();
    assert_eq!(
        reply["QueueUrl"],
        format!("http://{}/123456789012/signed-h2", server.addr)
    );
    let response = send.send_request(request("wrong-secret")).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let reply = response.into_body().collect().await.unwrap().to_bytes();
    let reply: Value = serde_json::from_slice(&reply).unwrap();
    assert!(
        reply["__type"]
            .as_str()
            .unwrap()
            .ends_with("SignatureDoesNotMatch"),
        "{reply}"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_oversized_body_over_http2_gets_413_and_the_connection_goes_on() {
    const MAX: usize = 1024;
    let config = sluice_server::Config {
        limits: sluice_server::Limits {
            max_request_bytes: MAX,
            ..sluice_server::Limits::default()
        },
        ..sluice_server::Config::ephemeral()
    };
    let server = sluice_server::start(config).await.expect("server starts");
    let h2 = H2::h2c(server.addr.port()).await;
    let body = json!({ "QueueName": "x".repeat(MAX * 2) });
    let (status, version, error) = h2.sqs("CreateQueue", body).await;
    assert_eq!(
        (status, version),
        (StatusCode::PAYLOAD_TOO_LARGE, Version::HTTP_2)
    );
    assert_eq!(
        error["__type"], "com.amazon.coral.service#RequestEntityTooLarge",
        "{error}"
    );
    // The stream ended alone; the connection carries the next request.
    let (status, _, listed) = h2.sqs("ListQueues", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    // One far over the drain bound is answered at once, without reading it.
    let huge = json!({ "QueueName": "y".repeat(20 * 1024 * 1024) });
    let (status, _, _) = h2.sqs("CreateQueue", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, listed) = h2.sqs("ListQueues", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    server.shutdown().await.unwrap();
}
