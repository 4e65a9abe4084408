//! The in-memory index of one queue: which messages are ready, in flight or delayed,
//! when each becomes visible again, and when each expires. Pure state with time passed
//! in; no I/O. A store keeps one per queue and journals the changes it reports.
//!
//! Ready messages are kept in sequence order, so a standard queue hands out the oldest
//! first (best-effort order). Deadlines of delayed and in-flight messages sit in one
//! ordered set; [`QueueIndex::advance`] moves the ones that have passed back to ready.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::attributes::QueueCounts;
pub use super::content::{MessageContent, MessageFields, SharedStrings};
use super::fifo::{Attempt, DedupEntry, DedupKey, DedupWindow, FifoState};
use super::receipt::Receipt;
use crate::clock::EpochMs;
use crate::limits::VISIBILITY_TIMEOUT_MAX_S;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Delayed,
    Ready,
    InFlight,
}

/// Where a message stands in its queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageState {
    pub content: Arc<MessageContent>,
    pub phase: Phase,
    /// When a delayed or in-flight message becomes visible.
    pub visible_at_ms: EpochMs,
    pub receive_count: u32,
    /// When it was first received, [`NOT_RECEIVED`] before (a plain time rather than an
    /// `Option` saves 8 bytes in every entry of the index).
    first_receive_ms: EpochMs,
    /// When the current receive started: the 12-hour visibility cap counts from here.
    pub received_at_ms: EpochMs,
    /// Identifies the latest receive; older receipt handles carry older nonces.
    pub nonce: u32,
}

/// `first_receive_ms` of a message never received: no clock reaches it.
const NOT_RECEIVED: EpochMs = EpochMs::MAX;

/// [`MessageState`] as journals store it: this field order, `first_receive_ms` an
/// `Option`. Never reorder, insert or remove fields.
#[derive(Serialize)]
struct StoredStateRef<'a> {
    content: &'a MessageContent,
    phase: Phase,
    visible_at_ms: EpochMs,
    receive_count: u32,
    first_receive_ms: Option<EpochMs>,
    received_at_ms: EpochMs,
    nonce: u32,
}

#[derive(Deserialize)]
struct StoredState {
    content: Arc<MessageContent>,
    phase: Phase,
    visible_at_ms: EpochMs,
    receive_count: u32,
    first_receive_ms: Option<EpochMs>,
    received_at_ms: EpochMs,
    nonce: u32,
}

impl Serialize for MessageState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredStateRef {
            content: &self.content,
            phase: self.phase,
            visible_at_ms: self.visible_at_ms,
            receive_count: self.receive_count,
            first_receive_ms: self.first_receive_ms(),
            received_at_ms: self.received_at_ms,
            nonce: self.nonce,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for MessageState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = StoredState::deserialize(d)?;
        Ok(Self {
            content: s.content,
            phase: s.phase,
            visible_at_ms: s.visible_at_ms,
            receive_count: s.receive_count,
            first_receive_ms: s.first_receive_ms.unwrap_or(NOT_RECEIVED),
            received_at_ms: s.received_at_ms,
            nonce: s.nonce,
        })
    }
}

impl MessageState {
    /// This message as handed to a consumer by its latest receive.
    pub fn delivery(&self, seq: u64) -> Delivery {
        Delivery {
            seq,
            content: self.content.clone(),
            receive_count: self.receive_count,
            first_receive_ms: self.first_receive_ms().unwrap_or(self.received_at_ms),
            nonce: self.nonce,
            visible_at_ms: self.visible_at_ms,
        }
    }

    pub fn new(content: Arc<MessageContent>, visible_at_ms: EpochMs, now: EpochMs) -> Self {
        Self {
            content,
            phase: if visible_at_ms > now {
                Phase::Delayed
            } else {
                Phase::Ready
            },
            visible_at_ms,
            receive_count: 0,
            first_receive_ms: NOT_RECEIVED,
            received_at_ms: 0,
            nonce: 0,
        }
    }

    /// When the message was first received, if it has been.
    pub fn first_receive_ms(&self) -> Option<EpochMs> {
        (self.first_receive_ms != NOT_RECEIVED).then_some(self.first_receive_ms)
    }

    /// Sets (or, with `None`, forgets) when the message was first received. The time
    /// must be one a clock gives (not `EpochMs::MAX`).
    pub fn set_first_receive_ms(&mut self, at_ms: Option<EpochMs>) {
        debug_assert_ne!(at_ms, Some(NOT_RECEIVED));
        self.first_receive_ms = at_ms.unwrap_or(NOT_RECEIVED);
    }
}

/// One message handed to a consumer.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub seq: u64,
    pub content: Arc<MessageContent>,
    pub receive_count: u32,
    pub first_receive_ms: EpochMs,
    pub nonce: u32,
    pub visible_at_ms: EpochMs,
}

impl Delivery {
    pub fn receipt(&self, queue_id: u64) -> Receipt {
        Receipt {
            queue_id,
            seq: self.seq,
            nonce: self.nonce,
        }
    }
}

