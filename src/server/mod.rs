//! `keyward serve`: one region's token service over HTTP.
//!
//! - OAuth 2.0: `POST /oauth2/token`, `POST /oauth2/introspect`,
//!   `GET /.well-known/jwks.json`, `GET /.well-known/oauth-authorization-server`.
//! - The admin API under `/admin/v1/`, for clients holding `keyward:admin`.
//! - `GET /healthz` (liveness), `GET /readyz` (the store answers; `ready.rs`),
//!   `GET /openapi.json`.
//!
//! With `--metrics-listen`, Prometheus metrics on a listener of their own
//! (`metrics.rs`). Every reply carries an `X-Request-Id` (`request_id.rs`).
//!
//! Every request goes to the registry, so a reset or delete made by another
//! process on the same data dir takes effect on the very next request. The
//! region's signing keys are re-read every `oauth::ring::RELOAD_EVERY`, so a
//! key rotation made elsewhere is picked up without a restart.

pub mod admin;
mod admin_audit;
pub mod connections;
mod errors;
pub mod log_buffer;
pub mod metrics;
pub mod openapi;
pub mod proxy;
pub mod ready;
pub mod request_id;
pub mod request_log;
pub mod security_events;
pub mod throttle;
pub mod tls;
mod token;
pub mod usage;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use tower_http::timeout::TimeoutLayer;

use crate::catalog::Catalog;
use crate::model::Region;
use crate::oauth::{SigningKeys, TokenIssuer};
use crate::registry::Registry;

/// Largest request body: token requests are a few hundred bytes, and an admin
/// batch of a few hundred applications fits easily.
pub const BODY_LIMIT: usize = 256 * 1024;
/// A request that takes longer than this (a stalled client, a locked database)
/// gets 408 instead of holding a connection forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the handlers share.
pub struct AppState {
    pub registry: Arc<dyn Registry>,
    pub throttle: throttle::Throttle,
    /// Counts requests and writes the log's summaries; see `request_log.rs`.
    pub request_log: request_log::RequestLog,
    pub issuer: TokenIssuer,
    pub catalog: Arc<Catalog>,
    pub region: Region,
    /// Where the token endpoint notes which secret got a token; `None` when
    /// usage recording is off.
    pub usage: Option<Arc<usage::UsageRecorder>>,
    /// The grace of a rotation that names none (`rotation_grace`).
    pub rotation_grace: chrono::Duration,
    /// Throttling and refused admin calls, for the audit log, once per window.
    pub security_events: security_events::SecurityEvents,
    /// What `/readyz` last found, so only changes are logged.
    pub readiness: ready::Readiness,
    /// Peers whose forwarding headers name the client; see `proxy.rs`.
    pub trusted_proxies: proxy::TrustedProxies,
    /// `Cache-Control` of the JWKS and the metadata, from the publish delay.
    pub public_cache: axum::http::HeaderValue,
    /// Counters for `/metrics`; `None` without `--metrics-listen`, and then
    /// nothing is counted.
    pub metrics: Option<Arc<metrics::Metrics>>,
}

/// `public, max-age=N` for a publish delay (see `oauth::ring::cache_max_age`).
fn public_cache(publish_delay: Duration) -> axum::http::HeaderValue {
    let age = crate::oauth::ring::cache_max_age(publish_delay).as_secs();
    axum::http::HeaderValue::from_str(&format!("public, max-age={age}"))
        .unwrap_or(axum::http::HeaderValue::from_static("no-cache"))
}

pub type SharedState = Arc<AppState>;

/// A bound, not yet running, server.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: SharedState,
    connections: connections::ConnectionSettings,
    /// How often usage is written; `None`: not recorded.
    usage_every: Option<Duration>,
    /// The certificate and key when serving TLS; `SIGHUP` reloads them.
    tls: Option<Arc<tls::Tls>>,
    /// Whether the registry keeps the signing keys, so they are re-read.
    reload_keys: bool,
    /// Where `/metrics` is served (`--metrics-listen`), bound already.
    metrics_listener: Option<tokio::net::TcpListener>,
}

impl Server {
    /// Binds `listen` and reads the region's signing keys from `registry`
    /// (which makes the first one if there is none). A registry that keeps no
    /// keys (a remote region, served here as a front) signs with the key file
    /// in `data_dir`, made if needed. `issuer` defaults to `http://` plus the
    /// bound address.
    pub async fn bind(
        listen: SocketAddr,
        issuer: Option<String>,
        data_dir: &std::path::Path,
        registry: Arc<dyn Registry>,
        catalog: Arc<Catalog>,
    ) -> anyhow::Result<Self> {
        Self::bind_tls(listen, issuer, data_dir, registry, catalog, None).await
    }

