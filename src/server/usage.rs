//! Usage records without slowing the token endpoint: each token only notes,
//! in memory, which secret got it, when and from where; a task writes what
//! was noted in one write every few seconds (and once more on a graceful
//! shutdown). A killed server loses at most one interval of usage.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{ClientId, SecretUsage};
use crate::registry::Registry;

/// How often usage is written unless configured (`usage_flush_seconds`).
pub const DEFAULT_FLUSH_EVERY: Duration = crate::config::DEFAULT_USAGE_FLUSH;

/// Clients held between two writes: a bound on memory for a server asked by
/// very many clients (uses by further clients go unrecorded until the next write).
const MAX_PENDING: usize = 100_000;

/// Client, then secret ID, to the last use: nested so that a client seen
/// since the last write is found without allocating a key.
type Pending = HashMap<ClientId, HashMap<String, (DateTime<Utc>, Option<IpAddr>)>>;

/// The uses noted since the last write; the latest per secret wins.
#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<Pending>,
}

impl UsageRecorder {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // Every change is one insert or one swap: a poisoned map is whole.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes that `secret_id` of `client_id` got a token now, from `from`.
    pub fn note(&self, client_id: &ClientId, secret_id: &str, from: Option<IpAddr>) {
        let now = Utc::now();
        let mut pending = self.lock();
        if let Some(slot) = pending
            .get_mut(client_id)
            .and_then(|secrets| secrets.get_mut(secret_id))
        {
            *slot = (now, from);
            return;
        }
        if pending.len() >= MAX_PENDING {
            // Full until the next write: this use is not recorded.
            return;
        }
        pending
            .entry(client_id.clone())
            .or_default()
            .insert(secret_id.to_owned(), (now, from));
    }

    /// Everything noted so far, leaving nothing behind.
    pub fn take(&self) -> Vec<SecretUsage> {
        let pending = std::mem::take(&mut *self.lock());
        pending
            .into_iter()
            .flat_map(|(client_id, secrets)| {
                secrets
                    .into_iter()
                    .map(move |(secret_id, (at, from))| SecretUsage {
                        client_id: client_id.clone(),
                        secret_id,
                        at,
                        from: from.map(|a| a.to_string()),
                    })
            })
            .collect()
    }

    /// Writes what was noted, in one write. On failure the uses are kept
    /// for the next try (unless newer ones replaced them).
    pub async fn flush(&self, registry: &dyn Registry) {
        let batch = self.take();
        if batch.is_empty() {
            return;
        }
        let count = batch.len();
        if let Err(e) = registry.record_usage(batch.clone()).await {
            tracing::warn!(error = %e, count, "could not record secret usage; will retry");
            let mut pending = self.lock();
            for u in batch {
                let from = u.from.as_deref().and_then(|a| a.parse().ok());
                pending
                    .entry(u.client_id)
                    .or_default()
                    .entry(u.secret_id)
                    .or_insert((u.at, from));
            }
        }
    }
}

/// Writes usage every `every` until the returned handle is aborted.
pub fn spawn_flusher(
    recorder: Arc<UsageRecorder>,
    registry: Arc<dyn Registry>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            recorder.flush(registry.as_ref()).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_use_per_secret_wins_and_take_empties() {
        let r = UsageRecorder::default();
        let (a, b) = (ClientId::generate(), ClientId::generate());
        let first: IpAddr = "10.0.0.1".parse().unwrap();
        let second: IpAddr = "10.0.0.2".parse().unwrap();
        r.note(&a, "AAAAAAAA", Some(first));
        r.note(&a, "AAAAAAAA", Some(second));
        r.note(&a, "BBBBBBBB", None);
        r.note(&b, "CCCCCCCC", Some(first));
        let mut taken = r.take();
        taken.sort_by(|x, y| x.secret_id.cmp(&y.secret_id));
        assert_eq!(taken.len(), 3);
        assert_eq!(taken[0].from.as_deref(), Some("10.0.0.2"), "the later use");
        assert_eq!(taken[1].from, None);
        assert_eq!(taken[2].client_id, b);
        assert!(r.take().is_empty(), "taken once");
    }

    #[test]
    fn the_pending_map_is_bounded() {
        let r = UsageRecorder::default();
        for _ in 0..MAX_PENDING + 10 {
            r.note(&ClientId::generate(), "AAAAAAAA", None);
        }
        assert_eq!(r.take().len(), MAX_PENDING);
    }
}
