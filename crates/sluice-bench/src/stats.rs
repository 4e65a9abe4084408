//! What a run counts: live atomic counters (read by the progress line and for the
//! throughput figures) and per-worker latency histograms merged at the end.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;
use tokio::sync::Notify;

/// Lowest latency the histograms resolve, in microseconds.
const HISTOGRAM_LOW_US: u64 = 1;
/// Highest latency the histograms hold, in microseconds (longer ones are clamped).
const HISTOGRAM_HIGH_US: u64 = 600_000_000;
/// Significant figures the histograms keep.
const HISTOGRAM_SIGFIG: u8 = 3;

/// The operations the scenarios issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    SendMessage,
    SendMessageBatch,
    ReceiveMessage,
    DeleteMessageBatch,
    /// SNS `Publish` (AWS Query).
    Publish,
    /// SNS `PublishBatch` (AWS Query).
    PublishBatch,
    /// Kinesis `PutRecord` (AWS JSON 1.1).
    PutRecord,
    /// Kinesis `PutRecords`.
    PutRecords,
    /// Kinesis `GetShardIterator`.
    GetShardIterator,
    /// Kinesis `GetRecords`.
    GetRecords,
    /// Kinesis `SubscribeToShard`: each event pushed counts as one request, its records
    /// as its messages; the latency is from a put's acknowledgement to its event.
    SubscribeToShard,
}

pub const OP_COUNT: usize = 11;
pub const OPS: [Op; OP_COUNT] = [
    Op::SendMessage,
    Op::SendMessageBatch,
    Op::Publish,
    Op::PublishBatch,
    Op::ReceiveMessage,
    Op::DeleteMessageBatch,
    Op::PutRecord,
    Op::PutRecords,
    Op::GetShardIterator,
    Op::GetRecords,
    Op::SubscribeToShard,
];

impl Op {
    /// The action name, as in `X-Amz-Target: AmazonSQS.<name>` (or SNS's `Action=`, or
    /// `Kinesis_20131202.<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Self::SendMessage => "SendMessage",
            Self::SendMessageBatch => "SendMessageBatch",
            Self::ReceiveMessage => "ReceiveMessage",
            Self::DeleteMessageBatch => "DeleteMessageBatch",
            Self::Publish => "Publish",
            Self::PublishBatch => "PublishBatch",
            Self::PutRecord => "PutRecord",
            Self::PutRecords => "PutRecords",
            Self::GetShardIterator => "GetShardIterator",
            Self::GetRecords => "GetRecords",
            Self::SubscribeToShard => "SubscribeToShard",
        }
    }

    pub fn is_sns(self) -> bool {
        matches!(self, Self::Publish | Self::PublishBatch)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(HISTOGRAM_LOW_US, HISTOGRAM_HIGH_US, HISTOGRAM_SIGFIG)
        .expect("valid histogram bounds")
}

/// Counters shared by every worker.
pub struct Live {
    /// Set while the measured window is open; completions after it are not counted
    /// in the throughput figures.
    measuring: AtomicBool,
    requests: [AtomicU64; OP_COUNT],
    messages: [AtomicU64; OP_COUNT],
    errors: [AtomicU64; OP_COUNT],
    /// Receives that returned no message.
    pub empty_receives: AtomicU64,
    /// Empty receives that came back well before their wait time was up.
    pub early_empty_receives: AtomicU64,
    error_codes: Mutex<BTreeMap<String, u64>>,
    /// Longest request since the progress line last read it, in microseconds.
    interval_max_us: AtomicU64,
    /// Messages sent minus messages deleted, over the whole run.
    backlog: AtomicI64,
    /// Signalled when deletes bring the backlog down.
    pub space: Notify,
}

impl Live {
    pub fn new() -> Self {
        Self {
            measuring: AtomicBool::new(false),
            requests: Default::default(),
            messages: Default::default(),
            errors: Default::default(),
            empty_receives: AtomicU64::new(0),
            early_empty_receives: AtomicU64::new(0),
            error_codes: Mutex::new(BTreeMap::new()),
            interval_max_us: AtomicU64::new(0),
            backlog: AtomicI64::new(0),
            space: Notify::new(),
        }
    }

