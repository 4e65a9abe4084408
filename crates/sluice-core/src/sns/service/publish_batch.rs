//! PublishBatch: up to ten publishes to one topic in one request. The request as a whole
//! is refused for AWS's batch errors (no entries, more than ten, Ids not distinct or not
//! to the specification, messages together over 256 KiB) or an unknown or forbidden
//! topic, or on a FIFO topic an entry without its group or deduplication id); otherwise
//! each entry is checked as a Publish and either published or reported in `Failed` with
//! the error a Publish of it would have had. A standard topic's entries are published
//! concurrently; a FIFO topic's in order, so a group's entries keep the batch's order.

use std::collections::HashSet;

use super::{Fanout, Sns, SnsContext};
use crate::sns::api::{
    PublishBatchEntry, PublishBatchFailure, PublishBatchOutput, PublishBatchSuccess, PublishInput,
    PublishOutput,
};
use crate::sns::error::{SnsError, SnsErrorKind, SnsResult};
use crate::sns::fifo;
use crate::sns::limits::{
    BATCH_ENTRY_ID_MAX_CHARS, PUBLISH_BATCH_ENTRIES_MAX, PUBLISH_BATCH_MAX_BYTES,
};
use crate::sns::publish::{attributes_bytes, check, check_attributes};
use crate::sns::store::TopicMeta;

impl Sns {
    pub async fn publish_batch(
        &self,
        ctx: &SnsContext,
        fanout: &Fanout,
        topic_arn: Option<&str>,
        entries: Vec<PublishBatchEntry>,
    ) -> SnsResult<PublishBatchOutput> {
        if entries.is_empty() {
            return Err(SnsError::new(
                SnsErrorKind::EmptyBatchRequest,
                "The batch request doesn't contain any entries.",
            ));
        }
        if entries.len() > PUBLISH_BATCH_ENTRIES_MAX {
            return Err(SnsError::new(
                SnsErrorKind::TooManyEntriesInBatchRequest,
                "The batch request contains more entries than permissible.",
            ));
        }
        let topic = self
            .publishable_topic(ctx, topic_arn.unwrap_or_default(), "TopicArn")
            .await?;
        let mut ids = HashSet::new();
        for entry in &entries {
            let valid = (1..=BATCH_ENTRY_ID_MAX_CHARS).contains(&entry.id.len())
                && entry
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(SnsError::new(
                    SnsErrorKind::InvalidBatchEntryId,
                    "The Id of a batch entry in a batch request doesn't abide by the \
                     specification.",
                ));
            }
            if !ids.insert(entry.id.as_str()) {
                return Err(SnsError::new(
                    SnsErrorKind::BatchEntryIdsNotDistinct,
                    "Two or more batch entries in the request have the same Id.",
                ));
            }
        }
        let total_bytes: usize = entries
            .iter()
            .map(|e| {
                e.message.as_ref().map_or(0, String::len) + attributes_bytes(&e.message_attributes)
            })
            .sum();
        if total_bytes > PUBLISH_BATCH_MAX_BYTES {
            return Err(SnsError::new(
                SnsErrorKind::BatchRequestTooLong,
                "The length of all the messages put together is more than the limit.",
            ));
        }
        // A bad message attribute in any entry refuses the whole request, as on AWS.
        for entry in &entries {
            check_attributes(&entry.message_attributes)?;
        }
        if topic.attributes.fifo_topic {
            // Checked for the whole batch, before any entry is published.
            for entry in &entries {
                fifo::stamp(
                    &topic.attributes,
                    entry.message.as_deref().unwrap_or_default(),
                    entry.message_group_id.as_deref(),
                    entry.message_deduplication_id.as_deref(),
                )?;
            }
        }
        // A standard topic's entries are published together, so their deliveries share
        // group commits; a FIFO topic's one after another, in the batch's order.
        let publishes = entries
            .iter()
            .map(|entry| self.publish_entry(ctx, fanout, &topic, entry));
        let results = if topic.attributes.fifo_topic {
            let mut results = Vec::with_capacity(entries.len());
            for publish in publishes {
                results.push(publish.await);
            }
            results
        } else {
            futures_util::future::join_all(publishes).await
        };
        let mut out = PublishBatchOutput::default();
        for (entry, result) in entries.into_iter().zip(results) {
            match result {
                Ok(published) => out.successful.push(PublishBatchSuccess {
                    id: entry.id,
                    message_id: published.message_id,
                    sequence_number: published.sequence_number,
                }),
                Err(error) => out.failed.push(PublishBatchFailure {
                    id: entry.id,
                    error,
                }),
            }
        }
        Ok(out)
    }

    /// One entry, checked and published as a Publish of it would be.
    async fn publish_entry(
        &self,
        ctx: &SnsContext,
        fanout: &Fanout,
        topic: &TopicMeta,
        entry: &PublishBatchEntry,
    ) -> SnsResult<PublishOutput> {
        let input = PublishInput {
            topic_arn: Some(topic.key.arn()),
            message: entry.message.clone(),
            subject: entry.subject.clone(),
            message_structure: entry.message_structure.clone(),
            message_attributes: entry.message_attributes.clone(),
            message_group_id: entry.message_group_id.clone(),
            message_deduplication_id: entry.message_deduplication_id.clone(),
            ..Default::default()
        };
        let checked = check(&input)?;
        let deduplication_id = input.message_deduplication_id.as_deref();
        self.publish_checked(ctx, fanout, topic, &checked, deduplication_id)
            .await
    }
}
