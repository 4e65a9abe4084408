//! What a scrape reads at its moment: queue depths and counters, shard counters, topic
//! publish and delivery counters and the HTTP/S outbox's depth, and the server's load.

use std::sync::{Arc, OnceLock, Weak};

use parking_lot::Mutex;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use sluice_core::kinesis::activity::ShardCounts;
use sluice_core::kinesis::names::shard_id;
use sluice_core::kinesis::Kinesis;
use sluice_core::sns::activity::TopicCounts;
use sluice_core::sns::Sns;
use sluice_core::sqs::activity::ActivityCounts;
use sluice_core::sqs::attributes::QueueCounts;
use sluice_core::sqs::Sqs;

use crate::limits::{Gates, Load};

/// The label a folded queue (or topic) series carries.
pub const ALL_QUEUES: &str = "*";

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct QueueLabels {
    account: String,
    queue: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ShardLabels {
    account: String,
    stream: String,
    shard: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TopicLabels {
    account: String,
    topic: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DeliveryLabels {
    account: String,
    topic: String,
    protocol: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Default)]
struct QueueSample {
    depth: QueueCounts,
    activity: ActivityCounts,
}

#[derive(Debug, Default)]
struct Sample {
    queues: Vec<(QueueLabels, QueueSample)>,
    shards: Vec<(ShardLabels, ShardCounts)>,
    topics: Vec<(TopicLabels, TopicCounts)>,
    /// HTTP/S deliveries in the outbox, when there is one.
    outbox_pending: Option<usize>,
    journal: Option<sluice_store::JournalStats>,
    load: Option<Load>,
}

/// Where a scrape reads from; set as the server starts.
pub struct ScrapeSources {
    /// One series per queue and per topic; `false` folds each into one (`*`).
    per_queue: bool,
    // Held weakly: the metrics outlive nothing they read.
    sqs: OnceLock<Weak<Sqs>>,
    kinesis: OnceLock<Weak<Kinesis>>,
    sns: OnceLock<Weak<Sns>>,
    store: OnceLock<Weak<sluice_store::EmbeddedStore>>,
    gates: OnceLock<Weak<Gates>>,
    sample: Mutex<Sample>,
}

impl std::fmt::Debug for ScrapeSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScrapeSources")
            .field("per_queue", &self.per_queue)
            .finish_non_exhaustive()
    }
}

impl ScrapeSources {
    pub fn new(per_queue: bool) -> Self {
        Self {
            per_queue,
            sqs: OnceLock::new(),
            kinesis: OnceLock::new(),
            sns: OnceLock::new(),
            store: OnceLock::new(),
            gates: OnceLock::new(),
            sample: Mutex::new(Sample::default()),
        }
    }

    pub fn set_sqs(&self, sqs: &Arc<Sqs>) {
        let _ = self.sqs.set(Arc::downgrade(sqs));
    }

    pub fn set_kinesis(&self, kinesis: &Arc<Kinesis>) {
        let _ = self.kinesis.set(Arc::downgrade(kinesis));
    }

    pub fn set_sns(&self, sns: &Arc<Sns>) {
        let _ = self.sns.set(Arc::downgrade(sns));
    }

    pub fn set_store(&self, store: &Arc<sluice_store::EmbeddedStore>) {
        let _ = self.store.set(Arc::downgrade(store));
    }

    pub fn set_gates(&self, gates: &Arc<Gates>) {
        let _ = self.gates.set(Arc::downgrade(gates));
    }

    /// Reads every queue's depth and counters, and the load, for the next encode.
    pub async fn refresh(&self) {
        let mut sample = Sample {
            load: self.gates.get().and_then(Weak::upgrade).map(|g| g.load()),
            journal: self
                .store
                .get()
                .and_then(Weak::upgrade)
                .and_then(|s| s.journal_stats()),
            ..Sample::default()
        };
        if let Some(sqs) = self.sqs.get().and_then(Weak::upgrade) {
            let now = sqs.now();
            let activity: std::collections::HashMap<_, _> =
                sqs.activity().snapshot().into_iter().collect();
            let mut folded = QueueSample::default();
            for meta in sqs.store().all_queues().await {
                let Ok(depth) = sqs.store().counts(&meta.key, now).await else {
                    continue;
                };
                let queue = QueueSample {
                    depth,
                    activity: activity.get(&meta.key).copied().unwrap_or_default(),
                };
                if self.per_queue {
                    let labels = QueueLabels {
                        account: meta.key.account_id.clone(),
                        queue: meta.key.name.clone(),
                    };
                    sample.queues.push((labels, queue));
                } else {
                    add(&mut folded, &queue);
                }
            }
            if !self.per_queue {
                let labels = QueueLabels {
                    account: ALL_QUEUES.to_owned(),
                    queue: ALL_QUEUES.to_owned(),
                };
                sample.queues.push((labels, folded));
            }
        }
        if let Some(kinesis) = self.kinesis.get().and_then(Weak::upgrade) {
            for (stream, index, counts) in kinesis.activity().snapshot() {
                let labels = ShardLabels {
                    account: stream.account_id,
                    stream: stream.name,
                    shard: shard_id(index),
                };
                sample.shards.push((labels, counts));
            }
        }
        if let Some(sns) = self.sns.get().and_then(Weak::upgrade) {
            let mut folded = TopicCounts::default();
            for (key, counts) in sns.activity().snapshot() {
                if self.per_queue {
                    let labels = TopicLabels {
                        account: key.account_id,
                        topic: key.name,
                    };
                    sample.topics.push((labels, counts));
                } else {
                    folded.add(&counts);
                }
            }
            if !self.per_queue {
                let labels = TopicLabels {
                    account: ALL_QUEUES.to_owned(),
                    topic: ALL_QUEUES.to_owned(),
                };
                sample.topics.push((labels, folded));
            }
            if let Some(outbox) = sns.outbox() {
                sample.outbox_pending = Some(outbox.pending_deliveries().await);
            }
        }
        *self.sample.lock() = sample;
    }
}

