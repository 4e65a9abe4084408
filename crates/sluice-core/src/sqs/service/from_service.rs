//! Sends from a trusted in-process sender: an AWS service acting for one of its
//! resources (SNS fanning a publish out to its queue subscriptions). No HTTP request is
//! faked: the sender names the queue by ARN and brings the service principal's access,
//! and the message goes through the same checks and the same durable `append` as
//! SendMessage.

use super::messages::{apply_appended, out_bytes, Outgoing, Prepared};
use super::{RequestContext, Sqs};
use crate::access::Access;
use crate::sqs::api::{MessageAttributeMap, SendMessageOutput};
use crate::sqs::error::{SqsError, SqsResult};
use crate::sqs::names::QueueKey;
use crate::sqs::store::NewMessage;

/// One message a service sends to a queue.
#[derive(Debug, Clone, Default)]
pub struct ServiceMessage {
    pub body: String,
    pub attributes: MessageAttributeMap,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
}

impl Sqs {
    /// Sends `message` to the queue `queue_arn` for a service. `access`: the service
    /// principal (`Access::for_service`) checked against the queue's policy for
    /// `sqs:SendMessage`; `None` on an open server, as for requests without access.
    /// `sender_id` becomes the message's SenderId. Answers once the message is durable
    /// (with its message id; no MD5 digests, as for [`Sqs::send_many_from_service`]).
    pub async fn send_from_service(
        &self,
        queue_arn: &str,
        access: Option<Access>,
        sender_id: &str,
        message: ServiceMessage,
    ) -> SqsResult<SendMessageOutput> {
        self.send_many_from_service(vec![(queue_arn.to_owned(), message)], access, sender_id)
            .await
            .pop()
            .expect("one outcome per send")
    }

    /// Sends one message to each of several queues for a service, each checked against
    /// its queue's policy and key and prepared as SendMessage prepares it; the ones that
    /// pass are appended in one store step, so they become durable together. Answers each send's outcome, in order,
    /// once every appended message is durable; the outputs carry message ids but no MD5
    /// digests (nothing in-process checks them, and they are a per-copy cost).
    pub async fn send_many_from_service(
        &self,
        sends: Vec<(String, ServiceMessage)>,
        access: Option<Access>,
        sender_id: &str,
    ) -> Vec<SqsResult<SendMessageOutput>> {
        let now = self.now();
        let mut outcomes: Vec<SqsResult<SendMessageOutput>> = Vec::with_capacity(sends.len());
        let mut batches: Vec<(QueueKey, Vec<NewMessage>)> = Vec::with_capacity(sends.len());
        // For each send that passed its checks, its place in `outcomes`.
        let mut places = Vec::with_capacity(sends.len());
        // Each send's queue counters and size: a delivery counts as a message sent, as
        // in SQS's NumberOfMessagesSent.
        let mut counted = Vec::with_capacity(sends.len());
        for (queue_arn, message) in sends {
            match self
                .prepare_from_service(&queue_arn, access.clone(), sender_id, message, now)
                .await
            {
                Ok((key, prepared)) => {
                    places.push(outcomes.len());
                    outcomes.push(Ok(prepared.reply));
                    counted.push((self.activity.of(&key), out_bytes(&prepared.message)));
                    batches.push((key, vec![prepared.message]));
                }
                Err(e) => outcomes.push(Err(e)),
            }
        }
        if batches.is_empty() {
            return outcomes;
        }
        let appended = self.store.append_many(batches, now).await;
        for ((place, result), (activity, bytes)) in places.into_iter().zip(appended).zip(counted) {
            let outcome = &mut outcomes[place];
            match (result, outcome.as_mut()) {
                (Ok(appended), Ok(reply)) => {
                    activity.sent(1, bytes);
                    if let Some(a) = appended.first() {
                        apply_appended(reply, a);
                    }
                }
                (Err(e), _) => *outcome = Err(SqsError::from(e)),
                (Ok(_), Err(_)) => {}
            }
        }
        outcomes
    }

    /// One service send checked (the queue's policy and key) and prepared as SendMessage
    /// prepares a message, not yet appended.
    async fn prepare_from_service(
        &self,
        queue_arn: &str,
        access: Option<Access>,
        sender_id: &str,
        message: ServiceMessage,
        now: u64,
    ) -> SqsResult<(QueueKey, Prepared)> {
        let key = QueueKey::from_arn(queue_arn).ok_or_else(SqsError::queue_does_not_exist)?;
        let ctx = RequestContext {
            region: key.region.clone(),
            account_id: key.account_id.clone(),
            base_url: String::new(),
            sender_id: sender_id.to_owned(),
            trace_header: None,
            access,
        };
        let queue = self.store.queue(&key).await;
        self.authorize_as(&ctx, "SendMessage", &key, queue.as_ref())?;
        let queue = queue.ok_or_else(SqsError::queue_does_not_exist)?;
        self.check_key(&queue)?;
        let body = Some(message.body);
        let attributes = Some(message.attributes);
        let prepared = self.prepare(
            &ctx,
            &queue,
            Outgoing {
                body: &body,
                delay_seconds: None,
                attributes: &attributes,
                system_attributes: &None,
                group_id: &message.group_id,
                deduplication_id: &message.deduplication_id,
                in_batch: false,
                digests: false,
            },
            now,
        )?;
        Ok((queue.key, prepared))
    }
}
