//! Enhanced fan-out consumers: RegisterStreamConsumer, DescribeStreamConsumer,
//! ListStreamConsumers and DeregisterStreamConsumer. A consumer shows CREATING and
//! DELETING for the same configured delays as streams; one whose deregistration has run
//! its course is removed when next looked at.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as TOKEN_BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{catalog_error, missing, Kinesis, KinesisContext};
use crate::clock::EpochMs;
use crate::kinesis::api::*;
use crate::kinesis::error::{KinesisError, KinesisErrorKind, KinesisResult};
use crate::kinesis::limits::{
    CONSUMERS_PER_STREAM_MAX, LIST_STREAM_CONSUMERS_PAGE_MAX, NEXT_TOKEN_LIFETIME_MS,
};
use crate::kinesis::names::{
    check_consumer_name, parse_consumer_arn, parse_stream_arn, ConsumerKey,
};
use crate::kinesis::shards::check_list_limit;
use crate::kinesis::store::{CatalogError, ConsumerChange, ConsumerMeta, StreamMeta};
use crate::kinesis::stream::{Lifecycle, Transition};
use crate::kinesis::tags::add_tags;
use crate::sqs::api::TagMap;

/// What a ListStreamConsumers NextToken carries.
#[derive(Debug, Serialize, Deserialize)]
struct ConsumersToken {
    stream_created_at_ms: EpochMs,
    after: String,
    issued_at_ms: EpochMs,
}

impl Kinesis {
    pub async fn register_stream_consumer(
        &self,
        ctx: &KinesisContext,
        input: RegisterStreamConsumerInput,
    ) -> KinesisResult<RegisterStreamConsumerOutput> {
        let stream_arn = input
            .stream_arn
            .as_deref()
            .ok_or_else(|| missing("streamARN"))?;
        let name = input
            .consumer_name
            .as_deref()
            .ok_or_else(|| missing("consumerName"))?;
        check_consumer_name(name)?;
        let key = parse_stream_arn(stream_arn)?;
        let (_edit, meta, now) = self
            .editable_stream(ctx, "RegisterStreamConsumer", &key)
            .await?;
        let tags = match &input.tags {
            Some(adding) => add_tags(&TagMap::new(), adding, &meta.key.name, &meta.key.account_id)?,
            None => TagMap::new(),
        };
        // Consumers whose deregistration finished free their names and their places
        // under the stream's limit.
        self.sweep_consumers(&meta, now).await?;
        let consumer = ConsumerMeta {
            key: ConsumerKey {
                stream: meta.key.clone(),
                name: name.to_owned(),
                created_at_s: now / 1000,
            },
            stream_created_at_ms: meta.created_at_ms,
            lifecycle: Lifecycle::begin(Transition::Creating, now, self.config.delays),
            created_at_ms: now,
            tags,
            policy: None,
        };
        match self
            .catalog
            .register_consumer(consumer, CONSUMERS_PER_STREAM_MAX)
            .await
        {
            Ok(c) => Ok(RegisterStreamConsumerOutput {
                consumer: consumer_shape(&c, now),
            }),
            Err(CatalogError::ConsumerExists) => Err(KinesisError::new(
                KinesisErrorKind::ResourceInUse,
                format!(
                    "Consumer {} under stream {} already exists for account {}.",
                    name, meta.key.name, meta.key.account_id
                ),
            )),
            Err(CatalogError::ConsumerLimit { .. }) => Err(KinesisError::limit_exceeded(format!(
                "Stream {} under account {} has reached the maximum of {CONSUMERS_PER_STREAM_MAX} \
                 registered consumers.",
                meta.key.name, meta.key.account_id
            ))),
            Err(CatalogError::NoSuchStream) => Err(KinesisError::stream_not_found(
                &meta.key.name,
                &meta.key.account_id,
            )),
            Err(other) => Err(catalog_error(other)),
        }
    }