    pub fn set_measuring(&self, on: bool) {
        self.measuring.store(on, Ordering::SeqCst);
    }

    /// Whether the measured window is open.
    pub fn is_measuring(&self) -> bool {
        self.measuring.load(Ordering::Relaxed)
    }

    /// Counts a successful request that handled `messages` messages.
    pub fn completed(&self, op: Op, messages: u64) {
        if self.measuring.load(Ordering::Relaxed) {
            self.requests[op.index()].fetch_add(1, Ordering::Relaxed);
            self.messages[op.index()].fetch_add(messages, Ordering::Relaxed);
        }
    }

    /// Counts a failed request, or a failed entry of a batch.
    pub fn error(&self, op: Op, code: &str) {
        self.errors[op.index()].fetch_add(1, Ordering::Relaxed);
        let mut codes = self.error_codes.lock().expect("not poisoned");
        *codes.entry(format!("{}: {code}", op.name())).or_default() += 1;
    }

    /// Notes a request's latency for the progress line's "slowest" figure.
    pub fn observe(&self, took: Duration) {
        self.interval_max_us
            .fetch_max(duration_us(took), Ordering::Relaxed);
    }

    /// The longest request since the last call.
    pub fn take_interval_max(&self) -> Duration {
        Duration::from_micros(self.interval_max_us.swap(0, Ordering::Relaxed))
    }

    pub fn sent(&self, messages: u64) {
        self.backlog.fetch_add(messages as i64, Ordering::Relaxed);
    }

    /// Counts deleted messages; wakes producers held back when the backlog is now
    /// below `cap`.
    pub fn deleted(&self, messages: u64, cap: Option<u64>) {
        let left = self.backlog.fetch_sub(messages as i64, Ordering::Relaxed) - messages as i64;
        if cap.is_some_and(|cap| left < cap as i64) {
            self.space.notify_waiters();
        }
    }

    pub fn backlog(&self) -> i64 {
        self.backlog.load(Ordering::Relaxed)
    }

    pub fn requests(&self, op: Op) -> u64 {
        self.requests[op.index()].load(Ordering::Relaxed)
    }

    pub fn messages(&self, op: Op) -> u64 {
        self.messages[op.index()].load(Ordering::Relaxed)
    }

    pub fn errors(&self, op: Op) -> u64 {
        self.errors[op.index()].load(Ordering::Relaxed)
    }

    pub fn total_errors(&self) -> u64 {
        OPS.iter().map(|&op| self.errors(op)).sum()
    }

    pub fn error_codes(&self) -> BTreeMap<String, u64> {
        self.error_codes.lock().expect("not poisoned").clone()
    }
}

/// One worker's latency histograms (microseconds).
pub struct Recorder {
    ops: Vec<Histogram<u64>>,
    /// Send-to-receive latency, from the timestamp embedded in each body.
    pub end_to_end: Histogram<u64>,
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            ops: (0..OP_COUNT).map(|_| new_histogram()).collect(),
            end_to_end: new_histogram(),
        }
    }

    pub fn latency(&mut self, op: Op, took: Duration) {
        self.ops[op.index()].saturating_record(duration_us(took));
    }

    pub fn end_to_end(&mut self, took: Duration) {
        self.end_to_end.saturating_record(duration_us(took));
    }

    pub fn op(&self, op: Op) -> &Histogram<u64> {
        &self.ops[op.index()]
    }

    pub fn merge(&mut self, other: &Recorder) {
        for (mine, theirs) in self.ops.iter_mut().zip(&other.ops) {
            mine.add(theirs).expect("same bounds");
        }
        self.end_to_end.add(&other.end_to_end).expect("same bounds");
    }
}

pub fn duration_us(d: Duration) -> u64 {
    u64::try_from(d.as_micros())
        .unwrap_or(u64::MAX)
        .max(HISTOGRAM_LOW_US)
}
