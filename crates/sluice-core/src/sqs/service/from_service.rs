//! Sends from a trusted in-process sender: an AWS service acting for one of its
//! resources (SNS fanning a publish out to its queue subscriptions). No HTTP request is
//! faked: the sender names the queue by ARN and brings the service principal's access,
//! and the message goes through the same checks and the same durable `append` as
//! SendMessage.

use super::messages::Outgoing;
use super::{RequestContext, Sqs};
use crate::access::Access;
use crate::sqs::api::{MessageAttributeMap, SendMessageOutput};
use crate::sqs::error::{SqsError, SqsResult};
use crate::sqs::names::QueueKey;

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
    /// `sender_id` becomes the message's SenderId. Answers once the message is durable.
    pub async fn send_from_service(
        &self,
        queue_arn: &str,
        access: Option<Access>,
        sender_id: &str,
        message: ServiceMessage,
    ) -> SqsResult<SendMessageOutput> {
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
        let body = Some(message.body);
        let attributes = Some(message.attributes);
        self.send_one(
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
            },
        )
        .await
    }
}