    pub async fn describe_stream_consumer(
        &self,
        ctx: &KinesisContext,
        input: ConsumerInput,
    ) -> KinesisResult<DescribeStreamConsumerOutput> {
        let (meta, consumer) = self
            .consumer_for(ctx, "DescribeStreamConsumer", &input)
            .await?;
        let now = self.now();
        let c = consumer_shape(&consumer, now);
        Ok(DescribeStreamConsumerOutput {
            consumer_description: ConsumerDescription {
                consumer_name: c.consumer_name,
                consumer_arn: c.consumer_arn,
                consumer_status: c.consumer_status,
                consumer_creation_timestamp_ms: c.consumer_creation_timestamp_ms,
                stream_arn: meta.key.arn(),
            },
        })
    }

    pub async fn list_stream_consumers(
        &self,
        ctx: &KinesisContext,
        input: ListStreamConsumersInput,
    ) -> KinesisResult<ListStreamConsumersOutput> {
        let stream_arn = input
            .stream_arn
            .as_deref()
            .ok_or_else(|| missing("streamARN"))?;
        let limit = input
            .max_results
            .map(|m| check_list_limit(m, "maxResults"))
            .transpose()?
            .unwrap_or(LIST_STREAM_CONSUMERS_PAGE_MAX)
            .min(LIST_STREAM_CONSUMERS_PAGE_MAX) as usize;
        let key = parse_stream_arn(stream_arn)?;
        let meta = self.stream_by_key(ctx, "ListStreamConsumers", &key).await?;
        let now = self.now();
        let after = match &input.next_token {
            None => None,
            Some(token) => {
                let token = decode_token(token, now)?;
                if token.stream_created_at_ms != meta.created_at_ms {
                    return Err(KinesisError::invalid_argument("Invalid NextToken."));
                }
                Some(token.after)
            }
        };
        let mut found = self
            .catalog
            .list_consumers(&meta.key, after.as_deref(), limit + 1)
            .await
            .map_err(catalog_error)?;
        found.retain(|c| c.status(now).is_some());
        let more = found.len() > limit;
        found.truncate(limit);
        let next_token = more
            .then(|| found.last())
            .flatten()
            .map(|last| encode_token(meta.created_at_ms, &last.key.name, now));
        Ok(ListStreamConsumersOutput {
            consumers: found.iter().map(|c| consumer_shape(c, now)).collect(),
            next_token,
        })
    }

    pub async fn deregister_stream_consumer(
        &self,
        ctx: &KinesisContext,
        input: ConsumerInput,
    ) -> KinesisResult<()> {
        let _edit = self.edits.lock().await;
        let (meta, consumer) = self
            .consumer_for(ctx, "DeregisterStreamConsumer", &input)
            .await?;
        let now = self.now();
        let lifecycle = Lifecycle::begin(Transition::Deleting, now, self.config.delays);
        if lifecycle.status(now).is_none() {
            self.catalog
                .remove_consumer(&meta.key, &consumer.key.name)
                .await
                .map_err(catalog_error)?;
            return Ok(());
        }
        self.catalog
            .change_consumer(
                &meta.key,
                &consumer.key.name,
                ConsumerChange::Lifecycle(lifecycle),
            )
            .await
            .map_err(catalog_error)?;
        Ok(())
    }

