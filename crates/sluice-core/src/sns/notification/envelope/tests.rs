use std::sync::Mutex;

use base64::Engine as _;
use md5::{Digest, Md5};

use super::*;
use crate::sns::notification::signature::SignatureVersion;

/// Records what it was asked to sign and answers with fixed bytes.
struct FixedSigner {
    signature: Vec<u8>,
    asked: Mutex<Vec<(SignatureVersion, String)>>,
}

impl FixedSigner {
    fn new(signature: Vec<u8>) -> Self {
        Self {
            signature,
            asked: Mutex::new(Vec::new()),
        }
    }

    fn asked(&self) -> Vec<(SignatureVersion, String)> {
        self.asked.lock().unwrap().clone()
    }
}

impl NotificationSigner for FixedSigner {
    fn sign(&self, version: SignatureVersion, string_to_sign: &[u8]) -> Result<Vec<u8>, SignError> {
        self.asked
            .lock()
            .unwrap()
            .push((version, String::from_utf8(string_to_sign.to_vec()).unwrap()));
        Ok(self.signature.clone())
    }
}

struct FailingSigner;

impl NotificationSigner for FailingSigner {
    fn sign(&self, _: SignatureVersion, _: &[u8]) -> Result<Vec<u8>, SignError> {
        Err(SignError("no key".into()))
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

// A notification AWS delivered to an SQS queue (us-east-1, 2021-02-15), as the queue
// returned it in a Lambda event, with the queue's MD5OfBody for it. Publicly recorded:
// every input below, the signature included, is copied from that message.
const AWS_SIGNATURE: &str = "UZYKEnyYgjz3Nl3c0wmHBBTauwuDUlBY5LrtdPgf0ktoeT+LRA2bl/oKaO1ubCH8lwAZDr7zQor29R6VJsZbI6gWmC6Rv77QYpwV1g4FbUX7HJcgVEm42U76Nq8zcF//09jEtY7qIvEmvSzr1MAa3tk1IerFHCXmEULF46tnUo5RbH1viabGu/kmI6k7Rah6zT+7WT3mqT+9g5ID85YvovDLhOaCrlxsg+aePzbb1CtPohpbdeRfI4PsGqqxGRL/uLA3PxCPPlYDSIqPgijK8LNY8+ZfPgaMpsQAUd2O0TyXqfiwE6zoTylkxTsMnHPEUXb/WkOjwrHJcT4VHoLS5Q==";
const AWS_MD5_OF_BODY: &str = "2eac0c6b3151018833816d501204e42d";
const AWS_TOPIC: &str = "arn:aws:sns:us-east-1:259232244835:pips-dispatch";
const AWS_CERT_URL: &str =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-010a507c1833636cd94bdb98bd93083a.pem";

fn aws_recorded_body() -> String {
    format!(
        "{{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"d689df28-6403-5b9a-8609-878b8b31f3ce\",\n  \"TopicArn\" : \"{AWS_TOPIC}\",\n  \"Message\" : \"{{\\\"bucket\\\": \\\"grid-dev-lidarscans\\\", \\\"key\\\": \\\"RiPS/jpg/hobu.jpg\\\"}}\",\n  \"Timestamp\" : \"2021-02-15T03:39:30.566Z\",\n  \"SignatureVersion\" : \"1\",\n  \"Signature\" : \"{AWS_SIGNATURE}\",\n  \"SigningCertURL\" : \"{AWS_CERT_URL}\",\n  \"UnsubscribeURL\" : \"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={AWS_TOPIC}:bf355acc-8839-48ba-8426-9f62a3ab9730\",\n  \"MessageAttributes\" : {{\n    \"Command\" : {{\"Type\":\"String\",\"Value\":\"process\"}},\n    \"Prefix\" : {{\"Type\":\"String\",\"Value\":\"/grid-dev-lidarscans/RiPS/jpg\"}}\n  }}\n}}"
    )
}

#[test]
fn a_notification_aws_delivered_is_reproduced_byte_for_byte() {
    let recorded = aws_recorded_body();
    assert_eq!(
        md5_hex(&recorded),
        AWS_MD5_OF_BODY,
        "the fixture is AWS's text"
    );

    let signer = FixedSigner::new(
        base64::engine::general_purpose::STANDARD
            .decode(AWS_SIGNATURE)
            .unwrap(),
    );
    let signing = Signing {
        signer: &signer,
        version: SignatureVersion::V1,
        signing_cert_url: AWS_CERT_URL,
    };
    let attributes = [
        EnvelopeAttribute {
            name: "Command",
            data_type: "String",
            value: "process",
        },
        EnvelopeAttribute {
            name: "Prefix",
            data_type: "String",
            value: "/grid-dev-lidarscans/RiPS/jpg",
        },
    ];
    let unsubscribe = unsubscribe_url(
        "https://sns.us-east-1.amazonaws.com",
        &format!("{AWS_TOPIC}:bf355acc-8839-48ba-8426-9f62a3ab9730"),
    );
    let notification = Notification {
        message_id: "d689df28-6403-5b9a-8609-878b8b31f3ce",
        sequence_number: None,
        topic_arn: AWS_TOPIC,
        subject: None,
        message: r#"{"bucket": "grid-dev-lidarscans", "key": "RiPS/jpg/hobu.jpg"}"#,
        timestamp_ms: 1_613_360_370_566,
        unsubscribe_url: &unsubscribe,
        message_attributes: &attributes,
    };
    let body = notification.to_json(Some(&signing)).unwrap();
    assert_eq!(body, recorded);
    assert_eq!(md5_hex(&body), AWS_MD5_OF_BODY);
    assert_eq!(
        signer.asked(),
        vec![(
            SignatureVersion::V1,
            format!(
                "Message\n{}\nMessageId\nd689df28-6403-5b9a-8609-878b8b31f3ce\n\
                 Timestamp\n2021-02-15T03:39:30.566Z\nTopicArn\n{AWS_TOPIC}\nType\nNotification\n",
                notification.message
            )
        )]
    );
}

fn field_names(json: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).expect("the document is JSON");
    // serde_json's map keeps keys sorted unless preserve_order is on; read the order
    // from the text instead: every top-level field starts a line with two spaces.
    assert!(value.is_object());
    json.lines()
        .filter_map(|line| line.strip_prefix("  \""))
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

const TOPIC: &str = "arn:aws:sns:us-east-2:123456789012:MyTopic";
const AT_MS: EpochMs = 1_796_583_600_123; // 2026-12-06T19:00:00.123Z
const CERT_URL: &str = "https://localhost:9324/sns/SimpleNotificationService-sluice.pem";

#[test]
fn notification_fields_in_aws_order_with_subject_and_attributes() {
    let signer = FixedSigner::new(vec![1, 2, 3]);
    let signing = Signing {
        signer: &signer,
        version: SignatureVersion::V2,
        signing_cert_url: CERT_URL,
    };
    let attributes = [EnvelopeAttribute {
        name: "bin",
        data_type: "Binary",
        value: "AAEC",
    }];
    let body = Notification {
        message_id: "id-1",
        sequence_number: None,
        topic_arn: TOPIC,
        subject: Some("Hi"),
        message: "hello",
        timestamp_ms: AT_MS,
        unsubscribe_url: "u",
        message_attributes: &attributes,
    }
    .to_json(Some(&signing))
    .unwrap();
    assert_eq!(
        field_names(&body),
        [
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
        ]
    );
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(value["Timestamp"], "2026-12-06T19:00:00.123Z");
    assert_eq!(value["SignatureVersion"], "2");
    assert_eq!(value["Signature"], b64(&[1, 2, 3]));
    assert_eq!(value["SigningCertURL"], CERT_URL);
    assert_eq!(
        value["MessageAttributes"]["bin"],
        serde_json::json!({"Type": "Binary", "Value": "AAEC"})
    );
    let asked = signer.asked();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].0, SignatureVersion::V2);
    assert_eq!(
        asked[0].1,
        format!(
            "Message\nhello\nMessageId\nid-1\nSubject\nHi\n\
             Timestamp\n2026-12-06T19:00:00.123Z\nTopicArn\n{TOPIC}\nType\nNotification\n"
        )
    );
}

