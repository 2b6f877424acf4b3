//! Brute force: repeated `invalid_client` for one client ID, or from one
//! address, gets 429 with `Retry-After`; other clients and addresses do not.
//! A real server on 127.0.0.1 (random port); the second address is 127.0.0.2.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{AppName, NewApplication, Region};
use keyward::registry::embedded::EmbeddedStore;
use keyward::registry::{Issued, Registry};
use keyward::server::Server;
use keyward::server::throttle::ThrottleSettings;

struct Running {
    url: String,
    registry: Arc<dyn Registry>,
    _dir: tempfile::TempDir,
}

async fn start(settings: ThrottleSettings) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::builtin());
    let store = EmbeddedStore::open(dir.path(), catalog.clone(), Duration::from_secs(900)).unwrap();
    let registry: Arc<dyn Registry> = Arc::new(store.registry(Region::new("us").unwrap()));
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        None,
        dir.path(),
        registry.clone(),
        catalog,
    )
    .await
    .unwrap()
    .with_throttle(settings);
    let url = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    Running {
        url,
        registry,
        _dir: dir,
    }
}

async fn app(r: &Running, name: &str) -> Issued {
    r.registry
        .create(NewApplication {
            client_name: AppName::parse(name).unwrap(),
            grants: vec![],
            admin: false,
        })
        .await
        .unwrap()
}

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn token(client: &reqwest::Client, r: &Running, id: &str, secret: &str) -> reqwest::Response {
    client
        .post(format!("{}/oauth2/token", r.url))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn one_client_id_is_throttled_and_other_clients_are_not() {
    let r = start(ThrottleSettings {
        client_failures: 3,
        address_failures: 0,
        window: Duration::from_secs(60),
    })
    .await;
    let victim = app(&r, "Guessed").await;
    let other = app(&r, "Other").await;
    let id = victim.application.client_id.to_string();
    let http = client_from("127.0.0.1");
    for _ in 0..3 {
        assert_eq!(token(&http, &r, &id, "wrong").await.status(), 401);
    }
    let resp = token(&http, &r, &id, "wrong").await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("try again")
    );

    // The client limit never keeps out the current secret: secrets are full
    // entropy, so the limit is against load and noise, not guessing.
    let resp = token(&http, &r, &id, victim.reveal.secret.expose()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(token(&http, &r, &id, "wrong").await.status(), 429);
    // Another client from the same address is unaffected.
    let resp = token(
        &http,
        &r,
        other.application.client_id.as_str(),
        other.reveal.secret.expose(),
    )
    .await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn one_address_is_throttled_across_client_ids_and_other_addresses_are_not() {
    let r = start(ThrottleSettings {
        client_failures: 0,
        address_failures: 5,
        window: Duration::from_secs(60),
    })
    .await;
    let good = app(&r, "Good").await;
    let id = good.application.client_id.as_str();
    let secret = good.reveal.secret.expose();
    let attacker = client_from("127.0.0.2");
    for i in 0..5 {
        let resp = token(&attacker, &r, &format!("guess{i}"), "x").await;
        assert_eq!(resp.status(), 401);
    }
    assert_eq!(token(&attacker, &r, "guess-next", "x").await.status(), 429);
    assert_eq!(token(&attacker, &r, id, secret).await.status(), 429);
    // The good client, from its own address, carries on.
    let resp = token(&client_from("127.0.0.1"), &r, id, secret).await;
    assert_eq!(resp.status(), 200);
}

/// Pods still sending the secret a reset replaced must not lock out the new
/// one: their failures say "replaced" and count against neither the client ID
/// nor the address, however long they go on.
#[tokio::test]
async fn old_secrets_after_a_reset_never_throttle_the_new_one() {
    let r = start(ThrottleSettings {
        client_failures: 3,
        address_failures: 5,
        window: Duration::from_secs(60),
    })
    .await;
    let first = app(&r, "Payroll").await;
    let id = first.application.client_id.clone();
    let second = r.registry.reset_secret(&id).await.unwrap();
    let current = r.registry.reset_secret(&id).await.unwrap();
    let http = client_from("127.0.0.1");
    // Well past both limits, with both replaced secrets, from the address the
    // new secret is used from too.
    for old in [&first, &second].repeat(6) {
        let resp = token(&http, &r, id.as_str(), old.reveal.secret.expose()).await;
        assert_eq!(resp.status(), 401);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
        let said = body["error_description"].as_str().unwrap();
        assert!(said.contains("was replaced at"), "{said}");
    }
    let resp = token(&http, &r, id.as_str(), current.reveal.secret.expose()).await;
    assert_eq!(resp.status(), 200, "the current secret is not throttled");

    // A secret that never was this client's is noise, and is counted.
    for _ in 0..3 {
        let resp = token(&http, &r, id.as_str(), "never-its-secret").await;
        assert_eq!(resp.status(), 401);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error_description"], "client authentication failed");
    }
    assert_eq!(
        token(&http, &r, id.as_str(), "never-its-secret")
            .await
            .status(),
        429
    );
    // Even then, old pods are told their secret was replaced, not throttled,
    // and the current secret still passes.
    let resp = token(&http, &r, id.as_str(), current.reveal.secret.expose()).await;
    assert_eq!(resp.status(), 200);
}

/// A client keeps only its last few replaced secrets.
#[tokio::test]
async fn only_the_last_few_secrets_are_recognised() {
    let r = start(ThrottleSettings::default()).await;
    let first = app(&r, "Rotated").await;
    let id = first.application.client_id.clone();
    // One reset more than are kept pushes the first secret out.
    for _ in 0..=keyward::registry::embedded::PREVIOUS_SECRETS_KEPT {
        r.registry.reset_secret(&id).await.unwrap();
    }
    let http = client_from("127.0.0.1");
    let resp = token(&http, &r, id.as_str(), first.reveal.secret.expose()).await;
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error_description"], "client authentication failed");
}
