//! The key STS session tokens are sealed with: AES-256-GCM under a key generated into
//! the data directory on first start (so temporary credentials outlive a restart), or
//! held in memory only when the server keeps nothing on disk.

use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use sluice_core::sts::TokenSealer;

use crate::{material, NONCE_BYTES};

/// The name of the token key's file in the key directory.
pub const TOKEN_KEY_NAME: &str = "sts-session-tokens";

/// Seals session tokens.
pub struct TokenKey {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    /// The key kept in `key_dir` (generated there on first use), or a fresh one held in
    /// memory when there is no directory.
    pub fn open(key_dir: Option<&Path>) -> Result<Self, String> {
        let key = match key_dir {
            Some(dir) => material::load_or_generate(dir, TOKEN_KEY_NAME)?,
            None => material::random_key(),
        };
        Ok(Self {
            cipher: Aes256Gcm::new((&key).into()),
        })
    }
}

impl TokenSealer for TokenKey {
    fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        out.extend(
            self.cipher
                .encrypt(&nonce, plaintext)
                .expect("AES-GCM seals any plaintext of this size"),
        );
        out
    }

    fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_only_under_their_key_and_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let key = TokenKey::open(Some(dir.path())).unwrap();
        let sealed = key.seal(b"claims");
        assert_eq!(key.open(&sealed).as_deref(), Some(&b"claims"[..]));
        let again = TokenKey::open(Some(dir.path())).unwrap();
        assert_eq!(
            again.open(&sealed).as_deref(),
            Some(&b"claims"[..]),
            "kept across a restart"
        );
        let other = TokenKey::open(None).unwrap();
        assert_eq!(other.open(&sealed), None);
        for i in 0..sealed.len() {
            let mut changed = sealed.clone();
            changed[i] ^= 1;
            assert_eq!(key.open(&changed), None, "byte {i}");
        }
        assert_eq!(key.open(&sealed[..5]), None);
    }
}
