//! `keyward serve --metrics-listen ADDR`: Prometheus metrics at `/metrics`,
//! on a listener of their own so the public port never serves them.
//!
//! Written with `prometheus-client` (the Prometheus project's Rust client) in
//! the Prometheus text format. Every series carries the `region` label; the
//! only other labels are the OAuth error code (`error`, one of a fixed set of
//! codes the server itself writes) and an HTTP status class (`status`:
//! `2xx`…`5xx`). Never a client ID, an address or a path: labels stay bounded
//! whatever clients send.
//!
//! The token path pays one atomic increment and, for the latency histogram,
//! one short lock; the request's start time is taken anyway for the log.
//! Everything is recorded in one place, `record`, called by the access-log
//! middleware once the reply is known. The cache counts are read from the
//! registry at each scrape (`Registry::auth_cache_counts`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

use crate::model::Region;
use crate::registry::Registry;

/// Upper bounds of the token endpoint's latency buckets, in seconds: from
/// 100 µs (a cached client on an idle server) to 1 s (a store in trouble).
const LATENCY_BUCKETS: [f64; 13] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];

/// The OAuth error code of a failed request: a `&'static str` the server
/// wrote (see `errors::ApiError`), so the label's values are a fixed set.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabel {
    error: &'static str,
}

/// An HTTP status class: `2xx`, `3xx`, `4xx` or `5xx`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

/// What a failed reply says about itself, put in its extensions by
/// `ApiError::into_response` for [`Metrics::record`].
#[derive(Clone, Copy, Debug)]
pub struct Failure {
    /// The OAuth (or admin API) error code.
    pub code: &'static str,
    /// The store could not be reached or failed.
    pub store: bool,
}

/// Which kind of endpoint a request went to, as far as metrics care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Admin,
    Other,
}

impl Endpoint {
    pub fn of(path: &str) -> Self {
        if path == "/oauth2/token" {
            Endpoint::Token
        } else if path.starts_with("/admin/v1/") || path == "/admin/v1" {
            Endpoint::Admin
        } else {
            Endpoint::Other
        }
    }
}

/// The counters and the histogram, and the registry they are written from.
pub struct Metrics {
    registry: prometheus_client::registry::Registry,
    tokens_issued: Counter,
    token_failures: Family<ErrorLabel, Counter>,
    throttled: Counter,
    admin_calls: Family<StatusLabel, Counter>,
    store_errors: Counter,
    token_seconds: Histogram,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Reads the store's cache counts at each scrape.
struct AuthCacheCollector {
    store: Arc<dyn Registry>,
}

impl std::fmt::Debug for AuthCacheCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCacheCollector")
    }
}

impl Collector for AuthCacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(counts) = self.store.auth_cache_counts() else {
            return Ok(());
        };
        for (name, help, value) in [
            (
                "keyward_auth_cache_hits",
                "Client lookups of the token path answered from the cache",
                counts.hits,
            ),
            (
                "keyward_auth_cache_misses",
                "Client lookups of the token path that read the store",
                counts.misses,
            ),
        ] {
            let counter = ConstCounter::new(value);
            let metric = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
            counter.encode(metric)?;
        }
        Ok(())
    }
}

