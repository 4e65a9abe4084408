//! Settings. Each can be given as a flag, an environment variable or in the TOML
//! config file; a flag beats the environment, which beats the file, which beats the
//! default. The file may also predefine queues.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;
use clap::Parser;
use serde::Deserialize;

use crate::auth::identities::IdentityConfig;
use crate::auth::roles::RoleConfig;
use crate::limits::Limits;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9324";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:9326";

/// The environment variables of on/off settings. Each takes 1/0, true/false, yes/no
/// or on/off, in any case.
pub const BOOLEAN_VARIABLES: &[&str] = &[
    "SLUICE_IN_MEMORY",
    "SLUICE_TLS_SELF_SIGNED",
    "SLUICE_TLS_ONLY",
    "SLUICE_ALLOW_RESET",
    "SLUICE_TEST_CLOCK",
];

/// Checks the on/off environment variables before the flags are parsed, so a bad value
/// is reported by the variable's name rather than the flag's.
pub fn check_boolean_environment() -> Result<(), String> {
    for name in BOOLEAN_VARIABLES {
        if let Ok(value) = std::env::var(name) {
            if parse_boolean(&value).is_none() {
                return Err(format!(
                    "invalid value {value:?} for {name}: use 1/0, true/false, yes/no or on/off"
                ));
            }
        }
    }
    Ok(())
}

/// 1/0, true/false, yes/no, on/off (any case, surrounding spaces ignored).
pub fn parse_boolean(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "off" | "n" | "f" | "" => Some(false),
        _ => None,
    }
}

