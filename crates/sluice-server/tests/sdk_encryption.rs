//! Server-side encryption through the official SDK (AWS JSON 1.0) and raw AWS Query
//! requests: the SSE attributes (defaults, switching between SQS-managed SSE and a KMS
//! key, the two refused together) and the KMS errors a send or receive gets when the
//! queue's key is unknown, disabled or pending deletion.

mod common;

use aws_sdk_sqs::operation::receive_message::ReceiveMessageError;
use aws_sdk_sqs::operation::send_message::SendMessageError;
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchError;
use aws_sdk_sqs::types::{QueueAttributeName as A, SendMessageBatchRequestEntry};
use common::*;
use sluice_kms::KeyConfig;
use sluice_server::Config;

/// A server with three configured keys: `k-orders` (enabled, aliased), `k-off`
/// (disabled) and `k-doomed` (pending deletion).
async fn start() -> Harness {
    let mut off = KeyConfig::generated("k-off", &["alias/off"]);
    off.enabled = false;
    let mut doomed = KeyConfig::generated("k-doomed", &[]);
    doomed.pending_deletion = true;
    let server = sluice_server::start(Config {
        test_clock: true,
        kms_keys: vec![
            KeyConfig::generated("k-orders", &["alias/orders"]),
            off,
            doomed,
        ],
        ..Config::ephemeral()
    })
    .await
    .expect("server starts");
    let endpoint = server.endpoint_url();
    Harness {
        client: sdk_client(&endpoint),
        server,
        endpoint,
    }
}

fn key_arn(id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}")
}

#[tokio::test]
async fn new_queues_use_sqs_managed_sse_by_default() {
    let h = start().await;
    let url = h.create_queue("plain-default", &[]).await;
    let attrs = h.attributes(&url).await;
    assert_eq!(attrs[&A::SqsManagedSseEnabled], "true");
    assert!(!attrs.contains_key(&A::KmsMasterKeyId), "{attrs:?}");
    assert!(!attrs.contains_key(&A::KmsDataKeyReusePeriodSeconds));
    h.send(&url, "hello").await;
    let got = h.receive(&url, 1, None).await;
    assert_eq!(got[0].body(), Some("hello"));
    h.stop().await;
}

#[tokio::test]
async fn a_kms_key_turns_managed_sse_off_and_back() {
    let h = start().await;
    let url = h
        .create_queue("kms", &[(A::KmsMasterKeyId, "alias/orders")])
        .await;
    let attrs = h.attributes(&url).await;
    assert_eq!(attrs[&A::SqsManagedSseEnabled], "false");
    assert_eq!(attrs[&A::KmsMasterKeyId], "alias/orders");
    assert_eq!(attrs[&A::KmsDataKeyReusePeriodSeconds], "300");

    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::KmsDataKeyReusePeriodSeconds, "60")
        .send()
        .await
        .unwrap();
    assert_eq!(
        h.attribute(&url, A::KmsDataKeyReusePeriodSeconds)
            .await
            .as_deref(),
        Some("60")
    );
    for bad in ["59", "86401", "x"] {
        let result = h
            .client
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(A::KmsDataKeyReusePeriodSeconds, bad)
            .send()
            .await;
        expect_error(result, "InvalidAttributeValue", 400);
    }

    // Turning SQS-managed SSE on drops the KMS key.
    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::SqsManagedSseEnabled, "true")
        .send()
        .await
        .unwrap();
    let attrs = h.attributes(&url).await;
    assert_eq!(attrs[&A::SqsManagedSseEnabled], "true");
    assert!(!attrs.contains_key(&A::KmsMasterKeyId), "{attrs:?}");

    // And naming a key again turns it off.
    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::KmsMasterKeyId, key_arn("k-orders"))
        .send()
        .await
        .unwrap();
    let attrs = h.attributes(&url).await;
    assert_eq!(attrs[&A::SqsManagedSseEnabled], "false");
    assert_eq!(attrs[&A::KmsMasterKeyId], key_arn("k-orders"));
    h.send(&url, "through the key ARN").await;
    assert_eq!(
        h.receive(&url, 1, None).await[0].body(),
        Some("through the key ARN")
    );
    h.stop().await;
}

