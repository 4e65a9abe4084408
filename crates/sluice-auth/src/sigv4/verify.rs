//! Deciding whether a request was signed by the holder of a known secret, with the
//! checks and the order of checks AWS services apply: shape of the authentication,
//! credential scope, clock, access key, body digest, and last the signature itself,
//! compared in constant time.

use std::borrow::Cow;

use subtle::ConstantTimeEq;

use super::canonical::{
    credential_scope, sha256_hex, write_canonical_request, write_string_to_sign,
};
use super::error::{messages, AuthError, AuthErrorKind};
use super::key::{signature, signing_key, SigningKey, SigningKeyCache};
use super::limits::{
    MAX_CLOCK_SKEW_MS, MAX_PRESIGN_EXPIRES_SECS, SCOPE_DATE_LEN_BYTES, SCOPE_TERMINATOR,
    SHA256_HEX_LEN_BYTES, UNSIGNED_PAYLOAD,
};
use super::parse::{auth_fields, credential_parts, header, AuthFields, CredentialParts};
use super::time::{format_amz_date, parse_amz_date};
use super::{RequestParts, Scope};

const MS_PER_SEC: u64 = 1000;

/// Who signed an accepted request, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub access_key_id: String,
    pub region: String,
    pub service: String,
    /// Signed in the query string rather than the `Authorization` header.
    pub presigned: bool,
    /// `X-Amz-Date`, in milliseconds since the Unix epoch.
    pub signed_at_ms: u64,
}

/// The credential scope a request names, without verifying anything. `Ok(None)` when
/// the request carries no authentication; an error when it carries some that cannot be
/// parsed.
pub fn scope(parts: &RequestParts<'_>) -> Result<Option<Scope>, AuthError> {
    let Some(fields) = auth_fields(parts)? else {
        return Ok(None);
    };
    let credential = credential_parts(&fields.credential)?;
    Ok(Some(Scope {
        access_key_id: credential.access_key_id.to_owned(),
        date: credential.date.to_owned(),
        region: credential.region.to_owned(),
        service: credential.service.to_owned(),
    }))
}

/// Verifies a header-signed or presigned request at `now_ms` (milliseconds since the
/// Unix epoch). `allowed_services` are the credential-scope services this endpoint
/// answers for (e.g. `["sqs"]`); `secret_for` maps an access key id to its secret.
pub fn verify(
    parts: &RequestParts<'_>,
    now_ms: u64,
    allowed_services: &[&str],
    secret_for: impl Fn(&str) -> Option<String>,
) -> Result<Verified, AuthError> {
    verify_inner(parts, now_ms, allowed_services, secret_for, None)
}

/// As `verify`, deriving signing keys through `cache`.
pub fn verify_cached(
    parts: &RequestParts<'_>,
    now_ms: u64,
    allowed_services: &[&str],
    secret_for: impl Fn(&str) -> Option<String>,
    cache: &SigningKeyCache,
) -> Result<Verified, AuthError> {
    verify_inner(parts, now_ms, allowed_services, secret_for, Some(cache))
}

fn verify_inner(
    parts: &RequestParts<'_>,
    now_ms: u64,
    allowed_services: &[&str],
    secret_for: impl Fn(&str) -> Option<String>,
    cache: Option<&SigningKeyCache>,
) -> Result<Verified, AuthError> {
    let Some(fields) = auth_fields(parts)? else {
        return Err(AuthError::new(
            AuthErrorKind::MissingAuthenticationToken,
            messages::MISSING_TOKEN,
        ));
    };
    let credential = credential_parts(&fields.credential)?;
    // The parser reports a missing date for header-signed requests, and presigned
    // requests cannot parse without one.
    let amz_date = fields.amz_date.as_deref().unwrap_or_default();
    let Some(signed_at_ms) = parse_amz_date(amz_date) else {
        return Err(AuthError::incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
        )));
    };
    check_signed_headers(&fields)?;
    check_scope(amz_date, &credential, allowed_services)?;
    check_clock(&fields, amz_date, signed_at_ms, now_ms)?;

    let Some(secret) = secret_for(credential.access_key_id) else {
        return Err(AuthError::new(
            AuthErrorKind::InvalidClientTokenId,
            messages::INVALID_CLIENT_TOKEN,
        ));
    };

    let payload_hash = payload_hash(parts)?;

    let scope = credential_scope(credential.date, credential.region, credential.service);
    let mut canonical = String::with_capacity(512);
    write_canonical_request(
        parts,
        &fields.signed_headers,
        &payload_hash,
        fields.presigned,
        &mut canonical,
    );
    let mut to_sign = String::with_capacity(128);
    write_string_to_sign(amz_date, &scope, &canonical, &mut to_sign);

    let key: SigningKey = match cache {
        Some(cache) => cache.get(
            &secret,
            credential.date,
            credential.region,
            credential.service,
        ),
        None => signing_key(
            &secret,
            credential.date,
            credential.region,
            credential.service,
        ),
    };
    let expected = hex::encode(signature(&key, &to_sign));
    let provided = fields.signature.as_bytes();
    // Lengths are public (always 64 for a well-formed signature); the bytes are not.
    if provided.len() != expected.len() || !bool::from(expected.as_bytes().ct_eq(provided)) {
        return Err(AuthError::mismatch(messages::SIGNATURE_MISMATCH));
    }
    Ok(Verified {
        access_key_id: credential.access_key_id.to_owned(),
        region: credential.region.to_owned(),
        service: credential.service.to_owned(),
        presigned: fields.presigned,
        signed_at_ms,
    })
}

