//! The receives waiting on one queue (long polls), and how a store wakes them.
//!
//! Waking every waiter for every new message is a thundering herd: each one locks the
//! store and looks, and only one can get the message, while the others' work competes
//! for the cores with the winner's reply. So a store wakes **one** waiter, oldest first,
//! when messages become visible, and a receive that takes messages and leaves visible
//! ones behind wakes the next (baton passing). Events that change what every waiter
//! should wait for (a delayed message with a new deadline, a deleted queue, shutdown, a
//! clock jump) still wake all.
//!
//! Built on [`tokio::sync::Notify`], whose `notify_one` wakes its waiters in the order
//! they registered and hands a notification that its waiter dropped unreceived to the
//! next one. `Notify` stores a permit when `notify_one` finds nobody waiting, which would
//! make a later long poll look twice for nothing; so receives also count themselves in
//! ([`Waiters::register`]) and a wake with nobody registered is skipped.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::futures::Notified;
use tokio::sync::Notify;

/// One queue's waiting receives.
#[derive(Debug, Default)]
pub struct Waiters {
    notify: Notify,
    /// Receives between [`Waiters::register`] and the drop of its [`Registration`].
    registered: AtomicUsize,
}

/// A receive's place among a queue's waiters; dropping it leaves.
#[derive(Debug)]
pub struct Registration<'a> {
    registered: &'a AtomicUsize,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.registered.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Waiters {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a receive in for as long as it may wait. Register before the first look at
    /// the queue: a wake is skipped only when nobody is registered.
    pub fn register(&self) -> Registration<'_> {
        self.registered.fetch_add(1, Ordering::SeqCst);
        Registration {
            registered: &self.registered,
        }
    }

    /// Receives registered now.
    pub fn registered(&self) -> usize {
        self.registered.load(Ordering::SeqCst)
    }

    /// A future that completes at this receive's turn. `enable` it before looking at the
    /// queue, so that a wake between the look and the wait is not missed.
    pub fn notified(&self) -> Notified<'_> {
        self.notify.notified()
    }

    /// Wakes the receive that has waited longest, if any is registered: messages became
    /// visible, and it passes the turn on if it leaves some behind.
    pub fn notify_one(&self) {
        if self.registered() > 0 {
            self.notify.notify_one();
        }
    }

    /// Wakes every waiting receive.
    pub fn notify_waiters(&self) {
        self.notify.notify_waiters();
    }
}
