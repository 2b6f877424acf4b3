//! The admin API, `/admin/v1/`: applications, secrets and the scope catalog,
//! for bearer tokens from this service whose client holds `keyward:admin`.
//! A token that carries only `keyward:admin:read` may read (handlers that take
//! [`AdminReader`]: the list, one application, the scope catalog, the audit
//! log) and nothing else: every other handler takes [`Admin`], so a new route
//! is closed to it unless it says otherwise.
//! Bodies and replies use the JSON of `model::wire::ApplicationRecord`.
//!
//! Admin clients themselves are out of the API's reach: they are not listed,
//! cannot be read, changed, reset or deleted, and none can be created. They are
//! the server's root of trust and are managed only on its data dir
//! (`keyward apps add --admin`), so a leaked admin token cannot mint or keep
//! more admin credentials.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::SharedState;
use super::errors::ApiError;
use crate::model::wire::{ApplicationRecord, rfc3339};
use crate::model::{
    ADMIN_READ_SCOPE, ADMIN_SCOPE, AppName, Application, ClientId, Grant, NewApplication,
};
use crate::registry::RegistryError;

pub(super) fn routes() -> Router<SharedState> {
    Router::new()
        .route("/applications", get(list).post(create))
        .route("/applications/batch", axum::routing::post(create_batch))
        .route(
            "/applications/{client_id}",
            get(show).patch(update).delete(remove),
        )
        .route("/applications/{client_id}/secret", get(reveal).post(reset))
        .route(
            "/applications/{client_id}/secret/rotate",
            axum::routing::post(rotate),
        )
        .route(
            "/applications/{client_id}/secret/retire",
            axum::routing::post(retire),
        )
        .route(
            "/applications/{client_id}/suspend",
            axum::routing::post(suspend),
        )
        .route(
            "/applications/{client_id}/resume",
            axum::routing::post(resume),
        )
        .route(
            "/applications/{client_id}/restore",
            axum::routing::post(restore),
        )
        .route(
            "/applications/{client_id}/purge",
            axum::routing::post(purge),
        )
        .route("/scopes", get(scopes))
        .route("/audit", get(super::admin_audit::list))
}

/// A caller that presented a valid admin token carrying `keyward:admin`:
/// it may change applications and reveal secrets.
pub(super) struct Admin {
    pub client_id: String,
    /// The registry, recording changes as made by this caller (the admin
    /// client and its address) in the audit log.
    pub registry: std::sync::Arc<dyn crate::registry::Registry>,
}

const BEARER_CHALLENGE: &str = r#"Bearer realm="keyward""#;
/// RFC 6750 §3: a token that was presented and refused names the error in
/// the challenge; a request without one gets the bare challenge.
const INVALID_TOKEN_CHALLENGE: &str = r#"Bearer realm="keyward", error="invalid_token""#;

fn unauthorized(error: &'static str, description: &str) -> ApiError {
    let challenge = if error == "invalid_token" {
        INVALID_TOKEN_CHALLENGE
    } else {
        BEARER_CHALLENGE
    };
    ApiError {
        status: StatusCode::UNAUTHORIZED,
        error,
        description: description.to_owned(),
        www_authenticate: Some(challenge),
        retry_after: None,
        store: false,
    }
}

/// A caller that presented a valid admin token carrying `keyward:admin` or
/// only `keyward:admin:read`: it may read.
pub(super) struct AdminReader;

/// What a handler needs of the caller's token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Read,
    Write,
}

impl FromRequestParts<SharedState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        admit(parts, state, Need::Write).await
    }
}

impl FromRequestParts<SharedState> for AdminReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        admit(parts, state, Need::Read).await.map(|_| AdminReader)
    }
}

/// The caller if its token holds what `need` asks; a refusal is recorded as
/// a security event.
async fn admit(parts: &Parts, state: &SharedState, need: Need) -> Result<Admin, ApiError> {
    let address = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    match check_admin(parts, state, need).await {
        Ok(client_id) => {
            let actor = crate::model::Actor::api(&client_id, address.map(|a| a.to_string()));
            let registry = state
                .registry
                .acting_as(actor)
                .unwrap_or_else(|| state.registry.clone());
            Ok(Admin {
                client_id,
                registry,
            })
        }
        Err((e, client_id)) => {
            if matches!(e.status.as_u16(), 401 | 403) {
                state.security_events.admin_denied(
                    state,
                    address,
                    e.status.as_u16(),
                    client_id.as_deref(),
                );
            }
            Err(e)
        }
    }
}

