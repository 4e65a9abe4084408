//! The SNS service: one method per AWS action, taking typed input and returning typed
//! output. It validates as AWS does, authorises with the shared access engine, then asks
//! the [`TopicStore`] to make the change. Nothing here knows about HTTP.
//!
//! - `topics.rs`: CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes.
//! - `subscriptions.rs`: Subscribe, ConfirmSubscription, Unsubscribe, the list actions,
//!   Get/SetSubscriptionAttributes.
//! - `publish.rs`: Publish and its fan-out to queue subscriptions; `publish_batch.rs`:
//!   PublishBatch over the same fan-out.
//! - `fifo_lanes.rs`: the per-group turns that keep FIFO topics in order.
//! - `document.rs`: the Notification document a subscription receives.
//! - `tags.rs`: TagResource, UntagResource, ListTagsForResource.
//! - `permissions.rs`: AddPermission and RemovePermission, edits of the topic policy.
//! - `unsupported.rs`: mobile push, SMS and data protection, answered as AWS answers an
//!   account without them, or refused by name.
//! - `undelivered.rs`: deliveries over protocols Sluice does not deliver (e-mail, SMS,
//!   Lambda, Firehose, mobile push), logged as not delivered.
//! - `http_delivery.rs`: what goes to the HTTP/S outbox, and what its worker asks;
//!   `dead_letter.rs`: subscription dead-letter queues.
//! - `observe.rs`: what publishes and deliveries write to each topic's activity
//!   (counters and recent deliveries, `sns/activity.rs`).

mod dead_letter;
pub(crate) mod document;
mod fifo_lanes;
mod http_delivery;
mod observe;
mod permissions;
mod publish;
mod publish_batch;
mod subscriptions;
mod tags;
mod topics;
mod undelivered;
mod unsupported;

pub use dead_letter::{dead_letter_target, DeadLetter};
pub use observe::AttemptEnd;
pub use permissions::AddPermissionInput;
pub use publish::{signing_cert_url, Fanout, SIGNING_CERT_PATH, SNS_SERVICE_PRINCIPAL};
pub use undelivered::delivered_by_sluice;

use std::sync::Arc;

use super::access::check_action;
use super::activity::SnsActivity;
use super::error::{SnsError, SnsErrorKind, SnsResult};
use super::filter::FilterCache;
use super::names::{parse_topic_arn, TopicKey};
use super::outbox::DeliveryOutbox;
use super::store::{TopicMeta, TopicStore, TopicStoreError};
use super::topic_attributes::default_topic_policy;
use crate::access::{Access, PolicyCache};
use crate::clock::{Clock, EpochMs};

/// Who is asking.
#[derive(Debug, Clone)]
pub struct SnsContext {
    pub region: String,
    pub account_id: String,
    /// The caller's ARN, recorded as a subscription's `SubscriptionPrincipal`.
    pub principal_arn: String,
    /// The authenticated caller and its action; `None` on an open server.
    pub access: Option<Access>,
}

impl SnsContext {
    /// A caller of an open server: the account's root.
    pub fn open(region: &str, account_id: &str) -> Self {
        Self {
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            principal_arn: format!("arn:aws:iam::{account_id}:root"),
            access: None,
        }
    }
}

/// The SNS service over a store and a clock.
pub struct Sns {
    store: Arc<dyn TopicStore>,
    clock: Arc<dyn Clock>,
    /// Held while a topic or subscription is read, checked and written back, so that
    /// concurrent edits (and concurrent identical Subscribes) cannot undo each other.
    edits: tokio::sync::Mutex<()>,
    /// Topic policies, parsed once for access checks.
    policies: PolicyCache,
    /// Subscriptions' filter policies, parsed once.
    filters: FilterCache,
    /// FIFO message groups' turns (`fifo_lanes.rs`).
    fifo_lanes: fifo_lanes::FifoLanes,
    /// Where HTTP/S deliveries wait for the server's delivery worker.
    outbox: Option<Arc<dyn DeliveryOutbox>>,
    /// Wakes the delivery worker when a delivery is enqueued.
    delivery_wake: Arc<tokio::sync::Notify>,
    /// Publishes' signatures running on blocking threads: one per core at most.
    signing_slots: Arc<tokio::sync::Semaphore>,
    /// Each topic's counters and recent deliveries (`observe.rs`).
    activity: SnsActivity,
}