fn add(total: &mut QueueSample, q: &QueueSample) {
    total.depth.visible += q.depth.visible;
    total.depth.in_flight += q.depth.in_flight;
    total.depth.delayed += q.depth.delayed;
    let (t, a) = (&mut total.activity, &q.activity);
    t.sent += a.sent;
    t.sent_bytes += a.sent_bytes;
    t.received += a.received;
    t.empty_receives += a.empty_receives;
    t.deleted += a.deleted;
}

/// A table of families: name, help, type, and how a sample gives its value.
type Table<S> = [(&'static str, &'static str, MetricType, fn(&S) -> u64)];

/// Each family of `table`, with one labelled value per sample.
fn encode_table<L: EncodeLabelSet, S>(
    encoder: &mut DescriptorEncoder,
    table: &Table<S>,
    samples: &[(L, S)],
) -> Result<(), std::fmt::Error> {
    for (name, help, kind, value) in table {
        let mut family = encoder.encode_descriptor(name, help, None, *kind)?;
        for (labels, sample) in samples {
            let metric = family.encode_family(labels)?;
            match kind {
                MetricType::Counter => ConstCounter::new(value(sample)).encode(metric)?,
                _ => ConstGauge::new(value(sample) as i64).encode(metric)?,
            }
        }
    }
    Ok(())
}

/// The queue families: name, help, type, value.
const QUEUE_FAMILIES: &Table<QueueSample> = &[
    (
        "sluice_sqs_approximate_number_of_messages_visible",
        "Messages available for retrieval (ApproximateNumberOfMessagesVisible)",
        MetricType::Gauge,
        |q| q.depth.visible,
    ),
    (
        "sluice_sqs_approximate_number_of_messages_not_visible",
        "Messages in flight: received, not yet deleted or visible again (ApproximateNumberOfMessagesNotVisible)",
        MetricType::Gauge,
        |q| q.depth.in_flight,
    ),
    (
        "sluice_sqs_approximate_number_of_messages_delayed",
        "Messages delayed and not yet available (ApproximateNumberOfMessagesDelayed)",
        MetricType::Gauge,
        |q| q.depth.delayed,
    ),
    (
        "sluice_sqs_number_of_messages_sent",
        "Messages added by SendMessage and SendMessageBatch (NumberOfMessagesSent)",
        MetricType::Counter,
        |q| q.activity.sent,
    ),
    (
        "sluice_sqs_sent_message_size_bytes",
        "Bytes of the messages sent, bodies and attributes (SentMessageSize, summed)",
        MetricType::Counter,
        |q| q.activity.sent_bytes,
    ),
    (
        "sluice_sqs_number_of_messages_received",
        "Messages returned by ReceiveMessage (NumberOfMessagesReceived)",
        MetricType::Counter,
        |q| q.activity.received,
    ),
    (
        "sluice_sqs_number_of_empty_receives",
        "ReceiveMessage calls that returned no message (NumberOfEmptyReceives)",
        MetricType::Counter,
        |q| q.activity.empty_receives,
    ),
    (
        "sluice_sqs_number_of_messages_deleted",
        "Messages deleted by DeleteMessage and DeleteMessageBatch (NumberOfMessagesDeleted)",
        MetricType::Counter,
        |q| q.activity.deleted,
    ),
];

