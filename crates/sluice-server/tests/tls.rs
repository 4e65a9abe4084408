//! The HTTPS listener: the real `aws-sdk-sqs` over TLS trusting the development
//! certificate (and failing without it), the plain listener beside it, HTTPS-only mode,
//! the handshake bound, the certificate kept across restarts, and the connection facts
//! each listener attaches to requests (through `server::serve` with a router of our own).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};
use common::{sdk_client, ACCESS_KEY, REGION};
use sluice_core::clock::{Clock, SystemClock};
use sluice_server::limits::Gates;
use sluice_server::server::{serve, Listener};
use sluice_server::tls::{Identity, TlsConfig};
use sluice_server::{Config, ConnectionInfo, Limits, RunningServer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Bound on waiting for something that should happen promptly.
const PROMPT: Duration = Duration::from_secs(5);

fn tls_config(dir: &std::path::Path, only: bool) -> TlsConfig {
    TlsConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        identity: Identity::SelfSigned {
            dir: dir.to_owned(),
            names: Vec::new(),
        },
        only,
    }
}

async fn start(config: Config) -> RunningServer {
    sluice_server::start(config).await.expect("server starts")
}

/// An SDK client for `endpoint` whose only trusted certificate is `trusted_pem`.
fn https_client(endpoint: &str, trusted_pem: Vec<u8>) -> Client {
    let trust = TrustStore::empty().with_pem_certificate(trusted_pem);
    https_client_with(endpoint, trust)
}

fn https_client_with(endpoint: &str, trust: TrustStore) -> Client {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(trust)
                .build()
                .expect("tls context"),
        )
        .build_https();
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(ACCESS_KEY, "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .http_client(http_client)
        .build();
    Client::from_conf(config)
}

fn trusted_pem(server: &RunningServer) -> Vec<u8> {
    std::fs::read(server.tls_cert.as_ref().expect("a certificate file")).expect("readable")
}

async fn create_queue(client: &Client, name: &str) -> String {
    client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
        .queue_url
        .expect("queue url")
}

