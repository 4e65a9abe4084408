//! Publish fanning out to queue subscriptions, SNS and SQS over one embedded store with
//! a manual clock: the envelope and what was signed, filter policies, raw delivery,
//! MessageStructure=json, validation texts, and queue policies deciding for the topic.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use common::sns_world::*;
use common::*;
use sluice_core::access::{Access, Caller};
use sluice_core::clock::ManualClock;
use sluice_core::sns::api::{
    CreateTopicInput, PublishAttribute, PublishBatchEntry, PublishInput, SubscribeInput,
};
use sluice_core::sns::{Fanout, Sns, SnsContext, SnsErrorKind};
use sluice_core::sqs::api::Message;
use sluice_core::sqs::Sqs;

#[tokio::test]
async fn a_queue_receives_the_signed_notification() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (url, subscription) = w.queue_subscribed(&topic, "q", &[]).await;
    let mut input = publish(&topic, "hello");
    input.subject = Some("greeting".to_owned());
    input.message_attributes = vec![("colour".to_owned(), string_attribute("red"))];
    let out = w.sns.publish(&ctx(), &w.fanout, input).await.unwrap();
    let messages = w.receive(&url).await;
    assert_eq!(messages.len(), 1);
    let doc: serde_json::Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(doc["Type"], "Notification");
    assert_eq!(doc["MessageId"], out.message_id.as_str());
    assert_eq!(doc["TopicArn"], topic.as_str());
    assert_eq!(doc["Subject"], "greeting");
    assert_eq!(doc["Message"], "hello");
    assert_eq!(doc["Timestamp"], "2023-11-14T22:13:20.000Z");
    assert_eq!(doc["SignatureVersion"], "1");
    assert_eq!(
        doc["SigningCertURL"],
        format!("{BASE_URL}/_sluice/sns/signing-cert.pem")
    );
    assert_eq!(
        doc["UnsubscribeURL"],
        format!("{BASE_URL}/?Action=Unsubscribe&SubscriptionArn={subscription}")
    );
    assert_eq!(
        doc["MessageAttributes"]["colour"],
        serde_json::json!({"Type": "String", "Value": "red"})
    );
    let signature = base64::engine::general_purpose::STANDARD
        .decode(doc["Signature"].as_str().unwrap())
        .unwrap();
    let expected = format!(
        "v1:Message\nhello\nMessageId\n{}\nSubject\ngreeting\nTimestamp\n\
         2023-11-14T22:13:20.000Z\nTopicArn\n{topic}\nType\nNotification\n",
        out.message_id
    );
    assert_eq!(String::from_utf8(signature).unwrap(), expected);
    // The envelope carries the attributes; the SQS message has none of its own.
    assert!(messages[0].message_attributes.is_empty());
}

#[tokio::test]
async fn the_topic_signature_version_is_used() {
    let w = world();
    let topic = w.topic("t", &[("SignatureVersion", "2")]).await;
    let (url, _) = w.queue_subscribed(&topic, "q", &[]).await;
    w.sns
        .publish(&ctx(), &w.fanout, publish(&topic, "m"))
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&w.receive(&url).await[0].body).unwrap();
    assert_eq!(doc["SignatureVersion"], "2");
    let signature = base64::engine::general_purpose::STANDARD
        .decode(doc["Signature"].as_str().unwrap())
        .unwrap();
    assert!(signature.starts_with(b"v2:"));
}

