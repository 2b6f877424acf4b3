//! Read-only mode end to end: the admin API with a `keyward:admin:read` token
//! (reads 200, every write 403), the remote registry that only reads, and the
//! command line refusing changes under `--read-only` and `read_only = true`.

use std::path::Path;
use std::process::Output;

use keyward::model::{ClientSecret, ReadOnly, Region};
use keyward::registry::remote::RemoteRegistry;
use keyward::registry::{Registry as _, RegistryError};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::server::TestServer;

/// A token for `issued` asking for `scope`, and the scope the reply granted.
async fn token_granting(
    s: &TestServer,
    issued: &keyward::registry::Issued,
    scope: &str,
) -> (String, String) {
    let reply: Value = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", issued.application.client_id.as_str()),
            ("client_secret", issued.reveal.secret.expose()),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        reply["access_token"].as_str().unwrap().to_owned(),
        reply["scope"].as_str().unwrap().to_owned(),
    )
}

async fn status(
    s: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), s.url(path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_read_token_reads_the_admin_api_and_every_write_is_403() {
    let s = TestServer::start().await;
    let admin = s.app("Admin", &[], true).await;
    let app = s.app("Payroll sync", &["ess:account=read"], false).await;
    let id = app.application.client_id.to_string();
    let (token, granted) = token_granting(&s, &admin, "keyward:admin:read").await;
    assert_eq!(
        granted, "keyward:admin:read",
        "the token carries the read scope alone"
    );

    for path in [
        "/admin/v1/applications".to_owned(),
        format!("/admin/v1/applications/{id}"),
        "/admin/v1/scopes".to_owned(),
        "/admin/v1/audit".to_owned(),
    ] {
        let (st, body) = status(&s, "GET", &path, &token, None).await;
        assert_eq!(st, 200, "GET {path}: {body}");
    }
    let name = json!({"client_name": "Other"});
    for (method, path, body) in [
        (
            "POST",
            "/admin/v1/applications".to_owned(),
            Some(name.clone()),
        ),
        (
            "POST",
            "/admin/v1/applications/batch".to_owned(),
            Some(json!({"applications": [name]})),
        ),
        (
            "PATCH",
            format!("/admin/v1/applications/{id}"),
            Some(json!({"client_name": "Renamed"})),
        ),
        ("DELETE", format!("/admin/v1/applications/{id}"), None),
        ("GET", format!("/admin/v1/applications/{id}/secret"), None),
        ("POST", format!("/admin/v1/applications/{id}/secret"), None),
        (
            "POST",
            format!("/admin/v1/applications/{id}/secret/rotate"),
            Some(json!({})),
        ),
        (
            "POST",
            format!("/admin/v1/applications/{id}/secret/retire"),
            None,
        ),
    ] {
        let (st, reply) = status(&s, method, &path, &token, body).await;
        assert_eq!(st, 403, "{method} {path}: {reply}");
        assert_eq!(reply["error"], "insufficient_scope", "{method} {path}");
        assert!(
            reply["error_description"]
                .as_str()
                .unwrap()
                .contains("keyward:admin:read"),
            "{reply}"
        );
    }
    // Nothing changed: one application, its name and secret as they were.
    let apps = s.registry().list().await.unwrap();
    let names: Vec<&str> = apps.iter().map(|a| a.client_name.as_str()).collect();
    assert_eq!(names, ["Admin", "Payroll sync"]);
    assert!(
        s.registry()
            .verify_secret(&app.application.client_id, &app.reveal.secret)
            .await
            .unwrap()
    );
    // A full admin token still writes; a token without scope holds both.
    let (full, granted) = token_granting(&s, &admin, "keyward:admin").await;
    assert_eq!(granted, "keyward:admin");
    let (st, _) = status(
        &s,
        "PATCH",
        &format!("/admin/v1/applications/{id}"),
        &full,
        Some(json!({"client_name": "Renamed"})),
    )
    .await;
    assert_eq!(st, 200);
    s.stop().await;
}

#[tokio::test]
async fn only_admin_clients_hold_the_read_scope_and_the_metadata_lists_it() {
    let s = TestServer::start().await;
    let user = s.app("User", &["ess:account=read"], false).await;
    let reply = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", user.application.client_id.as_str()),
            ("client_secret", user.reveal.secret.expose()),
            ("scope", "keyward:admin:read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        reply.status(),
        400,
        "only admin clients hold the read scope"
    );
    let meta: Value = reqwest::get(s.url("/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let supported = meta["scopes_supported"].as_array().unwrap();
    assert!(supported.contains(&json!("keyward:admin:read")), "{meta}");
    s.stop().await;
}

#[tokio::test]
async fn a_remote_registry_whose_token_only_reads_says_so_and_refuses_changes() {
    let s = TestServer::start().await;
    let admin = s.app("Admin", &[], true).await;
    let remote = |read: bool| {
        let r = RemoteRegistry::new(
            Region::new("us").unwrap(),
            &s.url(""),
            admin.application.client_id.as_str(),
            ClientSecret::from_string(admin.reveal.secret.expose().to_owned()),
        )
        .unwrap();
        if read { r.reading_only() } else { r }
    };
    let full = remote(false);
    assert_eq!(full.read_only_reason().await.unwrap(), None);
    let reader = remote(true);
    assert_eq!(
        reader.read_only_reason().await.unwrap(),
        Some(ReadOnly::AdminScope)
    );
    assert_eq!(
        reader.list().await.unwrap().len(),
        0,
        "admin clients are not listed"
    );
    let new = keyward::model::NewApplication {
        client_name: keyward::model::AppName::parse("Nope").unwrap(),
        grants: Vec::new(),
        admin: false,
    };
    match reader.create(new).await {
        Err(RegistryError::ReadOnly { why, .. }) => assert_eq!(why, ReadOnly::AdminScope),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.registry().list().await.unwrap().len(), 1);
    s.stop().await;
}

/// Runs the binary on `dir`'s data dir and config file.
fn keyward(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("KEYWARD_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("HOME", dir.join("home"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .output()
        .unwrap()
}

/// The one line a refused command wrote, checked against the error contract.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = keyward(dir, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(out.stdout.is_empty(), "{args:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    err
}

fn names(dir: &Path) -> Vec<String> {
    let out = keyward(dir, &["apps", "list", "--json"]);
    assert!(out.status.success());
    let apps: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    apps.iter()
        .map(|a| a["client_name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_command_line_refuses_changes_before_touching_anything() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = keyward(
        d,
        &[
            "apps", "add", "--region", "us", "--name", "Payroll", "--json",
        ],
    );
    assert!(out.status.success());
    let id = serde_json::from_slice::<Value>(&out.stdout).unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // --read-only: refused before the config or the data dir is opened.
    for args in [
        vec!["apps", "add", "--region", "us", "--name", "Other"],
        vec!["apps", "rename", &id, "Renamed"],
        vec!["apps", "scopes", &id, "--set", "ess:account=read"],
        vec!["apps", "reset-secret", &id, "--yes"],
        vec!["apps", "rotate", &id, "--yes"],
        vec!["apps", "retire", &id, "--yes"],
        vec!["apps", "delete", &id, "--yes"],
        vec!["apps", "import", "--region", "us", "-"],
        vec!["keys", "rotate", "--region", "us", "--yes"],
        vec!["audit", "prune", "--before", "2020-01-01", "--yes"],
    ] {
        let mut with_flag = vec!["--read-only"];
        with_flag.extend(args.iter().copied());
        let e = refused(d, &with_flag);
        assert!(
            e.contains("--read-only") && e.contains("nothing was changed"),
            "{args:?}: {e}"
        );
    }
    // Reading still works.
    for args in [
        vec!["--read-only", "apps", "list", "--json"],
        vec!["--read-only", "apps", "show", &id],
        vec!["--read-only", "audit", "--json"],
        vec!["--read-only", "regions"],
    ] {
        assert!(keyward(d, &args).status.success(), "{args:?}");
    }
    assert_eq!(names(d), ["Payroll"]);

    // read_only = true in the config: that region refuses, the other writes.
    std::fs::write(
        d.join("config.toml"),
        "[[region]]\nid = \"us\"\nread_only = true\n[[region]]\nid = \"uk\"\n",
    )
    .unwrap();
    for args in [
        vec!["apps", "add", "--region", "us", "--name", "Other"],
        vec!["apps", "rename", &id, "Renamed"],
        vec!["apps", "delete", &id, "--yes"],
    ] {
        let e = refused(d, &args);
        assert!(
            e.contains("region us is read-only (read_only = true in the config)")
                && e.contains("remove read_only"),
            "{args:?}: {e}"
        );
    }
    assert!(
        keyward(d, &["apps", "add", "--region", "uk", "--name", "Billing"])
            .status
            .success()
    );
    assert_eq!(names(d), ["Payroll", "Billing"], "us first, as configured");
}
