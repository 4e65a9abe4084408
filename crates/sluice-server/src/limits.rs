//! Resource bounds of the HTTP front, so that no client behaviour makes the server's
//! memory grow without limit: the size of a request body, the number of open
//! connections (and how long one may sit idle), the number of requests being worked on
//! at once and the number of long polls waiting at once. Each bound is a setting (see
//! `config.rs`); the defaults suit one machine.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// The largest request body accepted by default. A 1 MiB batch sent form-encoded can
/// take about three times its size.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;
/// The smallest body bound for Kinesis requests, whatever `--max-request-bytes` says: a
/// PutRecords of 10 MiB of data (AWS's bound per request) is about 13.4 MiB once its
/// blobs are base64 text, so 16 MiB holds the largest request AWS accepts.
pub const KINESIS_MIN_MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;
/// Connections served at once by default; further ones wait in the kernel's backlog.
/// An idle connection costs about 10 KiB, so this bounds them near 160 MiB; it admits
/// ten thousand idle clients with room to spare for working ones.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16_384;
/// How long a connection may go without delivering a complete request head (after it
/// opens or after its previous response) before it is closed; also the time a request's
/// body has to arrive in full.
pub const DEFAULT_IDLE_TIMEOUT_MS: u64 = 60_000;
/// ReceiveMessage calls allowed to wait at once by default; a further long poll is
/// answered at once with what is available.
pub const DEFAULT_MAX_WAITING_RECEIVES: usize = 10_000;
/// Requests worked on at once by default, not counting waiting long polls; a further
/// request is answered at once with a retryable error.
pub const DEFAULT_MAX_INFLIGHT_REQUESTS: usize = 4_096;
/// How much more than the limit of an oversized body is read and thrown away, so that
/// the client reads the error and the connection stays usable; a body longer than
/// that is answered at once and its connection closed.
pub const OVERSIZED_BODY_DRAIN_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// How long to pause accepting after an accept error other than a failed handshake
/// (for example when the process is out of file descriptors).
pub const ACCEPT_ERROR_PAUSE_MS: u64 = 1_000;

/// HTTP/2 streams (requests) one connection may have open at once; a client that wants
/// more opens another connection. RFC 9113 asks for at least 100. Every stream also takes
/// a place among the requests in progress, so this bounds one client, not the server.
pub const HTTP2_MAX_CONCURRENT_STREAMS: u32 = 128;
/// The largest header block (decoded, as HTTP/2 counts it) a request may carry. SigV4
/// headers with a session token take a few KiB.
pub const HTTP2_MAX_HEADER_LIST_BYTES: u32 = 64 * 1024;
/// The largest frame the server accepts. Larger than the protocol's 16 KiB minimum so
/// multi-MiB bodies take fewer frames; the decoder holds at most one frame per connection.
pub const HTTP2_MAX_FRAME_BYTES: u32 = 64 * 1024;
/// How much request body a client may send on one stream ahead of the handler reading it.
pub const HTTP2_STREAM_WINDOW_BYTES: u32 = 1024 * 1024;
/// How much request body a client may send on the whole connection ahead of the
/// handlers reading it: the bound on what one connection makes the server buffer.
pub const HTTP2_CONNECTION_WINDOW_BYTES: u32 = 2 * 1024 * 1024;
/// How much response data may wait, per stream, for the client's flow-control window.
pub const HTTP2_MAX_SEND_BUF_BYTES: usize = 1024 * 1024;
/// Streams a client may open and reset before the server has seen them, before the
/// connection is closed (a defence against rapid-reset floods).
pub const HTTP2_MAX_PENDING_RESET_STREAMS: usize = 20;
/// How often an HTTP/2 connection with nothing arriving is pinged, so a client that
/// vanished without closing (holding a long response stream) is noticed.
pub const HTTP2_KEEP_ALIVE_INTERVAL_MS: u64 = 30_000;
/// How long a ping may go unanswered before the connection is closed.
pub const HTTP2_KEEP_ALIVE_TIMEOUT_MS: u64 = 20_000;

/// How long a connection being closed (at shutdown, or idle) may take to close once it
/// has no request left to finish, before it is dropped: HTTP/2 closes with GOAWAY and
/// waits for the client's acknowledgement, which a stalled client never sends.
pub const CLOSE_GRACE_MS: u64 = 1_000;

