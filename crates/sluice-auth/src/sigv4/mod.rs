//! AWS Signature Version 4: proving who signed a request, as AWS services check it.
//!
//! The wire layer hands over plain request parts (`RequestParts`) and the clock's
//! reading; `verify` answers with the caller (`Verified`) or the AWS error to send back
//! (`AuthError`). `scope` reads the credential scope without verifying, for servers
//! that run with authentication off but still want the caller's region and key.
//! `sign_headers` and `presign` produce valid signatures, for tests and tools.
//!
//! Files: `limits` (names and numbers), `error` (codes, statuses, messages), `time`
//! (`X-Amz-Date`), `parse` (finding the authentication), `canonical` (canonical request
//! and string to sign), `key` (signing-key chain and cache), `verify`, `sign`.

pub mod canonical;
mod error;
pub mod key;
pub mod limits;
mod parse;
mod sign;
mod time;
mod verify;

pub use error::{AuthError, AuthErrorKind};
pub use key::SigningKeyCache;
pub use sign::{presign, sign_headers, Credentials, HeaderSignature, PresignedQuery};
pub use time::{format_amz_date, parse_amz_date};
pub use verify::{scope, verify, verify_cached, Verified};

/// An HTTP request as the verifier needs it, borrowed from whatever server holds it.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// The path exactly as received on the wire (still percent-encoded).
    pub path: &'a str,
    /// The raw query string as received, without the `?`.
    pub query: Option<&'a str>,
    /// Header names in any case, values as received; a name may repeat. Must include
    /// `Host` (HTTP/2 servers pass `:authority` as `host`).
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// What a credential names: `AKID/yyyymmdd/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub access_key_id: String,
    /// `yyyymmdd`.
    pub date: String,
    pub region: String,
    pub service: String,
}
