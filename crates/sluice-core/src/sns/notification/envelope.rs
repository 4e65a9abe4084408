//! The JSON documents SNS delivers, byte for byte as AWS writes them: a Notification
//! (the body an SQS subscription receives and an HTTP/S endpoint is POSTed), and the
//! SubscriptionConfirmation and UnsubscribeConfirmation sent to HTTP/S endpoints.
//!
//! Why not serde: receivers compare more than values. MD5OfBody, recorded snapshots and
//! naive parsers see the exact text, and AWS's text has a fixed field order and layout
//! (`{`, one `  "Name" : value` per line, `}` with no newline after it; each message
//! attribute on one line as compact `{"Type":...,"Value":...}`). A document rendered by
//! this module from the inputs of an AWS-delivered message has the same MD5 as AWS's
//! MD5OfBody for it (see the tests), so the layout here is AWS's, not a look-alike.
//!
//! Field order:
//! - Notification: Type, MessageId, SequenceNumber (FIFO topics), TopicArn, Subject (when
//!   published with one), Message, Timestamp, SignatureVersion, Signature,
//!   SigningCertURL, UnsubscribeURL, MessageAttributes (when there are any).
//!   FIFO topics deliver unsigned: AWS leaves the three signature fields out.
//! - Confirmations: Type, MessageId, Token, TopicArn, Message, SubscribeURL, Timestamp,
//!   SignatureVersion, Signature, SigningCertURL.
//!
//! Time comes in as epoch milliseconds and is written with milliseconds
//! (`2026-12-06T19:00:00.123Z`); this module never reads the clock.

use base64::Engine as _;
use time::macros::format_description;
use time::OffsetDateTime;

use super::signature::{
    confirmation_string_to_sign, notification_string_to_sign, NotificationSigner, SignError,
    SignatureVersion,
};
use crate::clock::EpochMs;

/// The `Type` of a notification document.
pub const NOTIFICATION_TYPE: &str = "Notification";
/// The `Type` of the document sent to an HTTP/S endpoint when it subscribes.
pub const SUBSCRIPTION_CONFIRMATION_TYPE: &str = "SubscriptionConfirmation";
/// The `Type` of the document sent to an HTTP/S endpoint when it is unsubscribed.
pub const UNSUBSCRIBE_CONFIRMATION_TYPE: &str = "UnsubscribeConfirmation";
/// The name of the object that holds a notification's message attributes.
pub const MESSAGE_ATTRIBUTES_FIELD: &str = "MessageAttributes";
/// The latest instant a timestamp can show (9999-12-31T23:59:59.999Z): four-digit
/// years are all the format has. Later times are written as this one.
pub const LATEST_TIMESTAMP_MS: EpochMs = 253_402_300_799_999;
/// Room, beyond the values, for a document's names and punctuation (a capacity hint).
const LAYOUT_BYTES: usize = 512;
/// The UnsubscribeURL field's name and punctuation (a capacity hint).
const UNSUBSCRIBE_FIELD_BYTES: usize = 32;

/// Formats epoch milliseconds as an SNS `Timestamp`: UTC, always three fraction digits.
pub fn format_timestamp(epoch_ms: EpochMs) -> String {
    let nanos = i128::from(epoch_ms.min(LATEST_TIMESTAMP_MS)) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .expect("clamped to the representable range")
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .expect("every field of the format is known for a UTC date-time")
}

/// The `Message` of a SubscriptionConfirmation, worded as AWS words it (the two
/// sentences are separated by a newline, not a space).
pub fn subscription_confirmation_message(topic_arn: &str) -> String {
    format!(
        "You have chosen to subscribe to the topic {topic_arn}.\n\
         To confirm the subscription, visit the SubscribeURL included in this message."
    )
}

/// The `Message` of an UnsubscribeConfirmation, worded as AWS words it. It names the
/// subscription, not the topic.
pub fn unsubscribe_confirmation_message(subscription_arn: &str) -> String {
    format!(
        "You have chosen to deactivate subscription {subscription_arn}.\n\
         To cancel this operation and restore the subscription, visit the SubscribeURL \
         included in this message."
    )
}

/// The `SubscribeURL` of a confirmation: ConfirmSubscription as a GET on the server at
/// `base_url`. ARNs and tokens go in as they are, as in AWS's URLs (their characters
/// need no escaping in a query).
pub fn subscribe_url(base_url: &str, topic_arn: &str, token: &str) -> String {
    let base = base_url.trim_end_matches('/');
    format!("{base}/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={token}")
}

/// The `UnsubscribeURL` of a notification: Unsubscribe as a GET on the server at
/// `base_url`.
pub fn unsubscribe_url(base_url: &str, subscription_arn: &str) -> String {
    let base = base_url.trim_end_matches('/');
    format!("{base}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}")
}

