//! `sluice-bench`: drives an SQS endpoint (AWS JSON 1.0 over HTTP/1.1 keep-alive), SNS
//! publishing into SQS queues (AWS Query), or Kinesis (AWS JSON 1.1, SubscribeToShard
//! event streams), with one of a few load scenarios for a bounded time and request count, then reports throughput and latency per operation
//! as Markdown. With `--spawn` it starts a
//! `sluice` server itself and reports that server's CPU time and peak memory too.

mod chart;
mod client;
mod driver;
mod kinesis;
mod report;
mod scenarios;
mod setup;
mod sns;
mod spawn;
mod sqs;
mod stats;
mod worker;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::scenarios::Scenario;
use crate::spawn::Store;

/// Endpoint used when neither `--endpoint` nor `--spawn` is given.
const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:9324";
const DEFAULT_CONNECTIONS: usize = 16;
const MAX_CONNECTIONS: usize = 1_024;
const DEFAULT_DURATION_SECS: u64 = 10;
const MAX_DURATION_SECS: u64 = 3_600;
/// Requests (sends and receives) a run makes at most unless `--max-requests` says.
const DEFAULT_MAX_REQUESTS: u64 = 10_000_000;
const DEFAULT_SIZE_BYTES: usize = 100;
/// Bodies start with a timestamp, so none is shorter.
const MIN_SIZE_BYTES: usize = sqs::TIMESTAMP_DIGITS;
/// The SQS maximum message size.
const MAX_SIZE_BYTES: usize = 1_048_576;
const DEFAULT_CLIENT_THREADS: usize = 2;
const MAX_CLIENT_THREADS: usize = 64;
const DEFAULT_ROUNDS: u32 = 5;
/// Most records `get` puts into its stream before the window.
const MAX_FILL: u64 = 100_000_000;
const MAX_ROUNDS: u32 = 100;

