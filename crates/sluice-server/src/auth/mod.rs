//! Authentication at the HTTP front: which configured identity signed a request (AWS
//! Signature Version 4, via `sluice_auth::sigv4`), and the facts about the request that
//! access decisions need. Authorisation itself is decided by the core when it finds
//! the resource a request addresses (`sluice_core::access`).
//!
//! With no identities configured the server is open: any signature, or none, is
//! accepted, and the credential scope only names the caller's region and access key.
//! Temporary credentials that STS issued are accepted with their session token until
//! they expire, by any server holding the token key.

pub mod identities;
pub mod roles;

use std::sync::Arc;

use axum::http::request::Parts;
use sluice_auth::policy::principal::is_account_id;
use sluice_auth::sigv4::{self, AuthError, AuthErrorKind, RequestParts, SigningKeyCache};
use sluice_core::access::Caller;
use sluice_core::sts::{SessionError, Sts};

use crate::wire::WireError;
use identities::Identities;

/// Who sent a request, as far as the server could tell.
#[derive(Debug, Default)]
pub struct Authenticated {
    /// The access key id the request names (verified when identities are configured).
    pub access_key_id: Option<String>,
    /// The region of the credential scope.
    pub region: Option<String>,
    /// Who the caller is, when known: a verified identity, or the session behind
    /// temporary credentials (on an open server too).
    pub caller: Option<Arc<Caller>>,
    /// Whether access decisions apply: identities are configured.
    pub enforced: bool,
    /// An unsigned request let through on a server that enforces signatures: only the
    /// SNS confirmation links (see `front::anonymous_sns_link`).
    pub anonymous: bool,
}

impl Authenticated {
    /// The account the caller works in: its own, or on an open server the one an access
    /// key id of twelve digits names (so one server can hold several accounts'
    /// resources), else `default`.
    pub fn account_id(&self, default: &str) -> String {
        match &self.caller {
            Some(caller) => caller.account_id.clone(),
            None => self
                .access_key_id
                .as_deref()
                .filter(|k| is_account_id(k))
                .unwrap_or(default)
                .to_owned(),
        }
    }

    /// The caller whose access is checked; `None` on an open server.
    pub fn enforced_caller(&self) -> Option<Arc<Caller>> {
        self.caller.clone().filter(|_| self.enforced)
    }
}

/// Checks request signatures against the configured identities (or lets all in).
#[derive(Debug, Default)]
pub struct Authenticator {
    /// Replaced whole when the configuration is reloaded (SIGHUP).
    identities: parking_lot::RwLock<Arc<Identities>>,
    signing_keys: SigningKeyCache,
}

/// The header (and presigned query parameter) that carries a session token.
const SECURITY_TOKEN_HEADER: &str = "x-amz-security-token";
const SECURITY_TOKEN_PARAM: &str = "X-Amz-Security-Token";

impl Authenticator {
    pub fn new(identities: Identities) -> Self {
        Self {
            identities: parking_lot::RwLock::new(Arc::new(identities)),
            signing_keys: SigningKeyCache::new(),
        }
    }

    /// True when no identity is configured and requests are not authenticated.
    pub fn is_open(&self) -> bool {
        self.identities.read().is_empty()
    }

    pub fn identity_count(&self) -> usize {
        self.identities.read().len()
    }

    /// Puts `next` in place of the identities (a reload); answers what changed (see
    /// [`Identities::changes_to`]). Requests from then on are checked against `next`.
    pub fn replace_identities(&self, next: Identities) -> Vec<String> {
        let mut identities = self.identities.write();
        let changes = identities.changes_to(&next);
        *identities = Arc::new(next);
        changes
    }

