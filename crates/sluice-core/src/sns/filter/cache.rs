//! Parsed filter policies, kept by their text and scope so a publish does not parse
//! each subscription's policy again. A changed policy is another text, so another
//! entry; the cache is bounded by starting over.

use std::collections::HashMap;
use std::sync::Arc;

use super::{FilterPolicy, FilterScope};

/// How many parsed policies are kept (per scope) before the cache starts over.
pub const FILTER_CACHE_MAX_ENTRIES: usize = 10_000;

type Parsed = HashMap<String, Option<Arc<FilterPolicy>>>;

#[derive(Debug, Default)]
pub struct FilterCache {
    /// One map per scope: the same text means another policy under the other scope.
    attributes: parking_lot::Mutex<Parsed>,
    body: parking_lot::Mutex<Parsed>,
}

impl FilterCache {
    /// The parsed form of a stored policy; `None` for one that no longer parses (it was
    /// validated when set), which lets nothing through.
    pub fn get(&self, text: &str, scope: FilterScope) -> Option<Arc<FilterPolicy>> {
        let mut parsed = match scope {
            FilterScope::MessageAttributes => self.attributes.lock(),
            FilterScope::MessageBody => self.body.lock(),
        };
        if let Some(policy) = parsed.get(text) {
            return policy.clone();
        }
        let policy = FilterPolicy::parse(text, scope).ok().map(Arc::new);
        if parsed.len() >= FILTER_CACHE_MAX_ENTRIES {
            parsed.clear();
        }
        parsed.insert(text.to_owned(), policy.clone());
        policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_parsed_once_per_text_and_scope() {
        let cache = FilterCache::default();
        let text = r#"{"a":["x"]}"#;
        let first = cache.get(text, FilterScope::MessageAttributes).unwrap();
        let again = cache.get(text, FilterScope::MessageAttributes).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let body = cache.get(text, FilterScope::MessageBody).unwrap();
        assert_eq!(body.scope(), FilterScope::MessageBody);
        assert!(cache.get("not json", FilterScope::MessageBody).is_none());
    }
}
