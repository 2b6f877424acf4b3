//! `--metrics-listen`: Prometheus text at `/metrics` on a port of its own.
//! A test asks for a known number of tokens and known failures, then scrapes
//! and parses the text: every counter says exactly what happened, the public
//! port has no `/metrics`, and no client ID, secret or address is a label.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{AppName, Grant, NewApplication, Region};
use keyward::registry::embedded::EmbeddedStore;
use keyward::registry::{Issued, Registry};
use keyward::server::Server;
use keyward::server::throttle::ThrottleSettings;

/// Wrong secrets a client ID may send before it is throttled.
const CLIENT_FAILURES: u32 = 3;

struct Running {
    public: String,
    metrics: String,
    app: Issued,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::builtin());
    let store = EmbeddedStore::open(dir.path(), catalog.clone(), Duration::from_secs(900)).unwrap();
    let registry: Arc<dyn Registry> = Arc::new(store.registry(Region::new("us").unwrap()));
    let app = registry
        .create(NewApplication {
            client_name: AppName::parse("Metered").unwrap(),
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
    .unwrap()
    .with_throttle(ThrottleSettings {
        client_failures: CLIENT_FAILURES,
        address_failures: 0,
        window: Duration::from_secs(600),
    })
    // No usage writes: they would move the cache's generation mid-test.
    .with_usage(None)
    .with_metrics("127.0.0.1:0".parse().unwrap())
    .await
    .unwrap();
    let public = format!("http://{}", server.local_addr().unwrap());
    let metrics = format!("http://{}", server.metrics_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    Running {
        public,
        metrics,
        app,
        _dir: dir,
    }
}

/// The samples of a Prometheus text scrape: `name{labels}` to value. Every
/// line is a comment or a sample, and each sample's value is a number.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
        assert!(samples.insert(series.to_owned(), value).is_none(), "{line}");
    }
    samples
}

async fn token_status(url: &str, form: &[(&str, &str)]) -> u16 {
    reqwest::Client::new()
        .post(format!("{url}/oauth2/token"))
        .form(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn metrics_count_exactly_the_tokens_and_failures_asked_for() {
    let server = start().await;
    let id = server.app.application.client_id.to_string();
    let secret = server.app.reveal.secret.expose().to_owned();
    let good = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    const TOKENS: usize = 7;
    for _ in 0..TOKENS {
        assert_eq!(token_status(&server.public, &good).await, 200);
    }
    // Known failures, each with its OAuth error code.
    let wrong = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", "not-the-secret"),
    ];
    for _ in 0..CLIENT_FAILURES {
        assert_eq!(token_status(&server.public, &wrong).await, 401);
    }
    assert_eq!(token_status(&server.public, &wrong).await, 429, "throttled");
    let mut scoped = good.to_vec();
    scoped.push(("scope", "forensics:account:write"));
    for _ in 0..2 {
        assert_eq!(token_status(&server.public, &scoped).await, 400);
    }
    let mut password = good.to_vec();
    password[0] = ("grant_type", "password");
    assert_eq!(token_status(&server.public, &password).await, 400);
    // An admin call without a token.
    let http = reqwest::Client::new();
    let admin = http
        .get(format!("{}/admin/v1/applications", server.public))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 401);

    the_ports_are_apart(&server, &good).await;
    let reply = http
        .get(format!("{}/metrics", server.metrics))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let content_type = reply.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = reply.text().await.unwrap();
    let samples = parse(&text);
    let at = |series: &str| {
        *samples
            .get(series)
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    };
    assert_eq!(
        at(r#"keyward_tokens_issued_total{region="us"}"#),
        TOKENS as f64
    );
    for (code, n) in [
        ("invalid_client", CLIENT_FAILURES),
        ("temporarily_unavailable", 1),
        ("invalid_scope", 2),
        ("unsupported_grant_type", 1),
    ] {
        let series = format!(r#"keyward_token_failures_total{{region="us",error="{code}"}}"#);
        assert_eq!(at(&series), f64::from(n), "{series}");
    }
    let failures: f64 = samples
        .iter()
        .filter(|(k, _)| k.starts_with("keyward_token_failures_total"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(
        failures,
        f64::from(CLIENT_FAILURES + 4),
        "no other failures"
    );
    assert_eq!(at(r#"keyward_throttled_requests_total{region="us"}"#), 1.0);
    assert_eq!(
        at(r#"keyward_admin_requests_total{region="us",status="4xx"}"#),
        1.0
    );
    assert_eq!(at(r#"keyward_store_errors_total{region="us"}"#), 0.0);
    let requests = TOKENS as u32 + CLIENT_FAILURES + 4;
    assert_eq!(
        at(r#"keyward_token_request_duration_seconds_count{region="us"}"#),
        f64::from(requests)
    );
    assert_eq!(
        at(r#"keyward_token_request_duration_seconds_bucket{region="us",le="+Inf"}"#),
        f64::from(requests)
    );
    // Every authentication looked the client up; the first read the store,
    // later ones may be answered by the cache.
    let hits = at(r#"keyward_auth_cache_hits_total{region="us"}"#);
    let misses = at(r#"keyward_auth_cache_misses_total{region="us"}"#);
    assert!(misses >= 1.0 && hits >= 1.0, "hits {hits}, misses {misses}");

    // Bounded labels only: no client ID, secret or address.
    for leak in [id.as_str(), secret.as_str(), "127.0.0.1", "not-the-secret"] {
        assert!(!text.contains(leak), "{leak} in\n{text}");
    }
    only_bounded_labels(&samples);
}

/// Every label is one of the bounded few.
fn only_bounded_labels(samples: &HashMap<String, f64>) {
    for series in samples.keys() {
        let labels = series.split_once('{').map_or("", |(_, l)| l);
        for label in labels
            .trim_end_matches('}')
            .split(',')
            .filter(|l| !l.is_empty())
        {
            let name = label.split('=').next().unwrap();
            assert!(
                ["region", "error", "status", "le"].contains(&name),
                "{series}"
            );
        }
    }
}

/// The public port has no metrics; the metrics port has nothing else.
async fn the_ports_are_apart(server: &Running, good: &[(&str, &str)]) {
    let http = reqwest::Client::new();
    let public = http
        .get(format!("{}/metrics", server.public))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    let other = http
        .post(format!("{}/oauth2/token", server.metrics))
        .form(good)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}