#[tokio::test]
async fn filter_policies_choose_the_queues() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (red, _) = w
        .queue_subscribed(&topic, "red", &[("FilterPolicy", r#"{"colour":["red"]}"#)])
        .await;
    let (big, _) = w
        .queue_subscribed(
            &topic,
            "big",
            &[
                ("FilterPolicy", r#"{"size":[{"numeric":[">",10]}]}"#),
                ("FilterPolicyScope", "MessageBody"),
            ],
        )
        .await;
    let (all, _) = w.queue_subscribed(&topic, "all", &[]).await;
    let mut input = publish(&topic, r#"{"size":5}"#);
    input.message_attributes = vec![("colour".to_owned(), string_attribute("red"))];
    w.sns.publish(&ctx(), &w.fanout, input).await.unwrap();
    let mut input = publish(&topic, r#"{"size":50}"#);
    input.message_attributes = vec![("colour".to_owned(), string_attribute("blue"))];
    w.sns.publish(&ctx(), &w.fanout, input).await.unwrap();
    let message_of = |m: &Message| {
        let doc: serde_json::Value = serde_json::from_str(&m.body).unwrap();
        doc["Message"].as_str().unwrap().to_owned()
    };
    let red: Vec<_> = w.receive(&red).await.iter().map(message_of).collect();
    let big: Vec<_> = w.receive(&big).await.iter().map(message_of).collect();
    assert_eq!(red, [r#"{"size":5}"#]);
    assert_eq!(big, [r#"{"size":50}"#]);
    assert_eq!(w.receive(&all).await.len(), 2);
}

#[tokio::test]
async fn raw_delivery_sends_the_body_and_maps_attributes() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (url, _) = w
        .queue_subscribed(&topic, "raw", &[("RawMessageDelivery", "true")])
        .await;
    let mut input = publish(&topic, "raw body");
    input.message_attributes = vec![
        ("s".to_owned(), string_attribute("v")),
        (
            "n".to_owned(),
            PublishAttribute {
                data_type: "Number".to_owned(),
                string_value: Some("42".to_owned()),
                binary_value: None,
            },
        ),
        (
            "b".to_owned(),
            PublishAttribute {
                data_type: "Binary".to_owned(),
                string_value: None,
                binary_value: Some(vec![0, 1, 2]),
            },
        ),
    ];
    w.sns.publish(&ctx(), &w.fanout, input).await.unwrap();
    let messages = w.receive(&url).await;
    assert_eq!(messages[0].body, "raw body");
    let attrs = &messages[0].message_attributes;
    assert_eq!(attrs["s"].string_value.as_deref(), Some("v"));
    assert_eq!(attrs["n"].data_type, "Number");
    assert_eq!(attrs["n"].string_value.as_deref(), Some("42"));
    assert_eq!(attrs["b"].binary_value.as_ref().unwrap().0, vec![0, 1, 2]);
}

#[tokio::test]
async fn message_structure_json_picks_the_sqs_body() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (url, _) = w
        .queue_subscribed(&topic, "q", &[("RawMessageDelivery", "true")])
        .await;
    let mut input = publish(&topic, r#"{"default":"d","sqs":"for queues"}"#);
    input.message_structure = Some("json".to_owned());
    w.sns.publish(&ctx(), &w.fanout, input).await.unwrap();
    let mut input = publish(&topic, r#"{"default":"only default"}"#);
    input.message_structure = Some("json".to_owned());
    w.sns.publish(&ctx(), &w.fanout, input).await.unwrap();
    let bodies: Vec<_> = w.receive(&url).await.into_iter().map(|m| m.body).collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.contains(&"for queues".to_owned()));
    assert!(bodies.contains(&"only default".to_owned()));
}

#[tokio::test]
async fn invalid_publishes_get_aws_errors() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let error = |input: PublishInput| {
        let w = &w;
        async move { w.sns.publish(&ctx(), &w.fanout, input).await.unwrap_err() }
    };
    let e = error(publish(&topic, "")).await;
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            SnsErrorKind::InvalidParameter,
            "Invalid parameter: Empty message"
        )
    );
    let mut input = publish(&topic, "m");
    input.subject = Some("line\nbreak".to_owned());
    assert_eq!(error(input).await.message, "Invalid parameter: Subject");
    let mut input = publish(&topic, r#"{"sqs":"x"}"#);
    input.message_structure = Some("json".to_owned());
    assert_eq!(
        error(input).await.message,
        "Invalid parameter: Message Structure - No default entry in JSON message body"
    );
    let e = error(publish(&topic, &"x".repeat(256 * 1024 + 1))).await;
    assert_eq!(e.message, "Invalid parameter: Message too long");
    let mut input = publish(&topic, &"x".repeat(256 * 1024 - 4));
    input.message_attributes = vec![("a".to_owned(), string_attribute("b"))];
    assert_eq!(
        error(input).await.message,
        "Invalid parameter: Message too long",
        "attributes count toward the size"
    );
    let mut input = publish(&topic, "m");
    input.message_attributes = vec![(
        "n".to_owned(),
        PublishAttribute {
            data_type: "Number".to_owned(),
            string_value: None,
            binary_value: Some(vec![1]),
        },
    )];
    let e = error(input).await;
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            SnsErrorKind::ParameterValueInvalid,
            "The message attribute 'n' with type 'Number' must use field 'String'."
        )
    );
    let mut input = publish(&topic, "m");
    input.message_attributes = vec![("a".to_owned(), {
        let mut a = string_attribute("v");
        a.data_type = "Text".to_owned();
        a
    })];
    assert_eq!(
        error(input).await.message,
        "The message attribute 'a' has an invalid message attribute type, the set of \
         supported type prefixes is Binary, Number, and String."
    );
    let e = error(publish(&format!("{topic}-gone"), "m")).await;
    assert_eq!(
        (e.kind, e.message.as_str()),
        (SnsErrorKind::NotFound, "Topic does not exist")
    );
}

#[tokio::test]
async fn a_failed_delivery_does_not_fail_the_publish() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (url, _) = w.queue_subscribed(&topic, "kept", &[]).await;
    // A subscription to a queue that does not exist.
    w.sns
        .subscribe(
            &ctx(),
            SubscribeInput {
                topic_arn: Some(topic.clone()),
                protocol: Some("sqs".to_owned()),
                endpoint: Some(key("never-created").arn()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.sns
        .publish(&ctx(), &w.fanout, publish(&topic, "m"))
        .await
        .unwrap();
    assert_eq!(w.receive(&url).await.len(), 1);
}

#[tokio::test]
async fn a_refused_delivery_goes_to_the_subscription_dead_letter_queue() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (dlq, _) = w.queue_subscribed(&topic, "unrelated-dlq", &[]).await;
    // The DLQ is itself subscribed (so it also gets the publish): count only dead letters.
    let redrive = format!(
        r#"{{"deadLetterTargetArn":"{}"}}"#,
        key("unrelated-dlq").arn()
    );
    let gone = w
        .sns
        .subscribe(
            &ctx(),
            SubscribeInput {
                topic_arn: Some(topic.clone()),
                protocol: Some("sqs".to_owned()),
                endpoint: Some(key("never-created").arn()),
                attributes: [("RedrivePolicy".to_owned(), redrive)].into(),
                return_subscription_arn: true,
            },
        )
        .await
        .unwrap();
    let message_id = w
        .sns
        .publish(&ctx(), &w.fanout, publish(&topic, "lost queue"))
        .await
        .unwrap()
        .message_id;
    let messages = w.receive(&dlq).await;
    assert_eq!(messages.len(), 2, "its own copy and the dead letter");
    let dead: Vec<&Message> = messages
        .iter()
        .filter(|m| m.message_attributes.contains_key("ErrorCode"))
        .collect();
    assert_eq!(dead.len(), 1);
    let attribute = |name: &str| {
        dead[0].message_attributes[name]
            .string_value
            .clone()
            .unwrap_or_default()
    };
    assert_eq!(attribute("ErrorCode"), "400");
    assert_eq!(dead[0].message_attributes["ErrorCode"].data_type, "Number");
    assert!(!attribute("ErrorMessage").is_empty());
    assert_eq!(attribute("RequestID").len(), 36);
    let doc: serde_json::Value = serde_json::from_str(&dead[0].body).unwrap();
    assert_eq!(doc["MessageId"], message_id.as_str());
    assert_eq!(doc["Message"], "lost queue");
    assert!(doc["UnsubscribeURL"].as_str().unwrap().ends_with(&gone));
}

#[tokio::test]
async fn queue_policies_decide_for_the_topic_when_identities_are_configured() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (denied, _) = w.queue_subscribed(&topic, "no-policy", &[]).await;
    let (allowed, _) = w.queue_subscribed(&topic, "allows-topic", &[]).await;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"sns.amazonaws.com"}},"Action":"sqs:SendMessage","Resource":"*","Condition":{{"ArnEquals":{{"aws:SourceArn":"{topic}"}}}}}}]}}"#
    );
    w.sqs
        .set_queue_attributes(
            &request_context(),
            sluice_core::sqs::api::SetQueueAttributesInput {
                queue_url: Some(allowed.clone()),
                attributes: Some([("Policy".to_owned(), policy)].into_iter().collect()),
            },
        )
        .await
        .unwrap();
    let root = Caller::new(ACCOUNT, None, &[]).unwrap();
    let ctx = SnsContext {
        access: Some(Access {
            action: "Publish".to_owned(),
            ..Access::new(Arc::new(root))
        }),
        ..ctx()
    };
    w.sns
        .publish(&ctx, &w.fanout, publish(&topic, "m"))
        .await
        .unwrap();
    assert_eq!(w.receive(&allowed).await.len(), 1);
    assert!(w.receive(&denied).await.is_empty());
}

