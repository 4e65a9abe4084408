//! In-process SNS fan-out: one standard topic with `--subscriptions` SQS queue
//! subscriptions in a durable embedded store (a fresh temporary data directory,
//! fdatasync on every group commit, as `sluice --data-dir`), and `--publishers` tasks
//! calling `Sns::publish` flat out for `--seconds`. No HTTP and no consumers: it
//! measures the fan-out itself (filtering, the envelope and its RSA signature, the
//! queues' durable appends). Deliveries are acknowledged publishes times subscriptions,
//! each acknowledged only once every copy is durable.
//!
//! Each round also reports the process's CPU time per delivery (getrusage), which a
//! busy machine moves much less than the rates.
//!
//! `cargo run --release -p sluice-bench --bin sns-fanout -- --subscriptions 10`

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use sluice_core::clock::{Clock, SystemClock};
use sluice_core::sns::api::{CreateTopicInput, PublishInput, SubscribeInput};
use sluice_core::sns::{Fanout, Sns, SnsContext};
use sluice_core::sqs::api::CreateQueueInput;
use sluice_core::sqs::{RequestContext, Sqs};
use sluice_kms::SnsSigningIdentity;
use sluice_store::{EmbeddedStore, StoreOptions};

// The server's allocator, so allocation costs what it costs there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "000000000000";
const BASE_URL: &str = "http://localhost:4566";

#[derive(Parser)]
#[command(about = "In-process SNS fan-out into durable SQS queues")]
struct Cli {
    /// SQS queues subscribed to the topic.
    #[arg(long, default_value_t = 10)]
    subscriptions: usize,
    /// Concurrent publishing tasks.
    #[arg(long, default_value_t = 16)]
    publishers: usize,
    /// Seconds of publishing per round.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Rounds (each on a fresh store).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Message body size in bytes.
    #[arg(long, default_value_t = 100)]
    size: usize,
    /// Subscribe with RawMessageDelivery (no envelope, no signature).
    #[arg(long)]
    raw: bool,
    /// Keep the store in memory (no journal, no fdatasync).
    #[arg(long)]
    memory: bool,
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    println!(
        "sns-fanout: {} subscriptions, {} publishers, {} s, {}, {}",
        cli.subscriptions,
        cli.publishers,
        cli.seconds,
        if cli.raw { "raw" } else { "signed" },
        if cli.memory { "in memory" } else { "durable" },
    );
    for round in 1..=cli.rounds {
        runtime.block_on(run_round(&cli, round));
    }
}

async fn run_round(cli: &Cli, round: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = if cli.memory {
        StoreOptions::in_memory()
    } else {
        StoreOptions::durable(dir.path())
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (store, _) = EmbeddedStore::open(options, clock.as_ref()).expect("the store opens");
    let sqs = Sqs::new(store.clone(), clock.clone());
    let sns = Sns::with_outbox(store.clone(), clock.clone(), store.clone());
    let signer = Arc::new(SnsSigningIdentity::open(None, clock.now_ms()).expect("a signing key"));
    let fanout = Fanout {
        sqs: sqs.clone(),
        signer,
        base_url: BASE_URL.to_owned(),
    };
    let ctx = SnsContext::open(REGION, ACCOUNT);
    let topic = sns
        .create_topic(
            &ctx,
            CreateTopicInput {
                name: Some("fanout".to_owned()),
                ..Default::default()
            },
        )
        .await
        .expect("the topic");
    let queue_ctx = RequestContext {
        region: REGION.to_owned(),
        account_id: ACCOUNT.to_owned(),
        base_url: BASE_URL.to_owned(),
        sender_id: ACCOUNT.to_owned(),
        trace_header: None,
        access: None,
    };
    for i in 0..cli.subscriptions {
        let name = format!("fanout-{i}");
        sqs.create_queue(
            &queue_ctx,
            CreateQueueInput {
                queue_name: Some(name.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("a queue");
        let mut attributes = Vec::new();
        if cli.raw {
            attributes.push(("RawMessageDelivery".to_owned(), "true".to_owned()));
        }
        sns.subscribe(
            &ctx,
            SubscribeInput {
                topic_arn: Some(topic.clone()),
                protocol: Some("sqs".to_owned()),
                endpoint: Some(format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")),
                attributes,
                return_subscription_arn: true,
            },
        )
        .await
        .expect("a subscription");
    }
    let body = "x".repeat(cli.size);
    let cpu_before = process_cpu_seconds();
    let deadline = Instant::now() + Duration::from_secs_f64(cli.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cli.publishers {
        let (sns, fanout, ctx, topic, body) = (
            sns.clone(),
            fanout.clone(),
            ctx.clone(),
            topic.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Histogram::<u64>::new(3).expect("a histogram");
            while Instant::now() < deadline {
                let input = PublishInput {
                    topic_arn: Some(topic.clone()),
                    message: Some(body.clone()),
                    ..Default::default()
                };
                let t = Instant::now();
                sns.publish(&ctx, &fanout, input).await.expect("published");
                latencies
                    .record(t.elapsed().as_micros() as u64)
                    .expect("in range");
            }
            latencies
        }));
    }
    let mut latencies = Histogram::<u64>::new(3).expect("a histogram");
    for task in tasks {
        latencies
            .add(task.await.expect("a publisher"))
            .expect("same bounds");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;
    let publishes = latencies.len();
    let deliveries = publishes * cli.subscriptions as u64;
    println!(
        "round {round}: {:.0} deliveries/s, {:.0} publishes/s, publish p50 {:.3} ms, p99 {:.3} ms, \
         CPU {:.2} us per delivery ({:.0} deliveries per CPU-second)",
        deliveries as f64 / elapsed,
        publishes as f64 / elapsed,
        latencies.value_at_quantile(0.5) as f64 / 1000.0,
        latencies.value_at_quantile(0.99) as f64 / 1000.0,
        cpu * 1e6 / deliveries.max(1) as f64,
        deliveries as f64 / cpu,
    );
}

/// This process's CPU time so far (user and system, every thread), in seconds: what a
/// round cost independent of how busy the machine was.
fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
