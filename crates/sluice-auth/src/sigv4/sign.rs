//! Signing, the mirror of `verify`: header signatures and presigned query strings,
//! with the intermediate texts exposed. Servers never sign; tests and tools use these
//! to build valid requests and then tamper with them.

use super::canonical::{
    canonical_request, credential_scope, sha256_hex, string_to_sign, uri_encode,
};
use super::key::{signature_hex, signing_key};
use super::limits::ALGORITHM;
use super::parse::header;
use super::time::format_amz_date;
use super::RequestParts;

/// The caller's credentials.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    /// Sent as `X-Amz-Security-Token` and signed, when present.
    pub session_token: Option<&'a str>,
}

/// A header signature and the texts it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderSignature {
    pub amz_date: String,
    pub signed_headers: String,
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    pub authorization: String,
    /// Headers to add to the request: `X-Amz-Date` (unless it had one),
    /// `X-Amz-Security-Token` (with a session token) and `Authorization`.
    pub headers: Vec<(String, String)>,
}

/// A presigned query string and the texts it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedQuery {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    /// The request's own query followed by the `X-Amz-*` parameters, signature last.
    pub query: String,
}

/// Sorted, deduplicated, lowercase names of `headers` plus `extra`, `;`-joined.
fn signed_header_list(headers: &[(&str, &str)], extra: &[&str]) -> String {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .chain(extra.iter().map(|name| name.to_string()))
        .filter(|name| name != "authorization")
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}

/// `x-amz-content-sha256` when the request carries it, else the body's digest.
fn payload_hash(parts: &RequestParts<'_>) -> String {
    header(parts, "x-amz-content-sha256")
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| sha256_hex(parts.body))
}

/// Signs every header of `parts` (and `X-Amz-Date`, and the session token) at
/// `now_ms`, or at the request's own `X-Amz-Date` if it has one.
pub fn sign_headers(
    parts: &RequestParts<'_>,
    credentials: &Credentials<'_>,
    region: &str,
    service: &str,
    now_ms: u64,
) -> HeaderSignature {
    let mut added: Vec<(String, String)> = Vec::new();
    let amz_date = match header(parts, "x-amz-date") {
        Some(date) => date.trim().to_owned(),
        None => {
            let date = format_amz_date(now_ms);
            added.push(("X-Amz-Date".to_owned(), date.clone()));
            date
        }
    };
    if let Some(token) = credentials.session_token {
        if header(parts, "x-amz-security-token").is_none() {
            added.push(("X-Amz-Security-Token".to_owned(), token.to_owned()));
        }
    }
    let mut all: Vec<(&str, &str)> = parts.headers.to_vec();
    all.extend(added.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let signing_parts = RequestParts {
        headers: &all,
        ..*parts
    };
    let signed_headers = signed_header_list(&all, &[]);
    let canonical_request =
        canonical_request(&signing_parts, &signed_headers, &payload_hash(parts), false);
    let date = &amz_date[..amz_date.len().min(8)];
    let scope = credential_scope(date, region, service);
    let string_to_sign = string_to_sign(&amz_date, &scope, &canonical_request);
    let key = signing_key(credentials.secret_access_key, date, region, service);
    let signature = signature_hex(&key, &string_to_sign);
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id
    );
    added.push(("Authorization".to_owned(), authorization.clone()));
    HeaderSignature {
        amz_date,
        signed_headers,
        canonical_request,
        string_to_sign,
        signature,
        authorization,
        headers: added,
    }
}

/// Presigns `parts` at `now_ms` for `expires_secs`, signing every header it carries
/// (which must include `Host`).
pub fn presign(
    parts: &RequestParts<'_>,
    credentials: &Credentials<'_>,
    region: &str,
    service: &str,
    now_ms: u64,
    expires_secs: u64,
) -> PresignedQuery {
    let amz_date = format_amz_date(now_ms);
    let scope = credential_scope(&amz_date[..8], region, service);
    let signed_headers = signed_header_list(parts.headers, &[]);
    let mut query = parts.query.unwrap_or_default().to_owned();
    let mut add = |name: &str, value: &str| {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        uri_encode(value.as_bytes(), false, &mut query);
    };
    add("X-Amz-Algorithm", ALGORITHM);
    add(
        "X-Amz-Credential",
        &format!("{}/{scope}", credentials.access_key_id),
    );
    add("X-Amz-Date", &amz_date);
    add("X-Amz-SignedHeaders", &signed_headers);
    add("X-Amz-Expires", &expires_secs.to_string());
    if let Some(token) = credentials.session_token {
        add("X-Amz-Security-Token", token);
    }
    let signing_parts = RequestParts {
        query: Some(&query),
        ..*parts
    };
    let canonical_request =
        canonical_request(&signing_parts, &signed_headers, &payload_hash(parts), true);
    let string_to_sign = string_to_sign(&amz_date, &scope, &canonical_request);
    let key = signing_key(
        credentials.secret_access_key,
        &amz_date[..8],
        region,
        service,
    );
    let signature = signature_hex(&key, &string_to_sign);
    query.push_str("&X-Amz-Signature=");
    query.push_str(&signature);
    PresignedQuery {
        canonical_request,
        string_to_sign,
        signature,
        query,
    }
}