    /// [`Server::bind`], serving TLS with `tls` when given (then `issuer`
    /// defaults to `https://` plus the bound address). The pair is checked
    /// before anything is bound.
    pub async fn bind_tls(
        listen: SocketAddr,
        issuer: Option<String>,
        data_dir: &std::path::Path,
        registry: Arc<dyn Registry>,
        catalog: Arc<Catalog>,
        tls: Option<tls::TlsFiles>,
    ) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let tls = tls.map(tls::Tls::open).transpose()?.map(Arc::new);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}; is another server using it?"))?;
        let addr = listener.local_addr()?;
        let (ring, reload_keys) = match registry.signing_keys().await {
            Ok(ring) => (ring, true),
            Err(crate::registry::RegistryError::KeysElsewhere { .. }) => (
                crate::oauth::KeyRing::single(SigningKeys::load_or_create(data_dir)?),
                false,
            ),
            Err(e) => return Err(e.into()),
        };
        let issuer = issuer
            .map(|i| i.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("{scheme}://{addr}"));
        let region = registry.region().clone();
        let audience = format!("keyward:{region}");
        Ok(Server {
            listener,
            connections: connections::ConnectionSettings::default(),
            usage_every: Some(usage::DEFAULT_FLUSH_EVERY),
            tls,
            reload_keys,
            metrics_listener: None,
            state: Arc::new(AppState {
                metrics: None,
                usage: Some(Arc::new(usage::UsageRecorder::default())),
                rotation_grace: crate::model::DEFAULT_ROTATION_GRACE,
                readiness: ready::Readiness::default(),
                trusted_proxies: proxy::TrustedProxies::default(),
                public_cache: public_cache(crate::oauth::ring::DEFAULT_PUBLISH_DELAY),
                issuer: TokenIssuer::with_ring(ring, issuer, audience),
                throttle: throttle::Throttle::new(throttle::ThrottleSettings::default()),
                request_log: request_log::RequestLog::new(
                    request_log::RequestLogSettings::default(),
                ),
                security_events: security_events::SecurityEvents::new(
                    throttle::ThrottleSettings::default().window,
                ),
                registry,
                catalog,
                region,
            }),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Whether it serves TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    pub fn issuer(&self) -> &str {
        self.state.issuer.issuer()
    }

    /// Replaces the default failed-authentication limits.
    pub fn with_throttle(mut self, settings: throttle::ThrottleSettings) -> Self {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.security_events = security_events::SecurityEvents::new(settings.window);
            state.throttle = throttle::Throttle::new(settings);
        }
        self
    }

    /// Replaces the default interval of the log's summaries.
    pub fn with_request_log(mut self, settings: request_log::RequestLogSettings) -> Self {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.request_log = request_log::RequestLog::new(settings);
        }
        self
    }

    /// Replaces the default connection cap and header-read timeout.
    pub fn with_connections(mut self, settings: connections::ConnectionSettings) -> Self {
        self.connections = settings;
        self
    }

    /// How often to write usage records; `None` turns recording off (for
    /// comparing throughput with and without it).
    pub fn with_usage(mut self, every: Option<Duration>) -> Self {
        self.usage_every = every;
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.usage = every.map(|_| Arc::new(usage::UsageRecorder::default()));
        }
        self
    }

    /// The proxies whose `X-Forwarded-For` or `Forwarded` headers name the
    /// client (for throttling, usage and logs); none by default.
    pub fn with_trusted_proxies(mut self, trusted: proxy::TrustedProxies) -> Self {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.trusted_proxies = trusted;
        }
        self
    }

    /// The publish delay of signing-key rotations in this region
    /// (`signing_key_publish_delay_seconds`), which bounds how long caches may
    /// keep the JWKS and the metadata.
    pub fn with_publish_delay(mut self, delay: Duration) -> Self {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.public_cache = public_cache(delay);
        }
        self
    }

    /// Serves Prometheus metrics at `/metrics` on `listen`, a listener of
    /// its own (see `metrics.rs`); binds it now, so a busy address fails
    /// before serving starts.
    pub async fn with_metrics(mut self, listen: SocketAddr) -> anyhow::Result<Self> {
        let listener = metrics::bind(listen).await?;
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.metrics = Some(Arc::new(metrics::Metrics::new(
                &state.region,
                state.registry.clone(),
            )));
            self.metrics_listener = Some(listener);
        }
        Ok(self)
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// The grace of a rotation that names none.
    pub fn with_rotation_grace(mut self, grace: chrono::Duration) -> Self {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.rotation_grace = grace;
        }
        self
    }

    /// Writes the usage noted so far now, as a graceful shutdown does (for
    /// in-process use: benchmarks and tests).
    pub async fn flush_usage(&self) {
        if let Some(recorder) = &self.state.usage {
            recorder.flush(self.state.registry.as_ref()).await;
        }
    }

    /// The router this server would run, for in-process use (benchmarks).
    pub fn router(&self) -> Router {
        router(self.state.clone())
    }

    /// The token issuer, for in-process use (benchmarks).
    pub fn issuer_handle(&self) -> &crate::oauth::jwt::TokenIssuer {
        &self.state.issuer
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    /// Connections are capped and must send a request's head in time; see
    /// `connections.rs`. The log gets a summary every interval, and one of
    /// the last part when the server stops.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state.clone();
        let flusher = match (&state.usage, self.usage_every) {
            (Some(recorder), Some(every)) => Some(usage::spawn_flusher(
                recorder.clone(),
                state.registry.clone(),
                every,
            )),
            _ => None,
        };
        let summaries = tokio::spawn(summarise_every_interval(state.clone()));
        let key_reloads = self
            .reload_keys
            .then(|| tokio::spawn(reload_keys_every_period(state.clone())));
        let metrics = match (self.metrics_listener, &state.metrics) {
            (Some(listener), Some(m)) => Some(tokio::spawn(metrics::serve(
                listener,
                m.clone(),
                std::future::pending(),
            ))),
            _ => None,
        };
        let reloads = match &self.tls {
            // Made here, before serving: from now on a SIGHUP reloads.
            Some(tls) => Some(tokio::spawn(tls::reload_on_hangup(
                tls.clone(),
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?,
            ))),
            None => None,
        };
        let served = connections::serve(
            self.listener,
            router(self.state),
            self.connections,
            self.tls,
            shutdown,
        )
        .await;
        if let Some(reloads) = reloads {
            reloads.abort();
        }
        // A scrape in flight is cut: the process is going away.
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        // The last uses are written on the way out; a killed server loses
        // only what it noted since the last write.
        if let Some(flusher) = flusher {
            flusher.abort();
        }
        if let Some(recorder) = &state.usage {
            recorder.flush(state.registry.as_ref()).await;
        }
        summaries.abort();
        if let Some(reloads) = key_reloads {
            reloads.abort();
        }
        state.request_log.summarise(&state.region);
        served
    }
}

