//! The signatures are checked as a receiver checks them, independently of the signing
//! path: the public key comes out of the PEM certificate through `x509-parser`, the
//! string to sign is rebuilt here from the delivered JSON by AWS's rule, and `ring`
//! verifies.

use std::sync::OnceLock;

use base64::Engine as _;
use ring::signature::{
    UnparsedPublicKey, VerificationAlgorithm, RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
    RSA_PKCS1_2048_8192_SHA256,
};
use sluice_core::sns::notification::{
    subscription_confirmation_message, unsubscribe_confirmation_message, Confirmation,
    ConfirmationKind, EnvelopeAttribute, Notification, Signing,
};

use super::*;

const NOW_MS: u64 = 1_796_583_600_123; // 2026-12-06T19:00:00.123Z
const TOPIC: &str = "arn:aws:sns:us-east-1:000000000000:orders";
const CERT_URL: &str = "http://localhost:9324/SimpleNotificationService-sluice.pem";

/// One generated identity for the tests that only sign (RSA key generation is slow).
fn identity() -> &'static SnsSigningIdentity {
    static IDENTITY: OnceLock<SnsSigningIdentity> = OnceLock::new();
    IDENTITY.get_or_init(|| SnsSigningIdentity::generate(NOW_MS).unwrap())
}

/// The RSAPublicKey (PKCS#1 DER) inside a PEM certificate, as ring takes it.
fn public_key_of(cert_pem: &str) -> Vec<u8> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).unwrap();
    let cert = pem.parse_x509().unwrap();
    cert.public_key().subject_public_key.data.to_vec()
}

fn algorithm(version: &str) -> &'static dyn VerificationAlgorithm {
    match version {
        "1" => &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        "2" => &RSA_PKCS1_2048_8192_SHA256,
        other => panic!("unknown SignatureVersion {other}"),
    }
}

/// A receiver's string to sign, rebuilt from the delivered document.
fn receiver_string_to_sign(doc: &serde_json::Value) -> String {
    let fields: &[&str] = match doc["Type"].as_str().unwrap() {
        "Notification" => &[
            "Message",
            "MessageId",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
        ],
        _ => &[
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type",
        ],
    };
    let mut out = String::new();
    for name in fields {
        if let Some(value) = doc.get(*name) {
            out.push_str(&format!("{name}\n{}\n", value.as_str().unwrap()));
        }
    }
    out
}

/// Verifies a delivered document against the certificate, as a receiver would.
fn verifies(doc: &serde_json::Value, cert_pem: &str) -> bool {
    let signature = base64::engine::general_purpose::STANDARD
        .decode(doc["Signature"].as_str().unwrap())
        .unwrap();
    let key = public_key_of(cert_pem);
    UnparsedPublicKey::new(algorithm(doc["SignatureVersion"].as_str().unwrap()), key)
        .verify(receiver_string_to_sign(doc).as_bytes(), &signature)
        .is_ok()
}

fn signing(identity: &SnsSigningIdentity, version: SignatureVersion) -> Signing<'_> {
    Signing {
        signer: identity,
        version,
        signing_cert_url: CERT_URL,
    }
}

fn notification_json(signer: &Signing<'_>, subject: Option<&str>) -> serde_json::Value {
    let attributes = [EnvelopeAttribute {
        name: "kind",
        data_type: "String",
        value: "created",
    }];
    let body = Notification {
        message_id: "9f0c4f5e-6d1c-4a7e-9b8e-3f1c2d4e5f60",
        sequence_number: None,
        topic_arn: TOPIC,
        subject,
        message: "{\"order\": 1}\nsecond line é",
        timestamp_ms: NOW_MS,
        unsubscribe_url: "http://localhost:9324/?Action=Unsubscribe&SubscriptionArn=x",
        message_attributes: &attributes,
    }
    .to_json(Some(signer))
    .unwrap();
    serde_json::from_str(&body).unwrap()
}

#[test]
fn notifications_verify_against_the_certificate_in_both_versions() {
    let id = identity();
    for version in [SignatureVersion::V1, SignatureVersion::V2] {
        for subject in [None, Some("Order created")] {
            let doc = notification_json(&signing(id, version), subject);
            assert_eq!(doc["SignatureVersion"], version.as_str());
            assert!(
                verifies(&doc, id.certificate_pem()),
                "{version:?} subject {subject:?}"
            );
        }
    }
}

#[test]
fn confirmations_verify_against_the_certificate_in_both_versions() {
    let id = identity();
    for version in [SignatureVersion::V1, SignatureVersion::V2] {
        for (kind, message) in [
            (
                ConfirmationKind::Subscribe,
                subscription_confirmation_message(TOPIC),
            ),
            (
                ConfirmationKind::Unsubscribe,
                unsubscribe_confirmation_message(&format!("{TOPIC}:sub-1")),
            ),
        ] {
            let body = Confirmation {
                kind,
                message_id: "m-1",
                token: "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92",
                topic_arn: TOPIC,
                message: &message,
                subscribe_url:
                    "http://localhost:9324/?Action=ConfirmSubscription&TopicArn=t&Token=x",
                timestamp_ms: NOW_MS,
            }
            .to_json(&signing(id, version))
            .unwrap();
            let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert!(verifies(&doc, id.certificate_pem()), "{version:?} {kind:?}");
        }
    }
}

