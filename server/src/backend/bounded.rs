//! A map bounded by the total weight of its values (bytes) and by its number of entries,
//! dropping the least recently used entries first. Every in-process cache uses one, so no
//! request pattern grows memory for good.

use std::borrow::Borrow;
use std::hash::Hash;

use lru::LruCache;

pub struct BoundedLru<K: Hash + Eq, V> {
    map: LruCache<K, (V, usize)>,
    weight: usize,
    max_weight: usize,
    max_entries: usize,
}

impl<K: Hash + Eq, V> BoundedLru<K, V> {
    /// At most `max_weight` in total and `max_entries` entries (each at least 1).
    pub fn new(max_weight: usize, max_entries: usize) -> Self {
        Self {
            map: LruCache::unbounded(),
            weight: 0,
            max_weight: max_weight.max(1),
            max_entries: max_entries.max(1),
        }
    }

    /// The value of `key`, marking it as recently used.
    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(key).map(|(v, _)| v)
    }

    /// The value of `key` for changing in place (its weight stays), marking it as recently used.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get_mut(key).map(|(v, _)| v)
    }

    /// The value of `key`, without marking it as used.
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.peek(key).map(|(v, _)| v)
    }

    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.contains(key)
    }

    /// Stores `value` with `weight`, then drops least recently used entries until both bounds
    /// hold again; returns what was dropped (not the replaced value of `key`). A value heavier
    /// than the whole bound is not stored (and an older value of `key` is removed).
    pub fn insert(&mut self, key: K, value: V, weight: usize) -> Vec<(K, V)> {
        if let Some((_, old)) = self.map.pop(&key) {
            self.weight -= old;
        }
        if weight > self.max_weight {
            return Vec::new();
        }
        self.weight += weight;
        self.map.put(key, (value, weight));
        let mut dropped = Vec::new();
        while self.weight > self.max_weight || self.map.len() > self.max_entries {
            let Some((k, (v, w))) = self.map.pop_lru() else {
                break;
            };
            self.weight -= w;
            dropped.push((k, v));
        }
        dropped
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (v, w) = self.map.pop(key)?;
        self.weight -= w;
        Some(v)
    }

    /// Keeps only the entries for which `keep` is true; returns the removed ones.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) -> Vec<(K, V)>
    where
        K: Clone,
    {
        let gone: Vec<K> = self
            .map
            .iter()
            .filter(|(k, (v, _))| !keep(k, v))
            .map(|(k, _)| k.clone())
            .collect();
        gone.into_iter()
            .filter_map(|k| {
                let v = self.remove(&k)?;
                Some((k, v))
            })
            .collect()
    }

    /// Every entry, most recently used first.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter().map(|(k, (v, _))| (k, v))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The total weight held.
    pub fn weight(&self) -> usize {
        self.weight
    }

    pub fn max_weight(&self) -> usize {
        self.max_weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_go_first_and_the_bounds_hold() {
        let mut m = BoundedLru::new(10, 100);
        assert!(m.insert("a", 1, 4).is_empty());
        assert!(m.insert("b", 2, 4).is_empty());
        assert_eq!(m.get("a"), Some(&1), "a is now the most recent");
        assert_eq!(m.insert("c", 3, 4), vec![("b", 2)]);
        assert_eq!(m.weight(), 8);
        assert_eq!(m.insert("a", 9, 2), Vec::new(), "replacing is not dropping");
        assert_eq!(m.weight(), 6);
        assert!(m.insert("huge", 0, 11).is_empty());
        assert!(!m.contains("huge"), "heavier than the bound: not kept");
        let mut few = BoundedLru::new(usize::MAX, 2);
        few.insert(1, (), 0);
        few.insert(2, (), 0);
        assert_eq!(few.insert(3, (), 0), vec![(1, ())]);
        assert_eq!(few.len(), 2);
        assert_eq!(few.retain(|k, _| *k == 3), vec![(2, ())]);
        assert_eq!(few.len(), 1);
    }
}
