//! What one SNS signature costs (one per publish): the server's AWS-LC signer beside
//! RustCrypto's `rsa` on the same key and text, for both signature versions, so the
//! ratio is measured in one run.
//!
//! ```text
//! cargo bench -p sluice-kms --bench sns_signing
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::rngs::OsRng;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use rsa::RsaPrivateKey;
use sluice_core::sns::notification::{NotificationSigner, SignatureVersion};
use sluice_kms::{SnsSigningIdentity, SNS_SIGNING_KEY_FILE};

/// A notification's string to sign for a 100-byte message.
fn text() -> Vec<u8> {
    format!(
        "Message\n{}\nMessageId\n7a3c5f0e-1b2d-4e6f-8a9b-0c1d2e3f4a5b\nTimestamp\n\
         2026-12-06T12:00:00.000Z\nTopicArn\narn:aws:sns:us-east-1:000000000000:bench\n\
         Type\nNotification\n",
        "x".repeat(100)
    )
    .into_bytes()
}

fn signing(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let identity = SnsSigningIdentity::load_or_generate(dir.path(), 1_765_000_000_000).unwrap();
    let key_pem = std::fs::read_to_string(dir.path().join(SNS_SIGNING_KEY_FILE)).unwrap();
    let key = RsaPrivateKey::from_pkcs8_pem(&key_pem).unwrap();
    let rust_sha1 = SigningKey::<sha1::Sha1>::new(key.clone());
    let rust_sha256 = SigningKey::<sha2::Sha256>::new(key);
    let text = text();
    let mut group = c.benchmark_group("sns_signature");
    group.measurement_time(Duration::from_secs(5));
    for (name, version) in [("v1_sha1", "1"), ("v2_sha256", "2")] {
        let version = SignatureVersion::parse(version).unwrap();
        group.bench_function(format!("{name}/aws_lc"), |b| {
            b.iter(|| identity.sign(version, black_box(&text)).unwrap())
        });
    }
    group.bench_function("v1_sha1/rustcrypto_rsa", |b| {
        b.iter(|| {
            rust_sha1
                .sign_with_rng(&mut OsRng, black_box(&text))
                .to_vec()
        })
    });
    group.bench_function("v2_sha256/rustcrypto_rsa", |b| {
        b.iter(|| {
            rust_sha256
                .sign_with_rng(&mut OsRng, black_box(&text))
                .to_vec()
        })
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
