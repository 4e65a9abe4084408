//! The storage boundary for topics and subscriptions, in domain terms. The service
//! decides what is valid and allowed; a [`TopicStore`] makes each change atomic and,
//! for a durable store, durable before it returns. The embedded store implements it
//! (and passes the conformance suite); a shared backend would implement the same trait.

use std::sync::Arc;

use async_trait::async_trait;

use super::names::TopicKey;
use super::protocol::Protocol;
use super::subscription_attributes::SubscriptionAttributes;
use super::topic_attributes::TopicAttributes;
use crate::clock::EpochMs;
use crate::sqs::api::TagMap;

/// A topic as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMeta {
    pub key: TopicKey,
    pub attributes: TopicAttributes,
    pub tags: TagMap,
    pub created_at_ms: EpochMs,
    /// Subscriptions removed from this topic so far (SubscriptionsDeleted).
    pub subscriptions_deleted: u64,
}

/// A topic to create.
#[derive(Debug, Clone)]
pub struct NewTopic {
    pub key: TopicKey,
    pub attributes: TopicAttributes,
    pub tags: TagMap,
}

#[derive(Debug, Clone)]
pub enum TopicCreated {
    Created(TopicMeta),
    /// A topic of that name exists; it is returned unchanged.
    Exists(TopicMeta),
}

/// A change to a topic.
#[derive(Debug, Clone)]
pub enum TopicChange {
    Attributes(TopicAttributes),
    Tags(TagMap),
}

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionMeta {
    pub arn: String,
    pub topic: TopicKey,
    pub protocol: Protocol,
    pub endpoint: String,
    /// The subscriber's account (`Owner`).
    pub owner: String,
    /// Who subscribed (`SubscriptionPrincipal`).
    pub principal: String,
    pub pending: bool,
    /// The token ConfirmSubscription presents (kept after confirmation).
    pub token: Option<String>,
    pub confirmation_was_authenticated: bool,
    pub attributes: SubscriptionAttributes,
    pub created_at_ms: EpochMs,
}

/// One publish to a FIFO topic, as its deduplication window remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FifoPublish {
    pub topic: TopicKey,
    /// The message group under FifoThroughputScope `MessageGroup`, else empty.
    pub scope: String,
    pub deduplication_id: String,
    pub message_id: String,
    pub sequence_number: u128,
    pub published_at_ms: EpochMs,
}

/// What a FIFO topic's deduplication window says of a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FifoAdmission {
    /// Not seen within the window: deliver it with this sequence number (reserved now,
    /// remembered durably by `record_fifo_publish` once delivered).
    Fresh { sequence_number: u128 },
    /// A publish with the same deduplication id and scope was admitted within the
    /// window: answer as it was answered, deliver nothing.
    Duplicate(FifoPublish),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicStoreError {
    #[error("no such topic")]
    NoSuchTopic,
    #[error("no such subscription")]
    NoSuchSubscription,
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

pub type TopicStoreResult<T> = Result<T, TopicStoreError>;

/// Topics and their subscriptions, behind domain operations.
#[async_trait]
pub trait TopicStore: Send + Sync + 'static {
    /// Creates a topic, or returns the existing one of that name unchanged.
    async fn create_topic(&self, topic: NewTopic, now: EpochMs) -> TopicStoreResult<TopicCreated>;
    async fn topic(&self, key: &TopicKey) -> Option<TopicMeta>;
    /// Topics of one account in one region, in name order, starting after `after`, at
    /// most `limit` of them.
    async fn list_topics(
        &self,
        region: &str,
        account_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Vec<TopicMeta>;
    async fn topic_count(&self, region: &str, account_id: &str) -> usize;
    /// Every (region, account) with at least one topic, in that order.
    async fn topic_accounts(&self) -> Vec<(String, String)>;
    async fn change_topic(
        &self,
        key: &TopicKey,
        change: TopicChange,
    ) -> TopicStoreResult<TopicMeta>;
    /// Deletes a topic and every subscription to it.
    async fn delete_topic(&self, key: &TopicKey) -> TopicStoreResult<()>;

    /// Adds a subscription to its topic.
    async fn add_subscription(&self, subscription: SubscriptionMeta) -> TopicStoreResult<()>;
    async fn subscription(&self, arn: &str) -> Option<SubscriptionMeta>;
    async fn change_subscription(
        &self,
        arn: &str,
        attributes: SubscriptionAttributes,
    ) -> TopicStoreResult<SubscriptionMeta>;
    /// Marks a pending subscription confirmed. Its token stays: confirming again with it
    /// answers the same subscription.
    async fn confirm_subscription(
        &self,
        arn: &str,
        authenticated: bool,
    ) -> TopicStoreResult<SubscriptionMeta>;
    /// Removes a subscription; `None` if there was none.
    async fn remove_subscription(&self, arn: &str) -> TopicStoreResult<Option<SubscriptionMeta>>;
    /// Every subscription of a topic, in ARN order.
    async fn subscriptions_of_topic(&self, key: &TopicKey) -> Vec<SubscriptionMeta>;
    /// The same subscriptions as one shared snapshot, what a publish fans out to. This
    /// default copies them; a store may keep the snapshot until they change.
    async fn topic_subscribers(&self, key: &TopicKey) -> Arc<[SubscriptionMeta]> {
        self.subscriptions_of_topic(key).await.into()
    }
    /// Subscriptions to topics of one account in one region, in ARN order, starting after
    /// `after`, at most `limit`.
    async fn list_subscriptions(
        &self,
        region: &str,
        account_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Vec<SubscriptionMeta>;

    /// FIFO topics: looks `deduplication_id` up in the topic's window (ids admitted
    /// less than `fifo::DEDUPLICATION_WINDOW_MS` before `now`, within `scope`) and either
    /// answers the earlier publish or admits this one under `message_id`, with the next
    /// sequence number of the topic (`fifo::next_sequence_number`). Admission is atomic
    /// and visible at once to every caller, so concurrent duplicates deliver once.
    async fn admit_fifo_publish(
        &self,
        topic: &TopicKey,
        scope: &str,
        deduplication_id: &str,
        message_id: &str,
        now: EpochMs,
    ) -> TopicStoreResult<FifoAdmission>;
    /// Makes an admitted publish durable, after its deliveries are: a restart keeps
    /// deduplicating it for the rest of its window. (A crash before this call forgets
    /// the id; the deliveries already made carry it to FIFO queues, whose own window
    /// then drops a retried copy.)
    async fn record_fifo_publish(&self, publish: FifoPublish) -> TopicStoreResult<()>;
}