pub fn router(state: SharedState) -> Router {
    let no_store = || middleware::map_response(errors::no_store);
    // Tokens and what introspection says about them must not be cached.
    let oauth = Router::new()
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/introspect", post(token::introspect))
        .layer(no_store());
    let router = Router::new()
        .route("/healthz", get(healthz))
        // Readiness changes from one probe to the next: never cached.
        .route("/readyz", get(ready::readyz).layer(no_store()))
        .route("/openapi.json", get(openapi::document))
        .route("/.well-known/jwks.json", get(token::jwks))
        .route(
            "/.well-known/oauth-authorization-server",
            get(token::metadata),
        )
        .merge(oauth)
        // Nothing the admin API says may be kept by a cache: it names
        // applications, and some replies carry secrets.
        .nest("/admin/v1", admin::routes().layer(no_store()))
        // After every route: it applies to the routes registered before it.
        .method_not_allowed_fallback(errors::method_not_allowed)
        .fallback_service(any(errors::not_found).layer(no_store()))
        .with_state(state.clone())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), access_log));
    // Only behind trusted proxies: without any, the token path skips it.
    if state.trusted_proxies.is_empty() {
        router
    } else {
        router.layer(middleware::from_fn_with_state(state, proxy::real_client))
    }
}

async fn summarise_every_interval(state: SharedState) {
    let every = state.request_log.summary_every();
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        state.request_log.summarise(&state.region);
    }
}

/// Re-reads the region's signing keys every `RELOAD_EVERY`, so a rotation
/// made by another process (the CLI, another replica) signs here without a
/// restart. Safe because the publish delay is longer than this period (a
/// shorter one is refused): this server publishes a new key before any
/// server signs with it. A failed read keeps the keys it has, and is
/// logged once until a read works again.
async fn reload_keys_every_period(state: SharedState) {
    let every = crate::oauth::ring::RELOAD_EVERY;
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticks.tick().await;
        match state.registry.signing_keys().await {
            Ok(ring) => {
                if failing {
                    tracing::info!("the signing keys can be read again");
                    failing = false;
                }
                state.issuer.set_ring(ring);
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot re-read the signing keys; signing with those already read");
                    failing = true;
                }
            }
        }
    }
}

async fn healthz(State(_): State<SharedState>) -> impl IntoResponse {
    "ok\n"
}