/// What a claim did: messages delivered, and messages that exceeded the receive limit
/// and must go to the dead-letter queue (already removed from this index).
#[derive(Debug, Default)]
pub struct ClaimOutcome {
    pub delivered: Vec<Delivery>,
    pub dead_lettered: Vec<(u64, MessageState)>,
    pub expired: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckOutcome {
    Deleted,
    /// The message is already gone (deleted, expired, moved); deleting is idempotent.
    Gone,
    /// The handle is from an older receive and the queue requires the latest.
    Stale,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisibilityError {
    /// No such message any more.
    Gone,
    /// The handle is from an older receive.
    Stale,
    /// The message is not in flight (its visibility timeout already ran out).
    NotInFlight,
    /// The change would keep it in flight beyond 12 hours from the receive.
    BeyondLimit,
}

/// How a claim should treat messages received too often.
#[derive(Debug, Clone, Copy)]
pub struct ClaimLimits {
    pub max_messages: usize,
    pub visibility_timeout_ms: u64,
    pub retention_ms: u64,
    /// Dead-letter after this many receives, when the queue has a usable redrive policy.
    pub max_receive_count: Option<u32>,
}

/// The deadline of a message whose send is not yet durable: it never passes on its own.
pub const HIDDEN_UNTIL_DURABLE_MS: EpochMs = EpochMs::MAX;

#[derive(Debug, Default, Clone)]
pub struct QueueIndex {
    messages: HashMap<u64, MessageState>,
    ready: BTreeSet<u64>,
    timers: BTreeSet<(EpochMs, u64)>,
    by_sent: BTreeSet<(EpochMs, u64)>,
    in_flight: usize,
    delayed: usize,
    /// Present for FIFO queues.
    fifo: Option<Box<FifoState>>,
}

impl QueueIndex {
    /// The index of a standard queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of a FIFO queue: group order and locking, deduplication, attempts.
    pub fn new_fifo() -> Self {
        Self {
            fifo: Some(Box::default()),
            ..Self::default()
        }
    }

    pub fn for_queue(fifo: bool) -> Self {
        if fifo {
            Self::new_fifo()
        } else {
            Self::new()
        }
    }

    pub fn is_fifo(&self) -> bool {
        self.fifo.is_some()
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    pub fn get(&self, seq: u64) -> Option<&MessageState> {
        self.messages.get(&seq)
    }

    /// Every message, for snapshots.
    pub fn iter(&self) -> impl Iterator<Item = (&u64, &MessageState)> {
        self.messages.iter()
    }

    /// The deduplication window of a FIFO queue.
    pub fn dedup(&mut self) -> Option<&mut DedupWindow> {
        self.fifo.as_mut().map(|f| &mut f.dedup)
    }

    /// The live deduplication entries, for snapshots.
    pub fn dedup_entries(&self) -> impl Iterator<Item = (&DedupKey, &DedupEntry)> {
        self.fifo.iter().flat_map(|f| f.dedup.entries())
    }

    /// Adds a message in whatever phase `state` says (used by sends and by replay).
    pub fn insert(&mut self, seq: u64, state: MessageState) {
        self.remove(seq);
        self.messages.insert(seq, state);
        self.link(seq);
    }

    /// Removes a message, returning its state.
    pub fn remove(&mut self, seq: u64) -> Option<MessageState> {
        let state = self.messages.remove(&seq)?;
        self.unlink(seq, &state);
        Some(state)
    }

    fn link(&mut self, seq: u64) {
        let s = &self.messages[&seq];
        self.by_sent.insert((s.content.sent_at_ms(), seq));
        match s.phase {
            Phase::Ready => {
                self.ready.insert(seq);
            }
            Phase::Delayed => {
                self.delayed += 1;
                self.timers.insert((s.visible_at_ms, seq));
            }
            Phase::InFlight => {
                self.in_flight += 1;
                self.timers.insert((s.visible_at_ms, seq));
            }
        }
        if let (Some(fifo), Some(group)) = (self.fifo.as_mut(), s.content.group_id()) {
            fifo.groups.max_seq = fifo.groups.max_seq.max(seq);
            let g = fifo.groups.groups.entry(group.to_owned()).or_default();
            g.msgs.insert(seq);
            let messages = &self.messages;
            fifo.groups
                .refresh(group, |head| messages[&head].phase == Phase::Ready);
        }
    }

    fn unlink(&mut self, seq: u64, s: &MessageState) {
        self.by_sent.remove(&(s.content.sent_at_ms(), seq));
        match s.phase {
            Phase::Ready => {
                self.ready.remove(&seq);
            }
            Phase::Delayed => {
                self.delayed -= 1;
                self.timers.remove(&(s.visible_at_ms, seq));
            }
            Phase::InFlight => {
                self.in_flight -= 1;
                self.timers.remove(&(s.visible_at_ms, seq));
            }
        }
        if let (Some(fifo), Some(group)) = (self.fifo.as_mut(), s.content.group_id()) {
            if let Some(g) = fifo.groups.groups.get_mut(group) {
                g.msgs.remove(&seq);
            }
            fifo.groups.returned.remove(&seq);
            let messages = &self.messages;
            fifo.groups
                .refresh(group, |head| messages[&head].phase == Phase::Ready);
        }
    }

    /// Makes every delayed or in-flight message whose deadline has passed ready again.
    pub fn advance(&mut self, now: EpochMs) {
        while let Some(&(at, seq)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            let Some(s) = self.messages.get_mut(&seq) else {
                continue;
            };
            let was = s.phase;
            match was {
                Phase::Delayed => self.delayed -= 1,
                Phase::InFlight => self.in_flight -= 1,
                Phase::Ready => {}
            }
            s.phase = Phase::Ready;
            self.ready.insert(seq);
            if let (Some(fifo), Some(group)) =
                (self.fifo.as_mut(), s.content.group_id().map(str::to_owned))
            {
                if was == Phase::InFlight {
                    fifo.groups.returned_now(seq);
                }
                let messages = &self.messages;
                fifo.groups
                    .refresh(&group, |head| messages[&head].phase == Phase::Ready);
            }
        }
    }

    /// The next time a message becomes visible on its own, if any is waiting to.
    pub fn next_visible_ms(&self) -> Option<EpochMs> {
        self.timers.first().map(|&(at, _)| at)
    }

    /// Removes messages older than the retention period; returns their sequence numbers.
    pub fn expire(&mut self, now: EpochMs, retention_ms: u64) -> Vec<u64> {
        let mut expired = Vec::new();
        while let Some(&(sent, seq)) = self.by_sent.first() {
            if sent.saturating_add(retention_ms) > now {
                break;
            }
            self.remove(seq);
            expired.push(seq);
        }
        expired
    }

    pub fn counts(&mut self, now: EpochMs) -> QueueCounts {
        self.advance(now);
        QueueCounts {
            visible: self.ready.len() as u64,
            in_flight: self.in_flight as u64,
            delayed: self.delayed as u64,
        }
    }

    /// Receives up to `max_messages` visible messages, making each invisible for the
    /// visibility timeout. A standard queue hands out the oldest first. A FIFO queue
    /// serves the group whose head is oldest, taking as many of that group's messages in
    /// order as it can, then the next group; a group with a message in flight is skipped.
    /// Messages already received `max_receive_count` times are removed and returned for
    /// the dead-letter queue.
    pub fn claim(&mut self, now: EpochMs, limits: ClaimLimits) -> ClaimOutcome {
        self.advance(now);
        let mut outcome = ClaimOutcome {
            expired: self.expire(now, limits.retention_ms),
            ..ClaimOutcome::default()
        };
        if self.fifo.is_some() {
            self.claim_fifo(now, limits, &mut outcome);
            return outcome;
        }
        while outcome.delivered.len() < limits.max_messages {
            let Some(&seq) = self.ready.first() else {
                break;
            };
            self.take_or_dead_letter(seq, now, limits, &mut outcome);
        }
        outcome
    }

    fn claim_fifo(&mut self, now: EpochMs, limits: ClaimLimits, outcome: &mut ClaimOutcome) {
        while outcome.delivered.len() < limits.max_messages {
            let Some((_, group)) = self
                .fifo
                .as_ref()
                .and_then(|f| f.groups.available.first().cloned())
            else {
                break;
            };
            let before = outcome.delivered.len() + outcome.dead_lettered.len();
            // The group's head is visible: take its messages in order up to the first one
            // that is not (one still in flight holds back every later message of its
            // group, and so does a delayed one).
            let mut taken: Option<u64> = None;
            while outcome.delivered.len() < limits.max_messages {
                let fifo = self.fifo.as_ref().expect("fifo index");
                let Some(g) = fifo.groups.groups.get(&group) else {
                    break;
                };
                let next = match taken {
                    None => g.msgs.first().copied(),
                    Some(last) => g.msgs.range(last + 1..).next().copied(),
                };
                let Some(seq) = next.filter(|seq| self.messages[seq].phase == Phase::Ready) else {
                    break;
                };
                self.take_or_dead_letter(seq, now, limits, outcome);
                taken = Some(seq);
            }
            if outcome.delivered.len() + outcome.dead_lettered.len() == before {
                // A listed group always yields its head; never spin if it did not.
                debug_assert!(false, "available FIFO group {group} yielded nothing");
                break;
            }
        }
    }

    /// Delivers one visible message, or removes it for the dead-letter queue if it has
    /// been received too often.
    fn take_or_dead_letter(
        &mut self,
        seq: u64,
        now: EpochMs,
        limits: ClaimLimits,
        outcome: &mut ClaimOutcome,
    ) {
        let receive_count = self.messages[&seq].receive_count;
        if limits
            .max_receive_count
            .is_some_and(|max| receive_count >= max)
        {
            let state = self.remove(seq).expect("present");
            outcome.dead_lettered.push((seq, state));
            return;
        }
        let mut state = self.remove(seq).expect("present");
        state.phase = Phase::InFlight;
        state.receive_count += 1;
        if state.first_receive_ms().is_none() {
            state.set_first_receive_ms(Some(now));
        }
        state.received_at_ms = now;
        state.nonce = state.nonce.wrapping_add(1);
        state.visible_at_ms = now + limits.visibility_timeout_ms;
        outcome.delivered.push(state.delivery(seq));
        self.insert(seq, state);
    }

    /// Answers a retried FIFO receive: if every message the attempt returned is still in
    /// flight under that receive, the same messages (and receipt handles) come back with
    /// their visibility timeout started again.
    pub fn retry_attempt(
        &mut self,
        attempt_id: &str,
        now: EpochMs,
        visibility_timeout_ms: u64,
    ) -> Option<Vec<Delivery>> {
        self.advance(now);
        let attempt = self.fifo.as_mut()?.attempts.get(attempt_id, now)?;
        let unchanged = attempt.receipts.iter().all(|(seq, nonce)| {
            self.messages
                .get(seq)
                .is_some_and(|m| m.nonce == *nonce && m.phase == Phase::InFlight)
        });
        if !unchanged {
            return None;
        }
        let mut out = Vec::with_capacity(attempt.receipts.len());
        for (seq, _) in attempt.receipts {
            let mut state = self.remove(seq).expect("checked above");
            state.visible_at_ms = now + visibility_timeout_ms;
            out.push(state.delivery(seq));
            self.insert(seq, state);
        }
        Some(out)
    }

    /// Remembers which messages a FIFO receive with an attempt id returned.
    pub fn remember_attempt(&mut self, attempt_id: &str, deliveries: &[Delivery], now: EpochMs) {
        if let Some(fifo) = self.fifo.as_mut() {
            let receipts = deliveries.iter().map(|d| (d.seq, d.nonce)).collect();
            fifo.attempts.put(
                attempt_id.to_owned(),
                Attempt {
                    at_ms: now,
                    receipts,
                },
            );
        }
    }

    /// Up to `max` messages, oldest sent first, as they stand at `now`, without changing
    /// anything: no receive is counted, no deadline moves, nothing expires. Messages past
    /// `retention_ms` and sends not yet durable are left out. A delayed or in-flight
    /// message whose deadline has passed is reported as ready.
    pub fn peek(&self, now: EpochMs, retention_ms: u64, max: usize) -> Vec<(u64, MessageState)> {
        self.by_sent
            .iter()
            .filter(|&&(sent, _)| sent.saturating_add(retention_ms) > now)
            .filter_map(|&(_, seq)| {
                let state = self.messages.get(&seq)?;
                if state.visible_at_ms == HIDDEN_UNTIL_DURABLE_MS {
                    return None;
                }
                let mut state = state.clone();
                if state.phase != Phase::Ready && state.visible_at_ms <= now {
                    state.phase = Phase::Ready;
                }
                Some((seq, state))
            })
            .take(max)
            .collect()
    }

    /// Visible messages' sequence numbers, oldest first (call [`Self::advance`] first).
    pub fn ready_seqs(&self) -> impl Iterator<Item = u64> + '_ {
        self.ready.iter().copied()
    }

    /// Takes up to `max` visible messages out of the queue (for message move tasks).
    pub fn take_visible(&mut self, now: EpochMs, max: usize) -> Vec<(u64, MessageState)> {
        self.advance(now);
        let mut taken = Vec::new();
        while taken.len() < max {
            let Some(&seq) = self.ready.first() else {
                break;
            };
            if let Some(state) = self.remove(seq) {
                taken.push((seq, state));
            }
        }
        taken
    }

    /// Deletes a message by receipt. With `latest_only` (FIFO), only the handle of the
    /// current receive deletes, and only while the message is in flight under it: AWS
    /// answers a handle whose visibility timeout ran out as expired. Otherwise
    /// (standard) any handle of the message deletes it.
    pub fn ack(&mut self, seq: u64, nonce: u32, latest_only: bool, now: EpochMs) -> AckOutcome {
        if latest_only {
            self.advance(now);
        }
        match self.messages.get(&seq) {
            None => AckOutcome::Gone,
            Some(s) if latest_only && (s.nonce != nonce || s.phase != Phase::InFlight) => {
                AckOutcome::Stale
            }
            Some(_) => {
                self.remove(seq);
                AckOutcome::Deleted
            }
        }
    }

    /// Sets a new visibility timeout for a received message, counted from `now`. A FIFO
    /// queue takes only the handle of the current receive, while it holds the message.
    /// A standard queue, as on AWS, takes any handle of the message, even one whose
    /// timeout ran out: the message is hidden again for the new timeout.
    pub fn change_visibility(
        &mut self,
        seq: u64,
        nonce: u32,
        timeout_ms: u64,
        now: EpochMs,
    ) -> Result<EpochMs, VisibilityError> {
        self.advance(now);
        let fifo = self.is_fifo();
        let state = self.messages.get(&seq).ok_or(VisibilityError::Gone)?;
        if fifo && state.nonce != nonce {
            return Err(VisibilityError::Stale);
        }
        if fifo && state.phase != Phase::InFlight {
            return Err(VisibilityError::NotInFlight);
        }
        if state.phase == Phase::Delayed {
            return Err(VisibilityError::NotInFlight);
        }
        let max_ms = u64::from(VISIBILITY_TIMEOUT_MAX_S) * 1000;
        if now + timeout_ms > state.received_at_ms + max_ms {
            return Err(VisibilityError::BeyondLimit);
        }
        self.reschedule(seq, now + timeout_ms, Phase::InFlight, now);
        Ok(now + timeout_ms)
    }

    /// Adds a sent message that must stay invisible until its send is durable: a consumer
    /// must never see a message that a crash could still take back.
    pub fn insert_hidden(&mut self, seq: u64, mut state: MessageState) {
        state.phase = Phase::Delayed;
        state.visible_at_ms = HIDDEN_UNTIL_DURABLE_MS;
        self.insert(seq, state);
    }

    /// Makes a hidden message visible (or delayed until `visible_at_ms`) once its send is
    /// durable. Messages no longer hidden (or gone) are left alone.
    pub fn reveal(&mut self, seq: u64, visible_at_ms: EpochMs, now: EpochMs) {
        let Some(state) = self.messages.get_mut(&seq) else {
            return;
        };
        if state.visible_at_ms != HIDDEN_UNTIL_DURABLE_MS {
            return;
        }
        // A hidden message waits among the delayed ones: only its deadline and phase
        // change, in place (its entry and its place in send order stay).
        self.timers.remove(&(HIDDEN_UNTIL_DURABLE_MS, seq));
        state.visible_at_ms = visible_at_ms;
        if visible_at_ms > now {
            self.timers.insert((visible_at_ms, seq));
            return;
        }
        state.phase = Phase::Ready;
        self.delayed -= 1;
        self.ready.insert(seq);
        if let (Some(fifo), Some(group)) = (self.fifo.as_mut(), state.content.group_id()) {
            let group = group.to_owned();
            let messages = &self.messages;
            fifo.groups
                .refresh(&group, |head| messages[&head].phase == Phase::Ready);
        }
    }

    /// Gives a message a new deadline: it waits in `waiting` until then, or is visible at
    /// once if the deadline has passed.
    fn reschedule(&mut self, seq: u64, visible_at_ms: EpochMs, waiting: Phase, now: EpochMs) {
        if let Some(mut state) = self.remove(seq) {
            let returned = state.phase == Phase::InFlight && visible_at_ms <= now;
            state.visible_at_ms = visible_at_ms;
            state.phase = if visible_at_ms > now {
                waiting
            } else {
                Phase::Ready
            };
            let group = state.content.group_id().map(str::to_owned);
            self.insert(seq, state);
            if let (true, Some(fifo), Some(group)) = (returned, self.fifo.as_mut(), group) {
                fifo.groups.returned_now(seq);
                let messages = &self.messages;
                fifo.groups
                    .refresh(&group, |head| messages[&head].phase == Phase::Ready);
            }
        }
    }

    /// Reveals every hidden message (after recovery, where whatever was journalled is
    /// durable); their delays, if any, are not known here and start again from `now`.
    pub fn reveal_all(&mut self, now: EpochMs) {
        let hidden: Vec<u64> = self
            .timers
            .range((HIDDEN_UNTIL_DURABLE_MS, 0)..)
            .map(|&(_, seq)| seq)
            .collect();
        for seq in hidden {
            self.reveal(seq, now, now);
        }
    }

    /// Makes an in-flight message's deadline exactly `visible_at_ms` (journal replay).
    pub fn set_visible_at(&mut self, seq: u64, visible_at_ms: EpochMs, now: EpochMs) {
        self.reschedule(seq, visible_at_ms, Phase::InFlight, now);
    }

    /// Removes every message (PurgeQueue). A FIFO queue's deduplication window goes too:
    /// on AWS a message sent after a purge is new even if its deduplication id was seen
    /// (test_purge_queue_clears_fifo_deduplication_cache).
    pub fn purge(&mut self) -> usize {
        let n = self.messages.len();
        *self = Self::for_queue(self.is_fifo());
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: EpochMs = 1_700_000_000_000;

    fn content(n: u128, sent_at_ms: EpochMs) -> Arc<MessageContent> {
        Arc::new(MessageContent::from(MessageFields {
            message_id: n,
            body: format!("m{n}"),
            sender_id: "s".into(),
            sent_at_ms,
            ..MessageFields::default()
        }))
    }

    fn limits(max: usize, vis_ms: u64) -> ClaimLimits {
        ClaimLimits {
            max_messages: max,
            visibility_timeout_ms: vis_ms,
            retention_ms: 345_600_000,
            max_receive_count: None,
        }
    }

    fn send(q: &mut QueueIndex, seq: u64, now: EpochMs, delay_ms: u64) {
        q.insert(
            seq,
            MessageState::new(content(seq as u128, now), now + delay_ms, now),
        );
    }

    #[test]
    fn visibility_timeout_hides_then_returns_message() {
        let mut q = QueueIndex::new();
        send(&mut q, 1, T0, 0);
        let got = q.claim(T0, limits(10, 30_000));
        assert_eq!(got.delivered.len(), 1);
        assert_eq!(q.claim(T0 + 29_999, limits(10, 30_000)).delivered.len(), 0);
        let again = q.claim(T0 + 30_000, limits(10, 30_000));
        assert_eq!(again.delivered.len(), 1);
        assert_eq!(again.delivered[0].receive_count, 2);
        assert_eq!(again.delivered[0].first_receive_ms, T0);
        assert_ne!(again.delivered[0].nonce, got.delivered[0].nonce);
    }

    #[test]
    fn delay_holds_message_and_counts_it_delayed() {
        let mut q = QueueIndex::new();
        send(&mut q, 1, T0, 5_000);
        assert_eq!(
            q.counts(T0),
            QueueCounts {
                visible: 0,
                in_flight: 0,
                delayed: 1
            }
        );
        assert!(q.claim(T0 + 4_999, limits(1, 1)).delivered.is_empty());
        assert_eq!(q.next_visible_ms(), Some(T0 + 5_000));
        assert_eq!(q.claim(T0 + 5_000, limits(1, 1)).delivered.len(), 1);
    }

    #[test]
    fn oldest_first_and_max_respected() {
        let mut q = QueueIndex::new();
        for seq in 1..=5 {
            send(&mut q, seq, T0, 0);
        }
        let got = q.claim(T0, limits(3, 1000));
        let seqs: Vec<u64> = got.delivered.iter().map(|d| d.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3]);
        assert_eq!(
            q.counts(T0),
            QueueCounts {
                visible: 2,
                in_flight: 3,
                delayed: 0
            }
        );
    }

    #[test]
    fn retention_expires_old_messages() {
        let mut q = QueueIndex::new();
        send(&mut q, 1, T0, 0);
        send(&mut q, 2, T0 + 10_000, 0);
        let mut l = limits(10, 1000);
        l.retention_ms = 60_000;
        let got = q.claim(T0 + 60_000, l);
        assert_eq!(got.expired, vec![1]);
        assert_eq!(got.delivered.len(), 1);
        assert_eq!(q.expire(T0 + 70_000, 60_000), vec![2]);
        assert!(q.is_empty());
    }

    #[test]
    fn dead_letters_after_max_receives() {
        let mut q = QueueIndex::new();
        send(&mut q, 1, T0, 0);
        let mut l = limits(10, 0);
        l.max_receive_count = Some(2);
        assert_eq!(q.claim(T0, l).delivered.len(), 1);
        assert_eq!(q.claim(T0 + 1, l).delivered.len(), 1);
        let third = q.claim(T0 + 2, l);
        assert!(third.delivered.is_empty());
        assert_eq!(third.dead_lettered.len(), 1);
        assert_eq!(third.dead_lettered[0].1.receive_count, 2);
        assert!(q.is_empty());
        assert_eq!(q.counts(T0 + 3), QueueCounts::default());
    }

    #[test]
    fn change_visibility_rules() {
        let mut q = QueueIndex::new();
        send(&mut q, 1, T0, 0);
        let d = q.claim(T0, limits(1, 30_000)).delivered.remove(0);
        // Extend, then make visible at once.
        assert_eq!(
            q.change_visibility(1, d.nonce, 60_000, T0 + 1_000),
            Ok(T0 + 61_000)
        );
        assert!(q.claim(T0 + 40_000, limits(1, 1)).delivered.is_empty());
        assert_eq!(
            q.change_visibility(1, d.nonce, 0, T0 + 40_000),
            Ok(T0 + 40_000)
        );
        // A standard queue takes a handle whose timeout ran out, and hides the message.
        assert_eq!(
            q.change_visibility(1, d.nonce, 10, T0 + 40_000),
            Ok(T0 + 40_010)
        );
        assert!(q.claim(T0 + 40_009, limits(1, 1)).delivered.is_empty());
        let d2 = q.claim(T0 + 40_010, limits(1, 30_000)).delivered.remove(0);
        // ... and a superseded one, which changes the current receive's timeout.
        assert_eq!(
            q.change_visibility(1, d.nonce, 10, T0 + 40_011),
            Ok(T0 + 40_021)
        );
        assert_eq!(
            q.change_visibility(1, d2.nonce, 43_200_000, T0 + 40_011),
            Err(VisibilityError::BeyondLimit)
        );
        assert_eq!(
            q.change_visibility(9, 1, 10, T0),
            Err(VisibilityError::Gone)
        );
    }

    #[test]
    fn fifo_change_visibility_takes_only_the_current_receive() {
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "g", T0, 0);
        let d = q.claim(T0, limits(1, 1_000)).delivered.remove(0);
        assert_eq!(
            q.change_visibility(1, d.nonce, 10, T0 + 1_000),
            Err(VisibilityError::NotInFlight)
        );
        let d2 = q.claim(T0 + 1_000, limits(1, 1_000)).delivered.remove(0);
        assert_eq!(
            q.change_visibility(1, d.nonce, 10, T0 + 1_001),
            Err(VisibilityError::Stale)
        );
        assert_eq!(
            q.change_visibility(1, d2.nonce, 10, T0 + 1_001),
            Ok(T0 + 1_011)
        );
    }

    #[test]
    fn ack_semantics() {
        let mut q = QueueIndex::new();
        send(&mut q, 1, T0, 0);
        let d1 = q.claim(T0, limits(1, 0)).delivered.remove(0);
        let _d2 = q.claim(T0, limits(1, 0)).delivered.remove(0);
        assert_eq!(q.ack(1, d1.nonce, true, T0), AckOutcome::Stale);
        assert_eq!(q.ack(1, d1.nonce, false, T0), AckOutcome::Deleted);
        assert_eq!(q.ack(1, d1.nonce, false, T0), AckOutcome::Gone);
        assert_eq!(q.counts(T0), QueueCounts::default());
        // latest_only: the current handle deletes only until its timeout runs out.
        send(&mut q, 2, T0, 0);
        send(&mut q, 3, T0, 0);
        let got = q.claim(T0, limits(2, 1_000)).delivered;
        assert_eq!(q.ack(2, got[0].nonce, true, T0 + 999), AckOutcome::Deleted);
        assert_eq!(q.ack(3, got[1].nonce, true, T0 + 1_000), AckOutcome::Stale);
    }

    #[test]
    fn purge_and_take_visible() {
        let mut q = QueueIndex::new();
        for seq in 1..=4 {
            send(&mut q, seq, T0, 0);
        }
        q.claim(T0, limits(1, 1000));
        let taken = q.take_visible(T0, 10);
        assert_eq!(taken.len(), 3);
        assert_eq!(q.len(), 1);
        assert_eq!(q.purge(), 1);
        assert!(q.is_empty());
    }

    fn send_grouped(q: &mut QueueIndex, seq: u64, group: &str, now: EpochMs, delay_ms: u64) {
        let mut c = content(seq as u128, now).to_fields();
        c.group_id = Some(group.to_owned());
        q.insert(
            seq,
            MessageState::new(Arc::new(c.into()), now + delay_ms, now),
        );
    }

    fn seqs(outcome: &ClaimOutcome) -> Vec<u64> {
        outcome.delivered.iter().map(|d| d.seq).collect()
    }

    #[test]
    fn fifo_serves_a_group_in_order_and_locks_it_while_in_flight() {
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "a", T0, 0);
        send_grouped(&mut q, 2, "b", T0, 0);
        send_grouped(&mut q, 3, "a", T0, 0);
        send_grouped(&mut q, 4, "b", T0, 0);
        // One receive takes as much of the oldest group as it can, then the next group.
        assert_eq!(seqs(&q.claim(T0, limits(3, 30_000))), vec![1, 3, 2]);
        // a is locked (1 and 3 in flight) and b is locked (2 in flight): 4 waits.
        assert!(q.claim(T0, limits(10, 30_000)).delivered.is_empty());
        assert_eq!(
            q.counts(T0),
            QueueCounts {
                visible: 1,
                in_flight: 3,
                delayed: 0
            }
        );
    }

