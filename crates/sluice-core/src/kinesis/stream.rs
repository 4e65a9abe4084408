//! A stream's own state and settings: its status through time, capacity mode, retention,
//! encryption, enhanced monitoring, largest record and warm throughput, each with the
//! checks its actions make.
//!
//! # Status
//!
//! AWS moves a stream CREATING → ACTIVE after CreateStream, ACTIVE → UPDATING → ACTIVE
//! around resharding, mode, retention-free updates and encryption changes, and ACTIVE →
//! DELETING → gone after DeleteStream. Sluice applies every change at once and reports the
//! transitional status for a configurable time ([`StatusDelays`], zero by default so tests
//! need no waiters). A [`Lifecycle`] holds the transition and when it ends; the status at
//! any `now` is a pure function of it, so no timer has to fire.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::error::{KinesisError, KinesisResult};
use super::limits::{
    KMS_KEY_ID_MAX_CHARS, MAX_RECORD_SIZE_KIB_DEFAULT, MAX_RECORD_SIZE_KIB_MAX,
    MAX_RECORD_SIZE_KIB_MIN, MS_PER_HOUR, ON_DEMAND_INITIAL_SHARDS, RETENTION_HOURS_DEFAULT,
    RETENTION_HOURS_MAX, RETENTION_HOURS_MIN, SHARD_COUNT_MIN, SHARD_COUNT_MODEL_MAX,
    STREAM_MODE_SWITCHES_PER_DAY_MAX, STREAM_MODE_SWITCH_WINDOW_MS,
};
use crate::clock::EpochMs;

/// The StreamStatus enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StreamStatus {
    Creating,
    Deleting,
    Active,
    Updating,
}

impl StreamStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "CREATING",
            Self::Deleting => "DELETING",
            Self::Active => "ACTIVE",
            Self::Updating => "UPDATING",
        }
    }
}

/// How long each transitional status shows. Zero (the default) makes every change
/// ACTIVE at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDelays {
    pub creating_ms: u64,
    pub updating_ms: u64,
    pub deleting_ms: u64,
}

/// A transition in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transition {
    Creating,
    Updating,
    Deleting,
}

/// Where a stream is in its life: settled, or in a transition until a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub transition: Option<(Transition, EpochMs)>,
}

impl Lifecycle {
    /// Starts `transition` at `now`, lasting its delay.
    pub fn begin(transition: Transition, now: EpochMs, delays: StatusDelays) -> Self {
        let delay = match transition {
            Transition::Creating => delays.creating_ms,
            Transition::Updating => delays.updating_ms,
            Transition::Deleting => delays.deleting_ms,
        };
        Self {
            transition: Some((transition, now.saturating_add(delay))),
        }
    }

    /// The status at `now`, or `None` once a deletion has finished (the stream is gone:
    /// ResourceNotFound from then on, and its name free).
    pub fn status(&self, now: EpochMs) -> Option<StreamStatus> {
        match self.transition {
            None => Some(StreamStatus::Active),
            Some((Transition::Deleting, until)) if now >= until => None,
            Some((_, until)) if now >= until => Some(StreamStatus::Active),
            Some((Transition::Creating, _)) => Some(StreamStatus::Creating),
            Some((Transition::Updating, _)) => Some(StreamStatus::Updating),
            Some((Transition::Deleting, _)) => Some(StreamStatus::Deleting),
        }
    }

    /// Actions that change a stream need it ACTIVE: "Stream N under account A not ACTIVE,
    /// instead in state S" (ResourceInUseException) otherwise.
    pub fn require_active(&self, now: EpochMs, name: &str, account_id: &str) -> KinesisResult<()> {
        match self.status(now) {
            Some(StreamStatus::Active) => Ok(()),
            Some(other) => Err(KinesisError::stream_not_active(
                name,
                account_id,
                other.as_str(),
            )),
            None => Err(KinesisError::stream_not_found(name, account_id)),
        }
    }
}

/// The StreamMode enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StreamMode {
    Provisioned,
    OnDemand,
}

impl StreamMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioned => "PROVISIONED",
            Self::OnDemand => "ON_DEMAND",
        }
    }

    pub fn parse(s: &str) -> KinesisResult<Self> {
        match s {
            "PROVISIONED" => Ok(Self::Provisioned),
            "ON_DEMAND" => Ok(Self::OnDemand),
            other => Err(KinesisError::validation(
                other,
                "streamModeDetails.streamMode",
                "satisfy enum value set: [PROVISIONED, ON_DEMAND]",
            )),
        }
    }
}

