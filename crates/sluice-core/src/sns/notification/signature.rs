//! What SNS signs, and the seam to whatever holds the key. AWS signs a "string to sign"
//! built from a fixed list of a document's fields, in a fixed (alphabetical) order, each
//! name and each value followed by a newline; fields that are absent (a Notification
//! without a Subject) are left out, name and all. A receiver rebuilds the same string
//! from the JSON it got and checks the `Signature` against the certificate at
//! `SigningCertURL`, so every byte here must match what AWS's validators rebuild:
//!
//! - Notification: `Message`, `MessageId`, `Subject` (if present), `Timestamp`,
//!   `TopicArn`, `Type`.
//! - SubscriptionConfirmation and UnsubscribeConfirmation: `Message`, `MessageId`,
//!   `SubscribeURL`, `Timestamp`, `Token`, `TopicArn`, `Type`.
//!
//! The key itself never enters the core: [`NotificationSigner`] takes the string and
//! returns the raw signature, which the envelope base64-encodes.

use std::fmt;

use super::envelope::{ConfirmationKind, NOTIFICATION_TYPE};

/// The signature algorithm a topic's `SignatureVersion` attribute selects. AWS's default
/// for a new topic is version 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignatureVersion {
    /// `SHA1withRSA`: RSA PKCS#1 v1.5 over a SHA-1 digest.
    #[default]
    V1,
    /// `SHA256withRSA`: RSA PKCS#1 v1.5 over a SHA-256 digest.
    V2,
}

impl SignatureVersion {
    /// The value of the topic attribute and of the document's `SignatureVersion` field.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureVersion::V1 => "1",
            SignatureVersion::V2 => "2",
        }
    }

    /// The attribute's value as AWS accepts it (`1` or `2`); `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "1" => Some(SignatureVersion::V1),
            "2" => Some(SignatureVersion::V2),
            _ => None,
        }
    }
}

/// Signing failed inside the signer (the key could not be used). With a well-formed key
/// this does not happen; it is a value so that a broken key fails one delivery, not the
/// server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignError(pub String);

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot sign the SNS message: {}", self.0)
    }
}

impl std::error::Error for SignError {}

/// Holds the server's SNS signing key. `sign` returns the raw RSA PKCS#1 v1.5 signature
/// of `string_to_sign` with the digest `version` names (not yet base64-encoded).
pub trait NotificationSigner: Send + Sync {
    fn sign(&self, version: SignatureVersion, string_to_sign: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// Appends one `name\nvalue\n` pair: the unit AWS's string to sign is made of.
fn push_pair(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push('\n');
    out.push_str(value);
    out.push('\n');
}

/// The string AWS signs for a Notification. `timestamp` is the document's `Timestamp`
/// text exactly as delivered.
pub fn notification_string_to_sign(
    message: &str,
    message_id: &str,
    subject: Option<&str>,
    timestamp: &str,
    topic_arn: &str,
) -> String {
    let mut out = String::with_capacity(
        message.len() + message_id.len() + topic_arn.len() + subject.map_or(0, str::len) + 96,
    );
    push_pair(&mut out, "Message", message);
    push_pair(&mut out, "MessageId", message_id);
    if let Some(subject) = subject {
        push_pair(&mut out, "Subject", subject);
    }
    push_pair(&mut out, "Timestamp", timestamp);
    push_pair(&mut out, "TopicArn", topic_arn);
    push_pair(&mut out, "Type", NOTIFICATION_TYPE);
    out
}

/// The string AWS signs for a SubscriptionConfirmation or an UnsubscribeConfirmation.
pub fn confirmation_string_to_sign(
    message: &str,
    message_id: &str,
    subscribe_url: &str,
    timestamp: &str,
    token: &str,
    topic_arn: &str,
    kind: ConfirmationKind,
) -> String {
    let mut out = String::with_capacity(
        message.len()
            + message_id.len()
            + subscribe_url.len()
            + token.len()
            + topic_arn.len()
            + 128,
    );
    push_pair(&mut out, "Message", message);
    push_pair(&mut out, "MessageId", message_id);
    push_pair(&mut out, "SubscribeURL", subscribe_url);
    push_pair(&mut out, "Timestamp", timestamp);
    push_pair(&mut out, "Token", token);
    push_pair(&mut out, "TopicArn", topic_arn);
    push_pair(&mut out, "Type", kind.type_name());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:MyTopic";
    const ID: &str = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324";
    const AT: &str = "2012-05-02T00:54:06.655Z";

    #[test]
    fn notification_with_subject() {
        let s =
            notification_string_to_sign("Hello world!", ID, Some("My First Message"), AT, TOPIC);
        assert_eq!(
            s,
            "Message\nHello world!\n\
             MessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n\
             Subject\nMy First Message\n\
             Timestamp\n2012-05-02T00:54:06.655Z\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:MyTopic\n\
             Type\nNotification\n"
        );
    }

    #[test]
    fn notification_without_subject_leaves_out_name_and_value() {
        let s = notification_string_to_sign("Hello", ID, None, AT, TOPIC);
        assert_eq!(
            s,
            "Message\nHello\n\
             MessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n\
             Timestamp\n2012-05-02T00:54:06.655Z\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:MyTopic\n\
             Type\nNotification\n"
        );
        assert!(!s.contains("Subject"));
    }

    #[test]
    fn values_go_in_raw_not_json_escaped() {
        // A message with a newline and quotes is signed as the text itself: the
        // receiver signs the decoded JSON string, not its escaped form.
        let s = notification_string_to_sign("a\n\"b\"", ID, None, AT, TOPIC);
        assert!(s.starts_with("Message\na\n\"b\"\nMessageId\n"));
    }

    #[test]
    fn confirmations() {
        let url = "https://sns.example/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:MyTopic&Token=abc";
        let message = "You have chosen to subscribe to the topic arn:aws:sns:us-east-1:123456789012:MyTopic.\nTo confirm the subscription, visit the SubscribeURL included in this message.";
        for (kind, name) in [
            (ConfirmationKind::Subscribe, "SubscriptionConfirmation"),
            (ConfirmationKind::Unsubscribe, "UnsubscribeConfirmation"),
        ] {
            let s = confirmation_string_to_sign(message, ID, url, AT, "abc", TOPIC, kind);
            assert_eq!(
                s,
                format!(
                    "Message\n{message}\n\
                     MessageId\n{ID}\n\
                     SubscribeURL\n{url}\n\
                     Timestamp\n{AT}\n\
                     Token\nabc\n\
                     TopicArn\n{TOPIC}\n\
                     Type\n{name}\n"
                )
            );
        }
    }

    #[test]
    fn versions_parse_and_print_as_the_attribute() {
        assert_eq!(SignatureVersion::parse("1"), Some(SignatureVersion::V1));
        assert_eq!(SignatureVersion::parse("2"), Some(SignatureVersion::V2));
        assert_eq!(SignatureVersion::parse("3"), None);
        assert_eq!(SignatureVersion::parse(" 1"), None);
        assert_eq!(SignatureVersion::V2.as_str(), "2");
        assert_eq!(SignatureVersion::default(), SignatureVersion::V1);
    }
}
