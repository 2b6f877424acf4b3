//! A region that lives on another `keyward serve`: the `Registry` trait over its
//! admin API (`/admin/v1/`). The registry gets its own bearer token from the
//! server's token endpoint with the configured admin client, and gets a new one
//! before it expires or when the server refuses it.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Issued, RegistryError, Result};
use crate::config::{RemoteConfig, SecretSource};
use crate::model::wire::ApplicationRecord;
use crate::model::{
    ADMIN_READ_SCOPE, ADMIN_SCOPE, AppName, Application, ClientId, ClientSecret, Grant,
    NewApplication, ReadOnly, Region, SecretReveal,
};
use crate::registry::Registry;

/// How long one call to the server may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

pub struct RemoteRegistry {
    region: Region,
    base: String,
    /// `base` as shown in messages: without credentials written into the URL.
    shown: String,
    client_id: String,
    secret: ClientSecret,
    http: reqwest::Client,
    /// The current admin token and when to get a new one.
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
    /// The admin scope its tokens are asked for: `keyward:admin`, or only
    /// `keyward:admin:read` for a region configured read-only.
    asks: &'static str,
    /// Set from each token reply: the token carries `keyward:admin:read`
    /// but not `keyward:admin`, so this region only reads.
    reads_only: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for RemoteRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteRegistry")
            .field("region", &self.region)
            .field("base", &self.shown)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Reads the admin secret from where the config says. A file must be readable
/// by its owner only: a secret others can read is refused, not used.
pub fn load_secret(region: &Region, source: &SecretSource) -> Result<ClientSecret> {
    let invalid = |m: String| RegistryError::InvalidInput(format!("region {region}: {m}"));
    let text = match source {
        SecretSource::Env(var) => std::env::var(var).map_err(|_| {
            invalid(format!(
                "the environment variable {var} (client_secret_env) is not set; set it to the admin client's secret"
            ))
        })?,
        SecretSource::File(path) => {
            let meta = std::fs::metadata(path).map_err(|e| {
                invalid(format!("cannot read client_secret_file {}: {e}", path.display()))
            })?;
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(invalid(format!(
                    "client_secret_file {} has mode {:o}, readable by others: run `chmod 600 {}`",
                    path.display(),
                    mode & 0o777,
                    path.display()
                )));
            }
            std::fs::read_to_string(path).map_err(|e| {
                invalid(format!("cannot read client_secret_file {}: {e}", path.display()))
            })?
        }
    };
    let secret = ClientSecret::from_string(text.trim().to_owned());
    // `text` holds the secret too: wipe it.
    drop(zeroize::Zeroizing::new(text));
    if secret.expose().is_empty() {
        return Err(invalid("the admin client's secret is empty".into()));
    }
    Ok(secret)
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    /// The scopes granted (RFC 6749 §5.1), when the server says.
    #[serde(default)]
    scope: Option<String>,
}

/// Whether a token granted `scope` (space-separated) can only read the
/// admin API.
fn only_reads(scope: &str) -> bool {
    let has = |wanted: &str| scope.split_ascii_whitespace().any(|held| held == wanted);
    !has(ADMIN_SCOPE) && has(ADMIN_READ_SCOPE)
}

#[derive(Deserialize, Default)]
struct ErrorReply {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

#[derive(Deserialize)]
struct SecretReply {
    client_id: String,
    client_secret: String,
    client_secret_visible_until: String,
}

/// What a call was about, to rebuild the right `RegistryError` from a reply.
#[derive(Default)]
struct Ctx<'a> {
    id: Option<&'a ClientId>,
    names: Vec<String>,
}

impl<'a> Ctx<'a> {
    /// A call about one application.
    fn about(id: &'a ClientId) -> Self {
        Ctx {
            id: Some(id),
            names: Vec::new(),
        }
    }
}

fn time(s: &str) -> std::result::Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "bad time '{}': {e}",
                crate::text::printable_truncated(s, 40)
            )
        })
}