/// Server-side encryption of a stream's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encryption {
    None,
    /// KMS with this key (an id, ARN, alias name or alias ARN, as given).
    Kms {
        key_id: String,
    },
}

impl Encryption {
    /// The EncryptionType the API reports.
    pub fn encryption_type(&self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Kms { .. } => "KMS",
        }
    }

    pub fn key_id(&self) -> Option<&str> {
        match self {
            Self::None => None,
            Self::Kms { key_id } => Some(key_id),
        }
    }
}

/// Start/StopStreamEncryption's EncryptionType and KeyId: only KMS can be started or
/// stopped (the model's enum also holds NONE; refusing it, and the text, are Sluice's),
/// and the key id is 1 to 2048 characters (model). Whether the key exists and is usable
/// is the key service's to say (KMS* errors).
pub fn check_encryption_request(encryption_type: &str, key_id: &str) -> KinesisResult<()> {
    if encryption_type != "KMS" {
        return Err(KinesisError::invalid_argument(format!(
            "Encryption type {encryption_type} is not supported. Use KMS."
        )));
    }
    if key_id.is_empty() || key_id.chars().count() > KMS_KEY_ID_MAX_CHARS {
        return Err(KinesisError::validation(
            key_id,
            "keyId",
            &format!("have length less than or equal to {KMS_KEY_ID_MAX_CHARS}"),
        ));
    }
    Ok(())
}

/// The shard-level metrics enhanced monitoring can enable (model: MetricsName, less ALL).
pub const SHARD_LEVEL_METRICS: [&str; 7] = [
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
];

/// The metrics a stream has enabled, in the model's order when listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnhancedMonitoring {
    pub metrics: BTreeSet<String>,
}

impl EnhancedMonitoring {
    /// The enabled metrics in the model's order (as DescribeStream lists them).
    pub fn listed(&self) -> Vec<String> {
        SHARD_LEVEL_METRICS
            .iter()
            .filter(|m| self.metrics.contains(**m))
            .map(|m| (*m).to_owned())
            .collect()
    }

    /// Enable/DisableEnhancedMonitoring: the metrics named (ALL for every one), checked
    /// against the enum; answers the set after the change. The caller reports `listed()`
    /// before and after as Current/DesiredShardLevelMetrics.
    pub fn change(&self, requested: &[String], enable: bool) -> KinesisResult<Self> {
        let mut names = BTreeSet::new();
        for (i, name) in requested.iter().enumerate() {
            if name == "ALL" {
                names.extend(SHARD_LEVEL_METRICS.iter().map(|m| (*m).to_owned()));
            } else if SHARD_LEVEL_METRICS.contains(&name.as_str()) {
                names.insert(name.clone());
            } else {
                return Err(KinesisError::validation(
                    name,
                    &format!("shardLevelMetrics.{}.member", i + 1),
                    "satisfy enum value set: [IncomingBytes, IncomingRecords, OutgoingBytes, \
                     OutgoingRecords, WriteProvisionedThroughputExceeded, \
                     ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds, ALL]",
                ));
            }
        }
        let metrics = if enable {
            self.metrics.union(&names).cloned().collect()
        } else {
            self.metrics.difference(&names).cloned().collect()
        };
        Ok(Self { metrics })
    }
}

/// Warm throughput of an on-demand stream, MiB/s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarmThroughput {
    pub target_mibps: Option<u32>,
    pub current_mibps: Option<u32>,
}

/// A stream's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSettings {
    pub mode: StreamMode,
    pub retention_hours: u32,
    pub encryption: Encryption,
    pub monitoring: EnhancedMonitoring,
    pub max_record_size_kib: u32,
    pub warm_throughput: WarmThroughput,
    /// When the mode last changed (UpdateStreamMode), newest last, for the twice-a-day rule.
    pub mode_switches_ms: Vec<EpochMs>,
    /// Records that arrived before this had expired when the retention period was last
    /// increased: a longer retention does not bring them back (a store may still hold
    /// them until their segment goes).
    #[serde(default)]
    pub expired_before_ms: EpochMs,
}

impl StreamSettings {
    /// How long records are kept, in ms.
    pub fn retention_ms(&self) -> u64 {
        u64::from(self.retention_hours) * MS_PER_HOUR
    }

    /// The oldest arrival time still kept at `now` (never before the stream's creation).
    pub fn trim_horizon_ms(&self, now: EpochMs, created_at_ms: EpochMs) -> EpochMs {
        now.saturating_sub(self.retention_ms())
            .max(created_at_ms)
            .max(self.expired_before_ms)
    }

    /// The largest record (data plus partition key), in bytes.
    pub fn max_record_bytes(&self) -> usize {
        self.max_record_size_kib as usize * 1024
    }
}