/// One message attribute as a notification carries it. `value` is the attribute's
/// string value, or for `Binary` its bytes in base64, as AWS writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeAttribute<'a> {
    pub name: &'a str,
    /// `String`, `String.Array`, `Number` or `Binary`, with any custom suffix.
    pub data_type: &'a str,
    pub value: &'a str,
}

/// How to sign a document: the server's signer, the topic's `SignatureVersion` and the
/// URL where the server serves the signing certificate.
#[derive(Clone, Copy)]
pub struct Signing<'a> {
    pub signer: &'a dyn NotificationSigner,
    pub version: SignatureVersion,
    pub signing_cert_url: &'a str,
}

impl Signing<'_> {
    fn signature_base64(&self, string_to_sign: &str) -> Result<String, SignError> {
        let raw = self.signer.sign(self.version, string_to_sign.as_bytes())?;
        Ok(base64::engine::general_purpose::STANDARD.encode(raw))
    }
}

/// A published message as one subscription receives it.
#[derive(Debug, Clone, Copy)]
pub struct Notification<'a> {
    pub message_id: &'a str,
    /// The topic's sequence number, for FIFO topics only.
    pub sequence_number: Option<&'a str>,
    pub topic_arn: &'a str,
    pub subject: Option<&'a str>,
    /// The body for this subscription's protocol (MessageStructure=json already applied).
    pub message: &'a str,
    /// When the message was published.
    pub timestamp_ms: EpochMs,
    pub unsubscribe_url: &'a str,
    /// In the order they are to appear; empty leaves `MessageAttributes` out.
    pub message_attributes: &'a [EnvelopeAttribute<'a>],
}

impl Notification<'_> {
    /// The document, signed when `signing` is given. Standard topics sign every
    /// notification; FIFO topics pass `None`, as AWS sends theirs unsigned.
    pub fn to_json(&self, signing: Option<&Signing<'_>>) -> Result<String, SignError> {
        Ok(self.template(signing)?.document(self.unsubscribe_url))
    }

    /// The string a signature of this notification covers (what [`Self::to_json`]
    /// signs), for signing ahead of rendering.
    pub fn string_to_sign(&self) -> String {
        notification_string_to_sign(
            self.message,
            self.message_id,
            self.subject,
            &format_timestamp(self.timestamp_ms),
            self.topic_arn,
        )
    }

    /// The document with its `UnsubscribeURL` still to fill in: every subscription
    /// that gets the same body gets the same document but for that one field (the
    /// signature does not cover it), so a publish renders and signs once and fills in
    /// each subscription's URL. This notification's own `unsubscribe_url` is not used.
    pub fn template(
        &self,
        signing: Option<&Signing<'_>>,
    ) -> Result<NotificationTemplate, SignError> {
        let timestamp = format_timestamp(self.timestamp_ms);
        let signature = match signing {
            Some(signing) => {
                let string_to_sign = notification_string_to_sign(
                    self.message,
                    self.message_id,
                    self.subject,
                    &timestamp,
                    self.topic_arn,
                );
                Some((signing, signing.signature_base64(&string_to_sign)?))
            }
            None => None,
        };
        let attributes_bytes: usize = self
            .message_attributes
            .iter()
            .map(|a| a.name.len() + a.data_type.len() + a.value.len() + 32)
            .sum();
        let mut doc = Document::with_capacity(
            self.message.len()
                + self.topic_arn.len()
                + self.subject.map_or(0, str::len)
                + LAYOUT_BYTES,
        );
        doc.field("Type", NOTIFICATION_TYPE);
        doc.field("MessageId", self.message_id);
        if let Some(sequence_number) = self.sequence_number {
            doc.field("SequenceNumber", sequence_number);
        }
        doc.field("TopicArn", self.topic_arn);
        if let Some(subject) = self.subject {
            doc.field("Subject", subject);
        }
        doc.field("Message", self.message);
        doc.field("Timestamp", &timestamp);
        if let Some((signing, signature)) = &signature {
            doc.signature(signing, signature);
        }
        let head = doc.out;
        // The fields after UnsubscribeURL: never the first, so each opens with a comma.
        let mut tail = Document {
            out: String::with_capacity(attributes_bytes + 4),
            empty: false,
        };
        tail.attributes(self.message_attributes);
        Ok(NotificationTemplate {
            head,
            tail: tail.finish(),
        })
    }
}

/// A notification rendered but for its `UnsubscribeURL` (see [`Notification::template`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationTemplate {
    /// From `{` through the signature fields.
    head: String,
    /// From after the UnsubscribeURL through the closing `}`.
    tail: String,
}

