//! Finding and taking apart a request's authentication: the `Authorization` header of
//! a header-signed request, or the `X-Amz-*` parameters of a presigned one, and the
//! credential scope inside either. Parsing only; nothing here checks a signature.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use super::error::{messages, AuthError};
use super::limits::ALGORITHM;
use super::RequestParts;

/// The authentication a request carries, borrowed from it where possible.
#[derive(Debug)]
pub(crate) struct AuthFields<'a> {
    pub presigned: bool,
    /// `Credential` (header) or decoded `X-Amz-Credential` (query).
    pub credential: Cow<'a, str>,
    pub signed_headers: Cow<'a, str>,
    pub signature: Cow<'a, str>,
    /// `None` when a header-signed request has no `X-Amz-Date` header.
    pub amz_date: Option<Cow<'a, str>>,
    /// `X-Amz-Expires`, presigned requests only.
    pub expires: Option<Cow<'a, str>>,
}

/// The five parts of a credential, `AKID/yyyymmdd/region/service/aws4_request`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CredentialParts<'c> {
    pub access_key_id: &'c str,
    pub date: &'c str,
    pub region: &'c str,
    pub service: &'c str,
    pub terminator: &'c str,
}

/// The first header of this name (any case).
pub(crate) fn header<'a>(parts: &RequestParts<'a>, name: &str) -> Option<&'a str> {
    parts
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, v)| v)
}

fn decode(raw: &str) -> Cow<'_, str> {
    percent_decode_str(raw).decode_utf8_lossy()
}

/// The first query parameter whose decoded name is `name`, decoded.
fn query_param<'a>(query: &'a str, name: &str) -> Option<Cow<'a, str>> {
    query.split('&').find_map(|piece| {
        let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
        (decode(key) == name).then(|| decode(value))
    })
}

/// Whether the query string carries presigned authentication.
fn is_presigned(query: &str) -> bool {
    ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"]
        .iter()
        .any(|name| query_param(query, name).is_some())
}

/// The request's authentication; `Ok(None)` when it carries none at all. The
/// `Authorization` header wins when both forms are present.
pub(crate) fn auth_fields<'a>(
    parts: &RequestParts<'a>,
) -> Result<Option<AuthFields<'a>>, AuthError> {
    if let Some(authorization) = header(parts, "authorization") {
        return parse_authorization(parts, authorization).map(Some);
    }
    match parts.query {
        Some(query) if is_presigned(query) => parse_presigned(query).map(Some),
        _ => Ok(None),
    }
}

fn parse_authorization<'a>(
    parts: &RequestParts<'a>,
    authorization: &'a str,
) -> Result<AuthFields<'a>, AuthError> {
    let trimmed = authorization.trim();
    let (algorithm, rest) = trimmed
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((trimmed, ""));
    if algorithm != ALGORITHM {
        return Err(AuthError::incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Authorization={authorization}"
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for pair in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(AuthError::incomplete(format!(
                "Invalid key=value pair (missing equal-sign) in Authorization header: '{pair}'."
            )));
        };
        match key.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed_headers = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let amz_date = header(parts, "x-amz-date").map(str::trim);
    let mut missing = String::new();
    for (present, name) in [
        (credential.is_some(), "Credential"),
        (signature.is_some(), "Signature"),
        (signed_headers.is_some(), "SignedHeaders"),
    ] {
        if !present {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if amz_date.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    if !missing.is_empty() {
        return Err(AuthError::incomplete(format!(
            "{missing}Authorization={authorization}"
        )));
    }
    // All three were checked just above.
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        unreachable!("missing Authorization parameters are reported above")
    };
    Ok(AuthFields {
        presigned: false,
        credential: Cow::Borrowed(credential),
        signed_headers: Cow::Borrowed(signed_headers),
        signature: Cow::Borrowed(signature),
        amz_date: amz_date.map(Cow::Borrowed),
        expires: None,
    })
}

fn parse_presigned(query: &str) -> Result<AuthFields<'_>, AuthError> {
    let param = |name| query_param(query, name);
    let (
        Some(algorithm),
        Some(credential),
        Some(signature),
        Some(date),
        Some(signed_headers),
        Some(expires),
    ) = (
        param("X-Amz-Algorithm"),
        param("X-Amz-Credential"),
        param("X-Amz-Signature"),
        param("X-Amz-Date"),
        param("X-Amz-SignedHeaders"),
        param("X-Amz-Expires"),
    )
    else {
        return Err(AuthError::incomplete(messages::PRESIGN_PARAMS));
    };
    if algorithm != ALGORITHM {
        return Err(AuthError::incomplete(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\", not '{algorithm}'."
        )));
    }
    Ok(AuthFields {
        presigned: true,
        credential,
        signed_headers,
        signature,
        amz_date: Some(date),
        expires: Some(expires),
    })
}

/// Splits a credential into its five parts.
pub(crate) fn credential_parts(credential: &str) -> Result<CredentialParts<'_>, AuthError> {
    let mut it = credential.split('/');
    let parts = (
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
    );
    let (Some(access_key_id), Some(date), Some(region), Some(service), Some(terminator), None) =
        parts
    else {
        return Err(AuthError::incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )));
    };
    Ok(CredentialParts {
        access_key_id,
        date,
        region,
        service,
        terminator,
    })
}