    #[test]
    fn fifo_group_unlocks_on_delete_and_redelivers_in_order_on_expiry() {
        let mut q = QueueIndex::new_fifo();
        for seq in 1..=3 {
            send_grouped(&mut q, seq, "g", T0, 0);
        }
        let first = q.claim(T0, limits(1, 10_000));
        assert_eq!(seqs(&first), vec![1]);
        assert!(q.claim(T0 + 1, limits(10, 10_000)).delivered.is_empty());
        // Deleting 1 unlocks the group: 2 and 3 come next, in order.
        assert_eq!(
            q.ack(1, first.delivered[0].nonce, true, T0),
            AckOutcome::Deleted
        );
        let next = q.claim(T0 + 2, limits(10, 10_000));
        assert_eq!(seqs(&next), vec![2, 3]);
        // Nobody deletes them: after the timeout they come back, still in order.
        assert!(q.claim(T0 + 5_000, limits(10, 10_000)).delivered.is_empty());
        let again = q.claim(T0 + 10_002, limits(1, 10_000));
        assert_eq!(seqs(&again), vec![2]);
        assert_eq!(again.delivered[0].receive_count, 2);
        // 3 became visible too, but its group is locked by 2 again.
        assert!(q
            .claim(T0 + 10_003, limits(10, 10_000))
            .delivered
            .is_empty());
    }