fn check_signed_headers(fields: &AuthFields<'_>) -> Result<(), AuthError> {
    let signs_host = fields
        .signed_headers
        .split(';')
        .any(|name| name.eq_ignore_ascii_case("host") || name == ":authority");
    if signs_host {
        Ok(())
    } else {
        Err(AuthError::incomplete(messages::HOST_NOT_SIGNED))
    }
}

fn check_scope(
    amz_date: &str,
    scope: &CredentialParts<'_>,
    allowed_services: &[&str],
) -> Result<(), AuthError> {
    let day = &amz_date[..SCOPE_DATE_LEN_BYTES];
    if scope.date != day {
        return Err(AuthError::mismatch(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{day}', from '{amz_date}'.",
            scope.date
        )));
    }
    if scope.terminator != SCOPE_TERMINATOR {
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped with a valid terminator: '{SCOPE_TERMINATOR}', not '{}'.",
            scope.terminator
        )));
    }
    if !allowed_services.contains(&scope.service) {
        let expected = allowed_services.first().copied().unwrap_or_default();
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped to correct service: '{expected}'. "
        )));
    }
    let region_ok = !scope.region.is_empty()
        && scope
            .region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !region_ok {
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            scope.region
        )));
    }
    Ok(())
}

fn check_clock(
    fields: &AuthFields<'_>,
    amz_date: &str,
    signed_at_ms: u64,
    now_ms: u64,
) -> Result<(), AuthError> {
    // A request signed too far ahead of our clock is refused in both forms.
    if signed_at_ms > now_ms.saturating_add(MAX_CLOCK_SKEW_MS) {
        return Err(AuthError::mismatch(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            format_amz_date(now_ms + MAX_CLOCK_SKEW_MS),
            format_amz_date(now_ms)
        )));
    }
    if !fields.presigned {
        if signed_at_ms < now_ms.saturating_sub(MAX_CLOCK_SKEW_MS) {
            return Err(AuthError::mismatch(format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
                format_amz_date(now_ms - MAX_CLOCK_SKEW_MS),
                format_amz_date(now_ms)
            )));
        }
        return Ok(());
    }
    let expires = fields.expires.as_deref().unwrap_or_default();
    let expires_secs = match expires.parse::<u64>() {
        Ok(secs) if !expires.starts_with('+') => secs,
        _ => {
            return Err(AuthError::incomplete(format!(
                "X-Amz-Expires should be a number, not '{expires}'."
            )))
        }
    };
    if expires_secs > MAX_PRESIGN_EXPIRES_SECS {
        return Err(AuthError::incomplete(format!(
            "X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES_SECS}"
        )));
    }
    if now_ms > signed_at_ms + expires_secs * MS_PER_SEC {
        return Err(AuthError::new(
            AuthErrorKind::RequestExpired,
            messages::REQUEST_EXPIRED,
        ));
    }
    Ok(())
}

/// The payload hash for the canonical request: `x-amz-content-sha256` when the request
/// sends one (after checking it against the body), else the body's digest.
fn payload_hash<'a>(parts: &RequestParts<'a>) -> Result<Cow<'a, str>, AuthError> {
    match header(parts, "x-amz-content-sha256").map(str::trim) {
        None => Ok(Cow::Owned(sha256_hex(parts.body))),
        Some(UNSIGNED_PAYLOAD) => Ok(Cow::Borrowed(UNSIGNED_PAYLOAD)),
        Some(claimed)
            if claimed.len() == SHA256_HEX_LEN_BYTES
                && claimed.eq_ignore_ascii_case(&sha256_hex(parts.body)) =>
        {
            Ok(Cow::Borrowed(claimed))
        }
        Some(_) => Err(AuthError::new(
            AuthErrorKind::ContentSha256Mismatch,
            messages::CONTENT_SHA256_MISMATCH,
        )),
    }
}
