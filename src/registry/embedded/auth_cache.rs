//! What the token endpoint last read about each client, kept only while the
//! data dir is unchanged.
//!
//! Every entry is tagged with the generation (see `generation.rs`) that was
//! current, and stable, before and after it was read; a lookup uses it only if
//! the generation is still that value. Any write from any process moves the
//! generation on before it commits, so a reset, a scope change or a delete
//! counts from the very next request, as without a cache.
//!
//! The stored secret hash is still checked on every request, in constant
//! time. Unknown client IDs are kept too, so a cached known ID and an unknown
//! one answer in the same time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::model::{Application, ClientId, Region};

/// Entries kept before the cache starts over: a bound on memory for a service
/// asked about many client IDs, known or not.
const MAX_ENTRIES: usize = 100_000;

/// A client as the store knows it: its current secret's hash and ID, its
/// retiring secret (whose deadline is checked on every request, cached or
/// not), and the application.
#[derive(Clone)]
pub struct KnownClient {
    pub secret_hash: Vec<u8>,
    pub retiring: Option<super::rotation::RetiringHash>,
    pub app: Application,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    len: usize,
    /// `None`: no such client in that region.
    by_region: HashMap<Region, HashMap<ClientId, Option<KnownClient>>>,
}

#[derive(Default)]
pub struct AuthCache {
    entries: Mutex<Entries>,
    /// Lookups answered here, and lookups that had to read the store; for
    /// `Registry::auth_cache_counts` (metrics). Relaxed: counts, not order.
    hits: AtomicU64,
    misses: AtomicU64,
}

impl AuthCache {
    fn lock(&self) -> MutexGuard<'_, Entries> {
        // Every change is a single clear or insert, so a poisoned lock still
        // holds a consistent map.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops everything kept.
    pub fn clear(&self) {
        *self.lock() = Entries::default();
    }

    /// What was read about `id` at `generation`, if anything was. The outer
    /// `None` means "not kept: read the store". Counts a hit or a miss.
    pub fn get(
        &self,
        generation: u64,
        region: &Region,
        id: &ClientId,
    ) -> Option<Option<KnownClient>> {
        let found = self.lookup(generation, region, id);
        self.count(found.is_some());
        found
    }

    fn lookup(
        &self,
        generation: u64,
        region: &Region,
        id: &ClientId,
    ) -> Option<Option<KnownClient>> {
        let entries = self.lock();
        if entries.generation != generation {
            return None;
        }
        entries.by_region.get(region)?.get(id).cloned()
    }

    /// Counts one lookup: answered here (`hit`) or by reading the store.
    pub fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// (hits, misses) since the cache was made.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Keeps what was read about `id` at `generation`. The caller has checked
    /// that the generation was stable across the read. Entries of an older
    /// generation are dropped; a read of an older generation than the kept
    /// ones (a slow reader) is not kept.
    pub fn put(&self, generation: u64, region: &Region, id: &ClientId, known: Option<KnownClient>) {
        let mut entries = self.lock();
        if generation < entries.generation {
            return;
        }
        if generation > entries.generation || entries.len >= MAX_ENTRIES {
            *entries = Entries {
                generation,
                ..Entries::default()
            };
        }
        let previous = entries
            .by_region
            .entry(region.clone())
            .or_default()
            .insert(id.clone(), known);
        if previous.is_none() {
            entries.len += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AppName;

    fn known(name: &str) -> KnownClient {
        let now = chrono::Utc::now();
        KnownClient {
            secret_hash: vec![1; 32],
            retiring: None,
            app: Application {
                client_id: ClientId::generate(),
                client_name: AppName::parse(name).unwrap(),
                region: Region::new("us").unwrap(),
                grants: Vec::new(),
                admin: false,
                created_at: now,
                updated_at: now,
                secret_issued_at: now,
                last_used_at: None,
                secrets: Vec::new(),
                lifecycle: Default::default(),
            },
        }
    }

    #[test]
    fn an_entry_is_used_only_at_the_generation_it_was_read() {
        let cache = AuthCache::default();
        let us = Region::new("us").unwrap();
        let id = ClientId::generate();
        cache.put(4, &us, &id, Some(known("A")));
        assert!(cache.get(4, &us, &id).unwrap().is_some());
        assert!(cache.get(6, &us, &id).is_none(), "a later generation");
        assert!(cache.get(2, &us, &id).is_none(), "an earlier generation");
        let eu = Region::new("eu").unwrap();
        assert!(cache.get(4, &eu, &id).is_none(), "another region");
    }

    #[test]
    fn a_newer_generation_starts_over_and_a_slow_older_read_is_not_kept() {
        let cache = AuthCache::default();
        let us = Region::new("us").unwrap();
        let (a, b) = (ClientId::generate(), ClientId::generate());
        cache.put(4, &us, &a, Some(known("A")));
        cache.put(6, &us, &b, None);
        assert!(cache.get(6, &us, &a).is_none());
        assert_eq!(cache.get(6, &us, &b).map(|k| k.is_none()), Some(true));
        cache.put(4, &us, &a, Some(known("A")));
        assert!(cache.get(6, &us, &a).is_none());
        assert!(cache.get(4, &us, &a).is_none());
    }

    #[test]
    fn hits_and_misses_are_counted() {
        let cache = AuthCache::default();
        let us = Region::new("us").unwrap();
        let id = ClientId::generate();
        assert!(cache.get(4, &us, &id).is_none());
        cache.put(4, &us, &id, None);
        assert!(cache.get(4, &us, &id).is_some());
        assert!(cache.get(4, &us, &id).is_some());
        assert!(cache.get(6, &us, &id).is_none(), "stale");
        cache.count(false);
        assert_eq!(cache.counts(), (2, 3));
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = AuthCache::default();
        let us = Region::new("us").unwrap();
        let first = ClientId::generate();
        cache.put(2, &us, &first, None);
        for _ in 0..MAX_ENTRIES {
            cache.put(2, &us, &ClientId::generate(), None);
        }
        assert!(cache.lock().len <= MAX_ENTRIES);
        assert!(
            cache.get(2, &us, &first).is_none(),
            "started over when full"
        );
    }
}
