//! Facts about the connection a request arrived on, attached to every request of both
//! listeners as a request extension, so the handler can decide on them (the queue URL's
//! scheme; policy keys such as `aws:SecureTransport` and `aws:SourceIp`) without
//! knowing how the connection was accepted.
//!
//! The same wrapper gives HTTP/2 requests a `Host` header: HTTP/2 carries the host as
//! the `:authority` pseudo-header, which hyper puts in the URI, while everything after
//! the connection (queue URLs, the `host` SigV4 signs) reads `Host`, as HTTP/1 sends it.

use std::net::SocketAddr;

use axum::http::header::HOST;
use axum::http::{Extensions, HeaderValue, Request, Version};

/// The connection a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The client's address as the socket reports it (no proxy headers are trusted).
    pub peer: SocketAddr,
    /// Whether the request arrived over TLS.
    pub secure: bool,
}

impl ConnectionInfo {
    /// The connection facts of a request, if it came through a listener. Requests built
    /// by hand (tests) have none.
    pub fn of(extensions: &Extensions) -> Option<&ConnectionInfo> {
        extensions.get::<ConnectionInfo>()
    }

    /// Whether the request arrived over TLS; false when unknown.
    pub fn is_secure(extensions: &Extensions) -> bool {
        Self::of(extensions).is_some_and(|info| info.secure)
    }

    /// The URL scheme clients used to reach the server.
    pub fn scheme(extensions: &Extensions) -> &'static str {
        if Self::is_secure(extensions) {
            "https"
        } else {
            "http"
        }
    }
}

/// A hyper service that attaches one connection's [`ConnectionInfo`] to each request
/// before passing it on.
#[derive(Debug, Clone)]
pub struct WithConnectionInfo<S> {
    inner: S,
    info: ConnectionInfo,
}

impl<S> WithConnectionInfo<S> {
    pub fn new(inner: S, info: ConnectionInfo) -> Self {
        Self { inner, info }
    }
}

impl<S, B> hyper::service::Service<Request<B>> for WithConnectionInfo<S>
where
    S: hyper::service::Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, mut request: Request<B>) -> Self::Future {
        request.extensions_mut().insert(self.info);
        host_from_authority(&mut request);
        self.inner.call(request)
    }
}

/// Fills in `Host` from the URI's authority when the request has none (HTTP/2).
fn host_from_authority<B>(request: &mut Request<B>) {
    if request.version() != Version::HTTP_2 || request.headers().contains_key(HOST) {
        return;
    }
    let Some(authority) = request.uri().authority() else {
        return;
    };
    if let Ok(host) = HeaderValue::from_str(authority.as_str()) {
        request.headers_mut().insert(HOST, host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http2_requests_get_their_host_from_the_authority() {
        let mut request = Request::builder()
            .version(axum::http::Version::HTTP_2)
            .uri("http://127.0.0.1:9324/000000000000/q")
            .body(())
            .unwrap();
        host_from_authority(&mut request);
        assert_eq!(request.headers()[HOST], "127.0.0.1:9324");
        // A Host the client sent is kept.
        let mut request = Request::builder()
            .version(axum::http::Version::HTTP_2)
            .uri("http://authority.example/")
            .header(HOST, "host.example")
            .body(())
            .unwrap();
        host_from_authority(&mut request);
        assert_eq!(request.headers()[HOST], "host.example");
    }

    #[test]
    fn unknown_connections_count_as_plain() {
        let mut extensions = Extensions::new();
        assert_eq!(ConnectionInfo::of(&extensions), None);
        assert_eq!(ConnectionInfo::scheme(&extensions), "http");
        let info = ConnectionInfo {
            peer: "127.0.0.1:5000".parse().unwrap(),
            secure: true,
        };
        extensions.insert(info);
        assert_eq!(ConnectionInfo::of(&extensions), Some(&info));
        assert_eq!(ConnectionInfo::scheme(&extensions), "https");
    }
}
