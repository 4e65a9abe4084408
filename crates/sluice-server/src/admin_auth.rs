//! Who may use the admin listener. On loopback (the default) anyone on the machine may,
//! as with any local tool, as long as the request names a loopback host: a page elsewhere
//! that rebinds its own name to 127.0.0.1 (DNS rebinding) sends its own name as `Host`
//! and is refused with 421, so it cannot read the console or act through it. Listening elsewhere, every route but the probes (`/health`,
//! `/ready`, which load balancers and Kubernetes call without credentials) needs either
//! the configured admin token (`Authorization: Bearer <token>`) or a SigV4 signature of
//! one of the server's identities, checked as the API checks it; the server refuses to
//! start with a non-loopback admin listener and neither. Refusals are 401 with
//! `WWW-Authenticate: Bearer`, and each is logged.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sluice_core::sts::Sts;

use crate::auth::Authenticator;

/// Routes any prober may call.
const OPEN_PATHS: &[&str] = &["/health", "/ready"];
/// The largest request body the guard reads to check a signature.
const SIGNED_BODY_MAX_BYTES: usize = 1024 * 1024;

/// The identity a signed admin request came from: console actions act as it, checked
/// against its policies as the API would check them. (With the admin token, or on
/// loopback, there is none and actions are the server operator's.)
#[derive(Debug, Clone)]
pub struct AdminCaller(pub Arc<sluice_core::access::Caller>);

impl AdminCaller {
    /// The access engine's view of this caller performing `action`.
    pub fn access(&self, action: &str) -> sluice_core::access::Access {
        sluice_core::access::Access {
            action: action.to_owned(),
            ..sluice_core::access::Access::new(self.0.clone())
        }
    }
}

/// The admin listener's rule.
#[derive(Default)]
pub struct AdminGuard {
    /// Whether credentials are needed (the listener is not on loopback).
    required: bool,
    token: Option<String>,
    signatures: OnceLock<(Arc<Authenticator>, Arc<Sts>)>,
}

impl AdminGuard {
    /// The rule for a listener on `addr`. Not on loopback, a token or identities are
    /// needed (`identities`: whether the server has any).
    pub fn new(addr: SocketAddr, token: Option<String>, identities: bool) -> Result<Self, String> {
        let required = !addr.ip().is_loopback();
        let token = token.filter(|t| !t.is_empty());
        if required && token.is_none() && !identities {
            return Err(format!(
                "the admin listener {addr} is not on loopback: set an admin token \
                 (--admin-token) or configure identities so it can require credentials"
            ));
        }
        Ok(Self {
            required,
            token,
            signatures: OnceLock::new(),
        })
    }

    /// Lets signatures of the server's identities in (once the services exist).
    pub fn accept_signatures(&self, auth: Arc<Authenticator>, sts: Arc<Sts>) {
        if !auth.is_open() {
            let _ = self.signatures.set((auth, sts));
        }
    }

    fn token_matches(&self, header: &str) -> bool {
        let Some(token) = &self.token else {
            return false;
        };
        let Some(given) = header.strip_prefix("Bearer ") else {
            return false;
        };
        same_secret(given, token)
    }
}

