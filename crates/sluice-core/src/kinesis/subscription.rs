//! SubscribeToShard's rules: a subscription lasts five minutes, and a consumer may not
//! subscribe to the same shard again within five seconds of its last subscription
//! (ResourceInUseException), as the SubscribeToShard API reference states.

use super::error::{KinesisError, KinesisErrorKind, KinesisResult};
use super::limits::{SUBSCRIBE_REPEAT_MIN_INTERVAL_MS, SUBSCRIPTION_LIFETIME_MS};
use crate::clock::EpochMs;

/// When a subscription started at `started_at_ms` ends (the server then closes the event
/// stream and the client subscribes again).
pub fn subscription_ends_at(started_at_ms: EpochMs) -> EpochMs {
    started_at_ms.saturating_add(SUBSCRIPTION_LIFETIME_MS)
}

/// Whether a new subscription of `consumer_arn` to `shard_id` may start at `now`, given
/// when the previous one started. The text is Sluice's (inferred: AWS's was not recorded).
pub fn check_resubscribe(
    previous_started_at_ms: Option<EpochMs>,
    now: EpochMs,
    consumer_arn: &str,
    shard_id: &str,
) -> KinesisResult<()> {
    match previous_started_at_ms {
        Some(prev) if now.saturating_sub(prev) < SUBSCRIBE_REPEAT_MIN_INTERVAL_MS => {
            Err(KinesisError::new(
                KinesisErrorKind::ResourceInUse,
                format!(
                    "Another subscription for consumer {consumer_arn} and shard {shard_id} \
                     started less than 5 seconds ago."
                ),
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_last_five_minutes_and_wait_five_seconds() {
        assert_eq!(subscription_ends_at(1_000), 301_000);
        assert!(check_resubscribe(None, 0, "arn", "shardId-000000000000").is_ok());
        let e = check_resubscribe(Some(10_000), 14_999, "arn", "shardId-000000000000").unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::ResourceInUse);
        assert!(check_resubscribe(Some(10_000), 15_000, "arn", "shardId-000000000000").is_ok());
    }
}