#[tokio::test]
async fn publish_batch_publishes_good_entries_and_reports_bad_ones() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (url, _) = w
        .queue_subscribed(&topic, "q", &[("RawMessageDelivery", "true")])
        .await;
    let entry = |id: &str, message: &str| PublishBatchEntry {
        id: id.to_owned(),
        message: Some(message.to_owned()),
        ..Default::default()
    };
    let out = w
        .sns
        .publish_batch(
            &ctx(),
            &w.fanout,
            Some(&topic),
            vec![entry("a", "one"), entry("bad", ""), entry("b", "two")],
        )
        .await
        .unwrap();
    let ids: Vec<_> = out.successful.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(out.failed.len(), 1);
    assert_eq!(out.failed[0].id, "bad");
    assert_eq!(
        out.failed[0].error.message,
        "Invalid parameter: Empty message"
    );
    let mut bodies: Vec<_> = w.receive(&url).await.into_iter().map(|m| m.body).collect();
    bodies.sort();
    assert_eq!(bodies, ["one", "two"]);

    let batch_error = |entries: Vec<PublishBatchEntry>| {
        let (w, topic) = (&w, &topic);
        async move {
            w.sns
                .publish_batch(&ctx(), &w.fanout, Some(topic), entries)
                .await
                .unwrap_err()
                .kind
        }
    };
    assert_eq!(batch_error(vec![]).await, SnsErrorKind::EmptyBatchRequest);
    let eleven = (0..11).map(|i| entry(&format!("e{i}"), "m")).collect();
    assert_eq!(
        batch_error(eleven).await,
        SnsErrorKind::TooManyEntriesInBatchRequest
    );
    assert_eq!(
        batch_error(vec![entry("x", "m"), entry("x", "n")]).await,
        SnsErrorKind::BatchEntryIdsNotDistinct
    );
    assert_eq!(
        batch_error(vec![entry("no spaces", "m")]).await,
        SnsErrorKind::InvalidBatchEntryId
    );
    let big = "x".repeat(200 * 1024);
    assert_eq!(
        batch_error(vec![entry("a", &big), entry("b", &big)]).await,
        SnsErrorKind::BatchRequestTooLong
    );
}