/// Command-line flags (each also readable from its environment variable).
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "sluice",
    version,
    about = "A self-hosted server speaking the Amazon SQS and STS wire protocols."
)]
pub struct Cli {
    /// Address to listen on [default: 127.0.0.1:9324].
    #[arg(long, env = "SLUICE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the embedded store [default: ./data].
    #[arg(long, env = "SLUICE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Keep everything in memory; nothing survives a restart.
    #[arg(long, env = "SLUICE_IN_MEMORY", value_parser = boolish())]
    pub in_memory: bool,
    /// TOML config file.
    #[arg(long, env = "SLUICE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Default region for requests that do not name one [default: us-east-1].
    #[arg(long, env = "SLUICE_REGION")]
    pub region: Option<String>,
    /// Account id that owns the queues of unauthenticated requests
    /// [default: 000000000000].
    #[arg(long, env = "SLUICE_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// Fixed base for queue URLs (default: from each request's Host header).
    #[arg(long, env = "SLUICE_BASE_URL")]
    pub base_url: Option<String>,
    /// Address of the HTTPS listener, served beside the plain one [default: 127.0.0.1:9325
    /// when a certificate is given].
    #[arg(long, env = "SLUICE_TLS_LISTEN")]
    pub tls_listen: Option<SocketAddr>,
    /// PEM certificate chain (leaf first) for the HTTPS listener; needs --tls-key.
    #[arg(long, env = "SLUICE_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "SLUICE_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a generated development certificate for localhost, 127.0.0.1
    /// and ::1, kept in <data-dir>/tls (or the temporary directory with --in-memory).
    #[arg(long, env = "SLUICE_TLS_SELF_SIGNED", value_parser = boolish())]
    pub tls_self_signed: bool,
    /// Serve HTTPS only: do not open the plain --listen address.
    #[arg(long, env = "SLUICE_TLS_ONLY", value_parser = boolish())]
    pub tls_only: bool,
    /// Largest request body accepted, in bytes; a larger one gets a 413 error
    /// [default: 4194304].
    #[arg(long, env = "SLUICE_MAX_REQUEST_BYTES", value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_request_bytes: Option<usize>,
    /// Connections served at once; further ones wait in the kernel's backlog
    /// [default: 16384].
    #[arg(long, env = "SLUICE_MAX_CONNECTIONS", value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: Option<usize>,
    /// Milliseconds a connection may take to deliver its next complete request head
    /// (idle keep-alive time included) before it is closed; also the time a request
    /// body has to arrive [default: 60000].
    #[arg(long, env = "SLUICE_IDLE_TIMEOUT_MS", value_parser = RangedU64ValueParser::<u64>::new().range(1..))]
    pub idle_timeout_ms: Option<u64>,
    /// ReceiveMessage calls that may wait at once; a further long poll is answered at
    /// once with what is available [default: 10000].
    #[arg(long, env = "SLUICE_MAX_WAITING_RECEIVES", value_parser = RangedU64ValueParser::<usize>::new())]
    pub max_waiting_receives: Option<usize>,
    /// Requests worked on at once, waiting long polls not counted; a further request
    /// gets a retryable 503 ServiceUnavailable [default: 4096].
    #[arg(long, env = "SLUICE_MAX_INFLIGHT_REQUESTS", value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_inflight_requests: Option<usize>,
    /// File of secret access keys in the AWS shared-credentials format, read for
    /// identities whose secret is not in the config file.
    #[arg(long, env = "SLUICE_CREDENTIALS_FILE")]
    pub credentials_file: Option<PathBuf>,
    /// Address of the admin listener (health, readiness, reset), kept apart from the
    /// API port so it is never exposed by accident [default: 127.0.0.1:9326].
    #[arg(long, env = "SLUICE_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// Serve POST /reset on the admin listener: it deletes every queue, message and
    /// move task. For test suites; never in production.
    #[arg(long, env = "SLUICE_ALLOW_RESET", value_parser = boolish())]
    pub allow_reset: bool,
    /// Run on a clock that moves only through the admin listener's
    /// POST /test-clock/advance?ms=N. For tests of time-dependent behaviour; never in
    /// production.
    #[arg(long, env = "SLUICE_TEST_CLOCK", hide = true, value_parser = boolish())]
    pub test_clock: bool,
    /// How long one SNS POST to an HTTP/S endpoint may take (AWS's 15 seconds unless
    /// set). For tests of timeouts; never in production.
    #[arg(long, env = "SLUICE_SNS_HTTP_TIMEOUT_MS", hide = true)]
    pub sns_http_timeout_ms: Option<u64>,
    /// How long a Kinesis stream shows CREATING, UPDATING or DELETING before the change
    /// takes effect, in milliseconds (AWS takes seconds to minutes; 0, the default,
    /// makes every change immediate so tests need no waiters).
    #[arg(long, env = "SLUICE_KINESIS_STATUS_DELAY_MS")]
    pub kinesis_status_delay_ms: Option<u64>,
    /// Enforce AWS's per-shard Kinesis throughput limits (1 MiB or 1,000 records a second
    /// written, 5 GetRecords calls and 2 MiB a second read), answering
    /// ProvisionedThroughputExceededException beyond them, to test clients' backoff.
    #[arg(long, env = "SLUICE_KINESIS_THROUGHPUT_LIMITS", value_parser = boolish())]
    pub kinesis_throughput_limits: bool,
    /// Report queue metrics as one series for all queues rather than one per queue, and
    /// SNS topic metrics as one series for all topics, for servers with very many.
    #[arg(long, env = "SLUICE_METRICS_FOLD_QUEUES", value_parser = boolish())]
    pub metrics_fold_queues: bool,
    /// How log lines are written to stderr: `text` for people, `json` (one object a
    /// line, with the request's fields) for log collectors.
    #[arg(long, env = "SLUICE_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// The token (`Authorization: Bearer <token>`) the admin listener asks for when it is
    /// not on loopback.
    #[arg(long, env = "SLUICE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// On/off flags read their environment variable as 1/0, true/false, yes/no or on/off.
fn boolish() -> clap::builder::BoolishValueParser {
    clap::builder::BoolishValueParser::new()
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
    pub tls_listen: Option<SocketAddr>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_self_signed: Option<bool>,
    pub tls_only: Option<bool>,
    pub max_request_bytes: Option<usize>,
    pub max_connections: Option<usize>,
    pub idle_timeout_ms: Option<u64>,
    pub max_waiting_receives: Option<usize>,
    pub max_inflight_requests: Option<usize>,
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// SNS topics the server creates (or brings up to date) at start, `[[topics]]`.
    #[serde(default)]
    pub topics: Vec<TopicConfig>,
    /// Kinesis streams the server creates (or brings up to date) at start, `[[streams]]`.
    #[serde(default)]
    pub streams: Vec<StreamConfig>,
    /// Master keys of the local key service (SSE-KMS), `[[kms_keys]]`.
    #[serde(default)]
    pub kms_keys: Vec<sluice_kms::KeyConfig>,
    /// Identities allowed to sign requests; with none, the server is open.
    #[serde(default)]
    pub identities: Vec<IdentityConfig>,
    pub credentials_file: Option<PathBuf>,
    /// Roles STS lets callers assume, `[[roles]]`.
    #[serde(default)]
    pub roles: Vec<RoleConfig>,
    pub admin_listen: Option<SocketAddr>,
    pub allow_reset: Option<bool>,
    pub admin_token: Option<String>,
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
        attribute_strings(&self.attributes)
    }
}

