//! Message actions: send, receive (with long polling), delete and visibility changes.

use std::sync::Arc;
use std::time::Duration;

use super::{required, RequestContext, Sqs};
use crate::limits::*;
use crate::sqs::api::*;
use crate::sqs::error::{SqsError, SqsErrorKind, SqsResult};
use crate::sqs::message::{self, md5_of_attributes, md5_of_body};
use crate::sqs::queue::{AckOutcome, Delivery, MessageContent, MessageFields, VisibilityError};
use crate::sqs::receipt::Receipt;
use crate::sqs::store::{
    Appended, ClaimRequest, Claimed, NewMessage, QueueMeta, StoreError, Waiters,
};

/// One message to send, as SendMessage and each SendMessageBatch entry carry it.
pub(crate) struct Outgoing<'a> {
    pub body: &'a Option<String>,
    pub delay_seconds: Option<i64>,
    pub attributes: &'a Option<MessageAttributeMap>,
    pub system_attributes: &'a Option<MessageAttributeMap>,
    pub group_id: &'a Option<String>,
    pub deduplication_id: &'a Option<String>,
    /// Whether this is a SendMessageBatch entry: AWS words some rejections differently.
    pub in_batch: bool,
    /// Whether the sender is owed the MD5 digests of what it sent (a service sending
    /// in-process reads none, so none are computed for it).
    pub digests: bool,
}

/// A checked message and the digests its sender is owed.
pub(crate) struct Prepared {
    pub message: NewMessage,
    pub reply: SendMessageOutput,
}

/// The message's system attributes, with the request's `X-Amzn-Trace-Id` as its
/// `AWSTraceHeader` unless the sender set that attribute, which wins (AWS documents
/// both; neither counts against the message size).
fn with_trace_header(
    mut system_attributes: MessageAttributeMap,
    ctx: &RequestContext,
) -> MessageAttributeMap {
    if let Some(trace) = &ctx.trace_header {
        system_attributes
            .entry(TRACE_HEADER_ATTRIBUTE.to_owned())
            .or_insert_with(|| MessageAttributeValue {
                data_type: "String".to_owned(),
                string_value: Some(trace.clone()),
                ..Default::default()
            });
    }
    system_attributes
}

/// The system attribute that carries an AWS X-Ray trace header.
pub const TRACE_HEADER_ATTRIBUTE: &str = "AWSTraceHeader";

impl Sqs {
    pub(crate) fn prepare(
        &self,
        ctx: &RequestContext,
        queue: &QueueMeta,
        out: Outgoing<'_>,
        now: u64,
    ) -> SqsResult<Prepared> {
        let body = out
            .body
            .as_deref()
            .filter(|b| !b.is_empty())
            .ok_or_else(|| SqsError::missing_parameter("MessageBody"))?;
        message::validate_body(body)?;
        let fifo = queue.attributes.fifo_queue;
        let delay_s = match out.delay_seconds {
            None => queue.attributes.delay_s,
            // FIFO queues take only the queue's delay.
            Some(d) if fifo && d != 0 => {
                return Err(SqsError::invalid_value(
                    "DelaySeconds",
                    d,
                    "The request include parameter that is not valid for this queue type.",
                ))
            }
            Some(_) if fifo => queue.attributes.delay_s,
            Some(d) if (0..=i64::from(DELAY_SECONDS_MAX_S)).contains(&d) => d as u32,
            Some(d) => {
                return Err(SqsError::invalid_value(
                    "DelaySeconds",
                    d,
                    &format!("DelaySeconds must be >= 0 and <= {DELAY_SECONDS_MAX_S}."),
                ))
            }
        };
        let attributes = out.attributes.clone().unwrap_or_default();
        message::validate_message_attributes(&attributes)?;
        let system_attributes = out.system_attributes.clone().unwrap_or_default();
        message::validate_system_attributes(&system_attributes)?;
        let size_bytes = message::message_size_bytes(body, &attributes);
        let max = queue.attributes.maximum_message_size_bytes as usize;
        if size_bytes > max {
            // test_send_oversized_message and test_send_batch_message_size.
            let verdict = if out.in_batch {
                "cannot be validated"
            } else {
                "are invalid"
            };
            return Err(SqsError::invalid_parameter(format!(
                "One or more parameters {verdict}. Reason: Message must be shorter than {max} bytes."
            )));
        }
        if let Some(group) = out.group_id {
            validate_group_id(group)?;
        }
        let deduplication_id = if fifo {
            if out.group_id.is_none() {
                return Err(SqsError::missing_parameter("MessageGroupId"));
            }
            Some(fifo_deduplication_id(
                queue,
                out.deduplication_id.as_deref(),
                body,
            )?)
        } else {
            if let Some(dedup) = out.deduplication_id {
                return Err(SqsError::invalid_value(
                    "MessageDeduplicationId",
                    dedup,
                    "The request includes a parameter that is not valid for this queue type.",
                ));
            }
            None
        };
        let message_id = new_message_id();
        let reply = SendMessageOutput {
            md5_of_message_body: if out.digests {
                md5_of_body(body)
            } else {
                String::new()
            },
            md5_of_message_attributes: out
                .digests
                .then(|| md5_of_attributes(&attributes))
                .flatten(),
            md5_of_message_system_attributes: out
                .digests
                .then(|| md5_of_attributes(&system_attributes))
                .flatten(),
            message_id: uuid::Uuid::from_u128(message_id).hyphenated().to_string(),
            sequence_number: None,
        };
        let content = MessageContent::from(MessageFields {
            message_id,
            body: body.to_owned(),
            attributes,
            system_attributes: with_trace_header(system_attributes, ctx),
            sender_id: ctx.sender_id.clone(),
            sent_at_ms: now,
            group_id: out.group_id.clone(),
            deduplication_id,
            sequence_number: None,
            dead_letter_source_arn: None,
        });
        Ok(Prepared {
            message: NewMessage {
                content,
                delay_ms: u64::from(delay_s) * 1000,
            },
            reply,
        })
    }

