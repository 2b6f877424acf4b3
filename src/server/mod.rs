//! `keyward serve`: one region's token service over HTTP.
//!
//! - OAuth 2.0: `POST /oauth2/token`, `POST /oauth2/introspect`,
//!   `GET /.well-known/jwks.json`, `GET /.well-known/oauth-authorization-server`.
//! - The admin API under `/admin/v1/`, for clients holding `keyward:admin`.
//! - `GET /healthz`, `GET /openapi.json`.
//!
//! Every request goes to the registry, so a reset or delete made by another
//! process on the same data dir takes effect on the very next request.

pub mod admin;
pub mod connections;
mod errors;
pub mod log_buffer;
pub mod openapi;
pub mod throttle;
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
use axum::routing::{get, post};
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
    pub issuer: TokenIssuer,
    pub catalog: Arc<Catalog>,
    pub region: Region,
    /// Where the token endpoint notes which secret got a token; `None` when
    /// usage recording is off.
    pub usage: Option<Arc<usage::UsageRecorder>>,
    /// The grace of a rotation that names none (`rotation_grace`).
    pub rotation_grace: chrono::Duration,
}

pub type SharedState = Arc<AppState>;

/// A bound, not yet running, server.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: SharedState,
    connections: connections::ConnectionSettings,
    /// How often usage is written; `None`: not recorded.
    usage_every: Option<Duration>,
}

impl Server {
    /// Binds `listen` and loads (or creates) the signing key in `data_dir`.
    /// `issuer` defaults to `http://` plus the bound address.
    pub async fn bind(
        listen: SocketAddr,
        issuer: Option<String>,
        data_dir: &std::path::Path,
        registry: Arc<dyn Registry>,
        catalog: Arc<Catalog>,
    ) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}; is another server using it?"))?;
        let addr = listener.local_addr()?;
        let keys = SigningKeys::load_or_create(data_dir)?;
        let issuer = issuer
            .map(|i| i.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{addr}"));
        let region = registry.region().clone();
        let audience = format!("keyward:{region}");
        Ok(Server {
            listener,
            connections: connections::ConnectionSettings::default(),
            usage_every: Some(usage::DEFAULT_FLUSH_EVERY),
            state: Arc::new(AppState {
                usage: Some(Arc::new(usage::UsageRecorder::default())),
                rotation_grace: crate::model::DEFAULT_ROTATION_GRACE,
                issuer: TokenIssuer::new(keys, issuer, audience),
                throttle: throttle::Throttle::new(throttle::ThrottleSettings::default()),
                registry,
                catalog,
                region,
            }),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn issuer(&self) -> &str {
        self.state.issuer.issuer()
    }

    /// Replaces the default failed-authentication limits.
    pub fn with_throttle(mut self, settings: throttle::ThrottleSettings) -> Self {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.throttle = throttle::Throttle::new(settings);
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
    /// `connections.rs`.
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
        let served = connections::serve(
            self.listener,
            router(self.state),
            self.connections,
            shutdown,
        )
        .await;
        // The last uses are written on the way out; a killed server loses
        // only what it noted since the last write.
        if let Some(flusher) = flusher {
            flusher.abort();
        }
        if let Some(recorder) = &state.usage {
            recorder.flush(state.registry.as_ref()).await;
        }
        served
    }
}

pub fn router(state: SharedState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi::document))
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/introspect", post(token::introspect))
        .route("/.well-known/jwks.json", get(token::jwks))
        .route(
            "/.well-known/oauth-authorization-server",
            get(token::metadata),
        )
        // Nothing the admin API says may be kept by a cache: it names
        // applications, and some replies carry secrets.
        .nest(
            "/admin/v1",
            admin::routes().layer(middleware::map_response(admin_no_store)),
        )
        .fallback(errors::not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn(access_log))
}

async fn admin_no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, errors::NO_STORE);
    response
}

async fn healthz(State(_): State<SharedState>) -> impl IntoResponse {
    "ok\n"
}

/// One line per request: method, path (never the query, which a careless
/// client could fill with credentials), status and time. No headers, no bodies.
async fn access_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    // A cheap clone (shared bytes); the printable path is only built when the
    // line is logged.
    let uri = req.uri().clone();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    // Successes are routine (a token issued logs its own line), so they go at
    // debug; refusals at info; server faults at warn.
    macro_rules! log {
        ($level:ident) => {
            tracing::$level!(%method, path = %crate::text::printable_truncated(uri.path(), 120), status, micros, "request")
        };
    }
    if status >= 500 {
        log!(warn);
    } else if status >= 400 {
        log!(info);
    } else {
        log!(debug);
    }
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
