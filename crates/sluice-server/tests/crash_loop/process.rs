//! Process control: the real `sluice` binary on a loopback port over a data directory,
//! killed with SIGKILL and restarted; and the seeded RNG that times the kills.

use std::collections::HashSet;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `sluice` process.
pub struct Sluice {
    child: Option<Child>,
    pub port: u16,
    log: PathBuf,
}

/// A free loopback port no earlier process of this run used, so a client still
/// holding an old endpoint can never reach a newer process by accident.
fn fresh_port(used: &HashSet<u16>) -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("an ephemeral port")
            .port();
        if !used.contains(&port) {
            return port;
        }
    }
}

impl Sluice {
    /// Starts a process over `data_dir` and waits (bounded) until it listens. Retries
    /// with another port if the one picked was taken in between.
    pub fn start(data_dir: &Path, log: PathBuf, used: &HashSet<u16>) -> Self {
        for _ in 0..5 {
            let port = fresh_port(used);
            let out = File::create(&log).expect("create log file");
            let err = out.try_clone().unwrap();
            let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
            for (var, _) in std::env::vars() {
                if var.starts_with("SLUICE_") {
                    command.env_remove(var);
                }
            }
            let child = command
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--admin-listen")
                .arg("127.0.0.1:0")
                .arg("--data-dir")
                .arg(data_dir)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::from(out))
                .stderr(Stdio::from(err))
                .spawn()
                .expect("spawn sluice");
            let mut server = Self {
                child: Some(child),
                port,
                log: log.clone(),
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                    let text = server.log_text();
                    if text.contains("cannot listen") {
                        break; // the port was taken: try another
                    }
                    panic!("sluice exited early ({status}):\n{text}");
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return server;
                }
                assert!(
                    Instant::now() < deadline,
                    "sluice did not listen within 30 s:\n{}",
                    server.log_text()
                );
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        panic!("sluice found no free port in five tries");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill_9(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
    }
}

impl Drop for Sluice {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// xorshift64*: small, seeded, reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    pub fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}
