//! The embedded store's [`TopicStore`]: each change is one journal record appended under
//! the state lock and then applied to the state through the same path replay uses; the
//! call returns once the record is durable. Reading a topic and writing it back are two
//! critical sections: the SNS service serialises its edits (`Sns::edits`), so no other
//! edit can come between them.

use std::sync::Arc;

use async_trait::async_trait;
use sluice_core::clock::EpochMs;
use sluice_core::sns::store::*;
use sluice_core::sns::subscription_attributes::SubscriptionAttributes;
use sluice_core::sns::TopicKey;
use sluice_core::sqs::store::StoreError;

use crate::fifo_topics::FifoPublishRecord;
use crate::record::Record;
use crate::topics::{new_topic_meta, SubscriptionRecord, TopicRecord};
use crate::EmbeddedStore;

fn unavailable(e: StoreError) -> TopicStoreError {
    TopicStoreError::Unavailable(match e {
        StoreError::Unavailable(reason) => reason,
        other => other.to_string(),
    })
}

impl EmbeddedStore {
    /// Journals `record` and applies it to the topic state, in one critical section,
    /// then waits until it is durable.
    async fn commit_topic_record(&self, record: Record) -> TopicStoreResult<()> {
        self.check_writable().map_err(unavailable)?;
        let lsn = {
            let mut state = self.state.lock();
            let lsn = self
                .journal(std::slice::from_ref(&record))
                .map_err(unavailable)?;
            state
                .topics
                .apply(record)
                .map_err(TopicStoreError::Unavailable)?;
            lsn
        };
        self.durable(lsn).await.map_err(unavailable)
    }
}

#[async_trait]
impl TopicStore for EmbeddedStore {
    async fn create_topic(&self, topic: NewTopic, now: EpochMs) -> TopicStoreResult<TopicCreated> {
        if let Some(existing) = self.state.lock().topics.topics.get(&topic.key) {
            return Ok(TopicCreated::Exists(existing.clone()));
        }
        let meta = new_topic_meta(topic.key, topic.attributes, topic.tags, now);
        self.commit_topic_record(Record::TopicSaved(TopicRecord::of(&meta)))
            .await?;
        Ok(TopicCreated::Created(meta))
    }

    async fn topic(&self, key: &TopicKey) -> Option<TopicMeta> {
        self.state.lock().topics.topics.get(key).cloned()
    }