/// Attribute values written in TOML (strings, numbers, booleans) as the strings the
/// APIs take.
pub fn attribute_strings(attributes: &BTreeMap<String, toml::Value>) -> BTreeMap<String, String> {
    attributes
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

/// An SNS topic the server creates (or brings up to date) at start and on a reload.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    pub name: String,
    /// SNS topic attribute names and values, e.g. `FifoTopic = true`.
    #[serde(default)]
    pub attributes: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Queues subscribed to the topic, `[[topics.subscriptions]]`.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionConfig>,
}

/// A queue subscription of a configured topic: `queue` names a queue of the same region
/// and account, `endpoint` gives any queue's ARN (one of the two).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionConfig {
    pub queue: Option<String>,
    pub endpoint: Option<String>,
    /// Subscription attributes, e.g. `RawMessageDelivery = true`, `FilterPolicy = '...'`.
    #[serde(default)]
    pub attributes: BTreeMap<String, toml::Value>,
}

/// A Kinesis stream the server creates (or brings up to date) at start and on a reload.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamConfig {
    pub name: String,
    /// Shards of a provisioned stream; without it the stream is on-demand.
    pub shard_count: Option<i64>,
    /// Hours records are kept (24 to 8,760); AWS's 24 when not given.
    pub retention_hours: Option<i64>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The settings the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The command line this configuration was made from, read again (with the file)
    /// on a reload.
    pub source: Cli,
    pub listen: SocketAddr,
    /// `None`: in memory.
    pub data_dir: Option<PathBuf>,
    pub region: String,
    pub account_id: String,
    pub base_url: Option<String>,
    /// The HTTPS listener, if one runs.
    pub tls: Option<crate::tls::TlsConfig>,
    pub queues: Vec<QueueConfig>,
    pub topics: Vec<TopicConfig>,
    pub streams: Vec<StreamConfig>,
    /// Master keys of the local key service (see `encryption.rs`).
    pub kms_keys: Vec<sluice_kms::KeyConfig>,
    /// Bounds on request size, connections and concurrent work.
    pub limits: Limits,
    pub test_clock: bool,
    /// How long one SNS POST to an HTTP/S endpoint may take.
    pub sns_http_timeout_ms: u64,
    /// How long Kinesis streams show their transitional statuses.
    pub kinesis_status_delay_ms: u64,
    /// Whether Kinesis's per-shard throughput limits are enforced.
    pub kinesis_throughput_limits: bool,
    /// Whether queue (and topic) metrics are folded into one series.
    pub metrics_fold_queues: bool,
    /// What the admin listener asks for off loopback.
    pub admin_token: Option<String>,
    /// Identities allowed to sign requests; with none, requests are not authenticated.
    pub identities: Vec<IdentityConfig>,
    /// Where secrets left out of `identities` are found.
    pub credentials_file: Option<PathBuf>,
    /// The folder relative paths in the config file start from.
    pub config_dir: PathBuf,
    /// Roles STS lets callers assume.
    pub roles: Vec<RoleConfig>,
    /// The admin listener's address.
    pub admin_listen: SocketAddr,
    /// Whether the admin listener serves POST /reset.
    pub allow_reset: bool,
}

