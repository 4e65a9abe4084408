//! What the config file declares: queues, topics (with their queue subscriptions) and
//! streams. Each is made if it is missing, or brought up to date if it is there, at start
//! and on every SIGHUP, through the services' own actions as the configured account's
//! root (so every value gets the check and the error an API call would). Nothing the file
//! no longer names is deleted.

use std::collections::BTreeMap;
use std::sync::Arc;

use sluice_core::kinesis::api::{
    AddTagsToStreamInput, CreateStreamInput, RetentionPeriodInput, StreamInput, StreamModeDetails,
};
use sluice_core::kinesis::{Kinesis, KinesisContext, KinesisErrorKind};
use sluice_core::sns::api::{CreateTopicInput, SubscribeInput, Tag};
use sluice_core::sns::{Sns, SnsContext};
use sluice_core::sqs::api::{CreateQueueInput, SetQueueAttributesInput, TagQueueInput};
use sluice_core::sqs::{RequestContext, Sqs};

use crate::config::{attribute_strings, Config, QueueConfig, StreamConfig, TopicConfig};

/// The stream mode of a stream declared without a shard count.
const ON_DEMAND: &str = "ON_DEMAND";
/// The stream mode of a stream declared with a shard count.
const PROVISIONED: &str = "PROVISIONED";
/// The protocol of a configured subscription (HTTP/S endpoints subscribe through the
/// API, where they can confirm).
const QUEUE_PROTOCOL: &str = "sqs";

/// The services the declarations are applied through.
pub struct Declared<'a> {
    pub sqs: &'a Arc<Sqs>,
    pub sns: &'a Arc<Sns>,
    pub kinesis: &'a Arc<Kinesis>,
}

impl Declared<'_> {
    /// Applies every declaration of `config`: queues first (topics subscribe them), then
    /// topics, then streams.
    pub async fn apply(&self, config: &Config) -> Result<(), String> {
        predefine_queues(self.sqs, config).await?;
        let sns = SnsContext::open(&config.region, &config.account_id);
        for topic in &config.topics {
            apply_topic(self.sns, &sns, topic)
                .await
                .map_err(|e| format!("topic {}: {e}", topic.name))?;
        }
        let kinesis = KinesisContext::open(&config.region, &config.account_id);
        for stream in &config.streams {
            apply_stream(self.kinesis, &kinesis, stream)
                .await
                .map_err(|e| format!("stream {}: {e}", stream.name))?;
        }
        Ok(())
    }
}

/// Creates each configured queue, or brings an existing one to the configured
/// attributes and tags. Dead-letter queues are created before the queues that use
/// them whatever the file's order, so applying the same file twice changes nothing.
async fn predefine_queues(sqs: &Arc<Sqs>, config: &Config) -> Result<(), String> {
    let ctx = RequestContext {
        region: config.region.clone(),
        account_id: config.account_id.clone(),
        base_url: config
            .base_url
            .clone()
            .unwrap_or_else(|| match &config.tls {
                Some(tls) if tls.only => format!("https://{}", tls.listen),
                _ => format!("http://{}", config.listen),
            }),
        sender_id: config.account_id.clone(),
        trace_header: None,
        access: None,
    };
    let mut pending: Vec<&QueueConfig> = config.queues.iter().collect();
    while !pending.is_empty() {
        let mut next = Vec::new();
        let mut last_error = None;
        for queue in &pending {
            if let Err(e) = apply_queue(sqs, &ctx, queue).await {
                last_error = Some(format!("queue {}: {e}", queue.name));
                next.push(*queue);
            }
        }
        if next.len() == pending.len() {
            return Err(format!(
                "cannot predefine queues: {}",
                last_error.unwrap_or_default()
            ));
        }
        pending = next;
    }
    Ok(())
}

async fn apply_queue(
    sqs: &Arc<Sqs>,
    ctx: &RequestContext,
    queue: &QueueConfig,
) -> Result<(), String> {
    let attributes = queue.attribute_strings();
    let created = sqs
        .create_queue(
            ctx,
            CreateQueueInput {
                queue_name: Some(queue.name.clone()),
                attributes: Some(attributes.clone()),
                tags: Some(queue.tags.clone()),
            },
        )
        .await;
    let url = match created {
        Ok(out) => out.queue_url,
        Err(e) if e.kind == sluice_core::sqs::SqsErrorKind::QueueNameExists => {
            sluice_core::sqs::QueueKey::new(&ctx.region, &ctx.account_id, &queue.name)
                .url(&ctx.base_url)
        }
        Err(e) => return Err(e.message),
    };
    let settable: BTreeMap<String, String> = attributes
        .into_iter()
        .filter(|(k, _)| k != "FifoQueue")
        .collect();
    if !settable.is_empty() {
        sqs.set_queue_attributes(
            ctx,
            SetQueueAttributesInput {
                queue_url: Some(url.clone()),
                attributes: Some(settable),
            },
        )
        .await
        .map_err(|e| e.message)?;
    }
    if !queue.tags.is_empty() {
        sqs.tag_queue(
            ctx,
            TagQueueInput {
                queue_url: Some(url),
                tags: Some(queue.tags.clone()),
            },
        )
        .await
        .map_err(|e| e.message)?;
    }
    Ok(())
}