/// What CreateStream asks for, checked: the shard count and settings of the new stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStreamPlan {
    pub shard_count: u32,
    pub settings: StreamSettings,
}

fn check_range(value: i64, member: &str, min: i64, max: i64) -> KinesisResult<u32> {
    if value < min {
        return Err(KinesisError::validation(
            &value.to_string(),
            member,
            &format!("have value greater than or equal to {min}"),
        ));
    }
    if value > max {
        return Err(KinesisError::validation(
            &value.to_string(),
            member,
            &format!("have value less than or equal to {max}"),
        ));
    }
    Ok(value as u32)
}

/// CreateStream's ShardCount, StreamModeDetails, MaxRecordSizeInKiB and WarmThroughputMiBps.
///
/// The mode is the one given; without one, a ShardCount means PROVISIONED and its absence
/// ON_DEMAND (which starts with four shards). A provisioned stream needs a ShardCount
/// (Sluice's text: AWS's was not recorded). A ShardCount above the model's largest shard
/// count is refused before anything is allocated (as a ValidationException, inferred);
/// the account's shard limit is the caller's to check.
pub fn plan_new_stream(
    shard_count: Option<i64>,
    mode: Option<&str>,
    max_record_size_kib: Option<i64>,
    warm_throughput_mibps: Option<i64>,
) -> KinesisResult<NewStreamPlan> {
    let count = shard_count
        .map(|n| {
            check_range(
                n,
                "shardCount",
                i64::from(SHARD_COUNT_MIN),
                i64::from(SHARD_COUNT_MODEL_MAX),
            )
        })
        .transpose()?;
    let mode = match mode {
        Some(m) => StreamMode::parse(m)?,
        None if count.is_some() => StreamMode::Provisioned,
        None => StreamMode::OnDemand,
    };
    let shard_count = match (mode, count) {
        (StreamMode::Provisioned, Some(n)) => n,
        (StreamMode::Provisioned, None) => {
            return Err(KinesisError::invalid_argument(
                "ShardCount is required for a stream in PROVISIONED mode.",
            ))
        }
        (StreamMode::OnDemand, _) => ON_DEMAND_INITIAL_SHARDS,
    };
    let max_record_size_kib = max_record_size_kib
        .map(check_max_record_size)
        .transpose()?
        .unwrap_or(MAX_RECORD_SIZE_KIB_DEFAULT);
    let warm = warm_throughput_mibps
        .map(|w| check_warm_throughput(w, mode))
        .transpose()?;
    Ok(NewStreamPlan {
        shard_count,
        settings: StreamSettings {
            mode,
            retention_hours: RETENTION_HOURS_DEFAULT,
            encryption: Encryption::None,
            monitoring: EnhancedMonitoring::default(),
            max_record_size_kib,
            warm_throughput: WarmThroughput {
                target_mibps: warm,
                current_mibps: warm,
            },
            mode_switches_ms: Vec::new(),
            expired_before_ms: 0,
        },
    })
}

/// MaxRecordSizeInKiB: 1024 to 10240 (model), a ValidationException otherwise.
pub fn check_max_record_size(kib: i64) -> KinesisResult<u32> {
    check_range(
        kib,
        "maxRecordSizeInKiB",
        i64::from(MAX_RECORD_SIZE_KIB_MIN),
        i64::from(MAX_RECORD_SIZE_KIB_MAX),
    )
}

/// WarmThroughputMiBps: a natural number, for on-demand streams only (Sluice's text for a
/// provisioned one: AWS's was not recorded).
pub fn check_warm_throughput(mibps: i64, mode: StreamMode) -> KinesisResult<u32> {
    let value = check_range(mibps, "warmThroughputMiBps", 0, i64::from(u32::MAX))?;
    if mode != StreamMode::OnDemand {
        return Err(KinesisError::invalid_argument(
            "Warm throughput is only supported for streams in ON_DEMAND mode.",
        ));
    }
    Ok(value)
}

/// A record's size against the stream's largest record: data and partition key bytes
/// together. The text is Sluice's (inferred: AWS words it per protocol layer).
pub fn check_record_size(
    data_bytes: usize,
    partition_key: &str,
    settings: &StreamSettings,
) -> KinesisResult<()> {
    let size = data_bytes + partition_key.len();
    let max = settings.max_record_bytes();
    if size > max {
        return Err(KinesisError::invalid_argument(format!(
            "Record size {size} bytes (data plus partition key) exceeds the stream's maximum \
             record size of {max} bytes."
        )));
    }
    Ok(())
}

