//! The OAuth 2.0 endpoints: token (RFC 6749 §4.4), introspection (RFC 7662),
//! the JWKS and the authorization server metadata (RFC 8414).

use axum::Json;
use axum::body::Bytes;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::SharedState;
use super::errors::ApiError;
use super::request_log::{REQUESTS_TARGET, Refusal, refused};
use crate::model::Application;
use crate::oauth::request::{self, ClientAuth, Form};
use crate::oauth::{ErrorCode, OAuthError, TOKEN_LIFETIME_SECS};

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    scope: &'a str,
}

/// A body the server would not read (too large, cut short) is the client's
/// problem: 413 or 400, in the OAuth error shape.
fn body_error(e: BytesRejection) -> ApiError {
    let status = e.status();
    let status = if status.is_client_error() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiError::new(
        status,
        "invalid_request",
        format!("cannot read the body: {}", e.body_text()),
    )
}

fn header_bytes(headers: &HeaderMap, name: header::HeaderName) -> Option<&[u8]> {
    headers.get(name).map(HeaderValue::as_bytes)
}

/// `basic`: the client used HTTP Basic, so the 401 carries the challenge.
fn invalid_client(basic: bool) -> OAuthError {
    OAuthError {
        code: ErrorCode::InvalidClient,
        description: "client authentication failed".into(),
        challenge: basic,
    }
}

/// The caller's address, when the server runs with connection info (it does;
/// in-process callers such as benchmarks may not).
pub(super) type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn too_many(wait: std::time::Duration) -> ApiError {
    let secs = wait.as_secs().max(1);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        format!("too many failed authentications; try again in {secs} s"),
    );
    e.retry_after = Some(secs);
    e
}

/// The application behind `auth` if its secret is the current one. Reads the
/// store every time: a reset elsewhere counts from the next request.
///
/// Throttling (see `throttle.rs`): an address over its limit waits without
/// being evaluated, which is what keeps a noisy source cheap. The client ID's
/// limit applies only to wrong secrets, so the current secret always passes it
/// (secrets have ~285 bits: the throttle is against load and noise, not
/// guessing). A failure with one of the client's last few secrets is a pod
/// that missed a reset: it gets `invalid_client` saying so, and counts against
/// neither the client ID nor the address, since that address may also be where
/// the pods with the new secret run.
pub(super) async fn authenticate(
    state: &SharedState,
    auth: &ClientAuth,
    peer: &Peer,
) -> Result<Application, ApiError> {
    Ok(authenticate_secret(state, auth, peer).await?.0)
}

/// [`authenticate`], with the ID of the secret that matched (current or
/// retiring), for the usage records only: nothing the client sees says which.
async fn authenticate_secret(
    state: &SharedState,
    auth: &ClientAuth,
    peer: &Peer,
) -> Result<(Application, Option<String>), ApiError> {
    let addr = peer.as_ref().map(|Extension(ConnectInfo(a))| a.ip());
    let now = std::time::Instant::now();
    let throttle = &state.throttle;
    let id = auth.client_id.as_str();
    if let Some(wait) = throttle.address_blocked(addr, now) {
        refused(state, Refusal::ThrottledAddress { wait }, id, addr);
        state.security_events.throttled(state, None, addr);
        return Err(too_many(wait));
    }
    let registry = &state.registry;
    let mut app = registry
        .authenticate_secret(&auth.client_id, &auth.secret)
        .await?;
    if app.is_none()
        && let Some(raw) = &auth.raw_secret
    {
        app = registry.authenticate_secret(&auth.client_id, raw).await?;
    }
    if let Some(found) = app {
        return Ok(found);
    }
    if let Some(wait) = throttle.client_blocked(id, now) {
        refused(state, Refusal::ThrottledClient { wait }, id, addr);
        state.security_events.throttled(state, Some(id), None);
        return Err(too_many(wait));
    }
    if let Some(replaced) = replaced_at(state, auth).await? {
        refused(state, Refusal::Replaced, id, addr);
        return Err(OAuthError {
            code: ErrorCode::InvalidClient,
            description: format!(
                "this secret was replaced at {}; use the client's current secret",
                crate::model::wire::rfc3339(replaced)
            ),
            challenge: auth.basic,
        }
        .into());
    }
    throttle.record_failure(id, addr, now);
    refused(state, Refusal::Failed, id, addr);
    Err(invalid_client(auth.basic).into())
}

/// When the presented secret (either reading of it) stopped being the client's.
async fn replaced_at(
    state: &SharedState,
    auth: &ClientAuth,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    let registry = &state.registry;
    if let Some(at) = registry.replaced_at(&auth.client_id, &auth.secret).await? {
        return Ok(Some(at));
    }
    match &auth.raw_secret {
        Some(raw) => Ok(registry.replaced_at(&auth.client_id, raw).await?),
        None => Ok(None),
    }
}

