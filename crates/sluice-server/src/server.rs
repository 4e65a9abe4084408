//! Starting and stopping a server: open the store, build the service, predefine the
//! configured queues, serve HTTP until told to stop, then answer waiting long polls,
//! drain requests and flush the journal.
//!
//! The accept loop takes a connection only once it holds one of `max_connections`
//! permits, so connections beyond the bound wait in the kernel's backlog. Each
//! connection speaks HTTP/1.1 or HTTP/2: over TLS as ALPN settled it, otherwise by
//! its first bytes (HTTP/2's connection preface means cleartext HTTP/2 with prior
//! knowledge, anything else HTTP/1). HTTP/1 keeps hyper's header read timeout, which
//! runs from the moment a connection waits for its next request, so it closes idle
//! keep-alive connections and clients too slow to send a request head alike. Every
//! connection, of either version, is also closed once it has had no request open for
//! the idle timeout (`idle.rs`), which covers a client that sends nothing at all and an
//! HTTP/2 connection between streams. A connection being closed, by the idle timeout or
//! at shutdown, that has not closed `CLOSE_GRACE_MS` after its last request ended (an
//! HTTP/2 client that never acknowledges GOAWAY) is dropped. A response that streams
//! holds its connection open until its producer ends it, at shutdown too: services that
//! stream must end their streams when the server stops, as long polls are answered.
//! HTTP/2's own bounds are in `limits.rs`.
//!
//! Beside the plain listener an HTTPS listener may run (`tls.rs`), or run alone. Both
//! share the connection permits and the idle timeout; an HTTPS connection holds its
//! permit through the TLS handshake, which must finish within the idle timeout. Every
//! request carries its connection's facts (`connection.rs`).

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use sluice_core::clock::{Clock, ManualClock, SystemClock};
use sluice_core::sns::Sns;
use sluice_core::sqs::Sqs;
use sluice_core::sts::Sts;
use sluice_store::{EmbeddedStore, StoreOptions};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::admin::AdminState;
use crate::auth::identities::Identities;
use crate::auth::Authenticator;
use crate::config::Config;
use crate::connection::{ConnectionInfo, WithConnectionInfo};
use crate::front::{router, AppState};
use crate::idle::{Activity, Tracked};
use crate::limits::{
    Gates, Load, ACCEPT_ERROR_PAUSE_MS, CLOSE_GRACE_MS, HTTP2_CONNECTION_WINDOW_BYTES,
    HTTP2_KEEP_ALIVE_INTERVAL_MS, HTTP2_KEEP_ALIVE_TIMEOUT_MS, HTTP2_MAX_CONCURRENT_STREAMS,
    HTTP2_MAX_FRAME_BYTES, HTTP2_MAX_HEADER_LIST_BYTES, HTTP2_MAX_PENDING_RESET_STREAMS,
    HTTP2_MAX_SEND_BUF_BYTES, HTTP2_STREAM_WINDOW_BYTES,
};
use crate::sns::http_delivery::DeliveryWorker;

/// A running server.
pub struct RunningServer {
    /// The plain listener's address; the HTTPS listener's when it runs alone.
    pub addr: SocketAddr,
    /// The HTTPS listener's address, when one runs.
    pub tls_addr: Option<SocketAddr>,
    /// The certificate file the HTTPS listener serves (for a development certificate,
    /// the file clients should trust).
    pub tls_cert: Option<PathBuf>,
    /// The admin listener's address.
    pub admin_addr: SocketAddr,
    tls_only: bool,
    pub sqs: Arc<Sqs>,
    pub test_clock: Option<ManualClock>,
    gates: Arc<Gates>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), String>>,
}

