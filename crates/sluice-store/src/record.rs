//! Journal records: one per state change of the embedded store, encoded with postcard.
//! Queues are named by their numeric id so message records stay small. Replaying the
//! records in order rebuilds the store exactly (see `state.rs`).

use serde::{Deserialize, Serialize};
use sluice_core::sqs::fifo::{DedupEntry, DedupKey};
use sluice_core::sqs::names::QueueKey;
use sluice_core::sqs::queue::MessageState;
use sluice_core::sqs::store::{MoveTask, QueueMeta};

pub use crate::fifo_topics::FifoPublishRecord;
pub use crate::kinesis_catalog::{ConsumerRecord, StreamRecord};
pub use crate::outbox::DeliveryRecord;
pub use crate::topics::{SubscriptionRecord, TopicRecord};

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
    /// Everything was wiped (the admin listener's reset): every queue, message, move
    /// task and record of a recent deletion, and every SNS topic and subscription.
    /// Counters keep running. (After `SentSealed`, for the same reason.)
    Reset,
    // SNS. New variants go after these, never between: postcard numbers by position.
    /// A topic was created or changed: its whole stored form (an upsert).
    TopicSaved(TopicRecord),
    /// A topic was deleted, with every subscription to it.
    TopicRemoved {
        region: String,
        account_id: String,
        name: String,
    },
    /// A subscription was added, confirmed or changed: its whole stored form (an upsert).
    SubscriptionSaved(SubscriptionRecord),
    /// A subscription was removed (its topic counts it in SubscriptionsDeleted).
    SubscriptionRemoved {
        arn: String,
    },
    /// A publish to a FIFO topic was delivered: its deduplication id is remembered for
    /// the rest of its window.
    FifoPublished(FifoPublishRecord),
    // The SNS HTTP/S outbox (after every older variant, for the same reason).
    /// A delivery was enqueued: the whole entry.
    DeliveryQueued(DeliveryRecord),
    /// An attempt failed and the delivery waits for its next one.
    DeliveryRescheduled {
        id: u64,
        attempts: u32,
        due_ms: u64,
    },
    /// A delivery was made, dead-lettered or given up.
    DeliveryFinished {
        id: u64,
    },
    /// A Kinesis stream created or changed (the whole stream, at its new revision).
    KinesisStreamSaved(StreamRecord),
    /// A Kinesis stream removed with its consumers (only the incarnation created then).
    KinesisStreamRemoved {
        region: String,
        account_id: String,
        name: String,
        created_at_ms: u64,
    },
    /// A Kinesis consumer registered or changed.
    KinesisConsumerSaved(ConsumerRecord),
    /// A Kinesis consumer removed.
    KinesisConsumerRemoved {
        region: String,
        account_id: String,
        stream_name: String,
        name: String,
    },
    /// An account's Kinesis settings.
    KinesisAccountSaved {
        region: String,
        account_id: String,
        minimum_throughput_billing_commitment: Option<String>,
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

#[cfg(test)]
mod tests {
    //! The message layout in memory is free to change; its encoding is not. These tests
    //! keep a copy of the layout journals were written with (derived serde, flat fields)
    //! and check that both encode to the same bytes and decode into each other.

    use std::sync::Arc;

    use serde::{Deserialize, Serialize};
    use sluice_core::sqs::api::{Blob, MessageAttributeValue};
    use sluice_core::sqs::queue::{MessageContent, MessageFields, MessageState, Phase};

    use super::Record;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct OldAttribute {
        string_value: Option<String>,
        binary_value: Option<Vec<u8>>,
        string_list_values: Option<Vec<String>>,
        binary_list_values: Option<Vec<Vec<u8>>>,
        data_type: String,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct OldContent {
        message_id: u128,
        body: String,
        attributes: Vec<(String, OldAttribute)>,
        system_attributes: Vec<(String, OldAttribute)>,
        sender_id: String,
        sent_at_ms: u64,
        group_id: Option<String>,
        deduplication_id: Option<String>,
        sequence_number: Option<u128>,
        dead_letter_source_arn: Option<String>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    enum OldPhase {
        Delayed,
        Ready,
        InFlight,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct OldState {
        content: OldContent,
        phase: OldPhase,
        visible_at_ms: u64,
        receive_count: u32,
        first_receive_ms: Option<u64>,
        received_at_ms: u64,
        nonce: u32,
    }

    fn plain() -> OldState {
        OldState {
            content: OldContent {
                message_id: 0x0123_4567_89ab_cdef_0011_2233_4455_6677,
                body: "hello".into(),
                attributes: vec![],
                system_attributes: vec![],
                sender_id: "000000000000".into(),
                sent_at_ms: 1_700_000_000_000,
                group_id: None,
                deduplication_id: None,
                sequence_number: None,
                dead_letter_source_arn: None,
            },
            phase: OldPhase::Ready,
            visible_at_ms: 1_700_000_000_000,
            receive_count: 0,
            first_receive_ms: None,
            received_at_ms: 0,
            nonce: 0,
        }
    }

    fn rich() -> OldState {
        let attribute = |s: &str| OldAttribute {
            string_value: Some(s.into()),
            binary_value: Some(vec![0, 255]),
            string_list_values: Some(vec!["l".into()]),
            binary_list_values: Some(vec![vec![1], vec![]]),
            data_type: "String".into(),
        };
        let mut state = plain();
        let c = &mut state.content;
        c.attributes = vec![("a".into(), attribute("x")), ("b".into(), attribute("y"))];
        c.system_attributes = vec![("AWSTraceHeader".into(), attribute("Root=1"))];
        c.group_id = Some("group".into());
        c.deduplication_id = Some("dedup".into());
        c.sequence_number = Some(u128::MAX - 1);
        c.dead_letter_source_arn = Some("arn:aws:sqs:us-east-1:000000000000:src".into());
        state.phase = OldPhase::InFlight;
        state.receive_count = 3;
        state.first_receive_ms = Some(1_700_000_000_005);
        state.received_at_ms = 1_700_000_000_009;
        state.nonce = 7;
        state
    }

    #[test]
    fn message_states_keep_the_layout_journals_were_written_with() {
        for old in [plain(), rich()] {
            let old_bytes = postcard::to_stdvec(&old).unwrap();
            let new: MessageState = postcard::from_bytes(&old_bytes).unwrap();
            assert_eq!(postcard::to_stdvec(&new).unwrap(), old_bytes);
            let back: OldState = postcard::from_bytes(&postcard::to_stdvec(&new).unwrap()).unwrap();
            assert_eq!(back, old);

            // The decoded state means what the old one said, field by field.
            let c = &new.content;
            assert_eq!(c.message_id(), old.content.message_id);
            assert_eq!(c.body(), old.content.body);
            assert_eq!(c.sender_id(), old.content.sender_id);
            assert_eq!(c.sent_at_ms(), old.content.sent_at_ms);
            assert_eq!(c.group_id(), old.content.group_id.as_deref());
            assert_eq!(
                c.deduplication_id(),
                old.content.deduplication_id.as_deref()
            );
            assert_eq!(c.sequence_number(), old.content.sequence_number);
            assert_eq!(
                c.dead_letter_source_arn(),
                old.content.dead_letter_source_arn.as_deref()
            );
            assert_eq!(c.attributes().len(), old.content.attributes.len());
            for (name, a) in &old.content.attributes {
                let v = c.attributes().get(name).expect("attribute kept");
                assert_eq!(v.string_value, a.string_value);
                assert_eq!(
                    v.binary_value.as_ref().map(|b| &b.0),
                    a.binary_value.as_ref()
                );
                assert_eq!(v.data_type, a.data_type);
            }
            assert_eq!(
                c.system_attributes()
                    .iter()
                    .map(|(k, _)| k)
                    .collect::<Vec<_>>(),
                old.content
                    .system_attributes
                    .iter()
                    .map(|(k, _)| k)
                    .collect::<Vec<_>>()
            );
            assert_eq!(new.receive_count, old.receive_count);
            assert_eq!(new.first_receive_ms(), old.first_receive_ms);
            assert_eq!(new.received_at_ms, old.received_at_ms);
            assert_eq!(new.visible_at_ms, old.visible_at_ms);
            assert_eq!(new.nonce, old.nonce);
            assert_eq!(
                new.phase,
                match old.phase {
                    OldPhase::Delayed => Phase::Delayed,
                    OldPhase::Ready => Phase::Ready,
                    OldPhase::InFlight => Phase::InFlight,
                }
            );

            // A `Sent` record is its variant, queue and sequence number, then the state
            // exactly as the old layout encoded it (small numbers are one byte each).
            let record = Record::Sent {
                queue: 3,
                seq: 9,
                state: new,
            };
            assert_eq!(record.encode(), [&[5u8, 3, 9][..], &old_bytes].concat());
        }
    }

    #[test]
    fn states_built_in_memory_encode_as_the_old_layout() {
        let old = rich();
        let attribute = |s: &str| MessageAttributeValue {
            string_value: Some(s.into()),
            binary_value: Some(Blob(vec![0, 255])),
            string_list_values: Some(vec!["l".into()]),
            binary_list_values: Some(vec![Blob(vec![1]), Blob(vec![])]),
            data_type: "String".into(),
        };
        let o = &old.content;
        let content = MessageContent::from(MessageFields {
            message_id: o.message_id,
            body: o.body.clone(),
            attributes: [("a".into(), attribute("x")), ("b".into(), attribute("y"))].into(),
            system_attributes: [("AWSTraceHeader".into(), attribute("Root=1"))].into(),
            sender_id: o.sender_id.clone(),
            sent_at_ms: o.sent_at_ms,
            group_id: o.group_id.clone(),
            deduplication_id: o.deduplication_id.clone(),
            sequence_number: o.sequence_number,
            dead_letter_source_arn: o.dead_letter_source_arn.clone(),
        });
        let mut state = MessageState::new(Arc::new(content), old.visible_at_ms, 0);
        state.phase = Phase::InFlight;
        state.receive_count = old.receive_count;
        state.set_first_receive_ms(old.first_receive_ms);
        state.received_at_ms = old.received_at_ms;
        state.nonce = old.nonce;
        assert_eq!(
            postcard::to_stdvec(&state).unwrap(),
            postcard::to_stdvec(&old).unwrap()
        );
    }

    #[test]
    fn variants_keep_their_positions() {
        // postcard writes the variant's position first: these numbers are on disk.
        assert_eq!(Record::Reset.encode()[0], 16);
        assert_eq!(Record::DeliveryFinished { id: 1 }.encode()[0], 24);
        let text = || String::from("x");
        let stream = super::StreamRecord {
            region: text(),
            account_id: text(),
            name: text(),
            created_at_ms: 1,
            revision: 1,
            lifecycle_json: text(),
            settings_json: text(),
            shards_json: text(),
            tags: vec![],
            policy: None,
        };
        assert_eq!(Record::KinesisStreamSaved(stream).encode()[0], 25);
        let removed = Record::KinesisStreamRemoved {
            region: text(),
            account_id: text(),
            name: text(),
            created_at_ms: 1,
        };
        assert_eq!(removed.encode()[0], 26);
        let consumer = super::ConsumerRecord {
            region: text(),
            account_id: text(),
            stream_name: text(),
            name: text(),
            created_at_s: 1,
            stream_created_at_ms: 1,
            lifecycle_json: text(),
            created_at_ms: 1,
            tags: vec![],
            policy: None,
        };
        assert_eq!(Record::KinesisConsumerSaved(consumer).encode()[0], 27);
        let removed = Record::KinesisConsumerRemoved {
            region: text(),
            account_id: text(),
            stream_name: text(),
            name: text(),
        };
        assert_eq!(removed.encode()[0], 28);
        let account = Record::KinesisAccountSaved {
            region: text(),
            account_id: text(),
            minimum_throughput_billing_commitment: None,
        };
        assert_eq!(account.encode()[0], 29);
    }
}