fn application(r: &ApplicationRecord) -> std::result::Result<Application, String> {
    Ok(Application {
        client_id: ClientId::parse(&r.client_id).map_err(|e| e.to_string())?,
        client_name: AppName::parse(&r.client_name).map_err(|e| e.to_string())?,
        region: Region::new(&r.region).map_err(|e| e.to_string())?,
        grants: crate::model::normalize_grants(r.scopes.iter().cloned()),
        admin: r.admin,
        created_at: time(&r.created_at)?,
        updated_at: time(&r.updated_at)?,
        secret_issued_at: time(&r.client_secret_issued_at)?,
        last_used_at: r.last_used_at.as_deref().map(time).transpose()?,
        secrets: r
            .secrets
            .iter()
            .map(crate::model::wire::SecretRecord::info)
            .collect::<std::result::Result<_, _>>()?,
        lifecycle: crate::model::Lifecycle {
            suspended_at: r.suspended_at.as_deref().map(time).transpose()?,
            deleted_at: r.deleted_at.as_deref().map(time).transpose()?,
            purge_after: r.purge_after.as_deref().map(time).transpose()?,
        },
    })
}

impl RemoteRegistry {
    /// Every page of `first` (a list of applications), following the
    /// server's `rel="next"` links.
    async fn list_pages(&self, first: &str) -> Result<Vec<Application>> {
        let mut apps = Vec::new();
        let mut path = first.to_owned();
        let separator = if first.contains('?') { '&' } else { '?' };
        // A bound against a server that keeps sending the same cursor.
        for _ in 0..MAX_PAGES {
            let (headers, bytes) = self
                .call_with_headers(Method::GET, &path, None, Ctx::default())
                .await?;
            let records: Vec<ApplicationRecord> = self.parse(&bytes)?;
            for r in &records {
                apps.push(application(r).map_err(|e| {
                    self.storage(format!("the server sent a bad application: {e}"))
                })?);
            }
            match next_cursor(&headers) {
                Some(cursor) => path = format!("{first}{separator}cursor={cursor}"),
                None => return Ok(apps),
            }
        }
        Err(self.storage(format!(
            "the server's application list did not end after {MAX_PAGES} pages"
        )))
    }

    /// `POST /applications/{id}/{action}`, which answers with the application.
    async fn post_action(&self, id: &ClientId, action: &str) -> Result<Application> {
        let bytes = self
            .call(
                Method::POST,
                &format!("/applications/{}/{action}", path_id(id)),
                None,
                Ctx::about(id),
            )
            .await?;
        self.application(&bytes)
    }

    pub fn from_config(region: Region, config: &RemoteConfig) -> Result<Self> {
        let secret = load_secret(&region, &config.secret)?;
        Self::new(region, &config.url, &config.client_id, secret)
    }