#[tokio::test]
async fn both_kinds_of_sse_at_once_are_refused() {
    let h = start().await;
    let result = h
        .client
        .create_queue()
        .queue_name("both")
        .attributes(A::SqsManagedSseEnabled, "true")
        .attributes(A::KmsMasterKeyId, "alias/aws/sqs")
        .send()
        .await;
    let err = expect_error(result, "InvalidAttributeName", 400);
    assert_eq!(
        aws_sdk_sqs::error::ProvideErrorMetadata::message(&err),
        Some(
            "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE."
        )
    );
    let url = h.create_queue("one", &[]).await;
    let result = h
        .client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::SqsManagedSseEnabled, "true")
        .attributes(A::KmsMasterKeyId, "alias/orders")
        .send()
        .await;
    expect_error(result, "InvalidAttributeName", 400);
    // Managed SSE can be switched off outright.
    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::SqsManagedSseEnabled, "false")
        .send()
        .await
        .unwrap();
    assert_eq!(
        h.attribute(&url, A::SqsManagedSseEnabled).await.as_deref(),
        Some("false")
    );
    h.stop().await;
}

#[tokio::test]
async fn every_way_of_naming_a_key_works_including_the_aws_managed_key() {
    let h = start().await;
    for (i, key) in [
        "k-orders".to_owned(),
        "alias/orders".to_owned(),
        key_arn("k-orders"),
        format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/orders"),
        "alias/aws/sqs".to_owned(),
    ]
    .iter()
    .enumerate()
    {
        let url = h
            .create_queue(&format!("named-{i}"), &[(A::KmsMasterKeyId, key)])
            .await;
        h.send(&url, key).await;
        assert_eq!(h.receive(&url, 1, None).await[0].body(), Some(key.as_str()));
    }
    h.stop().await;
}

#[tokio::test]
async fn unknown_keys_are_accepted_at_create_and_refused_at_send_and_receive() {
    let h = start().await;
    // AWS does not look the key up when the queue is created or changed.
    let url = h
        .create_queue("missing-key", &[(A::KmsMasterKeyId, "no-such-key")])
        .await;
    let result = h
        .client
        .send_message()
        .queue_url(&url)
        .message_body("m")
        .send()
        .await;
    let err = expect_error(result, "KMS.NotFoundException", 400);
    let message = aws_sdk_sqs::error::ProvideErrorMetadata::message(&err)
        .unwrap()
        .to_owned();
    assert!(
        message.starts_with(&format!("Key '{}' does not exist", key_arn("no-such-key"))),
        "{message}"
    );
    assert!(matches!(
        err.into_service_error(),
        SendMessageError::KmsNotFound(_)
    ));
    let result = h.client.receive_message().queue_url(&url).send().await;
    let err = expect_error(result, "KMS.NotFoundException", 400);
    assert!(matches!(
        err.into_service_error(),
        ReceiveMessageError::KmsNotFound(_)
    ));
    let result = h
        .client
        .send_message_batch()
        .queue_url(&url)
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("a")
                .message_body("m")
                .build()
                .unwrap(),
        )
        .send()
        .await;
    let err = expect_error(result, "KMS.NotFoundException", 400);
    assert!(matches!(
        err.into_service_error(),
        SendMessageBatchError::KmsNotFound(_)
    ));

    // An alias nobody declared, and a key of another region.
    for (name, key, expected) in [
        (
            "missing-alias",
            "alias/nope".to_owned(),
            format!("Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/nope is not found."),
        ),
        (
            "other-region",
            format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/k-orders"),
            "Invalid arn".to_owned(),
        ),
    ] {
        let url = h.create_queue(name, &[(A::KmsMasterKeyId, &key)]).await;
        let result = h
            .client
            .send_message()
            .queue_url(&url)
            .message_body("m")
            .send()
            .await;
        let err = expect_error(result, "KMS.NotFoundException", 400);
        let message = aws_sdk_sqs::error::ProvideErrorMetadata::message(&err).unwrap();
        assert!(message.starts_with(&expected), "{message}");
    }

    // Pointing the queue at a good key makes it work.
    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::KmsMasterKeyId, "alias/orders")
        .send()
        .await
        .unwrap();
    h.send(&url, "now it works").await;
    h.stop().await;
}

