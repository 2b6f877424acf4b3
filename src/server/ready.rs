//! `GET /readyz`: whether this server can answer token requests now, for load
//! balancers and orchestrators.
//!
//! Ready means the store answered one cheap read (a lookup by primary key)
//! within [`READY_TIMEOUT`]. `/healthz` stays a liveness check (the process
//! answers HTTP), so an orchestrator restarts a stuck process, but only takes a
//! replica out of rotation while its store is away: restarting it would not
//! bring the store back.
//!
//! The reply says why in general terms; the store's own error names files or
//! hosts and goes to the log, once when readiness is lost and once when it
//! comes back, since a probe every few seconds must not flood the log.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::SharedState;
use crate::model::ClientId;
use crate::registry::{Registry, RegistryError};

/// How long the store has to answer the probe. Probes come every few
/// seconds; a store slower than this cannot serve tokens anyway.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The client ID the probe looks up. Whether it exists does not matter: an
/// answer either way shows the store answers.
const PROBE_ID: &str = "keyward-readiness-probe";

/// Whether the last probe found the store answering, to log changes only.
pub struct Readiness {
    ready: AtomicBool,
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness {
            ready: AtomicBool::new(true),
        }
    }
}

/// Why the store is not ready.
#[derive(Debug)]
enum NotReady {
    /// It did not answer within the timeout.
    Silent,
    /// It answered with a storage error.
    Failed(RegistryError),
}

impl NotReady {
    /// What the reply says: no file names, no hosts.
    fn reason(&self) -> String {
        match self {
            NotReady::Silent => format!(
                "the store did not answer within {} s",
                READY_TIMEOUT.as_secs()
            ),
            NotReady::Failed(_) => "the store failed to answer; see the server's log".to_owned(),
        }
    }
}

/// One cheap read: ready if the store answers it at all.
async fn probe(registry: &dyn Registry, within: Duration) -> Result<(), NotReady> {
    let Ok(id) = ClientId::parse(PROBE_ID) else {
        // The constant is a valid ID; nothing to probe with otherwise.
        return Ok(());
    };
    match tokio::time::timeout(within, registry.get(&id)).await {
        Err(_) => Err(NotReady::Silent),
        Ok(Err(e @ (RegistryError::Storage { .. } | RegistryError::Unavailable { .. }))) => {
            Err(NotReady::Failed(e))
        }
        // Found, not found, or refused for what it is: the store answered.
        Ok(_) => Ok(()),
    }
}

pub(super) async fn readyz(State(state): State<SharedState>) -> Response {
    let outcome = probe(state.registry.as_ref(), READY_TIMEOUT).await;
    let was_ready = state
        .readiness
        .ready
        .swap(outcome.is_ok(), Ordering::AcqRel);
    match outcome {
        Ok(()) => {
            if !was_ready {
                tracing::info!(region = %state.region, "ready again: the store answers");
            }
            (StatusCode::OK, Json(serde_json::json!({"ready": true}))).into_response()
        }
        Err(not_ready) => {
            if was_ready {
                match &not_ready {
                    NotReady::Failed(e) => {
                        tracing::warn!(region = %state.region, error = %e, "not ready: the store fails");
                    }
                    NotReady::Silent => {
                        tracing::warn!(region = %state.region, timeout_secs = READY_TIMEOUT.as_secs(), "not ready: the store does not answer");
                    }
                }
            }
            let body = serde_json::json!({"ready": false, "reason": not_ready.reason()});
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
