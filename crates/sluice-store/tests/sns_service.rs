//! The SNS service over the embedded store, with a manual clock: the flows the wire tests
//! cannot reach (confirming with the token an endpoint would receive), access decisions,
//! FIFO subscription rules and paging.

mod common;

use std::sync::Arc;

use common::*;
use sluice_core::access::{Access, Caller};
use sluice_core::clock::ManualClock;
use sluice_core::sns::api::{CreateTopicInput, SubscribeInput, Tag};
use sluice_core::sns::{Sns, SnsContext, SnsErrorKind};

fn sns() -> Arc<Sns> {
    Sns::new(in_memory_store(), Arc::new(ManualClock::new(T0)))
}

fn ctx() -> SnsContext {
    SnsContext::open(REGION, ACCOUNT)
}

fn create(name: &str, attributes: &[(&str, &str)]) -> CreateTopicInput {
    CreateTopicInput {
        name: Some(name.to_owned()),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

fn subscribe(topic: &str, protocol: &str, endpoint: &str) -> SubscribeInput {
    SubscribeInput {
        topic_arn: Some(topic.to_owned()),
        protocol: Some(protocol.to_owned()),
        endpoint: Some(endpoint.to_owned()),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_http_subscription_is_confirmed_with_its_token() {
    let sns = sns();
    let topic = sns.create_topic(&ctx(), create("t", &[])).await.unwrap();
    let mut input = subscribe(&topic, "https", "https://example.com/hook");
    input.return_subscription_arn = true;
    let arn = sns.subscribe(&ctx(), input).await.unwrap();
    let stored = sns.store().subscription(&arn).await.unwrap();
    assert!(stored.pending);
    let token = stored
        .token
        .clone()
        .expect("a pending subscription has a token");
    assert_eq!(
        sns.confirm_subscription(&ctx(), Some(&topic), Some("0123abcd"), None)
            .await
            .unwrap_err()
            .message,
        "Invalid parameter: Token"
    );
    let confirmed = sns
        .confirm_subscription(&ctx(), Some(&topic), Some(&token), Some("true"))
        .await
        .unwrap();
    assert_eq!(confirmed, arn);
    let attrs = sns
        .get_subscription_attributes(&ctx(), Some(&arn))
        .await
        .unwrap();
    assert_eq!(attrs["PendingConfirmation"], "false");
    assert_eq!(attrs["ConfirmationWasAuthenticated"], "true");
    // Confirming again answers the same subscription.
    assert_eq!(
        sns.confirm_subscription(&ctx(), Some(&topic), Some(&token), None)
            .await,
        Ok(arn.clone())
    );
    let missing = format!("{topic}-gone");
    assert_eq!(
        sns.confirm_subscription(&ctx(), Some(&missing), Some(&token), None)
            .await
            .unwrap_err()
            .message,
        "Invalid parameter: Token"
    );
}

#[tokio::test]
async fn cross_account_queues_wait_for_confirmation() {
    let sns = sns();
    let topic = sns.create_topic(&ctx(), create("t", &[])).await.unwrap();
    let answer = sns
        .subscribe(
            &ctx(),
            subscribe(&topic, "sqs", "arn:aws:sqs:us-east-1:222222222222:q"),
        )
        .await
        .unwrap();
    assert_eq!(answer, "pending confirmation");
    let own = sns
        .subscribe(
            &ctx(),
            subscribe(
                &topic,
                "lambda",
                "arn:aws:lambda:us-east-1:000000000000:function:f",
            ),
        )
        .await
        .unwrap();
    assert!(own.starts_with(&topic));
}

#[tokio::test]
async fn fifo_topics_take_fifo_dead_letter_queues_and_standard_ones_refuse_fifo_queues() {
    let sns = sns();
    let fifo = sns
        .create_topic(&ctx(), create("f.fifo", &[("FifoTopic", "true")]))
        .await
        .unwrap();
    let mut input = subscribe(&fifo, "sqs", "arn:aws:sqs:us-east-1:000000000000:q.fifo");
    input.attributes = vec![(
        "RedrivePolicy".into(),
        r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"}"#.into(),
    )];
    assert_eq!(
        sns.subscribe(&ctx(), input).await.unwrap_err().message,
        "Invalid parameter: Attributes Reason: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic."
    );
    let standard = sns.create_topic(&ctx(), create("s", &[])).await.unwrap();
    let e = sns
        .subscribe(
            &ctx(),
            subscribe(
                &standard,
                "sqs",
                "arn:aws:sqs:us-east-1:000000000000:q.fifo",
            ),
        )
        .await
        .unwrap_err();
    assert!(e
        .message
        .ends_with("FIFO SQS Queues can not be subscribed to standard SNS topics"));
    // Content-based deduplication is a FIFO topic's attribute only.
    assert!(sns
        .create_topic(
            &ctx(),
            create("s2", &[("ContentBasedDeduplication", "true")])
        )
        .await
        .is_err());
}

#[tokio::test]
async fn list_topics_pages_with_an_opaque_token() {
    let sns = sns();
    for i in 0..205 {
        sns.create_topic(&ctx(), create(&format!("t{i:03}"), &[]))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = sns.list_topics(&ctx(), token.as_deref()).await.unwrap();
        assert!(page.topic_arns.len() <= 100);
        seen.extend(page.topic_arns);
        match page.next_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 205);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        sns.list_topics(&ctx(), Some("%%%"))
            .await
            .unwrap_err()
            .message,
        "Invalid parameter: NextToken"
    );
}

/// Eve's own identity policy allows every SNS action; across accounts the topic's
/// policy must allow it too.
const ALL_SNS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}"#;

#[tokio::test]
async fn topic_policies_and_identity_policies_decide_access() {
    let sns = sns();
    let topic = sns.create_topic(&ctx(), create("t", &[])).await.unwrap();
    let outsider = |action: &str| SnsContext {
        access: Some(Access {
            action: action.to_owned(),
            ..Access::new(Arc::new(
                Caller::new(
                    "999999999999",
                    Some("arn:aws:iam::999999999999:user/eve"),
                    &[ALL_SNS.to_owned()],
                )
                .unwrap(),
            ))
        }),
        ..SnsContext::open(REGION, "999999999999")
    };
    let e = sns
        .get_topic_attributes(&outsider("GetTopicAttributes"), Some(&topic))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},"Action":"sns:GetTopicAttributes","Resource":"{topic}"}}]}}"#
    );
    sns.set_topic_attributes(&ctx(), Some(&topic), Some("Policy"), Some(&policy))
        .await
        .unwrap();
    let attrs = sns
        .get_topic_attributes(&outsider("GetTopicAttributes"), Some(&topic))
        .await
        .unwrap();
    assert_eq!(attrs["Policy"], policy);
    // The topic's policy grants reading only.
    let e = sns
        .delete_topic(&outsider("DeleteTopic"), Some(&topic))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
    // Existence is not revealed to callers without access.
    let e = sns
        .get_topic_attributes(
            &outsider("GetTopicAttributes"),
            Some("arn:aws:sns:us-east-1:000000000000:none"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
}

#[tokio::test]
async fn tags_are_limited_to_fifty_a_topic() {
    let sns = sns();
    let topic = sns.create_topic(&ctx(), create("t", &[])).await.unwrap();
    let tags: Vec<Tag> = (0..50)
        .map(|i| Tag {
            key: format!("k{i}"),
            value: String::new(),
        })
        .collect();
    sns.tag_resource(&ctx(), Some(&topic), &tags).await.unwrap();
    let one_more = [Tag {
        key: "extra".into(),
        value: "v".into(),
    }];
    let e = sns
        .tag_resource(&ctx(), Some(&topic), &one_more)
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::TagLimitExceeded);
    assert_eq!(
        sns.list_tags_for_resource(&ctx(), Some(&topic))
            .await
            .unwrap()
            .len(),
        50
    );
    let e = sns
        .tag_resource(
            &ctx(),
            Some(&topic),
            &[Tag {
                key: String::new(),
                value: "v".into(),
            }],
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::InvalidParameter);
}
