//! The fixed names and limits of Signature Version 4, as AWS documents them. Every
//! check in this module that depends on a number or a literal takes it from here.

/// The only signing algorithm Sluice accepts (`Authorization` prefix and `X-Amz-Algorithm`).
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The last element of every credential scope.
pub const SCOPE_TERMINATOR: &str = "aws4_request";

/// How far `X-Amz-Date` may lie from the server's clock, in either direction, before a
/// header-signed request is refused (AWS: "15 min.").
pub const MAX_CLOCK_SKEW_MS: u64 = 15 * 60 * 1000;

/// The longest validity a presigned request may claim in `X-Amz-Expires` (seven days):
/// a derived signing key is only meant to live that long.
pub const MAX_PRESIGN_EXPIRES_SECS: u64 = 7 * 24 * 60 * 60;

/// The value of `x-amz-content-sha256` that asks for the body to be left unsigned.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Length of `X-Amz-Date` in ISO 8601 basic format, `yyyymmddThhmmssZ`.
pub const AMZ_DATE_LEN_BYTES: usize = 16;

/// Length of the credential scope's date, `yyyymmdd`.
pub const SCOPE_DATE_LEN_BYTES: usize = 8;

/// Length of a hex-encoded SHA-256 digest (signatures and payload hashes).
pub const SHA256_HEX_LEN_BYTES: usize = 64;