#[test]
fn notification_without_subject_or_attributes_leaves_them_out() {
    let signer = FixedSigner::new(vec![9]);
    let signing = Signing {
        signer: &signer,
        version: SignatureVersion::V1,
        signing_cert_url: CERT_URL,
    };
    let body = Notification {
        message_id: "id-2",
        sequence_number: None,
        topic_arn: TOPIC,
        subject: None,
        message: "m",
        timestamp_ms: AT_MS,
        unsubscribe_url: "https://h/?Action=Unsubscribe&SubscriptionArn=s",
        message_attributes: &[],
    }
    .to_json(Some(&signing))
    .unwrap();
    assert_eq!(
        body,
        format!(
            "{{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"id-2\",\n  \"TopicArn\" : \"{TOPIC}\",\n  \"Message\" : \"m\",\n  \"Timestamp\" : \"2026-12-06T19:00:00.123Z\",\n  \"SignatureVersion\" : \"1\",\n  \"Signature\" : \"CQ==\",\n  \"SigningCertURL\" : \"{CERT_URL}\",\n  \"UnsubscribeURL\" : \"https://h/?Action=Unsubscribe&SubscriptionArn=s\"\n}}"
        )
    );
    assert!(!signer.asked()[0].1.contains("Subject"));
}

#[test]
fn fifo_notification_carries_its_sequence_number_and_no_signature() {
    let topic = "arn:aws:sns:eu-west-1:123456789012:Test.fifo";
    let attributes = [EnvelopeAttribute {
        name: "inventory_alert",
        data_type: "String",
        value: "out_of_stock",
    }];
    let body = Notification {
        message_id: "a7c9d2fa-77fa-5184-9de9-89391027cc7d",
        sequence_number: Some("10000000000000004000"),
        topic_arn: topic,
        subject: Some("order-alarm"),
        message: "hello",
        timestamp_ms: AT_MS,
        unsubscribe_url: "https://h/u",
        message_attributes: &attributes,
    }
    .to_json(None)
    .unwrap();
    assert_eq!(
        body,
        format!(
            "{{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"a7c9d2fa-77fa-5184-9de9-89391027cc7d\",\n  \"SequenceNumber\" : \"10000000000000004000\",\n  \"TopicArn\" : \"{topic}\",\n  \"Subject\" : \"order-alarm\",\n  \"Message\" : \"hello\",\n  \"Timestamp\" : \"2026-12-06T19:00:00.123Z\",\n  \"UnsubscribeURL\" : \"https://h/u\",\n  \"MessageAttributes\" : {{\n    \"inventory_alert\" : {{\"Type\":\"String\",\"Value\":\"out_of_stock\"}}\n  }}\n}}"
        )
    );
}

