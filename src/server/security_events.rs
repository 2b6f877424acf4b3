//! Security events of the token service for the audit log: a client ID or an
//! address starting to be throttled, and refused admin API calls (401/403).
//!
//! Without flooding: each (kind, subject) is recorded at most once per
//! window (the throttle's), however many requests follow, and the table of
//! subjects is bounded. Written off the request path (a spawned task), and
//! never for a token success.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::SharedState;
use crate::model::{AuditAction, NewAuditEvent};

/// Most subjects remembered; past it, expired ones are dropped, and a new
/// subject that still finds no room is not recorded (bounded memory and log).
pub const MAX_SUBJECTS: usize = 10_000;

pub struct SecurityEvents {
    window: Duration,
    recorded: Mutex<HashMap<String, Instant>>,
}

impl SecurityEvents {
    pub fn new(window: Duration) -> Self {
        SecurityEvents {
            window,
            recorded: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` was not recorded within the window; if so, notes it.
    fn first_in_window(&self, key: String, now: Instant) -> bool {
        let mut recorded = self.recorded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = recorded.get(&key)
            && now < *at + self.window
        {
            return false;
        }
        if recorded.len() >= MAX_SUBJECTS && !recorded.contains_key(&key) {
            let window = self.window;
            recorded.retain(|_, at| now < *at + window);
            if recorded.len() >= MAX_SUBJECTS {
                return false;
            }
        }
        recorded.insert(key, now);
        true
    }

    /// A client ID, or an address, refused by the throttle.
    pub fn throttled(
        &self,
        state: &SharedState,
        client_id: Option<&str>,
        address: Option<std::net::IpAddr>,
    ) {
        let (key, changes) = match (client_id, address) {
            (Some(id), _) => (
                format!("client {id}"),
                serde_json::json!({ "window_seconds": self.window.as_secs() }),
            ),
            (None, Some(addr)) => (
                format!("address {addr}"),
                serde_json::json!({ "address": addr.to_string(), "window_seconds": self.window.as_secs() }),
            ),
            (None, None) => return,
        };
        if !self.first_in_window(format!("throttled {key}"), Instant::now()) {
            return;
        }
        record(
            state,
            NewAuditEvent {
                at: chrono::Utc::now(),
                action: AuditAction::Throttled,
                client_id: client_id.map(str::to_owned),
                client_name: None,
                changes,
            },
        );
    }

    /// An admin API call refused with `status` (401 or 403).
    pub fn admin_denied(
        &self,
        state: &SharedState,
        address: Option<std::net::IpAddr>,
        status: u16,
        client_id: Option<&str>,
    ) {
        let addr = address.map(|a| a.to_string());
        let key = format!("admin_denied {status} {}", addr.as_deref().unwrap_or("-"));
        if !self.first_in_window(key, Instant::now()) {
            return;
        }
        record(
            state,
            NewAuditEvent {
                at: chrono::Utc::now(),
                action: AuditAction::AdminDenied,
                client_id: client_id.map(str::to_owned),
                client_name: None,
                changes: serde_json::json!({
                    "status": status,
                    "address": addr,
                    "window_seconds": self.window.as_secs(),
                }),
            },
        );
    }
}

/// Writes `event` on a task of its own, so no request waits for the log,
/// as made by the token service itself (`serve`, this host).
fn record(state: &SharedState, event: NewAuditEvent) {
    let registry = state
        .registry
        .acting_as(crate::registry::local_actor(crate::model::Via::Serve))
        .unwrap_or_else(|| state.registry.clone());
    tokio::spawn(async move {
        if let Err(e) = registry.record_security_event(event).await {
            tracing::warn!(error = %e, "cannot write a security event to the audit log");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_window_per_subject() {
        let events = SecurityEvents::new(Duration::from_secs(60));
        let now = Instant::now();
        assert!(events.first_in_window("a".into(), now));
        assert!(!events.first_in_window("a".into(), now + Duration::from_secs(59)));
        assert!(events.first_in_window("b".into(), now));
        assert!(events.first_in_window("a".into(), now + Duration::from_secs(61)));
    }
}