    pub async fn send_message(
        &self,
        ctx: &RequestContext,
        input: SendMessageInput,
    ) -> SqsResult<SendMessageOutput> {
        let queue = self.resolve(ctx, input.queue_url.as_deref()).await?;
        self.send_one(
            ctx,
            &queue,
            Outgoing {
                body: &input.message_body,
                delay_seconds: input.delay_seconds,
                attributes: &input.message_attributes,
                system_attributes: &input.message_system_attributes,
                group_id: &input.message_group_id,
                deduplication_id: &input.message_deduplication_id,
                in_batch: false,
                digests: true,
            },
        )
        .await
    }

    /// Sends one message to a queue already found and authorised: the key check, the
    /// message rules, and the durable append. Answers once the message is durable.
    pub(crate) async fn send_one(
        &self,
        ctx: &RequestContext,
        queue: &QueueMeta,
        out: Outgoing<'_>,
    ) -> SqsResult<SendMessageOutput> {
        self.check_key(queue)?;
        let now = self.now();
        let prepared = self.prepare(ctx, queue, out, now)?;
        let bytes = out_bytes(&prepared.message);
        let appended = self
            .store
            .append(&queue.key, vec![prepared.message], now)
            .await?;
        self.activity.of(&queue.key).sent(1, bytes);
        let mut reply = prepared.reply;
        if let Some(a) = appended.first() {
            apply_appended(&mut reply, a);
        }
        Ok(reply)
    }

