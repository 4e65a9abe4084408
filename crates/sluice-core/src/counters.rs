//! Counters kept per resource (queue, topic, shard), found by key: made on first use
//! under a write lock, found afterwards under a read lock, so counting on a request's path
//! is a hash lookup and atomic adds. In memory only: a restart starts them again from
//! zero, as a Prometheus counter may.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use parking_lot::RwLock;

/// Each key's counters (`C`, a struct of atomics).
#[derive(Debug)]
pub struct CountersByKey<K, C> {
    map: RwLock<HashMap<K, Arc<C>>>,
}

impl<K, C> Default for CountersByKey<K, C> {
    fn default() -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, C: Default> CountersByKey<K, C> {
    /// The counters of `key`, made on first use.
    pub fn of(&self, key: &K) -> Arc<C> {
        if let Some(c) = self.map.read().get(key) {
            return c.clone();
        }
        self.map.write().entry(key.clone()).or_default().clone()
    }

    /// The counters of `key`, if it has any.
    pub fn get(&self, key: &K) -> Option<Arc<C>> {
        self.map.read().get(key).cloned()
    }

    /// Drops `key`'s counters (a resource made again under its name starts anew).
    pub fn forget(&self, key: &K) {
        self.map.write().remove(key);
    }

    /// Drops the counters of every key `drop` picks.
    pub fn forget_where(&self, drop: impl Fn(&K) -> bool) {
        self.map.write().retain(|k, _| !drop(k));
    }

    /// Every key with what `read` makes of its counters now.
    pub fn snapshot<R>(&self, read: impl Fn(&C) -> R) -> Vec<(K, R)> {
        self.map
            .read()
            .iter()
            .map(|(k, c)| (k.clone(), read(c)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[derive(Debug, Default)]
    struct Hits(AtomicU64);

    #[test]
    fn counters_are_made_once_per_key_and_can_be_forgotten() {
        let counters = CountersByKey::<(&str, u32), Hits>::default();
        counters.of(&("a", 1)).0.fetch_add(2, Ordering::Relaxed);
        counters.of(&("a", 1)).0.fetch_add(3, Ordering::Relaxed);
        counters.of(&("b", 1)).0.fetch_add(1, Ordering::Relaxed);
        assert!(counters.get(&("c", 1)).is_none());
        let mut seen = counters.snapshot(|h| h.0.load(Ordering::Relaxed));
        seen.sort();
        assert_eq!(seen, [(("a", 1), 5), (("b", 1), 1)]);
        counters.forget(&("a", 1));
        assert_eq!(counters.of(&("a", 1)).0.load(Ordering::Relaxed), 0);
        counters.forget_where(|k| k.0 == "b");
        assert!(counters.get(&("b", 1)).is_none());
    }
}