/// Whether two secrets are equal, compared in time that does not depend on where they
/// differ.
pub fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The middleware: passes a request the guard allows, answers 401 otherwise.
pub async fn guard(State(guard): State<Arc<AdminGuard>>, request: Request, next: Next) -> Response {
    if !guard.required {
        let host = request
            .headers()
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !is_loopback_host(host) {
            tracing::warn!(
                host,
                path = request.uri().path(),
                "admin request for another host refused"
            );
            return (StatusCode::MISDIRECTED_REQUEST, "not a loopback host\n").into_response();
        }
        return next.run(request).await;
    }
    if OPEN_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if guard.token_matches(&authorization) {
        return next.run(request).await;
    }
    if let Some((auth, sts)) = guard.signatures.get() {
        if authorization.starts_with("AWS4-HMAC-SHA256 ") {
            let (parts, body) = request.into_parts();
            let Ok(body) = axum::body::to_bytes(body, SIGNED_BODY_MAX_BYTES).await else {
                return refused(parts.uri.path(), "body too large");
            };
            let scope = credential_service(&authorization).unwrap_or_default();
            let now = sluice_core::clock::Clock::now_ms(&sluice_core::clock::SystemClock);
            return match auth.authenticate(&parts, &body, now, &[scope.as_str()], sts) {
                Ok(who) if who.enforced_caller().is_some() => {
                    tracing::info!(
                        path = parts.uri.path(),
                        caller = who.caller.as_ref().map(|c| c.arn.as_str()),
                        "admin request by a signed identity"
                    );
                    let mut request = Request::from_parts(parts, Body::from(body));
                    if let Some(caller) = who.enforced_caller() {
                        request.extensions_mut().insert(AdminCaller(caller));
                    }
                    next.run(request).await
                }
                Ok(_) => refused(parts.uri.path(), "signature not accepted"),
                Err(e) => refused(
                    parts.uri.path(),
                    &format!("signature not accepted: {:?}", e.kind),
                ),
            };
        }
    }
    refused(request.uri().path(), "no credentials")
}

/// Whether a `Host` header names this machine's loopback: `localhost`, an IPv4 address in
/// 127.0.0.0/8 or `[::1]`, with or without a port. (No Host at all, as an HTTP/1.0 client
/// may send, is a local tool's request.)
fn is_loopback_host(host: &str) -> bool {
    if host.is_empty() {
        return true;
    }
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The service a SigV4 Authorization header's credential scope names
/// (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`): any service's signature of an
/// identity is accepted here.
fn credential_service(authorization: &str) -> Option<String> {
    let credential = authorization
        .split([' ', ','])
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    credential.split('/').nth(3).map(str::to_owned)
}

fn refused(path: &str, why: &str) -> Response {
    tracing::warn!(path, why, "admin request refused");
    let mut response = (StatusCode::UNAUTHORIZED, "credentials required\n").into_response();
    response
        .headers_mut()
        .insert("www-authenticate", HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_loopback_a_token_or_identities_are_needed() {
        let any: SocketAddr = "0.0.0.0:9326".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:9326".parse().unwrap();
        assert!(AdminGuard::new(any, None, false).is_err());
        assert!(AdminGuard::new(any, Some(String::new()), false).is_err());
        assert!(AdminGuard::new(any, Some("t".into()), false).is_ok());
        assert!(AdminGuard::new(any, None, true).is_ok());
        assert!(!AdminGuard::new(local, None, false).unwrap().required);
    }

    #[test]
    fn the_credential_scope_names_the_service() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIA/20261207/us-east-1/sqs/aws4_request, \
                      SignedHeaders=host;x-amz-date, Signature=00";
        assert_eq!(credential_service(header).as_deref(), Some("sqs"));
        assert_eq!(credential_service("AWS4-HMAC-SHA256 Signature=00"), None);
    }

    #[test]
    fn only_loopback_names_pass_as_hosts() {
        for host in [
            "127.0.0.1:9326",
            "localhost:9326",
            "LOCALHOST",
            "[::1]:9326",
            "127.1.2.3",
            "",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example:9326",
            "evil.example",
            "10.0.0.1:9326",
            "[2001:db8::1]:1",
            "127.0.0.1.evil.example",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn only_the_exact_bearer_token_matches() {
        let g =
            AdminGuard::new("0.0.0.0:1".parse().unwrap(), Some("s3cret".into()), false).unwrap();
        assert!(g.token_matches("Bearer s3cret"));
        assert!(!g.token_matches("Bearer s3cre"));
        assert!(!g.token_matches("Bearer s3cretX"));
        assert!(!g.token_matches("s3cret"));
        assert!(!g.token_matches(""));
    }
}