impl RunningServer {
    /// The URL of `addr`: `http://`, or `https://` when only HTTPS is served.
    pub fn endpoint_url(&self) -> String {
        let scheme = if self.tls_only { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The HTTPS listener's URL, when one runs.
    pub fn tls_endpoint_url(&self) -> Option<String> {
        self.tls_addr.map(|addr| format!("https://{addr}"))
    }

    /// The admin listener's URL.
    pub fn admin_url(&self) -> String {
        format!("http://{}", self.admin_addr)
    }

    /// How much of each bound is in use right now.
    pub fn load(&self) -> Load {
        self.gates.load()
    }

    /// Stops gracefully and waits until the journal is flushed.
    pub async fn shutdown(mut self) -> Result<(), String> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.map_err(|e| e.to_string())?
    }

    /// Waits until the server stops on its own (after `stop_signal` fires).
    pub async fn wait(self) -> Result<(), String> {
        self.task.await.map_err(|e| e.to_string())?
    }
}

/// Opens the store and starts serving; returns once the listener is bound.
pub async fn start(config: Config) -> Result<RunningServer, String> {
    start_with_signal(config, std::future::pending()).await
}

/// Like [`start`], also stopping when `signal` completes.
pub async fn start_with_signal(
    config: Config,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<RunningServer, String> {
    let auth = Arc::new(Authenticator::new(Identities::load(
        &config.identities,
        config.credentials_file.as_deref(),
        &config.config_dir,
    )?));
    if auth.is_open() {
        tracing::warn!(
            "no identities configured: requests are not authenticated and any signature \
             is accepted; configure [[identities]] before exposing this server"
        );
    } else {
        tracing::info!(
            identities = auth.identity_count(),
            "requests must carry a valid SigV4 signature of a configured identity"
        );
    }
    let test_clock = config
        .test_clock
        .then(|| ManualClock::new(SystemClock.now_ms()));
    // The admin listener answers from the start, so /ready can say "not yet" while
    // the store recovers.
    let metrics = Arc::new(crate::metrics::Metrics::new(!config.metrics_fold_queues));
    let admin = AdminState::new(config.allow_reset, test_clock.clone(), metrics.clone());
    let admin_guard = Arc::new(crate::admin_auth::AdminGuard::new(
        config.admin_listen,
        config.admin_token.clone(),
        !auth.is_open(),
    )?);
    let admin_tcp = TcpListener::bind(config.admin_listen)
        .await
        .map_err(|e| format!("cannot listen on {} (admin): {e}", config.admin_listen))?;
    let admin_addr = admin_tcp.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(addr = %admin_addr, "admin listener (health, readiness)");
    let (admin_stop_tx, admin_stop_rx) = oneshot::channel::<()>();
    let admin_task = tokio::spawn(
        axum::serve(
            admin_tcp,
            crate::admin::router(admin.clone()).layer(axum::middleware::from_fn_with_state(
                admin_guard.clone(),
                crate::admin_auth::guard,
            )),
        )
        .with_graceful_shutdown(async move {
            let _ = admin_stop_rx.await;
        })
        .into_future(),
    );
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(c) => Arc::new(c.clone()),
        None => Arc::new(SystemClock),
    };
    let options = match &config.data_dir {
        Some(dir) => StoreOptions::durable(dir),
        None => StoreOptions::in_memory(),
    };
    let keyring = crate::encryption::open_keyring(&config)?;
    let options = StoreOptions {
        sealer: Some(keyring.clone()),
        ..options
    };
    let store_clock = clock.clone();
    let (store, summary) =
        tokio::task::spawn_blocking(move || EmbeddedStore::open(options, store_clock.as_ref()))
            .await
            .map_err(|e| e.to_string())??;
    match &config.data_dir {
        Some(dir) => tracing::info!(
            data_dir = %dir.display(),
            queues = summary.queues,
            messages = summary.messages,
            records = summary.records_replayed,
            torn_tail_bytes = summary.torn_tail_bytes,
            "embedded store opened"
        ),
        None => tracing::info!("in-memory store: nothing survives a restart"),
    }
    let sns = Sns::with_outbox(store.clone(), clock.clone(), store.clone());
    let sqs = Sqs::with_sealer(store.clone(), clock.clone(), keyring.clone());
    let roles = crate::auth::roles::load(&config.roles, &config.config_dir)?;
    let token_key = sluice_kms::TokenKey::open(
        config
            .data_dir
            .as_ref()
            .map(|dir| dir.join("kms"))
            .as_deref(),
    )?;
    let sts = Arc::new(Sts::new(roles, Arc::new(token_key)));
    admin_guard.accept_signatures(auth.clone(), sts.clone());
    let kinesis = crate::kinesis::start(&config, store.clone(), clock.clone(), keyring)?;
    crate::predefined::Declared {
        sqs: &sqs,
        sns: &sns,
        kinesis: &kinesis,
    }
    .apply(&config)
    .await?;
    sqs.start_background().await;
    // Deliveries to HTTP/S endpoints, resuming whatever the outbox held at the restart.
    let delivery = DeliveryWorker::start(
        sns.clone(),
        sqs.clone(),
        clock,
        config.sns_http_timeout_ms,
        !auth.is_open(),
    );
    admin.set_delivery_wake(sns.delivery_wake());

    config.limits.validate()?;
    // The certificate is ready before any listener opens, so a client that can connect
    // finds both listeners serving.
    let mut tls_loaded = None;
    if let Some(tls) = &config.tls {
        let identity = tls.identity.clone();
        let now_ms = SystemClock.now_ms();
        let loaded = tokio::task::spawn_blocking(move || crate::tls::load(&identity, now_ms))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        if matches!(tls.identity, crate::tls::Identity::SelfSigned { .. }) {
            tracing::info!(
                "development TLS certificate (self-signed, {}): trust {} (SHA-256 {})",
                if loaded.generated { "new" } else { "kept" },
                loaded.cert_path.display(),
                loaded.fingerprint
            );
        }
        tls_loaded = Some((tls.listen, loaded));
    }
    let mut listeners = Vec::new();
    let tls_only = config.tls.as_ref().is_some_and(|tls| tls.only);
    if !tls_only {
        let tcp = TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        listeners.push(Listener { tcp, tls: None });
    }
    let mut tls_cert = None;
    if let Some((listen, loaded)) = tls_loaded {
        let tcp = TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        tls_cert = Some(loaded.cert_path);
        listeners.push(Listener {
            tcp,
            tls: Some(loaded.acceptor),
        });
    }
    let mut tls_addr = None;
    for listener in &listeners {
        let addr = listener.tcp.local_addr().map_err(|e| e.to_string())?;
        let scheme = if listener.tls.is_some() {
            tls_addr = Some(addr);
            "https"
        } else {
            "http"
        };
        tracing::info!(%addr, scheme, "listening for SQS (AWS JSON 1.0 and Query), SNS, STS and Kinesis requests");
    }
    let addr = listeners[0].tcp.local_addr().map_err(|e| e.to_string())?;
    let limits = config.limits;
    tracing::info!(
        max_request_bytes = limits.max_request_bytes,
        max_connections = limits.max_connections,
        idle_timeout_ms = limits.idle_timeout_ms,
        max_inflight_requests = limits.max_inflight_requests,
        max_waiting_receives = limits.max_waiting_receives,
        "limits in force"
    );
    let sns_signing = Arc::new(crate::sns::SigningKey::new(
        config.data_dir.as_ref().map(|dir| dir.join("kms")),
    ));
    let console = crate::console::Console::new(
        crate::console::Services {
            sqs: sqs.clone(),
            sns: sns.clone(),
            sns_signing: sns_signing.clone(),
            kinesis: kinesis.clone(),
        },
        config
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
        config.region.clone(),
        config.account_id.clone(),
    );
    admin.set_console(console.clone());
    let gates = Gates::new(limits);
    // Streaming responses (SubscribeToShard) end when this turns true, as long polls are
    // answered, so open streams do not hold their connections past the stop.
    let (stopping_tx, stopping_rx) = watch::channel(false);
    crate::console::sampler::spawn(console.history(), &sqs, &kinesis, stopping_rx.clone());
    metrics.sources().set_sns(&sns);
    let app = router(Arc::new(AppState {
        sqs: sqs.clone(),
        sns: sns.clone(),
        sns_signing: sns_signing.clone(),
        sts,
        kinesis: kinesis.clone(),
        request_metrics: metrics.requests.clone(),
        region: config.region.clone(),
        account_id: config.account_id.clone(),
        base_url: config.base_url.clone(),
        gates: gates.clone(),
        auth: auth.clone(),
        stopping: stopping_rx,
        kinesis_subscriptions: Default::default(),
    }));
    metrics.sources().set_sqs(&sqs);
    metrics.sources().set_kinesis(&kinesis);
    metrics.sources().set_store(&store);
    metrics.sources().set_gates(&gates);
    crate::reload::on_hangup(
        config.clone(),
        crate::reload::Services {
            sqs: sqs.clone(),
            sns: sns.clone(),
            kinesis: kinesis.clone(),
            auth: auth.clone(),
        },
    );
    admin.set_ready(sqs.clone());
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let sqs_for_stop = sqs.clone();
    let serve_gates = gates.clone();
    let task = tokio::spawn(async move {
        let stopping = async move {
            tokio::select! {
                _ = stop_rx => {}
                _ = signal => {}
            }
            tracing::info!("shutting down: answering long polls, draining requests");
            let _ = stopping_tx.send(true);
            sqs_for_stop.begin_shutdown().await;
        };
        serve(listeners, app, serve_gates, limits.idle_timeout(), stopping).await;
        if let Some(delivery) = delivery {
            delivery.stop().await;
        }
        let _ = admin_stop_tx.send(());
        let _ = admin_task.await;
        use sluice_core::sqs::store::QueueStore;
        store.close().await.map_err(|e| e.to_string())?;
        tracing::info!("stopped; data flushed");
        Ok(())
    });
    Ok(RunningServer {
        addr,
        tls_addr,
        tls_cert,
        admin_addr,
        tls_only,
        sqs,
        test_clock,
        gates,
        stop: Some(stop_tx),
        task,
    })
}

/// A listening socket, and the TLS acceptor when it serves HTTPS.
pub struct Listener {
    pub tcp: TcpListener,
    pub tls: Option<TlsAcceptor>,
}

/// Accepts connections while it holds a connection permit and serves each on its own
/// task until `stopping` completes; then stops accepting, lets every connection finish
/// the request it is on, and returns once all are closed. Each request reaches `app`
/// with its [`ConnectionInfo`]. Public so tests can serve their own router.
///
/// One loop accepts from every listener, so the permit it holds while waiting serves
/// whichever listener a client comes to: a loop per listener would hold one each, and
/// with a bound of one connection the second listener would never accept.
pub async fn serve(
    listeners: Vec<Listener>,
    app: Router,
    gates: Arc<Gates>,
    idle_timeout: Duration,
    stopping: impl Future<Output = ()>,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a sender; `recv` returns None once all are gone.
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    tokio::pin!(stopping);
    let mut first = 0;
    loop {
        let permit = tokio::select! {
            _ = &mut stopping => break,
            permit = gates.connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = &mut stopping => break,
            accepted = accept_any(&listeners, first) => accepted,
        };
        // The next accept looks at the other listeners first, so none starves.
        first = first.wrapping_add(1);
        let (listener, accepted) = accepted;
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Typically out of file descriptors: pause rather than spin.
                tracing::error!("accept error: {e}");
                tokio::select! {
                    _ = &mut stopping => break,
                    _ = tokio::time::sleep(Duration::from_millis(ACCEPT_ERROR_PAUSE_MS)) => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let info = ConnectionInfo {
            peer,
            secure: listeners[listener].tls.is_some(),
        };
        let activity = Activity::new();
        let service = Tracked::new(
            WithConnectionInfo::new(TowerToHyperService::new(app.clone()), info),
            activity.clone(),
        );
        let mut stop_rx = stop_rx.clone();
        let open = open_tx.clone();
        let counted = gates.open_connections.try_enter();
        let tls = listeners[listener].tls.clone();
        tokio::spawn(async move {
            let _held = (permit, open, counted);
            let Some(tls) = tls else {
                let conn = Conn {
                    service,
                    activity,
                    version: None,
                };
                serve_connection(stream, conn, idle_timeout, stop_rx).await;
                return;
            };
            // A handshake that does not finish within the idle timeout, or is under way
            // when the server stops, is dropped.
            let handshake = tokio::select! {
                handshake = tokio::time::timeout(idle_timeout, tls.accept(stream)) => handshake,
                _ = stop_rx.wait_for(|stop| *stop) => return,
            };
            match handshake {
                Ok(Ok(stream)) => {
                    let version = crate::tls::negotiated(stream.get_ref().1);
                    let conn = Conn {
                        service,
                        activity,
                        version,
                    };
                    serve_connection(stream, conn, idle_timeout, stop_rx).await
                }
                Ok(Err(e)) => tracing::debug!(%peer, "TLS handshake failed: {e}"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
    drop(listeners);
    let _ = stop_tx.send(true);
    drop(open_tx);
    let _ = open_rx.recv().await;
}

/// The next connection on any of `listeners`, looking at them from the one at `first`
/// (modulo their number) on; with its listener's index.
async fn accept_any(
    listeners: &[Listener],
    first: usize,
) -> (usize, std::io::Result<(tokio::net::TcpStream, SocketAddr)>) {
    std::future::poll_fn(|cx| {
        for offset in 0..listeners.len() {
            let index = (first + offset) % listeners.len();
            if let std::task::Poll::Ready(accepted) = listeners[index].tcp.poll_accept(cx) {
                return std::task::Poll::Ready((index, accepted));
            }
        }
        std::task::Poll::Pending
    })
    .await
}

/// The service every connection runs: the router, with the connection's facts attached
/// to each request and its open requests counted.
type ConnService = Tracked<WithConnectionInfo<TowerToHyperService<Router>>>;

/// What one connection is served with.
struct Conn {
    service: ConnService,
    activity: Arc<Activity>,
    /// The HTTP version ALPN settled; `None` to tell it from the first bytes.
    version: Option<crate::tls::HttpVersion>,
}

/// Serves HTTP/1.1 or HTTP/2 requests on one connection until it closes, closing it
/// gracefully (HTTP/2: GOAWAY, then the open streams finish) once `stop_rx` turns true
/// or no request has been open for `idle_timeout`.
async fn serve_connection<I>(
    io: I,
    conn: Conn,
    idle_timeout: Duration,
    mut stop_rx: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(idle_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(HTTP2_MAX_CONCURRENT_STREAMS)
        .max_header_list_size(HTTP2_MAX_HEADER_LIST_BYTES)
        .max_frame_size(HTTP2_MAX_FRAME_BYTES)
        .initial_stream_window_size(HTTP2_STREAM_WINDOW_BYTES)
        .initial_connection_window_size(HTTP2_CONNECTION_WINDOW_BYTES)
        .max_send_buf_size(HTTP2_MAX_SEND_BUF_BYTES)
        .max_pending_accept_reset_streams(HTTP2_MAX_PENDING_RESET_STREAMS)
        .keep_alive_interval(Duration::from_millis(HTTP2_KEEP_ALIVE_INTERVAL_MS))
        .keep_alive_timeout(Duration::from_millis(HTTP2_KEEP_ALIVE_TIMEOUT_MS));
    let builder = match conn.version {
        Some(crate::tls::HttpVersion::Http1) => builder.http1_only(),
        Some(crate::tls::HttpVersion::Http2) => builder.http2_only(),
        None => builder,
    };
    let activity = conn.activity;
    let served = builder.serve_connection(TokioIo::new(io), conn.service);
    tokio::pin!(served);
    let mut closing = false;
    loop {
        tokio::select! {
            result = served.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("connection closed: {e}");
                }
                break;
            }
            _ = stop_rx.wait_for(|stop| *stop), if !closing => {
                closing = true;
                served.as_mut().graceful_shutdown();
            }
            _ = activity.idle_for(idle_timeout), if !closing => {
                closing = true;
                served.as_mut().graceful_shutdown();
            }
            // HTTP/2's graceful close waits for the client to acknowledge a ping; a
            // client that does not answer is dropped once nothing is left to finish.
            _ = activity.idle_for(Duration::from_millis(CLOSE_GRACE_MS)), if closing => {
                tracing::debug!("connection dropped: no answer to its close");
                break;
            }
        }
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