/// The admin client behind the bearer token, or why not (with the token's
/// client ID when it had one).
async fn check_admin(
    parts: &Parts,
    state: &SharedState,
    need: Need,
) -> Result<String, (ApiError, Option<String>)> {
    {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err((
                unauthorized(
                    "invalid_request",
                    "the admin API needs a bearer token from /oauth2/token with the keyward:admin scope",
                ),
                None,
            ));
        };
        let value = value.to_str().unwrap_or_default().trim();
        let token = match value.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => {
                return Err((
                    unauthorized(
                        "invalid_request",
                        "the Authorization header must be `Bearer <token>`",
                    ),
                    None,
                ));
            }
        };
        let now = chrono::Utc::now().timestamp();
        let claims = state
            .issuer
            .verify(token, now)
            .map_err(|e| (unauthorized("invalid_token", &e.to_string()), None))?;
        let who = Some(claims.client_id.clone());
        if !super::token::still_valid(state, &claims)
            .await
            .map_err(|e| (e, who.clone()))?
        {
            return Err((
                unauthorized(
                    "invalid_token",
                    "the token's client was deleted or suspended, or its secret was reset since; get a new token",
                ),
                who,
            ));
        }
        let full = claims.has_scope(ADMIN_SCOPE);
        let reads = full || claims.has_scope(ADMIN_READ_SCOPE);
        if !reads {
            return Err((
                insufficient_scope(format!("the admin API needs the {ADMIN_SCOPE} scope")),
                who,
            ));
        }
        if need == Need::Write && !full {
            return Err((
                insufficient_scope(format!(
                    "this token carries {ADMIN_READ_SCOPE}, which only reads; changes and secrets need a token with {ADMIN_SCOPE}"
                )),
                who,
            ));
        }
        Ok(claims.client_id)
    }
}

fn insufficient_scope(description: String) -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        error: "insufficient_scope",
        description,
        www_authenticate: Some(
            r#"Bearer realm="keyward", error="insufficient_scope", scope="keyward:admin""#,
        ),
        retry_after: None,
        store: false,
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = body.map_err(|e| {
        let status = if e.status().is_client_error() {
            e.status()
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(
            status,
            "invalid_request",
            format!("cannot read the body: {}", e.body_text()),
        )
    })?;
    let bad = |e: serde_json::Error| {
        ApiError::bad_request(format!(
            "the body is not the expected JSON: {}",
            crate::text::printable_truncated(&e.to_string(), 200)
        ))
    };
    // Every admin body is a JSON object. serde would also read a struct from
    // an array (`[null, null]`), which the API does not offer.
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(bad)?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the body must be a JSON object (see /openapi.json)",
        ));
    }
    serde_json::from_value(value).map_err(bad)
}