/// IncreaseStreamRetentionPeriod's checks, with AWS's texts (InvalidArgumentException).
pub fn check_retention_increase(
    requested: i64,
    current: u32,
    stream_name: &str,
) -> KinesisResult<u32> {
    let hours = check_retention_bounds(requested)?;
    if hours < current {
        return Err(KinesisError::invalid_argument(format!(
            "Requested retention period ({hours} hours) for stream {stream_name} can not be \
             shorter than existing retention period ({current} hours). Use \
             DecreaseRetentionPeriod API."
        )));
    }
    Ok(hours)
}

/// DecreaseStreamRetentionPeriod's checks, with AWS's texts.
pub fn check_retention_decrease(
    requested: i64,
    current: u32,
    stream_name: &str,
) -> KinesisResult<u32> {
    let hours = check_retention_bounds(requested)?;
    if hours > current {
        return Err(KinesisError::invalid_argument(format!(
            "Requested retention period ({hours} hours) for stream {stream_name} can not be \
             longer than existing retention period ({current} hours). Use \
             IncreaseRetentionPeriod API."
        )));
    }
    Ok(hours)
}

fn check_retention_bounds(requested: i64) -> KinesisResult<u32> {
    if requested < i64::from(RETENTION_HOURS_MIN) {
        return Err(KinesisError::invalid_argument(format!(
            "Minimum allowed retention period is {RETENTION_HOURS_MIN} hours. Requested \
             retention period ({requested} hours) is too short."
        )));
    }
    if requested > i64::from(RETENTION_HOURS_MAX) {
        return Err(KinesisError::invalid_argument(format!(
            "Maximum allowed retention period is {RETENTION_HOURS_MAX} hours. Requested \
             retention period ({requested} hours) is too long."
        )));
    }
    Ok(requested as u32)
}

