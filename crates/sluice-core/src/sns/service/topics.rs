//! Topic actions: CreateTopic (idempotent while the attributes agree), DeleteTopic,
//! ListTopics (100 a page), GetTopicAttributes and SetTopicAttributes.

use std::collections::BTreeMap;

use super::{missing, page, Sns, SnsContext};
use crate::sns::api::*;
use crate::sns::error::{SnsError, SnsErrorKind, SnsResult};
use crate::sns::limits::*;
use crate::sns::names::{valid_topic_name, TopicKey};
use crate::sns::store::{NewTopic, TopicChange, TopicCreated};
use crate::sns::topic_attributes::{SetBy, SubscriptionCounts, TopicAttributes};
use crate::sqs::api::TagMap;

impl Sns {
    pub async fn create_topic(
        &self,
        ctx: &SnsContext,
        input: CreateTopicInput,
    ) -> SnsResult<String> {
        let name = input.name.as_deref().unwrap_or_default();
        let fifo_requested = input
            .attributes
            .iter()
            .any(|(k, v)| k == "FifoTopic" && v.eq_ignore_ascii_case("true"));
        if fifo_requested {
            if !valid_topic_name(name, true) {
                return Err(SnsError::new(
                    SnsErrorKind::InvalidParameter,
                    "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.",
                ));
            }
        } else if !valid_topic_name(name, false) {
            return Err(SnsError::invalid_parameter("Topic Name"));
        }
        let key = TopicKey::new(&ctx.region, &ctx.account_id, name);
        self.authorize(ctx, "CreateTopic", &key.arn(), &key.account_id, None)?;
        if input.data_protection_policy.is_some() {
            return Err(super::unsupported::create_topic_data_protection());
        }
        let tags = super::tags::check_new_tags(&input.tags)?;
        let mut attributes = TopicAttributes::defaults(fifo_requested);
        for (k, v) in &input.attributes {
            attributes.set(SetBy::CreateTopic, k, v)?;
        }
        let _edit = self.edits.lock().await;
        if let Some(existing) = self.store.topic(&key).await {
            return same_topic(&existing.attributes, &existing.tags, &input).map(|_| key.arn());
        }
        if self.store.topic_count(&ctx.region, &ctx.account_id).await >= TOPICS_PER_ACCOUNT_MAX {
            return Err(SnsError::new(
                SnsErrorKind::TopicLimitExceeded,
                "Topic limit exceeded",
            ));
        }
        let created = self
            .store
            .create_topic(
                NewTopic {
                    key: key.clone(),
                    attributes,
                    tags,
                },
                self.now(),
            )
            .await?;
        match created {
            TopicCreated::Created(_) => Ok(key.arn()),
            TopicCreated::Exists(existing) => {
                same_topic(&existing.attributes, &existing.tags, &input).map(|_| key.arn())
            }
        }
    }

    pub async fn delete_topic(&self, ctx: &SnsContext, topic_arn: Option<&str>) -> SnsResult<()> {
        let _edit = self.edits.lock().await;
        match self
            .resolve_topic(ctx, "DeleteTopic", topic_arn, "TopicArn")
            .await
        {
            Ok(topic) => {
                self.store.delete_topic(&topic.key).await?;
                self.activity.forget(&topic.key);
                Ok(())
            }
            // Deleting a topic that does not exist succeeds, as on AWS.
            Err(e) if e.kind == SnsErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn list_topics(
        &self,
        ctx: &SnsContext,
        next_token: Option<&str>,
    ) -> SnsResult<ListTopicsOutput> {
        let all = format!("arn:aws:sns:{}:{}:*", ctx.region, ctx.account_id);
        self.authorize(ctx, "ListTopics", &all, &ctx.account_id, None)?;
        let after = decode_token(next_token)?;
        let topics = self
            .store
            .list_topics(
                &ctx.region,
                &ctx.account_id,
                after.as_deref(),
                LIST_TOPICS_PAGE_SIZE + 1,
            )
            .await;
        let (topics, next) = page(topics, LIST_TOPICS_PAGE_SIZE, |t| encode_token(&t.key.name));
        Ok(ListTopicsOutput {
            topic_arns: topics.iter().map(|t| t.key.arn()).collect(),
            next_token: next,
        })
    }

    pub async fn get_topic_attributes(
        &self,
        ctx: &SnsContext,
        topic_arn: Option<&str>,
    ) -> SnsResult<BTreeMap<String, String>> {
        let topic = self
            .resolve_topic(ctx, "GetTopicAttributes", topic_arn, "TopicArn")
            .await?;
        let subscriptions = self.store.subscriptions_of_topic(&topic.key).await;
        let pending = subscriptions.iter().filter(|s| s.pending).count();
        let counts = SubscriptionCounts {
            confirmed: subscriptions.len() - pending,
            pending,
            deleted: topic.subscriptions_deleted,
        };
        Ok(topic.attributes.describe(&topic.key, counts))
    }

    pub async fn set_topic_attributes(
        &self,
        ctx: &SnsContext,
        topic_arn: Option<&str>,
        name: Option<&str>,
        value: Option<&str>,
    ) -> SnsResult<()> {
        let name = name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| missing("AttributeName"))?;
        let _edit = self.edits.lock().await;
        let topic = self
            .resolve_topic(ctx, "SetTopicAttributes", topic_arn, "TopicArn")
            .await?;
        let mut attributes = topic.attributes.clone();
        attributes.set(SetBy::SetTopicAttributes, name, value.unwrap_or_default())?;
        self.store
            .change_topic(&topic.key, TopicChange::Attributes(attributes))
            .await?;
        Ok(())
    }
}

/// CreateTopic on an existing name succeeds only if what it asks for is what the topic
/// already has (attributes it names, and tags it names), with AWS's recorded texts.
fn same_topic(
    existing: &TopicAttributes,
    tags: &TagMap,
    input: &CreateTopicInput,
) -> SnsResult<()> {
    let mut wanted = existing.clone();
    for (k, v) in &input.attributes {
        // A standard topic never records FifoTopic=false.
        if k == "FifoTopic" && !existing.fifo_topic && v.eq_ignore_ascii_case("false") {
            continue;
        }
        wanted.set(SetBy::CreateTopic, k, v)?;
    }
    if &wanted != existing {
        return Err(SnsError::invalid_attributes(
            "Topic already exists with different attributes",
        ));
    }
    let tags_differ = input
        .tags
        .iter()
        .any(|t| tags.get(&t.key) != Some(&t.value));
    if tags_differ {
        return Err(SnsError::invalid_parameter(
            "Tags Reason: Topic already exists with different tags",
        ));
    }
    Ok(())
}

/// NextToken: the name (or ARN) the next page starts after, base64 so clients treat it as
/// opaque.
pub(super) fn encode_token(after: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(after)
}

pub(super) fn decode_token(token: Option<&str>) -> SnsResult<Option<String>> {
    use base64::Engine;
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Some)
        .ok_or_else(|| SnsError::invalid_parameter("NextToken"))
}