    pub async fn receive_message(
        &self,
        ctx: &RequestContext,
        input: ReceiveMessageInput,
    ) -> SqsResult<ReceiveMessageOutput> {
        let queue = self.resolve(ctx, input.queue_url.as_deref()).await?;
        self.check_key(&queue)?;
        let max = bounded(
            "MaxNumberOfMessages",
            input.max_number_of_messages,
            1,
            i64::from(RECEIVE_MAX_MESSAGES),
        )?
        .unwrap_or(1) as usize;
        let visibility_s = bounded(
            "VisibilityTimeout",
            input.visibility_timeout,
            0,
            i64::from(VISIBILITY_TIMEOUT_MAX_S),
        )?
        .unwrap_or(i64::from(queue.attributes.visibility_timeout_s));
        let wait_s = bounded(
            "WaitTimeSeconds",
            input.wait_time_seconds,
            0,
            i64::from(RECEIVE_WAIT_TIME_MAX_S),
        )?
        .unwrap_or(i64::from(queue.attributes.receive_wait_time_s));
        if let Some(id) = &input.receive_request_attempt_id {
            if id.is_empty() || id.len() > RECEIVE_REQUEST_ATTEMPT_ID_MAX_LEN {
                return Err(SqsError::invalid_value(
                    "ReceiveRequestAttemptId",
                    id,
                    "ReceiveRequestAttemptId can be up to 128 characters.",
                ));
            }
        }
        let dead_letter = queue.attributes.redrive_policy.as_ref().and_then(|p| {
            crate::sqs::names::QueueKey::from_arn(&p.dead_letter_target_arn)
                .map(|k| (k, p.max_receive_count))
        });
        let request = ClaimRequest {
            max_messages: max,
            visibility_timeout_ms: visibility_s as u64 * 1000,
            dead_letter,
            in_flight_max: if queue.attributes.fifo_queue {
                INFLIGHT_MAX_FIFO
            } else {
                INFLIGHT_MAX_STANDARD
            },
            // The attempt id only means something on a FIFO queue.
            attempt_id: input
                .receive_request_attempt_id
                .clone()
                .filter(|_| queue.attributes.fifo_queue),
        };
        let deadline = self.now() + wait_s as u64 * 1000;
        // A receive that may wait counts itself among the queue's waiters (new messages
        // wake one of them, see `Waiters`); one without a wait time just looks once.
        let waiters = if wait_s > 0 {
            let waiters = self.store.watch(&queue.key).await;
            Some(waiters.ok_or_else(SqsError::queue_does_not_exist)?)
        } else {
            None
        };
        let _registration = waiters.as_deref().map(Waiters::register);
        let (deliveries, queue_id) = loop {
            // Register interest before looking, so a wake between the look and the wait
            // is not missed.
            let notified = waiters.as_deref().map(Waiters::notified);
            tokio::pin!(notified);
            if let Some(notified) = notified.as_mut().as_pin_mut() {
                notified.enable();
            }
            let now = self.now();
            let claimed = match self
                .store
                .claim_visible(&queue.key, request.clone(), now)
                .await
            {
                // At its in-flight limit a FIFO queue returns nothing rather than an
                // error, as AWS documents; a standard queue answers OverLimit.
                Err(StoreError::OverLimit) if queue.attributes.fifo_queue => Claimed {
                    queue_id: queue.id,
                    ..Claimed::default()
                },
                other => other.map_err(|e| match e {
                    StoreError::OverLimit => SqsError::new(
                        SqsErrorKind::OverLimit,
                        format!(
                            "The maximum number of in flight messages ({}) is reached.",
                            request.in_flight_max
                        ),
                    ),
                    other => other.into(),
                })?,
            };
            let Some(notified) = notified.as_pin_mut() else {
                break (claimed.deliveries, claimed.queue_id);
            };
            if !claimed.deliveries.is_empty() || now >= deadline || self.is_shutting_down() {
                break (claimed.deliveries, claimed.queue_id);
            }
            let wake_at = claimed
                .next_visible_ms
                .map_or(deadline, |t| t.min(deadline));
            let sleep =
                tokio::time::sleep(Duration::from_millis(wake_at.saturating_sub(now).max(1)));
            tokio::select! {
                _ = notified => {}
                _ = sleep => {}
                _ = self.shutdown.notified() => {}
            }
        };
        self.activity
            .of(&queue.key)
            .received(deliveries.len() as u64);
        let mut names: Vec<String> = input.attribute_names.unwrap_or_default();
        names.extend(input.message_system_attribute_names.unwrap_or_default());
        let wanted_attrs = input.message_attribute_names.unwrap_or_default();
        Ok(ReceiveMessageOutput {
            messages: deliveries
                .iter()
                .map(|d| render_message(d, queue_id, &names, &wanted_attrs))
                .collect(),
        })
    }

    pub async fn delete_message(
        &self,
        ctx: &RequestContext,
        input: DeleteMessageInput,
    ) -> SqsResult<Empty> {
        let queue = self.resolve(ctx, input.queue_url.as_deref()).await?;
        let handle = required(&input.receipt_handle, "ReceiptHandle")?;
        self.delete_one(&queue, handle).await?;
        Ok(Empty {})
    }

