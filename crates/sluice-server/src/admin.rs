//! The admin listener: a second port, on loopback by default and apart from the API
//! port so it is never exposed by accident, for operators and test suites.
//!
//! - `GET /health`: 200 while the process serves.
//! - `GET /ready`: 200 once recovery has finished and the API listeners are up; 503
//!   before then.
//! - `POST /reset`, only with `--allow-reset`: wipes every queue, message and move task
//!   (404 otherwise).
//! - `GET /metrics`: Prometheus metrics (`metrics/`).
//! - `GET /console`: the built-in web console (`console/`).
//! - `POST /test-clock/advance?ms=N`, only on a server started with the hidden
//!   `--test-clock`: moves the clock every time-dependent rule reads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use sluice_core::clock::ManualClock;
use sluice_core::sqs::Sqs;

/// What the admin routes read.
#[derive(Default)]
pub struct AdminState {
    /// Set once recovery has finished and the API listeners are bound.
    ready: AtomicBool,
    /// The service, once the store is open.
    sqs: OnceLock<Arc<Sqs>>,
    allow_reset: bool,
    test_clock: Option<ManualClock>,
    /// Woken when the test clock moves, so due SNS deliveries are made at once.
    delivery_wake: OnceLock<Arc<tokio::sync::Notify>>,
    metrics: Option<Arc<crate::metrics::Metrics>>,
    /// The console's services, once they are up.
    console: OnceLock<Arc<crate::console::Console>>,
}

impl AdminState {
    pub fn new(
        allow_reset: bool,
        test_clock: Option<ManualClock>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Arc<Self> {
        Arc::new(Self {
            allow_reset,
            test_clock,
            metrics: Some(metrics),
            ..Self::default()
        })
    }

    /// What to wake when the test clock moves (the SNS delivery worker).
    pub fn set_delivery_wake(&self, wake: Arc<tokio::sync::Notify>) {
        let _ = self.delivery_wake.set(wake);
    }

    /// Gives the console the services it reads and acts through.
    pub fn set_console(&self, console: Arc<crate::console::Console>) {
        let _ = self.console.set(console);
    }

    pub(crate) fn console(&self) -> Option<Arc<crate::console::Console>> {
        self.console.get().cloned()
    }

    /// Marks the server ready to serve `sqs`.
    pub fn set_ready(&self, sqs: Arc<Sqs>) {
        let _ = self.sqs.set(sqs);
        self.ready.store(true, Ordering::SeqCst);
    }
}

/// The path of the test clock's control.
pub const TEST_CLOCK_PATH: &str = "/test-clock/advance";

pub fn router(state: Arc<AdminState>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/reset", post(reset))
        .route(TEST_CLOCK_PATH, post(advance_test_clock))
        .merge(crate::console::routes())
        .with_state(state)
}

async fn ready(State(state): State<Arc<AdminState>>) -> Response {
    if state.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting\n").into_response()
    }
}

async fn metrics(State(state): State<Arc<AdminState>>) -> Response {
    match &state.metrics {
        Some(metrics) => (
            StatusCode::OK,
            [("content-type", crate::metrics::CONTENT_TYPE)],
            metrics.render().await,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no metrics\n").into_response(),
    }
}

async fn reset(State(state): State<Arc<AdminState>>) -> Response {
    if !state.allow_reset {
        return (
            StatusCode::NOT_FOUND,
            "reset is not allowed: start with --allow-reset\n",
        )
            .into_response();
    }
    let Some(sqs) = state.sqs.get() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "starting\n").into_response();
    };
    match sqs.reset().await {
        Ok(()) => (StatusCode::OK, "reset\n").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", e.message)).into_response(),
    }
}

async fn advance_test_clock(State(state): State<Arc<AdminState>>, uri: Uri) -> Response {
    let Some(clock) = &state.test_clock else {
        return (StatusCode::NOT_FOUND, "the test clock is not enabled\n").into_response();
    };
    let ms = uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "ms")
            .and_then(|(_, value)| value.parse::<u64>().ok())
    });
    let Some(ms) = ms else {
        return (StatusCode::BAD_REQUEST, "expected ?ms=<milliseconds>\n").into_response();
    };
    clock.advance_ms(ms);
    if let Some(sqs) = state.sqs.get() {
        sqs.clock_moved().await;
    }
    if let Some(wake) = state.delivery_wake.get() {
        wake.notify_one();
    }
    (StatusCode::OK, "ok\n").into_response()
}

#[cfg(test)]
mod tests {
    use std::future::IntoFuture;

    use super::*;
    use sluice_core::clock::SystemClock;
    use sluice_store::{EmbeddedStore, StoreOptions};

    async fn serve(state: Arc<AdminState>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, router(state)).into_future());
        format!("http://{addr}")
    }

    async fn get(url: String) -> u16 {
        reqwest::get(url).await.unwrap().status().as_u16()
    }

    #[tokio::test]
    async fn ready_only_once_the_service_is_set() {
        let state = AdminState::new(false, None, Arc::new(crate::metrics::Metrics::new(true)));
        let base = serve(state.clone()).await;
        assert_eq!(get(format!("{base}/health")).await, 200);
        assert_eq!(get(format!("{base}/ready")).await, 503);
        let store = EmbeddedStore::open(StoreOptions::in_memory(), &SystemClock)
            .unwrap()
            .0;
        state.set_ready(Sqs::new(store, Arc::new(SystemClock)));
        assert_eq!(get(format!("{base}/ready")).await, 200);
        assert_eq!(get(format!("{base}/nothing-here")).await, 404);
    }
}
