//! Temporary credentials: what a session token carries and how it is sealed.
//!
//! The token is the session's claims (access key id, secret, role, session name,
//! expiry) in JSON, sealed by the server's token key with an authenticated cipher
//! (`TokenSealer`, implemented by `sluice-kms`), then base64. A token that does not
//! open, or opens to claims for another access key id, is not ours.

use base64::Engine;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::clock::EpochMs;

/// Seals and opens session tokens with a key only the server holds.
pub trait TokenSealer: Send + Sync + std::fmt::Debug {
    fn seal(&self, plaintext: &[u8]) -> Vec<u8>;
    /// `None` when the bytes were not sealed by this key or were changed.
    fn open(&self, sealed: &[u8]) -> Option<Vec<u8>>;
}

/// What a session token says about its session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// `ASIA...`.
    pub access_key_id: String,
    pub secret_access_key: String,
    pub role_arn: String,
    pub account_id: String,
    pub role_name: String,
    pub session_name: String,
    pub expires_at_ms: EpochMs,
}

/// Why presented temporary credentials were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// Not a token this server issued, or not for this access key id.
    Invalid,
    /// A token of ours whose session has ended.
    Expired,
}

/// The first letters of temporary access key ids.
pub const TEMPORARY_ACCESS_KEY_PREFIX: &str = "ASIA";
const ACCESS_KEY_SUFFIX_LEN: usize = 16;
const SECRET_LEN: usize = 40;
/// The format of the sealed claims, first byte of every token.
const TOKEN_VERSION: u8 = 1;

impl SessionClaims {
    /// The sealed, printable token.
    pub fn seal(&self, sealer: &dyn TokenSealer) -> String {
        let mut plaintext = vec![TOKEN_VERSION];
        plaintext.extend(serde_json::to_vec(self).expect("claims always serialise"));
        base64::engine::general_purpose::STANDARD.encode(sealer.seal(&plaintext))
    }

    /// Opens `token` presented with `access_key_id` at `now`.
    pub fn open(
        sealer: &dyn TokenSealer,
        token: &str,
        access_key_id: &str,
        now: EpochMs,
    ) -> Result<Self, SessionError> {
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(token.trim())
            .map_err(|_| SessionError::Invalid)?;
        let plaintext = sealer.open(&sealed).ok_or(SessionError::Invalid)?;
        let (&version, json) = plaintext.split_first().ok_or(SessionError::Invalid)?;
        if version != TOKEN_VERSION {
            return Err(SessionError::Invalid);
        }
        let claims: SessionClaims =
            serde_json::from_slice(json).map_err(|_| SessionError::Invalid)?;
        if claims.access_key_id != access_key_id {
            return Err(SessionError::Invalid);
        }
        if now >= claims.expires_at_ms {
            return Err(SessionError::Expired);
        }
        Ok(claims)
    }
}

/// A fresh temporary access key id and secret.
pub fn new_key_pair() -> (String, String) {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::thread_rng();
    let id: String = (0..ACCESS_KEY_SUFFIX_LEN)
        .map(|_| UPPER[rng.gen_range(0..UPPER.len())] as char)
        .collect();
    let secret: String = (0..SECRET_LEN)
        .map(|_| SECRET[rng.gen_range(0..SECRET.len())] as char)
        .collect();
    (format!("{TEMPORARY_ACCESS_KEY_PREFIX}{id}"), secret)
}

/// Whether an access key id is a temporary one.
pub fn is_temporary_access_key(access_key_id: &str) -> bool {
    access_key_id.starts_with(TEMPORARY_ACCESS_KEY_PREFIX)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A sealer for tests: XOR with a byte and a checksum byte. Not secure; enough to
    /// show that changed or foreign tokens do not open.
    #[derive(Debug)]
    pub struct TestSealer(pub u8);

    impl TokenSealer for TestSealer {
        fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
            let mut out: Vec<u8> = plaintext.iter().map(|b| b ^ self.0).collect();
            out.push(checksum(plaintext) ^ self.0);
            out
        }

        fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
            let (&sum, body) = sealed.split_last()?;
            let plain: Vec<u8> = body.iter().map(|b| b ^ self.0).collect();
            (checksum(&plain) ^ self.0 == sum).then_some(plain)
        }
    }

    fn checksum(bytes: &[u8]) -> u8 {
        bytes
            .iter()
            .fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(*b))
    }

    fn claims() -> SessionClaims {
        let (access_key_id, secret_access_key) = new_key_pair();
        SessionClaims {
            access_key_id,
            secret_access_key,
            role_arn: "arn:aws:iam::111111111111:role/r".to_owned(),
            account_id: "111111111111".to_owned(),
            role_name: "r".to_owned(),
            session_name: "s".to_owned(),
            expires_at_ms: 10_000,
        }
    }

    #[test]
    fn tokens_open_for_their_key_until_they_expire() {
        let sealer = TestSealer(0x5a);
        let c = claims();
        let token = c.seal(&sealer);
        assert_eq!(
            SessionClaims::open(&sealer, &token, &c.access_key_id, 9_999),
            Ok(c.clone())
        );
        assert_eq!(
            SessionClaims::open(&sealer, &token, &c.access_key_id, 10_000),
            Err(SessionError::Expired)
        );
        assert_eq!(
            SessionClaims::open(&sealer, &token, "ASIAOTHER", 0),
            Err(SessionError::Invalid)
        );
        assert_eq!(
            SessionClaims::open(&TestSealer(0x33), &token, &c.access_key_id, 0),
            Err(SessionError::Invalid)
        );
        assert_eq!(
            SessionClaims::open(&sealer, "not base64!", &c.access_key_id, 0),
            Err(SessionError::Invalid)
        );
    }

    #[test]
    fn key_pairs_look_like_aws_temporary_keys() {
        let (id, secret) = new_key_pair();
        assert!(is_temporary_access_key(&id));
        assert_eq!(id.len(), 20);
        assert_eq!(secret.len(), 40);
        assert_ne!(new_key_pair().0, id);
    }
}