    /// Verifies the request's signature at `now_ms` for one of `signing_names` (the
    /// service the front routed it to), by a configured identity or by temporary
    /// credentials `sts` issued. On an open server it reads the credential scope (and
    /// a session token, if any) without checking the signature.
    pub fn authenticate(
        &self,
        parts: &Parts,
        body: &[u8],
        now_ms: u64,
        signing_names: &[&str],
        sts: &Sts,
    ) -> Result<Authenticated, AuthError> {
        let identities = self.identities.read().clone();
        let headers: Vec<(&str, &str)> = parts
            .headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let request = request_parts(parts, &headers, body);
        let token = security_token(parts);
        if self.is_open() {
            let scope = sigv4::scope(&request).ok().flatten();
            let access_key_id = scope.as_ref().map(|s| s.access_key_id.clone());
            // Temporary credentials name their session even here; an expired one is
            // refused as AWS would, a foreign one ignored as any signature is.
            let caller = match (&access_key_id, &token) {
                (Some(key), Some(token)) => match sts.session(key, token, now_ms) {
                    Ok((caller, _)) => Some(caller),
                    Err(SessionError::Expired) => return Err(expired_token()),
                    Err(SessionError::Invalid) => None,
                },
                _ => None,
            };
            return Ok(Authenticated {
                access_key_id,
                region: scope.map(|s| s.region),
                caller,
                enforced: false,
                anonymous: false,
            });
        }
        // Two Authorization headers leave it unclear which one speaks for the request (a
        // proxy may read the other); AWS's front end joins them into one malformed value.
        if parts
            .headers
            .get_all("authorization")
            .iter()
            .nth(1)
            .is_some()
        {
            return Err(AuthError {
                kind: AuthErrorKind::IncompleteSignature,
                message: "The request must carry exactly one Authorization header.".to_owned(),
            });
        }
        // The caller and the secret behind the access key id: a configured identity's,
        // or a session's when the key is not configured and a token comes with it.
        // (The scope is read here only when a token comes: the usual request pays for
        // one parse of its Authorization header, in `verify`.)
        let mut session = None;
        if let Some(token) = &token {
            let session_key = sigv4::scope(&request)
                .ok()
                .flatten()
                .map(|s| s.access_key_id)
                .filter(|key| identities.get(key).is_none());
            if let Some(key) = &session_key {
                session = Some(sts.session(key, token, now_ms).map_err(|e| match e {
                    SessionError::Expired => expired_token(),
                    SessionError::Invalid => invalid_token(),
                })?);
            }
        }
        let verified = sigv4::verify_cached(
            &request,
            now_ms,
            signing_names,
            |key| match &session {
                Some((_, secret)) => Some(secret.clone()),
                None => identities
                    .get(key)
                    .map(|identity| identity.secret.expose().to_owned()),
            },
            &self.signing_keys,
        )?;
        if !is_region_name(&verified.region) {
            return Err(AuthError {
                kind: AuthErrorKind::SignatureDoesNotMatch,
                message: format!(
                    "Credential should be scoped to a valid region, not '{}'.",
                    verified.region
                ),
            });
        }
        // X-Amz-Target names the action of a JSON request: left unsigned, a captured
        // request could be replayed as any other action on the same queue.
        if parts.headers.contains_key(TARGET_HEADER) && !signs_header(parts, TARGET_HEADER) {
            return Err(AuthError {
                kind: AuthErrorKind::IncompleteSignature,
                message: format!(
                    "'{TARGET_HEADER}' must be a 'SignedHeader' in the AWS Authorization."
                ),
            });
        }
        let caller = match session {
            Some((caller, _)) => caller,
            // `verify` succeeded, so the key is known; an error here would be a bug,
            // and is answered as an unknown key rather than a panic.
            None => identities
                .get(&verified.access_key_id)
                .map(|identity| identity.caller.clone())
                .ok_or_else(invalid_token)?,
        };
        Ok(Authenticated {
            caller: Some(caller),
            access_key_id: Some(verified.access_key_id),
            region: Some(verified.region),
            enforced: true,
            anonymous: false,
        })
    }
}

