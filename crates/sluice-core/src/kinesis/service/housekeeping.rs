//! The periodic work no request triggers: trimming records past their stream's
//! retention, dropping closed shards whose records have all expired (AWS stops listing
//! them), and removing streams whose DELETING time has run out. The server calls
//! [`Kinesis::housekeeping`] on a timer with the clock's `now`; tests call it after moving
//! a manual clock.

use super::{address, catalog_error, log_error, Kinesis};
use crate::clock::EpochMs;
use crate::kinesis::error::KinesisResult;
use crate::kinesis::store::{CatalogError, LogError, StreamChange};

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    pub records_trimmed: u64,
    pub shards_expired: usize,
    pub streams_removed: usize,
}

/// Streams read from the catalog per page.
const STREAMS_PAGE: usize = 100;

impl Kinesis {
    /// Every (region, account) that has streams: where a housekeeping pass goes.
    pub async fn stream_accounts(&self) -> KinesisResult<Vec<(String, String)>> {
        self.catalog.stream_accounts().await.map_err(catalog_error)
    }

    /// One pass over every stream of an account in a region at `now`.
    pub async fn housekeeping(
        &self,
        region: &str,
        account_id: &str,
        now: EpochMs,
    ) -> KinesisResult<HousekeepingReport> {
        let mut report = HousekeepingReport::default();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .catalog
                .list_streams(region, account_id, after.as_deref(), STREAMS_PAGE)
                .await
                .map_err(catalog_error)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.key.name.clone());
            let full = page.len() == STREAMS_PAGE;
            for meta in page {
                if meta.lifecycle.status(now).is_none() {
                    let _edit = self.edits.lock().await;
                    self.finish_deletion(&meta).await?;
                    report.streams_removed += 1;
                    continue;
                }
                let horizon = meta.settings.trim_horizon_ms(now, meta.created_at_ms);
                for shard in &meta.shards.shards {
                    match self.log.trim(&address(&meta, shard.index), horizon).await {
                        Ok(n) => report.records_trimmed += n,
                        // Expired or deleted meanwhile: nothing left to trim.
                        Err(LogError::NoSuchShard) => {}
                        Err(e) => return Err(log_error(e)),
                    }
                }
                report.shards_expired += self.expire_shards(&meta.key, now).await?;
            }
            if !full {
                break;
            }
        }
        Ok(report)
    }

    /// Drops a stream's closed shards whose records are all past retention: from the
    /// catalog first, then their logs (a crash between leaves only unlisted logs).
    async fn expire_shards(
        &self,
        key: &crate::kinesis::names::StreamKey,
        now: EpochMs,
    ) -> KinesisResult<usize> {
        let _edit = self.edits.lock().await;
        let Some(meta) = self.live_stream(key, now).await? else {
            return Ok(0);
        };
        let horizon = meta.settings.trim_horizon_ms(now, meta.created_at_ms);
        let mut shards = meta.shards.clone();
        let gone = shards.expire(horizon);
        if gone.is_empty() {
            return Ok(0);
        }
        let change = StreamChange::Shards {
            shards,
            lifecycle: meta.lifecycle,
            account_shard_limit: u32::MAX,
        };
        match self
            .catalog
            .change_stream(&meta.key, meta.revision, change)
            .await
        {
            Ok(_) => {}
            // Changed meanwhile: the next pass will do it.
            Err(CatalogError::Conflict { .. } | CatalogError::NoSuchStream) => return Ok(0),
            Err(other) => return Err(catalog_error(other)),
        }
        self.log
            .delete_shards(&meta.key, meta.created_at_ms, &gone)
            .await
            .map_err(log_error)?;
        Ok(gone.len())
    }
}
