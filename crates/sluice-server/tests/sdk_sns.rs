//! SNS through the real `aws-sdk-sns` crate (AWS Query) against the `sluice` binary:
//! topics (attributes, tags, idempotent create), SQS subscriptions made from queues the
//! `aws-sdk-sqs` crate created, the notification document a queue receives (every field),
//! filter policies on attributes and on the body, raw delivery, PublishBatch, attribute
//! calls, unsubscribe, delete, and errors as the SDK surfaces them. Signature
//! verification lives in `sns_fanout.rs`; boto3 covers the same flows in `tests/e2e`.

mod common;

use std::collections::HashMap;

use aws_sdk_sns::error::ProvideErrorMetadata as _;
use aws_sdk_sns::primitives::Blob;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry, Tag};
use aws_sdk_sqs::types::{Message, QueueAttributeName};
use base64::Engine as _;
use common::process::Sluice;
use serde_json::Value;

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "000000000000";
/// Where the server serves its signing certificate (the notifications' SigningCertURL).
const SIGNING_CERT_PATH: &str = "/_sluice/sns/signing-cert.pem";

/// A `sluice` process over a fresh data directory, with both SDK clients pointed at it.
struct Env {
    endpoint: String,
    sns: aws_sdk_sns::Client,
    sqs: aws_sdk_sqs::Client,
    _server: Sluice,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Env {
    fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let logs = tempfile::tempdir().unwrap();
        let server = Sluice::start(data.path(), logs.path(), "sns");
        let endpoint = server.endpoint();
        let config = aws_sdk_sns::Config::builder()
            .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
            .region(aws_sdk_sns::config::Region::new(REGION))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_sdk_sns::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .retry_config(aws_sdk_sns::config::retry::RetryConfig::disabled())
            .build();
        Self {
            sns: aws_sdk_sns::Client::from_conf(config),
            sqs: server.client(),
            endpoint,
            _server: server,
            _dirs: (data, logs),
        }
    }

    async fn topic(&self, name: &str) -> String {
        self.sns
            .create_topic()
            .name(name)
            .send()
            .await
            .expect("create topic")
            .topic_arn()
            .expect("topic arn")
            .to_owned()
    }

    /// A queue made with `aws-sdk-sqs`: its URL and ARN.
    async fn queue(&self, name: &str, fifo: bool) -> (String, String) {
        let mut create = self.sqs.create_queue().queue_name(name);
        if fifo {
            create = create.attributes(QueueAttributeName::FifoQueue, "true");
        }
        let url = create
            .send()
            .await
            .expect("create queue")
            .queue_url()
            .unwrap()
            .to_owned();
        let arn = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes")
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .expect("QueueArn")
            .clone();
        (url, arn)
    }

    /// Subscribes the queue `queue_arn` to `topic`; the subscription ARN.
    async fn subscribe(&self, topic: &str, queue_arn: &str, attributes: &[(&str, &str)]) -> String {
        let mut request = self
            .sns
            .subscribe()
            .topic_arn(topic)
            .protocol("sqs")
            .endpoint(queue_arn)
            .return_subscription_arn(true);
        for (k, v) in attributes {
            request = request.attributes(*k, *v);
        }
        request
            .send()
            .await
            .expect("subscribe")
            .subscription_arn()
            .expect("subscription arn")
            .to_owned()
    }

    /// Receives until the queue answers empty (messages stay hidden for 10 minutes).
    async fn drain(&self, url: &str) -> Vec<Message> {
        let mut all = Vec::new();
        loop {
            let got = self
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .visibility_timeout(600)
                .wait_time_seconds(0)
                .message_attribute_names("All")
                .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
                .send()
                .await
                .expect("receive")
                .messages
                .unwrap_or_default();
            if got.is_empty() {
                return all;
            }
            all.extend(got);
        }
    }

    /// The notification documents in a queue, drained.
    async fn notifications(&self, url: &str) -> Vec<Value> {
        self.drain(url)
            .await
            .iter()
            .map(|m| serde_json::from_str(m.body().unwrap()).expect("a JSON notification"))
            .collect()
    }
}

fn string_attr(data_type: &str, value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(value)
        .build()
        .unwrap()
}