pub(super) async fn token(
    State(state): State<SharedState>,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let req = request::token_request(
        header_bytes(&headers, header::AUTHORIZATION),
        header_bytes(&headers, header::CONTENT_TYPE),
        &body,
    )?;
    let (app, secret_id) = authenticate_secret(&state, &req.auth, &peer).await?;
    // Only what the current catalog offers: a retired scope grants nothing.
    let held = state.catalog.oauth_scopes(&app);
    let scope = match &req.scopes {
        None => held.join(" "),
        Some(requested) => {
            if let Some(missing) = requested.iter().find(|s| !held.contains(s)) {
                return Err(OAuthError::new(
                    ErrorCode::InvalidScope,
                    format!(
                        "the client does not hold the scope '{}'; it holds: {}",
                        crate::text::printable_truncated(missing, 60),
                        if held.is_empty() {
                            "none".to_owned()
                        } else {
                            held.join(" ")
                        }
                    ),
                )
                .into());
            }
            requested.join(" ")
        }
    };
    let now = chrono::Utc::now().timestamp();
    let claims = state.issuer.claims(app.client_id.as_str(), scope, now);
    let access_token = state.issuer.sign(&claims);
    if let (Some(usage), Some(secret_id)) = (&state.usage, &secret_id) {
        let from = peer.as_ref().map(|Extension(ConnectInfo(a))| a.ip());
        usage.note(&app.client_id, secret_id, from);
    }
    // Counted for the log's summary; a line of its own only when per-request
    // lines are on. The jti identifies the token; the token never appears.
    state.request_log.token_issued();
    tracing::debug!(target: REQUESTS_TARGET, client_id = %app.client_id, jti = %claims.jti, scope = %claims.scope, "token issued");
    Ok(Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: TOKEN_LIFETIME_SECS,
        scope: &claims.scope,
    })
    .into_response())
}

/// RFC 7662. The caller authenticates like at the token endpoint. It learns
/// about its own tokens; about other clients' tokens only if it is an admin
/// client or holds `keyward:introspect` (read) as the current catalog offers
/// it. Any other token is `{"active": false}`, as if it were not valid
/// (RFC 7662 §2.2), so a caller cannot tell others' tokens apart.
pub(super) async fn introspect(
    State(state): State<SharedState>,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let form = Form::parse(header_bytes(&headers, header::CONTENT_TYPE), &body)?;
    let auth = request::client_auth(header_bytes(&headers, header::AUTHORIZATION), &form)?;
    let caller = authenticate(&state, &auth, &peer).await?;
    let Some(token) = form.value("token") else {
        return Err(OAuthError::new(ErrorCode::InvalidRequest, "token is missing").into());
    };
    let now = chrono::Utc::now().timestamp();
    let body = match state.issuer.verify(token, now) {
        Ok(claims)
            if may_introspect(&state, &caller, &claims) && still_valid(&state, &claims).await? =>
        {
            serde_json::json!({
            "active": true,
            "scope": claims.scope,
            "client_id": claims.client_id,
            "token_type": "Bearer",
            "exp": claims.exp,
            "iat": claims.iat,
            "sub": claims.sub,
            "aud": claims.aud,
            "iss": claims.iss,
            "jti": claims.jti,
            })
        }
        _ => serde_json::json!({"active": false}),
    };
    Ok(Json(body).into_response())
}

/// Whether `caller` may learn about a token with these claims: its own, or
/// any if it is an admin client or holds the introspection scope.
fn may_introspect(
    state: &SharedState,
    caller: &Application,
    claims: &crate::oauth::AccessClaims,
) -> bool {
    if claims.client_id == caller.client_id.as_str() || caller.admin {
        return true;
    }
    let Ok(scope) = crate::model::ScopeId::parse(crate::model::INTROSPECT_SCOPE) else {
        return false;
    };
    let held = crate::model::Grant::new(scope.clone(), caller.access_to(&scope));
    state.catalog.effective_access(&held) >= crate::model::Access::Read
}

/// Whether the token's client still exists, is not suspended, and the token
/// postdates its last secret reset: a reset, a suspension or a delete also
/// ends the tokens already handed out (a resume brings them back).
/// `iat` has whole seconds, so a token from the same second as the reset is
/// given the benefit of the doubt rather than refusing fresh tokens.
pub(super) async fn still_valid(
    state: &SharedState,
    claims: &crate::oauth::AccessClaims,
) -> Result<bool, ApiError> {
    let Ok(id) = crate::model::ClientId::parse(&claims.client_id) else {
        return Ok(false);
    };
    match state.registry.get(&id).await {
        Ok(app) => Ok(!app.is_suspended() && claims.iat >= app.secret_issued_at.timestamp()),
        Err(crate::registry::RegistryError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The keys published now. Caches may keep it for `state.public_cache`,
/// which the publish delay leaves room for (see `oauth::ring::cache_max_age`):
/// a resource server holds a new key before it signs.
pub(super) async fn jwks(State(state): State<SharedState>) -> Response {
    let mut response = Json(state.issuer.jwks(chrono::Utc::now())).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, state.public_cache.clone());
    response
}

/// RFC 8414 metadata, cached like the JWKS it points to.
pub(super) async fn metadata(State(state): State<SharedState>) -> Response {
    let iss = state.issuer.issuer();
    let mut response = Json(serde_json::json!({
        "issuer": iss,
        "token_endpoint": format!("{iss}/oauth2/token"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "introspection_endpoint": format!("{iss}/oauth2/introspect"),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": scopes_supported(&state),
        "service_documentation": format!("{iss}/openapi.json"),
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, state.public_cache.clone());
    response
}

fn scopes_supported(state: &SharedState) -> Vec<String> {
    let mut out: Vec<String> = state
        .catalog
        .scopes()
        .flat_map(|s| {
            crate::model::Access::ALL
                .into_iter()
                .filter(|a| s.offers(*a))
                .flat_map(|a| a.oauth_suffixes().iter())
                .map(move |suffix| format!("{}:{suffix}", s.id))
        })
        .collect();
    out.push(crate::model::ADMIN_SCOPE.to_owned());
    out.push(crate::model::ADMIN_READ_SCOPE.to_owned());
    out.sort();
    out.dedup();
    out
}
