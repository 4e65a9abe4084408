//! One publish, one signature: what a notification's signature covers (Message,
//! MessageId, Subject, Timestamp, TopicArn, Type) is the same for every subscription that
//! gets the same body, so a publish signs through a [`SignatureMemo`] that remembers its
//! last signature and hands it out again for the same version and text. RSA signing is by
//! far the costliest step of a fan-out; this makes it once per publish, not once per
//! subscription.

use std::sync::{Arc, Mutex};

use super::signature::{NotificationSigner, SignError, SignatureVersion};

/// The last signature: its version, the text signed and the signature.
type Remembered = Option<(SignatureVersion, Vec<u8>, Vec<u8>)>;

/// A signer that remembers its last answer.
pub struct SignatureMemo {
    inner: Arc<dyn NotificationSigner>,
    last: Mutex<Remembered>,
}

impl SignatureMemo {
    pub fn new(inner: Arc<dyn NotificationSigner>) -> Self {
        Self {
            inner,
            last: Mutex::new(None),
        }
    }
}

impl NotificationSigner for SignatureMemo {
    fn sign(&self, version: SignatureVersion, string_to_sign: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((v, text, signature)) = last.as_ref() {
            if *v == version && text.as_slice() == string_to_sign {
                return Ok(signature.clone());
            }
        }
        let signature = self.inner.sign(version, string_to_sign)?;
        *last = Some((version, string_to_sign.to_vec(), signature.clone()));
        Ok(signature)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counting(AtomicUsize);

    impl NotificationSigner for Counting {
        fn sign(&self, version: SignatureVersion, text: &[u8]) -> Result<Vec<u8>, SignError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let mut out = version.as_str().as_bytes().to_vec();
            out.extend_from_slice(text);
            Ok(out)
        }
    }

    #[test]
    fn the_same_text_is_signed_once() {
        let inner = Arc::new(Counting(AtomicUsize::new(0)));
        let memo = SignatureMemo::new(inner.clone());
        let v1 = SignatureVersion::parse("1").unwrap();
        let v2 = SignatureVersion::parse("2").unwrap();
        assert_eq!(memo.sign(v1, b"a").unwrap(), b"1a");
        assert_eq!(memo.sign(v1, b"a").unwrap(), b"1a");
        assert_eq!(inner.0.load(Ordering::SeqCst), 1);
        assert_eq!(memo.sign(v2, b"a").unwrap(), b"2a", "another version");
        assert_eq!(memo.sign(v2, b"b").unwrap(), b"2b", "another text");
        assert_eq!(inner.0.load(Ordering::SeqCst), 3);
    }
}
