//! Throttling failed client authentication.
//!
//! Secrets are ~285 random bits, so guessing one is hopeless either way; the
//! throttle keeps a misconfigured or hostile client from turning the token
//! endpoint into a stream of failures (database reads, log lines). After
//! `client_failures` failures for one client ID, or `address_failures` from one
//! address, within `window`, further attempts get 429 with `Retry-After`
//! without being evaluated. Other clients and addresses are unaffected.
//!
//! The server checks the address limit before evaluating a request, and the
//! client limit only after the secret turned out wrong: the current secret
//! always passes its client's limit (it is what the throttle must never keep
//! out), and failures with one of the client's previous secrets (old pods after
//! a reset) are not counted at all; see `server::token::authenticate`.
//!
//! Windows are fixed: they start at the first failure and end `window` later.
//! Memory is bounded: each table keeps at most [`MAX_TRACKED`] keys; when full,
//! expired entries are dropped, and a new key that still finds no room is not
//! tracked (the address limit still applies to it).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use crate::config::ThrottleSettings;

/// Most keys one table tracks.
pub const MAX_TRACKED: usize = 100_000;

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

struct Table<K> {
    limit: u32,
    windows: Mutex<HashMap<K, Window>>,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(limit: u32) -> Self {
        Table {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// How long `key` must wait, if it is over its limit now.
    fn blocked<Q>(&self, key: &Q, window: Duration, now: Instant) -> Option<Duration>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.limit == 0 {
            return None;
        }
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let w = windows.get(key)?;
        let ends = w.started + window;
        (w.failures >= self.limit && now < ends).then(|| ends - now)
    }

    /// Failures of `key` in its current window.
    fn failures<Q>(&self, key: &Q, window: Duration, now: Instant) -> u32
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows
            .get(key)
            .filter(|w| now < w.started + window)
            .map_or(0, |w| w.failures)
    }

    fn record(&self, key: K, window: Duration, now: Instant) {
        if self.limit == 0 {
            return;
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = windows.get_mut(&key) {
            if now >= w.started + window {
                *w = Window {
                    started: now,
                    failures: 1,
                };
            } else {
                w.failures = w.failures.saturating_add(1);
            }
            return;
        }
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, w| now < w.started + window);
            if windows.len() >= MAX_TRACKED {
                return;
            }
        }
        windows.insert(
            key,
            Window {
                started: now,
                failures: 1,
            },
        );
    }
}

pub struct Throttle {
    window: Duration,
    clients: Table<String>,
    addresses: Table<IpAddr>,
}

impl Throttle {
    pub fn new(settings: ThrottleSettings) -> Self {
        Throttle {
            window: settings.window,
            clients: Table::new(settings.client_failures),
            addresses: Table::new(settings.address_failures),
        }
    }

    /// `Some(wait)` if this client ID or address must wait before trying again.
    pub fn check(&self, client_id: &str, addr: Option<IpAddr>, now: Instant) -> Option<Duration> {
        self.client_blocked(client_id, now)
            .max(self.address_blocked(addr, now))
    }

    /// `Some(wait)` if this client ID is over its limit.
    pub fn client_blocked(&self, client_id: &str, now: Instant) -> Option<Duration> {
        self.clients.blocked(client_id, self.window, now)
    }

    /// `Some(wait)` if this address is over its limit.
    pub fn address_blocked(&self, addr: Option<IpAddr>, now: Instant) -> Option<Duration> {
        addr.and_then(|a| self.addresses.blocked(&a, self.window, now))
    }

    /// The failures counted so far in the current windows of this client ID
    /// and of this address (for the log).
    pub fn failures(&self, client_id: &str, addr: Option<IpAddr>, now: Instant) -> (u32, u32) {
        (
            self.clients.failures(client_id, self.window, now),
            addr.map_or(0, |a| self.addresses.failures(&a, self.window, now)),
        )
    }

    pub fn record_failure(&self, client_id: &str, addr: Option<IpAddr>, now: Instant) {
        self.clients.record(client_id.to_owned(), self.window, now);
        if let Some(a) = addr {
            self.addresses.record(a, self.window, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(client: u32, address: u32) -> Throttle {
        Throttle::new(ThrottleSettings {
            client_failures: client,
            address_failures: address,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn a_client_is_blocked_after_its_limit_and_others_are_not() {
        let t = throttle(3, 0);
        let now = Instant::now();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(t.check("a", Some(ip), now).is_none());
            t.record_failure("a", Some(ip), now);
        }
        let wait = t
            .check("a", Some(ip), now + Duration::from_secs(10))
            .unwrap();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(
            t.check("b", Some(ip), now).is_none(),
            "another client is unaffected"
        );
        assert_eq!(t.failures("a", Some(ip), now), (3, 0), "address limit off");
        assert!(
            t.check("a", Some(ip), now + Duration::from_secs(60))
                .is_none(),
            "the window ends"
        );
    }

    #[test]
    fn an_address_is_blocked_across_client_ids() {
        let t = throttle(0, 5);
        let now = Instant::now();
        let bad: IpAddr = "127.0.0.2".parse().unwrap();
        let good: IpAddr = "127.0.0.3".parse().unwrap();
        for i in 0..5 {
            t.record_failure(&format!("guess{i}"), Some(bad), now);
        }
        assert!(t.check("fresh", Some(bad), now).is_some());
        assert!(t.check("fresh", Some(good), now).is_none());
    }

    #[test]
    fn a_new_window_starts_after_the_old_one_ends() {
        let t = throttle(2, 0);
        let now = Instant::now();
        t.record_failure("a", None, now);
        t.record_failure("a", None, now + Duration::from_secs(61));
        assert!(
            t.check("a", None, now + Duration::from_secs(62)).is_none(),
            "1 failure in the new window"
        );
    }

    #[test]
    fn tables_stay_bounded() {
        let t = throttle(1, 0);
        let now = Instant::now();
        for i in 0..(MAX_TRACKED + 10) {
            t.record_failure(&i.to_string(), None, now);
        }
        assert_eq!(t.clients.windows.lock().unwrap().len(), MAX_TRACKED);
        // Once those windows expire, room is made again.
        t.record_failure("late", None, now + Duration::from_secs(61));
        assert!(
            t.check("late", None, now + Duration::from_secs(61))
                .is_some()
        );
    }
}
