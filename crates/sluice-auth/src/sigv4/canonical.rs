//! The canonical request and string to sign of Signature Version 4, built exactly as
//! AWS documents them for services other than S3: normalized path encoded once more
//! than received (so each segment ends up encoded twice), query parameters decoded and
//! re-encoded then sorted, signed headers lowercased with their values trimmed and
//! inner whitespace collapsed, repeated headers joined with commas.
//!
//! Public because signers (`sign`) and the test-vector suite need the intermediate
//! texts; the verifier builds them into one reused `String` per request.

use std::fmt::Write as _;

use percent_encoding::percent_decode;
use sha2::{Digest, Sha256};

use super::limits::{ALGORITHM, SCOPE_TERMINATOR};
use super::RequestParts;

/// The query parameter that carries a presigned request's signature: it cannot sign itself.
pub(crate) const SIGNATURE_PARAM: &str = "X-Amz-Signature";

/// Appends `bytes` URI-encoded as SigV4 requires: unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) as they are, every other byte as `%XX` in upper case.
/// `keep_slash` leaves `/` alone, for paths.
pub fn uri_encode(bytes: &[u8], keep_slash: bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Appends the canonical URI of a path as received on the wire: dot segments and
/// empty segments removed (a trailing `/` kept), then encoded once more.
pub fn canonical_uri(path: &str, out: &mut String) {
    // Segments borrowed from `path`; bounded by the number of `/` in it.
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    out.push('/');
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        uri_encode(segment.as_bytes(), false, out);
    }
    if !segments.is_empty() && path.ends_with('/') {
        out.push('/');
    }
}

/// Appends the canonical query string: every `key=value` pair percent-decoded and
/// re-encoded, sorted by key then value, `X-Amz-Signature` left out when `presigned`.
/// A `+` stays a literal plus: SDKs never use it for a space in signed URLs.
pub fn canonical_query(query: Option<&str>, presigned: bool, out: &mut String) {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return;
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
        let key: Vec<u8> = percent_decode(key.as_bytes()).collect();
        if presigned && key == SIGNATURE_PARAM.as_bytes() {
            continue;
        }
        let mut encoded_key = String::with_capacity(key.len());
        uri_encode(&key, false, &mut encoded_key);
        let value: Vec<u8> = percent_decode(value.as_bytes()).collect();
        let mut encoded_value = String::with_capacity(value.len());
        uri_encode(&value, false, &mut encoded_value);
        pairs.push((encoded_key, encoded_value));
    }
    pairs.sort_unstable();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
}

/// Appends one header value trimmed, with each inner run of whitespace (including the
/// line breaks of a folded header) collapsed to one space.
fn push_trimmed(value: &str, out: &mut String) {
    let mut words = value
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    if let Some(first) = words.next() {
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
}

/// Appends the canonical headers block: one `name:value\n` line per name of
/// `signed_headers` (`;`-separated, in the order given), the values of every header of
/// that name (any case) trimmed and joined with `,`.
pub fn canonical_headers(headers: &[(&str, &str)], signed_headers: &str, out: &mut String) {
    for name in signed_headers.split(';') {
        out.push_str(name);
        out.push(':');
        let mut first = true;
        for (_, value) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)) {
            if !first {
                out.push(',');
            }
            first = false;
            push_trimmed(value, out);
        }
        out.push('\n');
    }
}

/// The whole canonical request.
pub fn canonical_request(
    parts: &RequestParts<'_>,
    signed_headers: &str,
    payload_hash: &str,
    presigned: bool,
) -> String {
    let mut out = String::with_capacity(
        256 + parts.path.len() * 3 + parts.query.map_or(0, str::len) * 3 + signed_headers.len() * 2,
    );
    write_canonical_request(parts, signed_headers, payload_hash, presigned, &mut out);
    out
}

pub(crate) fn write_canonical_request(
    parts: &RequestParts<'_>,
    signed_headers: &str,
    payload_hash: &str,
    presigned: bool,
    out: &mut String,
) {
    out.push_str(parts.method);
    out.push('\n');
    canonical_uri(parts.path, out);
    out.push('\n');
    canonical_query(parts.query, presigned, out);
    out.push('\n');
    canonical_headers(parts.headers, signed_headers, out);
    out.push('\n');
    out.push_str(signed_headers);
    out.push('\n');
    out.push_str(payload_hash);
}

/// `date/region/service/aws4_request`.
pub fn credential_scope(date: &str, region: &str, service: &str) -> String {
    format!("{date}/{region}/{service}/{SCOPE_TERMINATOR}")
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The string to sign: algorithm, `X-Amz-Date`, scope, and the hash of the canonical request.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.len() + 67);
    write_string_to_sign(amz_date, scope, canonical_request, &mut out);
    out
}

pub(crate) fn write_string_to_sign(
    amz_date: &str,
    scope: &str,
    canonical_request: &str,
    out: &mut String,
) {
    let _ = write!(
        out,
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> String {
        let mut out = String::new();
        canonical_uri(path, &mut out);
        out
    }

    fn query(q: &str, presigned: bool) -> String {
        let mut out = String::new();
        canonical_query(Some(q), presigned, &mut out);
        out
    }

    #[test]
    fn paths_are_normalized_and_encoded_once_more() {
        assert_eq!(uri(""), "/");
        assert_eq!(uri("/"), "/");
        assert_eq!(uri("//a//b//"), "/a/b/");
        assert_eq!(uri("/a/./b/../c"), "/a/c");
        assert_eq!(uri("/../.."), "/");
        assert_eq!(
            uri("/123456789012/my%20queue"),
            "/123456789012/my%2520queue"
        );
        assert_eq!(uri("/a b/ü"), "/a%20b/%C3%BC");
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        assert_eq!(query("b=2&a=1&a=0", false), "a=0&a=1&b=2");
        assert_eq!(
            query("Action=List%20Queues&x", false),
            "Action=List%20Queues&x="
        );
        assert_eq!(query("k=a+b&k2=%7e", false), "k=a%2Bb&k2=~");
        assert_eq!(query("X-Amz-Signature=abc&a=1", true), "a=1");
        assert_eq!(
            query("X-Amz-Signature=abc&a=1", false),
            "X-Amz-Signature=abc&a=1"
        );
        assert_eq!(query("&&", false), "");
    }

    #[test]
    fn header_values_are_trimmed_joined_and_collapsed() {
        let headers = [("My-H", "  a   b \t c "), ("my-h", "d"), ("Host", "h")];
        let mut out = String::new();
        canonical_headers(&headers, "host;my-h;absent", &mut out);
        assert_eq!(out, "host:h\nmy-h:a b c,d\nabsent:\n");
    }
}
