//! The results of a run as Markdown: a table (one row per operation, plus
//! send-to-receive latency), notes on CPU, memory, errors and queue depth (and for the
//! SNS scenarios publishes/s, deliveries/s and server CPU per 10,000 deliveries), and a
//! dated section with settings and machine for a results file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::spawn::{MachineCpu, Usage};
use crate::stats::{Live, Recorder, OPS};
use crate::worker::Plan;

/// The table's header rows.
pub const TABLE_HEADER: &str = "| scenario | store | size (B) | connections | operation | requests/s | messages/s | p50 ms | p90 ms | p99 ms | max ms | errors |\n|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|";

/// What a new results file starts with.
const RESULTS_TITLE: &str = "# sluice-bench results\n\nOne section per run, appended by `sluice-bench --out`. See README.md beside this file for how to read them.\n";

/// One line of the table.
pub struct Row {
    pub operation: String,
    pub requests_per_s: Option<f64>,
    pub messages_per_s: Option<f64>,
    pub latency_us: [u64; 4],
    pub errors: u64,
}

/// Everything a run measured.
pub struct Summary {
    pub scenario: &'static str,
    /// `durable`, `memory`, or `external` for a server not started by this tool.
    pub store: &'static str,
    pub endpoint: String,
    pub queue: String,
    pub plan: Plan,
    pub client_threads: usize,
    pub elapsed: Duration,
    pub rows: Vec<Row>,
    pub errors: BTreeMap<String, u64>,
    pub empty_receives: u64,
    pub early_empty_receives: u64,
    /// Server CPU time during the measured window, and its peak RSS.
    pub server: Option<Usage>,
    pub client_cpu: Option<Duration>,
    /// CPU time of the whole machine during the measured window.
    pub machine_cpu: Option<MachineCpu>,
    /// Visible and in-flight messages left when the run ended.
    pub queue_depth: Option<(u64, u64)>,
    /// Warning and error lines in the spawned server's log: count and the first few.
    pub server_log: Option<(usize, Vec<String>)>,
    /// Lines the scenario adds to the notes (Kinesis: shard reads, subscriptions).
    pub extra_notes: Vec<String>,
}

/// The figures of an SNS run: acknowledged publishes (messages published, batch
/// entries counted one by one), deliveries (messages received from the subscribed
/// queues), publish latency and server CPU per 10,000 deliveries.
#[derive(Debug, Clone, Copy)]
pub struct SnsFigures {
    pub publishes_per_s: f64,
    pub deliveries_per_s: f64,
    /// p50 and p99 of the `Publish` or `PublishBatch` requests, in microseconds.
    pub publish_p50_us: u64,
    pub publish_p99_us: u64,
    /// Server CPU time per 10,000 deliveries, when the server's process is known.
    pub cpu_per_10k_deliveries: Option<Duration>,
}

/// One round of a comparison: A's figures and B's.
pub type RoundFigures = (Option<SnsFigures>, Option<SnsFigures>);

/// The figures of a Kinesis run's main operation (`PutRecords`, `GetRecords`, or the
/// subscription's events): records/s, requests/s, latency, and the server's CPU.
#[derive(Debug, Clone, Copy)]
pub struct KinesisFigures {
    pub records_per_s: f64,
    pub requests_per_s: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    /// Server CPU time over the window's length (1.0 is one core busy), when known.
    pub server_cores: Option<f64>,
}

pub fn quantiles(h: &Histogram<u64>) -> [u64; 4] {
    [
        h.value_at_quantile(0.50),
        h.value_at_quantile(0.90),
        h.value_at_quantile(0.99),
        h.max(),
    ]
}

/// Table rows for the operations the run used.
pub fn rows(live: &Live, rec: &Recorder, elapsed: Duration) -> Vec<Row> {
    let secs = elapsed.as_secs_f64().max(f64::EPSILON);
    let mut rows = Vec::new();
    for op in OPS {
        let h = rec.op(op);
        if h.is_empty() && live.errors(op) == 0 {
            continue;
        }
        rows.push(Row {
            operation: op.name().to_owned(),
            requests_per_s: Some(live.requests(op) as f64 / secs),
            messages_per_s: Some(live.messages(op) as f64 / secs),
            latency_us: quantiles(h),
            errors: live.errors(op),
        });
    }
    if !rec.end_to_end.is_empty() {
        rows.push(Row {
            operation: "send→receive".to_owned(),
            requests_per_s: None,
            messages_per_s: None,
            latency_us: quantiles(&rec.end_to_end),
            errors: 0,
        });
    }
    rows
}

fn ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 1000.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"))
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