#[tokio::test]
async fn http_subscriptions_get_their_documents_through_the_outbox() {
    use sluice_core::sns::outbox::{DeliveryKind, DeliveryOutbox};
    let store = in_memory_store();
    let clock = Arc::new(ManualClock::new(T0));
    let sqs = Sqs::new(store.clone(), clock.clone());
    let sns = Sns::with_outbox(store.clone(), clock, store.clone());
    let fanout = Fanout {
        sqs,
        signer: Arc::new(EchoSigner),
        base_url: BASE_URL.to_owned(),
    };
    let topic = sns
        .create_topic(
            &ctx(),
            CreateTopicInput {
                name: Some("hooks".to_owned()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut arns = Vec::new();
    for (endpoint, filter) in [
        ("http://a.example/", r#"{"colour":["red"]}"#),
        ("https://b.example/", r#"{"colour":["blue"]}"#),
    ] {
        let input = SubscribeInput {
            topic_arn: Some(topic.clone()),
            protocol: Some(endpoint.split(':').next().unwrap().to_owned()),
            endpoint: Some(endpoint.to_owned()),
            attributes: [("FilterPolicy".to_owned(), filter.to_owned())].into(),
            return_subscription_arn: true,
        };
        arns.push(
            sns.subscribe_with(&ctx(), input, Some(&fanout))
                .await
                .unwrap(),
        );
    }
    // Each pending subscription was sent its confirmation, with a working SubscribeURL.
    let confirmations = store.take_due_deliveries(T0, 10).await;
    assert_eq!(confirmations.len(), 2);
    for c in &confirmations {
        assert_eq!(c.delivery.kind, DeliveryKind::SubscriptionConfirmation);
        let doc: serde_json::Value = serde_json::from_str(&c.delivery.body).unwrap();
        let url = doc["SubscribeURL"].as_str().unwrap();
        assert!(url.starts_with(&format!(
            "{BASE_URL}/?Action=ConfirmSubscription&TopicArn={topic}&Token="
        )));
        let token = url.rsplit("Token=").next().unwrap();
        sns.confirm_subscription(&ctx(), Some(&topic), Some(token), None)
            .await
            .unwrap();
        store
            .settle_delivery(c.id, sluice_core::sns::outbox::DeliveryOutcome::Finished)
            .await
            .unwrap();
    }
    // A publish reaches only the subscription whose filter matches, with its
    // protocol's body from MessageStructure=json.
    let mut input = publish(
        &topic,
        r#"{"default":"for everyone","http":"for http","https":"for https"}"#,
    );
    input.message_structure = Some("json".to_owned());
    input
        .message_attributes
        .push(("colour".to_owned(), string_attribute("blue")));
    let message_id = sns
        .publish(&ctx(), &fanout, input)
        .await
        .unwrap()
        .message_id;
    let due = store.take_due_deliveries(T0, 10).await;
    assert_eq!(due.len(), 1);
    let d = &due[0].delivery;
    assert_eq!(
        (d.kind, d.subscription_arn.as_str(), d.endpoint.as_str()),
        (
            DeliveryKind::Notification,
            arns[1].as_str(),
            "https://b.example/"
        )
    );
    assert_eq!(d.message_id, message_id);
    assert_eq!(d.content_type, "text/plain; charset=UTF-8");
    assert_eq!(d.retry.schedule_s(), [20, 20, 20]);
    let doc: serde_json::Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(doc["Message"], "for https");
    store
        .settle_delivery(
            due[0].id,
            sluice_core::sns::outbox::DeliveryOutcome::Finished,
        )
        .await
        .unwrap();
    // Unsubscribing a confirmed endpoint sends it an UnsubscribeConfirmation.
    sns.unsubscribe_with(&ctx(), Some(&arns[0]), Some(&fanout), false)
        .await
        .unwrap();
    let due = store.take_due_deliveries(T0, 10).await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].delivery.kind, DeliveryKind::UnsubscribeConfirmation);
    assert_eq!(due[0].delivery.subscription_arn, arns[0]);
}