fn confirmation(kind: ConfirmationKind, message: &str, signing: &Signing<'_>) -> String {
    let url = subscribe_url("http://localhost:9324/", TOPIC, "2336412f37fb");
    Confirmation {
        kind,
        message_id: "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        token: "2336412f37fb",
        topic_arn: TOPIC,
        message,
        subscribe_url: &url,
        timestamp_ms: AT_MS,
    }
    .to_json(signing)
    .unwrap()
}

#[test]
fn subscription_confirmation_document() {
    let signer = FixedSigner::new(vec![0xff; 4]);
    let signing = Signing {
        signer: &signer,
        version: SignatureVersion::V1,
        signing_cert_url: CERT_URL,
    };
    let message = subscription_confirmation_message(TOPIC);
    assert_eq!(
        message,
        "You have chosen to subscribe to the topic arn:aws:sns:us-east-2:123456789012:MyTopic.\n\
         To confirm the subscription, visit the SubscribeURL included in this message."
    );
    let body = confirmation(ConfirmationKind::Subscribe, &message, &signing);
    let url = format!(
        "http://localhost:9324/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=2336412f37fb"
    );
    assert_eq!(
        body,
        format!(
            "{{\n  \"Type\" : \"SubscriptionConfirmation\",\n  \"MessageId\" : \"165545c9-2a5c-472c-8df2-7ff2be2b3b1b\",\n  \"Token\" : \"2336412f37fb\",\n  \"TopicArn\" : \"{TOPIC}\",\n  \"Message\" : \"You have chosen to subscribe to the topic {TOPIC}.\\nTo confirm the subscription, visit the SubscribeURL included in this message.\",\n  \"SubscribeURL\" : \"{url}\",\n  \"Timestamp\" : \"2026-12-06T19:00:00.123Z\",\n  \"SignatureVersion\" : \"1\",\n  \"Signature\" : \"/////w==\",\n  \"SigningCertURL\" : \"{CERT_URL}\"\n}}"
        )
    );
    assert_eq!(
        signer.asked()[0].1,
        format!(
            "Message\n{message}\nMessageId\n165545c9-2a5c-472c-8df2-7ff2be2b3b1b\n\
             SubscribeURL\n{url}\nTimestamp\n2026-12-06T19:00:00.123Z\nToken\n2336412f37fb\n\
             TopicArn\n{TOPIC}\nType\nSubscriptionConfirmation\n"
        )
    );
}

