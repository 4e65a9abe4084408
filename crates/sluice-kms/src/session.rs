//! The key STS session tokens are sealed with: AES-256-GCM under a key generated into
//! the data directory on first start (so temporary credentials outlive a restart), or
//! held in memory only when the server keeps nothing on disk.

use std::path::Path;

use sluice_core::sts::TokenSealer;

use crate::kept_key::KeptKey;

/// The name of the token key's file in the key directory.
pub const TOKEN_KEY_NAME: &str = "sts-session-tokens";

/// Seals session tokens.
pub struct TokenKey {
    key: KeptKey,
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
        Ok(Self {
            key: KeptKey::load(key_dir, TOKEN_KEY_NAME)?,
        })
    }
}

impl TokenSealer for TokenKey {
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
