//! The Kinesis service as the server runs it: built over the embedded store (its stream
//! catalog and shard logs), with the server's clock, shard iterators sealed with
//! AES-256-GCM under a key kept in `<data_dir>/kms`, records of encrypted streams sealed
//! by the key ring SQS's SSE uses, and a
//! housekeeping pass on a timer that trims records past retention, drops expired closed
//! shards and finishes deletions.

use std::sync::Arc;
use std::time::Duration;

use sluice_core::clock::Clock;
use sluice_core::kinesis::stream::StatusDelays;
use sluice_core::kinesis::{Kinesis, KinesisConfig};
use sluice_kms::{AeadIteratorSealer, Keyring};
use sluice_store::EmbeddedStore;

use crate::config::Config;

/// How often housekeeping runs. Retention is counted in hours, so a minute's lag in
/// trimming is never seen by a reader (reads stop at the retention horizon themselves).
pub const HOUSEKEEPING_INTERVAL_MS: u64 = 60_000;

pub fn start(
    config: &Config,
    store: Arc<EmbeddedStore>,
    clock: Arc<dyn Clock>,
    keyring: Arc<Keyring>,
) -> Result<Arc<Kinesis>, String> {
    let delay = config.kinesis_status_delay_ms;
    let settings = KinesisConfig {
        delays: StatusDelays {
            creating_ms: delay,
            updating_ms: delay,
            deleting_ms: delay,
        },
        throughput_limits: config.kinesis_throughput_limits,
        ..KinesisConfig::default()
    };
    let key_dir = config
        .data_dir
        .as_ref()
        .map(|dir| dir.join(crate::encryption::KEY_DIR_NAME));
    let sealer = Arc::new(AeadIteratorSealer::open(key_dir.as_deref())?);
    let kinesis = Kinesis::new(
        store.clone(),
        store,
        clock.clone(),
        sealer,
        keyring,
        settings,
    );
    let weak = Arc::downgrade(&kinesis);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(HOUSEKEEPING_INTERVAL_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(kinesis) = weak.upgrade() else {
                return;
            };
            // Every region and account with streams, not only the server's own.
            let accounts = match kinesis.stream_accounts().await {
                Ok(accounts) => accounts,
                Err(e) => {
                    tracing::warn!(error = %e.message, "kinesis housekeeping failed");
                    continue;
                }
            };
            for (region, account_id) in accounts {
                match kinesis
                    .housekeeping(&region, &account_id, clock.now_ms())
                    .await
                {
                    Ok(report) if report != Default::default() => {
                        tracing::debug!(?report, region, account_id, "kinesis housekeeping")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "kinesis housekeeping failed"),
                }
            }
        }
    });
    Ok(kinesis)
}
