//! `keyward token` against Keyward's own server and against a loopback server
//! that behaves like the vendor's draft-10 API. Nothing leaves the machine.

use std::process::Stdio;

use crate::support::server::TestServer;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

const ECHO_ID: &str = "0123456789abcdef0123456789abcdef";
const ECHO_SECRET: &str = "fedcba9876543210fedcba9876543210";

/// The draft-10 API as documented: grant_type=none, credentials in the body,
/// scopes joined by a literal '+', `expires_in` a string, no `token_type`.
async fn draft10(headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let body = String::from_utf8_lossy(&body).into_owned();
    let params: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let refuse = |error: &str, d: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": error, "error_description": d})),
        )
            .into_response()
    };
    if headers.contains_key("authorization") {
        return refuse("invalid_request", "credentials go in the body");
    }
    if get("grant_type") != Some("none") {
        return refuse("unsupported_grant_type", "use grant_type=none");
    }
    if get("client_id") != Some(ECHO_ID) || get("client_secret") != Some(ECHO_SECRET) {
        return refuse("invalid_client", "bad credentials");
    }
    if !body.contains("scope=accounts_read+computers_read") {
        return refuse("invalid_scope", "scopes are joined with '+'");
    }
    axum::Json(json!({"access_token": "opaque-draft10-token", "expires_in": "3600"}))
        .into_response()
}

async fn start_draft10() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/oauth2/token", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            Router::new().route("/oauth2/token", post(draft10)),
        )
        .await
        .unwrap();
    });
    url
}

