//! Server-side encryption at rest (SQS SSE), in domain terms. A queue's attributes say
//! whether its messages are protected and by which key ([`protection`]); a
//! [`MessageSealer`] (the key service) checks that the key can be used, seals what the
//! store writes to disk and opens it again at recovery. The core never sees key
//! material or ciphers: only these three operations and their errors.

use std::fmt;

use super::attributes::QueueAttributes;
use super::error::{SqsError, SqsErrorKind};
use super::store::QueueMeta;
use crate::clock::EpochMs;

/// How a queue's messages are protected at rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection<'a> {
    /// `SqsManagedSseEnabled=false` and no KMS key: stored as they are.
    Plain,
    /// SSE-SQS: the server's own key.
    Managed,
    /// SSE-KMS: a master key of the key service, as the queue names it (key id, key
    /// ARN, alias name or alias ARN), with its data key reuse period.
    Kms {
        key: &'a str,
        data_key_reuse_period_s: u32,
    },
}

/// Which protection a queue's attributes ask for. A KMS key wins over SQS-managed SSE
/// (the attribute rules keep the two from being on together anyway).
pub fn protection(attributes: &QueueAttributes) -> Protection<'_> {
    match attributes.kms_master_key_id.as_deref() {
        Some(key) if !key.is_empty() => Protection::Kms {
            key,
            data_key_reuse_period_s: attributes.kms_data_key_reuse_period_s,
        },
        _ if attributes.sqs_managed_sse_enabled => Protection::Managed,
        _ => Protection::Plain,
    }
}

/// Why a key could not be used. The first seven are the KMS errors SQS reports on
/// SendMessage and ReceiveMessage; the message is what the client is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Disabled(String),
    #[error("{0}")]
    InvalidState(String),
    #[error("{0}")]
    InvalidKeyUsage(String),
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    Throttled(String),
    #[error("{0}")]
    OptInRequired(String),
    /// Sealed bytes that do not open: tampered with, truncated, or sealed under key
    /// material this server does not have.
    #[error("sealed data cannot be opened: {0}")]
    Corrupt(String),
}

/// Seals message content at the persistence boundary and opens it at recovery.
/// Implemented by the key service (`sluice-kms`); passed to the store when it opens and
/// to the service for the send- and receive-time key checks.
pub trait MessageSealer: Send + Sync + fmt::Debug + 'static {
    /// Whether the queue's key can be used now (exists, enabled); `Ok` for a queue that
    /// is not protected.
    fn check(&self, queue: &QueueMeta, now_ms: EpochMs) -> Result<(), SealError>;

    /// Seals `plaintext` under the queue's key. The result carries everything
    /// [`MessageSealer::open`] needs, so it can be opened after the queue is gone.
    fn seal(
        &self,
        queue: &QueueMeta,
        plaintext: &[u8],
        now_ms: EpochMs,
    ) -> Result<Vec<u8>, SealError>;

    /// Seals under the server's own key whatever the queue names. Snapshots use it for
    /// a message whose queue's key can no longer seal (disabled since it was sent):
    /// the message must stay encrypted at rest, and stay readable.
    fn seal_with_server_key(
        &self,
        queue: &QueueMeta,
        plaintext: &[u8],
        now_ms: EpochMs,
    ) -> Result<Vec<u8>, SealError>;

    /// Opens what [`MessageSealer::seal`] produced. Opening ignores whether a key is
    /// disabled: recovery must read back every acknowledged message.
    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError>;
}

/// The HTTP-independent part of AWS's KMS error messages: SQS passes on what KMS said,
/// followed by this.
fn kms_suffix(code: &str) -> String {
    format!(" (Service: AWSKMS; Status Code: 400; Error Code: {code})")
}

impl From<SealError> for SqsError {
    fn from(e: SealError) -> Self {
        let (kind, code) = match &e {
            SealError::NotFound(_) => (SqsErrorKind::KmsNotFound, "NotFoundException"),
            SealError::Disabled(_) => (SqsErrorKind::KmsDisabled, "DisabledException"),
            SealError::InvalidState(_) => {
                (SqsErrorKind::KmsInvalidState, "KMSInvalidStateException")
            }
            SealError::InvalidKeyUsage(_) => {
                (SqsErrorKind::KmsInvalidKeyUsage, "InvalidKeyUsageException")
            }
            SealError::AccessDenied(_) => (SqsErrorKind::KmsAccessDenied, "AccessDeniedException"),
            SealError::Throttled(_) => (SqsErrorKind::KmsThrottled, "ThrottlingException"),
            SealError::OptInRequired(_) => (SqsErrorKind::KmsOptInRequired, "OptInRequired"),
            SealError::Corrupt(_) => return SqsError::internal(e.to_string()),
        };
        SqsError::new(kind, format!("{e}{}", kms_suffix(code)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_follows_the_attributes() {
        let mut a = QueueAttributes::defaults(false);
        assert_eq!(protection(&a), Protection::Managed);
        a.sqs_managed_sse_enabled = false;
        assert_eq!(protection(&a), Protection::Plain);
        a.kms_master_key_id = Some("alias/orders".into());
        assert_eq!(
            protection(&a),
            Protection::Kms {
                key: "alias/orders",
                data_key_reuse_period_s: 300
            }
        );
        a.kms_master_key_id = Some(String::new());
        assert_eq!(protection(&a), Protection::Plain);
    }

    #[test]
    fn seal_errors_become_kms_errors() {
        let e: SqsError = SealError::Disabled("k is disabled.".into()).into();
        assert_eq!(e.kind, SqsErrorKind::KmsDisabled);
        assert!(e.message.starts_with("k is disabled."), "{}", e.message);
        let e: SqsError = SealError::Corrupt("bad tag".into()).into();
        assert_eq!(e.kind, SqsErrorKind::InternalError);
    }
}
