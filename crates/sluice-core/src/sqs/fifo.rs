//! FIFO queue state kept beside a queue's index: message groups (strict order within a
//! group, and a group is locked while its first message is in flight), the order in
//! which groups are served, the five-minute deduplication window, and recent
//! ReceiveRequestAttemptIds.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::clock::EpochMs;
use crate::limits::DEDUPLICATION_WINDOW_MS;

/// Where a group stands in the line of groups waiting to be served: the turn of its head
/// message. A message never received takes its turn from its sequence number; one that
/// comes back from flight (its visibility timeout ran out, or was set to 0) queues up
/// behind every message the queue holds at that moment, so a group that was just served
/// goes behind groups that have not been, as AWS orders them.
pub(crate) type Turn = (u64, u64);

/// One message group: its messages in sequence order, in every phase.
#[derive(Debug, Default, Clone)]
pub(crate) struct Group {
    pub msgs: BTreeSet<u64>,
    /// The turn under which the group is listed as available.
    pub listed_at: Option<Turn>,
}

/// Groups and which of them can hand out their head message now.
#[derive(Debug, Default, Clone)]
pub(crate) struct Groups {
    pub groups: HashMap<String, Group>,
    /// Groups whose head (first message in sequence order) is visible, by the head's
    /// turn: the group waiting longest is served first. A group whose head is in flight
    /// is locked, whatever its later messages do; one whose head is visible again is
    /// served up to its first message still in flight.
    pub available: BTreeSet<(Turn, String)>,
    /// Turns of visible messages that came back from flight (others use their sequence
    /// number); forgotten when the message leaves the visible set.
    pub returned: HashMap<u64, Turn>,
    /// The highest sequence number this queue has held, and how many messages have come
    /// back from flight since: together they order returns among sends.
    pub max_seq: u64,
    pub returns: u64,
}

impl Groups {
    /// Gives a message that just came back from flight its turn behind everything
    /// the queue holds now.
    pub fn returned_now(&mut self, seq: u64) {
        self.returns += 1;
        self.returned.insert(seq, (self.max_seq, self.returns));
    }

    /// Re-lists a group after any change to its messages. `head_ready` says whether a
    /// message (the group's head) is visible.
    pub fn refresh(&mut self, group: &str, head_ready: impl Fn(u64) -> bool) {
        let Some(g) = self.groups.get_mut(group) else {
            return;
        };
        if let Some(turn) = g.listed_at.take() {
            self.available.remove(&(turn, group.to_owned()));
        }
        let Some(&head) = g.msgs.first() else {
            self.groups.remove(group);
            return;
        };
        if head_ready(head) {
            let turn = self.returned.get(&head).copied().unwrap_or((head, 0));
            g.listed_at = Some(turn);
            self.available.insert((turn, group.to_owned()));
        }
    }
}

/// A deduplication key: 128 bits of the SHA-256 of the deduplication id (qualified by the
/// group when the queue's DeduplicationScope is `messageGroup`). Keeping the digest rather
/// than the id bounds each entry's size whatever the ids look like; a collision among
/// 2^128 values is not a practical concern.
pub type DedupKey = u128;

/// The key a message is deduplicated under.
pub fn dedup_key(
    scope_is_message_group: bool,
    group: Option<&str>,
    deduplication_id: &str,
) -> DedupKey {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    if let (true, Some(group)) = (scope_is_message_group, group) {
        hasher.update(group.as_bytes());
        hasher.update([0u8]);
    }
    hasher.update(deduplication_id.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// What a deduplicated send answers with: the original message's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DedupEntry {
    pub message_id: u128,
    pub sequence_number: Option<u128>,
    pub expires_at_ms: EpochMs,
}

/// Deduplication ids seen in the last five minutes. Entries outlive the messages they
/// name: a duplicate of a deleted message is still a duplicate.
#[derive(Debug, Default, Clone)]
pub struct DedupWindow {
    entries: HashMap<DedupKey, DedupEntry>,
    by_expiry: BTreeSet<(EpochMs, DedupKey)>,
}

impl DedupWindow {
    fn prune(&mut self, now: EpochMs) {
        while let Some(&(at, key)) = self.by_expiry.first() {
            if at > now {
                break;
            }
            self.by_expiry.pop_first();
            if self
                .entries
                .get(&key)
                .is_some_and(|e| e.expires_at_ms == at)
            {
                self.entries.remove(&key);
            }
        }
    }

    /// The original of a duplicate sent at `now`, if `key` was seen within the window.
    pub fn lookup(&mut self, key: DedupKey, now: EpochMs) -> Option<DedupEntry> {
        self.prune(now);
        self.entries.get(&key).copied()
    }

    /// Remembers a first send (from `sent_at_ms`, for five minutes).
    pub fn remember(
        &mut self,
        key: DedupKey,
        message_id: u128,
        sequence_number: Option<u128>,
        sent_at_ms: EpochMs,
    ) {
        let entry = DedupEntry {
            message_id,
            sequence_number,
            expires_at_ms: sent_at_ms + DEDUPLICATION_WINDOW_MS,
        };
        self.restore(key, entry);
    }

    /// Puts back an entry from a snapshot.
    pub fn restore(&mut self, key: DedupKey, entry: DedupEntry) {
        self.by_expiry.insert((entry.expires_at_ms, key));
        self.entries.insert(key, entry);
    }

    /// Live entries, for snapshots.
    pub fn entries(&self) -> impl Iterator<Item = (&DedupKey, &DedupEntry)> {
        self.entries.iter()
    }
}

/// The messages one ReceiveRequestAttemptId returned, so a retry gets the same ones.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub at_ms: EpochMs,
    pub receipts: Vec<(u64, u32)>,
}

/// Recent receive attempts (held in memory only: a retry is a matter of seconds).
#[derive(Debug, Default, Clone)]
pub(crate) struct Attempts {
    by_id: HashMap<String, Attempt>,
    by_time: BTreeSet<(EpochMs, String)>,
}

impl Attempts {
    pub fn get(&mut self, id: &str, now: EpochMs) -> Option<Attempt> {
        while let Some((at, key)) = self.by_time.first().cloned() {
            if at + DEDUPLICATION_WINDOW_MS > now {
                break;
            }
            self.by_time.pop_first();
            if self.by_id.get(&key).is_some_and(|a| a.at_ms == at) {
                self.by_id.remove(&key);
            }
        }
        self.by_id.get(id).cloned()
    }

    pub fn put(&mut self, id: String, attempt: Attempt) {
        self.by_time.insert((attempt.at_ms, id.clone()));
        self.by_id.insert(id, attempt);
    }
}

/// Everything a FIFO queue keeps beyond a standard queue's index.
#[derive(Debug, Default, Clone)]
pub(crate) struct FifoState {
    pub groups: Groups,
    pub dedup: DedupWindow,
    pub attempts: Attempts,
}
