//! One turn at a time per FIFO message group: a publish to a FIFO topic holds its
//! group's lane from admission until its deliveries are appended, so every subscribed
//! queue receives the group's messages in sequence-number order. Groups proceed in
//! parallel; a lane is dropped once nobody holds or waits for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::sns::TopicKey;

type Lane = Arc<tokio::sync::Mutex<()>>;

#[derive(Default)]
pub(super) struct FifoLanes {
    lanes: Mutex<HashMap<(TopicKey, String), Lane>>,
}

impl FifoLanes {
    /// The lane of `group` on `topic` (lock it to take the turn).
    pub fn lane(&self, topic: &TopicKey, group: &str) -> Lane {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        lanes
            .entry((topic.clone(), group.to_owned()))
            .or_default()
            .clone()
    }

    /// Hands a lane back once its turn is over; the last user removes it.
    pub fn release(&self, topic: &TopicKey, group: &str, lane: Lane) {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        // The map's reference and `lane`: nobody else holds or waits for it.
        if Arc::strong_count(&lane) == 2 {
            lanes.remove(&(topic.clone(), group.to_owned()));
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lanes.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_group_takes_turns_and_its_lane_goes_when_unused() {
        let lanes = FifoLanes::default();
        let t = TopicKey::new("us-east-1", "000000000000", "t.fifo");
        let a = lanes.lane(&t, "g");
        let turn = a.lock().await;
        let b = lanes.lane(&t, "g");
        assert!(Arc::ptr_eq(&a, &b), "one lane per group");
        assert!(b.try_lock().is_err(), "the second waits for the first");
        let other = lanes.lane(&t, "h");
        assert!(other.try_lock().is_ok(), "other groups do not wait");
        lanes.release(&t, "h", other);
        drop(turn);
        lanes.release(&t, "g", a);
        assert_eq!(lanes.len(), 1, "still wanted by the second");
        lanes.release(&t, "g", b);
        assert_eq!(lanes.len(), 0);
    }
}