impl Sns {
    /// A service without an HTTP/S outbox: deliveries to HTTP/S endpoints are logged
    /// and dropped.
    pub fn new(store: Arc<dyn TopicStore>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Self::build(store, clock, None)
    }

    /// A service whose HTTP/S deliveries go to `outbox`.
    pub fn with_outbox(
        store: Arc<dyn TopicStore>,
        clock: Arc<dyn Clock>,
        outbox: Arc<dyn DeliveryOutbox>,
    ) -> Arc<Self> {
        Self::build(store, clock, Some(outbox))
    }

    fn build(
        store: Arc<dyn TopicStore>,
        clock: Arc<dyn Clock>,
        outbox: Option<Arc<dyn DeliveryOutbox>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            clock,
            edits: tokio::sync::Mutex::new(()),
            policies: PolicyCache::default(),
            filters: FilterCache::default(),
            fifo_lanes: fifo_lanes::FifoLanes::default(),
            outbox,
            delivery_wake: Arc::new(tokio::sync::Notify::new()),
            signing_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, usize::from),
            )),
            activity: SnsActivity::default(),
        })
    }

    pub fn store(&self) -> &Arc<dyn TopicStore> {
        &self.store
    }

    pub fn now(&self) -> EpochMs {
        self.clock.now_ms()
    }

    /// Refuses `action` on `arn` unless the caller may perform it. `topic`: the topic
    /// whose policy applies, if it exists.
    fn authorize(
        &self,
        ctx: &SnsContext,
        action: &str,
        arn: &str,
        account_id: &str,
        topic: Option<&TopicMeta>,
    ) -> SnsResult<()> {
        let Some(access) = &ctx.access else {
            return Ok(());
        };
        let policy_text = topic.map(|t| {
            t.attributes
                .policy
                .clone()
                .unwrap_or_else(|| default_topic_policy(&t.key))
        });
        let policy = policy_text.and_then(|text| self.policies.get(&text));
        check_action(
            access,
            action,
            arn,
            account_id,
            policy.as_deref(),
            self.now(),
        )
    }

    /// The topic a TopicArn parameter names, once the caller may perform `action` on it.
    /// Authorised before existence, so callers without access learn nothing.
    async fn resolve_topic(
        &self,
        ctx: &SnsContext,
        action: &str,
        arn: Option<&str>,
        member: &str,
    ) -> SnsResult<TopicMeta> {
        let key = topic_key(arn, member)?;
        // A topic is reached only in its own region: AWS answers another region's ARN
        // as a bad parameter, before any access decision.
        if key.region != ctx.region {
            return Err(SnsError::invalid_parameter(member));
        }
        let topic = self.store.topic(&key).await;
        self.authorize(ctx, action, &key.arn(), &key.account_id, topic.as_ref())?;
        topic.ok_or_else(SnsError::topic_not_found)
    }
}

/// Parses a required topic ARN parameter.
fn topic_key(arn: Option<&str>, member: &str) -> SnsResult<TopicKey> {
    parse_topic_arn(arn.unwrap_or_default(), member)
}

/// A missing required parameter, worded as AWS's validation layer does.
pub(crate) fn missing(member: &str) -> SnsError {
    SnsError::invalid_parameter(format!("{member} Reason: cannot be empty"))
}

impl From<TopicStoreError> for SnsError {
    fn from(e: TopicStoreError) -> Self {
        match e {
            TopicStoreError::NoSuchTopic => SnsError::topic_not_found(),
            TopicStoreError::NoSuchSubscription => SnsError::subscription_not_found(),
            TopicStoreError::Unavailable(reason) => SnsError::new(
                SnsErrorKind::ServiceUnavailable,
                format!("The service is unavailable: {reason}"),
            ),
        }
    }
}

/// Splits a page of `items` (already fetched one past `limit`) into the page and the
/// token of the next one.
fn page<T>(
    mut items: Vec<T>,
    limit: usize,
    token_of: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    if items.len() > limit {
        items.truncate(limit);
        let next = items.last().map(token_of);
        (items, next)
    } else {
        (items, None)
    }
}
