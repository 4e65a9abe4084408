//! Journal records: one per state change of the embedded store, encoded with postcard.
//! Queues are named by their numeric id so message records stay small. Replaying the
//! records in order rebuilds the store exactly (see `state.rs`).

use serde::{Deserialize, Serialize};
use sluice_core::sqs::fifo::{DedupEntry, DedupKey};
use sluice_core::sqs::names::QueueKey;
use sluice_core::sqs::queue::MessageState;
use sluice_core::sqs::store::{MoveTask, QueueMeta};

/// The version of the record encoding; bumped with a migration when it changes.
pub const RECORD_FORMAT_VERSION: u32 = 1;

/// The new identity a redriven message takes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Redrive {
    pub message_id: u128,
    pub at_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Record {
    /// First record of every snapshot.
    Format {
        version: u32,
    },
    QueueCreated(QueueMeta),
    QueueChanged(QueueMeta),
    /// Written by earlier versions, without the time: replayed as deleted at recovery.
    QueueDeleted {
        queue: u64,
    },
    Purged {
        queue: u64,
        at_ms: u64,
    },
    Sent {
        queue: u64,
        seq: u64,
        state: MessageState,
    },
    Received {
        queue: u64,
        seq: u64,
        nonce: u32,
        receive_count: u32,
        first_receive_ms: u64,
        received_at_ms: u64,
        visible_at_ms: u64,
    },
    VisibilityChanged {
        queue: u64,
        seq: u64,
        visible_at_ms: u64,
    },
    Deleted {
        queue: u64,
        seq: u64,
    },
    Expired {
        queue: u64,
        seqs: Vec<u64>,
    },
    /// A message left `from` for `to`: dead-lettered (`redrive: None`, keeps its
    /// identity and receive count and records its source) or redriven by a move task,
    /// which makes it a new message with a new id and enqueue time.
    Moved {
        from: u64,
        to: u64,
        seq: u64,
        redrive: Option<Redrive>,
        /// When it moved (a FIFO dead-letter queue counts retention from here).
        at_ms: u64,
    },
    MoveTaskSaved(MoveTask),
    /// A FIFO deduplication entry that outlives its message (snapshots only; live sends
    /// are remembered from their `Sent` record).
    Dedup {
        queue: u64,
        key: DedupKey,
        entry: DedupEntry,
    },
    /// Counters a snapshot must carry even when no queue or message shows them.
    Counters {
        next_seq: u64,
        next_queue_id: u64,
    },
    /// A queue was deleted at `at_ms`. Snapshots carry one per remembered deletion with
    /// `queue` 0 (no live queue), so "deleted recently" survives restarts and compaction.
    QueueRemoved {
        queue: u64,
        key: QueueKey,
        at_ms: u64,
    },
    /// `Sent` for a queue with encryption at rest: `sealed` is the postcard encoding of
    /// the message's `MessageState`, sealed by the key service (`MessageSealer`), so no
    /// body or attribute reaches the disk in clear. Written by sends and snapshots,
    /// opened at recovery. (Last, so older journals still decode: postcard numbers
    /// variants by position.)
    SentSealed {
        queue: u64,
        seq: u64,
        sealed: Vec<u8>,
    },
}

impl Record {
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("records always encode")
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        postcard::from_bytes(bytes).map_err(|e| format!("undecodable journal record: {e}"))
    }
}
