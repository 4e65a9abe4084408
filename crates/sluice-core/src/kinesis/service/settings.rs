//! Stream settings and the account's: Start/StopStreamEncryption (the key is checked
//! with the key service; records put while it is on are sealed under it, see
//! `sealing.rs`), Enable/DisableEnhancedMonitoring,
//! UpdateStreamMode, UpdateMaxRecordSize, UpdateStreamWarmThroughput, and
//! Describe/UpdateAccountSettings.

use super::{catalog_error, missing, Kinesis, KinesisContext};
use crate::kinesis::api::*;
use crate::kinesis::error::{KinesisError, KinesisResult};
use crate::kinesis::limits::SHARD_LEVEL_METRICS_PER_CALL_MAX;
use crate::kinesis::names::parse_stream_arn;
use crate::kinesis::names::resolve_stream;
use crate::kinesis::sealing::kms_error;
use crate::kinesis::store::{AccountSettings, StreamChange};
use crate::kinesis::stream::{
    check_encryption_request, check_max_record_size, check_mode_switch, check_warm_throughput,
    Encryption, Lifecycle, StreamMode, Transition,
};

impl Kinesis {
    pub async fn start_stream_encryption(
        &self,
        ctx: &KinesisContext,
        input: StreamEncryptionInput,
    ) -> KinesisResult<()> {
        self.change_encryption(ctx, input, "StartStreamEncryption", true)
            .await
    }

    pub async fn stop_stream_encryption(
        &self,
        ctx: &KinesisContext,
        input: StreamEncryptionInput,
    ) -> KinesisResult<()> {
        self.change_encryption(ctx, input, "StopStreamEncryption", false)
            .await
    }

    async fn change_encryption(
        &self,
        ctx: &KinesisContext,
        input: StreamEncryptionInput,
        action: &str,
        start: bool,
    ) -> KinesisResult<()> {
        let kind = input
            .encryption_type
            .as_deref()
            .ok_or_else(|| missing("encryptionType"))?;
        let key_id = input.key_id.as_deref().ok_or_else(|| missing("keyId"))?;
        check_encryption_request(kind, key_id)?;
        let key = resolve_stream(
            input.stream_name.as_deref(),
            input.stream_arn.as_deref(),
            &ctx.region,
            &ctx.account_id,
        )?;
        let (_edit, meta, now) = self.editable_stream(ctx, action, &key).await?;
        if start {
            self.records_cipher
                .check(&meta.key, key_id)
                .map_err(kms_error)?;
        }
        let lifecycle = Lifecycle::begin(Transition::Updating, now, self.config.delays);
        self.change_with_retries(meta, |m| {
            let mut settings = m.settings.clone();
            settings.encryption = if start {
                Encryption::Kms {
                    key_id: key_id.to_owned(),
                }
            } else {
                Encryption::None
            };
            Ok(StreamChange::Settings {
                settings,
                lifecycle,
            })
        })
        .await?;
        Ok(())
    }

    pub async fn enable_enhanced_monitoring(
        &self,
        ctx: &KinesisContext,
        input: EnhancedMonitoringInput,
    ) -> KinesisResult<EnhancedMonitoringOutput> {
        self.change_monitoring(ctx, input, "EnableEnhancedMonitoring", true)
            .await
    }

    pub async fn disable_enhanced_monitoring(
        &self,
        ctx: &KinesisContext,
        input: EnhancedMonitoringInput,
    ) -> KinesisResult<EnhancedMonitoringOutput> {
        self.change_monitoring(ctx, input, "DisableEnhancedMonitoring", false)
            .await
    }