/// The status class of `status` as a label value.
fn status_class(status: u16) -> &'static str {
    match status {
        ..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl Metrics {
    /// Every metric of a server for `region`, the cache counts read from
    /// `store` at each scrape.
    pub fn new(region: &Region, store: Arc<dyn Registry>) -> Self {
        let mut root = prometheus_client::registry::Registry::with_labels(
            [("region".into(), region.as_str().to_owned().into())].into_iter(),
        );
        let metrics = Metrics {
            tokens_issued: Counter::default(),
            token_failures: Family::default(),
            throttled: Counter::default(),
            admin_calls: Family::default(),
            store_errors: Counter::default(),
            token_seconds: Histogram::new(LATENCY_BUCKETS),
            registry: prometheus_client::registry::Registry::default(),
        };
        root.register(
            "keyward_tokens_issued",
            "Access tokens issued by the token endpoint",
            metrics.tokens_issued.clone(),
        );
        root.register(
            "keyward_token_failures",
            "Token requests refused, by OAuth error code",
            metrics.token_failures.clone(),
        );
        root.register(
            "keyward_throttled_requests",
            "Requests refused with 429 by the failed-authentication throttle",
            metrics.throttled.clone(),
        );
        root.register(
            "keyward_admin_requests",
            "Admin API calls, by status class",
            metrics.admin_calls.clone(),
        );
        root.register(
            "keyward_store_errors",
            "Requests that failed because the store failed or could not be reached",
            metrics.store_errors.clone(),
        );
        root.register(
            "keyward_token_request_duration_seconds",
            "Time to answer a token request, from its head to the reply",
            metrics.token_seconds.clone(),
        );
        root.register_collector(Box::new(AuthCacheCollector { store }));
        Metrics {
            registry: root,
            ..metrics
        }
    }

    /// Counts one answered request.
    pub fn record(
        &self,
        endpoint: Endpoint,
        status: u16,
        failure: Option<Failure>,
        took: Duration,
    ) {
        if status == 429 {
            self.throttled.inc();
        }
        if failure.is_some_and(|f| f.store) {
            self.store_errors.inc();
        }
        match endpoint {
            Endpoint::Token => {
                self.token_seconds.observe(took.as_secs_f64());
                match failure {
                    None if status == 200 => {
                        self.tokens_issued.inc();
                    }
                    Some(f) => {
                        self.token_failures
                            .get_or_create(&ErrorLabel { error: f.code })
                            .inc();
                    }
                    // A reply the server did not write itself (a timeout).
                    None => {
                        let error = if status == 408 {
                            "request_timeout"
                        } else {
                            "other"
                        };
                        self.token_failures
                            .get_or_create(&ErrorLabel { error })
                            .inc();
                    }
                }
            }
            Endpoint::Admin => {
                self.admin_calls
                    .get_or_create(&StatusLabel {
                        status: status_class(status),
                    })
                    .inc();
            }
            Endpoint::Other => {}
        }
    }

    /// The Prometheus text of every metric now.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::with_capacity(4096);
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The metrics listener's router: `GET /metrics`, and 404 for anything else.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(metrics)
}

async fn scrape(State(metrics): State<Arc<Metrics>>) -> Response {
    match metrics.encode() {
        Ok(text) => {
            let mut reply = text.into_response();
            reply.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                ),
            );
            reply
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Serves `metrics` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(metrics))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Binds the metrics address, saying which flag it came from when it cannot.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    use anyhow::Context as _;
    tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!(
            "cannot listen for metrics on {addr} (--metrics-listen); is another server using it?"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::registry::embedded::EmbeddedStore;

    fn metrics() -> (tempfile::TempDir, Metrics) {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(
            dir.path(),
            Arc::new(Catalog::builtin()),
            Duration::from_secs(900),
        )
        .unwrap();
        let registry: Arc<dyn Registry> = Arc::new(store.registry(Region::new("us").unwrap()));
        (dir, Metrics::new(&Region::new("us").unwrap(), registry))
    }

    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn replies_are_counted_by_endpoint_code_and_status_class() {
        let (_dir, m) = metrics();
        let ms = Duration::from_millis(1);
        let failure = |code| Some(Failure { code, store: false });
        m.record(Endpoint::Token, 200, None, ms);
        m.record(Endpoint::Token, 200, None, ms);
        m.record(Endpoint::Token, 401, failure("invalid_client"), ms);
        m.record(Endpoint::Token, 429, failure("temporarily_unavailable"), ms);
        m.record(Endpoint::Admin, 200, None, ms);
        m.record(Endpoint::Admin, 403, failure("insufficient_scope"), ms);
        m.record(
            Endpoint::Admin,
            500,
            Some(Failure {
                code: "server_error",
                store: true,
            }),
            ms,
        );
        m.record(Endpoint::Other, 404, failure("not_found"), ms);
        let text = m.encode().unwrap();
        for (series, want) in [
            (r#"keyward_tokens_issued_total{region="us"}"#, 2.0),
            (
                r#"keyward_token_failures_total{region="us",error="invalid_client"}"#,
                1.0,
            ),
            (
                r#"keyward_token_failures_total{region="us",error="temporarily_unavailable"}"#,
                1.0,
            ),
            (r#"keyward_throttled_requests_total{region="us"}"#, 1.0),
            (
                r#"keyward_admin_requests_total{region="us",status="2xx"}"#,
                1.0,
            ),
            (
                r#"keyward_admin_requests_total{region="us",status="4xx"}"#,
                1.0,
            ),
            (
                r#"keyward_admin_requests_total{region="us",status="5xx"}"#,
                1.0,
            ),
            (r#"keyward_store_errors_total{region="us"}"#, 1.0),
            (
                r#"keyward_token_request_duration_seconds_count{region="us"}"#,
                4.0,
            ),
            (r#"keyward_auth_cache_hits_total{region="us"}"#, 0.0),
            (r#"keyward_auth_cache_misses_total{region="us"}"#, 0.0),
        ] {
            assert_eq!(value(&text, series), Some(want), "{series} in\n{text}");
        }
    }

    #[test]
    fn endpoints_are_told_by_path() {
        assert_eq!(Endpoint::of("/oauth2/token"), Endpoint::Token);
        assert_eq!(Endpoint::of("/oauth2/token/x"), Endpoint::Other);
        assert_eq!(Endpoint::of("/admin/v1/applications"), Endpoint::Admin);
        assert_eq!(Endpoint::of("/admin/v10"), Endpoint::Other);
        assert_eq!(Endpoint::of("/healthz"), Endpoint::Other);
    }
}