fn binary_attr(bytes: &[u8]) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("Binary")
        .binary_value(Blob::new(bytes.to_vec()))
        .build()
        .unwrap()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as SNS writes notification timestamps.
fn is_iso_millis(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    b.len() == 24
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && b[23] == b'Z'
}

/// The `Message` fields of notifications, sorted.
fn messages_of(docs: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = docs
        .iter()
        .map(|d| d["Message"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn create_topic_keeps_attributes_and_tags_and_is_idempotent() {
    let env = Env::start();
    let created = env
        .sns
        .create_topic()
        .name("orders")
        .attributes("DisplayName", "Orders")
        .tags(tag("team", "billing"))
        .tags(tag("env", "test"))
        .send()
        .await
        .expect("create topic");
    let arn = created.topic_arn().unwrap().to_owned();
    assert_eq!(arn, format!("arn:aws:sns:{REGION}:{ACCOUNT}:orders"));

    let attrs = env
        .sns
        .get_topic_attributes()
        .topic_arn(&arn)
        .send()
        .await
        .unwrap()
        .attributes()
        .cloned()
        .unwrap();
    assert_eq!(attrs["TopicArn"], arn);
    assert_eq!(attrs["DisplayName"], "Orders");
    assert_eq!(attrs["Owner"], ACCOUNT);
    assert_eq!(attrs["SubscriptionsConfirmed"], "0");
    assert_eq!(attrs["SubscriptionsPending"], "0");
    let policy: Value = serde_json::from_str(&attrs["Policy"]).expect("Policy is JSON");
    assert!(policy["Statement"].is_array(), "{policy}");

    let tags = env
        .sns
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let mut tags: Vec<(String, String)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            ("env".to_owned(), "test".to_owned()),
            ("team".to_owned(), "billing".to_owned())
        ]
    );

    // The same request again answers the same topic.
    let again = env
        .sns
        .create_topic()
        .name("orders")
        .attributes("DisplayName", "Orders")
        .tags(tag("team", "billing"))
        .send()
        .await
        .expect("idempotent create");
    assert_eq!(again.topic_arn(), Some(arn.as_str()));

    // Other attributes, or other tags, on the same name are refused.
    let err = env
        .sns
        .create_topic()
        .name("orders")
        .attributes("DisplayName", "Something else")
        .send()
        .await
        .expect_err("differing attributes");
    assert_eq!(err.code(), Some("InvalidParameter"), "{err:?}");
    assert_eq!(
        err.message(),
        Some(
            "Invalid parameter: Attributes Reason: Topic already exists with different attributes"
        )
    );
    assert!(err.into_service_error().is_invalid_parameter_exception());
    let err = env
        .sns
        .create_topic()
        .name("orders")
        .tags(tag("team", "sales"))
        .send()
        .await
        .expect_err("differing tags");
    assert_eq!(
        err.message(),
        Some("Invalid parameter: Tags Reason: Topic already exists with different tags")
    );

    let listed = env.sns.list_topics().send().await.unwrap();
    let arns: Vec<&str> = listed
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn())
        .collect();
    assert_eq!(arns, [arn.as_str()]);
}

