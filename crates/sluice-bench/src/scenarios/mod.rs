//! The scenarios: how many producers and consumers each runs, what they send (to a
//! queue, or published to a topic with queues subscribed) and how long consumers wait.

pub mod consumer;
pub mod producer;

use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;
use tokio::task::JoinHandle;

use crate::stats::Recorder;
use crate::worker::{Plan, Run, Worker};

/// Entries per `SendMessageBatch` in the cycle scenarios (the SQS maximum).
pub const BATCH_ENTRIES_MAX: usize = 10;
/// Largest total payload of one batch (the SQS limit); bounds entries for big bodies.
pub const BATCH_PAYLOAD_MAX_BYTES: usize = 1_048_576;
/// Wait time of receives in the cycle scenarios: short, so the stop is quick.
pub const CYCLE_WAIT: Duration = Duration::from_secs(1);
/// Wait time of receives in the long-poll scenario (the SQS maximum).
pub const LONGPOLL_WAIT: Duration = Duration::from_secs(20);
/// Message groups in `fifo-groups` unless `--groups` says otherwise.
pub const DEFAULT_FIFO_GROUPS: u64 = 1_000;
/// Messages per second the long-poll scenario's producer sends unless `--rate` says
/// otherwise.
pub const LONGPOLL_DEFAULT_RATE: f64 = 50.0;
/// Messages sent and not yet deleted at which cycle producers hold back unless
/// `--max-backlog` says otherwise. Keeps the cycles in a steady state (throughput is
/// the whole send-receive-delete loop's, memory stays bounded).
pub const DEFAULT_MAX_BACKLOG: u64 = 10_000;
/// Queues subscribed to the topic in `publish` unless `--subscriptions` says otherwise.
pub const DEFAULT_PUBLISH_SUBSCRIPTIONS: usize = 1;
/// Queues subscribed to the topic in `fanout` unless `--subscriptions` says otherwise.
pub const DEFAULT_FANOUT_SUBSCRIPTIONS: usize = 10;
/// Most subscriptions a run makes.
pub const MAX_SUBSCRIPTIONS: usize = 100;
/// Shards of the Kinesis scenarios' stream unless `--shards` says otherwise.
pub const DEFAULT_SHARDS: usize = 4;
/// Most shards a run makes.
pub const MAX_SHARDS: usize = 256;
/// Records per `PutRecords` unless `--batch` says otherwise (the Kinesis maximum).
pub const DEFAULT_PUT_BATCH: usize = 500;
/// Largest payload of one `PutRecords` (the Kinesis limit: data and partition keys).
pub const PUT_RECORDS_PAYLOAD_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Records per second the `subscribe` producer puts unless `--rate` says otherwise.
pub const SUBSCRIBE_DEFAULT_RATE: f64 = 200.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// `SendMessage` of one message, on every connection.
    Send,
    /// Producers send batches of 10; consumers receive 10 (1 s wait) and delete them.
    Cycle,
    /// The cycle on a FIFO queue, messages spread over many groups.
    FifoGroups,
    /// The cycle on a FIFO queue, every message in one group.
    FifoHot,
    /// Consumers long-poll (20 s) while one producer sends a trickle; measures
    /// send-to-receive latency.
    Longpoll,
    /// SNS: producers `Publish` (or `PublishBatch` with `--batch`) to a topic with
    /// `--subscriptions` queues (default 1); consumers drain the queues.
    Publish,
    /// SNS: producers `PublishBatch` of 10 to a topic with 10 queues whose filter
    /// policies each accept half the messages; consumers drain the queues.
    Fanout,
    /// Kinesis: every connection sends `PutRecords` of `--batch` (500) records to a
    /// stream of `--shards` (4) shards.
    Put,
    /// Kinesis: a stream is filled first (`--fill` records, not measured), then every
    /// connection reads it shard by shard with `GetRecords` (Limit 10000) from
    /// TRIM_HORIZON, over and over.
    Get,
    /// Kinesis: one `SubscribeToShard` (LATEST) per shard through a registered consumer
    /// while a producer `PutRecord`s at `--rate` (200/s); measures put-to-event latency.
    Subscribe,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Cycle => "cycle",
            Self::FifoGroups => "fifo-groups",
            Self::FifoHot => "fifo-hot",
            Self::Longpoll => "longpoll",
            Self::Publish => "publish",
            Self::Fanout => "fanout",
            Self::Put => "put",
            Self::Get => "get",
            Self::Subscribe => "subscribe",
        }
    }

    /// Whether the scenario drives Kinesis rather than SQS.
    pub fn is_kinesis(self) -> bool {
        matches!(self, Self::Put | Self::Get | Self::Subscribe)
    }

    pub fn is_fifo(self) -> bool {
        matches!(self, Self::FifoGroups | Self::FifoHot)
    }

    /// Whether producers publish to an SNS topic rather than send to a queue.
    pub fn is_sns(self) -> bool {
        matches!(self, Self::Publish | Self::Fanout)
    }
}

