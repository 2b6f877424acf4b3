//! The audit log through `keyward serve`: admin API changes carry the admin
//! client and its address, `GET /admin/v1/audit` pages, and the token
//! service's security events (throttling, refused admin calls) are written
//! once per window, never per request, and never for a token success.

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward::catalog::Catalog;
use keyward::model::{AuditAction, AuditEvent, AuditQuery, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;
use keyward::server::Server;
use keyward::server::throttle::ThrottleSettings;
use serde_json::Value;

use crate::support::server::TestServer;

async fn events(r: &dyn Registry, action: AuditAction) -> Vec<AuditEvent> {
    r.audit(AuditQuery {
        action: Some(action),
        limit: 1000,
        ..AuditQuery::default()
    })
    .await
    .unwrap()
}

/// Waits (bounded) until `r` holds `n` events of `action`; security events
/// are written off the request path.
async fn wait_for(r: &dyn Registry, action: AuditAction, n: usize) -> Vec<AuditEvent> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = events(r, action).await;
        if found.len() >= n || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_api_changes_name_the_admin_client_and_its_address() {
    let s = TestServer::start().await;
    let admin = s.app("Ops admin", &[], true).await;
    let token = s.token(&admin, Some("keyward:admin")).await;
    let http = reqwest::Client::new();
    let created: Value = http
        .post(s.url("/admin/v1/applications"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"client_name": "Payroll", "scopes": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    let reply = http
        .patch(s.url(&format!("/admin/v1/applications/{id}")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"client_name": "Payroll sync"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    let reply = http
        .get(s.url("/admin/v1/audit?limit=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let link = reply.headers()["link"].to_str().unwrap().to_owned();
    let page: Vec<Value> = reply.json().await.unwrap();
    assert_eq!(page.len(), 1);
    let rename = &page[0];
    assert_eq!(rename["action"], "rename");
    assert_eq!(rename["actor"]["via"], "api");
    assert_eq!(
        rename["actor"]["admin_client_id"],
        admin.application.client_id.as_str()
    );
    assert_eq!(rename["actor"]["address"], "127.0.0.1");
    assert_eq!(rename["changes"]["client_name"]["before"], "Payroll");
    // The next page, from the Link header: the create before it.
    let next = link
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let page: Vec<Value> = http
        .get(s.url(&next))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page[0]["action"], "create");
    assert_eq!(page[0]["actor"]["via"], "api");

    let all = http
        .get(s.url("/admin/v1/audit"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!all.contains(secret) && !all.contains(&token));
    assert!(!all.contains(admin.reveal.secret.expose()));
    let bad = http
        .get(s.url("/admin/v1/audit?action=nope"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_admin_calls_are_recorded_once_per_window() {
    let s = TestServer::start().await;
    let plain = s.app("Not an admin", &[], false).await;
    let token = s.token(&plain, None).await;
    let http = reqwest::Client::new();
    for _ in 0..5 {
        let r = http
            .get(s.url("/admin/v1/applications"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = http
            .get(s.url("/admin/v1/applications"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    let registry = s.registry();
    let denied = wait_for(&registry, AuditAction::AdminDenied, 2).await;
    // Let any stragglers land before counting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let denied_now = events(&registry, AuditAction::AdminDenied).await;
    assert_eq!(
        denied_now.len(),
        2,
        "one per status and address: {denied:#?}"
    );
    let statuses: Vec<i64> = denied_now
        .iter()
        .map(|e| e.body.changes["status"].as_i64().unwrap())
        .collect();
    assert!(statuses.contains(&401) && statuses.contains(&403));
    let forbidden = denied_now
        .iter()
        .find(|e| e.body.changes["status"] == 403)
        .unwrap();
    assert_eq!(
        forbidden.body.client_id.as_deref(),
        Some(plain.application.client_id.as_str())
    );
    assert_eq!(forbidden.body.changes["address"], "127.0.0.1");
    // Token successes are not events.
    let tokens = registry
        .audit(AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        tokens.len(),
        3,
        "one create and two refusals, nothing per token: {tokens:#?}"
    );
    s.stop().await;
}

/// A server on its own data dir with these throttle limits; its URL and registry.
async fn throttled_server(
    settings: ThrottleSettings,
) -> (String, Arc<dyn Registry>, tempfile::TempDir) {
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
    (url, registry, dir)
}

/// Sends `n` token requests with a wrong secret; returns how many got 429.
async fn wrong_secrets(url: &str, client_id: &str, n: usize) -> usize {
    let http = reqwest::Client::new();
    let mut throttled = 0;
    for _ in 0..n {
        let r = http
            .post(format!("{url}/oauth2/token"))
            .basic_auth(client_id, Some("wrong"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            throttled += 1;
        }
    }
    throttled
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_client_is_recorded_once_per_window() {
    let (url, registry, _dir) = throttled_server(ThrottleSettings {
        client_failures: 2,
        address_failures: 0,
        window: Duration::from_secs(60),
    })
    .await;
    assert!(wrong_secrets(&url, "guessed-client", 8).await >= 5);
    wait_for(registry.as_ref(), AuditAction::Throttled, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let found = events(registry.as_ref(), AuditAction::Throttled).await;
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].body.client_id.as_deref(), Some("guessed-client"));
    assert_eq!(found[0].body.actor.via, keyward::model::Via::Serve);
    assert_eq!(registry.verify_audit(None).await.unwrap().unwrap().0, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_address_is_recorded_once_per_window() {
    let (url, registry, _dir) = throttled_server(ThrottleSettings {
        client_failures: 0,
        address_failures: 2,
        window: Duration::from_secs(60),
    })
    .await;
    // Many client IDs from one address: one event, for the address.
    for i in 0..4 {
        wrong_secrets(&url, &format!("client-{i}"), 2).await;
    }
    wait_for(registry.as_ref(), AuditAction::Throttled, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let found = events(registry.as_ref(), AuditAction::Throttled).await;
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].body.changes["address"], "127.0.0.1");
    assert!(found[0].line().contains("throttled address 127.0.0.1"));
}
