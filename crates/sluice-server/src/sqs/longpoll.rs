//! Where a request counts while it is worked on: among the requests in progress, or,
//! once it is a long poll allowed to wait, among the waiting receives instead. Kept
//! apart from the front so the bound on waiting receives is applied to the decoded
//! ReceiveMessage input, not to a second parse of its body.

use std::sync::Arc;

use sluice_core::limits::RECEIVE_WAIT_TIME_MAX_S;
use sluice_core::sqs::api::ReceiveMessageInput;

use crate::limits::{Gates, Pass};

/// A request's place among the bounded requests.
pub struct Slot {
    /// Held for the place it keeps; dropped with the slot.
    _pass: Pass,
    waiting: bool,
}

impl Slot {
    /// A request counted among those in progress.
    pub fn in_progress(pass: Pass) -> Self {
        Self {
            _pass: pass,
            waiting: false,
        }
    }

    /// Moves a long poll from the requests in progress to the waiting receives. False
    /// when as many receives as allowed are waiting already.
    fn wait(&mut self, gates: &Arc<Gates>) -> bool {
        if self.waiting {
            return true;
        }
        match gates.waiting.try_enter() {
            Some(pass) => {
                // Gives back the place among the requests in progress.
                self._pass = pass;
                self.waiting = true;
                true
            }
            None => false,
        }
    }

    /// Lets a long poll wait if a waiting place is free; otherwise makes it a short
    /// poll, answered at once with what is available. AWS shows no such limit, but an
    /// empty answer is what a short poll or an expired long poll gives, which every
    /// client handles by polling again.
    pub fn admit(&mut self, gates: &Arc<Gates>, input: &mut ReceiveMessageInput) {
        if is_long_poll(input.wait_time_seconds) && !self.wait(gates) {
            input.wait_time_seconds = Some(0);
        }
    }
}

/// Whether a ReceiveMessage with this WaitTimeSeconds may wait: when it names 1-20
/// seconds, or names nothing (the queue's ReceiveMessageWaitTimeSeconds applies). An
/// invalid value is left for the service to reject.
fn is_long_poll(wait_time_seconds: Option<i64>) -> bool {
    wait_time_seconds.is_none_or(|s| (1..=i64::from(RECEIVE_WAIT_TIME_MAX_S)).contains(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_waits_of_one_to_twenty_seconds_or_the_queue_default_are_long_polls() {
        assert!(is_long_poll(None));
        assert!(is_long_poll(Some(1)));
        assert!(is_long_poll(Some(20)));
        assert!(!is_long_poll(Some(0)));
        assert!(!is_long_poll(Some(21)));
        assert!(!is_long_poll(Some(-1)));
    }
}
