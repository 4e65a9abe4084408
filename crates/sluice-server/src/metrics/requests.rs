//! Requests by service, action and outcome, and their latency.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The outcome of a request whose reply was an error: the error's code. Error replies
/// carry it as a response extension (`wire::error_reply`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestOutcome(pub &'static str);

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    service: &'static str,
    action: &'static str,
    /// `OK`, or the error's code.
    code: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ActionLabels {
    service: &'static str,
    action: &'static str,
}

/// Latency buckets: 100 µs doubling to about 3.3 s; a long poll's 20 s land in +Inf.
const LATENCY_FIRST_BUCKET_S: f64 = 0.000_1;
const LATENCY_BUCKETS: u16 = 16;

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(
        LATENCY_FIRST_BUCKET_S,
        2.0,
        LATENCY_BUCKETS,
    ))
}

pub struct RequestMetrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<ActionLabels, Histogram, fn() -> Histogram>,
}

impl RequestMetrics {
    pub fn new(registry: &mut Registry) -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "sluice_requests",
            "API requests answered, by service, action and error code (OK when none)",
            requests.clone(),
        );
        let latency = Family::<ActionLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "sluice_request_duration_seconds",
            "Time from a request's arrival to its answer's headers, by service and action",
            latency.clone(),
        );
        Self { requests, latency }
    }

    /// Counts one request. `action` must come from a fixed set (see `front`).
    pub fn observe(
        &self,
        service: &'static str,
        action: &'static str,
        outcome: Option<RequestOutcome>,
        elapsed: Duration,
    ) {
        let code = outcome.map_or("OK", |o| o.0);
        self.requests
            .get_or_create(&RequestLabels {
                service,
                action,
                code,
            })
            .inc();
        self.latency
            .get_or_create(&ActionLabels { service, action })
            .observe(elapsed.as_secs_f64());
    }
}
