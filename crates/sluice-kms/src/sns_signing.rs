//! The server's SNS signing identity: an RSA key and a self-signed X.509 certificate for
//! it. SNS signs every notification and confirmation it sends (RSA PKCS#1 v1.5 with
//! SHA-1 for SignatureVersion 1, SHA-256 for 2); receivers check the signature against
//! the certificate at `SigningCertURL`, which the server will serve. The key and the
//! certificate live as PEM files in the key directory, written like the master keys
//! (0600, synced, never replaced), so signatures stay verifiable across restarts.
//!
//! Why these crates: RustCrypto's `rsa` generates the key and reads and writes its PEM;
//! AWS-LC signs (`sns_signing/aws_lc.rs`: about five times faster than `rsa`, constant
//! time, and with the SHA-1 digest version 1 needs, which neither `ring` nor
//! `aws-lc-rs`'s safe API signs with). The certificate is made by `rcgen` (as the TLS
//! development certificate is), which imports the same key as PKCS#8 and self-signs it
//! with SHA256withRSA.

use std::fs;
use std::path::Path;

use rand::rngs::OsRng;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::RsaPrivateKey;
use sluice_core::sns::notification::{NotificationSigner, SignError, SignatureVersion};

use crate::material;

mod aws_lc;

/// Bits of the RSA modulus. AWS's SNS signing certificates carry 2048-bit keys.
pub const SNS_SIGNING_KEY_BITS: usize = 2048;
/// The signing key's file in the key directory (PKCS#8 PEM).
pub const SNS_SIGNING_KEY_FILE: &str = "sns-signing-key.pem";
/// The certificate's file in the key directory (X.509 PEM), the one served at
/// `SigningCertURL`.
pub const SNS_SIGNING_CERT_FILE: &str = "sns-signing-cert.pem";
/// How long a generated certificate is valid, in days.
pub const SNS_SIGNING_CERT_VALIDITY_DAYS: i64 = 3650;
/// How far before its creation a certificate's validity starts, in days, so that a
/// receiver whose clock is a little behind still accepts it.
pub const SNS_SIGNING_CERT_BACKDATE_DAYS: i64 = 1;
/// The certificate's subject common name: the name AWS's signing certificates carry, for
/// validators that check it (the certificate is self-signed, so it vouches for nothing
/// beyond this server).
pub const SNS_SIGNING_CERT_COMMON_NAME: &str = "sns.amazonaws.com";
/// The certificate's subject organisation, which says whose certificate it really is.
pub const SNS_SIGNING_CERT_ORGANIZATION: &str = "Sluice (local SNS)";
const MS_PER_S: u64 = 1_000;

/// Signs SNS messages with the server's key.
pub struct SnsSigningIdentity {
    key: aws_lc::LcRsaKey,
    key_pem: String,
    cert_pem: String,
}

impl std::fmt::Debug for SnsSigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnsSigningIdentity(..)")
    }
}

impl SnsSigningIdentity {
    /// The identity kept in `key_dir` (generated there on first use, its certificate
    /// valid from `now_ms`), or a fresh one held in memory when there is no directory.
    pub fn open(key_dir: Option<&Path>, now_ms: u64) -> Result<Self, String> {
        match key_dir {
            Some(dir) => Self::load_or_generate(dir, now_ms),
            None => Self::generate(now_ms),
        }
    }