/// The knobs the command line gives a scenario.
pub struct Shape {
    pub connections: usize,
    pub producers: Option<usize>,
    pub consumers: Option<usize>,
    pub size: usize,
    pub groups: Option<u64>,
    pub rate: Option<f64>,
    pub max_backlog: Option<u64>,
    /// SNS scenarios: queues subscribed.
    pub subscriptions: Option<usize>,
    /// Entries per send or publish, overriding the scenario's.
    pub batch: Option<usize>,
    /// Kinesis scenarios: shards of the stream.
    pub shards: Option<usize>,
}

/// Works out who does what.
pub fn plan(scenario: Scenario, shape: &Shape) -> Plan {
    let batch = (BATCH_PAYLOAD_MAX_BYTES / shape.size.max(1)).clamp(1, BATCH_ENTRIES_MAX);
    let split = |default_producers: usize| {
        let producers = shape.producers.unwrap_or(default_producers).max(1);
        let consumers = shape
            .consumers
            .unwrap_or(shape.connections.saturating_sub(producers))
            .max(1);
        (producers, consumers)
    };
    let half = shape.connections / 2;
    let base = Plan {
        producers: shape.connections.max(1),
        consumers: 0,
        batch,
        size: shape.size,
        groups: None,
        wait: CYCLE_WAIT,
        cancel_on_stop: false,
        rate: shape.rate,
        max_backlog: None,
        subscriptions: 0,
        filtered: false,
        shards: 0,
    };
    let max_backlog = Some(shape.max_backlog.unwrap_or(DEFAULT_MAX_BACKLOG).max(1));
    match scenario {
        Scenario::Send => Plan {
            producers: shape.producers.unwrap_or(shape.connections).max(1),
            batch: 1,
            ..base
        },
        Scenario::Cycle => {
            let (producers, consumers) = split(half);
            Plan {
                producers,
                consumers,
                max_backlog,
                ..base
            }
        }
        Scenario::FifoGroups | Scenario::FifoHot => {
            let (producers, consumers) = split(half);
            let groups = if scenario == Scenario::FifoHot {
                1
            } else {
                shape.groups.unwrap_or(DEFAULT_FIFO_GROUPS).max(1)
            };
            Plan {
                producers,
                consumers,
                groups: Some(groups),
                max_backlog,
                ..base
            }
        }
        Scenario::Longpoll => {
            let (producers, consumers) = split(1);
            Plan {
                producers,
                consumers,
                batch: 1,
                wait: LONGPOLL_WAIT,
                cancel_on_stop: true,
                rate: Some(shape.rate.unwrap_or(LONGPOLL_DEFAULT_RATE)),
                ..base
            }
        }
        Scenario::Publish | Scenario::Fanout => {
            let fanout = scenario == Scenario::Fanout;
            let subscriptions = shape
                .subscriptions
                .unwrap_or(if fanout {
                    DEFAULT_FANOUT_SUBSCRIPTIONS
                } else {
                    DEFAULT_PUBLISH_SUBSCRIPTIONS
                })
                .clamp(1, MAX_SUBSCRIPTIONS);
            let (producers, consumers) = split(half);
            let default_batch = if fanout { BATCH_ENTRIES_MAX } else { 1 };
            // `--consumers 0`: the fan-out alone; nothing drains the queues, so nothing
            // caps the backlog, and deliveries are the acknowledged appends.
            let fan_out_only = shape.consumers == Some(0);
            Plan {
                producers,
                // Every queue needs a consumer, unless none is wanted.
                consumers: if fan_out_only {
                    0
                } else {
                    consumers.max(subscriptions)
                },
                batch: shape.batch.unwrap_or(default_batch).clamp(1, batch),
                max_backlog: if fan_out_only { None } else { max_backlog },
                subscriptions,
                filtered: fanout,
                ..base
            }
        }
        Scenario::Put | Scenario::Get | Scenario::Subscribe => {
            let shards = shape.shards.unwrap_or(DEFAULT_SHARDS).clamp(1, MAX_SHARDS);
            let fits = (PUT_RECORDS_PAYLOAD_MAX_BYTES / (shape.size + 32)).max(1);
            let put_batch = shape
                .batch
                .unwrap_or(DEFAULT_PUT_BATCH)
                .clamp(1, DEFAULT_PUT_BATCH.min(fits));
            let kinesis = Plan {
                batch: put_batch,
                wait: Duration::ZERO,
                shards,
                ..base
            };
            match scenario {
                Scenario::Put => Plan {
                    producers: shape.producers.unwrap_or(shape.connections).max(1),
                    ..kinesis
                },
                Scenario::Get => Plan {
                    producers: 0,
                    consumers: shape.consumers.unwrap_or(shape.connections).max(1),
                    ..kinesis
                },
                _ => Plan {
                    producers: shape.producers.unwrap_or(1).max(1),
                    // One subscription per shard.
                    consumers: shards,
                    batch: 1,
                    rate: Some(shape.rate.unwrap_or(SUBSCRIBE_DEFAULT_RATE)),
                    ..kinesis
                },
            }
        }
    }
}

