//! Starting a `sluice` server for a run (free loopback port, fresh data directory or
//! in memory), reading its CPU time and peak memory from /proc, and stopping it.

use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use tokio::process::{Child, Command};

/// How long the server may take to accept connections after it is started.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// How often readiness is probed.
const READY_POLL: Duration = Duration::from_millis(20);
/// How long the server may take to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// Log lines of warnings or errors shown at the end of a run.
const LOG_LINES_SHOWN: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Store {
    /// On-disk store in a fresh temporary directory (`--data-dir`).
    Durable,
    /// `--in-memory`.
    Memory,
}

impl Store {
    pub fn name(self) -> &'static str {
        match self {
            Self::Durable => "durable",
            Self::Memory => "memory",
        }
    }
}

/// CPU time and memory of a process, from /proc.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub cpu: Duration,
    pub peak_rss_kib: u64,
}

/// Reads `/proc/<pid>/stat` (utime + stime) and `/proc/<pid>/status` (VmHWM).
/// `pid` may be `"self"`.
pub fn usage(pid: &str) -> Option<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line; `rest` starts at 3.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = u64::try_from(ticks).ok().filter(|&t| t > 0)?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let peak_rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some(Usage {
        cpu: Duration::from_millis((utime + stime) * 1000 / ticks),
        peak_rss_kib,
    })
}

/// Machine-wide CPU time from the first line of /proc/stat: busy, I/O wait and total
/// (all cores, including idle).
#[derive(Debug, Clone, Copy)]
pub struct MachineCpu {
    pub busy: Duration,
    pub iowait: Duration,
    pub total: Duration,
}

pub fn machine_cpu() -> Option<MachineCpu> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = v.iter().take(8).sum();
    let idle = *v.get(3)?;
    let iowait = *v.get(4)?;
    // SAFETY: sysconf only reads a configuration value.
    let ticks = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .ok()
        .filter(|&t| t > 0)?;
    let d = |t: u64| Duration::from_millis(t * 1000 / ticks);
    Some(MachineCpu {
        busy: d(total - idle - iowait),
        iowait: d(iowait),
        total: d(total),
    })
}

impl MachineCpu {
    /// The CPU time spent between `self` and a later reading.
    pub fn until(self, later: MachineCpu) -> MachineCpu {
        MachineCpu {
            busy: later.busy.saturating_sub(self.busy),
            iowait: later.iowait.saturating_sub(self.iowait),
            total: later.total.saturating_sub(self.total),
        }
    }
}

/// A server this tool started.
pub struct Spawned {
    child: Child,
    pid: u32,
    pub addr: SocketAddr,
    log_path: PathBuf,
    /// Holds the data directory and the log; removed when dropped.
    _dir: tempfile::TempDir,
}

/// A loopback port nobody listens on right now.
fn free_port() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.local_addr()
}

impl Spawned {
    /// Starts `binary` and waits until it accepts connections. The data directory
    /// (durable store) is made under `parent`, or the system's temporary directory.
    pub async fn start(binary: &Path, store: Store, parent: Option<&Path>) -> Result<Self, String> {
        let dir = match parent {
            Some(p) => tempfile::Builder::new()
                .prefix("sluice-bench-")
                .tempdir_in(p),
            None => tempfile::Builder::new().prefix("sluice-bench-").tempdir(),
        }
        .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
        let addr = free_port().map_err(|e| format!("cannot find a free port: {e}"))?;
        let log_path = dir.path().join("sluice.log");
        let log = File::create(&log_path).map_err(|e| format!("cannot create the log: {e}"))?;
        let mut cmd = Command::new(binary);
        cmd.arg("--listen")
            .arg(addr.to_string())
            .arg("--admin-listen")
            .arg("127.0.0.1:0");
        match store {
            Store::Durable => cmd.arg("--data-dir").arg(dir.path().join("data")),
            Store::Memory => cmd.arg("--in-memory"),
        };
        cmd.env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!(
                    "the server exited ({status}) before accepting connections:\n{log}"
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the server did not accept connections within {READY_TIMEOUT:?}"
                ));
            }
            tokio::time::sleep(READY_POLL).await;
        }
        Ok(Self {
            child,
            pid,
            addr,
            log_path,
            _dir: dir,
        })
    }

    pub fn usage(&self) -> Option<Usage> {
        usage(&self.pid.to_string())
    }

    /// Sends SIGTERM and waits for the exit (SIGKILL after a while). Returns the
    /// warning and error lines of the server's log, and their count.
    pub async fn stop(mut self) -> (usize, Vec<String>) {
        let pid = libc::pid_t::try_from(self.pid).expect("pids fit pid_t");
        // SAFETY: signals our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        if tokio::time::timeout(STOP_TIMEOUT, self.child.wait())
            .await
            .is_err()
        {
            eprintln!("sluice-bench: the server did not stop within {STOP_TIMEOUT:?}; killing it");
            let _ = self.child.kill().await;
        }
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let notable: Vec<String> = log
            .lines()
            .filter(|l| l.contains("WARN") || l.contains("ERROR"))
            .map(str::to_owned)
            .collect();
        let count = notable.len();
        (count, notable.into_iter().take(LOG_LINES_SHOWN).collect())
    }
}