/// Creates the topic (as FIFO when its attributes say so), sets every other attribute,
/// adds its tags and subscribes its queues, setting each subscription's attributes.
async fn apply_topic(sns: &Sns, ctx: &SnsContext, topic: &TopicConfig) -> Result<(), String> {
    let attributes = attribute_strings(&topic.attributes);
    let (kind, settable): (Vec<_>, Vec<_>) = attributes
        .into_iter()
        .partition(|(name, _)| name == "FifoTopic");
    let arn = sns
        .create_topic(
            ctx,
            CreateTopicInput {
                name: Some(topic.name.clone()),
                attributes: kind,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.message)?;
    for (name, value) in &settable {
        sns.set_topic_attributes(ctx, Some(&arn), Some(name), Some(value))
            .await
            .map_err(|e| format!("{name}: {}", e.message))?;
    }
    if !topic.tags.is_empty() {
        let tags: Vec<Tag> = topic
            .tags
            .iter()
            .map(|(key, value)| Tag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect();
        sns.tag_resource(ctx, Some(&arn), &tags)
            .await
            .map_err(|e| e.message)?;
    }
    for subscription in &topic.subscriptions {
        let endpoint = match (&subscription.queue, &subscription.endpoint) {
            (Some(queue), None) => {
                sluice_core::sqs::QueueKey::new(&ctx.region, &ctx.account_id, queue).arn()
            }
            (None, Some(endpoint)) => endpoint.clone(),
            _ => {
                return Err("a subscription names either `queue` or `endpoint`".to_owned());
            }
        };
        let subscription_arn = sns
            .subscribe(
                ctx,
                SubscribeInput {
                    topic_arn: Some(arn.clone()),
                    protocol: Some(QUEUE_PROTOCOL.to_owned()),
                    endpoint: Some(endpoint.clone()),
                    attributes: Vec::new(),
                    return_subscription_arn: true,
                },
            )
            .await
            .map_err(|e| format!("subscription {endpoint}: {}", e.message))?;
        for (name, value) in attribute_strings(&subscription.attributes) {
            sns.set_subscription_attributes(
                ctx,
                Some(&subscription_arn),
                Some(&name),
                Some(&value),
            )
            .await
            .map_err(|e| format!("subscription {endpoint}, {name}: {}", e.message))?;
        }
    }
    Ok(())
}

/// Creates the stream, or brings an existing one's retention and tags up to date. A
/// changed shard count or mode is logged and left alone: resharding is an operation
/// (UpdateShardCount, UpdateStreamMode) with its own limits, not a setting.
async fn apply_stream(
    kinesis: &Kinesis,
    ctx: &KinesisContext,
    stream: &StreamConfig,
) -> Result<(), String> {
    let mode = if stream.shard_count.is_some() {
        PROVISIONED
    } else {
        ON_DEMAND
    };
    let created = kinesis
        .create_stream(
            ctx,
            CreateStreamInput {
                stream_name: Some(stream.name.clone()),
                shard_count: stream.shard_count,
                stream_mode_details: Some(StreamModeDetails {
                    stream_mode: mode.to_owned(),
                }),
                tags: (!stream.tags.is_empty()).then(|| stream.tags.clone()),
                ..Default::default()
            },
        )
        .await;
    let existed = match created {
        Ok(()) => false,
        Err(e) if e.kind == KinesisErrorKind::ResourceInUse => true,
        Err(e) => return Err(e.message),
    };
    let summary = kinesis
        .describe_stream_summary(ctx, StreamInput::named(&stream.name))
        .await
        .map_err(|e| e.message)?
        .stream_description_summary;
    if existed && summary.stream_mode_details.stream_mode != mode {
        tracing::warn!(
            stream = %stream.name,
            mode = %summary.stream_mode_details.stream_mode,
            declared = mode,
            "stream mode differs from the config file; left as it is (UpdateStreamMode changes it)"
        );
    }
    if let Some(hours) = stream.retention_hours {
        let current = i64::from(summary.retention_period_hours);
        let input = RetentionPeriodInput {
            stream_name: Some(stream.name.clone()),
            stream_arn: None,
            retention_period_hours: Some(hours),
        };
        let changed = if hours > current {
            kinesis.increase_stream_retention_period(ctx, input).await
        } else if hours < current {
            kinesis.decrease_stream_retention_period(ctx, input).await
        } else {
            Ok(())
        };
        changed.map_err(|e| e.message)?;
    }
    if existed && !stream.tags.is_empty() {
        kinesis
            .add_tags_to_stream(
                ctx,
                AddTagsToStreamInput {
                    stream_name: Some(stream.name.clone()),
                    stream_arn: None,
                    tags: stream.tags.clone(),
                },
            )
            .await
            .map_err(|e| e.message)?;
    }
    Ok(())
}

/// The names among `next` that `previous` lacks, and those whose declaration changed.
pub fn changes<T: std::fmt::Debug>(
    previous: &[T],
    next: &[T],
    name: impl Fn(&T) -> &str,
) -> (Vec<String>, Vec<String>) {
    let before: BTreeMap<&str, String> = previous
        .iter()
        .map(|d| (name(d), format!("{d:?}")))
        .collect();
    let (mut added, mut changed) = (Vec::new(), Vec::new());
    for d in next {
        match before.get(name(d)) {
            None => added.push(name(d).to_owned()),
            Some(old) if *old != format!("{d:?}") => changed.push(name(d).to_owned()),
            Some(_) => {}
        }
    }
    (added, changed)
}

#[cfg(test)]
mod tests {
    use super::changes;

    #[test]
    fn changes_name_what_was_added_and_what_differs() {
        let before = [("a", 1), ("b", 2), ("c", 3)];
        let after = [("a", 1), ("b", 5), ("d", 4)];
        let (added, changed) = changes(&before, &after, |d| d.0);
        assert_eq!(added, ["d"]);
        assert_eq!(changed, ["b"]);
        let (added, changed) = changes(&after, &after, |d| d.0);
        assert!(added.is_empty() && changed.is_empty());
    }
}