impl Summary {
    /// The table rows, without the header.
    pub fn table_rows(&self) -> String {
        let mut out = String::new();
        for r in &self.rows {
            let [p50, p90, p99, max] = r.latency_us;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                self.scenario,
                self.store,
                self.plan.size,
                self.plan.producers + self.plan.consumers,
                r.operation,
                rate(r.requests_per_s),
                rate(r.messages_per_s),
                ms(p50),
                ms(p90),
                ms(p99),
                ms(max),
                r.errors
            );
        }
        out
    }

    /// Lines under the table: CPU, memory, errors, receives, what was left.
    pub fn notes(&self) -> String {
        let mut out = String::new();
        let secs = self.elapsed.as_secs_f64();
        if let Some(f) = self.sns_figures() {
            let _ = writeln!(
                out,
                "- SNS: {:.0} acknowledged publishes/s, {:.0} deliveries/s {} {} queue(s) ({} per publish expected); publish p50 {} ms, p99 {} ms; server CPU per 10,000 deliveries: {}.",
                f.publishes_per_s,
                f.deliveries_per_s,
                if self.plan.consumers == 0 {
                    "appended (no consumers) to"
                } else {
                    "received from"
                },
                self.plan.subscriptions,
                self.plan.deliveries_per_message(),
                ms(f.publish_p50_us),
                ms(f.publish_p99_us),
                f.cpu_per_10k_deliveries
                    .map_or_else(|| "–".to_owned(), |c| format!("{:.0} ms", c.as_secs_f64() * 1000.0))
            );
        }
        if let Some(s) = self.server {
            let _ = writeln!(
                out,
                "- Server: {:.1} s CPU in {secs:.1} s ({:.0}% of one core), peak RSS {}.",
                s.cpu.as_secs_f64(),
                100.0 * s.cpu.as_secs_f64() / secs.max(f64::EPSILON),
                mib(s.peak_rss_kib)
            );
        }
        if let Some(c) = self.client_cpu {
            let _ = writeln!(
                out,
                "- Load generator: {:.1} s CPU in {secs:.1} s ({:.0}% of one core).",
                c.as_secs_f64(),
                100.0 * c.as_secs_f64() / secs.max(f64::EPSILON)
            );
        }
        if let Some(m) = self.machine_cpu {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
            let total = m.total.as_secs_f64().max(f64::EPSILON);
            let ours = self.server.map_or(0.0, |s| s.cpu.as_secs_f64())
                + self.client_cpu.map_or(0.0, |c| c.as_secs_f64());
            let _ = writeln!(
                out,
                "- Machine ({cores:.0} cores): {:.0}% busy, {:.0}% in I/O wait; other processes used {:.1} s CPU.",
                100.0 * m.busy.as_secs_f64() / total,
                100.0 * m.iowait.as_secs_f64() / total,
                (m.busy.as_secs_f64() - ours).max(0.0)
            );
        }
        if self.errors.is_empty() {
            let _ = writeln!(out, "- Errors: none.");
        } else {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|(k, v)| format!("{k} × {v}"))
                .collect();
            let _ = writeln!(out, "- Errors: {}.", list.join(", "));
        }
        for note in &self.extra_notes {
            let _ = writeln!(out, "- {note}");
        }
        if self.plan.consumers > 0 && self.plan.shards == 0 {
            let _ = writeln!(
                out,
                "- Empty receives: {} ({} came back early, before their wait time).",
                self.empty_receives, self.early_empty_receives
            );
        }
        if let Some((visible, in_flight)) = self.queue_depth {
            let _ = writeln!(
                out,
                "- Left in the queue at the end: {visible} visible, {in_flight} in flight."
            );
        }
        if let Some((count, lines)) = &self.server_log {
            if *count == 0 {
                let _ = writeln!(out, "- Server log: no warnings or errors.");
            } else {
                let _ = writeln!(out, "- Server log: {count} warning or error lines, first:");
                for l in lines {
                    let _ = writeln!(out, "  - `{}`", l.replace('`', "'"));
                }
            }
        }
        out
    }

    pub fn settings(&self) -> String {
        let p = &self.plan;
        let mut s = format!(
            "{} s, {} producers and {} consumers (one connection each), body {} B",
            format_args!("{:.1}", self.elapsed.as_secs_f64()),
            p.producers,
            p.consumers,
            p.size
        );
        if p.batch > 1 {
            let _ = write!(s, ", batches of {}", p.batch);
        }
        if p.consumers > 0 && !p.wait.is_zero() {
            let _ = write!(s, ", receive wait {} s", p.wait.as_secs());
        }
        if let Some(g) = p.groups {
            let _ = write!(s, ", {g} message group(s)");
        }
        if p.subscriptions > 0 {
            let _ = write!(
                s,
                ", {} SQS subscription(s){}",
                p.subscriptions,
                if p.filtered {
                    " with filter policies each accepting half the messages"
                } else {
                    ""
                }
            );
        }
        if let Some(b) = p.max_backlog {
            let _ = write!(s, ", backlog capped at {b} messages");
        }
        if let Some(r) = p.rate {
            let _ = write!(s, ", paced to {r} messages/s");
        }
        let _ = write!(
            s,
            ", {} load-generator thread(s), endpoint {}, ",
            self.client_threads, self.endpoint
        );
        if p.shards > 0 {
            let _ = write!(s, "stream `{}` of {} shards", self.queue, p.shards);
        } else {
            let _ = write!(s, "queue `{}`", self.queue);
        }
        s
    }

    /// What goes to standard output.
    pub fn stdout(&self) -> String {
        format!("{TABLE_HEADER}\n{}\n{}", self.table_rows(), self.notes())
    }

    /// Appends a dated section to a Markdown results file.
    pub fn append_to(&self, path: &Path) -> std::io::Result<()> {
        let section = format!(
            "\n## {} — {} ({})\n\nSettings: {}.\n\nMachine: {}.\n\n{TABLE_HEADER}\n{}\n{}",
            utc_now(),
            self.scenario,
            self.store,
            self.settings(),
            machine(),
            self.table_rows(),
            self.notes()
        );
        append(path, &section)
    }

    fn row(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.operation == name)
    }

    /// The run's headline messages/s: sends for `send`, deliveries (messages received)
    /// for the SNS scenarios, records put, read or pushed for the Kinesis ones, else
    /// deletes (the whole loop).
    pub fn headline_rate(&self) -> f64 {
        let find = |name: &str| self.row(name).and_then(|r| r.messages_per_s);
        if self.plan.shards > 0 {
            ["PutRecords", "PutRecord", "GetRecords"]
                .iter()
                .find_map(|&name| find(name))
                .or_else(|| {
                    self.rows
                        .iter()
                        .find(|r| r.operation.starts_with("SubscribeToShard"))
                        .and_then(|r| r.messages_per_s)
                })
                .unwrap_or(0.0)
        } else if self.scenario == "send" {
            find("SendMessage").unwrap_or(0.0)
        } else if self.plan.subscriptions > 0 {
            find("ReceiveMessage").unwrap_or(0.0)
        } else {
            find("DeleteMessageBatch").unwrap_or(0.0)
        }
    }

    /// The Kinesis figures, for the Kinesis scenarios.
    pub fn kinesis_figures(&self) -> Option<KinesisFigures> {
        if self.plan.shards == 0 {
            return None;
        }
        let row = self.rows.iter().find(|r| {
            ["PutRecords", "PutRecord", "GetRecords"].contains(&r.operation.as_str())
                || r.operation.starts_with("SubscribeToShard")
        })?;
        let secs = self.elapsed.as_secs_f64().max(f64::EPSILON);
        Some(KinesisFigures {
            records_per_s: row.messages_per_s.unwrap_or(0.0),
            requests_per_s: row.requests_per_s.unwrap_or(0.0),
            p50_us: row.latency_us[0],
            p99_us: row.latency_us[2],
            server_cores: self.server.map(|s| s.cpu.as_secs_f64() / secs),
        })
    }

    /// The SNS figures, for runs that published.
    pub fn sns_figures(&self) -> Option<SnsFigures> {
        if self.plan.subscriptions == 0 {
            return None;
        }
        let publish = self.row("Publish").or_else(|| self.row("PublishBatch"));
        let publishes_per_s = publish.and_then(|r| r.messages_per_s).unwrap_or(0.0);
        // With no consumers, a delivery is an acknowledged publish's durable append to
        // each queue it reaches; otherwise, a message received from a queue.
        let deliveries_per_s = if self.plan.consumers == 0 {
            publishes_per_s * self.plan.deliveries_per_message() as f64
        } else {
            self.row("ReceiveMessage")
                .and_then(|r| r.messages_per_s)
                .unwrap_or(0.0)
        };
        let deliveries = deliveries_per_s * self.elapsed.as_secs_f64();
        Some(SnsFigures {
            publishes_per_s,
            deliveries_per_s,
            publish_p50_us: publish.map_or(0, |r| r.latency_us[0]),
            publish_p99_us: publish.map_or(0, |r| r.latency_us[2]),
            cpu_per_10k_deliveries: self
                .server
                .filter(|_| deliveries >= 1.0)
                .map(|s| s.cpu.mul_f64(10_000.0 / deliveries)),
        })
    }
}

