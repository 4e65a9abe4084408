//! Reading a request body within the bounds (`limits.rs`): at most the largest body
//! allowed, within the idle timeout, and an oversized body's rest drained so the
//! client reads the error rather than a reset connection.

use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::HeaderMap;

use crate::limits::OVERSIZED_BODY_DRAIN_MAX_BYTES;
use crate::wire::WireError;

/// The code of the error answering a body over the limit. SQS's model has no error for
/// it; its front end answers HTTP 413.
pub const REQUEST_TOO_LARGE_CODE: &str = "RequestEntityTooLarge";
/// The code of the error answering a body that did not arrive in time. AWS SDKs retry
/// it as a transient error.
pub const REQUEST_TIMEOUT_CODE: &str = "RequestTimeout";

/// Why a request body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// Over the limit. `drained`: the rest of the body was read and thrown away, so the
    /// connection can carry the next request.
    TooLarge { drained: bool },
    /// It did not arrive in full within the idle timeout.
    TimedOut,
    /// The client went away or sent a malformed body.
    Broken,
}

impl BodyError {
    /// Whether the connection can carry another request after this error.
    pub fn keeps_connection(&self) -> bool {
        matches!(self, BodyError::TooLarge { drained: true })
    }

    /// The error, as every protocol renders it.
    pub fn to_wire(&self, max: usize) -> WireError {
        match self {
            BodyError::TooLarge { .. } => WireError::new(
                413,
                REQUEST_TOO_LARGE_CODE,
                "com.amazon.coral.service#RequestEntityTooLarge",
                format!("The request body is larger than the limit of {max} bytes."),
            ),
            BodyError::TimedOut => WireError::new(
                400,
                REQUEST_TIMEOUT_CODE,
                "com.amazon.coral.service#RequestTimeout",
                "The request body did not arrive within the idle timeout.",
            ),
            BodyError::Broken => WireError::new(
                400,
                "MalformedRequest",
                "com.amazon.coral.service#MalformedRequest",
                "The request body could not be read.",
            ),
        }
    }
}

/// Reads a body of at most `max` bytes within `timeout`. An oversized body that is not
/// too large is read to its end and thrown away (without keeping it), so the client,
/// which is usually still sending, reads the error rather than a reset connection.
pub async fn read_body(
    mut body: Body,
    headers: &HeaderMap,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let drain_max = (max as u64).saturating_add(OVERSIZED_BODY_DRAIN_MAX_BYTES);
    if declared.is_some_and(|len| len > drain_max) {
        return Err(BodyError::TooLarge { drained: false });
    }
    let read = async {
        let mut buf = Vec::with_capacity(declared.map_or(0, |len| len.min(max as u64) as usize));
        let mut seen: u64 = 0;
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            let Ok(data) = frame.map_err(|_| BodyError::Broken)?.into_data() else {
                continue;
            };
            seen += data.len() as u64;
            if seen > drain_max {
                return Err(BodyError::TooLarge { drained: false });
            }
            if seen <= max as u64 {
                buf.extend_from_slice(&data);
            }
        }
        if seen > max as u64 {
            return Err(BodyError::TooLarge { drained: true });
        }
        Ok(Bytes::from(buf))
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}