    pub fn new(region: Region, url: &str, client_id: &str, secret: ClientSecret) -> Result<Self> {
        let base = url.trim_end_matches('/').to_owned();
        let shown = crate::text::redact_url(&base).into_owned();
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("keyward/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RegistryError::Storage {
                location: shown.clone(),
                message: crate::text::redact_urls_in(&format!("cannot set up HTTP: {e}")),
            })?;
        Ok(RemoteRegistry {
            region,
            base,
            shown,
            client_id: client_id.to_owned(),
            secret,
            http,
            token: tokio::sync::Mutex::new(None),
            asks: ADMIN_SCOPE,
            reads_only: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Asks for tokens with only `keyward:admin:read`: for a region
    /// configured `read_only`, so even a bug here could not change it.
    #[must_use]
    pub fn reading_only(mut self) -> Self {
        self.asks = ADMIN_READ_SCOPE;
        self
    }

    /// Whether the last token this registry got only reads.
    fn token_reads_only(&self) -> bool {
        self.reads_only.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn storage(&self, message: impl std::fmt::Display) -> RegistryError {
        RegistryError::Storage {
            location: self.shown.clone(),
            message: crate::text::redact_urls_in(&message.to_string()),
        }
    }

    fn unreachable(&self, e: reqwest::Error) -> RegistryError {
        // Without the URL: `location` already says where, and the message stays short.
        let e = e.without_url();
        let hint = if e.is_connect() {
            ": is `keyward serve` running there?"
        } else if e.is_timeout() {
            ": the server did not answer in time"
        } else {
            ""
        };
        let message = crate::text::redact_urls_in(&format!("cannot reach the server: {e}{hint}"));
        if e.is_connect() || e.is_timeout() {
            RegistryError::Unavailable {
                location: self.shown.clone(),
                message,
            }
        } else {
            RegistryError::Storage {
                location: self.shown.clone(),
                message,
            }
        }
    }

    /// A bearer token for the admin API, fresh if `renew`.
    async fn token(&self, renew: bool) -> Result<String> {
        let mut slot = self.token.lock().await;
        if !renew
            && let Some((token, until)) = slot.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let started = Instant::now();
        let reply = self
            .http
            .post(format!("{}/oauth2/token", self.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", self.asks),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.secret.expose()),
            ])
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = reply.status();
        let bytes = reply.bytes().await.map_err(|e| self.unreachable(e))?;
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            return Err(RegistryError::Unavailable {
                location: self.shown.clone(),
                message: "the server cannot reach its own store right now".into(),
            });
        }
        if !status.is_success() {
            let e: ErrorReply = serde_json::from_slice(&bytes).unwrap_or_default();
            return Err(self.storage(format!(
                "the server refused the admin client {} ({} {}: {}); check client_id and its secret, and that it holds {}",
                self.client_id,
                status.as_u16(),
                crate::text::printable_truncated(&e.error, 40),
                crate::text::printable_truncated(&e.error_description, 200),
                self.asks
            )));
        }
        let t: TokenReply = serde_json::from_slice(&bytes).map_err(|e| {
            self.storage(format!("the token endpoint sent an unexpected reply: {e}"))
        })?;
        // A reply without `scope` was granted what was asked (RFC 6749 §5.1).
        let granted = t.scope.as_deref().unwrap_or(self.asks);
        self.reads_only
            .store(only_reads(granted), std::sync::atomic::Ordering::Relaxed);
        // Renew a minute early so a token never expires mid-request.
        let life = t.expires_in.unwrap_or(300).clamp(10, 86_400) as u64;
        let until = started + Duration::from_secs(life.saturating_sub(60).max(5));
        *slot = Some((t.access_token.clone(), until));
        Ok(t.access_token)
    }

    /// Calls the admin API; renews the token once if the server refuses it.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        ctx: Ctx<'_>,
    ) -> Result<bytes::Bytes> {
        Ok(self.call_with_headers(method, path, body, ctx).await?.1)
    }

    /// [`Self::call`], with the reply's headers.
    async fn call_with_headers(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        ctx: Ctx<'_>,
    ) -> Result<(reqwest::header::HeaderMap, bytes::Bytes)> {
        let mut renew = false;
        loop {
            let token = self.token(renew).await?;
            let mut req = self
                .http
                .request(method.clone(), format!("{}/admin/v1{path}", self.base))
                .bearer_auth(&token);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let reply = req.send().await.map_err(|e| self.unreachable(e))?;
            let status = reply.status();
            let headers = reply.headers().clone();
            let bytes = reply.bytes().await.map_err(|e| self.unreachable(e))?;
            if status.is_success() {
                return Ok((headers, bytes));
            }
            if status == StatusCode::UNAUTHORIZED && !renew {
                renew = true;
                continue;
            }
            return Err(self.error(status, &bytes, ctx));
        }
    }

    fn error(&self, status: StatusCode, body: &[u8], ctx: Ctx<'_>) -> RegistryError {
        let e: ErrorReply = serde_json::from_slice(body).unwrap_or_default();
        let description = crate::text::printable_truncated(&e.error_description, 400);
        match (status, e.error.as_str(), ctx.id) {
            (StatusCode::NOT_FOUND, "not_found", Some(id)) => RegistryError::NotFound {
                client_id: id.clone(),
                region: self.region.clone(),
            },
            (StatusCode::GONE, _, Some(id)) => RegistryError::RevealWindowClosed {
                client_id: id.clone(),
            },
            (StatusCode::CONFLICT, "already_retiring", Some(id)) => {
                RegistryError::AlreadyRetiring {
                    client_id: id.clone(),
                    until: retiring_until(&description),
                }
            }
            (StatusCode::CONFLICT, "nothing_to_retire", Some(id)) => {
                RegistryError::NothingToRetire {
                    client_id: id.clone(),
                }
            }
            (StatusCode::CONFLICT, "not_in_trash", Some(id)) => RegistryError::NotInTrash {
                client_id: id.clone(),
                region: self.region.clone(),
            },
            (StatusCode::CONFLICT, "restore_name_taken", _) => RegistryError::RestoreNameTaken {
                name: quoted(&description).unwrap_or_default(),
                region: self.region.clone(),
            },
            (StatusCode::CONFLICT, _, _) => RegistryError::DuplicateName {
                name: ctx
                    .names
                    .iter()
                    .find(|n| {
                        description
                            .to_lowercase()
                            .contains(&format!("'{}'", n.to_lowercase()))
                    })
                    .or(ctx.names.first())
                    .cloned()
                    .unwrap_or_default(),
                region: self.region.clone(),
            },
            (StatusCode::BAD_REQUEST, _, _) => RegistryError::InvalidInput(description),
            (
                StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::BAD_GATEWAY
                | StatusCode::GATEWAY_TIMEOUT,
                _,
                _,
            ) => RegistryError::Unavailable {
                location: self.shown.clone(),
                message: format!("the server answered {}: {description}", status.as_u16()),
            },
            (StatusCode::FORBIDDEN, "insufficient_scope", _) if self.token_reads_only() => {
                RegistryError::ReadOnly {
                    region: self.region.clone(),
                    why: ReadOnly::AdminScope,
                }
            }
            (StatusCode::FORBIDDEN, _, _) => self.storage(format!(
                "the admin client {} lacks the {ADMIN_SCOPE} scope on that server ({description})",
                self.client_id
            )),
            _ => self.storage(format!(
                "the server answered {} {}: {description}",
                status.as_u16(),
                crate::text::printable_truncated(&e.error, 40)
            )),
        }
    }

    fn parse<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T> {
        serde_json::from_slice(bytes)
            .map_err(|e| self.storage(format!("the server sent an unexpected reply: {e}")))
    }

    fn application(&self, bytes: &[u8]) -> Result<Application> {
        let record: ApplicationRecord = self.parse(bytes)?;
        application(&record)
            .map_err(|e| self.storage(format!("the server sent a bad application: {e}")))
    }

    fn issued(&self, record: &ApplicationRecord) -> Result<Issued> {
        let application = application(record)
            .map_err(|e| self.storage(format!("the server sent a bad application: {e}")))?;
        let (Some(secret), Some(until)) =
            (&record.client_secret, &record.client_secret_visible_until)
        else {
            return Err(self.storage("the server did not send the new secret"));
        };
        let visible_until = time(until).map_err(|e| self.storage(e))?;
        Ok(Issued {
            reveal: SecretReveal {
                client_id: application.client_id.clone(),
                secret: ClientSecret::from_string(secret.clone()),
                visible_until,
            },
            application,
        })
    }
}

/// The deadline in the server's "already has a retiring secret, which works
/// until T: ..." message, or "a later time" if it cannot be found.
fn retiring_until(description: &str) -> String {
    description
        .split_once("works until ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(until, _)| until.to_owned())
        .unwrap_or_else(|| "a later time".to_owned())
}

/// The first `'…'` in a server's message: the name it is about.
fn quoted(description: &str) -> Option<String> {
    let (_, rest) = description.split_once('\'')?;
    rest.split_once('\'').map(|(name, _)| name.to_owned())
}

/// Most pages `list` follows: 100,000 pages of the server's smallest page.
const MAX_PAGES: usize = 100_000;

/// The `cursor` of the `rel="next"` link in a `Link` header (RFC 8288), if it
/// is one this client can pass on as is (URL-safe characters only).
fn next_cursor(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|link| link.contains("rel=\"next\""))
        .find_map(|link| {
            let target = link.split_once('<')?.1.split_once('>')?.0;
            let query = target.split_once('?')?.1;
            let cursor = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("cursor="))?;
            let safe = !cursor.is_empty()
                && cursor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            safe.then(|| cursor.to_owned())
        })
}

