//! `GET /metrics` on the admin listener, in Prometheus's text format, through the
//! `prometheus-client` crate.
//!
//! - `requests.rs`: every API request, counted by service, action and error code, and
//!   timed by service and action (labels drawn from fixed sets: an action no service has
//!   is `unknown`, so clients cannot make new series).
//! - `scrape.rs`: what is read at each scrape: queue depths (from the store, as
//!   GetQueueAttributes reads them), each queue's sends, receives, deletes and empty
//!   receives (the core's activity counters), Kinesis shards' counters, each SNS topic's
//!   publishes and deliveries by protocol and outcome and the HTTP/S outbox's depth, and
//!   the server's connections, requests in progress and waiting long polls. Queue and
//!   topic series can be folded into one each (`queue="*"`, `topic="*"`) for deployments
//!   with very many queues or topics (`--metrics-fold-queues`).
//!
//! Names follow SQS's CloudWatch metrics where one exists
//! (`ApproximateNumberOfMessagesVisible` is `sluice_sqs_approximate_number_of_messages_visible`).

mod requests;
mod scrape;

use std::sync::Arc;

use prometheus_client::registry::Registry;

pub use requests::{RequestMetrics, RequestOutcome};
pub use scrape::ScrapeSources;

/// The content type of the text format this endpoint answers (OpenMetrics, which
/// Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The server's metrics: the request families and what each scrape reads.
pub struct Metrics {
    registry: Registry,
    pub requests: Arc<RequestMetrics>,
    sources: Arc<ScrapeSources>,
}

impl Metrics {
    pub fn new(per_queue: bool) -> Self {
        let mut registry = Registry::default();
        let requests = Arc::new(RequestMetrics::new(&mut registry));
        let sources = Arc::new(ScrapeSources::new(per_queue));
        registry.register_collector(Box::new(sources.clone()));
        Self {
            registry,
            requests,
            sources,
        }
    }

    pub fn sources(&self) -> &Arc<ScrapeSources> {
        &self.sources
    }

    /// Reads what a scrape reports and renders every family.
    pub async fn render(&self) -> String {
        self.sources.refresh().await;
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