/// A run alternating between two endpoints in short rounds (`--vs`).
pub struct Comparison {
    pub scenario: &'static str,
    /// The primary target, A: endpoint and store.
    pub a: String,
    /// The `--vs` endpoint, B.
    pub b: String,
    /// Length of each round's measured window, per endpoint.
    pub round: Duration,
    /// Messages/s of A and of B in each round.
    pub rounds: Vec<(f64, f64)>,
    /// Errors counted against A and against B over all rounds.
    pub errors: (u64, u64),
    /// Producers, consumers and body size of each side's runs.
    pub plan: Option<Plan>,
    /// SNS scenarios: each round's figures for A and for B.
    pub details: Vec<RoundFigures>,
    /// Kinesis scenarios: each round's figures for A and for B.
    pub kinesis: Vec<(Option<KinesisFigures>, Option<KinesisFigures>)>,
}

/// A/B, or infinity when B did nothing.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::INFINITY
    }
}

/// The median of some values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

fn times(r: f64) -> String {
    if r.is_infinite() {
        "∞".to_owned()
    } else if r < 10.0 {
        format!("{r:.2}×")
    } else {
        format!("{r:.1}×")
    }
}

impl Comparison {
    pub fn ratios(&self) -> Vec<f64> {
        self.rounds.iter().map(|&(a, b)| ratio(a, b)).collect()
    }