    async fn list_topics(
        &self,
        region: &str,
        account_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Vec<TopicMeta> {
        let state = self.state.lock();
        let from = TopicKey::new(region, account_id, after.unwrap_or_default());
        state
            .topics
            .topics
            .range(from..)
            .map(|(_, t)| t)
            .take_while(|t| t.key.region == region && t.key.account_id == account_id)
            .filter(|t| after.is_none_or(|a| t.key.name.as_str() > a))
            .take(limit)
            .cloned()
            .collect()
    }

    async fn topic_count(&self, region: &str, account_id: &str) -> usize {
        let state = self.state.lock();
        state
            .topics
            .topics
            .keys()
            .filter(|k| k.region == region && k.account_id == account_id)
            .count()
    }

    async fn topic_accounts(&self) -> Vec<(String, String)> {
        let state = self.state.lock();
        let mut accounts: Vec<(String, String)> = Vec::new();
        // Topics are kept in key order (region, account, name): each account's run of
        // topics is contiguous.
        for key in state.topics.topics.keys() {
            if accounts
                .last()
                .is_none_or(|(r, a)| *r != key.region || *a != key.account_id)
            {
                accounts.push((key.region.clone(), key.account_id.clone()));
            }
        }
        accounts
    }

    async fn change_topic(
        &self,
        key: &TopicKey,
        change: TopicChange,
    ) -> TopicStoreResult<TopicMeta> {
        let mut meta = self
            .state
            .lock()
            .topics
            .topics
            .get(key)
            .cloned()
            .ok_or(TopicStoreError::NoSuchTopic)?;
        match change {
            TopicChange::Attributes(attributes) => meta.attributes = attributes,
            TopicChange::Tags(tags) => meta.tags = tags,
        }
        self.commit_topic_record(Record::TopicSaved(TopicRecord::of(&meta)))
            .await?;
        Ok(meta)
    }

    async fn delete_topic(&self, key: &TopicKey) -> TopicStoreResult<()> {
        if !self.state.lock().topics.topics.contains_key(key) {
            return Err(TopicStoreError::NoSuchTopic);
        }
        self.commit_topic_record(Record::TopicRemoved {
            region: key.region.clone(),
            account_id: key.account_id.clone(),
            name: key.name.clone(),
        })
        .await
    }

    async fn add_subscription(&self, subscription: SubscriptionMeta) -> TopicStoreResult<()> {
        if !self
            .state
            .lock()
            .topics
            .topics
            .contains_key(&subscription.topic)
        {
            return Err(TopicStoreError::NoSuchTopic);
        }
        self.commit_topic_record(Record::SubscriptionSaved(SubscriptionRecord::of(
            &subscription,
        )))
        .await
    }

    async fn subscription(&self, arn: &str) -> Option<SubscriptionMeta> {
        self.state.lock().topics.subscriptions.get(arn).cloned()
    }

    async fn change_subscription(
        &self,
        arn: &str,
        attributes: SubscriptionAttributes,
    ) -> TopicStoreResult<SubscriptionMeta> {
        let mut meta = self
            .subscription(arn)
            .await
            .ok_or(TopicStoreError::NoSuchSubscription)?;
        meta.attributes = attributes;
        self.commit_topic_record(Record::SubscriptionSaved(SubscriptionRecord::of(&meta)))
            .await?;
        Ok(meta)
    }

    async fn confirm_subscription(
        &self,
        arn: &str,
        authenticated: bool,
    ) -> TopicStoreResult<SubscriptionMeta> {
        let mut meta = self
            .subscription(arn)
            .await
            .ok_or(TopicStoreError::NoSuchSubscription)?;
        meta.pending = false;
        meta.confirmation_was_authenticated = authenticated;
        self.commit_topic_record(Record::SubscriptionSaved(SubscriptionRecord::of(&meta)))
            .await?;
        Ok(meta)
    }

    async fn remove_subscription(&self, arn: &str) -> TopicStoreResult<Option<SubscriptionMeta>> {
        let Some(meta) = self.subscription(arn).await else {
            return Ok(None);
        };
        self.commit_topic_record(Record::SubscriptionRemoved {
            arn: arn.to_owned(),
        })
        .await?;
        Ok(Some(meta))
    }

    async fn subscriptions_of_topic(&self, key: &TopicKey) -> Vec<SubscriptionMeta> {
        let state = self.state.lock();
        let topics = &state.topics;
        topics
            .by_topic
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|arn| topics.subscriptions.get(arn).cloned())
            .collect()
    }

    async fn topic_subscribers(&self, key: &TopicKey) -> Arc<[SubscriptionMeta]> {
        let mut state = self.state.lock();
        let topics = &mut state.topics;
        if let Some(subscribers) = topics.subscribers.get(key) {
            return subscribers.clone();
        }
        let subscribers: Arc<[SubscriptionMeta]> = topics
            .by_topic
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|arn| topics.subscriptions.get(arn).cloned())
            .collect();
        // Kept only for a topic that exists, so publishes to missing topics leave nothing.
        if topics.topics.contains_key(key) {
            topics.subscribers.insert(key.clone(), subscribers.clone());
        }
        subscribers
    }

    async fn list_subscriptions(
        &self,
        region: &str,
        account_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Vec<SubscriptionMeta> {
        let state = self.state.lock();
        state
            .topics
            .subscriptions_in(region, account_id, after)
            .take(limit)
            .cloned()
            .collect()
    }

    async fn admit_fifo_publish(
        &self,
        topic: &TopicKey,
        scope: &str,
        deduplication_id: &str,
        message_id: &str,
        now: EpochMs,
    ) -> TopicStoreResult<FifoAdmission> {
        let mut state = self.state.lock();
        if !state.topics.topics.contains_key(topic) {
            return Err(TopicStoreError::NoSuchTopic);
        }
        Ok(state
            .topics
            .fifo
            .admit(topic, scope, deduplication_id, message_id, now))
    }

    async fn record_fifo_publish(&self, publish: FifoPublish) -> TopicStoreResult<()> {
        self.commit_topic_record(Record::FifoPublished(FifoPublishRecord::of(&publish)))
            .await
    }
}