    async fn change_monitoring(
        &self,
        ctx: &KinesisContext,
        input: EnhancedMonitoringInput,
        action: &str,
        enable: bool,
    ) -> KinesisResult<EnhancedMonitoringOutput> {
        let count = input.shard_level_metrics.len();
        if count == 0 || count > SHARD_LEVEL_METRICS_PER_CALL_MAX {
            return Err(KinesisError::validation(
                &format!("{:?}", input.shard_level_metrics),
                "shardLevelMetrics",
                &format!("have length between 1 and {SHARD_LEVEL_METRICS_PER_CALL_MAX}"),
            ));
        }
        let key = resolve_stream(
            input.stream_name.as_deref(),
            input.stream_arn.as_deref(),
            &ctx.region,
            &ctx.account_id,
        )?;
        let (_edit, meta, _) = self.editable_stream(ctx, action, &key).await?;
        let current = meta.settings.monitoring.listed();
        let changed = self
            .change_with_retries(meta, |m| {
                let mut settings = m.settings.clone();
                settings.monitoring = m
                    .settings
                    .monitoring
                    .change(&input.shard_level_metrics, enable)?;
                Ok(StreamChange::Settings {
                    settings,
                    lifecycle: m.lifecycle,
                })
            })
            .await?;
        Ok(EnhancedMonitoringOutput {
            stream_name: changed.key.name.clone(),
            stream_arn: changed.key.arn(),
            current_shard_level_metrics: current,
            desired_shard_level_metrics: changed.settings.monitoring.listed(),
        })
    }

    pub async fn update_stream_mode(
        &self,
        ctx: &KinesisContext,
        input: UpdateStreamModeInput,
    ) -> KinesisResult<()> {
        let arn = input
            .stream_arn
            .as_deref()
            .ok_or_else(|| missing("streamARN"))?;
        let details = input
            .stream_mode_details
            .as_ref()
            .ok_or_else(|| missing("streamModeDetails"))?;
        let mode = StreamMode::parse(&details.stream_mode)?;
        let warm = input
            .warm_throughput_mi_bps
            .map(|w| check_warm_throughput(w, mode))
            .transpose()?;
        let key = parse_stream_arn(arn)?;
        let (_edit, meta, now) = self.editable_stream(ctx, "UpdateStreamMode", &key).await?;
        if meta.settings.mode == mode {
            return Err(KinesisError::invalid_argument(format!(
                "Stream {} under account {} is already in {} mode.",
                meta.key.name,
                meta.key.account_id,
                mode.as_str()
            )));
        }
        if mode == StreamMode::OnDemand {
            let usage = self
                .catalog
                .account_usage(&key.region, &key.account_id)
                .await
                .map_err(catalog_error)?;
            if usage.on_demand_streams >= u64::from(self.config.on_demand_stream_limit) {
                return Err(KinesisError::limit_exceeded(format!(
                    "This request would exceed the on-demand stream count limit of {} for the \
                     account {} in {}.",
                    self.config.on_demand_stream_limit, key.account_id, key.region
                )));
            }
        }
        let lifecycle = Lifecycle::begin(Transition::Updating, now, self.config.delays);
        self.change_with_retries(meta, |m| {
            let mut settings = m.settings.clone();
            settings.mode_switches_ms = check_mode_switch(&m.settings.mode_switches_ms, now)?;
            settings.mode = mode;
            settings.warm_throughput.target_mibps = warm;
            settings.warm_throughput.current_mibps = warm;
            Ok(StreamChange::Settings {
                settings,
                lifecycle,
            })
        })
        .await?;
        Ok(())
    }

    /// UpdateMaxRecordSize: 1024 to 10240 KiB; records already kept are not touched.
    pub async fn update_max_record_size(
        &self,
        ctx: &KinesisContext,
        input: UpdateMaxRecordSizeInput,
    ) -> KinesisResult<()> {
        let arn = input
            .stream_arn
            .as_deref()
            .ok_or_else(|| missing("streamARN"))?;
        let kib = input
            .max_record_size_in_kib
            .ok_or_else(|| missing("maxRecordSizeInKiB"))?;
        let kib = check_max_record_size(kib)?;
        let key = parse_stream_arn(arn)?;
        let (_edit, meta, _) = self
            .editable_stream(ctx, "UpdateMaxRecordSize", &key)
            .await?;
        self.change_with_retries(meta, |m| {
            let mut settings = m.settings.clone();
            settings.max_record_size_kib = kib;
            Ok(StreamChange::Settings {
                settings,
                lifecycle: m.lifecycle,
            })
        })
        .await?;
        Ok(())
    }

