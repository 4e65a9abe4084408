//! The signing key (`kSigning`) derived from a secret through the HMAC chain
//! date → region → service → `aws4_request`, the signature it makes, and a small
//! bounded cache of derived keys: the key changes once a day per caller, while every
//! request needs it.

use std::collections::HashMap;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::limits::SCOPE_TERMINATOR;

type HmacSha256 = Hmac<Sha256>;

/// A derived signing key.
pub type SigningKey = [u8; 32];

fn hmac(key: &[u8], data: &[u8]) -> SigningKey {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `kSigning` for a secret and a credential scope.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> SigningKey {
    let mut prefixed = Vec::with_capacity(4 + secret.len());
    prefixed.extend_from_slice(b"AWS4");
    prefixed.extend_from_slice(secret.as_bytes());
    let k_date = hmac(&prefixed, date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, SCOPE_TERMINATOR.as_bytes())
}

/// The raw HMAC-SHA256 signature of a string to sign.
pub fn signature(key: &SigningKey, string_to_sign: &str) -> SigningKey {
    hmac(key, string_to_sign.as_bytes())
}

/// Lowercase hex of `signature`.
pub fn signature_hex(key: &SigningKey, string_to_sign: &str) -> String {
    hex::encode(signature(key, string_to_sign))
}

/// How many derived keys `SigningKeyCache` holds before it starts over. Keys live a
/// day, so this bounds memory without needing an eviction order.
pub const SIGNING_KEY_CACHE_MAX_ENTRIES: usize = 1024;

/// Derived signing keys by (secret, date, region, service). Shared by all requests;
/// the secret is part of the key so a rotated secret never meets a stale key.
#[derive(Debug, Default)]
pub struct SigningKeyCache {
    keys: Mutex<HashMap<(String, String, String, String), SigningKey>>,
}

impl SigningKeyCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The key for this scope, derived on first use.
    pub fn get(&self, secret: &str, date: &str, region: &str, service: &str) -> SigningKey {
        // A poisoned lock only means another thread panicked mid-insert of a plain
        // map; the map itself is still sound.
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let lookup = (
            secret.to_owned(),
            date.to_owned(),
            region.to_owned(),
            service.to_owned(),
        );
        if let Some(key) = keys.get(&lookup) {
            return *key;
        }
        let key = signing_key(secret, date, region, service);
        if keys.len() >= SIGNING_KEY_CACHE_MAX_ENTRIES {
            keys.clear();
        }
        keys.insert(lookup, key);
        key
    }

    /// Number of keys held (for tests).
    pub fn len(&self) -> usize {
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of AWS's "Examples of how to derive a signing key" page.
    #[test]
    fn derives_the_documented_key() {
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn cache_returns_the_same_key_and_stays_bounded() {
        let cache = SigningKeyCache::new();
        let a = cache.get("s", "20150830", "us-east-1", "sqs");
        assert_eq!(a, signing_key("s", "20150830", "us-east-1", "sqs"));
        assert_eq!(cache.get("s", "20150830", "us-east-1", "sqs"), a);
        assert_ne!(cache.get("t", "20150830", "us-east-1", "sqs"), a);
        for i in 0..SIGNING_KEY_CACHE_MAX_ENTRIES + 5 {
            cache.get(&i.to_string(), "20150830", "us-east-1", "sqs");
        }
        assert!(cache.len() <= SIGNING_KEY_CACHE_MAX_ENTRIES);
    }
}