fn new_body(n: &NewApplication) -> serde_json::Value {
    serde_json::json!({
        "client_name": n.client_name.as_str(),
        "scopes": n.grants,
        "admin": n.admin,
    })
}

/// A path segment; client IDs are `[A-Za-z0-9._-]`, which needs no escaping.
fn path_id(id: &ClientId) -> &str {
    id.as_str()
}

#[async_trait]
impl Registry for RemoteRegistry {
    fn region(&self) -> &Region {
        &self.region
    }

    fn location(&self) -> String {
        self.shown.clone()
    }

    /// Every page: the server sends at most a page of applications and a
    /// `Link: <…&cursor=C>; rel="next"` header while more follow.
    async fn read_only_reason(&self) -> Result<Option<ReadOnly>> {
        self.token(false).await?;
        Ok(self.token_reads_only().then_some(ReadOnly::AdminScope))
    }

    async fn list(&self) -> Result<Vec<Application>> {
        self.list_pages("/applications").await
    }

    async fn list_deleted(&self) -> Result<Vec<Application>> {
        self.list_pages("/applications?deleted=true").await
    }

    /// One call of `GET /admin/v1/audit`; the server's page limit caps
    /// `query.limit`, and callers page on by `seq`.
    async fn audit(
        &self,
        query: crate::model::AuditQuery,
    ) -> Result<Vec<crate::model::AuditEvent>> {
        let path = {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("limit", &query.limit.clamp(1, 1000).to_string());
            if let Some(id) = &query.client_id {
                q.append_pair("client_id", id);
            }
            if let Some(action) = query.action {
                q.append_pair("action", action.as_str());
            }
            if let Some(since) = query.since {
                q.append_pair("since", &crate::model::wire::rfc3339(since));
            }
            if query.oldest_first {
                q.append_pair("after_seq", &query.after_seq.unwrap_or(0).to_string());
            } else if let Some(before) = query.before_seq {
                q.append_pair("cursor", &before.to_string());
            }
            format!("/audit?{}", q.finish())
        };
        let bytes = self.call(Method::GET, &path, None, Ctx::default()).await?;
        let mut events: Vec<crate::model::AuditEvent> = self.parse(&bytes)?;
        // Newest first with a lower bound the server has no parameter for.
        if !query.oldest_first
            && let Some(after) = query.after_seq
        {
            events.retain(|e| e.body.seq > after);
        }
        Ok(events)
    }