#[test]
fn unsubscribe_confirmation_document() {
    let signer = FixedSigner::new(vec![7]);
    let signing = Signing {
        signer: &signer,
        version: SignatureVersion::V2,
        signing_cert_url: CERT_URL,
    };
    let subscription = format!("{TOPIC}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55");
    let message = unsubscribe_confirmation_message(&subscription);
    assert_eq!(
        message,
        "You have chosen to deactivate subscription \
         arn:aws:sns:us-east-2:123456789012:MyTopic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55.\n\
         To cancel this operation and restore the subscription, visit the SubscribeURL \
         included in this message."
    );
    let body = confirmation(ConfirmationKind::Unsubscribe, &message, &signing);
    assert_eq!(
        field_names(&body),
        [
            "Type",
            "MessageId",
            "Token",
            "TopicArn",
            "Message",
            "SubscribeURL",
            "Timestamp",
            "SignatureVersion",
            "Signature",
            "SigningCertURL",
        ]
    );
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(value["Type"], "UnsubscribeConfirmation");
    assert_eq!(value["Message"], message.as_str());
    assert_eq!(value["SignatureVersion"], "2");
    assert!(signer.asked()[0]
        .1
        .ends_with("\nType\nUnsubscribeConfirmation\n"));
}

#[test]
fn a_signer_failure_is_returned() {
    let signing = Signing {
        signer: &FailingSigner,
        version: SignatureVersion::V1,
        signing_cert_url: CERT_URL,
    };
    let notification = Notification {
        message_id: "i",
        sequence_number: None,
        topic_arn: TOPIC,
        subject: None,
        message: "m",
        timestamp_ms: 0,
        unsubscribe_url: "u",
        message_attributes: &[],
    };
    assert_eq!(
        notification.to_json(Some(&signing)),
        Err(SignError("no key".into()))
    );
    // Unsigned (FIFO) documents never ask the signer.
    assert!(notification.to_json(None).is_ok());
}

#[test]
fn timestamps_have_milliseconds_in_utc() {
    assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(format_timestamp(AT_MS), "2026-12-06T19:00:00.123Z");
    assert_eq!(
        format_timestamp(1_613_360_370_566),
        "2021-02-15T03:39:30.566Z"
    );
    assert_eq!(
        format_timestamp(951_782_400_007),
        "2000-02-29T00:00:00.007Z"
    );
    assert_eq!(
        format_timestamp(LATEST_TIMESTAMP_MS),
        "9999-12-31T23:59:59.999Z"
    );
    assert_eq!(format_timestamp(u64::MAX), "9999-12-31T23:59:59.999Z");
}

#[test]
fn values_are_escaped_as_json_and_round_trip() {
    let tricky =
        "line1\nline2\r\t\"quoted\" back\\slash /path \u{1} \u{8}\u{c} \u{1f} é ü 🚀 \u{7f}";
    let attributes = [EnvelopeAttribute {
        name: "na\"me",
        data_type: "String",
        value: tricky,
    }];
    let body = Notification {
        message_id: "i",
        sequence_number: None,
        topic_arn: TOPIC,
        subject: Some("s\""),
        message: tricky,
        timestamp_ms: 0,
        unsubscribe_url: "u",
        message_attributes: &attributes,
    }
    .to_json(None)
    .unwrap();
    assert!(body.contains(
        r#""Message" : "line1\nline2\r\t\"quoted\" back\\slash /path \u0001 \b\f \u001F é ü 🚀 "#
    ));
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(value["Message"], tricky);
    assert_eq!(value["Subject"], "s\"");
    assert_eq!(value["MessageAttributes"]["na\"me"]["Value"], tricky);
}

#[test]
fn urls_point_at_the_given_server() {
    assert_eq!(
        subscribe_url("https://sns.example:9324", TOPIC, "tok"),
        format!("https://sns.example:9324/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=tok")
    );
    assert_eq!(
        unsubscribe_url("http://h:1/", "arn:aws:sns:r:1:t:abc"),
        "http://h:1/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:r:1:t:abc"
    );
}

#[test]
fn confirmation_kinds_name_their_types() {
    assert_eq!(
        ConfirmationKind::Subscribe.type_name(),
        "SubscriptionConfirmation"
    );
    assert_eq!(
        ConfirmationKind::Unsubscribe.type_name(),
        "UnsubscribeConfirmation"
    );
}
