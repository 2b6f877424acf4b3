//! Suspension and the trash end to end: a real server on loopback, changes
//! made by another process (the `keyward` binary on the server's data dir)
//! or over the admin API, and the token endpoint refusing at once.

use serde_json::Value;

use crate::support::server::TestServer;
use keyward::registry::Issued;

/// The token endpoint's answer for `app`'s secret: the status and `error`.
async fn token_status(s: &TestServer, app: &Issued) -> (u16, Value) {
    let reply = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app.application.client_id.as_str()),
            ("client_secret", app.reveal.secret.expose()),
        ])
        .send()
        .await
        .unwrap();
    (reply.status().as_u16(), reply.json().await.unwrap())
}

/// Whether `token` is active, asked by `caller` (an admin client may ask
/// about any token).
async fn active(s: &TestServer, caller: &Issued, token: &str) -> bool {
    let reply: Value = reqwest::Client::new()
        .post(s.url("/oauth2/introspect"))
        .basic_auth(
            caller.application.client_id.as_str(),
            Some(caller.reveal.secret.expose()),
        )
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["active"] == true
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

/// The server keeps credentials in memory while the data dir's change
/// counter stands still; a suspension or a delete by another process moves
/// it, so the very next request is refused, and tokens already handed out
/// turn inactive. A resume or a restore lets the same secret in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_suspends_and_trashes_and_the_server_refuses_at_the_next_request() {
    let s = TestServer::start().await;
    let app = s.app("Payroll", &["ess:account=read"], false).await;
    let admin = s.app("Introspector", &[], true).await;
    let id = app.application.client_id.to_string();
    // Twice, so the second answer comes from the server's cache.
    s.token(&app, None).await;
    let token = s.token(&app, None).await;
    assert!(active(&s, &admin, &token).await);

    let out = text(s.keyward(&["apps", "suspend", &id, "--yes"]));
    assert!(out.contains("Suspended 'Payroll'"), "{out}");
    assert!(
        out.contains(&format!("keyward apps resume {id} --yes")),
        "{out}"
    );
    let (status, body) = token_status(&s, &app).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // No more than a wrong secret is told.
    assert_eq!(body["error_description"], "client authentication failed");
    assert!(!active(&s, &admin, &token).await);
    let shown = text(s.keyward(&["apps", "show", &id]));
    assert!(shown.contains("SUSPENDED since"), "{shown}");
    let listed = text(s.keyward(&["apps", "list", "--region", "us"]));
    assert!(listed.contains("Payroll (suspended)"), "{listed}");

    s.keyward(&["apps", "resume", &id, "--yes"]);
    assert_eq!(token_status(&s, &app).await.0, 200);
    assert!(active(&s, &admin, &token).await);

    let out = text(s.keyward(&["apps", "delete", &id, "--yes"]));
    assert!(out.contains("in the trash until"), "{out}");
    assert!(out.contains(&format!("keyward apps restore {id}")), "{out}");
    assert_eq!(token_status(&s, &app).await.0, 401);
    assert!(!active(&s, &admin, &token).await);
    let trash: Value =
        serde_json::from_slice(&s.keyward(&["apps", "list", "--deleted", "--json"])).unwrap();
    assert_eq!(trash[0]["client_id"], id.as_str());
    assert!(trash[0]["deleted_at"].is_string() && trash[0]["purge_after"].is_string());
    let table = text(s.keyward(&["apps", "list", "--deleted"]));
    assert!(
        table.contains("PURGED AFTER") && table.contains("Payroll"),
        "{table}"
    );

    let out = text(s.keyward(&["apps", "restore", &id]));
    assert!(out.contains("its secret is unchanged"), "{out}");
    assert_eq!(
        token_status(&s, &app).await.0,
        200,
        "the old secret works again"
    );

    s.keyward(&["apps", "delete", &id, "--yes"]);
    let out = text(s.keyward(&["apps", "purge", &id, "--yes"]));
    assert!(out.contains("gone for good"), "{out}");
    let trash: Value =
        serde_json::from_slice(&s.keyward(&["apps", "list", "--deleted", "--json"])).unwrap();
    assert_eq!(trash, serde_json::json!([]));
    assert_eq!(token_status(&s, &app).await.0, 401);
    s.stop().await;
}

