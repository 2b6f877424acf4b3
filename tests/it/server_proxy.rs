//! Behind trusted proxies (`--trusted-proxy`): `X-Forwarded-For` names the
//! client for throttling and usage, so two clients behind one balancer are
//! throttled apart; from an untrusted peer the header changes nothing, so a
//! client cannot dodge its throttle by writing one. Everything stays on
//! loopback: the proxy is this test, sending the headers a proxy would.

use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{AppName, NewApplication, Region};
use keyward::registry::embedded::EmbeddedStore;
use keyward::registry::{Issued, Registry};
use keyward::server::Server;
use keyward::server::proxy::TrustedProxies;
use keyward::server::throttle::ThrottleSettings;

/// Failures one address may have before it waits.
const ADDRESS_FAILURES: u32 = 3;

struct Running {
    url: String,
    registry: Arc<dyn Registry>,
    _dir: tempfile::TempDir,
}

async fn start(trusted: &[&str]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::builtin());
    let store = EmbeddedStore::open(dir.path(), catalog.clone(), Duration::from_secs(900)).unwrap();
    let registry: Arc<dyn Registry> = Arc::new(store.registry(Region::new("us").unwrap()));
    let trusted = TrustedProxies::new(
        trusted
            .iter()
            .map(|c| TrustedProxies::parse_cidr(c).unwrap())
            .collect(),
    );
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        None,
        dir.path(),
        registry.clone(),
        catalog,
    )
    .await
    .unwrap()
    .with_throttle(ThrottleSettings {
        client_failures: 1000,
        address_failures: ADDRESS_FAILURES,
        window: Duration::from_secs(600),
    })
    .with_usage(Some(Duration::from_millis(100)))
    .with_trusted_proxies(trusted);
    let url = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    Running {
        url,
        registry,
        _dir: dir,
    }
}

async fn app(r: &Running) -> Issued {
    r.registry
        .create(NewApplication {
            client_name: AppName::parse("App").unwrap(),
            grants: vec![],
            admin: false,
        })
        .await
        .unwrap()
}

/// A token request with `secret`, forwarded for `client` (None: no header).
async fn token(r: &Running, a: &Issued, secret: &str, client: Option<&str>) -> u16 {
    let mut req = reqwest::Client::new()
        .post(format!("{}/oauth2/token", r.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", a.application.client_id.as_str()),
            ("client_secret", secret),
        ]);
    if let Some(c) = client {
        req = req.header("x-forwarded-for", format!("198.51.100.99, {c}"));
    }
    req.send().await.unwrap().status().as_u16()
}

/// Fails `ADDRESS_FAILURES` times as `client`, then checks it waits.
async fn exhaust(r: &Running, a: &Issued, client: Option<&str>) {
    for _ in 0..ADDRESS_FAILURES {
        assert_eq!(token(r, a, "wrong", client).await, 401);
    }
    let secret = a.reveal.secret.expose();
    assert_eq!(token(r, a, secret, client).await, 429, "{client:?} waits");
}

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_throttled_apart() {
    let r = start(&["127.0.0.1"]).await;
    let a = app(&r).await;
    let secret = a.reveal.secret.expose();
    exhaust(&r, &a, Some("203.0.113.1")).await;
    // Another client behind the same proxy is not held up ...
    assert_eq!(token(&r, &a, secret, Some("203.0.113.2")).await, 200);
    // ... nor is the proxy's own address; forging the left of the chain
    // does not get the throttled client out either.
    assert_eq!(token(&r, &a, secret, None).await, 200);
    let forged = reqwest::Client::new()
        .post(format!("{}/oauth2/token", r.url))
        .header("x-forwarded-for", "203.0.113.5, 203.0.113.1")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", a.application.client_id.as_str()),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 429);
}

#[tokio::test]
async fn from_an_untrusted_peer_the_header_changes_nothing() {
    // 10.0.0.0/8 is trusted; the test connects from 127.0.0.1.
    let r = start(&["10.0.0.0/8"]).await;
    let a = app(&r).await;
    let secret = a.reveal.secret.expose();
    exhaust(&r, &a, Some("203.0.113.1")).await;
    // The throttle held the peer, whatever the header says.
    assert_eq!(token(&r, &a, secret, Some("203.0.113.2")).await, 429);
    assert_eq!(token(&r, &a, secret, None).await, 429);
}

/// Usage records name the client behind the proxy, and the peer otherwise.
#[tokio::test]
async fn usage_names_the_client_behind_the_proxy() {
    for (trusted, seen) in [("127.0.0.0/8", "203.0.113.7"), ("10.0.0.0/8", "127.0.0.1")] {
        let r = start(&[trusted]).await;
        let a = app(&r).await;
        let secret = a.reveal.secret.expose();
        assert_eq!(token(&r, &a, secret, Some("203.0.113.7")).await, 200);
        let mut from = None;
        for _ in 0..100 {
            let got = r.registry.get(&a.application.client_id).await.unwrap();
            from = got.secrets[0].last_used_from.clone();
            if from.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(from.as_deref(), Some(seen), "trusting {trusted}");
    }
}

#[test]
fn a_bad_cidr_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
        .args([
            "--trusted-proxy",
            "10.0.0.0/8",
            "--trusted-proxy",
            "10.0.0.0/33",
        ])
        .env("KEYWARD_DATA_DIR", dir.path())
        .env("KEYWARD_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("'10.0.0.0/33' is not an address or a CIDR"),
        "{stderr}"
    );
}

/// A trusted proxy's short, plain `X-Request-Id` is the reply's; from any
/// other peer the header is ignored and the server makes its own, so a
/// client cannot choose what the log says about its request.
#[tokio::test]
async fn only_a_trusted_proxy_chooses_the_request_id() {
    for (trusted, kept) in [(&["127.0.0.1"][..], true), (&[][..], false)] {
        let r = start(trusted).await;
        let reply = reqwest::Client::new()
            .get(format!("{}/healthz", r.url))
            .header("x-request-id", "lb-4f2a9c")
            .send()
            .await
            .unwrap();
        let id = reply.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(id == "lb-4f2a9c", kept, "{trusted:?}: {id}");
        assert!(!id.is_empty());
    }
}
