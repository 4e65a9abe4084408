//! Time is an input. The core never reads the wall clock itself: every operation takes
//! `now` from a [`Clock`], so tests can move time by hand instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Milliseconds since the Unix epoch. Every timestamp in the core uses this unit.
pub type EpochMs = u64;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> EpochMs;
}

/// The production clock: the system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place the wall clock is read
    fn now_ms(&self) -> EpochMs {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to. Cloning shares the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now_ms: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn new(start_ms: EpochMs) -> Self {
        Self {
            now_ms: Arc::new(AtomicU64::new(start_ms)),
        }
    }
    pub fn advance_ms(&self, ms: u64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }
    pub fn set_ms(&self, ms: EpochMs) {
        self.now_ms.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> EpochMs {
        self.now_ms.load(Ordering::SeqCst)
    }
}

/// A clock that follows tokio's clock from a fixed epoch start. Under
/// `tokio::time::pause()` it moves only with `advance()`, so long-poll and
/// visibility tests can drive the core and tokio timers with one time source.
#[derive(Debug, Clone)]
pub struct TokioClock {
    start_ms: EpochMs,
    start: tokio::time::Instant,
}

impl TokioClock {
    pub fn new(start_ms: EpochMs) -> Self {
        Self {
            start_ms,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> EpochMs {
        self.start_ms + self.start.elapsed().as_millis() as u64
    }
}
