//! One run from start to end: spawn the server if asked, create the queue, start the
//! workers, print progress, stop at the deadline or the request budget, drain, collect
//! the figures, clean up.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::Conn;
use crate::kinesis;
use crate::report::{self, Comparison, Summary};
use crate::scenarios::{self, Shape};
use crate::setup;
use crate::sns;
use crate::spawn::{self, Spawned};
use crate::stats::{Recorder, OPS};
use crate::worker::{stopped, Run, RECEIVE_TIMEOUT_MARGIN};
use crate::{loopback_addr, Cli};

/// How often the progress line is printed.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);
/// Time the workers get, beyond a receive's longest wait, to finish after the stop.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

pub async fn drive(cli: &Cli) -> Result<Summary, String> {
    let spawned = match &cli.spawn {
        Some(binary) => Some(Spawned::start(binary, cli.store, cli.data_parent.as_deref()).await?),
        None => None,
    };
    let addr = match &spawned {
        Some(s) => s.addr,
        None => loopback_addr(&cli.endpoint)?,
    };
    let target = Target {
        addr,
        spawned: spawned.as_ref(),
        pid: cli.pid,
        store: store_label(cli),
    };
    let result = measure(cli, &target, Duration::from_secs(cli.duration), "").await;
    let server_log = match spawned {
        Some(s) => Some(s.stop().await),
        None => None,
    };
    result.map(|mut summary| {
        summary.server_log = server_log;
        summary
    })
}

/// Runs the scenario in short rounds alternating between the primary target (spawned
/// or `--endpoint`) and the `--vs` endpoint, A then B in each round.
pub async fn drive_vs(cli: &Cli, vs: &str, rounds: u32) -> Result<Comparison, String> {
    let other = loopback_addr(vs)?;
    let spawned = match &cli.spawn {
        Some(binary) => Some(Spawned::start(binary, cli.store, cli.data_parent.as_deref()).await?),
        None => None,
    };
    let addr = match &spawned {
        Some(s) => s.addr,
        None => loopback_addr(&cli.endpoint)?,
    };
    let a = Target {
        addr,
        spawned: spawned.as_ref(),
        pid: cli.pid,
        store: store_label(cli),
    };
    let b = Target {
        addr: other,
        spawned: None,
        pid: cli.vs_pid,
        store: "external",
    };
    let round = Duration::from_secs(cli.duration) / rounds.max(1);
    let mut out = Comparison {
        scenario: cli.scenario.name(),
        a: format!("http://{addr} ({})", cli.name.as_deref().unwrap_or(a.store)),
        b: format!(
            "http://{other} ({})",
            cli.vs_name.as_deref().unwrap_or("external")
        ),
        round,
        rounds: Vec::new(),
        errors: (0, 0),
        plan: None,
        details: Vec::new(),
        kinesis: Vec::new(),
    };
    let mut failure = None;
    for r in 1..=rounds {
        eprintln!("sluice-bench: round {r}/{rounds}, A");
        let sa = match measure(cli, &a, round, &format!("-r{r}a")).await {
            Ok(s) => s,
            Err(e) => {
                failure = Some(format!("round {r}, A: {e}"));
                break;
            }
        };
        eprintln!("sluice-bench: round {r}/{rounds}, B");
        let sb = match measure(cli, &b, round, &format!("-r{r}b")).await {
            Ok(s) => s,
            Err(e) => {
                failure = Some(format!("round {r}, B: {e}"));
                break;
            }
        };
        out.errors.0 += sa.errors.values().sum::<u64>();
        out.errors.1 += sb.errors.values().sum::<u64>();
        out.rounds.push((sa.headline_rate(), sb.headline_rate()));
        out.details.push((sa.sns_figures(), sb.sns_figures()));
        out.kinesis
            .push((sa.kinesis_figures(), sb.kinesis_figures()));
        out.plan = Some(sa.plan.clone());
    }
    if let Some(s) = spawned {
        let _ = s.stop().await;
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Where one measurement goes.
pub struct Target<'a> {
    pub addr: std::net::SocketAddr,
    spawned: Option<&'a Spawned>,
    /// The server's process id when it was not spawned here (`--pid`, `--vs-pid`), so
    /// its CPU time can be read all the same.
    pid: Option<u32>,
    pub store: &'static str,
}

impl Target<'_> {
    /// The server's CPU time and peak memory so far, when its process is known.
    fn usage(&self) -> Option<spawn::Usage> {
        match (self.spawned, self.pid) {
            (Some(s), _) => s.usage(),
            (None, Some(pid)) => spawn::usage(&pid.to_string()),
            (None, None) => None,
        }
    }
}

