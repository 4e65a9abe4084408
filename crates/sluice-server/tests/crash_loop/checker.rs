//! The checker: judges a history after the final drain.
//!
//! * **lost**: an acknowledged send that no delete (acknowledged, or without an
//!   answer) ever removed — the drain deletes everything left, so such a message was
//!   never delivered to anyone. Nothing expires: the queue keeps the default 4 days.
//! * **unexpected**: a delivery whose token no send carried (sends without an answer
//!   count: "maybe sent"), or whose MessageId differs from the acknowledged one or
//!   from another delivery of the same token (enqueued twice).
//! * **resurrected**: a delivery after an acknowledged delete of its message (the
//!   delete ended before the receive started) where the delete must have stuck: it
//!   was in the same epoch, or an acknowledged send of the delete's epoch started
//!   after it ended — that send waited for its group commit, and the journal is
//!   ordered, so the delete was on disk before the kill. A delete that no such send
//!   covers may come back after a kill: counted apart, as legitimate.
//! * Redeliveries are allowed (at least once) and only classified: after the previous
//!   receive's visibility timeout could have run out, after a restart that lost the
//!   previous receive, after an uncommitted delete; "early" is none of these.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::history::{History, Outcome};

/// Server and client clocks differ (wall vs monotonic): allow this much.
const SLACK: Duration = Duration::from_millis(5);

#[derive(Debug, Default)]
pub struct Report {
    pub kills: usize,
    pub sends_acked: usize,
    pub sends_unknown: usize,
    pub sends_refused: usize,
    /// "Maybe sent" messages that were delivered after all.
    pub unknown_sends_stored: usize,
    pub deliveries: usize,
    pub redelivered_after_visibility: usize,
    pub redelivered_after_restart: usize,
    pub redelivered_after_uncommitted_delete: usize,
    pub redelivered_early: usize,
    /// Redeliveries within one process whose ApproximateReceiveCount did not rise.
    pub receive_count_not_rising: usize,
    pub deletes_acked: usize,
    pub deletes_unknown: usize,
    pub deletes_refused: usize,
    /// Acknowledged deletes that no later acknowledged send of their epoch covered
    /// and that were followed by a kill.
    pub uncovered_deletes: usize,
    pub lost: Vec<String>,
    pub unexpected: Vec<String>,
    pub resurrected: Vec<String>,
    /// Messages delivered again after an acknowledged but uncommitted delete.
    pub legitimately_resurrected: usize,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.lost.is_empty() && self.unexpected.is_empty() && self.resurrected.is_empty()
    }
}

pub fn check(h: &History) -> Report {
    let mut r = Report {
        kills: h.kills.len(),
        deliveries: h.deliveries.len(),
        ..Report::default()
    };

    // Sends: per token, the acknowledged MessageId (or None: maybe sent). The start of
    // each epoch's last acknowledged send bounds what its group commits covered.
    let mut sent: HashMap<&str, Option<&str>> = HashMap::new();
    let mut last_acked_send_start = HashMap::new();
    for s in &h.sends {
        match &s.outcome {
            Outcome::Acked => {
                r.sends_acked += 1;
                sent.insert(&s.token, s.message_id.as_deref());
                let last = last_acked_send_start.entry(s.epoch).or_insert(s.start);
                *last = (*last).max(s.start);
            }
            Outcome::Unknown => {
                r.sends_unknown += 1;
                sent.insert(&s.token, None);
            }
            Outcome::Refused(_) => r.sends_refused += 1,
        }
    }
    let covered = |epoch: u32, end| last_acked_send_start.get(&epoch).is_some_and(|s| end < *s);

    // Deletes: acknowledged ones per token; every token a delete may have removed.
    let mut acked_deletes: HashMap<&str, Vec<(u32, std::time::Instant)>> = HashMap::new();
    let mut maybe_deleted: HashSet<&str> = HashSet::new();
    for d in &h.deletes {
        match d.outcome {
            Outcome::Acked => {
                r.deletes_acked += 1;
                acked_deletes
                    .entry(&d.token)
                    .or_default()
                    .push((d.epoch, d.end));
                maybe_deleted.insert(&d.token);
                if d.epoch < h.epochs() && !covered(d.epoch, d.end) {
                    r.uncovered_deletes += 1;
                }
            }
            Outcome::Unknown => {
                r.deletes_unknown += 1;
                maybe_deleted.insert(&d.token);
            }
            Outcome::Refused(_) => r.deletes_refused += 1,
        }
    }

    let mut order: Vec<usize> = (0..h.deliveries.len()).collect();
    order.sort_by_key(|&i| h.deliveries[i].start);
    let mut previous: HashMap<&str, usize> = HashMap::new();
    let mut identity: HashMap<&str, &str> = HashMap::new();
    let mut resurrected: HashSet<&str> = HashSet::new();
    let mut legit: HashSet<&str> = HashSet::new();
    for i in order {
        let d = &h.deliveries[i];
        let token = d.token.as_str();
        match sent.get(token) {
            None => r.unexpected.push(format!("{token}: delivered, never sent")),
            Some(Some(id)) if *id != d.message_id => r.unexpected.push(format!(
                "{token}: delivered as {}, acknowledged as {id}",
                d.message_id
            )),
            Some(None) if !identity.contains_key(token) => r.unknown_sends_stored += 1,
            _ => {}
        }
        let first = *identity.entry(token).or_insert(&d.message_id);
        if first != d.message_id {
            r.unexpected.push(format!(
                "{token}: delivered as {first} and as {}",
                d.message_id
            ));
        }

        // Deletes acknowledged before this receive started.
        let mut after_uncommitted = false;
        for &(epoch, end) in acked_deletes.get(token).into_iter().flatten() {
            if end >= d.start {
                continue;
            }
            if epoch == d.epoch || covered(epoch, end) {
                if resurrected.insert(token) {
                    r.resurrected.push(format!(
                        "{token}: delivered in epoch {} after a committed delete in epoch {epoch}",
                        d.epoch
                    ));
                }
            } else {
                after_uncommitted = true;
            }
        }
        if after_uncommitted {
            legit.insert(token);
        }

        if let Some(p) = previous.insert(token, i) {
            let p = &h.deliveries[p];
            if p.epoch == d.epoch && p.end < d.start && d.receive_count <= p.receive_count {
                r.receive_count_not_rising += 1;
            }
            if after_uncommitted {
                r.redelivered_after_uncommitted_delete += 1;
            } else if d.end + SLACK >= p.start + Duration::from_millis(p.visibility_ms) {
                r.redelivered_after_visibility += 1;
            } else if p.epoch < d.epoch {
                r.redelivered_after_restart += 1;
            } else {
                r.redelivered_early += 1;
            }
        }
    }
    r.legitimately_resurrected = legit.len();

    let mut lost: Vec<String> = h
        .sends
        .iter()
        .filter(|s| s.outcome == Outcome::Acked && !maybe_deleted.contains(s.token.as_str()))
        .map(|s| {
            let seen = if previous.contains_key(s.token.as_str()) {
                "delivered but never deleted"
            } else {
                "never delivered"
            };
            format!("{}: acknowledged in epoch {}, {seen}", s.token, s.epoch)
        })
        .collect();
    lost.sort();
    r.lost = lost;
    r
}