impl NotificationTemplate {
    /// The document one subscription receives: the template with its UnsubscribeURL.
    pub fn document(&self, unsubscribe_url: &str) -> String {
        let mut out = String::with_capacity(
            self.head.len() + self.tail.len() + unsubscribe_url.len() + UNSUBSCRIBE_FIELD_BYTES,
        );
        out.push_str(&self.head);
        out.push_str(",\n  \"UnsubscribeURL\" : ");
        push_json_string(&mut out, unsubscribe_url);
        out.push_str(&self.tail);
        out
    }
}

/// Which confirmation an HTTP/S endpoint is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationKind {
    /// Sent on Subscribe: the endpoint confirms by visiting `SubscribeURL`.
    Subscribe,
    /// Sent on Unsubscribe: visiting `SubscribeURL` restores the subscription.
    Unsubscribe,
}

impl ConfirmationKind {
    /// The document's `Type`.
    pub fn type_name(self) -> &'static str {
        match self {
            ConfirmationKind::Subscribe => SUBSCRIPTION_CONFIRMATION_TYPE,
            ConfirmationKind::Unsubscribe => UNSUBSCRIBE_CONFIRMATION_TYPE,
        }
    }
}

/// A SubscriptionConfirmation or UnsubscribeConfirmation. `message` is the text from
/// [`subscription_confirmation_message`] or [`unsubscribe_confirmation_message`].
#[derive(Debug, Clone, Copy)]
pub struct Confirmation<'a> {
    pub kind: ConfirmationKind,
    pub message_id: &'a str,
    pub token: &'a str,
    pub topic_arn: &'a str,
    pub message: &'a str,
    pub subscribe_url: &'a str,
    /// When the confirmation was sent.
    pub timestamp_ms: EpochMs,
}

impl Confirmation<'_> {
    /// The signed document (confirmations are always signed).
    pub fn to_json(&self, signing: &Signing<'_>) -> Result<String, SignError> {
        let timestamp = format_timestamp(self.timestamp_ms);
        let string_to_sign = confirmation_string_to_sign(
            self.message,
            self.message_id,
            self.subscribe_url,
            &timestamp,
            self.token,
            self.topic_arn,
            self.kind,
        );
        let signature = signing.signature_base64(&string_to_sign)?;
        let mut doc = Document::with_capacity(
            self.message.len()
                + self.token.len()
                + self.topic_arn.len()
                + self.subscribe_url.len()
                + LAYOUT_BYTES,
        );
        doc.field("Type", self.kind.type_name());
        doc.field("MessageId", self.message_id);
        doc.field("Token", self.token);
        doc.field("TopicArn", self.topic_arn);
        doc.field("Message", self.message);
        doc.field("SubscribeURL", self.subscribe_url);
        doc.field("Timestamp", &timestamp);
        doc.signature(signing, &signature);
        Ok(doc.finish())
    }
}

/// Writes AWS's layout. Field names are this module's constants (plain ASCII, written
/// as they are); values are escaped by [`push_json_string`].
struct Document {
    out: String,
    empty: bool,
}

impl Document {
    fn with_capacity(bytes: usize) -> Self {
        let mut out = String::with_capacity(bytes);
        out.push('{');
        Self { out, empty: true }
    }

    fn name(&mut self, name: &str) {
        self.out
            .push_str(if self.empty { "\n  \"" } else { ",\n  \"" });
        self.empty = false;
        self.out.push_str(name);
        self.out.push_str("\" : ");
    }

    fn field(&mut self, name: &str, value: &str) {
        self.name(name);
        push_json_string(&mut self.out, value);
    }

    fn signature(&mut self, signing: &Signing<'_>, signature: &str) {
        self.field("SignatureVersion", signing.version.as_str());
        self.field("Signature", signature);
        self.field("SigningCertURL", signing.signing_cert_url);
    }

    fn attributes(&mut self, attributes: &[EnvelopeAttribute<'_>]) {
        if attributes.is_empty() {
            return;
        }
        self.name(MESSAGE_ATTRIBUTES_FIELD);
        self.out.push('{');
        for (i, attribute) in attributes.iter().enumerate() {
            self.out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            push_json_string(&mut self.out, attribute.name);
            self.out.push_str(" : {\"Type\":");
            push_json_string(&mut self.out, attribute.data_type);
            self.out.push_str(",\"Value\":");
            push_json_string(&mut self.out, attribute.value);
            self.out.push('}');
        }
        self.out.push_str("\n  }");
    }

    fn finish(mut self) -> String {
        self.out.push_str("\n}");
        self.out
    }
}

/// Appends `value` as a JSON string. Quotes, backslashes and control characters are
/// escaped (`\b \t \n \f \r` by their short forms, the rest as `\u00XX`); everything
/// else, `/` and non-ASCII included, goes in as it is, as AWS writes it.
fn push_json_string(out: &mut String, value: &str) {
    out.push('"');
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Every byte escaped is ASCII, so `start..i` falls on character boundaries.
        out.push_str(&value[start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04X}"));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&value[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests;