#[tokio::test]
async fn a_queue_receives_the_notification_with_every_field() {
    let env = Env::start();
    let topic = env.topic("events").await;
    let (url, queue_arn) = env.queue("events-copy", false).await;
    let subscription = env.subscribe(&topic, &queue_arn, &[]).await;
    assert!(
        subscription.starts_with(&format!("{topic}:")),
        "{subscription}"
    );

    let published = env
        .sns
        .publish()
        .topic_arn(&topic)
        .subject("Greeting")
        .message("hello \"world\"\nline two")
        .message_attributes("colour", string_attr("String", "blue"))
        .message_attributes("count", string_attr("Number", "42"))
        .message_attributes("raw", binary_attr(&[0, 1, 2, 255]))
        .send()
        .await
        .expect("publish");
    let message_id = published.message_id().expect("message id").to_owned();
    assert_eq!(published.sequence_number(), None);

    let received = env.drain(&url).await;
    assert_eq!(received.len(), 1);
    let body = received[0].body().unwrap();
    assert_eq!(
        received[0].md5_of_body(),
        Some(common::md5_hex(body.as_bytes()).as_str())
    );
    let doc: Value = serde_json::from_str(body).unwrap();
    let fields: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
        "MessageAttributes",
    ];
    let mut got = fields.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "{doc}");
    assert_eq!(doc["Type"], "Notification");
    assert_eq!(doc["MessageId"], message_id.as_str());
    assert_eq!(doc["TopicArn"], topic.as_str());
    assert_eq!(doc["Subject"], "Greeting");
    assert_eq!(doc["Message"], "hello \"world\"\nline two");
    let timestamp = doc["Timestamp"].as_str().unwrap();
    assert!(is_iso_millis(timestamp), "Timestamp {timestamp}");
    assert_eq!(doc["SignatureVersion"], "1");
    let signature = doc["Signature"].as_str().unwrap();
    assert!(
        base64::engine::general_purpose::STANDARD
            .decode(signature)
            .is_ok_and(|s| s.len() >= 256),
        "Signature {signature}"
    );
    assert_eq!(
        doc["SigningCertURL"],
        format!("{}{SIGNING_CERT_PATH}", env.endpoint).as_str()
    );
    assert_eq!(
        doc["UnsubscribeURL"],
        format!(
            "{}/?Action=Unsubscribe&SubscriptionArn={subscription}",
            env.endpoint
        )
        .as_str()
    );
    assert_eq!(
        doc["MessageAttributes"],
        serde_json::json!({
            "colour": {"Type": "String", "Value": "blue"},
            "count": {"Type": "Number", "Value": "42"},
            "raw": {"Type": "Binary", "Value": "AAEC/w=="},
        })
    );
    // Without raw delivery the SQS message itself carries no message attributes.
    assert!(received[0]
        .message_attributes()
        .is_none_or(HashMap::is_empty));
}

