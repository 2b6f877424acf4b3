//! JSON error replies: `{"error", "error_description"}` everywhere, as OAuth
//! clients expect, with `Cache-Control: no-store`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::oauth::{ErrorCode, OAuthError};
use crate::registry::RegistryError;

pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// An error reply.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    pub www_authenticate: Option<&'static str>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            description: description.into(),
            www_authenticate: None,
            retry_after: None,
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
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, NO_STORE);
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
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
            // RFC 6749 §5.2 asks for the challenge when the client used Basic;
            // RFC 9110 asks every 401 for one, so a 401 always carries it.
            www_authenticate: (status == StatusCode::UNAUTHORIZED)
                .then_some(r#"Basic realm="keyward", charset="UTF-8""#),
            retry_after: None,
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        let (status, error) = match &e {
            RegistryError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            RegistryError::DuplicateName { .. } => (StatusCode::CONFLICT, "duplicate_name"),
            RegistryError::InvalidInput(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            RegistryError::RevealWindowClosed { .. } => (StatusCode::GONE, "reveal_window_closed"),
            RegistryError::AlreadyRetiring { .. } => (StatusCode::CONFLICT, "already_retiring"),
            RegistryError::NothingToRetire { .. } => (StatusCode::CONFLICT, "nothing_to_retire"),
            RegistryError::Storage { .. } => {
                // The message names files on the server: log it, tell the client less.
                tracing::error!(error = %e, "storage error");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not reach its store; see the server's log",
                );
            }
        };
        ApiError::new(status, error, e.to_string())
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /openapi.json",
    )
}
