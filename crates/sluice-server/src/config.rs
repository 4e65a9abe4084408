//! Settings. Each can be given as a flag, an environment variable or in the TOML
//! config file; a flag beats the environment, which beats the file, which beats the
//! default. The file may also predefine queues.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9324";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";

/// Command-line flags (each also readable from its environment variable).
#[derive(Debug, Default, Parser)]
#[command(
    name = "sluice",
    version,
    about = "A self-hosted server speaking the Amazon SQS wire protocols."
)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SLUICE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the embedded store.
    #[arg(long, env = "SLUICE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Keep everything in memory; nothing survives a restart.
    #[arg(long, env = "SLUICE_IN_MEMORY")]
    pub in_memory: bool,
    /// TOML config file.
    #[arg(long, env = "SLUICE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Default region for requests that do not name one.
    #[arg(long, env = "SLUICE_REGION")]
    pub region: Option<String>,
    /// Account id that owns the queues.
    #[arg(long, env = "SLUICE_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// Fixed base for queue URLs (default: from each request's Host header).
    #[arg(long, env = "SLUICE_BASE_URL")]
    pub base_url: Option<String>,
    /// Run on a clock that moves only through POST /_sluice/test-clock/advance?ms=N.
    /// For tests of time-dependent behaviour; never in production.
    #[arg(long, env = "SLUICE_TEST_CLOCK", hide = true)]
    pub test_clock: bool,
}

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub in_memory: Option<bool>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub base_url: Option<String>,
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
}

/// A queue the server creates (or brings up to date) at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    pub name: String,
    /// SQS attribute names and values, e.g. `VisibilityTimeout = 60`.
    #[serde(default)]
    pub attributes: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl QueueConfig {
    /// Attribute values as the strings SQS takes.
    pub fn attribute_strings(&self) -> BTreeMap<String, String> {
        self.attributes
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), s)
            })
            .collect()
    }
}

/// The settings the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// `None`: in memory.
    pub data_dir: Option<PathBuf>,
    pub region: String,
    pub account_id: String,
    pub base_url: Option<String>,
    pub queues: Vec<QueueConfig>,
    pub test_clock: bool,
}

impl Config {
    /// An in-memory server on an ephemeral loopback port (for tests).
    pub fn ephemeral() -> Self {
        Self {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            data_dir: None,
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            base_url: None,
            queues: Vec::new(),
            test_clock: false,
        }
    }

    pub fn from_cli(cli: Cli) -> Result<Self, String> {
        let file = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| format!("invalid config file {}: {e}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let in_memory = cli.in_memory || file.in_memory.unwrap_or(false);
        let data_dir = cli
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        Ok(Self {
            listen: cli
                .listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("valid address")),
            data_dir: (!in_memory).then_some(data_dir),
            region: cli
                .region
                .or(file.region)
                .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            account_id: cli
                .account_id
                .or(file.account_id)
                .unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_owned()),
            base_url: cli.base_url.or(file.base_url),
            queues: file.queues,
            test_clock: cli.test_clock,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_apply_and_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sluice.toml");
        std::fs::write(
            &path,
            r#"
listen = "127.0.0.1:9999"
region = "eu-west-1"
in_memory = true
[[queues]]
name = "jobs"
attributes = { VisibilityTimeout = 60, RedrivePolicy = '{"maxReceiveCount":3}' }
tags = { team = "core" }
"#,
        )
        .unwrap();
        let cli = Cli {
            config: Some(path),
            region: Some("ap-south-1".into()),
            ..Cli::default()
        };
        let config = Config::from_cli(cli).unwrap();
        assert_eq!(config.listen.port(), 9999);
        assert_eq!(config.region, "ap-south-1");
        assert!(config.data_dir.is_none());
        let attrs = config.queues[0].attribute_strings();
        assert_eq!(attrs["VisibilityTimeout"], "60");
        assert_eq!(attrs["RedrivePolicy"], r#"{"maxReceiveCount":3}"#);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "listne = \"x\"\n").unwrap();
        let err = Config::from_cli(Cli {
            config: Some(path),
            ..Cli::default()
        })
        .unwrap_err();
        assert!(err.contains("listne"), "{err}");
    }
}