    pub fn median_ratio(&self) -> Option<f64> {
        median(&self.ratios())
    }

    /// The Markdown table and notes.
    pub fn stdout(&self) -> String {
        let mut out = format!(
            "A: {}\nB: {}\n\n| round | A messages/s | B messages/s | A/B |\n|---:|---:|---:|---:|\n",
            self.a, self.b
        );
        for (i, (&(a, b), r)) in self.rounds.iter().zip(self.ratios()).enumerate() {
            let _ = writeln!(out, "| {} | {a:.0} | {b:.0} | {} |", i + 1, times(r));
        }
        let _ = writeln!(
            out,
            "\n- Median A/B over {} rounds of {:.1} s each per endpoint: {}.",
            self.rounds.len(),
            self.round.as_secs_f64(),
            self.median_ratio().map_or_else(|| "–".to_owned(), times)
        );
        let sns = self.plan.as_ref().is_some_and(|p| p.subscriptions > 0);
        let _ = writeln!(
            out,
            "- Messages/s: {}.",
            if self.scenario == "put" {
                "Kinesis records acknowledged by PutRecords"
            } else if self.scenario == "get" {
                "Kinesis records read by GetRecords"
            } else if self.scenario == "subscribe" {
                "Kinesis records pushed by SubscribeToShard"
            } else if self.scenario == "send" {
                "messages sent (the loop's throughput)"
            } else if sns {
                "deliveries, messages received from the subscribed queues"
            } else {
                "messages deleted (the loop's throughput)"
            }
        );
        if sns {
            out.push_str(&self.sns_table());
        }
        if self.kinesis.iter().any(|(a, b)| a.is_some() || b.is_some()) {
            out.push_str(&self.kinesis_table());
        }
        let _ = writeln!(
            out,
            "- Errors: {} against A, {} against B.",
            self.errors.0, self.errors.1
        );
        out
    }

    /// Per round and endpoint: publishes/s, deliveries/s, publish p50/p99 and server
    /// CPU per 10,000 deliveries.
    fn sns_table(&self) -> String {
        let mut out = String::from(
            "\n| round | endpoint | publishes/s | deliveries/s | publish p50 ms | publish p99 ms | server CPU per 10k deliveries |\n|---:|---|---:|---:|---:|---:|---:|\n",
        );
        for (i, (a, b)) in self.details.iter().enumerate() {
            for (name, f) in [("A", a), ("B", b)] {
                let Some(f) = f else { continue };
                let _ = writeln!(
                    out,
                    "| {} | {name} | {:.0} | {:.0} | {} | {} | {} |",
                    i + 1,
                    f.publishes_per_s,
                    f.deliveries_per_s,
                    ms(f.publish_p50_us),
                    ms(f.publish_p99_us),
                    f.cpu_per_10k_deliveries.map_or_else(
                        || "–".to_owned(),
                        |c| format!("{:.0} ms", c.as_secs_f64() * 1000.0)
                    )
                );
            }
        }
        let medians = |pick: fn(&SnsFigures) -> f64,
                       side: fn(&RoundFigures) -> Option<SnsFigures>| {
            median(
                &self
                    .details
                    .iter()
                    .filter_map(side)
                    .map(|f| pick(&f))
                    .collect::<Vec<_>>(),
            )
        };
        let a = |d: &RoundFigures| d.0;
        let b = |d: &RoundFigures| d.1;
        let publishes = |f: &SnsFigures| f.publishes_per_s;
        let p50 = |f: &SnsFigures| f.publish_p50_us as f64;
        if let (Some(pa), Some(pb)) = (medians(publishes, a), medians(publishes, b)) {
            let _ = writeln!(
                out,
                "\n- Median publishes/s: A {pa:.0}, B {pb:.0} ({}); median publish p50: A {} ms, B {} ms.",
                times(ratio(pa, pb)),
                medians(p50, a).map_or_else(|| "–".to_owned(), |v| ms(v as u64)),
                medians(p50, b).map_or_else(|| "–".to_owned(), |v| ms(v as u64)),
            );
        }
        out
    }

