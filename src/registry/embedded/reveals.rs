//! Plaintext secrets inside their window, in memory only.
//!
//! Each entry is removed (and so wiped, `ClientSecret` zeroizes on drop) by a
//! timer at `visible_until`, and is also refused by any read after that moment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;

use crate::model::{ClientId, SecretReveal};

#[derive(Clone, Default)]
pub struct RevealCache {
    entries: Arc<Mutex<HashMap<ClientId, SecretReveal>>>,
}

impl RevealCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<ClientId, SecretReveal>> {
        // A panic while holding the lock leaves the map consistent (every
        // operation is a single insert/remove), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `reveal` until its window closes, replacing an older one.
    pub fn insert(&self, reveal: SecretReveal) {
        let id = reveal.client_id.clone();
        let until = reveal.visible_until;
        self.lock().insert(id.clone(), reveal);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let cache = self.clone();
            handle.spawn(async move {
                let wait = (until - Utc::now()).to_std().unwrap_or_default();
                tokio::time::sleep(wait).await;
                let mut entries = cache.lock();
                if entries.get(&id).is_some_and(|r| r.visible_until == until) {
                    entries.remove(&id);
                }
            });
        }
    }

    /// The reveal of `id` if its window is still open.
    pub fn get(&self, id: &ClientId) -> Option<SecretReveal> {
        let mut entries = self.lock();
        match entries.get(id) {
            Some(r) if r.is_visible_at(Utc::now()) => Some(r.clone()),
            Some(_) => {
                entries.remove(id);
                None
            }
            None => None,
        }
    }

    pub fn remove(&self, id: &ClientId) {
        self.lock().remove(id);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClientSecret;

    #[tokio::test]
    async fn entries_vanish_when_the_window_closes() {
        let cache = RevealCache::default();
        let id = ClientId::generate();
        cache.insert(SecretReveal {
            client_id: id.clone(),
            secret: ClientSecret::generate(),
            visible_until: Utc::now() + chrono::Duration::milliseconds(150),
        });
        assert!(cache.get(&id).is_some());
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert_eq!(cache.len(), 0, "the timer removed the plaintext");
        assert!(cache.get(&id).is_none());
    }

    #[test]
    fn a_closed_window_is_never_returned() {
        let cache = RevealCache::default();
        let id = ClientId::generate();
        cache.insert(SecretReveal {
            client_id: id.clone(),
            secret: ClientSecret::generate(),
            visible_until: Utc::now() - chrono::Duration::seconds(1),
        });
        assert!(cache.get(&id).is_none());
        assert_eq!(cache.len(), 0);
    }
}
