//! The console's last hour: samples of each queue's depth and cumulative activity
//! counters, and of each Kinesis shard's incoming counters, kept in bounded rings, and
//! the arithmetic that turns them into rates (per second) and chart rows. Owns the
//! samples and their limits; `sampler.rs` feeds it. Time is passed in: nothing here
//! reads a clock, so the tests use made-up times.
//!
//! Counters only grow while a queue or shard lives; one that went down started again
//! from zero (a restart, or a queue deleted and made again), so its increase is its new
//! value. Each series starts from an origin: the moment its counters were known to be
//! zero (the queue's creation, or the sampler's start if later), so a queue younger than
//! its first sample already has a rate.

use std::collections::{BTreeMap, HashMap, VecDeque};

use parking_lot::Mutex;
use serde::Serialize;
use sluice_core::clock::EpochMs;
use sluice_core::kinesis::names::StreamKey;
use sluice_core::sqs::QueueKey;

/// How often the sampler takes a sample.
pub const SAMPLE_PERIOD_MS: u64 = 10_000;
/// How far back the history reaches (the charts' span).
pub const WINDOW_MS: u64 = 3_600_000;
/// The most samples a series keeps: a window's worth.
pub const MAX_SAMPLES: usize = (WINDOW_MS / SAMPLE_PERIOD_MS) as usize;
/// The span the "current" rates are averaged over.
pub const RATE_WINDOW_MS: u64 = 60_000;
/// The shortest span a rate is divided by, so a point just after another is not a spike.
pub const MIN_RATE_SPAN_MS: u64 = 1_000;
/// The most queues, and the most shards, that keep a history (memory stays bounded
/// however many there are; the rest still get rates from their origin).
pub const MAX_QUEUES: usize = 1_000;
pub const MAX_SHARDS: usize = 1_000;

/// A queue at one moment: depth, and counters since its origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueuePoint {
    pub at_ms: EpochMs,
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
    pub sent: u64,
    pub received: u64,
    pub deleted: u64,
}

/// A shard at one moment: records and bytes put since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardPoint {
    pub at_ms: EpochMs,
    pub records: u64,
    pub bytes: u64,
}

/// A shard: its stream and index.
pub type ShardKey = (StreamKey, u32);

/// What a series is made of.
pub trait Point: Copy {
    fn at_ms(&self) -> EpochMs;
    /// The point whose counters are all zero, at `at_ms`.
    fn origin(at_ms: EpochMs) -> Self;
}

impl Point for QueuePoint {
    fn at_ms(&self) -> EpochMs {
        self.at_ms
    }
    fn origin(at_ms: EpochMs) -> Self {
        Self {
            at_ms,
            ..Self::default()
        }
    }
}

impl Point for ShardPoint {
    fn at_ms(&self) -> EpochMs {
        self.at_ms
    }
    fn origin(at_ms: EpochMs) -> Self {
        Self {
            at_ms,
            ..Self::default()
        }
    }
}

/// Per-second rates of a queue's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct QueueRates {
    pub sent: f64,
    pub received: f64,
    pub deleted: f64,
}

/// One row of a queue's charts: the depth at `at_ms`, and the rates since the row before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QueueRow {
    pub at_ms: EpochMs,
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
    pub sent: f64,
    pub received: f64,
    pub deleted: f64,
}

/// Per-second write rates of a shard, or of a stream's shards together (one row of its
/// chart when `at_ms` is set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WriteRates {
    pub at_ms: EpochMs,
    pub records: f64,
    pub bytes: f64,
}

/// How much a counter grew from `older` to `newer`; a counter that went down started
/// again from zero.
pub fn increase(older: u64, newer: u64) -> u64 {
    if newer >= older {
        newer - older
    } else {
        newer
    }
}

/// The per-second rate of `counter` from `from` to `to`, over at least
/// [`MIN_RATE_SPAN_MS`].
fn step_rate<P: Point>(from: &P, to: &P, counter: fn(&P) -> u64) -> f64 {
    let span = to
        .at_ms()
        .saturating_sub(from.at_ms())
        .max(MIN_RATE_SPAN_MS);
    increase(counter(from), counter(to)) as f64 * 1_000.0 / span as f64
}

