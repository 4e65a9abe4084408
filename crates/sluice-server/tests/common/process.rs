//! A `sluice` binary run as a separate process over a data directory, for the tests
//! that kill, restart or corrupt it.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sqs::Client;

use super::sdk_client;

/// A `sluice` process on a loopback port over a data directory.
pub struct Sluice {
    child: Option<Child>,
    pub port: u16,
    pub log: PathBuf,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind an ephemeral port")
        .local_addr()
        .unwrap()
        .port()
}

/// Spawns the binary on `port` over `data_dir`, with `args` after the defaults.
pub fn spawn(data_dir: &Path, log: &Path, port: u16, args: &[&OsStr]) -> Child {
    spawn_with_env(data_dir, log, port, args, &[])
}

/// [`spawn`], with more environment variables.
pub fn spawn_with_env(
    data_dir: &Path,
    log: &Path,
    port: u16,
    args: &[&OsStr],
    envs: &[(&str, &OsStr)],
) -> Child {
    let out = File::create(log).expect("create log file");
    let err = out.try_clone().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    for var in [
        "SLUICE_LISTEN",
        "SLUICE_DATA_DIR",
        "SLUICE_IN_MEMORY",
        "SLUICE_CONFIG",
        "SLUICE_REGION",
        "SLUICE_ACCOUNT_ID",
        "SLUICE_BASE_URL",
        "SLUICE_TEST_CLOCK",
        "SLUICE_ADMIN_LISTEN",
        "SLUICE_ALLOW_RESET",
        "SLUICE_SNS_HTTP_TIMEOUT_MS",
    ] {
        command.env_remove(var);
    }
    command
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--admin-listen")
        .arg("127.0.0.1:0")
        .args(args)
        .envs(envs.iter().copied())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .expect("spawn sluice")
}

impl Sluice {
    pub fn start(data_dir: &Path, log_dir: &Path, run: &str) -> Self {
        Self::start_with(data_dir, log_dir, run, &[])
    }

    /// As [`Self::start`], with more command-line arguments (e.g. `--config`).
    pub fn start_with(data_dir: &Path, log_dir: &Path, run: &str, args: &[&OsStr]) -> Self {
        Self::start_with_env(data_dir, log_dir, run, args, &[])
    }

    /// As [`Self::start_with`], with more environment variables.
    pub fn start_with_env(
        data_dir: &Path,
        log_dir: &Path,
        run: &str,
        args: &[&OsStr],
        envs: &[(&str, &OsStr)],
    ) -> Self {
        let port = free_port();
        let log = log_dir.join(format!("{run}.log"));
        let child = spawn_with_env(data_dir, &log, port, args, envs);
        let mut server = Self {
            child: Some(child),
            port,
            log,
        };
        server.wait_until_listening();
        server
    }

    /// Starts the binary expecting it to refuse: returns its exit status and output.
    pub fn start_expecting_failure(
        data_dir: &Path,
        log_dir: &Path,
        run: &str,
        args: &[&OsStr],
    ) -> (ExitStatus, String) {
        let port = free_port();
        let log = log_dir.join(format!("{run}.log"));
        let mut child = spawn(data_dir, &log, port, args);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return (status, fs::read_to_string(&log).unwrap_or_default());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "sluice kept running when it should have refused to start:\n{}",
                    fs::read_to_string(&log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn client(&self) -> Client {
        sdk_client(&format!("http://127.0.0.1:{}", self.port))
    }

    /// The admin listener's URL, read from the start-up log (it listens on a port the
    /// system picks).
    pub fn admin_url(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.log_text();
            let addr = text
                .lines()
                .find(|line| line.contains("admin listener"))
                .and_then(|line| line.split("addr=").nth(1))
                .and_then(|rest| rest.split_whitespace().next());
            if let Some(addr) = addr {
                return format!("http://{addr}");
            }
            assert!(
                Instant::now() < deadline,
                "no admin listener in the log:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn child(&mut self) -> &mut Child {
        self.child.as_mut().expect("process is running")
    }

    pub fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child().try_wait().unwrap() {
                panic!("sluice exited early ({status}):\n{}", self.log_text());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "sluice did not listen within 30 s:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill_9(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
    }

    /// SIGTERM, then waits (bounded) for the process to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("sluice did not exit after SIGTERM:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
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