fn security_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(SECURITY_TOKEN_HEADER) {
        return value.to_str().ok().map(str::to_owned);
    }
    parts.uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == SECURITY_TOKEN_PARAM)
            .map(|(_, value)| value.into_owned())
    })
}

fn expired_token() -> AuthError {
    AuthError {
        kind: AuthErrorKind::ExpiredToken,
        message: "The security token included in the request is expired".to_owned(),
    }
}

fn invalid_token() -> AuthError {
    AuthError {
        kind: AuthErrorKind::InvalidClientTokenId,
        message: "The security token included in the request is invalid.".to_owned(),
    }
}

/// The service a request's SigV4 credential scope is signed for, if it names one.
pub fn scope_service(parts: &Parts) -> Option<String> {
    // The scope is in the Authorization header or the presigned query; nothing else
    // of the request is read.
    let headers: Vec<(&str, &str)> = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(|v| ("authorization", v))
        .into_iter()
        .collect();
    let request = request_parts(parts, &headers, &[]);
    sigv4::scope(&request).ok().flatten().map(|s| s.service)
}

/// What SigV4 reads of a request.
fn request_parts<'a>(
    parts: &'a Parts,
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
) -> RequestParts<'a> {
    RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers,
        body,
    }
}

/// An authentication failure as every service renders it.
pub fn to_wire(e: &AuthError) -> WireError {
    WireError::new(
        e.kind.http_status(),
        e.kind.aws_code(),
        e.kind.json_type(),
        e.message.clone(),
    )
}

/// The header that names a JSON request's action.
const TARGET_HEADER: &str = "x-amz-target";

/// Whether the request's SignedHeaders (of the `Authorization` header, or else of the
/// presigned query, as the verifier picks them) name `name`.
fn signs_header(parts: &Parts, name: &str) -> bool {
    let names = |list: &str| list.split(';').any(|n| n.trim().eq_ignore_ascii_case(name));
    if let Some(authorization) = parts.headers.get("authorization") {
        let text = authorization.to_str().unwrap_or_default().trim();
        let rest = text
            .split_once(|c: char| c.is_ascii_whitespace())
            .map_or("", |(_, rest)| rest);
        return rest
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .any(|(key, value)| key.trim() == "SignedHeaders" && names(value.trim()));
    }
    parts.uri.query().is_some_and(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "X-Amz-SignedHeaders")
            .is_some_and(|(_, value)| names(&value))
    })
}

/// Whether `region` has the shape of an AWS region name (`us-east-1`,
/// `us-gov-west-1`, `eu-central-2`): lowercase words joined by dashes, the first of two
/// letters, ending in a number.
fn is_region_name(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    parts.len() >= 3
        && first.len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.len() <= 2
        && last.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(authorization: Option<&str>, uri: &str) -> Parts {
        let mut request = axum::http::Request::builder().uri(uri);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn signed_headers_are_read_from_the_header_or_the_presigned_query() {
        let header = "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-target, Signature=00";
        assert!(signs_header(&parts(Some(header), "/"), TARGET_HEADER));
        let host_only = header.replace("host;x-amz-target", "host");
        assert!(!signs_header(&parts(Some(&host_only), "/"), TARGET_HEADER));
        // The Authorization header decides, as the verifier reads it first.
        let query = "/?X-Amz-SignedHeaders=host%3Bx-amz-target";
        assert!(!signs_header(
            &parts(Some(&host_only), query),
            TARGET_HEADER
        ));
        assert!(signs_header(&parts(None, query), TARGET_HEADER));
        assert!(!signs_header(
            &parts(None, "/?X-Amz-SignedHeaders=host"),
            TARGET_HEADER
        ));
        assert!(!signs_header(&parts(None, "/"), TARGET_HEADER));
    }

    #[test]
    fn region_names_are_recognised() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
            "il-central-1",
        ] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in [
            "",
            "moon-1",
            "us-east",
            "US-EAST-1",
            "us-east-1x",
            "useast1",
            "u-east-1",
            "us--1",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
