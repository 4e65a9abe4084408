//! A key the server keeps for its own sealed values (STS session tokens, Kinesis shard
//! iterators): AES-256-GCM under a key generated into the key directory on first start
//! and read back on every later one (so what was sealed before a restart still opens),
//! or held in memory only when the server keeps nothing on disk. A sealed value is the
//! random 96-bit nonce followed by the ciphertext and its tag.

use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};

use crate::{material, NONCE_BYTES, TAG_BYTES};

/// One kept key.
pub(crate) struct KeptKey {
    cipher: Aes256Gcm,
}

impl KeptKey {
    /// The key named `name` in `key_dir` (generated there on first use), or a fresh one
    /// held in memory when there is no directory.
    pub(crate) fn load(key_dir: Option<&Path>, name: &str) -> Result<Self, String> {
        let key = match key_dir {
            Some(dir) => material::load_or_generate(dir, name)?,
            None => material::random_key(),
        };
        Ok(Self {
            cipher: Aes256Gcm::new((&key).into()),
        })
    }

    pub(crate) fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext)
            .expect("AES-GCM seals any plaintext of this size");
        let mut out = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// The plaintext, if `sealed` was sealed by this key and is unchanged.
    pub(crate) fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_BYTES + TAG_BYTES {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .ok()
    }
}