/// What the CLI refuses, and says what to do instead.
#[tokio::test]
async fn restore_and_purge_want_an_application_in_the_trash() {
    let s = TestServer::start().await;
    let app = s.app("Live", &[], false).await;
    let id = app.application.client_id.to_string();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(args)
            .env("KEYWARD_DATA_DIR", s.dir.path())
            .env("KEYWARD_CONFIG", s.dir.path().join("none.toml"))
            .output()
            .unwrap()
    };
    for args in [
        vec!["apps", "restore", id.as_str()],
        vec!["apps", "purge", id.as_str(), "--yes"],
    ] {
        let out = run(&args);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is not in the trash"), "{err}");
        assert!(
            err.contains(&format!("keyward apps delete {id} --yes")),
            "{err}"
        );
    }
    // Restoring over a name taken meanwhile says to rename one.
    s.keyward(&["apps", "delete", &id, "--yes"]);
    s.app("live", &[], false).await;
    let out = run(&["apps", "restore", id.as_str()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already exists") && err.contains("keyward apps rename"),
        "{err}"
    );
    s.stop().await;
}

/// The admin API's lifecycle routes, and their audit events.
#[tokio::test]
async fn the_admin_api_suspends_trashes_restores_and_purges() {
    let s = TestServer::start().await;
    let admin = s.app("Admin", &[], true).await;
    let t = s.token(&admin, Some("keyward:admin")).await;
    let app = s.app("Billing", &["ess:account=read"], false).await;
    let id = app.application.client_id.to_string();
    let http = reqwest::Client::new();
    let call = |method: &str, path: String| {
        let req = http
            .request(method.parse().unwrap(), s.url(&path))
            .bearer_auth(&t);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let base = format!("/admin/v1/applications/{id}");
    let (st, body) = call("POST", format!("{base}/suspend")).await;
    assert_eq!(st, 200);
    assert!(body["suspended_at"].is_string(), "{body}");
    assert_eq!(token_status(&s, &app).await.0, 401);
    let (st, body) = call("POST", format!("{base}/resume")).await;
    assert_eq!((st, body.get("suspended_at")), (200, None));
    assert_eq!(token_status(&s, &app).await.0, 200);

    let (st, body) = call("DELETE", base.clone()).await;
    assert_eq!(st, 200);
    assert!(body["purge_after"].is_string(), "{body}");
    assert_eq!(call("GET", base.clone()).await.0, 404);
    let (st, trash) = call("GET", "/admin/v1/applications?deleted=true".into()).await;
    assert_eq!(st, 200);
    assert_eq!(trash.as_array().unwrap().len(), 1, "{trash}");
    assert_eq!(trash[0]["client_id"], id.as_str());
    let (st, listed) = call("GET", "/admin/v1/applications".into()).await;
    assert_eq!((st, listed), (200, serde_json::json!([])));
    let (st, body) = call("POST", format!("{base}/restore")).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(token_status(&s, &app).await.0, 200);
    let (st, body) = call("POST", format!("{base}/purge")).await;
    assert_eq!((st, body["error"].as_str()), (409, Some("not_in_trash")));
    call("DELETE", base.clone()).await;
    assert_eq!(call("POST", format!("{base}/purge")).await.0, 204);
    assert_eq!(call("POST", format!("{base}/restore")).await.0, 404);
    // Admin clients stay out of the API's reach in the trash too.
    let admin_id = admin.application.client_id.to_string();
    let (st, _) = call("POST", format!("/admin/v1/applications/{admin_id}/suspend")).await;
    assert_eq!(st, 404);

    let (_, events) = call("GET", format!("/admin/v1/audit?client_id={id}")).await;
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create", "suspend", "resume", "delete", "restore", "delete", "purge"
        ]
    );
    s.stop().await;
}

/// `--read-only` refuses every lifecycle change before touching anything;
/// the trash can still be listed.
#[tokio::test]
async fn read_only_refuses_the_lifecycle_but_lists_the_trash() {
    let s = TestServer::start().await;
    let app = s.app("Kept", &[], false).await;
    let id = app.application.client_id.to_string();
    for args in [
        vec!["apps", "suspend", id.as_str(), "--yes"],
        vec!["apps", "resume", id.as_str(), "--yes"],
        vec!["apps", "delete", id.as_str(), "--yes"],
        vec!["apps", "restore", id.as_str()],
        vec!["apps", "purge", id.as_str(), "--yes"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .arg("--read-only")
            .args(&args)
            .env("KEYWARD_DATA_DIR", s.dir.path())
            .env("KEYWARD_CONFIG", s.dir.path().join("none.toml"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("read-only"), "{args:?}: {err}");
    }
    assert_eq!(token_status(&s, &app).await.0, 200, "nothing changed");
    s.keyward(&["--read-only", "apps", "list", "--deleted"]);
    s.stop().await;
}
