//! PublishBatch: up to ten publishes to one topic in one request. The request as a whole
//! is refused for AWS's batch errors (no entries, more than ten, Ids not distinct or not
//! to the specification, messages together over 256 KiB) or an unknown or forbidden
//! topic; otherwise each entry is checked as a Publish and either published or reported
//! in `Failed` with the error a Publish of it would have had.

use std::collections::HashSet;

use super::{Fanout, Sns, SnsContext};
use crate::sns::api::{
    PublishBatchEntry, PublishBatchFailure, PublishBatchOutput, PublishBatchSuccess, PublishInput,
};
use crate::sns::error::{SnsError, SnsErrorKind, SnsResult};
use crate::sns::limits::{
    BATCH_ENTRY_ID_MAX_CHARS, PUBLISH_BATCH_ENTRIES_MAX, PUBLISH_BATCH_MAX_BYTES,
};
use crate::sns::publish::{attributes_bytes, check, check_attributes};

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
            .publishable_topic(
                ctx,
                "PublishBatch",
                topic_arn.unwrap_or_default(),
                "TopicArn",
            )
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
        let mut out = PublishBatchOutput::default();
        for entry in entries {
            let input = PublishInput {
                topic_arn: Some(topic.key.arn()),
                message: entry.message,
                subject: entry.subject,
                message_structure: entry.message_structure,
                message_attributes: entry.message_attributes,
                message_group_id: entry.message_group_id,
                message_deduplication_id: entry.message_deduplication_id,
                ..Default::default()
            };
            match check(&input) {
                Ok(checked) => {
                    let message_id = self.fan_out(ctx, fanout, &topic, &checked).await;
                    out.successful.push(PublishBatchSuccess {
                        id: entry.id,
                        message_id,
                    });
                }
                Err(error) => out.failed.push(PublishBatchFailure {
                    id: entry.id,
                    error,
                }),
            }
        }
        Ok(out)
    }
}
