//! The ways a request can fail authentication, each carrying the code, HTTP status and
//! message AWS answers with, so the wire layer can render them in either SQS protocol
//! without a table of its own.

use std::fmt;

/// Why a request was not accepted as signed. Every variant is a sender fault.
///
/// Codes and statuses follow the "Common Errors" page of the Amazon SQS API Reference
/// and the messages AWS services return for Signature Version 4 failures.
///
/// | kind | `aws_code()` (Query `<Code>`, JSON `x-amzn-query-error`) | HTTP | JSON `__type` | when |
/// | --- | --- | --- | --- | --- |
/// | `MissingAuthenticationToken` | `MissingAuthenticationToken` | 403 | `com.amazon.coral.service#MissingAuthenticationToken` | no `Authorization` header and no `X-Amz-*` query authentication |
/// | `IncompleteSignature` | `IncompleteSignature` | 400 | `com.amazon.coral.service#IncompleteSignature` | malformed header or query parameters, missing `Credential`/`SignedHeaders`/`Signature`/`X-Amz-Date`, bad date format, `host` not signed, bad `X-Amz-Expires` |
/// | `InvalidClientTokenId` | `InvalidClientTokenId` | 403 | `com.amazon.coral.service#InvalidClientTokenId` | unknown access key id |
/// | `SignatureDoesNotMatch` | `SignatureDoesNotMatch` | 403 | `com.amazon.coral.service#SignatureDoesNotMatch` | wrong signature; scope date, terminator, region or service wrong; header-signed request outside the 15-minute clock skew ("Signature expired" / "Signature not yet current") |
/// | `RequestExpired` | `RequestExpired` | 400 | `com.amazon.coral.service#RequestExpired` | presigned request used after `X-Amz-Date + X-Amz-Expires` |
/// | `ContentSha256Mismatch` | `XAmzContentSHA256Mismatch` | 400 | `com.amazon.coral.service#XAmzContentSHA256Mismatch` | `x-amz-content-sha256` names a digest other than the body's |
/// | `ExpiredToken` | `ExpiredToken` | 403 | `com.amazon.coral.service#ExpiredTokenException` | temporary credentials (a session token) used after they expired |
///
/// The `__type` column is the coral namespace AWS JSON services use for errors raised
/// before the service itself runs; SDKs for SQS's JSON protocol read the code from the
/// `x-amzn-query-error` header (`<code>;Sender`) first, so that header is what matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    MissingAuthenticationToken,
    IncompleteSignature,
    InvalidClientTokenId,
    SignatureDoesNotMatch,
    RequestExpired,
    ContentSha256Mismatch,
    ExpiredToken,
}

impl AuthErrorKind {
    /// The AWS error code, as the Query protocol's `<Code>` and the JSON protocol's
    /// `x-amzn-query-error` header carry it.
    pub fn aws_code(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationToken",
            Self::IncompleteSignature => "IncompleteSignature",
            Self::InvalidClientTokenId => "InvalidClientTokenId",
            Self::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            Self::RequestExpired => "RequestExpired",
            Self::ContentSha256Mismatch => "XAmzContentSHA256Mismatch",
            Self::ExpiredToken => "ExpiredToken",
        }
    }

    /// The HTTP status AWS answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::MissingAuthenticationToken
            | Self::InvalidClientTokenId
            | Self::SignatureDoesNotMatch
            | Self::ExpiredToken => 403,
            Self::IncompleteSignature | Self::RequestExpired | Self::ContentSha256Mismatch => 400,
        }
    }

    /// The JSON protocol's `__type` (see the table above).
    pub fn json_type(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => {
                "com.amazon.coral.service#MissingAuthenticationToken"
            }
            Self::IncompleteSignature => "com.amazon.coral.service#IncompleteSignature",
            Self::InvalidClientTokenId => "com.amazon.coral.service#InvalidClientTokenId",
            Self::SignatureDoesNotMatch => "com.amazon.coral.service#SignatureDoesNotMatch",
            Self::RequestExpired => "com.amazon.coral.service#RequestExpired",
            Self::ContentSha256Mismatch => "com.amazon.coral.service#XAmzContentSHA256Mismatch",
            Self::ExpiredToken => "com.amazon.coral.service#ExpiredTokenException",
        }
    }
}

/// A refused request: what kind of failure, and the message to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub kind: AuthErrorKind,
    pub message: String,
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn incomplete(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::IncompleteSignature, message)
    }

    pub(crate) fn mismatch(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::SignatureDoesNotMatch, message)
    }

    /// Shorthand for `kind.aws_code()`.
    pub fn aws_code(&self) -> &'static str {
        self.kind.aws_code()
    }

    /// Shorthand for `kind.http_status()`.
    pub fn http_status(&self) -> u16 {
        self.kind.http_status()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.aws_code(), self.message)
    }
}

impl std::error::Error for AuthError {}

/// Messages AWS sends for the common cases, kept together so tests can match them.
pub(crate) mod messages {
    pub const MISSING_TOKEN: &str =
        "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.";
    pub const INVALID_CLIENT_TOKEN: &str = "The security token included in the request is invalid.";
    pub const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    pub const HOST_NOT_SIGNED: &str =
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
    pub const REQUEST_EXPIRED: &str = "Request has expired.";
    pub const CONTENT_SHA256_MISMATCH: &str =
        "The provided 'x-amz-content-sha256' header does not match what was computed.";
    pub const PRESIGN_PARAMS: &str = "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders' and 'X-Amz-Expires'. Re-examine the query-string parameters.";
}