    /// A new key and a self-signed certificate for it, valid from `now_ms`.
    pub fn generate(now_ms: u64) -> Result<Self, String> {
        let key = RsaPrivateKey::new(&mut OsRng, SNS_SIGNING_KEY_BITS)
            .map_err(|e| format!("cannot generate the SNS signing key: {e}"))?;
        let key_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| format!("cannot encode the SNS signing key: {e}"))?
            .to_string();
        let cert_pem = self_signed_certificate(&key_pem, now_ms)?;
        Self::from_pem(&key_pem, &cert_pem)
    }

    /// The identity from its PEM texts; the certificate must be for this key.
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, String> {
        let key = RsaPrivateKey::from_pkcs8_pem(key_pem)
            .map_err(|e| format!("the SNS signing key is not a PKCS#8 RSA key: {e}"))?;
        check_certificate_is_for(&key, cert_pem)?;
        let der = key
            .to_pkcs1_der()
            .map_err(|e| format!("cannot encode the SNS signing key: {e}"))?;
        Ok(Self {
            key: aws_lc::LcRsaKey::from_pkcs1_der(der.as_bytes())?,
            key_pem: key_pem.to_owned(),
            cert_pem: cert_pem.to_owned(),
        })
    }

    /// Reads the key and certificate from `dir`, generating what is missing: a new key
    /// with a new certificate, or a certificate for a key whose certificate was never
    /// written (a crash between the two writes). A certificate without its key is an
    /// error: a new key would make every signature already sent unverifiable against
    /// the certificate receivers may have cached, so the operator decides.
    pub fn load_or_generate(dir: &Path, now_ms: u64) -> Result<Self, String> {
        let key_path = dir.join(SNS_SIGNING_KEY_FILE);
        let cert_path = dir.join(SNS_SIGNING_CERT_FILE);
        let key_pem = if key_path.exists() {
            read_text(&key_path)?
        } else {
            if cert_path.exists() {
                return Err(format!(
                    "{} exists but its key {} does not: restore the key, or remove the \
                     certificate to generate a new identity",
                    cert_path.display(),
                    key_path.display()
                ));
            }
            material::create_private_dir(dir)?;
            let generated = Self::generate(now_ms)?;
            if material::write_new(&key_path, generated.key_pem.trim_end().as_bytes())? {
                tracing::info!(path = %key_path.display(), "generated the SNS signing key");
            }
            // Another process may have written its key first: the file's key is the one.
            read_text(&key_path)?
        };
        if !cert_path.exists() {
            let cert_pem = self_signed_certificate(&key_pem, now_ms)?;
            material::write_new(&cert_path, cert_pem.trim_end().as_bytes())?;
        }
        let cert_pem = read_text(&cert_path)?;
        Self::from_pem(&key_pem, &cert_pem)
            .map_err(|e| format!("{} and {}: {e}", key_path.display(), cert_path.display()))
    }

    /// The certificate, as served at `SigningCertURL`.
    pub fn certificate_pem(&self) -> &str {
        &self.cert_pem
    }
}

impl NotificationSigner for SnsSigningIdentity {
    fn sign(&self, version: SignatureVersion, string_to_sign: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key.sign(version, string_to_sign)
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A self-signed certificate (SHA256withRSA) for the key in `key_pem`, valid from a day
/// before `now_ms` for [`SNS_SIGNING_CERT_VALIDITY_DAYS`].
fn self_signed_certificate(key_pem: &str, now_ms: u64) -> Result<String, String> {
    let failed = |e: rcgen::Error| format!("cannot make the SNS signing certificate: {e}");
    let key_pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(key_pem, &rcgen::PKCS_RSA_SHA256)
        .map_err(failed)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    let now_s = i64::try_from(now_ms / MS_PER_S).map_err(|e| e.to_string())?;
    let now = time::OffsetDateTime::from_unix_timestamp(now_s).map_err(|e| e.to_string())?;
    params.not_before = now - time::Duration::days(SNS_SIGNING_CERT_BACKDATE_DAYS);
    params.not_after = now + time::Duration::days(SNS_SIGNING_CERT_VALIDITY_DAYS);
    let mut subject = rcgen::DistinguishedName::new();
    subject.push(rcgen::DnType::CommonName, SNS_SIGNING_CERT_COMMON_NAME);
    subject.push(
        rcgen::DnType::OrganizationName,
        SNS_SIGNING_CERT_ORGANIZATION,
    );
    params.distinguished_name = subject;
    Ok(params.self_signed(&key_pair).map_err(failed)?.pem())
}

/// Checks that the certificate in `cert_pem` carries `key`'s public key: its DER holds
/// the key's SubjectPublicKeyInfo, byte for byte (DER has one encoding per value).
fn check_certificate_is_for(key: &RsaPrivateKey, cert_pem: &str) -> Result<(), String> {
    let (label, cert_der) = rsa::pkcs8::der::pem::decode_vec(cert_pem.trim().as_bytes())
        .map_err(|e| format!("the SNS signing certificate is not PEM: {e}"))?;
    if label != "CERTIFICATE" {
        return Err(format!(
            "the SNS signing certificate's PEM is a {label}, not a CERTIFICATE"
        ));
    }
    let spki = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| format!("cannot encode the SNS signing key's public key: {e}"))?;
    let spki = spki.as_bytes();
    if cert_der.windows(spki.len()).any(|w| w == spki) {
        Ok(())
    } else {
        Err("the SNS signing certificate is not for the SNS signing key".into())
    }
}

#[cfg(test)]
mod tests;
