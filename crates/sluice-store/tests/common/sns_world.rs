//! An SNS service and an SQS service over one in-memory embedded store with a manual
//! clock, and a signer that shows what was signed: the world the SNS publishing tests
//! run in.

use std::sync::Arc;

use sluice_core::clock::ManualClock;
use sluice_core::sns::api::{CreateTopicInput, PublishAttribute, PublishInput, SubscribeInput};
use sluice_core::sns::notification::{NotificationSigner, SignError, SignatureVersion};
use sluice_core::sns::{Fanout, Sns, SnsContext};
use sluice_core::sqs::api::{CreateQueueInput, Message, ReceiveMessageInput};
use sluice_core::sqs::Sqs;

use super::*;

/// Signs by echoing what it was given, so tests can see the exact string to sign.
pub struct EchoSigner;

impl NotificationSigner for EchoSigner {
    fn sign(&self, version: SignatureVersion, text: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut out = format!("v{}:", version.as_str()).into_bytes();
        out.extend_from_slice(text);
        Ok(out)
    }
}

pub struct World {
    pub sns: Arc<Sns>,
    pub sqs: Arc<Sqs>,
    pub fanout: Fanout,
    pub clock: Arc<ManualClock>,
}

pub fn world() -> World {
    let store = in_memory_store();
    let clock = Arc::new(ManualClock::new(T0));
    let sqs = Sqs::new(store.clone(), clock.clone());
    let sns = Sns::new(store, clock.clone());
    let fanout = Fanout {
        sqs: sqs.clone(),
        signer: Arc::new(EchoSigner),
        base_url: BASE_URL.to_owned(),
    };
    World {
        sns,
        sqs,
        fanout,
        clock,
    }
}

pub fn ctx() -> SnsContext {
    SnsContext::open(REGION, ACCOUNT)
}

impl World {
    pub async fn topic(&self, name: &str, attributes: &[(&str, &str)]) -> String {
        let input = CreateTopicInput {
            name: Some(name.to_owned()),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        self.sns.create_topic(&ctx(), input).await.unwrap()
    }

    /// Creates queue `name` and subscribes it; answers the queue URL and subscription.
    pub async fn queue_subscribed(
        &self,
        topic: &str,
        name: &str,
        attributes: &[(&str, &str)],
    ) -> (String, String) {
        // A `.fifo` name makes a FIFO queue.
        let queue_attributes = name
            .ends_with(".fifo")
            .then(|| [("FifoQueue".to_owned(), "true".to_owned())].into());
        let url = self
            .sqs
            .create_queue(
                &request_context(),
                CreateQueueInput {
                    queue_name: Some(name.to_owned()),
                    attributes: queue_attributes,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .queue_url;
        let input = SubscribeInput {
            topic_arn: Some(topic.to_owned()),
            protocol: Some("sqs".to_owned()),
            endpoint: Some(key(name).arn()),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            return_subscription_arn: true,
        };
        let subscription = self.sns.subscribe(&ctx(), input).await.unwrap();
        (url, subscription)
    }

    pub async fn receive(&self, url: &str) -> Vec<Message> {
        self.sqs
            .receive_message(
                &request_context(),
                ReceiveMessageInput {
                    queue_url: Some(url.to_owned()),
                    max_number_of_messages: Some(10),
                    message_attribute_names: Some(vec!["All".to_owned()]),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .messages
    }
}

pub fn publish(topic: &str, message: &str) -> PublishInput {
    PublishInput {
        topic_arn: Some(topic.to_owned()),
        message: Some(message.to_owned()),
        ..Default::default()
    }
}

pub fn string_attribute(value: &str) -> PublishAttribute {
    PublishAttribute {
        data_type: "String".to_owned(),
        string_value: Some(value.to_owned()),
        binary_value: None,
    }
}