/// One measured window against one target, of a Kinesis scenario or a queue one.
async fn measure(
    cli: &Cli,
    target: &Target<'_>,
    duration: Duration,
    tag: &str,
) -> Result<Summary, String> {
    if cli.scenario.is_kinesis() {
        kinesis::measure(cli, target, duration, tag).await
    } else {
        measure_queues(cli, target, duration, tag).await
    }
}

/// One measured window against one target: create the queue (its default name gets
/// `tag` appended), run the workers, drain, collect, delete the queue if ours.
async fn measure_queues(
    cli: &Cli,
    target: &Target<'_>,
    duration: Duration,
    tag: &str,
) -> Result<Summary, String> {
    let addr = target.addr;
    let endpoint = format!("http://{addr}");
    let fifo = cli.scenario.is_fifo();
    let (queue, ours) = match &cli.queue {
        Some(q) if fifo && !q.ends_with(".fifo") => (format!("{q}.fifo"), false),
        Some(q) => (q.clone(), false),
        None => {
            let name = format!(
                "sluice-bench-{}-{}{tag}",
                cli.scenario.name(),
                std::process::id()
            );
            (
                if fifo { format!("{name}.fifo") } else { name },
                !cli.keep_queue,
            )
        }
    };
    let plan = scenarios::plan(cli.scenario, &shape(cli));
    let mut admin = Conn::new(addr);
    let (urls, topic) = if cli.scenario.is_sns() {
        let topic = setup::create_topic(&mut admin, &queue).await?;
        let mut urls = Vec::new();
        for i in 0..plan.subscriptions {
            let url = setup::create_queue(&mut admin, &format!("{queue}-q{i}"), false).await?;
            let arn = setup::queue_arn(&mut admin, &url).await?;
            let policy = plan
                .filtered
                .then(|| sns::half_filter_policy(i, plan.subscriptions));
            setup::subscribe(&mut admin, &topic, &arn, policy.as_deref(), cli.raw).await?;
            urls.push(url);
        }
        (urls, Some(topic))
    } else {
        (
            vec![setup::create_queue(&mut admin, &queue, fifo).await?],
            None,
        )
    };
    let drain = plan.wait + RECEIVE_TIMEOUT_MARGIN + DRAIN_GRACE;
    let run = Arc::new(Run::new(
        addr,
        &urls,
        topic.as_deref(),
        plan,
        cli.max_requests,
    ));
    eprintln!(
        "sluice-bench: {} against {endpoint} ({}) for {:.1} s: {} producers, {} consumers, {} B bodies{}",
        cli.scenario.name(),
        target.store,
        duration.as_secs_f64(),
        run.plan.producers,
        run.plan.consumers,
        run.plan.size,
        if run.plan.subscriptions > 0 {
            format!(", {} subscribed queues", run.plan.subscriptions)
        } else {
            String::new()
        }
    );

    let window = run_window(&run, target, duration, drain, cli.max_requests, || {
        scenarios::start(&run)
    })
    .await;

    let mut queue_depth = Some((0, 0));
    for url in &urls {
        match setup::queue_depth(&mut admin, url).await {
            Ok((visible, in_flight)) => {
                queue_depth = queue_depth.map(|(v, f)| (v + visible, f + in_flight));
            }
            Err(e) => {
                eprintln!("sluice-bench: {e}");
                queue_depth = None;
            }
        }
    }
    if ours {
        if let Some(topic) = &topic {
            if let Err(e) = setup::delete_topic(&mut admin, topic).await {
                eprintln!("sluice-bench: {e}");
            }
        }
        for url in &urls {
            if let Err(e) = setup::delete_queue(&mut admin, url).await {
                eprintln!("sluice-bench: {e}");
            }
        }
    }
    let live = &run.live;
    Ok(Summary {
        scenario: cli.scenario.name(),
        store: target.store,
        endpoint,
        queue,
        plan: run.plan.clone(),
        client_threads: cli.client_threads,
        elapsed: window.elapsed,
        rows: report::rows(live, &window.rec, window.elapsed),
        errors: live.error_codes(),
        empty_receives: live.empty_receives.load(Ordering::Relaxed),
        early_empty_receives: live.early_empty_receives.load(Ordering::Relaxed),
        server: window.server,
        client_cpu: window.client_cpu,
        machine_cpu: window.machine_cpu,
        queue_depth,
        server_log: None,
        extra_notes: Vec::new(),
    })
}

