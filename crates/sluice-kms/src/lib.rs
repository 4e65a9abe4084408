//! Sluice's local key service: the stand-in for AWS KMS behind SQS server-side
//! encryption. Master keys and aliases come from the config file; their material is
//! read from a key file or generated into the data directory on first start. Messages
//! are sealed by envelope encryption with AES-256-GCM: a data key per (queue, master
//! key), wrapped by the master key and reused for the queue's
//! `KmsDataKeyReusePeriodSeconds`, then replaced. [`Keyring`] implements the core's
//! `MessageSealer`, which is all the store and the service see, and the Kinesis
//! service's `RecordCipher` (records of encrypted streams, `kinesis_records.rs`). It also holds the
//! server's SNS signing identity ([`SnsSigningIdentity`]: an RSA key and its
//! self-signed certificate), which implements the core's `NotificationSigner`, and the
//! key Kinesis shard iterators are sealed with ([`AeadIteratorSealer`], the core's
//! `IteratorSealer`).

mod config;
mod envelope;
mod kept_key;
mod keyring;
mod kinesis_iterators;
mod kinesis_records;
mod material;
mod session;
mod sns_signing;

pub use config::KeyConfig;
pub use envelope::{Envelope, ENVELOPE_VERSION};
pub use keyring::{Keyring, AWS_MANAGED_KINESIS_ALIAS, AWS_MANAGED_SQS_ALIAS, SERVER_KEY_ID};
pub use kinesis_iterators::{AeadIteratorSealer, ITERATOR_KEY_NAME};
pub use kinesis_records::KINESIS_DATA_KEY_REUSE_PERIOD_S;
pub use session::{TokenKey, TOKEN_KEY_NAME};
pub use sns_signing::{
    SnsSigningIdentity, SNS_SIGNING_CERT_FILE, SNS_SIGNING_CERT_VALIDITY_DAYS,
    SNS_SIGNING_KEY_BITS, SNS_SIGNING_KEY_FILE,
};

/// Bytes of an AES-256 key (master keys and data keys alike).
pub const KEY_BYTES: usize = 32;
/// Bytes of an AES-GCM nonce.
pub const NONCE_BYTES: usize = 12;
/// Bytes of an AES-GCM authentication tag.
pub const TAG_BYTES: usize = 16;
/// Bytes of a data key's random identifier.
pub const DATA_KEY_ID_BYTES: usize = 16;
/// Longest master key id (it is stored, length-prefixed by one byte, in every envelope).
pub const KEY_ID_MAX_BYTES: usize = 255;
