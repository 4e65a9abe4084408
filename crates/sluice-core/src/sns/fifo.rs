//! FIFO topics, the pure part: what a publish to a FIFO topic must carry (a message
//! group, and a deduplication id given or derived from the body), the deduplication
//! scope FifoThroughputScope selects, and the shape of sequence numbers. Which ids are
//! inside the five-minute window is the store's (`TopicStore::admit_fifo_publish`);
//! keeping each group's order while fanning out is the service's.

use sha2::{Digest, Sha256};

use super::error::{SnsError, SnsResult};
use super::limits::MESSAGE_DEDUPLICATION_ID_MAX_CHARS;
use super::topic_attributes::TopicAttributes;
use crate::clock::EpochMs;

/// How long a deduplication id keeps a later publish with the same id from being
/// delivered: AWS's five minutes.
pub const DEDUPLICATION_WINDOW_MS: EpochMs = 5 * 60 * 1000;

/// Sequence numbers are at least this many per millisecond of the publish time, so they
/// keep increasing across restarts even when the window that remembers the last one has
/// passed; the result is a 20-digit decimal, as AWS's are.
const SEQUENCE_NUMBERS_PER_MS: u128 = 10_000_000;

/// What a publish to a FIFO topic is deduplicated and ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FifoStamp {
    pub group_id: String,
    pub deduplication_id: String,
    /// The part of the deduplication key FifoThroughputScope adds: the group under
    /// `MessageGroup`, empty under `Topic` (the default).
    pub scope: String,
}

/// The FIFO fields of a publish to a FIFO topic, checked as AWS checks them.
pub fn stamp(
    attributes: &TopicAttributes,
    message: &str,
    group_id: Option<&str>,
    deduplication_id: Option<&str>,
) -> SnsResult<FifoStamp> {
    let group_id = group_id.filter(|g| !g.is_empty()).ok_or_else(|| {
        SnsError::invalid_parameter("The MessageGroupId parameter is required for FIFO topics")
    })?;
    let deduplication_id = match deduplication_id {
        Some(id) => {
            check_deduplication_id(id)?;
            id.to_owned()
        }
        None if attributes.content_based_deduplication => content_deduplication_id(message),
        None => {
            return Err(SnsError::invalid_parameter(
                "The topic should either have ContentBasedDeduplication enabled or \
                 MessageDeduplicationId provided explicitly",
            ))
        }
    };
    let scope = if attributes.fifo_throughput_scope.as_deref() == Some("MessageGroup") {
        group_id.to_owned()
    } else {
        String::new()
    };
    Ok(FifoStamp {
        group_id: group_id.to_owned(),
        deduplication_id,
        scope,
    })
}

/// A publish to a standard topic may not carry a deduplication id.
pub fn refuse_deduplication_id(deduplication_id: Option<&str>) -> SnsResult<()> {
    match deduplication_id {
        Some(_) => Err(SnsError::invalid_parameter(
            "MessageDeduplicationId Reason: The request includes MessageDeduplicationId \
             parameter that is not valid for this topic type",
        )),
        None => Ok(()),
    }
}

/// 1 to 128 characters of ASCII letters, digits and punctuation.
fn check_deduplication_id(id: &str) -> SnsResult<()> {
    let valid = (1..=MESSAGE_DEDUPLICATION_ID_MAX_CHARS).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(())
    } else {
        Err(SnsError::invalid_parameter("MessageDeduplicationId"))
    }
}

/// Content-based deduplication: the SHA-256 of the body, in hex (attributes are not
/// part of it).
pub fn content_deduplication_id(message: &str) -> String {
    hex::encode(Sha256::digest(message.as_bytes()))
}

/// The sequence number after `last` for a publish at `now`: one more than the last, and
/// never below the floor the publish time sets.
pub fn next_sequence_number(last: Option<u128>, now: EpochMs) -> u128 {
    let floor = u128::from(now) * SEQUENCE_NUMBERS_PER_MS;
    last.map_or(floor, |l| (l + 1).max(floor))
}

/// A sequence number as the API and the envelope write it.
pub fn sequence_number_text(n: u128) -> String {
    format!("{n:020}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sns::topic_attributes::SetBy;

    fn fifo(content_based: bool, scope: Option<&str>) -> TopicAttributes {
        let mut a = TopicAttributes::defaults(true);
        if content_based {
            a.set(SetBy::CreateTopic, "ContentBasedDeduplication", "true")
                .unwrap();
        }
        if let Some(scope) = scope {
            a.set(SetBy::CreateTopic, "FifoThroughputScope", scope)
                .unwrap();
        }
        a
    }

    #[test]
    fn a_group_is_required_and_an_id_unless_content_based() {
        let e = stamp(&fifo(false, None), "m", None, Some("d")).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
        );
        let e = stamp(&fifo(false, None), "m", Some("g"), None).unwrap_err();
        assert!(
            e.message.contains("ContentBasedDeduplication enabled"),
            "{e}"
        );
        let s = stamp(&fifo(true, None), "m", Some("g"), None).unwrap();
        assert_eq!(s.deduplication_id, content_deduplication_id("m"));
        assert_eq!(s.deduplication_id.len(), 64);
        let s = stamp(&fifo(true, None), "m", Some("g"), Some("mine")).unwrap();
        assert_eq!(s.deduplication_id, "mine", "an explicit id wins");
    }

    #[test]
    fn the_scope_follows_fifo_throughput_scope() {
        let topic = stamp(&fifo(true, Some("Topic")), "m", Some("g"), None).unwrap();
        assert_eq!(topic.scope, "");
        let group = stamp(&fifo(true, Some("MessageGroup")), "m", Some("g"), None).unwrap();
        assert_eq!(group.scope, "g");
        assert_eq!(
            stamp(&fifo(true, None), "m", Some("g"), None)
                .unwrap()
                .scope,
            ""
        );
    }

    #[test]
    fn deduplication_ids_are_checked() {
        let long = "x".repeat(MESSAGE_DEDUPLICATION_ID_MAX_CHARS + 1);
        for bad in ["", "has space", "é", long.as_str()] {
            let e = stamp(&fifo(false, None), "m", Some("g"), Some(bad)).unwrap_err();
            assert_eq!(
                e.message, "Invalid parameter: MessageDeduplicationId",
                "{bad:?}"
            );
        }
        let max = "x".repeat(MESSAGE_DEDUPLICATION_ID_MAX_CHARS);
        assert!(stamp(&fifo(false, None), "m", Some("g"), Some(&max)).is_ok());
        assert!(stamp(
            &fifo(false, None),
            "m",
            Some("g"),
            Some("!#$%&'()*+,-./:;<=>?@[]^_`{|}~")
        )
        .is_ok());
        assert!(refuse_deduplication_id(Some("d")).is_err());
        assert!(refuse_deduplication_id(None).is_ok());
    }

    #[test]
    fn sequence_numbers_increase_and_are_twenty_digits() {
        let now = 1_765_000_000_000;
        let first = next_sequence_number(None, now);
        let second = next_sequence_number(Some(first), now);
        assert!(second > first);
        // After a restart that forgot the last one, a later time still gives a larger one.
        let later = next_sequence_number(None, now + 1);
        assert!(later > second);
        assert_eq!(sequence_number_text(first).len(), 20);
        assert!(sequence_number_text(first) < sequence_number_text(later));
        assert_eq!(sequence_number_text(7), "00000000000000000007");
    }
}
