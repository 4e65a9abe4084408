//! Tags and resource policies: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream
//! (streams by name or ARN), TagResource, UntagResource, ListTagsForResource (streams
//! and consumers by ARN), and Put/Get/DeleteResourcePolicy. A stored policy is the
//! resource policy every later access decision on that stream or consumer reads.

use sluice_auth::policy::PolicyDocument;

use super::{catalog_error, missing, Kinesis, KinesisContext};
use crate::kinesis::api::*;
use crate::kinesis::error::{KinesisError, KinesisErrorKind, KinesisResult};
use crate::kinesis::limits::{
    LIST_TAGS_LIMIT_DEFAULT, LIST_TAGS_LIMIT_MAX, RESOURCE_POLICY_MAX_BYTES,
};
use crate::kinesis::names::{parse_consumer_arn, parse_stream_arn};
use crate::kinesis::store::{ConsumerChange, ConsumerMeta, StreamChange, StreamMeta};
use crate::kinesis::tags::{add_tags, remove_tags};
use crate::sqs::api::TagMap;

/// What a ResourceARN names.
enum Resource {
    Stream(StreamMeta),
    Consumer(StreamMeta, ConsumerMeta),
}

impl Kinesis {
    pub async fn add_tags_to_stream(
        &self,
        ctx: &KinesisContext,
        input: AddTagsToStreamInput,
    ) -> KinesisResult<()> {
        let _edit = self.edits.lock().await;
        let meta = self
            .stream_for(
                ctx,
                "AddTagsToStream",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        self.tag_stream(meta, &input.tags).await
    }

    pub async fn remove_tags_from_stream(
        &self,
        ctx: &KinesisContext,
        input: RemoveTagsFromStreamInput,
    ) -> KinesisResult<()> {
        let _edit = self.edits.lock().await;
        let meta = self
            .stream_for(
                ctx,
                "RemoveTagsFromStream",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        self.untag_stream(meta, &input.tag_keys).await
    }

    /// ListTagsForStream: in key order, after ExclusiveStartTagKey, at most Limit (1 to
    /// 50, 10 when unset).
    pub async fn list_tags_for_stream(
        &self,
        ctx: &KinesisContext,
        input: ListTagsForStreamInput,
    ) -> KinesisResult<ListTagsForStreamOutput> {
        let limit = match input.limit {
            None => LIST_TAGS_LIMIT_DEFAULT,
            Some(l) if (1..=i64::from(LIST_TAGS_LIMIT_MAX)).contains(&l) => l as u32,
            Some(l) => {
                let constraint = if l < 1 {
                    "have value greater than or equal to 1".to_owned()
                } else {
                    format!("have value less than or equal to {LIST_TAGS_LIMIT_MAX}")
                };
                return Err(KinesisError::validation(
                    &l.to_string(),
                    "limit",
                    &constraint,
                ));
            }
        } as usize;
        let meta = self
            .stream_for(
                ctx,
                "ListTagsForStream",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        let after = input.exclusive_start_tag_key.as_deref();
        let mut tags = meta
            .tags
            .iter()
            .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a));
        let page: Vec<Tag> = tags.by_ref().take(limit).map(tag_shape).collect();
        Ok(ListTagsForStreamOutput {
            tags: page,
            has_more_tags: tags.next().is_some(),
        })
    }

    pub async fn tag_resource(
        &self,
        ctx: &KinesisContext,
        input: TagResourceInput,
    ) -> KinesisResult<()> {
        let _edit = self.edits.lock().await;
        match self
            .resource(ctx, "TagResource", input.resource_arn.as_deref())
            .await?
        {
            Resource::Stream(meta) => self.tag_stream(meta, &input.tags).await,
            Resource::Consumer(stream, consumer) => {
                let tags = add_tags(
                    &consumer.tags,
                    &input.tags,
                    &stream.key.name,
                    &stream.key.account_id,
                )?;
                self.change_consumer(&stream, &consumer, ConsumerChange::Tags(tags))
                    .await
            }
        }
    }

    pub async fn untag_resource(
        &self,
        ctx: &KinesisContext,
        input: UntagResourceInput,
    ) -> KinesisResult<()> {
        let _edit = self.edits.lock().await;
        match self
            .resource(ctx, "UntagResource", input.resource_arn.as_deref())
            .await?
        {
            Resource::Stream(meta) => self.untag_stream(meta, &input.tag_keys).await,
            Resource::Consumer(stream, consumer) => {
                let tags = remove_tags(&consumer.tags, &input.tag_keys)?;
                self.change_consumer(&stream, &consumer, ConsumerChange::Tags(tags))
                    .await
            }
        }
    }

    pub async fn list_tags_for_resource(
        &self,
        ctx: &KinesisContext,
        input: ResourceInput,
    ) -> KinesisResult<ListTagsForResourceOutput> {
        let tags = match self
            .resource(ctx, "ListTagsForResource", input.resource_arn.as_deref())
            .await?
        {
            Resource::Stream(meta) => meta.tags,
            Resource::Consumer(_, consumer) => consumer.tags,
        };
        Ok(ListTagsForResourceOutput {
            tags: tags.iter().map(tag_shape).collect(),
        })
    }

    pub async fn put_resource_policy(
        &self,
        ctx: &KinesisContext,
        input: PutResourcePolicyInput,
    ) -> KinesisResult<()> {
        let policy = input.policy.ok_or_else(|| missing("policy"))?;
        if policy.len() > RESOURCE_POLICY_MAX_BYTES {
            return Err(KinesisError::invalid_argument(format!(
                "The resource policy is {} bytes, more than the limit of \
                 {RESOURCE_POLICY_MAX_BYTES} bytes.",
                policy.len()
            )));
        }
        PolicyDocument::parse(&policy).map_err(|e| {
            KinesisError::invalid_argument(format!("The resource policy is not valid: {e}"))
        })?;
        let _edit = self.edits.lock().await;
        self.set_policy(
            ctx,
            "PutResourcePolicy",
            input.resource_arn.as_deref(),
            Some(policy),
        )
        .await
    }

    /// GetResourcePolicy: the policy, or `{}` when the resource has none.
    pub async fn get_resource_policy(
        &self,
        ctx: &KinesisContext,
        input: ResourceInput,
    ) -> KinesisResult<GetResourcePolicyOutput> {
        let policy = match self
            .resource(ctx, "GetResourcePolicy", input.resource_arn.as_deref())
            .await?
        {
            Resource::Stream(meta) => meta.policy,
            Resource::Consumer(_, consumer) => consumer.policy,
        };
        Ok(GetResourcePolicyOutput {
            policy: policy.unwrap_or_else(|| "{}".to_owned()),
        })
    }

    pub async fn delete_resource_policy(
        &self,
        ctx: &KinesisContext,
        input: ResourceInput,
    ) -> KinesisResult<()> {
        let _edit = self.edits.lock().await;
        self.set_policy(
            ctx,
            "DeleteResourcePolicy",
            input.resource_arn.as_deref(),
            None,
        )
        .await
    }

    async fn set_policy(
        &self,
        ctx: &KinesisContext,
        action: &str,
        arn: Option<&str>,
        policy: Option<String>,
    ) -> KinesisResult<()> {
        let deleting = policy.is_none();
        let no_policy = |arn: &str| {
            KinesisError::new(
                KinesisErrorKind::ResourceNotFound,
                format!("No resource policy found for resource {arn}."),
            )
        };
        match self.resource(ctx, action, arn).await? {
            Resource::Stream(meta) => {
                if deleting && meta.policy.is_none() {
                    return Err(no_policy(&meta.key.arn()));
                }
                self.change_with_retries(meta, |_| Ok(StreamChange::Policy(policy.clone())))
                    .await?;
                Ok(())
            }
            Resource::Consumer(stream, consumer) => {
                if deleting && consumer.policy.is_none() {
                    return Err(no_policy(&consumer.key.arn()));
                }
                self.change_consumer(&stream, &consumer, ConsumerChange::Policy(policy))
                    .await
            }
        }
    }

    /// The stream or consumer a ResourceARN names, once the caller may perform `action`.
    async fn resource(
        &self,
        ctx: &KinesisContext,
        action: &str,
        arn: Option<&str>,
    ) -> KinesisResult<Resource> {
        let arn = arn.ok_or_else(|| missing("resourceARN"))?;
        if arn.contains("/consumer/") {
            let key = parse_consumer_arn(arn).map_err(|e| as_resource_arn_error(arn, e))?;
            let input = ConsumerInput {
                consumer_arn: Some(key.arn()),
                ..Default::default()
            };
            let (stream, consumer) = self.consumer_for(ctx, action, &input).await?;
            Ok(Resource::Consumer(stream, consumer))
        } else {
            let key = parse_stream_arn(arn).map_err(|e| as_resource_arn_error(arn, e))?;
            Ok(Resource::Stream(
                self.stream_by_key(ctx, action, &key).await?,
            ))
        }
    }

    async fn tag_stream(&self, meta: StreamMeta, adding: &TagMap) -> KinesisResult<()> {
        self.change_with_retries(meta, |m| {
            let tags = add_tags(&m.tags, adding, &m.key.name, &m.key.account_id)?;
            Ok(StreamChange::Tags(tags))
        })
        .await?;
        Ok(())
    }

    async fn untag_stream(&self, meta: StreamMeta, keys: &[String]) -> KinesisResult<()> {
        self.change_with_retries(meta, |m| {
            Ok(StreamChange::Tags(remove_tags(&m.tags, keys)?))
        })
        .await?;
        Ok(())
    }

    async fn change_consumer(
        &self,
        stream: &StreamMeta,
        consumer: &ConsumerMeta,
        change: ConsumerChange,
    ) -> KinesisResult<()> {
        self.catalog
            .change_consumer(&stream.key, &consumer.key.name, change)
            .await
            .map_err(|e| match e {
                crate::kinesis::store::CatalogError::NoSuchConsumer => {
                    KinesisError::consumer_not_found(&consumer.key.arn(), &stream.key.account_id)
                }
                other => catalog_error(other),
            })?;
        Ok(())
    }
}

/// The model's pattern of a ResourceARN member (TagResource, the resource policy actions).
const RESOURCE_ARN_PATTERN: &str = "arn:aws.*:kinesis:.*:\\d{12}:.*(stream|channel|queue)/\\S+";

/// A stream or consumer ARN's ValidationException, reworded for the ResourceARN member it
/// came in: AWS quotes the member and the pattern of the action's own input.
fn as_resource_arn_error(arn: &str, e: KinesisError) -> KinesisError {
    if e.kind != KinesisErrorKind::Validation {
        return e;
    }
    KinesisError::validation(
        arn,
        "resourceARN",
        &format!("satisfy regular expression pattern: {RESOURCE_ARN_PATTERN}"),
    )
}

fn tag_shape((key, value): (&String, &String)) -> Tag {
    Tag {
        key: key.clone(),
        value: Some(value.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_resource_arn_is_quoted_as_the_resource_arn_member() {
        let arn = "arn:aws:sqs:us-east-1:000000000000:q";
        let e = as_resource_arn_error(arn, parse_stream_arn(arn).unwrap_err());
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'arn:aws:sqs:us-east-1:000000000000:q' at \
             'resourceARN' failed to satisfy constraint: Member must satisfy regular expression \
             pattern: arn:aws.*:kinesis:.*:\\d{12}:.*(stream|channel|queue)/\\S+"
        );
        let other = KinesisError::stream_not_found("s", "000000000000");
        assert_eq!(as_resource_arn_error(arn, other.clone()), other);
    }
}
