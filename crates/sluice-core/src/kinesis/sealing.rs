//! Server-side encryption of records at rest (StartStreamEncryption), in domain terms.
//!
//! A stream's [`Encryption`](super::stream::Encryption) names a KMS key as the client gave
//! it (key id, key ARN, alias name or alias ARN). While it is on, the service seals each
//! record's data with a [`RecordCipher`] before handing it to the [`ShardLog`], which
//! stores it as it is, marked with the key (`encryption_key_id`); reads open it again
//! before answering. The core never sees key material or ciphers, only these three
//! operations and their errors (the SQS [`SealError`]s, which name the KMS failures).
//!
//! [`ShardLog`]: super::store::ShardLog

use super::error::{KinesisError, KinesisErrorKind};
use super::names::StreamKey;
use crate::clock::EpochMs;
pub use crate::sqs::sealing::SealError;

/// Seals records' data for the log and opens it for readers. Implemented by the key
/// service (`sluice-kms`'s `Keyring`); [`PlainRecords`] for tests.
pub trait RecordCipher: Send + Sync + 'static {
    /// Whether `key_id` names a key the stream can use now (StartStreamEncryption checks
    /// before turning encryption on).
    fn check(&self, stream: &StreamKey, key_id: &str) -> Result<(), SealError>;

    /// Seals a record's data under `key_id` for one incarnation of a stream. The result
    /// carries everything [`RecordCipher::open`] needs.
    fn seal(
        &self,
        stream: &StreamKey,
        stream_created_at_ms: EpochMs,
        key_id: &str,
        data: &[u8],
        now_ms: EpochMs,
    ) -> Result<Vec<u8>, SealError>;

    /// Opens what [`RecordCipher::seal`] produced.
    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError>;
}

/// A cipher that keeps data as it is and accepts any key: for tests and for services
/// without a key service. Records of an encrypted stream still report EncryptionType KMS.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainRecords;

impl RecordCipher for PlainRecords {
    fn check(&self, _stream: &StreamKey, _key_id: &str) -> Result<(), SealError> {
        Ok(())
    }

    fn seal(
        &self,
        _stream: &StreamKey,
        _stream_created_at_ms: EpochMs,
        _key_id: &str,
        data: &[u8],
        _now_ms: EpochMs,
    ) -> Result<Vec<u8>, SealError> {
        Ok(data.to_vec())
    }

    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        Ok(sealed.to_vec())
    }
}

/// A key service's answer as Kinesis reports it: the KMS exceptions of the model, with
/// KMS's message. Data that does not open is a server fault.
pub fn kms_error(e: SealError) -> KinesisError {
    use KinesisErrorKind::*;
    let kind = match &e {
        SealError::NotFound(_) => KmsNotFound,
        SealError::Disabled(_) => KmsDisabled,
        SealError::InvalidState(_) => KmsInvalidState,
        SealError::AccessDenied(_) => KmsAccessDenied,
        SealError::Throttled(_) => KmsThrottling,
        SealError::OptInRequired(_) => KmsOptInRequired,
        // Kinesis has no KMSInvalidKeyUsageException.
        SealError::InvalidKeyUsage(_) => InvalidArgument,
        SealError::Corrupt(_) => {
            return KinesisError::internal(format!("A stored record cannot be read: {e}"))
        }
    };
    KinesisError::new(kind, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kms_errors_keep_kmss_message() {
        let e = kms_error(SealError::NotFound("Alias x is not found.".into()));
        assert_eq!(e.kind, KinesisErrorKind::KmsNotFound);
        assert_eq!(e.message, "Alias x is not found.");
        assert_eq!(
            kms_error(SealError::Disabled("d".into())).kind,
            KinesisErrorKind::KmsDisabled
        );
        assert_eq!(
            kms_error(SealError::Corrupt("bad".into())).kind,
            KinesisErrorKind::InternalFailure
        );
        let s = StreamKey::new("us-east-1", "000000000000", "s");
        assert_eq!(PlainRecords.seal(&s, 0, "k", b"x", 0).unwrap(), b"x");
    }
}