/// Starts every worker of a queue run; each task hands back its histograms.
pub fn start(run: &Arc<Run>) -> Vec<JoinHandle<Recorder>> {
    let mut tasks = Vec::new();
    for _ in 0..run.plan.producers {
        tasks.push(tokio::spawn(producer::run(Worker::new(Arc::clone(run)))));
    }
    for i in 0..run.plan.consumers {
        tasks.push(tokio::spawn(consumer::run(Worker::on_queue(
            Arc::clone(run),
            i,
        ))));
    }
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(connections: usize, size: usize) -> Shape {
        Shape {
            connections,
            producers: None,
            consumers: None,
            size,
            groups: None,
            rate: None,
            max_backlog: None,
            subscriptions: None,
            batch: None,
            shards: None,
        }
    }

    #[test]
    fn plans_split_connections_and_fit_batches_in_the_payload_limit() {
        let send = plan(Scenario::Send, &shape(16, 100));
        assert_eq!((send.producers, send.consumers, send.batch), (16, 0, 1));
        assert_eq!(send.max_backlog, None);
        let cycle = plan(Scenario::Cycle, &shape(16, 262_144));
        assert_eq!((cycle.producers, cycle.consumers, cycle.batch), (8, 8, 4));
        assert_eq!(cycle.max_backlog, Some(DEFAULT_MAX_BACKLOG));
        assert_eq!(plan(Scenario::Cycle, &shape(1, 100)).consumers, 1);
        assert_eq!(plan(Scenario::FifoHot, &shape(16, 100)).groups, Some(1));
        assert_eq!(
            plan(Scenario::FifoGroups, &shape(16, 100)).groups,
            Some(DEFAULT_FIFO_GROUPS)
        );
        let longpoll = plan(Scenario::Longpoll, &shape(16, 100));
        assert_eq!((longpoll.producers, longpoll.consumers), (1, 15));
        assert_eq!(longpoll.wait, LONGPOLL_WAIT);
        assert_eq!(longpoll.rate, Some(LONGPOLL_DEFAULT_RATE));
        let publish = plan(Scenario::Publish, &shape(16, 100));
        assert_eq!(
            (publish.producers, publish.consumers, publish.batch),
            (8, 8, 1)
        );
        assert_eq!(
            (publish.subscriptions, publish.deliveries_per_message()),
            (1, 1)
        );
        let fanout = plan(Scenario::Fanout, &shape(16, 100));
        assert_eq!(
            (fanout.producers, fanout.consumers, fanout.batch),
            (8, 10, 10)
        );
        assert_eq!(
            (fanout.subscriptions, fanout.deliveries_per_message()),
            (10, 5)
        );
        let fan_out_only = plan(
            Scenario::Fanout,
            &Shape {
                consumers: Some(0),
                ..shape(16, 100)
            },
        );
        assert_eq!(
            (fan_out_only.consumers, fan_out_only.max_backlog),
            (0, None)
        );
        let single = plan(
            Scenario::Fanout,
            &Shape {
                batch: Some(1),
                subscriptions: Some(4),
                ..shape(4, 100)
            },
        );
        assert_eq!(
            (
                single.batch,
                single.consumers,
                single.deliveries_per_message()
            ),
            (1, 4, 2)
        );
        let put = plan(Scenario::Put, &shape(16, 100));
        assert_eq!(
            (put.producers, put.consumers, put.batch, put.shards),
            (16, 0, 500, 4)
        );
        let big = plan(Scenario::Put, &shape(4, 1_048_576));
        assert_eq!(big.batch, 9);
        let get = plan(Scenario::Get, &shape(4, 100));
        assert_eq!((get.producers, get.consumers), (0, 4));
        let sub = plan(Scenario::Subscribe, &shape(16, 100));
        assert_eq!((sub.producers, sub.consumers, sub.batch), (1, 4, 1));
        assert_eq!(sub.rate, Some(SUBSCRIBE_DEFAULT_RATE));
    }
}