#[test]
fn a_tampered_field_or_signature_fails_verification() {
    let id = identity();
    for version in [SignatureVersion::V1, SignatureVersion::V2] {
        let doc = notification_json(&signing(id, version), Some("s"));
        assert!(verifies(&doc, id.certificate_pem()));
        for field in ["Message", "MessageId", "Subject", "Timestamp", "TopicArn"] {
            let mut tampered = doc.clone();
            let changed = format!("{}x", tampered[field].as_str().unwrap());
            tampered[field] = changed.into();
            assert!(
                !verifies(&tampered, id.certificate_pem()),
                "{version:?}: changing {field} must break the signature"
            );
        }
        let mut dropped = doc.clone();
        dropped.as_object_mut().unwrap().remove("Subject");
        assert!(!verifies(&dropped, id.certificate_pem()));

        let mut signature = base64::engine::general_purpose::STANDARD
            .decode(doc["Signature"].as_str().unwrap())
            .unwrap();
        signature[10] ^= 1;
        let mut bad = doc.clone();
        bad["Signature"] = base64::engine::general_purpose::STANDARD
            .encode(signature)
            .into();
        assert!(!verifies(&bad, id.certificate_pem()));
    }
    // A version-1 signature does not pass as version 2, nor the reverse.
    let mut doc = notification_json(&signing(id, SignatureVersion::V1), None);
    doc["SignatureVersion"] = "2".into();
    assert!(!verifies(&doc, id.certificate_pem()));
}

#[test]
fn the_certificate_is_self_signed_for_a_2048_bit_key() {
    let id = identity();
    let (_, pem) = x509_parser::pem::parse_x509_pem(id.certificate_pem().as_bytes()).unwrap();
    let cert = pem.parse_x509().unwrap();
    assert_eq!(cert.subject(), cert.issuer());
    assert_eq!(
        cert.subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        SNS_SIGNING_CERT_COMMON_NAME
    );
    // sha256WithRSAEncryption, and the self-signature holds.
    assert_eq!(
        cert.signature_algorithm.algorithm.to_id_string(),
        "1.2.840.113549.1.1.11"
    );
    UnparsedPublicKey::new(
        &RSA_PKCS1_2048_8192_SHA256,
        cert.public_key().subject_public_key.data.to_vec(),
    )
    .verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
    .unwrap();
    let now_s = (NOW_MS / 1000) as i64;
    assert!(cert.validity().not_before.timestamp() < now_s);
    assert!(
        cert.validity().not_after.timestamp()
            >= now_s + (SNS_SIGNING_CERT_VALIDITY_DAYS - 1) * 86_400
    );
    match cert.public_key().parsed().unwrap() {
        x509_parser::public_key::PublicKey::RSA(rsa) => {
            assert_eq!(rsa.key_size(), SNS_SIGNING_KEY_BITS)
        }
        other => panic!("not an RSA key: {other:?}"),
    }
}

#[test]
fn the_identity_persists_privately_and_reloads() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let kms = dir.path().join("kms");
    let first = SnsSigningIdentity::open(Some(&kms), NOW_MS).unwrap();
    for file in [SNS_SIGNING_KEY_FILE, SNS_SIGNING_CERT_FILE] {
        let mode = fs::metadata(kms.join(file)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    assert_eq!(
        fs::read_to_string(kms.join(SNS_SIGNING_CERT_FILE)).unwrap(),
        first.certificate_pem()
    );

    // A restart (at a later time) loads the same identity: what the first signed
    // verifies against the reloaded certificate, and the reverse.
    let again = SnsSigningIdentity::open(Some(&kms), NOW_MS + 86_400_000).unwrap();
    assert_eq!(again.certificate_pem(), first.certificate_pem());
    let signed_before = notification_json(&signing(&first, SignatureVersion::V2), None);
    assert!(verifies(&signed_before, again.certificate_pem()));
    let signed_after = notification_json(&signing(&again, SignatureVersion::V1), None);
    assert!(verifies(&signed_after, first.certificate_pem()));

    // A crash between writing the key and the certificate: the certificate is made
    // again for the same key.
    fs::remove_file(kms.join(SNS_SIGNING_CERT_FILE)).unwrap();
    let remade = SnsSigningIdentity::open(Some(&kms), NOW_MS).unwrap();
    let signed = notification_json(&signing(&remade, SignatureVersion::V2), None);
    assert!(verifies(&signed, first.certificate_pem()));

    // A certificate whose key is gone is not silently replaced.
    fs::remove_file(kms.join(SNS_SIGNING_KEY_FILE)).unwrap();
    let err = SnsSigningIdentity::open(Some(&kms), NOW_MS).unwrap_err();
    assert!(err.contains("restore the key"), "{err}");

    let names: Vec<_> = fs::read_dir(&kms)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary files left: {names:?}");
}

#[test]
fn a_certificate_for_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let stored = SnsSigningIdentity::open(Some(dir.path()), NOW_MS).unwrap();
    fs::remove_file(dir.path().join(SNS_SIGNING_CERT_FILE)).unwrap();
    fs::write(
        dir.path().join(SNS_SIGNING_CERT_FILE),
        identity().certificate_pem(),
    )
    .unwrap();
    let err = SnsSigningIdentity::open(Some(dir.path()), NOW_MS).unwrap_err();
    assert!(err.contains("not for the SNS signing key"), "{err}");
    assert!(SnsSigningIdentity::from_pem(&stored.key_pem, stored.certificate_pem()).is_ok());
    assert!(SnsSigningIdentity::from_pem(&stored.key_pem, "not pem").is_err());
    assert!(SnsSigningIdentity::from_pem("not a key", stored.certificate_pem()).is_err());
    assert!(
        SnsSigningIdentity::from_pem(&stored.key_pem, &stored.key_pem).is_err(),
        "a key is not a certificate"
    );
}

#[test]
fn without_a_directory_the_identity_lives_in_memory() {
    let id = SnsSigningIdentity::open(None, NOW_MS).unwrap();
    let doc = notification_json(&signing(&id, SignatureVersion::V1), None);
    assert!(verifies(&doc, id.certificate_pem()));
    assert!(!verifies(&doc, identity().certificate_pem()));
}