    /// The consumer a request names (by ConsumerARN, or StreamARN and ConsumerName), once
    /// the caller may perform `action` on it, with its stream.
    pub(super) async fn consumer_for(
        &self,
        ctx: &KinesisContext,
        action: &str,
        input: &ConsumerInput,
    ) -> KinesisResult<(StreamMeta, ConsumerMeta)> {
        let (stream_key, name, created_at_s) = match (&input.consumer_arn, &input.stream_arn) {
            (Some(arn), _) => {
                let key = parse_consumer_arn(arn)?;
                (key.stream, key.name, Some(key.created_at_s))
            }
            (None, Some(stream_arn)) => {
                let name = input
                    .consumer_name
                    .as_deref()
                    .ok_or_else(|| missing("consumerName"))?;
                check_consumer_name(name)?;
                (parse_stream_arn(stream_arn)?, name.to_owned(), None)
            }
            (None, None) => {
                return Err(KinesisError::invalid_argument(
                    "Either ConsumerARN or both StreamARN and ConsumerName should be provided.",
                ))
            }
        };
        let now = self.now();
        let stream = self.live_stream(&stream_key, now).await?;
        let consumer = match &stream {
            Some(meta) => self.live_consumer(meta, &name, now).await?,
            None => None,
        }
        .filter(|c| created_at_s.is_none_or(|s| s == c.key.created_at_s));
        let arn = consumer
            .as_ref()
            .map(|c| c.key.arn())
            .unwrap_or_else(|| stream_key.consumer_arn(&name, created_at_s.unwrap_or(0)));
        self.authorize(
            ctx,
            action,
            &arn,
            &stream_key.account_id,
            consumer.as_ref().and_then(|c| c.policy.as_deref()),
        )?;
        match (stream, consumer) {
            (Some(stream), Some(consumer)) => Ok((stream, consumer)),
            _ => Err(KinesisError::consumer_not_found(
                input.consumer_arn.as_deref().unwrap_or(&arn),
                &stream_key.account_id,
            )),
        }
    }

    /// Removes a stream's consumers whose deregistration has run its course.
    async fn sweep_consumers(&self, stream: &StreamMeta, now: EpochMs) -> KinesisResult<()> {
        let all = self
            .catalog
            .list_consumers(&stream.key, None, CONSUMERS_PER_STREAM_MAX + 1)
            .await
            .map_err(catalog_error)?;
        for consumer in all.iter().filter(|c| c.status(now).is_none()) {
            self.catalog
                .remove_consumer(&stream.key, &consumer.key.name)
                .await
                .map_err(catalog_error)?;
        }
        Ok(())
    }

    /// A stream's consumer of that name if it exists now; one whose deregistration has
    /// finished is removed on the way.
    async fn live_consumer(
        &self,
        stream: &StreamMeta,
        name: &str,
        now: EpochMs,
    ) -> KinesisResult<Option<ConsumerMeta>> {
        let Some(consumer) = self
            .catalog
            .consumer(&stream.key, name)
            .await
            .map_err(catalog_error)?
        else {
            return Ok(None);
        };
        if consumer.stream_created_at_ms != stream.created_at_ms {
            return Ok(None);
        }
        if consumer.status(now).is_some() {
            return Ok(Some(consumer));
        }
        self.catalog
            .remove_consumer(&stream.key, name)
            .await
            .map_err(catalog_error)?;
        Ok(None)
    }
}

fn consumer_shape(c: &ConsumerMeta, now: EpochMs) -> Consumer {
    Consumer {
        consumer_name: c.key.name.clone(),
        consumer_arn: c.key.arn(),
        consumer_status: c.status(now).map_or("DELETING", |s| s.as_str()).to_owned(),
        consumer_creation_timestamp_ms: c.created_at_ms,
    }
}

fn encode_token(stream_created_at_ms: EpochMs, after: &str, now: EpochMs) -> String {
    let token = ConsumersToken {
        stream_created_at_ms,
        after: after.to_owned(),
        issued_at_ms: now,
    };
    TOKEN_BASE64.encode(serde_json::to_vec(&token).expect("serialisable"))
}

fn decode_token(token: &str, now: EpochMs) -> KinesisResult<ConsumersToken> {
    let token: ConsumersToken = TOKEN_BASE64
        .decode(token)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| KinesisError::invalid_argument("Invalid NextToken."))?;
    if now.saturating_sub(token.issued_at_ms) > NEXT_TOKEN_LIFETIME_MS {
        return Err(KinesisError::new(
            KinesisErrorKind::ExpiredNextToken,
            "The NextToken has expired.",
        ));
    }
    Ok(token)
}
