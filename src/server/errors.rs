//! JSON error replies: `{"error", "error_description"}` everywhere, as OAuth
//! clients expect; and the one layer that keeps replies out of caches.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::oauth::{ErrorCode, OAuthError};
use crate::registry::RegistryError;

/// Marks every reply of the routes it wraps as not to be kept by any cache:
/// `Cache-Control: no-store`, and `Pragma: no-cache` for HTTP/1.0 caches
/// (RFC 6749 §5.1 asks token replies for both). The router puts it on the
/// token and introspection endpoints, the whole admin API and the fallback,
/// so every error reply (`ApiError`) has it too; the JWKS, metadata, health
/// and OpenAPI documents stay cacheable.
pub async fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// What `Retry-After` says while the store is unavailable: a database
/// restart takes seconds, and clients should not wait longer than that.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 1;

/// At most one log line a second while the store is unavailable, however
/// many requests fail: an outage must not fill the log disk.
static UNAVAILABLE_LOG: OncePerSecond = OncePerSecond::new();

/// Lets one event a second through and counts the rest.
struct OncePerSecond {
    second: std::sync::atomic::AtomicI64,
    held_back: std::sync::atomic::AtomicU64,
}

impl OncePerSecond {
    const fn new() -> Self {
        OncePerSecond {
            second: std::sync::atomic::AtomicI64::new(i64::MIN),
            held_back: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// `Some(n)`: log now, `n` events were held back since the last line.
    fn allow(&self) -> Option<u64> {
        use std::sync::atomic::Ordering;
        let now = chrono::Utc::now().timestamp();
        if self.second.swap(now, Ordering::AcqRel) == now {
            self.held_back.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(self.held_back.swap(0, Ordering::Relaxed))
    }
}

/// An error reply.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    pub www_authenticate: Option<&'static str>,
    /// Seconds for `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
    /// The store failed (counted by the metrics as a store error).
    pub store: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            description: description.into(),
            www_authenticate: None,
            retry_after: None,
            store: false,
        }
    }

    pub fn bad_request(description: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.error,
            "error_description": self.description,
        });
        let mut response = (self.status, Json(body)).into_response();
        // For the metrics: the code and whether the store failed, without
        // parsing the body back.
        response.extensions_mut().insert(super::metrics::Failure {
            code: self.error,
            store: self.store,
        });
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(challenge) = self.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        let status = match e.code {
            ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError {
            status,
            error: e.code.as_str(),
            description: e.description,
            // RFC 6749 §5.2: the challenge when the client used the
            // Authorization header (or nothing at all, to say which scheme
            // works), never for credentials in the body: clients take a
            // challenge for "log in over HTTP" and hide `invalid_client`.
            www_authenticate: (status == StatusCode::UNAUTHORIZED && e.challenge)
                .then_some(r#"Basic realm="keyward", charset="UTF-8""#),
            retry_after: None,
            store: false,
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        let (status, error) = match &e {
            RegistryError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            RegistryError::DuplicateName { .. } => (StatusCode::CONFLICT, "duplicate_name"),
            RegistryError::NotInTrash { .. } => (StatusCode::CONFLICT, "not_in_trash"),
            RegistryError::RestoreNameTaken { .. } => (StatusCode::CONFLICT, "restore_name_taken"),
            RegistryError::InvalidInput(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            RegistryError::RevealWindowClosed { client_id } => {
                return ApiError::new(
                    StatusCode::GONE,
                    "reveal_window_closed",
                    format!(
                        "{e}. Reset it with POST /admin/v1/applications/{client_id}/secret (the old secret stops working at once)"
                    ),
                );
            }
            RegistryError::AlreadyRetiring { .. } => (StatusCode::CONFLICT, "already_retiring"),
            RegistryError::NothingToRetire { .. } => (StatusCode::CONFLICT, "nothing_to_retire"),
            RegistryError::Unavailable { .. } => {
                // Where the store is stays in the log; the client learns
                // only to come back shortly. Every request fails the same
                // way during an outage: one line a second says so.
                if let Some(more) = UNAVAILABLE_LOG.allow() {
                    tracing::warn!(error = %e, refused_since_last_line = more, "store unavailable");
                }
                let mut reply = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the server cannot reach its store right now; try again shortly",
                );
                reply.retry_after = Some(UNAVAILABLE_RETRY_AFTER_SECS);
                reply.store = true;
                return reply;
            }
            RegistryError::KeysElsewhere { .. } => (StatusCode::BAD_REQUEST, "invalid_request"),
            RegistryError::KeyWaiting { .. } => (StatusCode::CONFLICT, "key_waiting"),
            RegistryError::ReadOnly { .. } => (StatusCode::FORBIDDEN, "read_only"),
            RegistryError::Storage { .. } => {
                // The message names files on the server: log it, tell the client less.
                tracing::error!(error = %e, "storage error");
                return ApiError {
                    store: true,
                    ..ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "server_error",
                        "the server could not reach its store; see the server's log",
                    )
                };
            }
        };
        ApiError::new(status, error, e.to_string())
    }
}

/// A path that exists, asked with a method it does not take: 405 in the JSON
/// error shape, since OAuth clients read the body of every error, with the
/// `Allow` header the router adds. `no-store` like every error reply.
pub async fn method_not_allowed(method: axum::http::Method) -> Response {
    let reply = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        format!(
            "{} is not allowed here; the Allow header lists the methods that are",
            crate::text::printable_truncated(method.as_str(), 20)
        ),
    );
    no_store(reply.into_response()).await
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /openapi.json",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClientId;

    /// The admin API says what to do next in its own terms: an endpoint, not
    /// a shell command.
    #[test]
    fn a_closed_window_points_at_the_reset_endpoint() {
        let client_id = ClientId::generate();
        let e = ApiError::from(RegistryError::RevealWindowClosed {
            client_id: client_id.clone(),
        });
        assert_eq!(e.status, StatusCode::GONE);
        assert_eq!(e.error, "reveal_window_closed");
        assert!(
            e.description.contains("its window has closed")
                && e.description
                    .contains(&format!("POST /admin/v1/applications/{client_id}/secret")),
            "{}",
            e.description
        );
        assert!(!e.description.contains("keyward "), "{}", e.description);
    }
}

#[cfg(test)]
mod once_per_second_tests {
    use super::OncePerSecond;

    #[test]
    fn a_burst_in_one_second_gives_one_line() {
        let limit = OncePerSecond::new();
        let mut lines = 0;
        for _ in 0..1000 {
            if limit.allow().is_some() {
                lines += 1;
            }
        }
        // The loop may straddle a second's edge: two lines at most.
        assert!((1..=2).contains(&lines), "{lines}");
    }
}