/// The per-second rate of `counter` over the last [`RATE_WINDOW_MS`] of `chain` (oldest
/// first, ending with the current point): from its last point at or before the window's
/// start (or its first, when it is younger), summing each step's increase.
fn rate_over<P: Point>(chain: &[P], counter: fn(&P) -> u64) -> f64 {
    let Some(last) = chain.last() else {
        return 0.0;
    };
    let start = last.at_ms().saturating_sub(RATE_WINDOW_MS);
    let base = chain.iter().rposition(|p| p.at_ms() <= start).unwrap_or(0);
    let grown: u64 = chain[base..]
        .windows(2)
        .map(|w| increase(counter(&w[0]), counter(&w[1])))
        .sum();
    let span = last
        .at_ms()
        .saturating_sub(chain[base].at_ms())
        .max(MIN_RATE_SPAN_MS);
    grown as f64 * 1_000.0 / span as f64
}

/// One queue's or shard's samples, oldest first.
#[derive(Debug)]
struct Series<P> {
    origin_ms: EpochMs,
    points: VecDeque<P>,
}

impl<P: Point> Series<P> {
    fn new(origin_ms: EpochMs) -> Self {
        Self {
            origin_ms,
            points: VecDeque::new(),
        }
    }

    /// Adds a sample and forgets what fell out of the window (or past [`MAX_SAMPLES`]).
    /// A new origin (the queue was made again) starts the series afresh.
    fn push(&mut self, origin_ms: EpochMs, point: P, now: EpochMs) {
        if origin_ms != self.origin_ms {
            *self = Self::new(origin_ms);
        }
        if self
            .points
            .back()
            .is_some_and(|p| p.at_ms() >= point.at_ms())
        {
            return;
        }
        self.points.push_back(point);
        let oldest = now.saturating_sub(WINDOW_MS);
        while self.points.len() > MAX_SAMPLES
            || self.points.front().is_some_and(|p| p.at_ms() < oldest)
        {
            self.points.pop_front();
        }
    }
}

