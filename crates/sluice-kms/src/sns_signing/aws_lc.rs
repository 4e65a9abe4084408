//! RSA PKCS#1 v1.5 signatures by AWS-LC, the cryptography library under `rustls` and
//! `aws-lc-rs`. SNS signs one notification per publish, so signing speed bounds publish
//! throughput; AWS-LC signs about five times faster than RustCrypto's `rsa` (measured
//! side by side: docs/benchmarks), in constant time. `aws-lc-rs`'s safe API signs with
//! SHA-256 but offers no SHA-1 signing, which SignatureVersion 1 (AWS's default) needs,
//! so this file calls AWS-LC's `RSA_sign` directly: a key parsed once from PKCS#1 DER,
//! a digest in, a signature out. This is the crate's only FFI.

use std::ffi::{c_long, c_uint};
use std::ptr::NonNull;

use aws_lc_sys as lc;
use sha1::{Digest, Sha1};
use sha2::Sha256;
use sluice_core::sns::notification::{SignError, SignatureVersion};

/// An RSA private key held by AWS-LC.
pub(super) struct LcRsaKey(NonNull<lc::RSA>);

// SAFETY: AWS-LC documents RSA objects as safe to use from several threads at once for
// operations that do not change the key; signing only reads it (its blinding cache is
// behind AWS-LC's own lock). The key is never changed after parsing.
unsafe impl Send for LcRsaKey {}
unsafe impl Sync for LcRsaKey {}

impl LcRsaKey {
    /// Parses a PKCS#1 `RSAPrivateKey` in DER.
    pub(super) fn from_pkcs1_der(der: &[u8]) -> Result<Self, String> {
        let len = c_long::try_from(der.len()).map_err(|e| e.to_string())?;
        let mut input = der.as_ptr();
        // SAFETY: `input` points at `len` readable bytes; a null `out` asks for a new
        // object, owned by the caller (freed in `Drop`).
        let rsa = unsafe { lc::d2i_RSAPrivateKey(std::ptr::null_mut(), &mut input, len) };
        NonNull::new(rsa)
            .map(Self)
            .ok_or_else(|| "AWS-LC cannot parse the SNS signing key".to_owned())
    }

    /// Signs `text` with the digest `version` names.
    pub(super) fn sign(
        &self,
        version: SignatureVersion,
        text: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        match version {
            SignatureVersion::V1 => self.sign_digest(lc::NID_sha1, &Sha1::digest(text)),
            SignatureVersion::V2 => self.sign_digest(lc::NID_sha256, &Sha256::digest(text)),
        }
    }

    fn sign_digest(&self, nid: i32, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        // SAFETY: the key is a valid RSA object for as long as `self` lives.
        let size = unsafe { lc::RSA_size(self.0.as_ptr()) } as usize;
        let mut out = vec![0u8; size];
        let mut written: c_uint = 0;
        // SAFETY: `digest` is readable for its length; `out` has RSA_size bytes, the
        // most RSA_sign writes; `written` receives the length.
        let ok = unsafe {
            lc::RSA_sign(
                nid,
                digest.as_ptr(),
                digest.len(),
                out.as_mut_ptr(),
                &mut written,
                self.0.as_ptr(),
            )
        };
        if ok != 1 {
            return Err(SignError("AWS-LC could not sign".into()));
        }
        out.truncate(written as usize);
        Ok(out)
    }
}

impl Drop for LcRsaKey {
    fn drop(&mut self) {
        // SAFETY: owned since `d2i_RSAPrivateKey`, freed once.
        unsafe { lc::RSA_free(self.0.as_ptr()) }
    }
}
