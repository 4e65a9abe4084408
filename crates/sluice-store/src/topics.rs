//! SNS topics and subscriptions in the embedded store: their journal records and the
//! state they rebuild. The records are the store's own types, not the core's: attributes
//! go to disk as the AWS name/value pairs they were set with, so a change to a core
//! struct cannot silently change the disk format. Live changes and replay both go
//! through [`TopicState::apply`], so they end in the same state.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sluice_core::clock::EpochMs;
use sluice_core::sns::protocol::Protocol;
use sluice_core::sns::store::{SubscriptionMeta, TopicMeta};
use sluice_core::sns::subscription_attributes::SubscriptionAttributes;
use sluice_core::sns::topic_attributes::TopicAttributes;
use sluice_core::sns::TopicKey;

use crate::fifo_topics::FifoWindows;
use crate::record::Record;

/// A topic as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRecord {
    pub region: String,
    pub account_id: String,
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub created_at_ms: u64,
    pub subscriptions_deleted: u64,
}

/// A subscription as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRecord {
    pub arn: String,
    pub topic_region: String,
    pub topic_account_id: String,
    pub topic_name: String,
    pub protocol: String,
    pub endpoint: String,
    pub owner: String,
    pub principal: String,
    pub pending: bool,
    pub token: Option<String>,
    pub confirmation_was_authenticated: bool,
    pub attributes: Vec<(String, String)>,
    pub created_at_ms: u64,
}

impl TopicRecord {
    pub fn of(meta: &TopicMeta) -> Self {
        Self {
            region: meta.key.region.clone(),
            account_id: meta.key.account_id.clone(),
            name: meta.key.name.clone(),
            attributes: meta.attributes.stored_pairs(),
            tags: meta
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            created_at_ms: meta.created_at_ms,
            subscriptions_deleted: meta.subscriptions_deleted,
        }
    }

    fn into_meta(self) -> TopicMeta {
        TopicMeta {
            key: TopicKey::new(&self.region, &self.account_id, &self.name),
            attributes: TopicAttributes::from_stored_pairs(&self.attributes),
            tags: self.tags.into_iter().collect(),
            created_at_ms: self.created_at_ms,
            subscriptions_deleted: self.subscriptions_deleted,
        }
    }
}

impl SubscriptionRecord {
    pub fn of(s: &SubscriptionMeta) -> Self {
        Self {
            arn: s.arn.clone(),
            topic_region: s.topic.region.clone(),
            topic_account_id: s.topic.account_id.clone(),
            topic_name: s.topic.name.clone(),
            protocol: s.protocol.as_str().to_owned(),
            endpoint: s.endpoint.clone(),
            owner: s.owner.clone(),
            principal: s.principal.clone(),
            pending: s.pending,
            token: s.token.clone(),
            confirmation_was_authenticated: s.confirmation_was_authenticated,
            attributes: s.attributes.stored_pairs(),
            created_at_ms: s.created_at_ms,
        }
    }

    fn into_meta(self) -> Result<SubscriptionMeta, String> {
        let protocol = Protocol::parse(&self.protocol).map_err(|_| {
            format!(
                "subscription {}: unknown protocol {}",
                self.arn, self.protocol
            )
        })?;
        Ok(SubscriptionMeta {
            topic: TopicKey::new(&self.topic_region, &self.topic_account_id, &self.topic_name),
            protocol,
            attributes: SubscriptionAttributes::from_stored_pairs(&self.attributes),
            arn: self.arn,
            endpoint: self.endpoint,
            owner: self.owner,
            principal: self.principal,
            pending: self.pending,
            token: self.token,
            confirmation_was_authenticated: self.confirmation_was_authenticated,
            created_at_ms: self.created_at_ms,
        })
    }
}

/// Every topic and subscription.
#[derive(Debug, Default)]
pub(crate) struct TopicState {
    pub topics: BTreeMap<TopicKey, TopicMeta>,
    pub subscriptions: BTreeMap<String, SubscriptionMeta>,
    /// Each topic's subscription ARNs.
    pub by_topic: BTreeMap<TopicKey, BTreeSet<String>>,
    /// FIFO topics' deduplication windows.
    pub fifo: FifoWindows,
    /// Each topic's subscriptions as publishes fan out to them, shared, kept until the
    /// topic or one of its subscriptions changes (see `topic_subscribers`).
    pub subscribers: BTreeMap<TopicKey, Arc<[SubscriptionMeta]>>,
}

