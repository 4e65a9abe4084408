//! Property: changing any single byte of a signed request — its method, path, query,
//! the value of a signed header, or its body — makes `verify` refuse it, for both
//! header-signed and presigned requests.
//!
//! Changes that leave the request's meaning, and so its canonical form, unchanged are
//! excluded, each for a reason SigV4 itself gives:
//! - header values are compared trimmed with inner whitespace collapsed, so swapping one
//!   whitespace byte for another, or adding one beside another, signs the same;
//! - query parameters are compared percent-decoded, so `%4a` and `%4A` are one value;
//! - the path is normalized first, so a change that only adds or removes an empty or
//!   dot segment means the same path.
//!
//! Header-name case is never changed: names are case-insensitive by HTTP's own rules.

use proptest::prelude::*;
use sluice_auth::sigv4::canonical::{canonical_query, canonical_uri};
use sluice_auth::sigv4::{
    parse_amz_date, presign, sign_headers, verify, Credentials, RequestParts,
};

const SECRET: &str = "tamper-secret";

fn creds() -> Credentials<'static> {
    Credentials {
        access_key_id: "AKIDTAMPER",
        secret_access_key: SECRET,
        session_token: Some("tok"),
    }
}

fn now_ms() -> u64 {
    parse_amz_date("20240229T235930Z").unwrap()
}

#[derive(Clone, Debug)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn verify(&self) -> bool {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let parts = RequestParts {
            method: &self.method,
            path: &self.path,
            query: Some(&self.query),
            headers: &headers,
            body: &self.body,
        };
        verify(&parts, now_ms(), &["sqs"], |k| {
            (k == "AKIDTAMPER").then(|| SECRET.to_owned())
        })
        .is_ok()
    }
}

fn base(presigned: bool) -> Req {
    let mut req = Req {
        method: "POST".into(),
        path: "/123456789012/queue%2Dname/".into(),
        query: "Action=SendMessage&Version=2012-11-05&Tag.1=a%20b".into(),
        headers: vec![
            ("Host".into(), "sqs.us-east-1.localhost:4566".into()),
            ("Content-Type".into(), "application/x-amz-json-1.0".into()),
            ("X-Amz-Target".into(), "AmazonSQS.SendMessage".into()),
            ("X-Amz-Meta".into(), "one two".into()),
        ],
        body: br#"{"QueueUrl":"http://localhost/123456789012/q","MessageBody":"hi"}"#.to_vec(),
    };
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let parts = RequestParts {
        method: &req.method,
        path: &req.path,
        query: Some(&req.query),
        headers: &headers,
        body: &req.body,
    };
    if presigned {
        let query = presign(&parts, &creds(), "us-east-1", "sqs", now_ms(), 600).query;
        req.query = query;
    } else {
        let added = sign_headers(&parts, &creds(), "us-east-1", "sqs", now_ms()).headers;
        req.headers.extend(added);
    }
    assert!(req.verify(), "the untouched request must verify");
    req
}

/// Replaces the ASCII byte at `index` (modulo the length) of `text` with `byte`;
/// `None` if nothing would change.
fn replace_byte(text: &str, index: usize, byte: u8) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    let i = index % bytes.len();
    if !bytes[i].is_ascii() || bytes[i] == byte {
        return None;
    }
    bytes[i] = byte;
    String::from_utf8(bytes).ok()
}

fn collapsed(value: &str) -> String {
    value.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

fn canonical_path(path: &str) -> String {
    let mut out = String::new();
    canonical_uri(path, &mut out);
    out
}

fn canonical_q(query: &str, presigned: bool) -> String {
    let mut out = String::new();
    canonical_query(Some(query), presigned, &mut out);
    out
}

/// Printable ASCII and tab: what may stand in a header value, path or query as `&str`.
fn text_byte() -> impl Strategy<Value = u8> {
    prop_oneof![Just(b'\t'), 0x20u8..0x7f]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn method_changes_are_refused(presigned: bool, index: usize, byte in text_byte()) {
        let mut req = base(presigned);
        let Some(method) = replace_byte(&req.method, index, byte) else { return Ok(()) };
        req.method = method;
        prop_assert!(!req.verify());
    }

    #[test]
    fn path_changes_are_refused(presigned: bool, index: usize, byte in text_byte()) {
        let mut req = base(presigned);
        let Some(path) = replace_byte(&req.path, index, byte) else { return Ok(()) };
        prop_assume!(canonical_path(&path) != canonical_path(&req.path), "same normalized path");
        req.path = path;
        prop_assert!(!req.verify());
    }

    #[test]
    fn query_changes_are_refused(presigned: bool, index: usize, byte in text_byte()) {
        let mut req = base(presigned);
        let Some(query) = replace_byte(&req.query, index, byte) else { return Ok(()) };
        // For presigned requests the signature is outside the canonical query, but
        // changing it must be refused too, so compare the full decoded query there.
        prop_assume!(canonical_q(&query, false) != canonical_q(&req.query, false), "same decoded query");
        req.query = query;
        prop_assert!(!req.verify());
    }

    #[test]
    fn signed_header_value_changes_are_refused(presigned: bool, which: usize, index: usize, byte in text_byte()) {
        let mut req = base(presigned);
        // Every header but Authorization is signed (sign_headers and presign sign all).
        let signed: Vec<usize> = (0..req.headers.len())
            .filter(|&i| !req.headers[i].0.eq_ignore_ascii_case("authorization"))
            .collect();
        let h = signed[which % signed.len()];
        let Some(value) = replace_byte(&req.headers[h].1, index, byte) else { return Ok(()) };
        prop_assume!(collapsed(&value) != collapsed(&req.headers[h].1), "same value once whitespace is canonicalized");
        req.headers[h].1 = value;
        prop_assert!(!req.verify());
    }

    #[test]
    fn body_changes_are_refused(presigned: bool, index: usize, byte: u8) {
        let mut req = base(presigned);
        let i = index % req.body.len();
        prop_assume!(req.body[i] != byte);
        req.body[i] = byte;
        prop_assert!(!req.verify());
    }
}