#[tokio::test]
async fn sdk_over_https_trusting_the_development_certificate_gets_https_queue_urls() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(Config {
        tls: Some(tls_config(dir.path(), false)),
        ..Config::ephemeral()
    })
    .await;
    let endpoint = server.tls_endpoint_url().expect("an https listener");
    assert!(endpoint.starts_with("https://127.0.0.1:"), "{endpoint}");
    let client = https_client(&endpoint, trusted_pem(&server));

    let url = create_queue(&client, "secure").await;
    assert_eq!(
        url,
        format!("{endpoint}/000000000000/secure"),
        "queue URLs follow the listener's scheme"
    );
    let got = client
        .get_queue_url()
        .queue_name("secure")
        .send()
        .await
        .unwrap();
    assert_eq!(got.queue_url(), Some(url.as_str()));
    client
        .send_message()
        .queue_url(&url)
        .message_body("over tls")
        .send()
        .await
        .unwrap();
    let received = client
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    let messages = received.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].body(), Some("over tls"));

    // The plain listener serves beside it, with http URLs for the same queues.
    let plain = sdk_client(&server.endpoint_url());
    let listed = plain.list_queues().send().await.unwrap();
    assert_eq!(
        listed.queue_urls(),
        [format!("{}/000000000000/secure", server.endpoint_url())]
    );
    plain
        .send_message()
        .queue_url(listed.queue_urls()[0].clone())
        .message_body("over tcp")
        .send()
        .await
        .unwrap();
    let received = client
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(received.messages()[0].body(), Some("over tcp"));

    tokio::time::timeout(PROMPT, server.shutdown())
        .await
        .expect("prompt shutdown with TLS connections open")
        .expect("clean shutdown");
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(Config {
        tls: Some(tls_config(dir.path(), false)),
        ..Config::ephemeral()
    })
    .await;
    let endpoint = server.tls_endpoint_url().unwrap();
    // Trusting another certificate (a different development certificate) is not enough.
    let other_dir = tempfile::tempdir().unwrap();
    let other = sluice_server::tls::load(
        &Identity::SelfSigned {
            dir: other_dir.path().to_owned(),
            names: Vec::new(),
        },
        SystemClock.now_ms(),
    )
    .unwrap();
    let other_pem = std::fs::read(&other.cert_path).unwrap();
    for client in [
        https_client(&endpoint, other_pem),
        https_client_with(&endpoint, TrustStore::default()),
    ] {
        let err = client
            .list_queues()
            .send()
            .await
            .expect_err("an untrusted certificate must fail the call");
        assert!(
            matches!(err, aws_sdk_sqs::error::SdkError::DispatchFailure(_)),
            "{err:?}"
        );
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn tls_only_opens_no_plain_listener_and_tls_port_rejects_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    // A port that was free a moment ago: the plain listener would have taken it.
    let plain_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let server = start(Config {
        listen: format!("127.0.0.1:{plain_port}").parse().unwrap(),
        tls: Some(tls_config(dir.path(), true)),
        ..Config::ephemeral()
    })
    .await;
    assert_eq!(Some(server.addr), server.tls_addr);
    let endpoint = server.endpoint_url();
    assert!(endpoint.starts_with("https://"), "{endpoint}");
    assert!(
        TcpStream::connect(("127.0.0.1", plain_port)).await.is_err(),
        "the plain listener must not be open"
    );

    // Plain HTTP sent to the TLS port gets no HTTP answer.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(!answer.starts_with(b"HTTP/"), "{answer:?}");

    let client = https_client(&endpoint, trusted_pem(&server));
    let url = create_queue(&client, "only").await;
    assert!(url.starts_with("https://"), "{url}");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_handshake_that_does_not_finish_within_the_idle_timeout_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    const IDLE: Duration = Duration::from_millis(300);
    let server = start(Config {
        tls: Some(tls_config(dir.path(), false)),
        limits: Limits {
            idle_timeout_ms: IDLE.as_millis() as u64,
            max_connections: 1,
            ..Limits::default()
        },
        ..Config::ephemeral()
    })
    .await;
    let started = Instant::now();
    let mut stalled = TcpStream::connect(server.tls_addr.unwrap()).await.unwrap();
    let answer = read_until_closed(&mut stalled).await;
    let waited = started.elapsed();
    assert!(answer.is_empty(), "{answer:?}");
    assert!(waited >= IDLE - Duration::from_millis(50), "{waited:?}");
    assert!(waited < PROMPT, "{waited:?}");
    // Its connection permit is given back: the one connection allowed can be served.
    let client = https_client(&server.tls_endpoint_url().unwrap(), trusted_pem(&server));
    tokio::time::timeout(PROMPT, client.list_queues().send())
        .await
        .expect("served once the stalled handshake is dropped")
        .unwrap();
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_development_certificate_is_kept_across_restarts() {
    let data = tempfile::tempdir().unwrap();
    let cli = sluice_server::config::Cli {
        data_dir: Some(data.path().to_owned()),
        listen: Some("127.0.0.1:0".parse().unwrap()),
        tls_listen: Some("127.0.0.1:0".parse().unwrap()),
        tls_self_signed: true,
        // Any free port: the default one may be another server's.
        admin_listen: Some("127.0.0.1:0".parse().unwrap()),
        ..Default::default()
    };
    let config = Config::from_cli(cli).unwrap();
    let first = start(config.clone()).await;
    let cert_path = first.tls_cert.clone().unwrap();
    assert_eq!(
        cert_path,
        data.path()
            .join("tls")
            .join(sluice_server::tls::SELF_SIGNED_CERT_FILE)
    );
    let pem = trusted_pem(&first);
    first.shutdown().await.unwrap();

    let second = start(config).await;
    assert_eq!(trusted_pem(&second), pem, "the same certificate is served");
    let client = https_client(&second.tls_endpoint_url().unwrap(), pem);
    create_queue(&client, "after-restart").await;
    second.shutdown().await.unwrap();
}

// ---- Connection facts, through the accept loop with a router of our own ----

/// Answers each request with the connection facts it carries.
fn echo_router() -> axum::Router {
    axum::Router::new().fallback(|request: axum::extract::Request| async move {
        match ConnectionInfo::of(request.extensions()) {
            Some(info) => format!("peer={} secure={}", info.peer, info.secure),
            None => "none".to_owned(),
        }
    })
}

/// Serves `echo_router` on a new loopback listener until `stop` fires.
async fn serve_echo(
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let gates = Gates::new(Limits::default());
    tokio::spawn(serve(
        vec![Listener { tcp, tls }],
        echo_router(),
        gates,
        Duration::from_secs(5),
        async move {
            let _ = stop_rx.await;
        },
    ));
    (addr, stop_tx)
}

async fn get_body<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) -> String {
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let response = String::from_utf8(read_until_closed(stream).await).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap()
}

async fn read_until_closed<S: AsyncRead + Unpin>(stream: &mut S) -> Vec<u8> {
    let mut buf = Vec::new();
    match tokio::time::timeout(PROMPT, stream.read_to_end(&mut buf)).await {
        Ok(_) => buf, // closed, cleanly or by a reset
        Err(_) => panic!("the connection was not closed in time"),
    }
}

#[tokio::test]
async fn each_listener_tells_the_handler_the_peer_and_whether_it_is_secure() {
    let (plain_addr, stop_plain) = serve_echo(None).await;
    let mut stream = TcpStream::connect(plain_addr).await.unwrap();
    let local = stream.local_addr().unwrap();
    assert_eq!(
        get_body(&mut stream).await,
        format!("peer={local} secure=false")
    );

    let dir = tempfile::tempdir().unwrap();
    let loaded = sluice_server::tls::load(
        &Identity::SelfSigned {
            dir: dir.path().to_owned(),
            names: Vec::new(),
        },
        SystemClock.now_ms(),
    )
    .unwrap();
    let (tls_addr, stop_tls) = serve_echo(Some(loaded.acceptor)).await;
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(&loaded.cert_path).unwrap();
    use rustls::pki_types::pem::PemObject;
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let client_config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
    let tcp = TcpStream::connect(tls_addr).await.unwrap();
    let local = tcp.local_addr().unwrap();
    let server_name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut stream = connector.connect(server_name, tcp).await.unwrap();
    assert_eq!(
        get_body(&mut stream).await,
        format!("peer={local} secure=true")
    );
    let _ = (stop_plain.send(()), stop_tls.send(()));
}