/// The bounds a server runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_request_bytes: usize,
    pub max_connections: usize,
    pub idle_timeout_ms: u64,
    pub max_waiting_receives: usize,
    pub max_inflight_requests: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            idle_timeout_ms: DEFAULT_IDLE_TIMEOUT_MS,
            max_waiting_receives: DEFAULT_MAX_WAITING_RECEIVES,
            max_inflight_requests: DEFAULT_MAX_INFLIGHT_REQUESTS,
        }
    }
}

impl Limits {
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }

    /// Rejects bounds that would stop the server from serving anything. A zero
    /// `max_waiting_receives` is allowed: every receive is then a short poll.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("max_request_bytes", self.max_request_bytes as u64),
            ("max_connections", self.max_connections as u64),
            ("idle_timeout_ms", self.idle_timeout_ms),
            ("max_inflight_requests", self.max_inflight_requests as u64),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        if self.max_connections > Semaphore::MAX_PERMITS {
            return Err(format!(
                "max_connections must be at most {}",
                Semaphore::MAX_PERMITS
            ));
        }
        Ok(())
    }
}

/// A count with a ceiling: entering fails at once when the ceiling is reached.
#[derive(Debug)]
pub struct Gate {
    in_use: AtomicUsize,
    max: usize,
}

impl Gate {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            in_use: AtomicUsize::new(0),
            max,
        })
    }

    /// A pass if the gate has room; the place is given back when the pass is dropped.
    pub fn try_enter(self: &Arc<Self>) -> Option<Pass> {
        let mut current = self.in_use.load(Ordering::Relaxed);
        loop {
            if current >= self.max {
                return None;
            }
            match self.in_use.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(Pass(self.clone())),
                Err(actual) => current = actual,
            }
        }
    }

    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Acquire)
    }
}

/// A place in a [`Gate`].
#[derive(Debug)]
pub struct Pass(Arc<Gate>);

impl Drop for Pass {
    fn drop(&mut self) {
        self.0.in_use.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The live counters behind the limits, shared by the accept loop and the handler.
#[derive(Debug)]
pub struct Gates {
    pub limits: Limits,
    /// One permit per open connection, plus the one the accept loop holds while it
    /// waits for the next connection.
    pub connections: Arc<Semaphore>,
    /// Connections open (accepted and not yet closed).
    pub open_connections: Arc<Gate>,
    pub inflight: Arc<Gate>,
    pub waiting: Arc<Gate>,
}

impl Gates {
    pub fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            connections: Arc::new(Semaphore::new(limits.max_connections)),
            open_connections: Gate::new(usize::MAX),
            inflight: Gate::new(limits.max_inflight_requests),
            waiting: Gate::new(limits.max_waiting_receives),
        })
    }

    /// How much of each bound is in use right now.
    pub fn load(&self) -> Load {
        Load {
            connections: self.open_connections.in_use(),
            inflight_requests: self.inflight.in_use(),
            waiting_receives: self.waiting.in_use(),
        }
    }
}

/// A snapshot of the server's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    pub connections: usize,
    pub inflight_requests: usize,
    pub waiting_receives: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_admits_up_to_its_ceiling_and_frees_places_on_drop() {
        let gate = Gate::new(2);
        let a = gate.try_enter().expect("first place");
        let b = gate.try_enter().expect("second place");
        assert!(gate.try_enter().is_none());
        assert_eq!(gate.in_use(), 2);
        drop(a);
        let c = gate.try_enter().expect("a freed place");
        drop((b, c));
        assert_eq!(gate.in_use(), 0);
        assert!(Gate::new(0).try_enter().is_none());
    }

    #[test]
    fn zero_bounds_are_rejected_except_waiting_receives() {
        assert!(Limits::default().validate().is_ok());
        let no_waiting = Limits {
            max_waiting_receives: 0,
            ..Limits::default()
        };
        assert!(no_waiting.validate().is_ok());
        let no_connections = Limits {
            max_connections: 0,
            ..Limits::default()
        };
        assert!(no_connections
            .validate()
            .unwrap_err()
            .contains("max_connections"));
    }
}
