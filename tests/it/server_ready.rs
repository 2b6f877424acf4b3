//! `GET /readyz` answers 200 only while the store answers, 503 with a JSON
//! reason otherwise; `/healthz` stays a liveness check throughout. The stores
//! are real: the embedded one, and a remote registry (another real server)
//! that is stopped, or a loopback listener that accepts and never answers.

use std::sync::Arc;

use keyward::catalog::Catalog;
use keyward::model::{ClientSecret, Region};
use keyward::registry::Registry;
use keyward::registry::remote::RemoteRegistry;
use keyward::server::Server;
use serde_json::Value;

use crate::support::server::TestServer;

async fn get(url: &str) -> (u16, Option<String>, Value) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    let cache = r
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, cache, r.json().await.unwrap_or(Value::Null))
}

/// A server over `registry`; stops when the returned sender is dropped.
async fn serve(
    registry: Arc<dyn Registry>,
    dir: &std::path::Path,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        None,
        dir,
        registry,
        Arc::new(Catalog::builtin()),
    )
    .await
    .unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    (url, stop)
}

fn remote(url: &str, id: &str, secret: &str) -> Arc<dyn Registry> {
    Arc::new(
        RemoteRegistry::new(
            Region::new("us").unwrap(),
            url,
            id,
            ClientSecret::from_string(secret.to_owned()),
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn ready_on_the_embedded_store() {
    let s = TestServer::start().await;
    let (status, cache, body) = get(&s.url("/readyz")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({"ready": true}));
    assert_eq!(cache.as_deref(), Some("no-store"));
    s.stop().await;
}

#[tokio::test]
async fn not_ready_while_the_remote_store_is_down_and_ready_again_after() {
    let store = TestServer::start().await;
    let admin = store.app("Front", &[], true).await;
    let registry = remote(
        &store.url,
        admin.application.client_id.as_str(),
        admin.reveal.secret.expose(),
    );
    let dir = tempfile::tempdir().unwrap();
    let (url, _stop) = serve(registry, dir.path()).await;
    let (status, _, body) = get(&format!("{url}/readyz")).await;
    assert_eq!(status, 200, "{body}");

    let store_url = store.url.clone();
    let store_dir = store.stop_keeping_dir().await;
    let (status, cache, body) = get(&format!("{url}/readyz")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["ready"], false);
    let reason = body["reason"].as_str().unwrap();
    assert!(reason.contains("store"), "{reason}");
    // The reply names no host or port: details are for the log.
    let port = store_url.rsplit(':').next().unwrap();
    assert!(!reason.contains(port), "{reason}");
    assert_eq!(cache.as_deref(), Some("no-store"));
    // Liveness is the process, not the store.
    let (status, _, _) = get(&format!("{url}/healthz")).await;
    assert_eq!(status, 200);

    // The store comes back on its address: ready again, with no restart.
    let catalog = Arc::new(Catalog::builtin());
    let embedded = keyward::registry::embedded::EmbeddedStore::open(
        store_dir.path(),
        catalog.clone(),
        std::time::Duration::from_secs(900),
    )
    .unwrap();
    let back = Server::bind(
        store_url.trim_start_matches("http://").parse().unwrap(),
        None,
        store_dir.path(),
        Arc::new(embedded.registry(Region::new("us").unwrap())),
        catalog,
    )
    .await
    .unwrap();
    let (_stop_back, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(back.run(async move {
        let _ = stopped.await;
    }));
    let (status, _, body) = get(&format!("{url}/readyz")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn not_ready_when_the_store_does_not_answer_in_time() {
    // Accepts connections and never answers on them.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (url, _stop) = serve(remote(&silent_url, "front", "x"), dir.path()).await;
    let (status, _, body) = get(&format!("{url}/readyz")).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["reason"].as_str().unwrap().contains("did not answer"),
        "{body}"
    );
    held.abort();
}