/// What one measured window gave: its length, the workers' histograms merged, and the
/// CPU time the server, the load generator and the machine spent in it.
pub struct Window {
    pub elapsed: Duration,
    pub rec: Recorder,
    pub server: Option<spawn::Usage>,
    pub client_cpu: Option<Duration>,
    pub machine_cpu: Option<spawn::MachineCpu>,
}

/// Opens the measured window, starts the workers, prints progress, closes the window
/// at `duration` (or when the request budget is spent), then gives the workers `drain`
/// to stop and merges their histograms.
pub async fn run_window(
    run: &Arc<Run>,
    target: &Target<'_>,
    duration: Duration,
    drain: Duration,
    max_requests: u64,
    start: impl FnOnce() -> Vec<tokio::task::JoinHandle<Recorder>>,
) -> Window {
    let server_before = target.usage();
    let client_before = spawn::usage("self");
    let machine_before = spawn::machine_cpu();
    run.live.set_measuring(true);
    let started = Instant::now();
    let tasks = start();
    let progress = tokio::spawn(progress(Arc::clone(run), started));
    let mut stop = run.subscribe();
    let budget_spent = tokio::select! {
        _ = tokio::time::sleep(duration) => false,
        _ = stopped(&mut stop) => true,
    };
    run.live.set_measuring(false);
    let elapsed = started.elapsed();
    if budget_spent {
        eprintln!(
            "sluice-bench: --max-requests {max_requests} reached after {:.2} s",
            elapsed.as_secs_f64()
        );
    }
    let server_after = target.usage();
    let client_after = spawn::usage("self");
    let machine_after = spawn::machine_cpu();
    run.request_stop();
    progress.abort();

    let mut rec = Recorder::new();
    let drain_deadline = tokio::time::Instant::now() + drain;
    let mut stuck = 0;
    for mut task in tasks {
        match tokio::time::timeout_at(drain_deadline, &mut task).await {
            Ok(Ok(r)) => rec.merge(&r),
            Ok(Err(e)) => eprintln!("sluice-bench: a worker failed: {e}"),
            Err(_) => {
                task.abort();
                stuck += 1;
            }
        }
    }
    if stuck > 0 {
        eprintln!("sluice-bench: {stuck} workers had not stopped {drain:?} after the end");
    }
    Window {
        elapsed,
        rec,
        server: match (server_before, server_after) {
            (Some(b), Some(a)) => Some(spawn::Usage {
                cpu: a.cpu.saturating_sub(b.cpu),
                peak_rss_kib: a.peak_rss_kib,
            }),
            _ => None,
        },
        client_cpu: match (client_before, client_after) {
            (Some(b), Some(a)) => Some(a.cpu.saturating_sub(b.cpu)),
            _ => None,
        },
        machine_cpu: machine_before.zip(machine_after).map(|(b, a)| b.until(a)),
    }
}

/// The scenario knobs the command line gives.
pub fn shape(cli: &Cli) -> Shape {
    Shape {
        connections: cli.connections,
        producers: cli.producers,
        consumers: cli.consumers,
        size: cli.size,
        groups: cli.groups,
        rate: cli.rate,
        max_backlog: cli.max_backlog,
        subscriptions: cli.subscriptions,
        batch: cli.batch,
        shards: cli.shards,
    }
}

pub fn store_label(cli: &Cli) -> &'static str {
    match cli.spawn {
        Some(_) => cli.store.name(),
        None => "external",
    }
}

/// Prints, once a second, the rates of the last second, its slowest send or delete
/// (receives wait by design) and the error count.
async fn progress(run: Arc<Run>, started: Instant) {
    let mut ticker = tokio::time::interval(PROGRESS_INTERVAL);
    ticker.tick().await;
    let mut last = [(0u64, 0u64); OPS.len()];
    let mut last_at = Instant::now();
    loop {
        ticker.tick().await;
        let now = Instant::now();
        let secs = now.duration_since(last_at).as_secs_f64().max(f64::EPSILON);
        let mut parts = Vec::new();
        for (i, op) in OPS.iter().enumerate() {
            let (req, msg) = (run.live.requests(*op), run.live.messages(*op));
            if req > 0 {
                parts.push(format!(
                    "{} {:.0} req/s {:.0} msg/s",
                    op.name(),
                    (req - last[i].0) as f64 / secs,
                    (msg - last[i].1) as f64 / secs
                ));
            }
            last[i] = (req, msg);
        }
        last_at = now;
        eprintln!(
            "[{:>4.0}s] {} | slowest send/delete {:.1} ms | errors {}",
            now.duration_since(started).as_secs_f64(),
            parts.join(" · "),
            run.live.take_interval_max().as_secs_f64() * 1000.0,
            run.live.total_errors()
        );
    }
}