/// UpdateStreamMode: at most two switches in 24 hours (LimitExceededException; the text is
/// Sluice's). Answers the switch history to store, `now` appended and old ones dropped.
pub fn check_mode_switch(history_ms: &[EpochMs], now: EpochMs) -> KinesisResult<Vec<EpochMs>> {
    let recent: Vec<EpochMs> = history_ms
        .iter()
        .copied()
        .filter(|&t| now.saturating_sub(t) < STREAM_MODE_SWITCH_WINDOW_MS)
        .collect();
    if recent.len() >= STREAM_MODE_SWITCHES_PER_DAY_MAX {
        return Err(KinesisError::limit_exceeded(format!(
            "A stream's capacity mode can be switched at most {STREAM_MODE_SWITCHES_PER_DAY_MAX} \
             times within 24 hours."
        )));
    }
    let mut history = recent;
    history.push(now);
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::error::KinesisErrorKind;

    const T0: u64 = 1_700_000_000_000;

    #[test]
    fn status_follows_the_delays() {
        assert_eq!(Lifecycle::default().status(T0), Some(StreamStatus::Active));
        let now_at_once = Lifecycle::begin(Transition::Creating, T0, StatusDelays::default());
        assert_eq!(now_at_once.status(T0), Some(StreamStatus::Active));
        let delays = StatusDelays {
            creating_ms: 500,
            updating_ms: 100,
            deleting_ms: 200,
        };
        let table = [
            (Transition::Creating, 0, Some(StreamStatus::Creating)),
            (Transition::Creating, 499, Some(StreamStatus::Creating)),
            (Transition::Creating, 500, Some(StreamStatus::Active)),
            (Transition::Updating, 99, Some(StreamStatus::Updating)),
            (Transition::Updating, 100, Some(StreamStatus::Active)),
            (Transition::Deleting, 199, Some(StreamStatus::Deleting)),
            (Transition::Deleting, 200, None),
        ];
        for (transition, dt, want) in table {
            let l = Lifecycle::begin(transition, T0, delays);
            assert_eq!(l.status(T0 + dt), want, "{transition:?} +{dt}");
        }
        let updating = Lifecycle::begin(Transition::Updating, T0, delays);
        let e = updating.require_active(T0, "s", "1").unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::ResourceInUse);
        assert_eq!(
            e.message,
            "Stream s under account 1 not ACTIVE, instead in state UPDATING"
        );
        let gone = Lifecycle::begin(Transition::Deleting, T0, StatusDelays::default());
        assert_eq!(
            gone.require_active(T0, "s", "1").unwrap_err().kind,
            KinesisErrorKind::ResourceNotFound
        );
    }

    #[test]
    fn create_stream_plans() {
        let p = plan_new_stream(Some(3), None, None, None).unwrap();
        assert_eq!(
            (p.shard_count, p.settings.mode),
            (3, StreamMode::Provisioned)
        );
        assert_eq!(p.settings.retention_hours, 24);
        assert_eq!(p.settings.max_record_size_kib, 1024);
        assert_eq!(p.settings.encryption.encryption_type(), "NONE");
        let p = plan_new_stream(None, None, Some(10_240), Some(10)).unwrap();
        assert_eq!((p.shard_count, p.settings.mode), (4, StreamMode::OnDemand));
        assert_eq!(p.settings.max_record_bytes(), 10 * 1024 * 1024);
        assert_eq!(p.settings.warm_throughput.target_mibps, Some(10));
        let e = plan_new_stream(Some(0), None, None, None).unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::Validation);
        assert!(e
            .message
            .ends_with("Member must have value greater than or equal to 1"));
        // Refused before any allocation.
        let e = plan_new_stream(Some(100_000_000_000), None, None, None).unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::Validation);
        assert!(plan_new_stream(None, Some("PROVISIONED"), None, None).is_err());
        assert!(plan_new_stream(Some(1), Some("SIDEWAYS"), None, None).is_err());
        let e = plan_new_stream(Some(1), None, Some(1023), None).unwrap_err();
        assert!(e.message.contains("'maxRecordSizeInKiB'"));
        assert!(e.message.ends_with("greater than or equal to 1024"));
        assert!(plan_new_stream(Some(1), None, Some(10_241), None).is_err());
        assert!(plan_new_stream(Some(1), None, None, Some(5)).is_err());
    }

    #[test]
    fn retention_changes_use_awss_texts() {
        assert_eq!(check_retention_increase(48, 24, "s").unwrap(), 48);
        assert_eq!(check_retention_decrease(24, 48, "s").unwrap(), 24);
        let table = [
            (check_retention_increase(23, 24, "s"), "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short."),
            (check_retention_increase(8761, 24, "s"), "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long."),
            (check_retention_increase(24, 48, "s"), "Requested retention period (24 hours) for stream s can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API."),
            (check_retention_decrease(72, 48, "s"), "Requested retention period (72 hours) for stream s can not be longer than existing retention period (48 hours). Use IncreaseRetentionPeriod API."),
        ];
        for (result, text) in table {
            let e = result.unwrap_err();
            assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
            assert_eq!(e.message, text);
        }
    }

    #[test]
    fn enhanced_monitoring() {
        let none = EnhancedMonitoring::default();
        let some = none
            .change(&["IncomingBytes".into(), "OutgoingRecords".into()], true)
            .unwrap();
        assert_eq!(some.listed(), ["IncomingBytes", "OutgoingRecords"]);
        let all = some.change(&["ALL".into()], true).unwrap();
        assert_eq!(all.listed().len(), 7);
        let less = all.change(&["IncomingBytes".into()], false).unwrap();
        assert_eq!(less.listed().len(), 6);
        assert!(less
            .change(&["ALL".into()], false)
            .unwrap()
            .listed()
            .is_empty());
        let e = none.change(&["Bogus".into()], true).unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::Validation);
        assert!(e.message.contains("at 'shardLevelMetrics.1.member'"));
    }

    #[test]
    fn records_fit_the_streams_size() {
        let mut s = plan_new_stream(Some(1), None, None, None).unwrap().settings;
        assert!(check_record_size(1024 * 1024 - 1, "k", &s).is_ok());
        assert!(check_record_size(1024 * 1024, "k", &s).is_err());
        s.max_record_size_kib = 2048;
        assert!(check_record_size(1024 * 1024, "k", &s).is_ok());
        assert_eq!(s.trim_horizon_ms(T0, T0 - 1), T0 - 1);
        assert_eq!(
            s.trim_horizon_ms(T0 + 25 * MS_PER_HOUR, T0),
            T0 + MS_PER_HOUR
        );
    }

    #[test]
    fn encryption_requests_and_mode_switches() {
        assert!(check_encryption_request("KMS", "alias/aws/kinesis").is_ok());
        assert_eq!(
            check_encryption_request("NONE", "k").unwrap_err().kind,
            KinesisErrorKind::InvalidArgument
        );
        assert!(check_encryption_request("KMS", "").is_err());
        let h = check_mode_switch(&[], T0).unwrap();
        let h = check_mode_switch(&h, T0 + 1).unwrap();
        assert_eq!(
            check_mode_switch(&h, T0 + 2).unwrap_err().kind,
            KinesisErrorKind::LimitExceeded
        );
        assert_eq!(
            check_mode_switch(&h, T0 + STREAM_MODE_SWITCH_WINDOW_MS)
                .unwrap()
                .len(),
            2
        );
    }
}