/// Counts every request for the log's summary (see `request_log.rs`) and the
/// metrics (`metrics.rs`), and gives it its request ID (`request_id.rs`),
/// returned in `X-Request-Id`. A line per request (method, path, status,
/// time, request ID) only when per-request lines are on, and for server
/// errors within their budget; the request's other lines carry its ID
/// through a span, also only when per-request lines are on. Never the query,
/// which a careless client could fill with credentials; no headers, no bodies.
async fn access_log(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    use tracing::Instrument as _;
    let started = Instant::now();
    let method = req.method().clone();
    // A cheap clone (shared bytes); the printable path is only built when the
    // line is logged.
    let uri = req.uri().clone();
    let request_id = match req.extensions().get::<request_id::Forwarded>() {
        Some(request_id::Forwarded(id)) => id.clone(),
        None => request_id::generate(),
    };
    // Both checked by `request_id`: plain ASCII.
    let id = request_id.to_str().unwrap_or("-");
    let span =
        tracing::debug_span!(target: request_log::REQUESTS_TARGET, "request", request_id = id);
    let mut response = next.run(req).instrument(span).await;
    let status = response.status().as_u16();
    let took = started.elapsed();
    let micros = took.as_micros() as u64;
    if let Some(m) = &state.metrics {
        let failure = response.extensions().get::<metrics::Failure>().copied();
        m.record(metrics::Endpoint::of(uri.path()), status, failure, took);
    }
    let path = || crate::text::printable_truncated(uri.path(), 120);
    tracing::debug!(target: request_log::REQUESTS_TARGET, %method, path = %path(), status, micros, request_id = id, "request");
    if state.request_log.request_done(status) {
        tracing::warn!(%method, path = %path(), status, micros, request_id = id, "request failed on the server's side");
    }
    response
        .headers_mut()
        .insert(request_id::HEADER, request_id.clone());
    response
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppName, Grant, NewApplication};
    use crate::registry::embedded::EmbeddedStore;
    use axum::body::Body;
    use axum::http::{Request, header};
    use base64::Engine as _;
    use tower::ServiceExt as _;

    /// Tokens, introspection, the admin API and every error reply are marked
    /// `no-store` (with `Pragma: no-cache`) by one layer; the public
    /// documents are not, and the JWKS and the metadata may be cached for
    /// less than half the default publish delay of a new signing key.
    #[tokio::test]
    async fn only_the_public_documents_may_be_cached() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Arc::new(Catalog::builtin());
        let store =
            EmbeddedStore::open(dir.path(), catalog.clone(), Duration::from_secs(900)).unwrap();
        let registry: Arc<dyn Registry> = Arc::new(store.registry(Region::new("us").unwrap()));
        let issued = registry
            .create(NewApplication {
                client_name: AppName::parse("App").unwrap(),
                grants: vec![Grant::parse_assignment("ess:account=read").unwrap()],
                admin: false,
            })
            .await
            .unwrap();
        let server = Server::bind(
            "127.0.0.1:0".parse().unwrap(),
            None,
            dir.path(),
            registry,
            catalog,
        )
        .await
        .unwrap();
        let router = server.router();
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                issued.application.client_id,
                issued.reveal.secret.expose()
            ))
        );
        let token_request = |auth: &str| {
            Request::post("/oauth2/token")
                .header(header::AUTHORIZATION, auth)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("grant_type=client_credentials"))
                .unwrap()
        };
        let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
        let no_store = (Some("no-store"), Some("no-cache"));
        for (request, status, caching) in [
            (get("/healthz"), 200, (None, None)),
            (get("/readyz"), 200, no_store),
            (get("/openapi.json"), 200, (None, None)),
            (
                get("/.well-known/jwks.json"),
                200,
                (Some("public, max-age=299"), None),
            ),
            (
                get("/.well-known/oauth-authorization-server"),
                200,
                (Some("public, max-age=299"), None),
            ),
            (token_request(&basic), 200, no_store),
            (token_request("Basic eDp5"), 401, no_store),
            (
                Request::post("/oauth2/introspect")
                    .body(Body::empty())
                    .unwrap(),
                401,
                no_store,
            ),
            (get("/admin/v1/applications"), 401, no_store),
            (get("/admin/v1/nope"), 404, no_store),
            (get("/nope"), 404, no_store),
            (
                Request::post("/nope").body(Body::empty()).unwrap(),
                404,
                no_store,
            ),
        ] {
            let what = format!("{} {}", request.method(), request.uri());
            let response = router.clone().oneshot(request).await.unwrap();
            let header = |name| {
                response
                    .headers()
                    .get(name)
                    .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
            };
            assert_eq!(response.status().as_u16(), status, "{what}");
            let found = (header(header::CACHE_CONTROL), header(header::PRAGMA));
            assert_eq!((found.0.as_deref(), found.1.as_deref()), caching, "{what}");
        }
    }
}