impl Config {
    /// An in-memory server on an ephemeral loopback port (for tests).
    pub fn ephemeral() -> Self {
        Self {
            source: Cli::default(),
            listen: "127.0.0.1:0".parse().expect("valid address"),
            data_dir: None,
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            base_url: None,
            tls: None,
            queues: Vec::new(),
            topics: Vec::new(),
            streams: Vec::new(),
            kms_keys: Vec::new(),
            limits: Limits::default(),
            test_clock: false,
            sns_http_timeout_ms: sluice_core::sns::limits::HTTP_DELIVERY_TIMEOUT_MS,
            kinesis_status_delay_ms: 0,
            kinesis_throughput_limits: false,
            metrics_fold_queues: false,
            admin_token: None,
            identities: Vec::new(),
            credentials_file: None,
            config_dir: PathBuf::from("."),
            roles: Vec::new(),
            admin_listen: "127.0.0.1:0".parse().expect("valid address"),
            allow_reset: false,
        }
    }

    pub fn from_cli(cli: Cli) -> Result<Self, String> {
        let source = cli.clone();
        let file = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| format!("invalid config file {}: {e}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let config_dir = cli
            .config
            .as_deref()
            .and_then(|p| p.parent())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let in_memory = cli.in_memory || file.in_memory.unwrap_or(false);
        let data_dir = cli
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        if !in_memory && data_dir.exists() && !data_dir.is_dir() {
            return Err(format!(
                "the data directory {} is not a directory",
                data_dir.display()
            ));
        }
        let defaults = Limits::default();
        let limits = Limits {
            max_request_bytes: cli
                .max_request_bytes
                .or(file.max_request_bytes)
                .unwrap_or(defaults.max_request_bytes),
            max_connections: cli
                .max_connections
                .or(file.max_connections)
                .unwrap_or(defaults.max_connections),
            idle_timeout_ms: cli
                .idle_timeout_ms
                .or(file.idle_timeout_ms)
                .unwrap_or(defaults.idle_timeout_ms),
            max_waiting_receives: cli
                .max_waiting_receives
                .or(file.max_waiting_receives)
                .unwrap_or(defaults.max_waiting_receives),
            max_inflight_requests: cli
                .max_inflight_requests
                .or(file.max_inflight_requests)
                .unwrap_or(defaults.max_inflight_requests),
        };
        limits.validate()?;
        let tls = crate::tls::TlsSettings {
            listen: cli.tls_listen.or(file.tls_listen),
            cert: cli.tls_cert.or(file.tls_cert),
            key: cli.tls_key.or(file.tls_key),
            self_signed: cli.tls_self_signed || file.tls_self_signed.unwrap_or(false),
            only: cli.tls_only || file.tls_only.unwrap_or(false),
        }
        .resolve(
            (!in_memory).then_some(data_dir.as_path()),
            cli.base_url.as_deref().or(file.base_url.as_deref()),
        )?;
        Ok(Self {
            source,
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
            tls,
            queues: file.queues,
            topics: file.topics,
            streams: file.streams,
            kms_keys: file.kms_keys,
            limits,
            test_clock: cli.test_clock,
            sns_http_timeout_ms: cli
                .sns_http_timeout_ms
                .unwrap_or(sluice_core::sns::limits::HTTP_DELIVERY_TIMEOUT_MS),
            kinesis_status_delay_ms: cli.kinesis_status_delay_ms.unwrap_or(0),
            kinesis_throughput_limits: cli.kinesis_throughput_limits,
            metrics_fold_queues: cli.metrics_fold_queues,
            admin_token: cli.admin_token.or(file.admin_token),
            identities: file.identities,
            credentials_file: cli
                .credentials_file
                .or_else(|| file.credentials_file.map(|p| config_dir.join(p))),
            config_dir,
            roles: file.roles,
            admin_listen: cli
                .admin_listen
                .or(file.admin_listen)
                .unwrap_or_else(|| DEFAULT_ADMIN_LISTEN.parse().expect("valid address")),
            allow_reset: cli.allow_reset || file.allow_reset.unwrap_or(false),
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

    #[test]
    fn limits_default_when_unset() {
        let config = Config::from_cli(Cli::default()).unwrap();
        assert_eq!(config.limits, Limits::default());
        assert_eq!(
            config.limits.max_request_bytes,
            crate::limits::DEFAULT_MAX_REQUEST_BYTES
        );
        assert_eq!(Config::ephemeral().limits, Limits::default());
    }

    #[test]
    fn limits_come_from_file_env_and_flags_in_that_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("limits.toml");
        std::fs::write(
            &path,
            r#"
max_request_bytes = 1000
max_connections = 20
idle_timeout_ms = 3000
max_waiting_receives = 40
max_inflight_requests = 50
"#,
        )
        .unwrap();
        let path = path.to_str().unwrap().to_owned();
        let from_file =
            Config::from_cli(Cli::try_parse_from(["sluice", "--config", &path]).unwrap())
                .unwrap()
                .limits;
        assert_eq!(
            from_file,
            Limits {
                max_request_bytes: 1000,
                max_connections: 20,
                idle_timeout_ms: 3000,
                max_waiting_receives: 40,
                max_inflight_requests: 50,
            }
        );

        // The environment beats the file; a flag beats both. These variables are read
        // by no other test.
        std::env::set_var("SLUICE_MAX_CONNECTIONS", "21");
        std::env::set_var("SLUICE_IDLE_TIMEOUT_MS", "3001");
        std::env::set_var("SLUICE_MAX_WAITING_RECEIVES", "0");
        let parsed = Cli::try_parse_from([
            "sluice",
            "--config",
            &path,
            "--idle-timeout-ms",
            "3002",
            "--max-request-bytes",
            "1002",
            "--max-inflight-requests",
            "52",
        ]);
        std::env::remove_var("SLUICE_MAX_CONNECTIONS");
        std::env::remove_var("SLUICE_IDLE_TIMEOUT_MS");
        std::env::remove_var("SLUICE_MAX_WAITING_RECEIVES");
        let limits = Config::from_cli(parsed.unwrap()).unwrap().limits;
        assert_eq!(
            limits,
            Limits {
                max_request_bytes: 1002,
                max_connections: 21,
                idle_timeout_ms: 3002,
                max_waiting_receives: 0,
                max_inflight_requests: 52,
            }
        );
    }

    #[test]
    fn zero_limits_are_rejected() {
        let err = Cli::try_parse_from(["sluice", "--max-connections", "0"]).unwrap_err();
        assert!(err.to_string().contains("max-connections"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zero.toml");
        std::fs::write(&path, "max_inflight_requests = 0\n").unwrap();
        let err = Config::from_cli(Cli {
            config: Some(path),
            ..Cli::default()
        })
        .unwrap_err();
        assert!(err.contains("max_inflight_requests"), "{err}");
    }

    #[test]
    fn help_states_each_limit_default() {
        use crate::limits::*;
        let help = <Cli as clap::CommandFactory>::command()
            .render_long_help()
            .to_string();
        for default in [
            DEFAULT_MAX_REQUEST_BYTES as u64,
            DEFAULT_MAX_CONNECTIONS as u64,
            DEFAULT_IDLE_TIMEOUT_MS,
            DEFAULT_MAX_WAITING_RECEIVES as u64,
            DEFAULT_MAX_INFLIGHT_REQUESTS as u64,
        ] {
            assert!(help.contains(&format!("[default: {default}]")), "{default}");
        }
    }
}
