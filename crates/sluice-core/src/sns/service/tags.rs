//! Tagging actions on topics: TagResource, UntagResource, ListTagsForResource, and the
//! checks tags pass at CreateTopic. AWS answers a missing resource here with
//! `ResourceNotFound` rather than `NotFound`.

use super::{missing, Sns, SnsContext};
use crate::sns::api::Tag;
use crate::sns::error::{SnsError, SnsErrorKind, SnsResult};
use crate::sns::limits::*;
use crate::sns::names::parse_topic_arn;
use crate::sns::store::{TopicChange, TopicMeta};
use crate::sqs::api::TagMap;

/// Checks tags given at creation or to TagResource and returns them as a map.
pub(super) fn check_new_tags(tags: &[Tag]) -> SnsResult<TagMap> {
    let mut map = TagMap::new();
    for tag in tags {
        let key_len = tag.key.chars().count();
        if !(TAG_KEY_MIN_CHARS..=TAG_KEY_MAX_CHARS).contains(&key_len) {
            return Err(SnsError::invalid_parameter(
                "Tags Reason: The tag key is not valid",
            ));
        }
        if tag.value.chars().count() > TAG_VALUE_MAX_CHARS {
            return Err(SnsError::invalid_parameter(
                "Tags Reason: The tag value is not valid",
            ));
        }
        if map.insert(tag.key.clone(), tag.value.clone()).is_some() {
            return Err(SnsError::invalid_parameter(
                "Duplicated keys are not allowed.",
            ));
        }
    }
    if map.len() > TAGS_PER_TOPIC_MAX {
        return Err(tag_limit());
    }
    Ok(map)
}

fn tag_limit() -> SnsError {
    SnsError::new(
        SnsErrorKind::TagLimitExceeded,
        "Could not complete request: tag quota of per resource exceeded",
    )
}

impl Sns {
    pub async fn tag_resource(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
        tags: &[Tag],
    ) -> SnsResult<()> {
        if tags.is_empty() {
            return Err(missing("Tags"));
        }
        let new = check_new_tags(tags)?;
        let _edit = self.edits.lock().await;
        let topic = self.tagged_topic(ctx, "TagResource", arn).await?;
        let mut all = topic.tags.clone();
        all.extend(new);
        if all.len() > TAGS_PER_TOPIC_MAX {
            return Err(tag_limit());
        }
        self.store
            .change_topic(&topic.key, TopicChange::Tags(all))
            .await?;
        Ok(())
    }

    pub async fn untag_resource(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
        keys: &[String],
    ) -> SnsResult<()> {
        let _edit = self.edits.lock().await;
        let topic = self.tagged_topic(ctx, "UntagResource", arn).await?;
        let mut all = topic.tags.clone();
        for key in keys {
            all.remove(key);
        }
        self.store
            .change_topic(&topic.key, TopicChange::Tags(all))
            .await?;
        Ok(())
    }

    pub async fn list_tags_for_resource(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
    ) -> SnsResult<Vec<Tag>> {
        let topic = self.tagged_topic(ctx, "ListTagsForResource", arn).await?;
        Ok(topic
            .tags
            .into_iter()
            .map(|(key, value)| Tag { key, value })
            .collect())
    }

    async fn tagged_topic(
        &self,
        ctx: &SnsContext,
        action: &str,
        arn: Option<&str>,
    ) -> SnsResult<TopicMeta> {
        let key = parse_topic_arn(arn.unwrap_or_default(), "ResourceArn")?;
        let topic = self.store.topic(&key).await;
        self.authorize(ctx, action, &key.arn(), &key.account_id, topic.as_ref())?;
        topic.ok_or_else(SnsError::resource_not_found)
    }
}
