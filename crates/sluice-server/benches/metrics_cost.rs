//! What the metrics add to one request, measured alone: the request counter and latency
//! histogram (`RequestMetrics::observe`, what `front` does after every answer, with the
//! `Instant` it reads), a queue's activity counters (`Activity::of` and an add, what every
//! send, receive and delete does), and a debug span made and entered with no subscriber
//! at debug level (the default `info`). Compare with the server's CPU time per request
//! from the cycle benchmark (docs/benchmarks/README.md, "Metrics on the hot path").
//!
//! ```text
//! cargo bench -p sluice-server --bench metrics_cost
//! ```

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use prometheus_client::registry::Registry;
use sluice_core::sqs::activity::Activity;
use sluice_core::sqs::QueueKey;
use sluice_server::metrics::{RequestMetrics, RequestOutcome};

/// Queues the activity map holds, so a lookup finds one among many.
const QUEUES: usize = 1_000;

fn metrics_cost(c: &mut Criterion) {
    let mut registry = Registry::default();
    let requests = RequestMetrics::new(&mut registry);
    c.bench_function("request counted and timed (OK)", |b| {
        b.iter(|| {
            let started = Instant::now();
            requests.observe(
                black_box("sqs"),
                black_box("ReceiveMessage"),
                None,
                started.elapsed(),
            );
        })
    });
    c.bench_function("request counted and timed (an error code)", |b| {
        b.iter(|| {
            let started = Instant::now();
            requests.observe(
                black_box("sqs"),
                black_box("SendMessage"),
                Some(RequestOutcome("InvalidParameterValue")),
                started.elapsed(),
            );
        })
    });

    let activity = Activity::default();
    let keys: Vec<QueueKey> = (0..QUEUES)
        .map(|i| QueueKey::new("us-east-1", "000000000000", &format!("queue-{i}")))
        .collect();
    for key in &keys {
        activity.of(key);
    }
    let key = &keys[QUEUES / 2];
    c.bench_function("queue activity counted (send of 10)", |b| {
        b.iter(|| activity.of(black_box(key)).sent(10, 1_000))
    });

    c.bench_function("debug request span, disabled", |b| {
        b.iter(|| {
            let span = tracing::debug_span!(
                "request",
                id = tracing::field::Empty,
                service = tracing::field::Empty,
                action = tracing::field::Empty,
            );
            let _entered = span.enter();
            black_box(span.is_disabled())
        })
    });
}

criterion_group!(benches, metrics_cost);
criterion_main!(benches);
