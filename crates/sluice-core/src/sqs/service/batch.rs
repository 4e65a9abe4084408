//! Batch actions. The request as a whole is checked first (entry count, distinct and
//! well-formed ids, total size); then each entry succeeds or fails on its own, and all
//! successful sends of one batch are stored together (one durable write).

use std::collections::HashSet;

use super::messages::{apply_appended, Outgoing};
use super::{RequestContext, Sqs};
use crate::limits::*;
use crate::sqs::api::*;
use crate::sqs::error::{SqsError, SqsErrorKind, SqsResult};
use crate::sqs::message;
use crate::sqs::store::QueueMeta;

fn entry_error(id: &str, e: &SqsError) -> BatchResultErrorEntry {
    BatchResultErrorEntry {
        id: id.to_owned(),
        sender_fault: e.kind.sender_fault(),
        code: e.kind.aws_code().to_owned(),
        message: e.message.clone(),
    }
}

/// Checks the batch as a whole; returns the entry ids.
fn check_entries<'a>(
    entry_name: &str,
    ids: impl ExactSizeIterator<Item = Option<&'a str>>,
) -> SqsResult<Vec<&'a str>> {
    if ids.len() == 0 {
        return Err(SqsError::new(
            SqsErrorKind::EmptyBatchRequest,
            format!("There should be at least one {entry_name} in the request."),
        ));
    }
    if ids.len() > BATCH_ENTRIES_MAX {
        return Err(SqsError::new(
            SqsErrorKind::TooManyEntriesInBatchRequest,
            format!(
                "Maximum number of entries per request are {BATCH_ENTRIES_MAX}. You have sent {}.",
                ids.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.enumerate() {
        let id =
            id.ok_or_else(|| SqsError::missing_parameter(&format!("{entry_name}.{}.Id", i + 1)))?;
        let valid = !id.is_empty()
            && id.len() <= BATCH_ENTRY_ID_MAX_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(SqsError::new(
                SqsErrorKind::InvalidBatchEntryId,
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
            ));
        }
        if !seen.insert(id) {
            return Err(SqsError::new(
                SqsErrorKind::BatchEntryIdsNotDistinct,
                format!("Id {id} repeated."),
            ));
        }
        out.push(id);
    }
    Ok(out)
}

/// A FIFO batch whose entry lacks a message group id, or a deduplication id the queue
/// cannot derive, fails as a whole on AWS (not as a failed entry), and always as
/// InvalidParameterValue, even where a lone SendMessage says MissingParameter.
fn check_fifo_entries(
    queue: &QueueMeta,
    entries: &[SendMessageBatchRequestEntry],
) -> SqsResult<()> {
    for entry in entries {
        if entry.message_group_id.is_none() {
            return Err(SqsError::invalid_parameter(
                "The request must contain the parameter MessageGroupId.",
            ));
        }
        if entry.message_deduplication_id.is_none() && !queue.attributes.content_based_deduplication
        {
            return Err(SqsError::invalid_parameter(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
            ));
        }
    }
    Ok(())
}

impl Sqs {
    pub async fn send_message_batch(
        &self,
        ctx: &RequestContext,
        input: SendMessageBatchInput,
    ) -> SqsResult<SendMessageBatchOutput> {
        let queue = self.resolve(ctx, input.queue_url.as_deref()).await?;
        self.check_key(&queue)?;
        let entries = input.entries.unwrap_or_default();
        let ids = check_entries(
            "SendMessageBatchRequestEntry",
            entries.iter().map(|e| e.id.as_deref()),
        )?;
        // The size limit counts every entry, even one that fails on its own.
        let total_bytes: usize = entries
            .iter()
            .map(|e| {
                message::message_size_bytes(
                    e.message_body.as_deref().unwrap_or_default(),
                    e.message_attributes
                        .as_ref()
                        .unwrap_or(&MessageAttributeMap::new()),
                )
            })
            .sum();
        if total_bytes > MAXIMUM_MESSAGE_SIZE_MAX_BYTES as usize {
            return Err(SqsError::new(
                SqsErrorKind::BatchRequestTooLong,
                format!(
                    "Batch requests cannot be longer than {MAXIMUM_MESSAGE_SIZE_MAX_BYTES} bytes. You have sent {total_bytes} bytes."
                ),
            ));
        }
        if queue.attributes.fifo_queue {
            check_fifo_entries(&queue, &entries)?;
        }
        let now = self.now();
        let mut output = SendMessageBatchOutput::default();
        let mut accepted = Vec::new();
        for (entry, id) in entries.iter().zip(&ids) {
            let prepared = self.prepare(
                ctx,
                &queue,
                Outgoing {
                    body: &entry.message_body,
                    delay_seconds: entry.delay_seconds,
                    attributes: &entry.message_attributes,
                    system_attributes: &entry.message_system_attributes,
                    group_id: &entry.message_group_id,
                    deduplication_id: &entry.message_deduplication_id,
                    in_batch: true,
                    digests: true,
                },
                now,
            );
            match prepared {
                Ok(p) => accepted.push((*id, p)),
                Err(e) => output.failed.push(entry_error(id, &e)),
            }
        }
        let mut messages = Vec::with_capacity(accepted.len());
        let mut replies = Vec::with_capacity(accepted.len());
        for (id, p) in accepted {
            messages.push(p.message);
            replies.push((id, p.reply));
        }
        let bytes: u64 = messages.iter().map(super::messages::out_bytes).sum();
        let count = messages.len() as u64;
        let appended = if messages.is_empty() {
            Vec::new()
        } else {
            self.store.append(&queue.key, messages, now).await?
        };
        if count > 0 {
            self.activity.of(&queue.key).sent(count, bytes);
        }
        for ((id, mut r), a) in replies.into_iter().zip(&appended) {
            apply_appended(&mut r, a);
            output.successful.push(SendMessageBatchResultEntry {
                id: id.to_owned(),
                message_id: r.message_id,
                md5_of_message_body: r.md5_of_message_body,
                md5_of_message_attributes: r.md5_of_message_attributes,
                md5_of_message_system_attributes: r.md5_of_message_system_attributes,
                sequence_number: r.sequence_number,
            });
        }
        Ok(output)
    }

    pub async fn delete_message_batch(
        &self,
        ctx: &RequestContext,
        input: DeleteMessageBatchInput,
    ) -> SqsResult<BatchIdsOutput> {
        let queue = self.resolve(ctx, input.queue_url.as_deref()).await?;
        let entries = input.entries.unwrap_or_default();
        let ids = check_entries(
            "DeleteMessageBatchRequestEntry",
            entries.iter().map(|e| e.id.as_deref()),
        )?;
        let mut output = BatchIdsOutput::default();
        for (entry, id) in entries.iter().zip(ids) {
            let result = match entry.receipt_handle.as_deref() {
                None => Err(SqsError::missing_parameter("ReceiptHandle")),
                Some(handle) => self.delete_one(&queue, handle).await,
            };
            match result {
                Ok(()) => output.successful.push(BatchResultId { id: id.to_owned() }),
                Err(e) if e.kind == SqsErrorKind::QueueDoesNotExist => return Err(e),
                Err(e) => output.failed.push(entry_error(id, &e)),
            }
        }
        Ok(output)
    }

    pub async fn change_message_visibility_batch(
        &self,
        ctx: &RequestContext,
        input: ChangeMessageVisibilityBatchInput,
    ) -> SqsResult<BatchIdsOutput> {
        let queue = self.resolve(ctx, input.queue_url.as_deref()).await?;
        let entries = input.entries.unwrap_or_default();
        let ids = check_entries(
            "ChangeMessageVisibilityBatchRequestEntry",
            entries.iter().map(|e| e.id.as_deref()),
        )?;
        let mut output = BatchIdsOutput::default();
        for (entry, id) in entries.iter().zip(ids) {
            let result = match entry.receipt_handle.as_deref() {
                None => Err(SqsError::missing_parameter("ReceiptHandle")),
                Some(handle) => {
                    self.change_visibility_one(&queue, handle, entry.visibility_timeout)
                        .await
                }
            };
            match result {
                Ok(()) => output.successful.push(BatchResultId { id: id.to_owned() }),
                Err(e) if e.kind == SqsErrorKind::QueueDoesNotExist => return Err(e),
                Err(e) => output.failed.push(entry_error(id, &e)),
            }
        }
        Ok(output)
    }
}