    async fn get(&self, id: &ClientId) -> Result<Application> {
        let ctx = Ctx::about(id);
        let bytes = self
            .call(
                Method::GET,
                &format!("/applications/{}", path_id(id)),
                None,
                ctx,
            )
            .await?;
        self.application(&bytes)
    }

    async fn create(&self, new: NewApplication) -> Result<Issued> {
        let ctx = Ctx {
            id: None,
            names: vec![new.client_name.to_string()],
        };
        let bytes = self
            .call(Method::POST, "/applications", Some(new_body(&new)), ctx)
            .await?;
        let record: ApplicationRecord = self.parse(&bytes)?;
        self.issued(&record)
    }

    async fn create_many(&self, new: Vec<NewApplication>) -> Result<Vec<Issued>> {
        let ctx = Ctx {
            id: None,
            names: new.iter().map(|n| n.client_name.to_string()).collect(),
        };
        let body =
            serde_json::json!({"applications": new.iter().map(new_body).collect::<Vec<_>>()});
        let bytes = self
            .call(Method::POST, "/applications/batch", Some(body), ctx)
            .await?;
        let records: Vec<ApplicationRecord> = self.parse(&bytes)?;
        records.iter().map(|r| self.issued(r)).collect()
    }

    async fn rename(&self, id: &ClientId, name: AppName) -> Result<Application> {
        let ctx = Ctx {
            id: Some(id),
            names: vec![name.to_string()],
        };
        let body = serde_json::json!({"client_name": name.as_str()});
        let bytes = self
            .call(
                Method::PATCH,
                &format!("/applications/{}", path_id(id)),
                Some(body),
                ctx,
            )
            .await?;
        self.application(&bytes)
    }