    #[test]
    fn fifo_visibility_zero_on_a_later_message_keeps_the_group_locked() {
        // AWS (test_fifo_group_visibility_extends_with_change_message_visibility): while
        // a group's first message is in flight, later ones stay hidden even when visible.
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "g", T0, 0);
        send_grouped(&mut q, 2, "g", T0, 0);
        let got = q.claim(T0, limits(2, 30_000));
        assert_eq!(seqs(&got), vec![1, 2]);
        q.change_visibility(2, got.delivered[1].nonce, 0, T0 + 1)
            .unwrap();
        // 1 is still in flight: 2 must not be handed out ahead of it.
        assert!(q.claim(T0 + 2, limits(10, 30_000)).delivered.is_empty());
        q.change_visibility(1, got.delivered[0].nonce, 0, T0 + 3)
            .unwrap();
        assert_eq!(seqs(&q.claim(T0 + 4, limits(10, 30_000))), vec![1, 2]);
    }

    #[test]
    fn fifo_head_back_from_flight_unlocks_its_group_up_to_the_next_in_flight_message() {
        // AWS: g1-m1 and g1-m2 in flight, g1-m1 set visible -> receive gives g2-m1, g1-m1.
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "g1", T0, 0);
        send_grouped(&mut q, 2, "g1", T0, 0);
        send_grouped(&mut q, 3, "g2", T0, 0);
        let got = q.claim(T0, limits(2, 30_000));
        assert_eq!(seqs(&got), vec![1, 2]);
        q.change_visibility(1, got.delivered[0].nonce, 0, T0 + 1)
            .unwrap();
        assert_eq!(seqs(&q.claim(T0 + 2, limits(3, 30_000))), vec![3, 1]);
        // The same when the head's own timeout runs out first.
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "g1", T0, 0);
        send_grouped(&mut q, 2, "g1", T0, 0);
        send_grouped(&mut q, 3, "g2", T0, 0);
        let got = q.claim(T0, limits(2, 30_000));
        q.change_visibility(1, got.delivered[0].nonce, 1_000, T0 + 1)
            .unwrap();
        assert_eq!(seqs(&q.claim(T0 + 2_000, limits(3, 30_000))), vec![3, 1]);
    }

    #[test]
    fn fifo_extending_one_message_hides_it_and_every_later_message_of_its_group() {
        // AWS: foo, bar, baz received with a 1 s timeout; the one at `extended` gets 4 s;
        // 2.5 s later a receive gets the messages before it.
        for (extended, expected) in [(0usize, vec![]), (1, vec![1]), (2, vec![1, 2])] {
            let mut q = QueueIndex::new_fifo();
            for seq in 1..=3 {
                send_grouped(&mut q, seq, "1", T0, 0);
            }
            let got = q.claim(T0, limits(10, 1_000));
            assert_eq!(seqs(&got), vec![1, 2, 3]);
            let d = &got.delivered[extended];
            q.change_visibility(d.seq, d.nonce, 4_000, T0 + 100)
                .unwrap();
            assert_eq!(
                seqs(&q.claim(T0 + 2_600, limits(5, 30_000))),
                expected,
                "extended {extended}"
            );
        }
    }

    #[test]
    fn fifo_a_group_just_served_goes_behind_groups_not_yet_served() {
        // AWS: g1-m1, g2-m1, g2-m2, g3-m1, g1-m2; receive(3, VT=0) = g1-m1, g1-m2, g2-m1;
        // the next receive(10) = g3-m1, g1-m1, g1-m2, g2-m1, g2-m2.
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "g1", T0, 0);
        send_grouped(&mut q, 2, "g2", T0, 0);
        send_grouped(&mut q, 3, "g2", T0, 0);
        send_grouped(&mut q, 4, "g3", T0, 0);
        send_grouped(&mut q, 5, "g1", T0, 0);
        assert_eq!(seqs(&q.claim(T0, limits(3, 0))), vec![1, 5, 2]);
        assert_eq!(seqs(&q.claim(T0, limits(10, 0))), vec![4, 1, 5, 2, 3]);
    }

    #[test]
    fn fifo_a_group_unlocked_by_deletes_keeps_its_head_turn() {
        // AWS: g1-m1, g2-m1, g1-m2, g2-m2, g1-m3, g1-m4, g3-m1; receive(2) = g1-m1, g1-m2;
        // both deleted; receive(10) = g2-m1, g2-m2, g1-m3, g1-m4, g3-m1.
        let mut q = QueueIndex::new_fifo();
        for (seq, group) in [
            (1, "g1"),
            (2, "g2"),
            (3, "g1"),
            (4, "g2"),
            (5, "g1"),
            (6, "g1"),
            (7, "g3"),
        ] {
            send_grouped(&mut q, seq, group, T0, 0);
        }
        let got = q.claim(T0, limits(2, 30_000));
        assert_eq!(seqs(&got), vec![1, 3]);
        for d in &got.delivered {
            assert_eq!(q.ack(d.seq, d.nonce, true, T0), AckOutcome::Deleted);
        }
        assert_eq!(
            seqs(&q.claim(T0 + 1, limits(10, 30_000))),
            vec![2, 4, 5, 6, 7]
        );
    }

    #[test]
    fn fifo_delayed_head_holds_back_its_group_only() {
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "slow", T0, 5_000);
        send_grouped(&mut q, 2, "fast", T0, 0);
        assert_eq!(seqs(&q.claim(T0, limits(10, 60_000))), vec![2]);
        assert!(q.claim(T0 + 4_999, limits(10, 60_000)).delivered.is_empty());
        assert_eq!(seqs(&q.claim(T0 + 5_000, limits(10, 60_000))), vec![1]);
    }

    #[test]
    fn fifo_dead_letters_the_head_and_goes_on_with_the_group() {
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "g", T0, 0);
        send_grouped(&mut q, 2, "g", T0, 0);
        let mut l = limits(1, 0);
        l.max_receive_count = Some(1);
        assert_eq!(seqs(&q.claim(T0, l)), vec![1]);
        let next = q.claim(T0 + 1, l);
        assert_eq!(next.dead_lettered.len(), 1);
        assert_eq!(next.dead_lettered[0].0, 1);
        assert_eq!(seqs(&next), vec![2]);
    }

    #[test]
    fn receive_attempt_retry_returns_the_same_receipts() {
        let mut q = QueueIndex::new_fifo();
        send_grouped(&mut q, 1, "g", T0, 0);
        send_grouped(&mut q, 2, "h", T0, 0);
        let got = q.claim(T0, limits(2, 30_000));
        q.remember_attempt("try-1", &got.delivered, T0);
        let retry = q.retry_attempt("try-1", T0 + 20_000, 30_000).unwrap();
        assert_eq!(
            retry.iter().map(|d| (d.seq, d.nonce)).collect::<Vec<_>>(),
            got.delivered
                .iter()
                .map(|d| (d.seq, d.nonce))
                .collect::<Vec<_>>()
        );
        // The retry restarted the visibility timeout.
        assert!(q.claim(T0 + 45_000, limits(10, 1)).delivered.is_empty());
        // Once one of them is deleted, the attempt no longer answers.
        q.ack(1, got.delivered[0].nonce, true, T0);
        assert!(q.retry_attempt("try-1", T0 + 46_000, 30_000).is_none());
        // Unknown or expired attempts do not answer either.
        assert!(q.retry_attempt("other", T0, 30_000).is_none());
    }

    #[test]
    fn dedup_window_lasts_five_minutes_and_purge_clears_it() {
        let mut q = QueueIndex::new_fifo();
        let d1 = super::super::fifo::dedup_key(false, None, "d1");
        q.dedup().unwrap().remember(d1, 7, Some(1), T0);
        assert_eq!(
            q.dedup()
                .unwrap()
                .lookup(d1, T0 + 299_999)
                .map(|e| e.message_id),
            Some(7)
        );
        assert!(q.dedup().unwrap().lookup(d1, T0 + 300_000).is_none());
        q.dedup().unwrap().remember(d1, 8, Some(2), T0);
        q.purge();
        assert!(q.is_fifo());
        assert!(q.dedup().unwrap().lookup(d1, T0 + 1).is_none());
        assert!(QueueIndex::new().dedup().is_none());
    }

    #[test]
    fn hidden_messages_wait_for_their_reveal() {
        let mut q = QueueIndex::new();
        let c = content(1, T0);
        q.insert_hidden(1, MessageState::new(c.clone(), T0, T0));
        q.insert_hidden(2, MessageState::new(content(2, T0), T0 + 5_000, T0));
        // Not durable yet: nobody sees them, whatever the time.
        assert!(q.claim(T0 + 1_000_000, limits(10, 1)).delivered.is_empty());
        q.reveal(1, T0, T0);
        q.reveal(2, T0 + 5_000, T0);
        assert_eq!(seqs(&q.claim(T0, limits(10, 60_000))), vec![1]);
        assert_eq!(seqs(&q.claim(T0 + 5_000, limits(10, 60_000))), vec![2]);
        // Revealing again changes nothing: message 1 is in flight now.
        q.reveal(1, T0, T0);
        assert_eq!(q.counts(T0 + 5_000).in_flight, 2);
    }

    #[test]
    fn hidden_fifo_messages_join_their_group_in_order_when_revealed() {
        let mut q = QueueIndex::new_fifo();
        let grouped = |seq: u64| {
            let mut c = content(u128::from(seq), T0).to_fields();
            c.group_id = Some("g".to_owned());
            MessageState::new(Arc::new(c.into()), T0, T0)
        };
        q.insert_hidden(1, grouped(1));
        q.insert_hidden(2, grouped(2));
        assert!(q.claim(T0, limits(10, 1_000)).delivered.is_empty());
        // The later message is durable first: the group still waits for the earlier one.
        q.reveal(2, T0, T0);
        let counts = q.counts(T0);
        assert_eq!((counts.visible, counts.delayed), (1, 1));
        assert!(q.claim(T0, limits(10, 1_000)).delivered.is_empty());
        q.reveal(1, T0, T0);
        assert_eq!(q.counts(T0).delayed, 0);
        assert_eq!(seqs(&q.claim(T0, limits(10, 1_000))), vec![1, 2]);
    }

    #[test]
    fn recovery_reveals_whatever_is_still_hidden() {
        let mut q = QueueIndex::new();
        q.insert_hidden(1, MessageState::new(content(1, T0), T0, T0));
        q.reveal_all(T0 + 10);
        assert_eq!(seqs(&q.claim(T0 + 10, limits(10, 1_000))), vec![1]);
    }
}
