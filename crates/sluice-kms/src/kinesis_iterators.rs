//! The production sealer of Kinesis shard iterators: AES-256-GCM under a key of its own,
//! so an iterator is opaque to clients (its claims are encrypted, not only signed) and any
//! change to it fails to open.
//!
//! Sealed bytes are `nonce(12) || AES-256-GCM(key, claims) || tag(16)`, with a random
//! 96-bit nonce per iterator: 28 bytes over the claims, which keeps an iterator of the
//! longest stream name well within the model's 512 characters once the core has written
//! it as standard base64 (`kinesis::iterator::issue_iterator`). No associated data: the
//! claims already name the stream, its incarnation and the shard, and the core checks
//! their age (five minutes).
//!
//! The server builds it with [`AeadIteratorSealer::open`] and the key directory
//! (`<data_dir>/kms`), like the STS token key: the key is generated there on first start
//! as [`ITERATOR_KEY_NAME`]`.key` (mode 0600, written through a temporary file and synced)
//! and read back on every later one, so iterators handed out before a restart still work.
//! Without a directory (in memory) a fresh key is made at each start.

use std::path::Path;

use sluice_core::kinesis::iterator::IteratorSealer;

use crate::kept_key::KeptKey;

/// The name of the shard iterator key's file in the key directory (`.key` is added).
pub const ITERATOR_KEY_NAME: &str = "kinesis-shard-iterators";

/// Seals and opens shard iterators with AES-256-GCM.
pub struct AeadIteratorSealer {
    key: KeptKey,
}

impl std::fmt::Debug for AeadIteratorSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AeadIteratorSealer(..)")
    }
}

impl AeadIteratorSealer {
    /// The key kept in `key_dir` (generated there on first use), or a fresh one held in
    /// memory when there is no directory.
    pub fn open(key_dir: Option<&Path>) -> Result<Self, String> {
        Ok(Self {
            key: KeptKey::load(key_dir, ITERATOR_KEY_NAME)?,
        })
    }
}

impl IteratorSealer for AeadIteratorSealer {
    fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        self.key.seal(plaintext)
    }

    fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        self.key.open(sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NONCE_BYTES, TAG_BYTES};
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;
    use sluice_core::kinesis::iterator::{
        issue_iterator, open_iterator, IteratorClaims, IteratorPosition,
    };
    use sluice_core::kinesis::limits::SHARD_ITERATOR_MAX_CHARS;
    use sluice_core::kinesis::sequence::SequenceNumber;
    use sluice_core::kinesis::{KinesisErrorKind, StreamKey};

    const T0: u64 = 1_700_000_000_000;

    fn claims(name: &str, position: IteratorPosition) -> IteratorClaims {
        IteratorClaims {
            stream: StreamKey::new("us-east-1", "000000000000", name),
            stream_created_at_ms: T0 - 1_000,
            shard_index: 3,
            position,
            issued_at_ms: T0,
        }
    }

    #[test]
    fn iterators_round_trip_and_hide_their_claims() {
        let sealer = AeadIteratorSealer::open(None).unwrap();
        let c = claims("orders-stream", IteratorPosition::TrimHorizon);
        let it = issue_iterator(&sealer, &c);
        assert_eq!(open_iterator(&sealer, &it, T0 + 1).unwrap(), c);
        let sealed = BASE64.decode(&it).unwrap();
        assert_eq!(sealed.len(), c.encode().len() + NONCE_BYTES + TAG_BYTES);
        assert!(
            !sealed.windows(6).any(|w| w == b"orders"),
            "the stream name is not readable in the iterator"
        );
        // A random nonce each time: the same claims never give the same iterator.
        assert_ne!(issue_iterator(&sealer, &c), it);
    }

    #[test]
    fn any_flipped_bit_and_any_other_key_are_refused() {
        let sealer = AeadIteratorSealer::open(None).unwrap();
        let c = claims("s", IteratorPosition::AtTimestamp(T0 - 5));
        let sealed = sealer.seal(&c.encode());
        for byte in 0..sealed.len() {
            for bit in 0..8 {
                let mut bad = sealed.clone();
                bad[byte] ^= 1 << bit;
                assert_eq!(sealer.open(&bad), None, "byte {byte} bit {bit}");
            }
        }
        for cut in 0..sealed.len() {
            assert_eq!(sealer.open(&sealed[..cut]), None, "cut at {cut}");
        }
        let other = AeadIteratorSealer::open(None).unwrap();
        assert_eq!(other.open(&sealed), None);
        let it = issue_iterator(&sealer, &c);
        let e = open_iterator(&other, &it, T0).unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
        assert_eq!(e.message, "Invalid ShardIterator.");
    }

    #[test]
    fn the_key_is_kept_in_the_key_directory() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let kms = dir.path().join("kms");
        let sealer = AeadIteratorSealer::open(Some(&kms)).unwrap();
        let c = claims("s", IteratorPosition::TrimHorizon);
        let it = issue_iterator(&sealer, &c);
        let path = kms.join(format!("{ITERATOR_KEY_NAME}.key"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let restarted = AeadIteratorSealer::open(Some(&kms)).unwrap();
        assert_eq!(
            open_iterator(&restarted, &it, T0).unwrap(),
            c,
            "kept across a restart"
        );
    }

    #[test]
    fn the_longest_claims_fit_the_models_512_characters() {
        let sealer = AeadIteratorSealer::open(None).unwrap();
        let longest_seq = SequenceNumber {
            time_ms: u64::MAX,
            counter: u64::MAX,
            shard_index: u32::MAX,
            stream_tag: u64::MAX,
        };
        for position in [
            IteratorPosition::AtSequence(longest_seq),
            IteratorPosition::AfterSequence(longest_seq),
        ] {
            let mut c = claims(&"n".repeat(128), position);
            c.stream = StreamKey::new("ap-southeast-5-longest-1", "123456789012", &"n".repeat(128));
            c.shard_index = u32::MAX;
            let it = issue_iterator(&sealer, &c);
            assert!(it.len() <= SHARD_ITERATOR_MAX_CHARS, "{}", it.len());
            assert!(it
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
            assert_eq!(open_iterator(&sealer, &it, T0).unwrap(), c);
        }
    }
}
