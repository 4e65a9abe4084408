//! The Notification document one subscription receives for a publish, the same for a
//! queue and for an HTTP/S endpoint: its attributes in the envelope, its own
//! UnsubscribeURL, the server's SigningCertURL, signed with the topic's SignatureVersion
//! (FIFO topics, which carry a SequenceNumber, deliver unsigned, as AWS's do).

use super::publish::signing_cert_url;
use super::Fanout;
use crate::clock::EpochMs;
use crate::sns::notification::{
    unsubscribe_url, EnvelopeAttribute, Notification, NotificationTemplate, SignError,
    SignatureVersion, Signing,
};
use crate::sns::publish::{attribute_text, CheckedPublish};
use crate::sns::store::{SubscriptionMeta, TopicMeta};

/// What a document is of: the publish's MessageId and, on a FIFO topic, its sequence
/// number.
pub(crate) struct Published<'a> {
    pub message_id: &'a str,
    pub sequence_number: Option<&'a str>,
    pub published_at_ms: EpochMs,
}

/// The topic's signature version (AWS's default, 1, unless set).
pub(crate) fn signature_version(topic: &TopicMeta) -> SignatureVersion {
    topic
        .attributes
        .signature_version
        .as_deref()
        .and_then(SignatureVersion::parse)
        .unwrap_or_default()
}

/// The Notification JSON `subscription` receives; `body` is the message for its protocol
/// (MessageStructure=json already applied).
pub(crate) fn notification_json(
    topic: &TopicMeta,
    subscription: &SubscriptionMeta,
    checked: &CheckedPublish,
    body: &str,
    published: &Published<'_>,
    fanout: &Fanout,
) -> Result<String, SignError> {
    let template = notification_template(topic, checked, body, published, fanout)?;
    Ok(template.document(&unsubscribe_url(&fanout.base_url, &subscription.arn)))
}

/// The Notification every subscription that gets `body` receives, but for its own
/// UnsubscribeURL (see [`NotificationTemplate::document`]).
pub(crate) fn notification_template(
    topic: &TopicMeta,
    checked: &CheckedPublish,
    body: &str,
    published: &Published<'_>,
    fanout: &Fanout,
) -> Result<NotificationTemplate, SignError> {
    with_notification(
        topic,
        checked,
        body,
        published,
        fanout,
        |notification, signing| notification.template(signing),
    )
}

/// The string the signature of that Notification covers, when it is signed (a FIFO
/// topic's are not).
pub(crate) fn notification_string_to_sign(
    topic: &TopicMeta,
    checked: &CheckedPublish,
    body: &str,
    published: &Published<'_>,
    fanout: &Fanout,
) -> Option<(SignatureVersion, String)> {
    with_notification(
        topic,
        checked,
        body,
        published,
        fanout,
        |notification, signing| signing.map(|s| (s.version, notification.string_to_sign())),
    )
}

/// Calls `f` with the Notification of a publish (its UnsubscribeURL left empty) and how
/// it is signed.
fn with_notification<T>(
    topic: &TopicMeta,
    checked: &CheckedPublish,
    body: &str,
    published: &Published<'_>,
    fanout: &Fanout,
    f: impl FnOnce(&Notification<'_>, Option<&Signing<'_>>) -> T,
) -> T {
    let texts: Vec<(String, String, String)> = checked
        .attributes
        .iter()
        .map(|(name, a)| (name.clone(), a.data_type.clone(), attribute_text(a)))
        .collect();
    let attributes: Vec<EnvelopeAttribute<'_>> = texts
        .iter()
        .map(|(name, data_type, value)| EnvelopeAttribute {
            name,
            data_type,
            value,
        })
        .collect();
    let topic_arn = topic.key.arn();
    let cert_url = signing_cert_url(&fanout.base_url);
    let signing = Signing {
        signer: fanout.signer.as_ref(),
        version: signature_version(topic),
        signing_cert_url: &cert_url,
    };
    let notification = Notification {
        message_id: published.message_id,
        sequence_number: published.sequence_number,
        topic_arn: &topic_arn,
        subject: checked.subject.as_deref(),
        message: body,
        timestamp_ms: published.published_at_ms,
        unsubscribe_url: "",
        message_attributes: &attributes,
    };
    let signing = published.sequence_number.is_none().then_some(&signing);
    f(&notification, signing)
}