/// The Kinesis shard families: name, help, type, value.
const SHARD_FAMILIES: &Table<ShardCounts> = &[
    (
        "sluice_kinesis_incoming_records",
        "Records put to the shard (IncomingRecords)",
        MetricType::Counter,
        |s| s.incoming_records,
    ),
    (
        "sluice_kinesis_incoming_bytes",
        "Bytes of data and partition keys put to the shard (IncomingBytes)",
        MetricType::Counter,
        |s| s.incoming_bytes,
    ),
    (
        "sluice_kinesis_get_records_calls",
        "GetRecords calls answered for the shard (GetRecords.Success)",
        MetricType::Counter,
        |s| s.get_records,
    ),
    (
        "sluice_kinesis_iterator_age_milliseconds",
        "MillisBehindLatest of the shard's last GetRecords (GetRecords.IteratorAgeMilliseconds)",
        MetricType::Gauge,
        |s| s.iterator_age_ms,
    ),
];

/// The SNS topic families with one value per topic: name, help, type, value.
const TOPIC_FAMILIES: &Table<TopicCounts> = &[(
    "sluice_sns_number_of_messages_published",
    "Messages accepted for the topic by Publish and PublishBatch, each batch entry counted (NumberOfMessagesPublished)",
    MetricType::Counter,
    |t| t.published,
)];

/// Deliveries by topic, protocol and outcome; only the pairs that have happened, so a
/// topic has at most one series per protocol and outcome.
fn encode_deliveries(
    encoder: &mut DescriptorEncoder,
    topics: &[(TopicLabels, TopicCounts)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(
        "sluice_sns_deliveries",
        "Notification deliveries by topic, protocol and outcome: delivered, retrying (an HTTP/S \
         attempt failed and is retried), dead_lettered, dropped (failed with no dead-letter \
         queue), not_delivered (protocols Sluice only logs), filtered_out (by the filter policy)",
        None,
        MetricType::Counter,
    )?;
    for (topic, counts) in topics {
        for (protocol, outcome, n) in counts.nonzero_deliveries() {
            let labels = DeliveryLabels {
                account: topic.account.clone(),
                topic: topic.topic.clone(),
                protocol: protocol.as_str(),
                outcome: outcome.as_str(),
            };
            ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
        }
    }
    Ok(())
}

impl Collector for ScrapeSources {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let sample = self.sample.lock();
        encode_table(&mut encoder, QUEUE_FAMILIES, &sample.queues)?;
        encode_table(&mut encoder, SHARD_FAMILIES, &sample.shards)?;
        encode_table(&mut encoder, TOPIC_FAMILIES, &sample.topics)?;
        encode_deliveries(&mut encoder, &sample.topics)?;
        if let Some(pending) = sample.outbox_pending {
            let gauge = ConstGauge::new(pending as i64);
            let metric = encoder.encode_descriptor(
                "sluice_sns_http_outbox_pending_deliveries",
                "HTTP/S deliveries in the outbox: enqueued and not yet delivered, dead-lettered or dropped (all topics)",
                None,
                gauge.metric_type(),
            )?;
            gauge.encode(metric)?;
        }
        if let Some(journal) = &sample.journal {
            let counters: [(&str, &str, u64); 2] = [
                (
                    "sluice_journal_fsyncs",
                    "Group commits: fdatasyncs of the journal since the server started",
                    journal.fsyncs,
                ),
                (
                    "sluice_journal_records",
                    "Records ever journalled (the next LSN); per fsync: rate of this over rate of fsyncs",
                    journal.next_lsn,
                ),
            ];
            for (name, help, value) in counters {
                let counter = ConstCounter::new(value);
                let metric = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
                counter.encode(metric)?;
            }
            let seconds = ConstCounter::new(journal.fsync_micros as f64 / 1e6);
            let metric = encoder.encode_descriptor(
                "sluice_journal_fsync_seconds",
                "Time spent in the journal's fdatasyncs; over fsyncs: the mean fsync latency",
                None,
                seconds.metric_type(),
            )?;
            seconds.encode(metric)?;
            let sizes: [(&str, &str, u64); 2] = [
                (
                    "sluice_journal_bytes_since_snapshot",
                    "Journal bytes written since the last snapshot",
                    journal.bytes_since_snapshot,
                ),
                (
                    "sluice_journal_snapshot_bytes",
                    "Size of the newest snapshot file (0 before the first)",
                    journal.snapshot_bytes,
                ),
            ];
            for (name, help, value) in sizes {
                let gauge = ConstGauge::new(value as i64);
                let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
                gauge.encode(metric)?;
            }
        }
        if let Some(load) = &sample.load {
            let gauges: [(&str, &str, usize); 3] = [
                (
                    "sluice_connections_open",
                    "Client connections open on the API listeners",
                    load.connections,
                ),
                (
                    "sluice_requests_in_progress",
                    "API requests being worked on (waiting long polls aside)",
                    load.inflight_requests,
                ),
                (
                    "sluice_long_polls_waiting",
                    "ReceiveMessage calls waiting for messages",
                    load.waiting_receives,
                ),
            ];
            for (name, help, value) in gauges {
                let gauge = ConstGauge::new(value as i64);
                let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
                gauge.encode(metric)?;
            }
        }
        Ok(())
    }
}