async fn keyward(
    args: &[&str],
    secret_env: Option<&str>,
    stdin: Option<&str>,
) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"));
    c.args(args)
        .env("KEYWARD_DATA_DIR", dir.path())
        .env("KEYWARD_CONFIG", dir.path().join("none.toml"))
        .env_remove("KEYWARD_CLIENT_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(s) = secret_env {
        c.env("KEYWARD_CLIENT_SECRET", s);
    }
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).await.unwrap();
    }
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_echo_vendor_habits_work_against_a_draft10_server() {
    let url = start_draft10().await;
    let args = [
        "token",
        "--vendor",
        "echo-us",
        "--token-url",
        &url,
        "--client-id",
        ECHO_ID,
        "--scope",
        "accounts_read",
        "--scope",
        "computers_read",
    ];
    // The secret on standard input.
    let (ok, out, err) = keyward(&args, None, Some(&format!("{ECHO_SECRET}\n"))).await;
    assert!(ok, "{err}");
    assert!(out.contains("opaque-draft10-token"), "{out}");
    assert!(out.contains("Expires in   3600 s"), "{out}");
    assert!(out.contains("Token type   (none given)"), "{out}");
    assert!(out.contains("not a JWT"), "{out}");

    // The same with --json and the secret in the environment.
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let (ok, out, err) = keyward(&json_args, Some(ECHO_SECRET), None).await;
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["token_type"], Value::Null);
    assert_eq!(v["access_token"], "opaque-draft10-token");

    // Explicit flags give the same habits (a typed '+' separates scopes too).
    let explicit = [
        "token",
        "--token-url",
        &url,
        "--client-id",
        ECHO_ID,
        "--auth",
        "post",
        "--grant-type",
        "none",
        "--scope",
        "accounts_read+computers_read",
    ];
    let (ok, _, err) = keyward(&explicit, Some(ECHO_SECRET), None).await;
    // RFC 6749 joins with a space, which this server refuses, with its reason.
    assert!(!ok);
    assert!(
        err.contains("invalid_scope") && err.contains("joined with '+'"),
        "{err}"
    );

    // A wrong secret: the error and its description, never the secret.
    let (ok, _, err) = keyward(&args, Some("0000deadbeef0000"), None).await;
    assert!(!ok);
    assert!(
        err.contains("invalid_client") && err.contains("bad credentials"),
        "{err}"
    );
    assert!(!err.contains("0000deadbeef0000"));
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[tokio::test]
async fn keyward_token_against_keyward_serve() {
    let s = TestServer::start().await;
    let a = s
        .app(
            "App",
            &["ess:account=read", "forensics:account=write"],
            false,
        )
        .await;
    let id = a.application.client_id.to_string();
    let secret = a.reveal.secret.expose().to_owned();
    let url = s.url("/oauth2/token");
    for auth in ["basic", "post"] {
        let args = [
            "token",
            "--token-url",
            &url,
            "--client-id",
            &id,
            "--auth",
            auth,
            "--scope",
            "ess:account:read",
            "--json",
        ];
        let (ok, out, err) = keyward(&args, Some(&secret), None).await;
        assert!(ok, "{auth}: {err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["scope"], "ess:account:read");
        assert_eq!(v["claims"]["sub"], id.as_str());
        assert_eq!(v["claims"]["client_id"], id.as_str());
    }
    let (ok, out, err) = keyward(
        &["token", "--token-url", &url, "--client-id", &id],
        Some(&secret),
        None,
    )
    .await;
    assert!(ok, "{err}");
    assert!(
        out.contains("Token type   Bearer") && out.contains("\"sub\""),
        "{out}"
    );
    assert!(
        out.contains("forensics:account:write"),
        "all held scopes: {out}"
    );
    let (ok, _, err) = keyward(
        &[
            "token",
            "--token-url",
            &url,
            "--client-id",
            &id,
            "--scope",
            "audit:logs:read",
        ],
        Some(&secret),
        None,
    )
    .await;
    assert!(!ok);
    assert!(
        err.contains("invalid_scope") && err.contains("audit:logs:read"),
        "{err}"
    );
    // No secret at all.
    let (ok, _, err) = keyward(
        &["token", "--token-url", &url, "--client-id", &id],
        None,
        None,
    )
    .await;
    assert!(!ok);
    assert!(err.contains("KEYWARD_CLIENT_SECRET"), "{err}");
    // No place to ask.
    let (ok, _, err) = keyward(&["token", "--client-id", &id], Some(&secret), None).await;
    assert!(!ok, "{err}");
    s.stop().await;
}

/// `keyward token` does not send a secret over plain HTTP to a host that is
/// not this machine by name, unless `--insecure` says so, and refuses before
/// reading the secret or connecting. The host here is the IPv4-mapped form
/// of 127.0.0.1: loopback in fact (so no traffic leaves the machine), but not
/// by the rule, which trusts only literal loopback addresses and `localhost`.
#[tokio::test]
async fn plain_http_to_another_host_is_refused_before_connecting() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("http://user:hunter2pw@[::ffff:127.0.0.1]:{port}/oauth2/token");
    let (ok, out, err) = keyward(
        &["token", "--token-url", &url, "--client-id", "abc"],
        None,
        None,
    )
    .await;
    assert!(!ok && out.is_empty(), "{err}");
    assert!(
        err.contains("plain http://") && err.contains("--insecure"),
        "{err}"
    );
    assert!(
        !err.contains("KEYWARD_CLIENT_SECRET"),
        "refused before asking for the secret: {err}"
    );
    assert!(!err.contains("hunter2pw"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "no connection was made"
    );
    // Loopback by name is not refused (nothing listens: it cannot connect).
    for host in ["127.0.0.1", "localhost", "[::1]"] {
        let closed = format!("http://{host}:1/oauth2/token");
        let (ok, _, err) = keyward(
            &["token", "--token-url", &closed, "--client-id", "abc"],
            Some("s3cr3t"),
            None,
        )
        .await;
        assert!(!ok && err.contains("cannot reach"), "{host}: {err}");
    }
    // With --insecure the request is made: the connection is taken and closed
    // at once (bounded poll), so the client fails fast.
    let taker = std::thread::spawn(move || {
        for _ in 0..1000 {
            match listener.accept() {
                Ok((conn, _)) => {
                    drop(conn);
                    return true;
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        }
        false
    });
    let (ok, _, err) = keyward(
        &[
            "token",
            "--token-url",
            &url,
            "--client-id",
            "abc",
            "--insecure",
        ],
        Some("s3cr3t"),
        None,
    )
    .await;
    assert!(!ok && !err.contains("plain http://"), "{err}");
    assert!(!err.contains("hunter2pw"), "{err}");
    // (Without IPv6 the mapped address cannot be reached at all.)
    assert!(
        taker.join().unwrap() || err.contains("cannot reach"),
        "{err}"
    );
}

/// A token printed into a pipe whose reader is gone: a quiet exit 0.
#[tokio::test]
async fn token_into_a_closed_pipe_exits_quietly() {
    let s = TestServer::start().await;
    let a = s.app("App", &["ess:account=read"], false).await;
    let id = a.application.client_id.to_string();
    let url = s.url("/oauth2/token");
    let dir = tempfile::tempdir().unwrap();
    for json in [false, true] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"));
        c.args(["token", "--token-url", &url, "--client-id", &id])
            .env("KEYWARD_DATA_DIR", dir.path())
            .env("KEYWARD_CONFIG", dir.path().join("none.toml"))
            .env("KEYWARD_CLIENT_SECRET", a.reveal.secret.expose())
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped());
        if json {
            c.arg("--json");
        }
        let out = c.output().await.unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "json={json}: {err}");
        assert_eq!(err, "", "json={json}");
    }
    s.stop().await;
}