    /// UpdateStreamWarmThroughput: on-demand streams only; the target is reached at once.
    pub async fn update_stream_warm_throughput(
        &self,
        ctx: &KinesisContext,
        input: UpdateStreamWarmThroughputInput,
    ) -> KinesisResult<UpdateStreamWarmThroughputOutput> {
        let mibps = input
            .warm_throughput_mi_bps
            .ok_or_else(|| missing("warmThroughputMiBps"))?;
        let key = resolve_stream(
            input.stream_name.as_deref(),
            input.stream_arn.as_deref(),
            &ctx.region,
            &ctx.account_id,
        )?;
        let (_edit, meta, _) = self
            .editable_stream(ctx, "UpdateStreamWarmThroughput", &key)
            .await?;
        let target = check_warm_throughput(mibps, meta.settings.mode)?;
        let changed = self
            .change_with_retries(meta, |m| {
                let mut settings = m.settings.clone();
                settings.warm_throughput.target_mibps = Some(target);
                settings.warm_throughput.current_mibps = Some(target);
                Ok(StreamChange::Settings {
                    settings,
                    lifecycle: m.lifecycle,
                })
            })
            .await?;
        Ok(UpdateStreamWarmThroughputOutput {
            stream_arn: changed.key.arn(),
            stream_name: changed.key.name.clone(),
            warm_throughput: WarmThroughputObject {
                target_mi_bps: Some(target),
                current_mi_bps: Some(target),
            },
        })
    }

    pub async fn describe_account_settings(
        &self,
        ctx: &KinesisContext,
    ) -> KinesisResult<AccountSettingsOutput> {
        let arn = format!("arn:aws:kinesis:{}:{}:*", ctx.region, ctx.account_id);
        self.authorize(ctx, "DescribeAccountSettings", &arn, &ctx.account_id, None)?;
        let settings = self
            .catalog
            .account_settings(&ctx.region, &ctx.account_id)
            .await
            .map_err(catalog_error)?;
        Ok(account_output(&settings))
    }

    pub async fn update_account_settings(
        &self,
        ctx: &KinesisContext,
        input: UpdateAccountSettingsInput,
    ) -> KinesisResult<AccountSettingsOutput> {
        let commitment = input
            .minimum_throughput_billing_commitment
            .ok_or_else(|| missing("minimumThroughputBillingCommitment"))?;
        if !matches!(commitment.status.as_str(), "ENABLED" | "DISABLED") {
            return Err(KinesisError::validation(
                &commitment.status,
                "minimumThroughputBillingCommitment.status",
                "satisfy enum value set: [ENABLED, DISABLED]",
            ));
        }
        let arn = format!("arn:aws:kinesis:{}:{}:*", ctx.region, ctx.account_id);
        self.authorize(ctx, "UpdateAccountSettings", &arn, &ctx.account_id, None)?;
        let settings = AccountSettings {
            minimum_throughput_billing_commitment: Some(commitment.status),
        };
        self.catalog
            .set_account_settings(&ctx.region, &ctx.account_id, settings.clone())
            .await
            .map_err(catalog_error)?;
        Ok(account_output(&settings))
    }
}

fn account_output(settings: &AccountSettings) -> AccountSettingsOutput {
    AccountSettingsOutput {
        minimum_throughput_billing_commitment: settings
            .minimum_throughput_billing_commitment
            .as_ref()
            .map(|status| MinimumThroughputBillingCommitment {
                status: status.clone(),
            }),
    }
}
