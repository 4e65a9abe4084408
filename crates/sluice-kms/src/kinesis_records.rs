//! Kinesis server-side encryption: the [`Keyring`] as the core's `RecordCipher`.
//!
//! A stream's KeyId resolves as an SQS queue's KMS key does (key id, key ARN, alias name,
//! alias ARN, in the stream's region and account; `alias/aws/kinesis` is the AWS managed
//! key, always there). Records are sealed into the same envelope as SQS messages
//! (`envelope.rs`), with a data key per (stream incarnation, master key) wrapped by the
//! master key, kept in memory and replaced every
//! [`KINESIS_DATA_KEY_REUSE_PERIOD_S`] seconds; envelopes carry their wrapped key, so
//! records open after a restart, after the stream's key changed, and after encryption
//! was stopped.

use sluice_core::clock::EpochMs;
use sluice_core::kinesis::sealing::{RecordCipher, SealError};
use sluice_core::kinesis::StreamKey;
use sluice_core::sqs::sealing::MessageSealer;

use crate::keyring::{DataKeyOwner, Keyring};

/// How long one data key seals a stream's records (Kinesis documents no figure; this is
/// KMS's and SQS's default reuse period).
pub const KINESIS_DATA_KEY_REUSE_PERIOD_S: u32 = 300;

impl RecordCipher for Keyring {
    fn check(&self, stream: &StreamKey, key_id: &str) -> Result<(), SealError> {
        let key = self.lookup(key_id, &stream.region, &stream.account_id)?;
        self.usable(&stream.region, &stream.account_id, key)
            .map(|_| ())
    }

    fn seal(
        &self,
        stream: &StreamKey,
        stream_created_at_ms: EpochMs,
        key_id: &str,
        data: &[u8],
        now_ms: EpochMs,
    ) -> Result<Vec<u8>, SealError> {
        let key = self.lookup(key_id, &stream.region, &stream.account_id)?;
        let key = self.usable(&stream.region, &stream.account_id, key)?;
        self.seal_with(
            DataKeyOwner::Stream(stream.clone(), stream_created_at_ms),
            key,
            KINESIS_DATA_KEY_REUSE_PERIOD_S,
            data,
            now_ms,
        )
    }

    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        MessageSealer::open(self, sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{envelope, KeyConfig, AWS_MANAGED_KINESIS_ALIAS};

    fn stream(name: &str) -> StreamKey {
        StreamKey::new("us-east-1", "000000000000", name)
    }

    fn ring() -> Keyring {
        let mut off = KeyConfig::generated("off", &[]);
        off.enabled = false;
        Keyring::open(None, &[KeyConfig::generated("k1", &["alias/orders"]), off]).unwrap()
    }

    #[test]
    fn records_seal_and_open_under_every_way_of_naming_a_key() {
        let ring = ring();
        let s = stream("s");
        for key in [
            "k1",
            "alias/orders",
            "arn:aws:kms:us-east-1:000000000000:key/k1",
            "arn:aws:kms:us-east-1:000000000000:alias/orders",
            AWS_MANAGED_KINESIS_ALIAS,
        ] {
            RecordCipher::check(&ring, &s, key).unwrap();
            let sealed = RecordCipher::seal(&ring, &s, 1, key, b"record secret", 0).unwrap();
            assert!(!sealed.windows(6).any(|w| w == b"secret"), "{key}");
            assert_eq!(
                RecordCipher::open(&ring, &sealed).unwrap(),
                b"record secret"
            );
        }
    }

    #[test]
    fn a_data_key_per_stream_incarnation_rotated_after_its_period() {
        let ring = ring();
        let id = |sealed: &[u8]| envelope::parse(sealed).unwrap().data_key_id;
        let seal = |name: &str, created: u64, now: u64| {
            RecordCipher::seal(&ring, &stream(name), created, "k1", b"x", now).unwrap()
        };
        let a = seal("s", 1, 0);
        assert_eq!(id(&a), id(&seal("s", 1, 299_999)));
        assert_ne!(id(&a), id(&seal("s", 1, 300_000)));
        assert_ne!(id(&a), id(&seal("s", 2, 0)), "a later stream of the name");
        assert_ne!(id(&a), id(&seal("t", 1, 0)));
    }

    #[test]
    fn unknown_and_disabled_keys_give_kms_errors() {
        let ring = ring();
        let s = stream("s");
        assert_eq!(
            RecordCipher::check(&ring, &s, "nope").unwrap_err(),
            SealError::NotFound(
                "Key 'arn:aws:kms:us-east-1:000000000000:key/nope' does not exist".into()
            )
        );
        assert!(matches!(
            RecordCipher::check(&ring, &s, "alias/none"),
            Err(SealError::NotFound(_))
        ));
        assert!(matches!(
            RecordCipher::check(&ring, &s, "arn:aws:kms:eu-west-1:000000000000:key/k1"),
            Err(SealError::NotFound(_))
        ));
        assert!(matches!(
            RecordCipher::check(&ring, &s, "off"),
            Err(SealError::Disabled(_))
        ));
        assert!(matches!(
            RecordCipher::seal(&ring, &s, 1, "off", b"x", 0),
            Err(SealError::Disabled(_))
        ));
        // The SQS keys are not Kinesis's: the server's own key cannot be named.
        assert!(RecordCipher::check(&ring, &s, crate::SERVER_KEY_ID).is_err());
    }
}