    pub(crate) async fn delete_one(&self, queue: &QueueMeta, handle: &str) -> SqsResult<()> {
        let receipt =
            Receipt::decode(handle).ok_or_else(|| SqsError::receipt_handle_invalid(handle))?;
        if receipt.queue_id != queue.id {
            return Err(SqsError::receipt_handle_invalid(handle));
        }
        match self
            .store
            .ack(&queue.key, receipt, queue.attributes.fifo_queue, self.now())
            .await?
        {
            AckOutcome::Deleted => {
                self.activity.of(&queue.key).deleted(1);
                Ok(())
            }
            AckOutcome::Gone => Ok(()),
            AckOutcome::Stale => Err(SqsError::invalid_value(
                "ReceiptHandle",
                handle,
                "The receipt handle has expired.",
            )),
        }
    }

    pub async fn change_message_visibility(
        &self,
        ctx: &RequestContext,
        input: ChangeMessageVisibilityInput,
    ) -> SqsResult<Empty> {
        let queue = self.resolve(ctx, input.queue_url.as_deref()).await?;
        let handle = required(&input.receipt_handle, "ReceiptHandle")?;
        self.change_visibility_one(&queue, handle, input.visibility_timeout)
            .await?;
        Ok(Empty {})
    }

    pub(crate) async fn change_visibility_one(
        &self,
        queue: &QueueMeta,
        handle: &str,
        timeout: Option<i64>,
    ) -> SqsResult<()> {
        let timeout = timeout.ok_or_else(|| SqsError::missing_parameter("VisibilityTimeout"))?;
        if !(0..=i64::from(VISIBILITY_TIMEOUT_MAX_S)).contains(&timeout) {
            return Err(SqsError::invalid_value(
                "VisibilityTimeout",
                timeout,
                &format!(
                    "VisibilityTimeout must be an integer between 0 and {VISIBILITY_TIMEOUT_MAX_S}"
                ),
            ));
        }
        let receipt =
            Receipt::decode(handle).ok_or_else(|| SqsError::receipt_handle_invalid(handle))?;
        if receipt.queue_id != queue.id {
            return Err(SqsError::receipt_handle_invalid(handle));
        }
        let result = self
            .store
            .change_visibility(&queue.key, receipt, timeout as u64 * 1000, self.now())
            .await;
        match result {
            Ok(()) => Ok(()),
            Err(StoreError::Visibility(VisibilityError::NotInFlight)) => Err(SqsError::new(
                SqsErrorKind::MessageNotInflight,
                "Message is not in flight; its visibility timeout has already expired.",
            )),
            Err(StoreError::Visibility(VisibilityError::BeyondLimit)) => Err(SqsError::invalid_value(
                "VisibilityTimeout",
                timeout,
                &format!("Total VisibilityTimeout for the message is beyond the limit [{VISIBILITY_TIMEOUT_MAX_S} seconds]."),
            )),
            Err(StoreError::Visibility(VisibilityError::Stale)) => {
                Err(SqsError::invalid_value("ReceiptHandle", handle, "The receipt handle has expired."))
            }
            Err(StoreError::Visibility(VisibilityError::Gone)) => Err(SqsError::invalid_value(
                "ReceiptHandle",
                handle,
                "Message does not exist or is not available for visibility timeout change.",
            )),
            Err(other) => Err(other.into()),
        }
    }
}

/// A random (version 4) UUID for a new message, drawn from the thread's CSPRNG (seeded
/// and reseeded from the OS) rather than from a `getrandom` system call per message,
/// which showed up as 4% of the server's time in a profile of the cycle benchmark.
fn new_message_id() -> u128 {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .as_u128()
}

/// A FIFO message's deduplication id: the one it carries, or with
/// ContentBasedDeduplication the SHA-256 of its body.
fn fifo_deduplication_id(
    queue: &QueueMeta,
    explicit: Option<&str>,
    body: &str,
) -> SqsResult<String> {
    match explicit {
        Some(id) => {
            let ok = !id.is_empty()
                && id.len() <= MESSAGE_DEDUPLICATION_ID_MAX_LEN
                && id.bytes().all(|b| (0x21..=0x7e).contains(&b));
            if !ok {
                return Err(SqsError::invalid_value(
                    "MessageDeduplicationId",
                    id,
                    "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
                ));
            }
            Ok(id.to_owned())
        }
        None if queue.attributes.content_based_deduplication => {
            use sha2::Digest;
            Ok(hex::encode(sha2::Sha256::digest(body.as_bytes())))
        }
        None => Err(SqsError::invalid_parameter(
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        )),
    }
}

