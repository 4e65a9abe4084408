//! The body of the `sigv4_verify` fuzz target, as a plain function of a byte slice.
//!
//! The cargo-fuzz binary `fuzz_targets/sigv4_verify.rs` calls it, and so does a seeded
//! stable test (`crates/sluice-auth/tests/sigv4_fuzz.rs`, which includes this file by
//! path), so it may use only `sluice_auth` and the standard library.
//!
//! Two kinds of input, chosen by the first byte: arbitrary request parts, or a validly
//! signed request (header-signed or presigned) with byte edits applied, which reaches
//! the signature comparison instead of stopping at the parser. It panics exactly when
//! `scope`/`verify` panic or break a promise:
//! - an untouched signed request verifies;
//! - whatever `verify` accepts, `scope` reads with the same key, region and service;
//! - whatever `scope` cannot parse, `verify` refuses.

use sluice_auth::sigv4::{presign, scope, sign_headers, verify, Credentials, RequestParts};

const AKID: &str = "AKIDFUZZ";
const SECRET: &str = "fuzz-secret";
/// 2015-08-30T12:36:00Z.
const SIGNED_AT_MS: u64 = 1_440_938_160_000;
const SERVICE: &str = "sqs";

/// An owned request, editable byte by byte.
struct Owned {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Owned {
    fn with_parts<T>(&self, f: impl FnOnce(&RequestParts<'_>) -> T) -> T {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        f(&RequestParts {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &headers,
            body: &self.body,
        })
    }
}

fn secret_for(akid: &str) -> Option<String> {
    (akid == AKID).then(|| SECRET.to_owned())
}

fn check(req: &Owned, now_ms: u64) -> bool {
    let verified = req.with_parts(|p| verify(p, now_ms, &[SERVICE, "sns"], secret_for));
    let scoped = req.with_parts(scope);
    match (&verified, &scoped) {
        (Ok(v), Ok(Some(s))) => {
            assert_eq!(
                (&v.access_key_id, &v.region, &v.service),
                (&s.access_key_id, &s.region, &s.service),
                "verify and scope disagree"
            );
        }
        (Ok(v), other) => panic!("verify accepted {v:?} but scope gave {other:?}"),
        (Err(_), _) => {}
    }
    if scoped.is_err() {
        assert!(verified.is_err(), "verify accepted what scope cannot parse");
    }
    verified.is_ok()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Arbitrary parts: `now` (8 bytes), then method, path, query, headers (`name:value`
/// lines) and body separated by NUL bytes.
fn raw_parts(data: &[u8]) {
    let (now, rest) = data.split_at(data.len().min(8));
    let mut now_bytes = [0u8; 8];
    now_bytes[..now.len()].copy_from_slice(now);
    // Half the inputs use a clock near the signing time, so dates can pass the skew check.
    let now_ms = match now_bytes[0] & 1 {
        0 => u64::from_le_bytes(now_bytes),
        _ => SIGNED_AT_MS + u64::from(u16::from_le_bytes([now_bytes[1], now_bytes[2]])) * 1000,
    };
    let mut fields = rest.splitn(5, |&b| b == 0);
    let method = text(fields.next().unwrap_or_default());
    let path = text(fields.next().unwrap_or_default());
    let query = fields.next().map(text);
    let headers = fields
        .next()
        .map(|h| {
            text(h)
                .split('\n')
                .map(|line| {
                    let (n, v) = line.split_once(':').unwrap_or((line, ""));
                    (n.to_owned(), v.to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let body = fields.next().unwrap_or_default().to_vec();
    check(
        &Owned {
            method,
            path,
            query,
            headers,
            body,
        },
        now_ms,
    );
}

fn signed(presigned: bool, token: bool) -> Owned {
    let mut req = Owned {
        method: "POST".into(),
        path: "/000000000000/fuzz-queue".into(),
        query: Some("Action=SendMessage&MessageBody=hi%20there".into()),
        headers: vec![
            ("Host".into(), "localhost:9324".into()),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        body: b"Version=2012-11-05".to_vec(),
    };
    let credentials = Credentials {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token: token.then_some("session-token"),
    };
    if presigned {
        let query = req.with_parts(|p| {
            presign(p, &credentials, "us-east-1", SERVICE, SIGNED_AT_MS, 900).query
        });
        req.query = Some(query);
    } else {
        let added = req.with_parts(|p| {
            sign_headers(p, &credentials, "us-east-1", SERVICE, SIGNED_AT_MS).headers
        });
        req.headers.extend(added);
    }
    req
}

fn edit_text(target: &mut String, index: usize, byte: u8, op: u8) {
    let mut bytes = std::mem::take(target).into_bytes();
    edit_bytes(&mut bytes, index, byte, op);
    *target = text(&bytes);
}

fn edit_bytes(target: &mut Vec<u8>, index: usize, byte: u8, op: u8) {
    let i = if target.is_empty() {
        0
    } else {
        index % (target.len() + 1)
    };
    match op % 3 {
        0 if i < target.len() => target[i] = byte,
        1 => target.insert(i, byte),
        _ => target.truncate(i),
    }
}

/// A signed request with edits: each 4 bytes pick a part, a position, a byte and an
/// operation (replace, insert, truncate).
fn edited(mode: u8, data: &[u8]) {
    let mut req = signed(mode & 2 != 0, mode & 4 != 0);
    let clock_offset_ms = u64::from(mode >> 3) * 60_000;
    let now_ms = SIGNED_AT_MS + clock_offset_ms;
    let untouched = data.len() < 4;
    for edit in data.chunks_exact(4) {
        let (part, index, byte, op) = (edit[0], usize::from(edit[1]), edit[2], edit[3]);
        match part % 6 {
            0 => edit_text(&mut req.method, index, byte, op),
            1 => edit_text(&mut req.path, index, byte, op),
            2 => edit_text(req.query.get_or_insert_with(String::new), index, byte, op),
            3 => edit_bytes(&mut req.body, index, byte, op),
            4 => {
                let h = usize::from(op) % req.headers.len();
                edit_text(&mut req.headers[h].1, index, byte, op / 3);
            }
            _ => {
                let h = usize::from(op) % req.headers.len();
                edit_text(&mut req.headers[h].0, index, byte, op / 3);
            }
        }
    }
    let accepted = check(&req, now_ms);
    // 15 minutes is the skew for header-signed requests and the lifetime of presigned
    // ones: within that, an untouched request must pass.
    if untouched && clock_offset_ms <= 15 * 60_000 {
        assert!(accepted, "an untouched signed request was refused");
    }
}

/// `sigv4_verify`: see the module documentation.
pub fn sigv4_verify(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        raw_parts(rest);
    } else {
        edited(mode, rest);
    }
}