/// The points rates are worked out along: the origin (when it is within the window, or
/// there is nothing else), the samples since it, then `current`.
fn chain<P: Point>(series: Option<&Series<P>>, origin_ms: EpochMs, current: P) -> Vec<P> {
    let now = current.at_ms();
    let samples: Vec<P> = series
        .filter(|s| s.origin_ms == origin_ms)
        .map(|s| {
            s.points
                .iter()
                .copied()
                .filter(|p| p.at_ms() >= origin_ms && p.at_ms() < now)
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::with_capacity(samples.len() + 2);
    if (samples.is_empty() || origin_ms >= now.saturating_sub(WINDOW_MS)) && origin_ms < now {
        out.push(P::origin(origin_ms));
    }
    out.extend(samples);
    out.push(current);
    out
}

/// Adds each sample (key, the series' origin if it is new, point) to its series, makes a
/// series for a new key while there are fewer than `max`, and forgets every key without
/// a sample.
fn record<K: Eq + std::hash::Hash, P: Point>(
    kept: &mut HashMap<K, Series<P>>,
    samples: impl IntoIterator<Item = (K, EpochMs, P)>,
    now: EpochMs,
    max: usize,
) {
    let samples: Vec<(K, EpochMs, P)> = samples.into_iter().collect();
    let present: std::collections::HashSet<&K> = samples.iter().map(|(k, _, _)| k).collect();
    kept.retain(|k, _| present.contains(k));
    for (key, origin, point) in samples {
        let room = kept.len() < max;
        match kept.get_mut(&key) {
            Some(series) => series.push(origin, point, now),
            None if room => {
                let mut series = Series::new(origin);
                series.push(origin, point, now);
                kept.insert(key, series);
            }
            None => {}
        }
    }
}

#[derive(Debug, Default)]
struct Kept {
    queues: HashMap<QueueKey, Series<QueuePoint>>,
    shards: HashMap<ShardKey, Series<ShardPoint>>,
}

/// Every queue's and shard's last hour.
#[derive(Debug)]
pub struct History {
    /// When sampling began: counters were zero then (they start with the server).
    started_ms: EpochMs,
    kept: Mutex<Kept>,
}

impl History {
    pub fn new(started_ms: EpochMs) -> Self {
        Self {
            started_ms,
            kept: Mutex::new(Kept::default()),
        }
    }

    /// A queue's origin: when it was made, or when sampling began if later.
    pub fn queue_origin(&self, created_at_ms: EpochMs) -> EpochMs {
        created_at_ms.max(self.started_ms)
    }

    /// Records a sample of every queue there is now (key, creation time, point); the
    /// queues not among them are forgotten.
    pub fn record_queues(&self, now: EpochMs, queues: Vec<(QueueKey, EpochMs, QueuePoint)>) {
        let samples = queues
            .into_iter()
            .map(|(key, created_at_ms, point)| (key, self.queue_origin(created_at_ms), point));
        record(&mut self.kept.lock().queues, samples, now, MAX_QUEUES);
    }

    /// Records a sample of every shard with counters now; the others are forgotten.
    pub fn record_shards(&self, now: EpochMs, shards: Vec<(ShardKey, ShardPoint)>) {
        let origin = self.started_ms;
        let samples = shards.into_iter().map(|(key, point)| (key, origin, point));
        record(&mut self.kept.lock().shards, samples, now, MAX_SHARDS);
    }

    fn queue_chain(
        &self,
        key: &QueueKey,
        created_at_ms: EpochMs,
        current: QueuePoint,
    ) -> Vec<QueuePoint> {
        let kept = self.kept.lock();
        chain(
            kept.queues.get(key),
            self.queue_origin(created_at_ms),
            current,
        )
    }

    /// A queue's send, receive and delete rates over the last minute, up to `current`.
    pub fn queue_rates(
        &self,
        key: &QueueKey,
        created_at_ms: EpochMs,
        current: QueuePoint,
    ) -> QueueRates {
        let chain = self.queue_chain(key, created_at_ms, current);
        QueueRates {
            sent: rate_over(&chain, |p| p.sent),
            received: rate_over(&chain, |p| p.received),
            deleted: rate_over(&chain, |p| p.deleted),
        }
    }

    /// A queue's chart rows over the last hour, ending with `current`.
    pub fn queue_rows(
        &self,
        key: &QueueKey,
        created_at_ms: EpochMs,
        current: QueuePoint,
    ) -> Vec<QueueRow> {
        let chain = self.queue_chain(key, created_at_ms, current);
        chain
            .windows(2)
            .map(|w| QueueRow {
                at_ms: w[1].at_ms,
                visible: w[1].visible,
                in_flight: w[1].in_flight,
                delayed: w[1].delayed,
                sent: step_rate(&w[0], &w[1], |p| p.sent),
                received: step_rate(&w[0], &w[1], |p| p.received),
                deleted: step_rate(&w[0], &w[1], |p| p.deleted),
            })
            .collect()
    }

    /// A shard's write rates over the last minute, up to `current`.
    pub fn shard_rates(&self, key: &ShardKey, current: ShardPoint) -> WriteRates {
        let kept = self.kept.lock();
        let chain = chain(kept.shards.get(key), self.started_ms, current);
        WriteRates {
            at_ms: current.at_ms,
            records: rate_over(&chain, |p| p.records),
            bytes: rate_over(&chain, |p| p.bytes),
        }
    }

    /// A stream's chart rows over the last hour: its shards' write rates added up at
    /// each sample, ending with `current` (each shard's point now).
    pub fn stream_rows(&self, current: &[(ShardKey, ShardPoint)]) -> Vec<WriteRates> {
        let kept = self.kept.lock();
        let mut rows: BTreeMap<EpochMs, WriteRates> = BTreeMap::new();
        for (key, point) in current {
            let chain = chain(kept.shards.get(key), self.started_ms, *point);
            for w in chain.windows(2) {
                let row = rows.entry(w[1].at_ms).or_insert(WriteRates {
                    at_ms: w[1].at_ms,
                    ..WriteRates::default()
                });
                row.records += step_rate(&w[0], &w[1], |p| p.records);
                row.bytes += step_rate(&w[0], &w[1], |p| p.bytes);
            }
        }
        rows.into_values().collect()
    }

    /// How many queues and shards keep a history (for tests and limits).
    pub fn sizes(&self) -> (usize, usize) {
        let kept = self.kept.lock();
        (kept.queues.len(), kept.shards.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: EpochMs = 1_700_000_000_000;

    fn key(name: &str) -> QueueKey {
        QueueKey::new("us-east-1", "000000000000", name)
    }

    fn point(at_ms: EpochMs, sent: u64, received: u64, deleted: u64) -> QueuePoint {
        QueuePoint {
            at_ms,
            visible: sent.saturating_sub(received),
            sent,
            received,
            deleted,
            ..QueuePoint::default()
        }
    }

    /// Samples `q` every period from T0 to `until` with `per_sample` sends each.
    fn feed(history: &History, q: &QueueKey, until: EpochMs, per_sample: u64) -> u64 {
        let mut sent = 0;
        let mut at = T0 + SAMPLE_PERIOD_MS;
        while at <= until {
            sent += per_sample;
            history.record_queues(at, vec![(q.clone(), T0, point(at, sent, 0, 0))]);
            at += SAMPLE_PERIOD_MS;
        }
        sent
    }

    #[test]
    fn rates_come_from_known_counter_steps() {
        let history = History::new(T0);
        let q = key("q");
        // 20 sends every 10 s: 2 per second.
        let sent = feed(&history, &q, T0 + 120_000, 20);
        assert_eq!(sent, 240);
        let now = T0 + 125_000;
        let rates = history.queue_rates(&q, T0, point(now, sent + 5, 30, 12));
        // From the sample at 60 s (120 sent) to now: 125 in 65 s.
        assert!((rates.sent - 125.0 / 65.0).abs() < 1e-9, "{rates:?}");
        // Receives and deletes were all in the last 5 s, counted over the same 65 s.
        assert!((rates.received - 30.0 / 65.0).abs() < 1e-9);
        assert!((rates.deleted - 12.0 / 65.0).abs() < 1e-9);
        let rows = history.queue_rows(&q, T0, point(now, sent + 5, 0, 0));
        // The origin is within the hour: one row per sample, and the current one.
        assert_eq!(rows.len(), 13);
        assert!(rows[..12].iter().all(|r| (r.sent - 2.0).abs() < 1e-9));
        assert!((rows[12].sent - 1.0).abs() < 1e-9);
        assert_eq!(rows[12].visible, sent + 5);
    }

    #[test]
    fn a_queue_without_samples_has_a_rate_from_its_creation() {
        let history = History::new(T0);
        let q = key("new");
        let created = T0 + 50_000;
        let rates = history.queue_rates(&q, created, point(created + 4_000, 8, 0, 0));
        assert!((rates.sent - 2.0).abs() < 1e-9);
        // Sent in the same instant it was made: divided by the shortest span, not zero.
        let rates = history.queue_rates(&q, created, point(created, 0, 0, 0));
        assert_eq!(rates.sent, 0.0);
        let rates = history.queue_rates(&q, created, point(created + 10, 3, 0, 0));
        assert!((rates.sent - 3.0).abs() < 1e-9);
        // A queue made before the server started counts from the start.
        assert_eq!(history.queue_origin(T0 - 99_000), T0);
        assert_eq!(
            history
                .queue_rows(&q, created, point(created + 4_000, 8, 0, 0))
                .len(),
            1
        );
    }

    #[test]
    fn the_window_keeps_one_hour_and_no_more_samples() {
        let history = History::new(T0);
        let q = key("long");
        let end = T0 + 2 * WINDOW_MS;
        feed(&history, &q, end, 1);
        let kept = history.kept.lock();
        let series = &kept.queues[&q];
        assert_eq!(series.points.len(), MAX_SAMPLES);
        assert!(series.points.front().unwrap().at_ms >= end - WINDOW_MS);
        drop(kept);
        // The origin is two hours back: the oldest sample is only the first row's base.
        let rows = history.queue_rows(&q, T0, point(end + 1_000, 721, 0, 0));
        assert_eq!(rows.len(), MAX_SAMPLES);
        assert!(rows[0].at_ms > end - WINDOW_MS);
        assert!(rows.iter().all(|r| r.sent > 0.0 && r.sent < 1.0 + 1e-9));
        // Time that jumps ahead drops everything older than the window but the new sample.
        let later = end + 2 * WINDOW_MS;
        history.record_queues(later, vec![(q.clone(), T0, point(later, 8_000, 0, 0))]);
        assert_eq!(history.kept.lock().queues[&q].points.len(), 1);
    }

    #[test]
    fn vanished_queues_and_shards_are_forgotten() {
        let history = History::new(T0);
        let (a, b) = (key("a"), key("b"));
        history.record_queues(
            T0 + 10_000,
            vec![
                (a.clone(), T0, point(T0 + 10_000, 1, 0, 0)),
                (b.clone(), T0, point(T0 + 10_000, 1, 0, 0)),
            ],
        );
        let stream = StreamKey::new("us-east-1", "000000000000", "s");
        let shard = |i| {
            (
                (stream.clone(), i),
                ShardPoint {
                    at_ms: T0 + 10_000,
                    records: 1,
                    bytes: 10,
                },
            )
        };
        history.record_shards(T0 + 10_000, vec![shard(0), shard(1)]);
        assert_eq!(history.sizes(), (2, 2));
        history.record_queues(
            T0 + 20_000,
            vec![(b.clone(), T0, point(T0 + 20_000, 2, 0, 0))],
        );
        history.record_shards(T0 + 20_000, vec![shard(1)]);
        assert_eq!(history.sizes(), (1, 1));
        assert!(history.kept.lock().queues.contains_key(&b));
        history.record_queues(T0 + 30_000, Vec::new());
        history.record_shards(T0 + 30_000, Vec::new());
        assert_eq!(history.sizes(), (0, 0));
    }

    #[test]
    fn counters_that_start_again_count_from_zero() {
        assert_eq!(increase(10, 15), 5);
        assert_eq!(increase(10, 4), 4);
        let history = History::new(T0);
        let q = key("reset");
        for (i, sent) in [100, 200, 300, 30, 60, 90, 120].into_iter().enumerate() {
            let at = T0 + (i as u64 + 1) * SAMPLE_PERIOD_MS;
            history.record_queues(at, vec![(q.clone(), T0, point(at, sent, 0, 0))]);
        }
        // The last minute: 100 + 100 (to 300), 30 (after the restart), then 30 three
        // times: 320 in 60 s.
        let now = T0 + 70_000;
        let rates = history.queue_rates(&q, T0, point(now, 120, 0, 0));
        assert!((rates.sent - 320.0 / 60.0).abs() < 1e-9, "{rates:?}");
        let rows = history.queue_rows(&q, T0, point(now + 10_000, 150, 0, 0));
        assert!(rows.iter().all(|r| r.sent >= 0.0));
        assert!((rows[3].sent - 3.0).abs() < 1e-9);
        // A queue made again under its name (a new creation time) starts a new series.
        let made_again = now + 20_000;
        history.record_queues(
            made_again,
            vec![(q.clone(), made_again - 5_000, point(made_again, 5, 0, 0))],
        );
        assert_eq!(history.kept.lock().queues[&q].points.len(), 1);
        let rates = history.queue_rates(&q, made_again - 5_000, point(made_again + 5_000, 5, 0, 0));
        assert!((rates.sent - 0.5).abs() < 1e-9, "{rates:?}");
    }

    #[test]
    fn shard_rates_and_stream_rows_add_up_shards() {
        let history = History::new(T0);
        let stream = StreamKey::new("us-east-1", "000000000000", "s");
        let (s0, s1) = ((stream.clone(), 0), (stream.clone(), 1));
        for i in 1..=6u64 {
            let at = T0 + i * SAMPLE_PERIOD_MS;
            history.record_shards(
                at,
                vec![
                    (
                        s0.clone(),
                        ShardPoint {
                            at_ms: at,
                            records: 10 * i,
                            bytes: 1_000 * i,
                        },
                    ),
                    (
                        s1.clone(),
                        ShardPoint {
                            at_ms: at,
                            records: 20 * i,
                            bytes: 0,
                        },
                    ),
                ],
            );
        }
        let now = T0 + 70_000;
        let r0 = history.shard_rates(
            &s0,
            ShardPoint {
                at_ms: now,
                records: 70,
                bytes: 7_000,
            },
        );
        assert!(
            (r0.records - 1.0).abs() < 1e-9 && (r0.bytes - 100.0).abs() < 1e-9,
            "{r0:?}"
        );
        let rows = history.stream_rows(&[
            (
                s0,
                ShardPoint {
                    at_ms: now,
                    records: 70,
                    bytes: 7_000,
                },
            ),
            (
                s1,
                ShardPoint {
                    at_ms: now,
                    records: 140,
                    bytes: 0,
                },
            ),
        ]);
        assert_eq!(rows.len(), 7);
        assert!(rows
            .iter()
            .all(|r| (r.records - 3.0).abs() < 1e-9 && (r.bytes - 100.0).abs() < 1e-9));
    }

    #[test]
    fn histories_stop_at_their_limits() {
        let history = History::new(T0);
        let at = T0 + 10_000;
        let many: Vec<_> = (0..MAX_QUEUES + 5)
            .map(|i| (key(&format!("q{i}")), T0, point(at, 1, 0, 0)))
            .collect();
        history.record_queues(at, many);
        assert_eq!(history.sizes().0, MAX_QUEUES);
    }
}