/// SequenceNumber as AWS writes it: a decimal string, here zero-padded to 20 digits so
/// that comparing the strings compares the numbers.
pub(crate) fn sequence_number_text(n: u128) -> String {
    format!("{n:020}")
}

/// Fills a reply's identity from what the store did with the message (a FIFO duplicate
/// answers with the original's id and sequence number).
pub(crate) fn apply_appended(reply: &mut SendMessageOutput, appended: &Appended) {
    if appended.duplicate {
        reply.message_id = uuid::Uuid::from_u128(appended.message_id)
            .hyphenated()
            .to_string();
    }
    reply.sequence_number = appended.sequence_number.map(sequence_number_text);
}

fn validate_group_id(group: &str) -> SqsResult<()> {
    let ok = !group.is_empty()
        && group.len() <= MESSAGE_GROUP_ID_MAX_LEN
        && group.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if !ok {
        return Err(SqsError::invalid_value(
            "MessageGroupId",
            group,
            "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
        ));
    }
    Ok(())
}

/// Checks an optional integer parameter against an inclusive range.
fn bounded(name: &str, value: Option<i64>, min: i64, max: i64) -> SqsResult<Option<i64>> {
    match value {
        Some(v) if !(min..=max).contains(&v) => {
            // AWS words the MaxNumberOfMessages range differently from the others.
            let reason = if name == "MaxNumberOfMessages" {
                format!("Must be between {min} and {max}, if provided.")
            } else {
                format!("Must be >= {min} and <= {max}, if provided.")
            };
            Err(SqsError::invalid_value(name, v, &reason))
        }
        other => Ok(other),
    }
}

/// The system attributes a receive can ask for.
const SYSTEM_ATTRIBUTE_NAMES: &[&str] = &[
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
];

fn render_message(
    d: &Delivery,
    queue_id: u64,
    names: &[String],
    wanted_attrs: &[String],
) -> Message {
    let all = names.iter().any(|n| n == "All");
    let c: &Arc<MessageContent> = &d.content;
    let mut attributes = AttributeMap::new();
    for &name in SYSTEM_ATTRIBUTE_NAMES {
        if !all && !names.iter().any(|n| n == name) {
            continue;
        }
        let value = match name {
            "SenderId" => Some(c.sender_id().to_owned()),
            "SentTimestamp" => Some(c.sent_at_ms().to_string()),
            "ApproximateReceiveCount" => Some(d.receive_count.to_string()),
            "ApproximateFirstReceiveTimestamp" => Some(d.first_receive_ms.to_string()),
            "SequenceNumber" => c.sequence_number().map(sequence_number_text),
            "MessageDeduplicationId" => c.deduplication_id().map(str::to_owned),
            "MessageGroupId" => c.group_id().map(str::to_owned),
            "AWSTraceHeader" => c
                .system_attributes()
                .get("AWSTraceHeader")
                .and_then(|v| v.string_value.clone()),
            "DeadLetterQueueSourceArn" => c.dead_letter_source_arn().map(str::to_owned),
            _ => None,
        };
        if let Some(value) = value {
            attributes.insert(name.to_owned(), value);
        }
    }
    let message_attributes = message::filter_attributes(c.attributes(), wanted_attrs);
    Message {
        message_id: c.message_id_string(),
        receipt_handle: d.receipt(queue_id).encode(),
        md5_of_body: md5_of_body(c.body()),
        body: c.body().to_owned(),
        attributes,
        md5_of_message_attributes: md5_of_attributes(&message_attributes),
        message_attributes,
    }
}

/// A message's size as SentMessageSize counts it: its body and attributes.
pub(crate) fn out_bytes(message: &NewMessage) -> u64 {
    let content = &message.content;
    crate::sqs::message::message_size_bytes(content.body(), content.attributes()) as u64
}