#[tokio::test]
async fn disabled_and_pending_deletion_keys_give_their_kms_errors() {
    let h = start().await;
    let off = h
        .create_queue("off", &[(A::KmsMasterKeyId, "alias/off")])
        .await;
    let result = h
        .client
        .send_message()
        .queue_url(&off)
        .message_body("m")
        .send()
        .await;
    let err = expect_error(result, "KMS.DisabledException", 400);
    let message = aws_sdk_sqs::error::ProvideErrorMetadata::message(&err).unwrap();
    assert!(
        message.starts_with(&format!("{} is disabled.", key_arn("k-off"))),
        "{message}"
    );
    assert!(matches!(
        err.into_service_error(),
        SendMessageError::KmsDisabled(_)
    ));
    let result = h.client.receive_message().queue_url(&off).send().await;
    let err = expect_error(result, "KMS.DisabledException", 400);
    assert!(matches!(
        err.into_service_error(),
        ReceiveMessageError::KmsDisabled(_)
    ));

    let doomed = h
        .create_queue("doomed", &[(A::KmsMasterKeyId, "k-doomed")])
        .await;
    let result = h
        .client
        .send_message()
        .queue_url(&doomed)
        .message_body("m")
        .send()
        .await;
    let err = expect_error(result, "KMS.InvalidStateException", 400);
    assert!(matches!(
        err.into_service_error(),
        SendMessageError::KmsInvalidState(_)
    ));
    h.stop().await;
}

/// The same errors on the wire: AWS JSON 1.0 (`__type` and the query-compatible
/// header) and AWS Query (`ErrorResponse` XML), with AWS's status.
#[tokio::test]
async fn kms_errors_on_both_wire_protocols() {
    let h = start().await;
    let http = reqwest::Client::new();
    for (queue, key, json_type, code) in [
        (
            "wire-missing",
            "no-such-key",
            "com.amazonaws.sqs#KmsNotFound",
            "KMS.NotFoundException",
        ),
        (
            "wire-off",
            "k-off",
            "com.amazonaws.sqs#KmsDisabled",
            "KMS.DisabledException",
        ),
        (
            "wire-doomed",
            "k-doomed",
            "com.amazonaws.sqs#KmsInvalidState",
            "KMS.InvalidStateException",
        ),
    ] {
        let url = h.create_queue(queue, &[(A::KmsMasterKeyId, key)]).await;

        let body = serde_json::json!({ "QueueUrl": url, "MessageBody": "m" }).to_string();
        let response = http
            .post(&h.endpoint)
            .header("x-amz-target", "AmazonSQS.SendMessage")
            .header("content-type", "application/x-amz-json-1.0")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{queue} JSON");
        assert_eq!(
            response.headers()["x-amzn-query-error"].to_str().unwrap(),
            format!("{code};Sender")
        );
        let error: serde_json::Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(error["__type"], json_type, "{error}");

        for action in ["SendMessage&MessageBody=m", "ReceiveMessage"] {
            let form = format!(
                "Action={action}&Version=2012-11-05&QueueUrl={}",
                url.replace(':', "%3A").replace('/', "%2F")
            );
            let response = http
                .post(&h.endpoint)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 400, "{queue} Query {action}");
            let xml = response.text().await.unwrap();
            assert!(xml.contains(&format!("<Code>{code}</Code>")), "{xml}");
            assert!(xml.contains("<Type>Sender</Type>"), "{xml}");
        }
    }
    h.stop().await;
}
