//! Interop with real third-party clients (Python requests-oauthlib, authlib,
//! PyJWT) against a live server. `scripts/test` makes the virtual environment
//! and sets `KEYWARD_INTEROP_PYTHON`; without it this test says so and passes,
//! so a bare `cargo test` works on a machine without Python.

use crate::support::server::TestServer;

#[tokio::test]
async fn python_clients_get_tokens_and_verify_them() {
    let Ok(python) = std::env::var("KEYWARD_INTEROP_PYTHON") else {
        eprintln!("interop skipped: KEYWARD_INTEROP_PYTHON is not set (scripts/test sets it)");
        return;
    };
    let s = TestServer::start().await;
    let a = s.app("Interop", &["ess:account=read"], false).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/interop.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .env("KEYWARD_URL", &s.url)
        .env("KEYWARD_CLIENT_ID", a.application.client_id.as_str())
        .env("KEYWARD_CLIENT_SECRET", a.reveal.secret.expose())
        .env("KEYWARD_AUDIENCE", "keyward:us")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "interop failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("all clients passed"), "{stdout}");
    s.stop().await;
}