#[tokio::test]
async fn filter_policies_select_on_attributes_and_on_the_body() {
    let env = Env::start();
    let topic = env.topic("shapes").await;
    let (by_attr_url, by_attr_arn) = env.queue("by-attribute", false).await;
    let (by_body_url, by_body_arn) = env.queue("by-body", false).await;
    env.subscribe(
        &topic,
        &by_attr_arn,
        &[("FilterPolicy", r#"{"colour":["red"]}"#)],
    )
    .await;
    env.subscribe(
        &topic,
        &by_body_arn,
        &[
            ("FilterPolicy", r#"{"size":[{"numeric":[">",10]}]}"#),
            ("FilterPolicyScope", "MessageBody"),
        ],
    )
    .await;

    for (colour, size) in [("red", 5), ("blue", 20), ("red", 30), ("green", 1)] {
        env.sns
            .publish()
            .topic_arn(&topic)
            .message(format!(r#"{{"size":{size},"colour":"{colour}"}}"#))
            .message_attributes("colour", string_attr("String", colour))
            .send()
            .await
            .expect("publish");
    }
    // A body that is not JSON matches no MessageBody policy, and fails no publish.
    env.sns
        .publish()
        .topic_arn(&topic)
        .message("not json")
        .message_attributes("colour", string_attr("String", "red"))
        .send()
        .await
        .expect("publish");

    assert_eq!(
        messages_of(&env.notifications(&by_attr_url).await),
        [
            "not json",
            r#"{"size":30,"colour":"red"}"#,
            r#"{"size":5,"colour":"red"}"#,
        ]
    );
    assert_eq!(
        messages_of(&env.notifications(&by_body_url).await),
        [
            r#"{"size":20,"colour":"blue"}"#,
            r#"{"size":30,"colour":"red"}"#,
        ]
    );
}

#[tokio::test]
async fn raw_delivery_sends_the_body_and_attributes_as_sqs_attributes() {
    let env = Env::start();
    let topic = env.topic("raw").await;
    let (url, arn) = env.queue("raw-copy", false).await;
    let subscription = env
        .subscribe(&topic, &arn, &[("RawMessageDelivery", "true")])
        .await;
    let attrs = env
        .sns
        .get_subscription_attributes()
        .subscription_arn(&subscription)
        .send()
        .await
        .unwrap()
        .attributes()
        .cloned()
        .unwrap();
    assert_eq!(attrs["RawMessageDelivery"], "true");

    env.sns
        .publish()
        .topic_arn(&topic)
        .subject("ignored by raw delivery")
        .message("{\"just\":\"the body\"}")
        .message_attributes("colour", string_attr("String", "blue"))
        .message_attributes("count", string_attr("Number.int", "7"))
        .message_attributes("raw", binary_attr(b"\x00bytes\xff"))
        .send()
        .await
        .expect("publish");

    let received = env.drain(&url).await;
    assert_eq!(received.len(), 1);
    let m = &received[0];
    assert_eq!(m.body(), Some("{\"just\":\"the body\"}"));
    let attrs = m.message_attributes().expect("message attributes");
    assert_eq!(attrs.len(), 3, "{attrs:?}");
    assert_eq!(attrs["colour"].data_type(), "String");
    assert_eq!(attrs["colour"].string_value(), Some("blue"));
    assert_eq!(attrs["count"].data_type(), "Number.int");
    assert_eq!(attrs["count"].string_value(), Some("7"));
    assert_eq!(attrs["raw"].data_type(), "Binary");
    assert_eq!(
        attrs["raw"].binary_value().map(|b| b.as_ref().to_vec()),
        Some(b"\x00bytes\xff".to_vec())
    );
    let sqs_attrs: HashMap<String, aws_sdk_sqs::types::MessageAttributeValue> = attrs.clone();
    assert_eq!(
        m.md5_of_message_attributes(),
        Some(common::md5_of_sdk_attributes(&sqs_attrs).as_str())
    );
}

#[tokio::test]
async fn publish_batch_reports_successes_and_failed_entries() {
    let env = Env::start();
    let topic = env.topic("batch").await;
    let (url, arn) = env.queue("batch-copy", false).await;
    env.subscribe(&topic, &arn, &[]).await;

    let entry =
        |id: &str, message: &str| PublishBatchRequestEntry::builder().id(id).message(message);
    let out = env
        .sns
        .publish_batch()
        .topic_arn(&topic)
        .publish_batch_request_entries(entry("first", "one").build().unwrap())
        .publish_batch_request_entries(
            entry("bad-subject", "two")
                .subject("x".repeat(101))
                .build()
                .unwrap(),
        )
        .publish_batch_request_entries(
            entry("third", "three")
                .message_attributes("n", string_attr("Number", "3"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("publish batch");

    let mut ok: Vec<(&str, &str)> = out
        .successful()
        .iter()
        .map(|s| (s.id().unwrap(), s.message_id().unwrap()))
        .collect();
    ok.sort();
    assert_eq!(ok.len(), 2);
    assert_eq!((ok[0].0, ok[1].0), ("first", "third"));
    assert_ne!(ok[0].1, ok[1].1);
    let failed = out.failed();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id(), "bad-subject");
    assert_eq!(failed[0].code(), "InvalidParameter");
    assert_eq!(failed[0].message(), Some("Invalid parameter: Subject"));
    assert!(failed[0].sender_fault());

    let docs = env.notifications(&url).await;
    assert_eq!(messages_of(&docs), ["one", "three"]);
    for doc in &docs {
        let id = doc["MessageId"].as_str().unwrap();
        let expected = if doc["Message"] == "one" {
            ok[0].1
        } else {
            ok[1].1
        };
        assert_eq!(id, expected);
    }

    // A request-level batch error: two entries with one Id.
    let err = env
        .sns
        .publish_batch()
        .topic_arn(&topic)
        .publish_batch_request_entries(entry("same", "a").build().unwrap())
        .publish_batch_request_entries(entry("same", "b").build().unwrap())
        .send()
        .await
        .expect_err("duplicate ids");
    assert!(err
        .into_service_error()
        .is_batch_entry_ids_not_distinct_exception());
}

#[tokio::test]
async fn attributes_are_listed_read_and_changed() {
    let env = Env::start();
    let topic = env.topic("settings").await;
    let (_, arn) = env.queue("settings-copy", false).await;
    let subscription = env.subscribe(&topic, &arn, &[]).await;

    env.sns
        .set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("DisplayName")
        .attribute_value("Settings")
        .send()
        .await
        .unwrap();
    let attrs = env
        .sns
        .get_topic_attributes()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap()
        .attributes()
        .cloned()
        .unwrap();
    assert_eq!(attrs["DisplayName"], "Settings");
    assert_eq!(attrs["SubscriptionsConfirmed"], "1");

    let by_topic = env
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap();
    let subs = by_topic.subscriptions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].subscription_arn(), Some(subscription.as_str()));
    assert_eq!(subs[0].protocol(), Some("sqs"));
    assert_eq!(subs[0].endpoint(), Some(arn.as_str()));
    assert_eq!(subs[0].topic_arn(), Some(topic.as_str()));
    assert_eq!(subs[0].owner(), Some(ACCOUNT));
    let all = env.sns.list_subscriptions().send().await.unwrap();
    assert_eq!(all.subscriptions().len(), 1);

    let sub_attrs = |env: &Env| {
        let sns = env.sns.clone();
        let subscription = subscription.clone();
        async move {
            sns.get_subscription_attributes()
                .subscription_arn(&subscription)
                .send()
                .await
                .unwrap()
                .attributes()
                .cloned()
                .unwrap()
        }
    };
    let attrs = sub_attrs(&env).await;
    assert_eq!(attrs["SubscriptionArn"], subscription);
    assert_eq!(attrs["TopicArn"], topic);
    assert_eq!(attrs["Protocol"], "sqs");
    assert_eq!(attrs["Endpoint"], arn);
    assert_eq!(attrs["Owner"], ACCOUNT);
    assert_eq!(attrs["RawMessageDelivery"], "false");
    assert_eq!(attrs["PendingConfirmation"], "false");
    assert_eq!(attrs["ConfirmationWasAuthenticated"], "true");
    assert!(!attrs.contains_key("FilterPolicy"), "{attrs:?}");

    env.sns
        .set_subscription_attributes()
        .subscription_arn(&subscription)
        .attribute_name("FilterPolicy")
        .attribute_value(r#"{"kind":["a","b"]}"#)
        .send()
        .await
        .unwrap();
    let attrs = sub_attrs(&env).await;
    let policy: Value = serde_json::from_str(&attrs["FilterPolicy"]).unwrap();
    assert_eq!(policy, serde_json::json!({"kind": ["a", "b"]}));
    assert_eq!(attrs["FilterPolicyScope"], "MessageAttributes");
}

#[tokio::test]
async fn unsubscribe_stops_delivery_and_delete_topic_removes_it() {
    let env = Env::start();
    let topic = env.topic("short-lived").await;
    let (url, arn) = env.queue("short-lived-copy", false).await;
    let subscription = env.subscribe(&topic, &arn, &[]).await;
    env.sns
        .publish()
        .topic_arn(&topic)
        .message("before")
        .send()
        .await
        .unwrap();

    env.sns
        .unsubscribe()
        .subscription_arn(&subscription)
        .send()
        .await
        .expect("unsubscribe");
    let subs = env
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap();
    assert!(subs.subscriptions().is_empty());
    env.sns
        .publish()
        .topic_arn(&topic)
        .message("after")
        .send()
        .await
        .expect("publishing to a topic without subscribers succeeds");
    assert_eq!(messages_of(&env.notifications(&url).await), ["before"]);

    env.sns
        .delete_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("delete topic");
    assert!(env
        .sns
        .list_topics()
        .send()
        .await
        .unwrap()
        .topics()
        .is_empty());
    let err = env
        .sns
        .publish()
        .topic_arn(&topic)
        .message("gone")
        .send()
        .await
        .expect_err("publish to a deleted topic");
    assert_eq!(err.code(), Some("NotFound"));
    assert!(err.into_service_error().is_not_found_exception());
    // Deleting again is not an error, as on AWS.
    env.sns
        .delete_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("delete is idempotent");
}

#[tokio::test]
async fn errors_come_back_as_the_sdk_models_them() {
    let env = Env::start();
    let missing = format!("arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic");
    let err = env
        .sns
        .get_topic_attributes()
        .topic_arn(&missing)
        .send()
        .await
        .expect_err("missing topic");
    assert_eq!(err.code(), Some("NotFound"));
    assert_eq!(err.message(), Some("Topic does not exist"));
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(404));
    assert!(err.into_service_error().is_not_found_exception());

    let topic = env.topic("strict").await;
    let (_, arn) = env.queue("strict-copy", false).await;
    let err = env
        .sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&arn)
        .attributes("FilterPolicy", r#"{"key":[{"wrong-operator":true}]}"#)
        .send()
        .await
        .expect_err("bad filter policy");
    assert_eq!(err.code(), Some("InvalidParameter"));
    assert_eq!(
        err.message(),
        Some("Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized match type wrong-operator")
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    assert!(err.into_service_error().is_invalid_parameter_exception());

    // The same policy through SetSubscriptionAttributes, worded without "Attributes Reason".
    let subscription = env.subscribe(&topic, &arn, &[]).await;
    let err = env
        .sns
        .set_subscription_attributes()
        .subscription_arn(&subscription)
        .attribute_name("FilterPolicy")
        .attribute_value(r#"{"key":[{"wrong-operator":true}]}"#)
        .send()
        .await
        .expect_err("bad filter policy");
    assert_eq!(
        err.message(),
        Some("Invalid parameter: FilterPolicy: Unrecognized match type wrong-operator")
    );

    let err = env
        .sns
        .publish()
        .topic_arn(&topic)
        .message("")
        .send()
        .await
        .expect_err("empty message");
    assert_eq!(err.message(), Some("Invalid parameter: Empty message"));
    assert!(err.into_service_error().is_invalid_parameter_exception());
}

#[tokio::test]
async fn fifo_topic_delivers_in_group_order_and_deduplicates() {
    let env = Env::start();
    let topic = env
        .sns
        .create_topic()
        .name("ledger.fifo")
        .attributes("FifoTopic", "true")
        .send()
        .await
        .expect("create FIFO topic")
        .topic_arn()
        .unwrap()
        .to_owned();
    let (url, arn) = env.queue("ledger-copy.fifo", true).await;
    env.subscribe(&topic, &arn, &[]).await;

    let mut sequence_numbers = Vec::new();
    let mut ids = HashMap::new();
    for (i, group) in [(0, "a"), (1, "b"), (2, "a"), (3, "b"), (4, "a")] {
        let out = env
            .sns
            .publish()
            .topic_arn(&topic)
            .message(format!("{group}-{i}"))
            .message_group_id(group)
            .message_deduplication_id(format!("dedup-{i}"))
            .send()
            .await
            .expect("FIFO publish");
        let seq = out.sequence_number().expect("SequenceNumber").to_owned();
        sequence_numbers.push(seq.parse::<u128>().expect("numeric sequence number"));
        ids.insert(
            format!("{group}-{i}"),
            (out.message_id().unwrap().to_owned(), seq),
        );
    }
    assert!(
        sequence_numbers.windows(2).all(|w| w[0] < w[1]),
        "{sequence_numbers:?}"
    );
    // The same deduplication id again is accepted and not delivered twice.
    let repeat = env
        .sns
        .publish()
        .topic_arn(&topic)
        .message("a-0 again")
        .message_group_id("a")
        .message_deduplication_id("dedup-0")
        .send()
        .await
        .expect("duplicate publish");
    assert_eq!(repeat.message_id(), Some(ids["a-0"].0.as_str()));

    let docs = env.notifications(&url).await;
    let in_group = |g: &str| -> Vec<String> {
        docs.iter()
            .map(|d| d["Message"].as_str().unwrap().to_owned())
            .filter(|m| m.starts_with(g))
            .collect()
    };
    assert_eq!(in_group("a-"), ["a-0", "a-2", "a-4"]);
    assert_eq!(in_group("b-"), ["b-1", "b-3"]);
    assert_eq!(docs.len(), 5);
    for doc in &docs {
        let (id, seq) = &ids[doc["Message"].as_str().unwrap()];
        assert_eq!(doc["MessageId"], id.as_str());
        assert_eq!(doc["SequenceNumber"], seq.as_str());
        assert_eq!(doc["TopicArn"], topic.as_str());
        assert_eq!(doc["Type"], "Notification");
        // FIFO notifications go out unsigned, as AWS sends them.
        assert!(doc.get("Signature").is_none(), "{doc}");
    }
}