impl TopicState {
    /// Applies one SNS record, live or at replay. Other records are not SNS's.
    pub fn apply(&mut self, record: Record) -> Result<(), String> {
        match record {
            Record::TopicSaved(topic) => {
                let meta = topic.into_meta();
                self.subscribers.remove(&meta.key);
                self.by_topic.entry(meta.key.clone()).or_default();
                self.topics.insert(meta.key.clone(), meta);
            }
            Record::TopicRemoved {
                region,
                account_id,
                name,
            } => {
                let key = TopicKey::new(&region, &account_id, &name);
                self.subscribers.remove(&key);
                self.topics.remove(&key);
                self.fifo.forget_topic(&key);
                for arn in self.by_topic.remove(&key).unwrap_or_default() {
                    self.subscriptions.remove(&arn);
                }
            }
            Record::SubscriptionSaved(subscription) => {
                let meta = subscription.into_meta()?;
                self.subscribers.remove(&meta.topic);
                // A subscription outlives nothing: its topic must still exist.
                if let Some(arns) = self.by_topic.get_mut(&meta.topic) {
                    arns.insert(meta.arn.clone());
                    self.subscriptions.insert(meta.arn.clone(), meta);
                }
            }
            Record::SubscriptionRemoved { arn } => {
                if let Some(meta) = self.subscriptions.remove(&arn) {
                    self.subscribers.remove(&meta.topic);
                    if let Some(arns) = self.by_topic.get_mut(&meta.topic) {
                        arns.remove(&arn);
                    }
                    if let Some(topic) = self.topics.get_mut(&meta.topic) {
                        topic.subscriptions_deleted += 1;
                    }
                }
            }
            Record::FifoPublished(publish) => {
                let key = TopicKey::new(&publish.region, &publish.account_id, &publish.name);
                // A window outlives nothing either.
                if self.topics.contains_key(&key) {
                    self.fifo.apply(publish);
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Records that rebuild every topic and subscription.
    pub fn snapshot_records(&self, out: &mut Vec<Vec<u8>>) {
        for topic in self.topics.values() {
            out.push(Record::TopicSaved(TopicRecord::of(topic)).encode());
        }
        for subscription in self.subscriptions.values() {
            out.push(Record::SubscriptionSaved(SubscriptionRecord::of(subscription)).encode());
        }
        for publish in self.fifo.snapshot_records() {
            out.push(Record::FifoPublished(publish).encode());
        }
    }

    /// Subscriptions of topics in one account and region, in ARN order after `after`.
    pub fn subscriptions_in<'a>(
        &'a self,
        region: &'a str,
        account_id: &'a str,
        after: Option<&str>,
    ) -> impl Iterator<Item = &'a SubscriptionMeta> + 'a {
        let start = after.map_or(std::ops::Bound::Unbounded, |a| {
            std::ops::Bound::Excluded(a.to_owned())
        });
        self.subscriptions
            .range::<String, _>((start, std::ops::Bound::Unbounded))
            .map(|(_, s)| s)
            .filter(move |s| s.topic.region == region && s.topic.account_id == account_id)
    }
}

/// When a topic was created, for records built before it is stored.
pub(crate) fn new_topic_meta(
    key: TopicKey,
    attributes: TopicAttributes,
    tags: sluice_core::sqs::api::TagMap,
    now: EpochMs,
) -> TopicMeta {
    TopicMeta {
        key,
        attributes,
        tags,
        created_at_ms: now,
        subscriptions_deleted: 0,
    }
}

#[cfg(test)]
mod tests {
    use sluice_core::sns::topic_attributes::SetBy;

    use super::*;

    #[test]
    fn snapshots_rebuild_topics_and_subscriptions() {
        let mut state = TopicState::default();
        let key = TopicKey::new("us-east-1", "000000000000", "t");
        let mut attributes = TopicAttributes::defaults(false);
        attributes
            .set(SetBy::CreateTopic, "DisplayName", "T")
            .unwrap();
        let topic = new_topic_meta(
            key.clone(),
            attributes,
            [("k".to_owned(), "v".to_owned())].into(),
            7,
        );
        state
            .apply(Record::TopicSaved(TopicRecord::of(&topic)))
            .unwrap();
        let mut kept = SubscriptionMeta {
            arn: key.new_subscription_arn(),
            topic: key.clone(),
            protocol: Protocol::Http,
            endpoint: "http://x".into(),
            owner: "000000000000".into(),
            principal: "arn:aws:iam::000000000000:root".into(),
            pending: true,
            token: Some("tok".into()),
            confirmation_was_authenticated: false,
            attributes: SubscriptionAttributes::default(),
            created_at_ms: 8,
        };
        kept.attributes.raw_message_delivery = true;
        let gone = SubscriptionMeta {
            arn: key.new_subscription_arn(),
            ..kept.clone()
        };
        for s in [&kept, &gone] {
            state
                .apply(Record::SubscriptionSaved(SubscriptionRecord::of(s)))
                .unwrap();
        }
        state
            .apply(Record::SubscriptionRemoved {
                arn: gone.arn.clone(),
            })
            .unwrap();

        let mut records = Vec::new();
        state.snapshot_records(&mut records);
        let mut rebuilt = TopicState::default();
        for bytes in records {
            rebuilt.apply(Record::decode(&bytes).unwrap()).unwrap();
        }
        assert_eq!(rebuilt.topics, state.topics);
        assert_eq!(rebuilt.subscriptions, state.subscriptions);
        assert_eq!(rebuilt.by_topic, state.by_topic);
        assert_eq!(rebuilt.topics[&key].subscriptions_deleted, 1);
        assert_eq!(rebuilt.subscriptions[&kept.arn], kept);
    }

    #[test]
    fn sns_records_come_after_every_older_variant() {
        // Postcard numbers variants by position: Reset is 16, the SNS records follow it,
        // so journals written before SNS still decode.
        assert_eq!(Record::Reset.encode(), [16]);
        let removed = Record::SubscriptionRemoved { arn: String::new() }.encode();
        assert_eq!(removed[0], 20);
    }
}
