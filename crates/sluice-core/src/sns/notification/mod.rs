//! The pure pieces of SNS delivery: the JSON documents SNS delivers to a queue or an
//! HTTP/S endpoint ([`envelope`]) and the strings it signs ([`signature`]). Nothing here
//! speaks HTTP, touches storage or reads the clock: the publish time comes in as epoch
//! milliseconds and signing goes through the [`NotificationSigner`] trait, which the
//! key service (`sluice-kms`) implements with the server's RSA key.

pub mod envelope;
pub mod memo;
pub mod signature;

pub use envelope::{
    format_timestamp, subscribe_url, subscription_confirmation_message,
    unsubscribe_confirmation_message, unsubscribe_url, Confirmation, ConfirmationKind,
    EnvelopeAttribute, Notification, NotificationTemplate, Signing,
};
pub use memo::SignatureMemo;
pub use signature::{
    confirmation_string_to_sign, notification_string_to_sign, NotificationSigner, SignError,
    SignatureVersion,
};