fn client_id(raw: &str) -> Result<ClientId, ApiError> {
    ClientId::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// The application `raw` names, if it is one the API may touch (not an admin client).
async fn managed(state: &SharedState, raw: &str) -> Result<(ClientId, Application), ApiError> {
    let id = client_id(raw)?;
    let app = state.registry.get(&id).await?;
    if app.admin {
        return Err(RegistryError::NotFound {
            client_id: id,
            region: state.region.clone(),
        }
        .into());
    }
    Ok((id, app))
}

fn name(raw: &str) -> Result<AppName, ApiError> {
    AppName::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// A new application, as `POST /applications` takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApplicationBody {
    pub client_name: String,
    #[serde(default)]
    pub scopes: Vec<Grant>,
    #[serde(default)]
    pub admin: bool,
}

impl NewApplicationBody {
    fn into_new(self) -> Result<NewApplication, ApiError> {
        if self.admin {
            return Err(ApiError::bad_request(
                "admin clients cannot be made over the API: run `keyward apps add --admin` on the server's data dir",
            ));
        }
        Ok(NewApplication {
            client_name: name(&self.client_name)?,
            grants: self.scopes,
            admin: self.admin,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    applications: Vec<NewApplicationBody>,
}

/// `PATCH /applications/{id}`: a new name, scope changes (merged: `none`
/// removes one, scopes not named keep theirs), or both.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    scopes: Option<Vec<Grant>>,
}

/// Applications per page of `GET /applications` unless `limit` says otherwise.
pub const PAGE_DEFAULT: usize = 500;
/// The largest `limit` accepted.
pub const PAGE_MAX: usize = 1000;

/// `GET /applications?limit=&cursor=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<usize>,
    cursor: Option<String>,
    /// The trash instead of the live applications.
    #[serde(default)]
    deleted: bool,
}

/// Where a page starts: after this (case-folded name, client ID), the order
/// of the list. A cursor names the last application of the previous page, so
/// a delete between pages skips nothing.
type PageKey = (String, String);

fn page_key(app: &Application) -> PageKey {
    // ASCII case folding, as SQLite's NOCASE that orders the list.
    (
        app.client_name.as_str().to_ascii_lowercase(),
        app.client_id.to_string(),
    )
}

fn encode_cursor((name, id): &PageKey) -> String {
    use base64::Engine as _;
    // Names cannot hold control characters, so a newline separates safely.
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{name}\n{id}"))
}

fn decode_cursor(cursor: &str) -> Result<PageKey, ApiError> {
    use base64::Engine as _;
    let bad =
        || ApiError::bad_request("the cursor is not one this server gave; start again without it");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, id) = text.split_once('\n').ok_or_else(bad)?;
    Ok((name.to_owned(), id.to_owned()))
}

async fn list(
    _: AdminReader,
    State(state): State<SharedState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {PAGE_MAX} (the default is {PAGE_DEFAULT})"
        )));
    }
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let listed = if query.deleted {
        state.registry.list_deleted().await?
    } else {
        state.registry.list().await?
    };
    let mut apps: Vec<(PageKey, Application)> = listed
        .into_iter()
        .filter(|a| !a.admin)
        .map(|a| (page_key(&a), a))
        .filter(|(key, _)| after.as_ref().is_none_or(|after| key > after))
        .collect();
    // The registry lists in this order already; sorting keeps the cursor
    // right whatever it does (and costs little on sorted input).
    apps.sort_by(|a, b| a.0.cmp(&b.0));
    let more = apps.len() > limit;
    apps.truncate(limit);
    let now = now();
    let records: Vec<ApplicationRecord> = apps
        .iter()
        .map(|(_, a)| ApplicationRecord::new(a, None, now))
        .collect();
    let mut response = Json(records).into_response();
    if more && let Some((last, _)) = apps.last() {
        let trash = if query.deleted { "&deleted=true" } else { "" };
        let link = format!(
            "</admin/v1/applications?limit={limit}{trash}&cursor={}>; rel=\"next\"",
            encode_cursor(last)
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

async fn show(
    _: AdminReader,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (_, app) = managed(&state, &id).await?;
    Ok(Json(ApplicationRecord::new(&app, None, now())).into_response())
}

async fn create(admin: Admin, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let new = parse_json::<NewApplicationBody>(body)?.into_new()?;
    let issued = admin.registry.create(new).await?;
    tracing::info!(by = %admin.client_id, client_id = %issued.application.client_id, "application created");
    let record = ApplicationRecord::new(&issued.application, Some(&issued.reveal), now());
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

async fn create_batch(
    admin: Admin,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let batch: BatchBody = parse_json(body)?;
    let new = batch
        .applications
        .into_iter()
        .map(NewApplicationBody::into_new)
        .collect::<Result<Vec<_>, _>>()?;
    let issued = admin.registry.create_many(new).await?;
    tracing::info!(by = %admin.client_id, count = issued.len(), "applications created");
    let now = now();
    let records: Vec<ApplicationRecord> = issued
        .iter()
        .map(|i| ApplicationRecord::new(&i.application, Some(&i.reveal), now))
        .collect();
    Ok((StatusCode::CREATED, Json(records)).into_response())
}

async fn update(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: UpdateBody = parse_json(body)?;
    let (id, current) = managed(&state, &id).await?;
    let new_name = body.client_name.as_deref().map(name).transpose()?;
    let mut app = None;
    if let Some(n) = new_name {
        app = Some(admin.registry.rename(&id, n).await?);
    }
    if let Some(changes) = body.scopes {
        app = Some(admin.registry.set_access(&id, changes).await?);
    }
    let app = app.unwrap_or(current);
    tracing::info!(by = %admin.client_id, client_id = %id, "application updated");
    Ok(Json(ApplicationRecord::new(&app, None, now())).into_response())
}

async fn remove(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (id, _) = managed(&state, &id).await?;
    let app = admin.registry.delete(&id).await?;
    tracing::info!(by = %admin.client_id, client_id = %id, "application moved to the trash");
    Ok(Json(ApplicationRecord::new(&app, None, now())).into_response())
}

/// `POST /applications/{id}/suspend`: no token from the next request on.
async fn suspend(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (id, _) = managed(&state, &id).await?;
    let app = admin.registry.suspend(&id).await?;
    tracing::info!(by = %admin.client_id, client_id = %id, "application suspended");
    Ok(Json(ApplicationRecord::new(&app, None, now())).into_response())
}

/// `POST /applications/{id}/resume`.
async fn resume(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (id, _) = managed(&state, &id).await?;
    let app = admin.registry.resume(&id).await?;
    tracing::info!(by = %admin.client_id, client_id = %id, "application resumed");
    Ok(Json(ApplicationRecord::new(&app, None, now())).into_response())
}

/// A trashed application the API may touch: not an admin client (those
/// are out of the API's reach in the trash too).
async fn trashed(state: &SharedState, raw: &str) -> Result<ClientId, ApiError> {
    let id = client_id(raw)?;
    let in_trash = state.registry.list_deleted().await?;
    if in_trash.iter().any(|a| a.client_id == id && a.admin) {
        return Err(RegistryError::NotFound {
            client_id: id,
            region: state.region.clone(),
        }
        .into());
    }
    Ok(id)
}

/// `POST /applications/{id}/restore`: back from the trash, secret unchanged.
async fn restore(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = trashed(&state, &id).await?;
    let app = admin.registry.restore(&id).await?;
    tracing::info!(by = %admin.client_id, client_id = %id, "application restored");
    Ok(Json(ApplicationRecord::new(&app, None, now())).into_response())
}

/// `POST /applications/{id}/purge`: gone from the trash for good.
async fn purge(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = trashed(&state, &id).await?;
    admin.registry.purge(&id).await?;
    tracing::info!(by = %admin.client_id, client_id = %id, "application purged");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /applications/{id}/secret`: a new secret; the old one dies at once.
async fn reset(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (id, _) = managed(&state, &id).await?;
    let issued = admin.registry.reset_secret(&id).await?;
    tracing::info!(by = %admin.client_id, client_id = %id, "secret reset");
    let record = ApplicationRecord::new(&issued.application, Some(&issued.reveal), now());
    Ok(Json(record).into_response())
}

/// `POST /applications/{id}/secret/rotate`: how long the previous secret
/// keeps working. An empty body means the server's `rotation_grace`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotateBody {
    grace_seconds: Option<i64>,
}

/// `POST /applications/{id}/secret/rotate`: a new current secret; the old one
/// keeps working until the grace ends, then fails with no write needed.
async fn rotate(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let empty = body
        .as_ref()
        .is_ok_and(|b| b.iter().all(u8::is_ascii_whitespace));
    let grace = if empty {
        state.rotation_grace
    } else {
        let body: RotateBody = parse_json(body)?;
        match body.grace_seconds {
            Some(secs) => chrono::Duration::try_seconds(secs)
                .ok_or_else(|| ApiError::bad_request("grace_seconds is out of range"))?,
            None => state.rotation_grace,
        }
    };
    crate::model::check_grace(grace).map_err(ApiError::bad_request)?;
    let (id, _) = managed(&state, &id).await?;
    let issued = admin.registry.rotate_secret(&id, grace).await?;
    tracing::info!(by = %admin.client_id, client_id = %id, grace_seconds = grace.num_seconds(), "secret rotated");
    let record = ApplicationRecord::new(&issued.application, Some(&issued.reveal), now());
    Ok(Json(record).into_response())
}

/// `POST /applications/{id}/secret/retire`: the retiring secret stops now.
async fn retire(
    admin: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (id, _) = managed(&state, &id).await?;
    let app = admin.registry.retire_secret(&id).await?;
    tracing::info!(by = %admin.client_id, client_id = %id, "retiring secret retired");
    Ok(Json(ApplicationRecord::new(&app, None, now())).into_response())
}

/// `GET /applications/{id}/secret`: the secret while its window is open, 410
/// once it has closed.
async fn reveal(
    _: Admin,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (id, _) = managed(&state, &id).await?;
    let reveal = state.registry.reveal(&id).await?;
    let body = serde_json::json!({
        "client_id": reveal.client_id.as_str(),
        "client_secret": reveal.secret.expose(),
        "client_secret_visible_until": rfc3339(reveal.visible_until),
    });
    Ok(Json(body).into_response())
}

async fn scopes(_: AdminReader, State(state): State<SharedState>) -> Response {
    Json(state.catalog.groups()).into_response()
}