    /// Per round and endpoint: records/s, requests/s, p50/p99 of the main operation,
    /// and the server's CPU (in cores) when its process is known.
    fn kinesis_table(&self) -> String {
        let mut out = String::from(
            "\n| round | endpoint | records/s | requests/s | p50 ms | p99 ms | server CPU (cores) |\n|---:|---|---:|---:|---:|---:|---:|\n",
        );
        for (i, (a, b)) in self.kinesis.iter().enumerate() {
            for (name, f) in [("A", a), ("B", b)] {
                let Some(f) = f else { continue };
                let _ = writeln!(
                    out,
                    "| {} | {name} | {:.0} | {:.0} | {} | {} | {} |",
                    i + 1,
                    f.records_per_s,
                    f.requests_per_s,
                    ms(f.p50_us),
                    ms(f.p99_us),
                    f.server_cores
                        .map_or_else(|| "–".to_owned(), |c| format!("{c:.2}"))
                );
            }
        }
        out.push('\n');
        out
    }

    /// Appends a dated section to a Markdown results file.
    pub fn append_to(&self, path: &Path) -> std::io::Result<()> {
        let args: Vec<String> = std::env::args().collect();
        let plan = self.plan.as_ref().map_or_else(String::new, |p| {
            let mut text = if p.shards > 0 {
                format!(
                    "{} producers and {} consumers per endpoint, records of {} B, a fresh stream of {} shards per round and endpoint, ",
                    p.producers, p.consumers, p.size, p.shards
                )
            } else {
                format!(
                    "{} producers and {} consumers per endpoint, body {} B, ",
                    p.producers, p.consumers, p.size
                )
            };
            if p.shards > 0 && p.producers > 0 && p.batch > 1 {
                let _ = write!(text, "PutRecords of {}, ", p.batch);
            }
            if p.subscriptions > 0 {
                let _ = write!(
                    text,
                    "{} SQS subscription(s){}, {} per publish, ",
                    p.subscriptions,
                    if p.filtered {
                        " with filter policies each accepting half the messages"
                    } else {
                        ""
                    },
                    if p.batch == 1 {
                        "one message".to_owned()
                    } else {
                        format!("{} messages (PublishBatch)", p.batch)
                    }
                );
            }
            text
        });
        let section = format!(
            "\n## {} — {} compared, A against B\n\nSettings: {plan}{} rounds of {:.1} s per endpoint, A then B.\n\nCommand: `{}`\n\nMachine: {}.\n\n{}",
            utc_now(),
            self.scenario,
            self.rounds.len(),
            self.round.as_secs_f64(),
            args.join(" ").replace('`', "'"),
            machine(),
            self.stdout()
        );
        append(path, &section)
    }
}

fn append(path: &Path, section: &str) -> std::io::Result<()> {
    let fresh = std::fs::metadata(path).map_or(true, |m| m.len() == 0);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    if fresh {
        f.write_all(RESULTS_TITLE.as_bytes())?;
    }
    f.write_all(section.as_bytes())
}

/// `nproc`, CPU model and memory of this machine.
pub fn machine() -> String {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    format!(
        "nproc {nproc}, {model}, {:.1} GiB RAM",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}

/// The current time as `YYYY-MM-DD HH:MM UTC`.
pub fn utc_now() -> String {
    let secs = crate::sqs::now_nanos() / 1_000_000_000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[1.0, f64::INFINITY, 2.0]), Some(2.0));
    }

    #[test]
    fn latency_formatting() {
        assert_eq!(ms(1_234), "1.23");
        assert_eq!(ms(12_345), "12.3");
        assert_eq!(ms(1_234_567), "1235");
    }
}