/// Load generator for SQS (AWS JSON 1.0), SNS (AWS Query) and Kinesis (AWS JSON 1.1)
/// endpoints. Loopback only.
#[derive(Debug, Parser)]
#[command(name = "sluice-bench", version)]
pub struct Cli {
    /// Scenario to run.
    #[arg(long, value_enum, default_value = "cycle")]
    pub scenario: Scenario,
    /// SQS endpoint to drive (must be a loopback address).
    #[arg(long, default_value = DEFAULT_ENDPOINT, conflicts_with = "spawn")]
    pub endpoint: String,
    /// Start this `sluice` binary on a free loopback port for the run, and report its
    /// CPU time and peak RSS.
    #[arg(long, value_name = "PATH_TO_SLUICE")]
    pub spawn: Option<PathBuf>,
    /// Store of the spawned server.
    #[arg(long, value_enum, default_value = "durable")]
    pub store: Store,
    /// Where the spawned server's temporary data directory goes (default: the
    /// system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub data_parent: Option<PathBuf>,
    /// Connections in all (producers plus consumers).
    #[arg(long, default_value_t = DEFAULT_CONNECTIONS)]
    pub connections: usize,
    /// Producer connections (default: all for `send`, half for the cycles, one for
    /// `longpoll`).
    #[arg(long)]
    pub producers: Option<usize>,
    /// Consumer connections (default: the rest).
    #[arg(long)]
    pub consumers: Option<usize>,
    /// Length of the measured window, in seconds.
    #[arg(long, default_value_t = DEFAULT_DURATION_SECS)]
    pub duration: u64,
    /// Stop after this many sends and receives even if time is left.
    #[arg(long, default_value_t = DEFAULT_MAX_REQUESTS)]
    pub max_requests: u64,
    /// Message body size in bytes.
    #[arg(long, default_value_t = DEFAULT_SIZE_BYTES)]
    pub size: usize,
    /// Message groups for `fifo-groups` (default 1000).
    #[arg(long)]
    pub groups: Option<u64>,
    /// Pace producers to this many messages per second in all (default: flat out;
    /// 50 for `longpoll`).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Cycle scenarios: producers hold back while this many messages are sent and
    /// not yet deleted (default 10000).
    #[arg(long)]
    pub max_backlog: Option<u64>,
    /// Queue to use, created if missing (`.fifo` is appended for FIFO scenarios).
    /// Default: a fresh queue named after the scenario, deleted at the end.
    #[arg(long)]
    pub queue: Option<String>,
    /// Keep the default queue at the end instead of deleting it.
    #[arg(long)]
    pub keep_queue: bool,
    /// Worker threads of the load generator.
    #[arg(long, default_value_t = DEFAULT_CLIENT_THREADS)]
    pub client_threads: usize,
    /// Append a dated Markdown section with the results to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Compare with this second endpoint (loopback only): the window is cut into
    /// `--rounds` rounds, each running the scenario against the primary target, then
    /// against this one; reports messages/s per round and the ratios.
    #[arg(long, value_name = "URL")]
    pub vs: Option<String>,
    /// Rounds of a `--vs` run; each endpoint gets `--duration / --rounds` per round.
    #[arg(long, default_value_t = DEFAULT_ROUNDS)]
    pub rounds: u32,
    /// Write an SVG chart here: messages/s per round with `--vs`, else latency
    /// percentiles per operation.
    #[arg(long, value_name = "PATH.svg")]
    pub chart: Option<PathBuf>,
    /// Send an unsigned SigV4-shaped `Authorization` header whose credential scope
    /// names this region and `sqs` (or `sns` for SNS calls); some servers route
    /// requests by it.
    #[arg(long)]
    pub region: Option<String>,
    /// `publish` and `fanout`: SQS queues subscribed to the topic (default 1 for
    /// `publish`, 10 for `fanout`).
    #[arg(long)]
    pub subscriptions: Option<usize>,
    /// `publish` and `fanout`: messages per publish, 1 for `Publish`, 2 to 10 for
    /// `PublishBatch` (default 1 for `publish`, 10 for `fanout`). `put` and `get`:
    /// records per `PutRecords`, 1 to 500 (default 500).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Kinesis scenarios: shards of the stream (default 4).
    #[arg(long)]
    pub shards: Option<usize>,
    /// `get`: records put into the stream before the measured window.
    #[arg(long, default_value_t = kinesis::DEFAULT_FILL)]
    pub fill: u64,
    /// `publish` and `fanout`: subscribe the queues with RawMessageDelivery, so they get
    /// the message itself rather than the signed envelope.
    #[arg(long)]
    pub raw: bool,
    /// Process id of the `--endpoint` server, to report its CPU time.
    #[arg(long, conflicts_with = "spawn")]
    pub pid: Option<u32>,
    /// Process id of the `--vs` server, to report its CPU time.
    #[arg(long, requires = "vs")]
    pub vs_pid: Option<u32>,
    /// What to call the primary target in a `--vs` report (e.g. `sluice durable`).
    #[arg(long)]
    pub name: Option<String>,
    /// What to call the `--vs` endpoint in the report (e.g. `moto`).
    #[arg(long, requires = "vs")]
    pub vs_name: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = validate(&cli) {
        eprintln!("sluice-bench: {e}");
        return ExitCode::from(2);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.client_threads)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    if let Some(region) = &cli.region {
        let _ = client::AUTHORIZATION.set(client::Authorization::new(region));
    }
    if let Some(vs) = &cli.vs {
        return match runtime.block_on(driver::drive_vs(&cli, vs, cli.rounds)) {
            Ok(comparison) => {
                print!("{}", comparison.stdout());
                finish(
                    &cli,
                    |path| comparison.append_to(path),
                    || chart::comparison(&comparison).svg(),
                )
            }
            Err(e) => {
                eprintln!("sluice-bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match runtime.block_on(driver::drive(&cli)) {
        Ok(summary) => {
            print!("{}", summary.stdout());
            finish(
                &cli,
                |path| summary.append_to(path),
                || chart::latencies(&summary).svg(),
            )
        }
        Err(e) => {
            eprintln!("sluice-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the `--out` section and the `--chart` file, if asked.
fn finish(
    cli: &Cli,
    append: impl FnOnce(&std::path::Path) -> std::io::Result<()>,
    svg: impl FnOnce() -> String,
) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    if let Some(path) = &cli.out {
        match append(path) {
            Ok(()) => eprintln!("sluice-bench: results appended to {}", path.display()),
            Err(e) => {
                eprintln!("sluice-bench: cannot append to {}: {e}", path.display());
                code = ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = &cli.chart {
        match std::fs::write(path, svg()) {
            Ok(()) => eprintln!("sluice-bench: chart written to {}", path.display()),
            Err(e) => {
                eprintln!("sluice-bench: cannot write {}: {e}", path.display());
                code = ExitCode::FAILURE;
            }
        }
    }
    code
}

fn validate(cli: &Cli) -> Result<(), String> {
    if !(1..=MAX_CONNECTIONS).contains(&cli.connections) {
        return Err(format!("--connections must be 1 to {MAX_CONNECTIONS}"));
    }
    let total = cli.producers.unwrap_or(0) + cli.consumers.unwrap_or(0);
    if total > MAX_CONNECTIONS {
        return Err(format!(
            "at most {MAX_CONNECTIONS} producers and consumers in all"
        ));
    }
    if !(1..=MAX_DURATION_SECS).contains(&cli.duration) {
        return Err(format!(
            "--duration must be 1 to {MAX_DURATION_SECS} seconds"
        ));
    }
    if cli.max_requests == 0 {
        return Err("--max-requests must be at least 1".to_owned());
    }
    if !(MIN_SIZE_BYTES..=MAX_SIZE_BYTES).contains(&cli.size) {
        return Err(format!(
            "--size must be {MIN_SIZE_BYTES} to {MAX_SIZE_BYTES} bytes"
        ));
    }
    if !(1..=MAX_CLIENT_THREADS).contains(&cli.client_threads) {
        return Err(format!(
            "--client-threads must be 1 to {MAX_CLIENT_THREADS}"
        ));
    }
    if cli.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err("--rate must be a positive number".to_owned());
    }
    if !(1..=MAX_ROUNDS).contains(&cli.rounds) {
        return Err(format!("--rounds must be 1 to {MAX_ROUNDS}"));
    }
    if let Some(n) = cli.subscriptions {
        let min = if cli.scenario == Scenario::Fanout {
            2
        } else {
            1
        };
        if !(min..=scenarios::MAX_SUBSCRIPTIONS).contains(&n) {
            return Err(format!(
                "--subscriptions must be {min} to {}",
                scenarios::MAX_SUBSCRIPTIONS
            ));
        }
    }
    let batch_max = if cli.scenario.is_kinesis() {
        scenarios::DEFAULT_PUT_BATCH
    } else {
        scenarios::BATCH_ENTRIES_MAX
    };
    if cli.batch.is_some_and(|b| !(1..=batch_max).contains(&b)) {
        return Err(format!("--batch must be 1 to {batch_max}"));
    }
    if (cli.subscriptions.is_some() || cli.raw) && !cli.scenario.is_sns() {
        return Err("--subscriptions and --raw are for publish and fanout".to_owned());
    }
    if cli.batch.is_some() && !(cli.scenario.is_sns() || cli.scenario.is_kinesis()) {
        return Err("--batch is for publish, fanout, put and get".to_owned());
    }
    if cli.shards.is_some() && !cli.scenario.is_kinesis() {
        return Err("--shards is for put, get and subscribe".to_owned());
    }
    if cli
        .shards
        .is_some_and(|n| !(1..=scenarios::MAX_SHARDS).contains(&n))
    {
        return Err(format!("--shards must be 1 to {}", scenarios::MAX_SHARDS));
    }
    if cli.rate.is_some() && matches!(cli.scenario, Scenario::Put | Scenario::Get) {
        return Err("put and get run flat out; --rate is for subscribe".to_owned());
    }
    if !(1..=MAX_FILL).contains(&cli.fill) {
        return Err(format!("--fill must be 1 to {MAX_FILL}"));
    }
    if cli.scenario.is_kinesis() && cli.queue.is_some() {
        return Err("put, get and subscribe make their own stream; leave out --queue".to_owned());
    }
    if cli.scenario.is_sns() && cli.queue.is_some() {
        return Err(
            "publish and fanout make their own topic and queues; leave out --queue".to_owned(),
        );
    }
    if let Some(vs) = &cli.vs {
        loopback_addr(vs).map_err(|e| format!("--vs: {e}"))?;
        if cli.queue.is_some() {
            return Err("--vs makes a fresh queue per round; leave out --queue".to_owned());
        }
    }
    if cli
        .region
        .as_deref()
        .is_some_and(|r| r.is_empty() || !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        return Err("--region must be letters, digits and dashes".to_owned());
    }
    Ok(())
}

/// The socket address of an `http://host:port` endpoint, which must be on loopback.
pub fn loopback_addr(endpoint: &str) -> Result<SocketAddr, String> {
    let rest = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("endpoint {endpoint} is not an http:// URL"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let with_port = if authority.contains(':') && !authority.ends_with(']') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addrs: Vec<SocketAddr> = with_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .collect();
    match addrs.first() {
        Some(addr) if addrs.iter().all(|a| a.ip().is_loopback()) => Ok(*addr),
        Some(_) => Err(format!("endpoint {endpoint} is not a loopback address")),
        None => Err(format!("{authority} resolves to nothing")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_endpoints_are_accepted() {
        assert_eq!(
            loopback_addr("http://127.0.0.1:9324/").unwrap(),
            "127.0.0.1:9324".parse().unwrap()
        );
        assert_eq!(loopback_addr("http://[::1]").unwrap().port(), 80);
        assert!(loopback_addr("http://10.1.2.3:9324").is_err());
        assert!(loopback_addr("https://127.0.0.1:9324").is_err());
    }
}
