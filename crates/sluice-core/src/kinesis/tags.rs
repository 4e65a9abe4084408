//! Tags of streams and consumers: AddTagsToStream/TagResource and their removal
//! counterparts, checked as AWS checks them.

use super::error::{KinesisError, KinesisResult, Violation};
use super::limits::{
    RESERVED_TAG_PREFIX, TAGS_PER_ADD_MAX, TAGS_PER_STREAM_MAX, TAG_KEYS_PER_REMOVE_MAX,
    TAG_KEY_MAX_CHARS, TAG_VALUE_MAX_CHARS,
};
use crate::sqs::api::TagMap;

/// Whether a character may appear in a tag key or value: Unicode letters and digits, white
/// space and `_ . / = + - % @` (AWS's list in its error text).
fn tag_char_ok(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_./=+-%@".contains(c)
}

/// The tags `adding` would give a resource that has `existing`, checked with AWS's texts
/// (InvalidArgumentException): lengths (model), characters ("Some tags contain invalid
/// characters. ..."), the reserved `aws:` prefix (Sluice's text, inferred), at most 50 in
/// one call and 50 on the resource ("Failed to add tags to stream N under account A
/// because a given stream cannot have more than 50 tags associated with it.").
pub fn add_tags(
    existing: &TagMap,
    adding: &TagMap,
    stream_name: &str,
    account_id: &str,
) -> KinesisResult<TagMap> {
    // The model's TagMap has at least one entry.
    if adding.is_empty() {
        return Err(KinesisError::validation(
            "{}",
            "tags",
            "have length greater than or equal to 1",
        ));
    }
    if adding.len() > TAGS_PER_ADD_MAX {
        return Err(KinesisError::validation(
            &format!("{{{} tags}}", adding.len()),
            "tags",
            &format!("have length less than or equal to {TAGS_PER_ADD_MAX}"),
        ));
    }
    let shown = || format!("{adding:?}");
    for (key, value) in adding {
        let key_len = key.chars().count();
        if key_len == 0 || key_len > TAG_KEY_MAX_CHARS {
            return Err(KinesisError::validations(&[Violation::raw(
                &shown(),
                "tags",
                &format!(
                    "Map keys must satisfy constraint: [Member must have length less than or \
                     equal to {TAG_KEY_MAX_CHARS}, Member must have length greater than or equal \
                     to 1]"
                ),
            )]));
        }
        if value.chars().count() > TAG_VALUE_MAX_CHARS {
            return Err(KinesisError::validations(&[Violation::raw(
                &shown(),
                "tags",
                &format!(
                    "Map value must satisfy constraint: [Member must have length less than or \
                     equal to {TAG_VALUE_MAX_CHARS}, Member must have length greater than or \
                     equal to 0]"
                ),
            )]));
        }
        if !key.chars().chain(value.chars()).all(tag_char_ok) {
            return Err(KinesisError::invalid_argument(
                "Some tags contain invalid characters. Valid characters: Unicode letters, digits, \
                 white space, _ . / = + - % @.",
            ));
        }
        if key.starts_with(RESERVED_TAG_PREFIX) {
            return Err(KinesisError::invalid_argument(format!(
                "Tag keys may not begin with the reserved prefix {RESERVED_TAG_PREFIX}"
            )));
        }
    }
    let mut tags = existing.clone();
    tags.extend(adding.iter().map(|(k, v)| (k.clone(), v.clone())));
    if tags.len() > TAGS_PER_STREAM_MAX {
        return Err(KinesisError::invalid_argument(format!(
            "Failed to add tags to stream {stream_name} under account {account_id} because a \
             given stream cannot have more than {TAGS_PER_STREAM_MAX} tags associated with it."
        )));
    }
    Ok(tags)
}

/// The tags left after removing `keys` (1 to 50 of them, model; keys not present are
/// ignored, as AWS ignores them).
pub fn remove_tags(existing: &TagMap, keys: &[String]) -> KinesisResult<TagMap> {
    if keys.is_empty() || keys.len() > TAG_KEYS_PER_REMOVE_MAX {
        return Err(KinesisError::validation(
            &format!("[{} keys]", keys.len()),
            "tagKeys",
            &format!("have length between 1 and {TAG_KEYS_PER_REMOVE_MAX}"),
        ));
    }
    let mut tags = existing.clone();
    for key in keys {
        tags.remove(key);
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::error::KinesisErrorKind;

    fn tags(pairs: &[(&str, &str)]) -> TagMap {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn adding_tags() {
        let t = add_tags(
            &TagMap::new(),
            &tags(&[("a", "1"), ("ü0 _./=+-@", "")]),
            "s",
            "1",
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        let t = add_tags(&t, &tags(&[("a", "2")]), "s", "1").unwrap();
        assert_eq!(t["a"], "2");
        let e = add_tags(&t, &tags(&[("b", "x*y")]), "s", "1").unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
        assert!(e
            .message
            .starts_with("Some tags contain invalid characters."));
        assert!(add_tags(&t, &tags(&[("aws:x", "1")]), "s", "1").is_err());
        let full: TagMap = (0..50).map(|i| (format!("k{i}"), String::new())).collect();
        let e = add_tags(&full, &tags(&[("one-more", "")]), "s", "000000000000").unwrap_err();
        assert_eq!(
            e.message,
            "Failed to add tags to stream s under account 000000000000 because a given stream \
             cannot have more than 50 tags associated with it."
        );
        assert!(add_tags(&full, &tags(&[("k3", "replaced")]), "s", "1").is_ok());
        let long_key = "k".repeat(129);
        let e = add_tags(&TagMap::new(), &tags(&[(&long_key, "")]), "s", "1").unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::Validation);
        assert!(e.message.contains("at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128"), "{}", e.message);
        let too_many: TagMap = (0..51).map(|i| (format!("n{i}"), String::new())).collect();
        assert_eq!(
            add_tags(&TagMap::new(), &too_many, "s", "1")
                .unwrap_err()
                .kind,
            KinesisErrorKind::Validation
        );
        let e = add_tags(&t, &TagMap::new(), "s", "1").unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: \
             Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn removing_tags() {
        let t = tags(&[("a", "1"), ("b", "2")]);
        assert_eq!(
            remove_tags(&t, &["a".into(), "zz".into()]).unwrap(),
            tags(&[("b", "2")])
        );
        assert!(remove_tags(&t, &[]).is_err());
    }
}