    async fn set_access(&self, id: &ClientId, changes: Vec<Grant>) -> Result<Application> {
        let ctx = Ctx::about(id);
        let body = serde_json::json!({"scopes": changes});
        let bytes = self
            .call(
                Method::PATCH,
                &format!("/applications/{}", path_id(id)),
                Some(body),
                ctx,
            )
            .await?;
        self.application(&bytes)
    }

    async fn reset_secret(&self, id: &ClientId) -> Result<Issued> {
        let ctx = Ctx::about(id);
        let bytes = self
            .call(
                Method::POST,
                &format!("/applications/{}/secret", path_id(id)),
                None,
                ctx,
            )
            .await?;
        let record: ApplicationRecord = self.parse(&bytes)?;
        self.issued(&record)
    }

    async fn rotate_secret(&self, id: &ClientId, grace: chrono::Duration) -> Result<Issued> {
        crate::model::check_grace(grace).map_err(RegistryError::InvalidInput)?;
        let ctx = Ctx::about(id);
        let body = serde_json::json!({"grace_seconds": grace.num_seconds()});
        let bytes = self
            .call(
                Method::POST,
                &format!("/applications/{}/secret/rotate", path_id(id)),
                Some(body),
                ctx,
            )
            .await?;
        let record: ApplicationRecord = self.parse(&bytes)?;
        self.issued(&record)
    }

    async fn retire_secret(&self, id: &ClientId) -> Result<Application> {
        let ctx = Ctx::about(id);
        let bytes = self
            .call(
                Method::POST,
                &format!("/applications/{}/secret/retire", path_id(id)),
                None,
                ctx,
            )
            .await?;
        self.application(&bytes)
    }

    /// The server answers with the application as it now is, in its trash.
    async fn delete(&self, id: &ClientId) -> Result<Application> {
        let ctx = Ctx::about(id);
        let bytes = self
            .call(
                Method::DELETE,
                &format!("/applications/{}", path_id(id)),
                None,
                ctx,
            )
            .await?;
        self.application(&bytes)
    }

    async fn suspend(&self, id: &ClientId) -> Result<Application> {
        self.post_action(id, "suspend").await
    }

    async fn resume(&self, id: &ClientId) -> Result<Application> {
        self.post_action(id, "resume").await
    }

    async fn restore(&self, id: &ClientId) -> Result<Application> {
        self.post_action(id, "restore").await
    }

    async fn purge(&self, id: &ClientId) -> Result<()> {
        self.call(
            Method::POST,
            &format!("/applications/{}/purge", path_id(id)),
            None,
            Ctx::about(id),
        )
        .await?;
        Ok(())
    }

    async fn reveal(&self, id: &ClientId) -> Result<SecretReveal> {
        let ctx = Ctx::about(id);
        let bytes = self
            .call(
                Method::GET,
                &format!("/applications/{}/secret", path_id(id)),
                None,
                ctx,
            )
            .await?;
        let reply: SecretReply = self.parse(&bytes)?;
        let secret = ClientSecret::from_string(reply.client_secret);
        let visible_until =
            time(&reply.client_secret_visible_until).map_err(|e| self.storage(e))?;
        if reply.client_id != id.as_str() {
            return Err(self.storage("the server sent another application's secret"));
        }
        Ok(SecretReveal {
            client_id: id.clone(),
            secret,
            visible_until,
        })
    }

    /// Asks the server's token endpoint: the only way to check a secret without
    /// the hash, and it reads the server's store on every call.
    async fn verify_secret(&self, id: &ClientId, secret: &ClientSecret) -> Result<bool> {
        let reply = self
            .http
            .post(format!("{}/oauth2/token", self.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id.as_str()),
                ("client_secret", secret.expose()),
            ])
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        match reply.status() {
            s if s.is_success() => Ok(true),
            StatusCode::UNAUTHORIZED => Ok(false),
            s => {
                let bytes = reply.bytes().await.map_err(|e| self.unreachable(e))?;
                Err(self.error(s, &bytes, Ctx::about(id)))
            }
        }
    }
}
