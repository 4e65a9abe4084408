//! The HTTP/S outbox: deliveries to endpoints that were promised (a publish or a
//! Subscribe was acknowledged) and not yet made. The boundary is in domain terms:
//! enqueue deliveries (durable before the call returns), take the ones that are due,
//! settle each attempt's outcome. The embedded store implements it with journal records
//! (`sluice-store/src/outbox.rs`); a shared backend would implement the same trait.
//!
//! An entry holds the exact bytes to POST, built and signed when it was enqueued, so a
//! retry after a restart sends what the first attempt sent. Taking an entry leases it to
//! the caller in memory only: after a crash every entry is pending again, so a delivery
//! whose outcome was not yet recorded is made again (at least once, as on AWS).

use async_trait::async_trait;

use super::delivery::RetryPolicy;
use crate::clock::EpochMs;

/// What kind of document a delivery carries: its `x-amz-sns-message-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryKind {
    Notification,
    SubscriptionConfirmation,
    UnsubscribeConfirmation,
}

impl DeliveryKind {
    pub const ALL: [DeliveryKind; 3] = [
        DeliveryKind::Notification,
        DeliveryKind::SubscriptionConfirmation,
        DeliveryKind::UnsubscribeConfirmation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Notification => "Notification",
            DeliveryKind::SubscriptionConfirmation => "SubscriptionConfirmation",
            DeliveryKind::UnsubscribeConfirmation => "UnsubscribeConfirmation",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One delivery to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub subscription_arn: String,
    pub topic_arn: String,
    /// The URL to POST to.
    pub endpoint: String,
    pub kind: DeliveryKind,
    /// The document's MessageId (`x-amz-sns-message-id`).
    pub message_id: String,
    /// The exact body to POST: a signed document, or the raw message.
    pub body: String,
    /// Raw message delivery (`x-amz-sns-rawdelivery: true`).
    pub raw: bool,
    pub content_type: String,
    pub retry: RetryPolicy,
    pub max_receives_per_second: Option<u32>,
    /// When the first attempt is due.
    pub due_ms: EpochMs,
}

impl NewDelivery {
    /// Bytes the entry holds, for the outbox's bound.
    pub fn size_bytes(&self) -> usize {
        self.body.len()
            + self.subscription_arn.len()
            + self.topic_arn.len()
            + self.endpoint.len()
            + self.message_id.len()
            + self.content_type.len()
    }
}

/// A delivery in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDelivery {
    pub id: u64,
    pub delivery: NewDelivery,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub due_ms: EpochMs,
}

/// What became of an attempt (or of a decision not to attempt yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Try again at `due_ms`, having made `attempts` attempts.
    Retry { attempts: u32, due_ms: EpochMs },
    /// Delivered, dead-lettered or given up: the entry leaves the outbox.
    Finished,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The outbox holds as many deliveries (or bytes) as it may.
    #[error("the delivery outbox is full")]
    Full,
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

pub type OutboxResult<T> = Result<T, OutboxError>;

#[async_trait]
pub trait DeliveryOutbox: Send + Sync + 'static {
    /// Adds deliveries, all or none, and returns once they are durable. Refused with
    /// `Full` when they would take the outbox past its bound.
    async fn enqueue_deliveries(&self, deliveries: Vec<NewDelivery>) -> OutboxResult<Vec<u64>>;
    /// Up to `limit` deliveries due at `now`, earliest first, leased to the caller until
    /// it settles them (or the process ends).
    async fn take_due_deliveries(&self, now: EpochMs, limit: usize) -> Vec<PendingDelivery>;
    /// When the earliest delivery not leased is due, if any.
    async fn next_delivery_due_ms(&self) -> Option<EpochMs>;
    /// Records what became of a leased delivery and ends its lease. Not waited on for
    /// durability: a crash before it is durable repeats the attempt.
    async fn settle_delivery(&self, id: u64, outcome: DeliveryOutcome) -> OutboxResult<()>;
    /// Deliveries in the outbox, leased or not.
    async fn pending_deliveries(&self) -> usize;
}
