//! The OAuth 2.0 endpoints of `keyward serve`, against a real server on a
//! random loopback port.

use crate::support::server::TestServer;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use keyward::registry::Registry as _;
use reqwest::StatusCode;
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";

async fn post(
    s: &TestServer,
    auth: Option<String>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .header("content-type", FORM)
        .body(body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let reply = req.send().await.unwrap();
    let status = reply.status();
    let headers = reply.headers().clone();
    let text = reply.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert!(status.as_u16() < 500, "never a 5xx: {status} {text}");
    (status, headers, json)
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn form_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn healthz_answers() {
    let s = TestServer::start().await;
    let r = reqwest::get(s.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
    s.stop().await;
}

#[tokio::test]
async fn basic_encoded_unencoded_and_body_auth() {
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

    // Basic, form-urlencoded per RFC 6749 §2.3.1 (our alphabet encodes to itself).
    let encoded = basic(&form_encode(&id), &form_encode(&secret));
    let (st, h, body) = post(&s, Some(encoded), "grant_type=client_credentials").await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(
        body["scope"],
        "ess:account:read forensics:account:read forensics:account:write"
    );
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);

    // Basic, raw, with the client_id repeated in the body as some clients do.
    let (st, _, body) = post(
        &s,
        Some(basic(&id, &secret)),
        format!("grant_type=client_credentials&client_id={id}&scope=ess:account:read"),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["scope"], "ess:account:read");

    // Credentials in the body; the draft-10 habits: grant_type=none, '+' joins.
    let (st, _, body) = post(
        &s,
        None,
        format!("grant_type=none&client_id={id}&client_secret={secret}&scope=ess:account:read%2Bforensics:account:write"),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["scope"], "ess:account:read forensics:account:write");
    let (st, _, body) = post(
        &s,
        None,
        format!("grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=forensics:account:read+ess:account:read"),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["scope"], "forensics:account:read ess:account:read");
    s.stop().await;
}

#[allow(clippy::too_many_lines)] // One end-to-end scenario whose steps build on each other, read top to bottom.
#[tokio::test]
async fn every_error_of_rfc6749_section_5_2() {
    let s = TestServer::start().await;
    let a = s.app("App", &["ess:account=read"], false).await;
    let id = a.application.client_id.to_string();
    let secret = a.reveal.secret.expose().to_owned();
    let good = basic(&id, &secret);

    let check = |(st, h, body): (StatusCode, reqwest::header::HeaderMap, Value),
                 status: u16,
                 error: &str| {
        assert_eq!(st.as_u16(), status, "{body}");
        assert_eq!(body["error"], error, "{body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{body}"
        );
        assert_eq!(h["cache-control"], "no-store");
        assert!(!body.to_string().contains(&secret), "no secret in errors");
        h
    };
    // invalid_request
    check(
        post(&s, Some(good.clone()), "").await,
        400,
        "invalid_request",
    );
    check(
        post(
            &s,
            Some(good.clone()),
            "grant_type=client_credentials&grant_type=client_credentials",
        )
        .await,
        400,
        "invalid_request",
    );
    check(
        post(
            &s,
            Some(good.clone()),
            format!("grant_type=client_credentials&client_secret={secret}"),
        )
        .await,
        400,
        "invalid_request",
    );
    check(
        post(
            &s,
            Some(good.clone()),
            "grant_type=client_credentials&client_id=someoneelse",
        )
        .await,
        400,
        "invalid_request",
    );
    check(
        post(
            &s,
            Some("Basic %%%".into()),
            "grant_type=client_credentials",
        )
        .await,
        400,
        "invalid_request",
    );
    let r = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .header("content-type", "application/json")
        .header("authorization", good.clone())
        .body(r#"{"grant_type":"client_credentials"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // invalid_client: 401, with WWW-Authenticate when Basic was used.
    let h = check(
        post(
            &s,
            Some(basic(&id, "wrong")),
            "grant_type=client_credentials",
        )
        .await,
        401,
        "invalid_client",
    );
    assert!(h["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    check(
        post(
            &s,
            Some(basic("unknownclient", &secret)),
            "grant_type=client_credentials",
        )
        .await,
        401,
        "invalid_client",
    );
    check(
        post(
            &s,
            None,
            format!("grant_type=client_credentials&client_id={id}&client_secret=wrong"),
        )
        .await,
        401,
        "invalid_client",
    );
    check(
        post(&s, None, "grant_type=client_credentials").await,
        401,
        "invalid_client",
    );
    // unsupported_grant_type
    for g in [
        "password",
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ] {
        check(
            post(&s, Some(good.clone()), format!("grant_type={g}")).await,
            400,
            "unsupported_grant_type",
        );
    }
    // invalid_scope: not held, unknown, or not a scope at all.
    for scope in [
        "forensics:account:read",
        "ess:account:write",
        "nope",
        "keyward:admin",
    ] {
        check(
            post(
                &s,
                Some(good.clone()),
                format!("grant_type=client_credentials&scope={scope}"),
            )
            .await,
            400,
            "invalid_scope",
        );
    }
    // invalid_grant and unauthorized_client cannot arise: client credentials
    // carry no grant to be invalid, and every client may use it.
    s.stop().await;
}

#[tokio::test]
async fn malformed_and_huge_bodies_are_4xx() {
    let s = TestServer::start().await;
    let a = s.app("App", &[], false).await;
    let good = basic(a.application.client_id.as_str(), a.reveal.secret.expose());
    let bodies: Vec<Vec<u8>> = vec![
        b"\xff\xfe\x00garbage".to_vec(),
        b"%%%%&&&===".to_vec(),
        b"grant_type=%ZZ".to_vec(),
        b"=&=&grant_type".to_vec(),
        vec![b'a'; 300 * 1024],
        format!(
            "grant_type=client_credentials&scope={}",
            "x".repeat(200 * 1024)
        )
        .into_bytes(),
    ];
    for body in bodies {
        let (st, _, json) = post(&s, Some(good.clone()), body).await;
        assert!(st.is_client_error(), "{st} {json}");
        assert!(json["error"].is_string(), "{json}");
    }
    // Unicode junk in the header.
    let r = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .header(
            "authorization",
            reqwest::header::HeaderValue::from_bytes(b"Basic \xc3\xa9\xff").unwrap(),
        )
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    s.stop().await;
}

#[tokio::test]
async fn a_reset_from_another_process_rejects_the_old_secret_next_request() {
    let s = TestServer::start().await;
    let a = s.app("App", &["ess:account=read"], false).await;
    let id = a.application.client_id.to_string();
    let old = a.reveal.secret.expose().to_owned();
    let (st, _, _) = post(&s, Some(basic(&id, &old)), "grant_type=client_credentials").await;
    assert_eq!(st, 200);

    let stdout = s.keyward(&["apps", "reset-secret", &id, "--yes", "--json"]);
    let record: Value = serde_json::from_slice(&stdout).unwrap();
    let new = record["client_secret"].as_str().unwrap().to_owned();

    let (st, _, body) = post(&s, Some(basic(&id, &old)), "grant_type=client_credentials").await;
    assert_eq!(st, 401, "the old secret dies at once: {body}");
    let (st, _, body) = post(&s, Some(basic(&id, &new)), "grant_type=client_credentials").await;
    assert_eq!(st, 200, "{body}");

    // A delete elsewhere, likewise.
    s.keyward(&["apps", "delete", &id, "--yes"]);
    let (st, _, _) = post(&s, Some(basic(&id, &new)), "grant_type=client_credentials").await;
    assert_eq!(st, 401);
    s.stop().await;
}

/// The server keeps what it read about a client while nothing on the data dir
/// changes; every write from elsewhere must still count from the next request.
#[tokio::test]
async fn scope_changes_elsewhere_count_from_the_next_request() {
    let s = TestServer::start().await;
    let a = s.app("App", &["audit:logs=read"], false).await;
    let id = a.application.client_id.clone();
    let auth = basic(id.as_str(), a.reveal.secret.expose());
    let scope_of = |body: &Value| body["scope"].as_str().unwrap_or_default().to_owned();

    // Another handle on the data dir, with its own mapping of the shared
    // generation counter, as another process has.
    let elsewhere = s.registry();
    for round in 0..10 {
        // Asked twice, so the second answer can come from what was kept.
        for _ in 0..2 {
            let (st, _, body) = post(&s, Some(auth.clone()), "grant_type=client_credentials").await;
            assert_eq!(st, 200, "{body}");
            let expected = if round % 2 == 0 {
                "audit:logs:read"
            } else {
                "audit:logs:read audit:logs:write"
            };
            assert_eq!(scope_of(&body), expected, "round {round}");
        }
        let next = if round % 2 == 0 {
            "audit:logs=write"
        } else {
            "audit:logs=read"
        };
        elsewhere
            .set_access(
                &id,
                vec![keyward::model::Grant::parse_assignment(next).unwrap()],
            )
            .await
            .unwrap();
    }

    // And from a real second process.
    s.keyward(&["apps", "scopes", id.as_str(), "--set", "ess:account=read"]);
    let (st, _, body) = post(&s, Some(auth.clone()), "grant_type=client_credentials").await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(scope_of(&body), "audit:logs:read ess:account:read");

    // A wrong secret is refused whether or not the client's record was kept.
    let wrong = basic(
        id.as_str(),
        "x".repeat(a.reveal.secret.expose().len()).as_str(),
    );
    let (st, _, _) = post(&s, Some(wrong), "grant_type=client_credentials").await;
    assert_eq!(st, 401);
    s.stop().await;
}

fn b64json(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn tokens_are_rfc9068_jwts_verified_by_the_jwks() {
    let s = TestServer::start().await;
    let a = s.app("App", &["ess:account=read"], false).await;
    let token = s.token(&a, None).await;
    let parts: Vec<&str> = token.split('.').collect();
    let header = b64json(parts[0]);
    let claims = b64json(parts[1]);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    let id = a.application.client_id.as_str();
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["iss"], s.url);
    assert_eq!(claims["aud"], "keyward:us");
    assert_eq!(claims["scope"], "ess:account:read");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    assert!(claims["jti"].as_str().unwrap().len() >= 16);

    let jwks: Value = reqwest::get(s.url("/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kid"], header["kid"]);
    assert_eq!(key["kty"], "OKP");
    let x: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
    let sig: [u8; 64] = URL_SAFE_NO_PAD
        .decode(parts[2])
        .unwrap()
        .try_into()
        .unwrap();
    use ed25519_dalek::Verifier as _;
    vk.verify(
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
        &ed25519_dalek::Signature::from_bytes(&sig),
    )
    .expect("the token verifies with the published key");

    let meta: Value = reqwest::get(s.url("/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], s.url);
    assert_eq!(meta["token_endpoint"], s.url("/oauth2/token"));
    assert_eq!(meta["jwks_uri"], s.url("/.well-known/jwks.json"));
    assert!(
        meta["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&"client_credentials".into())
    );
    s.stop().await;
}

/// The signing key lives in the store, encrypted: it survives a restart,
/// and no key file is made in the data dir (see also `signing_keys.rs`).
#[tokio::test]
async fn the_key_survives_restarts_and_no_key_file_is_made() {
    let s = TestServer::start().await;
    let jwks = |url: String| async move {
        reqwest::get(url)
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let jwks1 = jwks(s.url("/.well-known/jwks.json")).await;
    let dir = s.stop_keeping_dir().await;
    assert!(!dir.path().join(keyward::oauth::keys::KEY_FILE).exists());
    let again = TestServer::start_in(dir).await;
    assert_eq!(jwks(again.url("/.well-known/jwks.json")).await, jwks1);
    let ring = again.registry().signing_keys().await.unwrap();
    assert_eq!(ring.jwks(chrono::Utc::now()), jwks1);
    again.stop().await;
}

#[tokio::test]
async fn introspection_needs_a_client_and_tells_active_tokens() {
    let s = TestServer::start().await;
    let a = s.app("App", &["ess:account=read"], false).await;
    let rs = s.app("Resource server", &[], false).await;
    let token = s.token(&a, None).await;
    let client = reqwest::Client::new();
    let ask = |auth: Option<String>, token: String| {
        let mut req = client
            .post(s.url("/oauth2/introspect"))
            .header("content-type", FORM)
            .body(format!("token={token}"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let rs_auth = basic(rs.application.client_id.as_str(), rs.reveal.secret.expose());
    let own_auth = basic(a.application.client_id.as_str(), a.reveal.secret.expose());
    let (st, body) = ask(None, token.clone()).await;
    assert_eq!(st, 401, "{body}");
    // Its own token: told in full.
    let (st, body) = ask(Some(own_auth), token.clone()).await;
    assert_eq!(st, 200);
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], a.application.client_id.as_str());
    assert_eq!(body["scope"], "ess:account:read");
    // Another client without the introspection scope learns nothing, not even
    // that the token is valid (RFC 7662 §2.2).
    let (st, body) = ask(Some(rs_auth.clone()), token.clone()).await;
    assert_eq!(st, 200);
    assert_eq!(body, serde_json::json!({"active": false}));
    // An admin client may introspect any token.
    let admin = s.app("Admin", &[], true).await;
    let admin_auth = basic(
        admin.application.client_id.as_str(),
        admin.reveal.secret.expose(),
    );
    let (_, body) = ask(Some(admin_auth.clone()), token.clone()).await;
    assert_eq!(body["active"], true, "{body}");
    // Nor can anyone introspect an admin token it does not own.
    let admin_token = s.token(&admin, None).await;
    let (_, body) = ask(Some(rs_auth.clone()), admin_token).await;
    assert_eq!(body, serde_json::json!({"active": false}));
    let (_, body) = ask(Some(rs_auth.clone()), "not.a.token".into()).await;
    assert_eq!(body, serde_json::json!({"active": false}));
    // A reset ends the tokens issued before it. Token times are whole seconds,
    // so let the clock pass the token's second first (bounded).
    let iat = b64json(token.split('.').nth(1).unwrap())["iat"]
        .as_i64()
        .unwrap();
    for _ in 0..40 {
        if chrono::Utc::now().timestamp() > iat {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    s.registry()
        .reset_secret(&a.application.client_id)
        .await
        .unwrap();
    use keyward::registry::Registry as _;
    let (_, body) = ask(Some(admin_auth), token).await;
    assert_eq!(body["active"], false);
    s.stop().await;
}

/// A deployment that adds `keyward:introspect` to its catalog lets the clients
/// granted it (resource servers) introspect other clients' tokens.
#[tokio::test]
async fn a_client_holding_the_introspection_scope_may_introspect_others() {
    let scopes = format!(
        "{}\n[[group]]\nid = \"keyward\"\ntitle = \"Keyward\"\n\n[[group.scope]]\nid = \"{}\"\ntitle = \"Introspect\"\ndescription = \"d\"\naccess = [\"read\"]\n",
        keyward::catalog::BUILTIN_TOML,
        keyward::model::INTROSPECT_SCOPE
    );
    let catalog = keyward::catalog::Catalog::parse(&scopes, "scopes.toml").unwrap();
    let s = TestServer::start_with_catalog(catalog).await;
    // The CLI on the server's data dir reads the same catalog from its config dir.
    std::fs::write(s.dir.path().join("scopes.toml"), &scopes).unwrap();
    let rs: Value = serde_json::from_slice(&s.keyward(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Resource server",
        "--scope",
        "keyward:introspect=read",
        "--json",
    ]))
    .unwrap();
    let rs_auth = basic(
        rs["client_id"].as_str().unwrap(),
        rs["client_secret"].as_str().unwrap(),
    );
    let a = s.app("App", &["ess:account=read"], false).await;
    let token = s.token(&a, None).await;
    let reply = reqwest::Client::new()
        .post(s.url("/oauth2/introspect"))
        .header("authorization", rs_auth)
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["active"], true, "{body}");
    assert_eq!(body["client_id"], a.application.client_id.as_str());
    s.stop().await;
}

#[tokio::test]
async fn openapi_documents_every_route_the_server_serves() {
    let s = TestServer::start().await;
    let doc: Value = reqwest::get(s.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let client = reqwest::Client::new();
    for (method, path) in keyward::server::openapi::ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        let url = s.url(&path.replace("{client_id}", "abc"));
        let r = client
            .request(method.to_uppercase().parse().unwrap(), url)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(
            !body.contains("no such endpoint") && status != 405,
            "{method} {path} is not served: {status}"
        );
        assert!(status.as_u16() < 500, "{method} {path}: {status}");
    }
    s.stop().await;
}

/// A `scopes.toml` in the config dir that no longer has a scope some
/// applications hold: no token carries it, the CLI may still remove the grant,
/// and `apps show` marks it as retired.
#[tokio::test]
async fn a_retired_scope_grants_nothing_and_can_be_removed() {
    let config_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        config_dir.path().join("scopes.toml"),
        "[[group]]\nid = \"ess\"\ntitle = \"ESS\"\n\n[[group.scope]]\nid = \"ess:account\"\ntitle = \"Account\"\ndescription = \"d\"\naccess = [\"read\"]\n",
    )
    .unwrap();
    let catalog = keyward::catalog::Catalog::load(config_dir.path()).unwrap();
    assert!(
        catalog.source().ends_with("scopes.toml"),
        "the config dir's catalog"
    );
    let s = TestServer::start_with_catalog(catalog).await;
    let a = s
        .app(
            "Old grants",
            &["ess:account=read", "audit:logs=write"],
            false,
        )
        .await;
    let id = a.application.client_id.to_string();
    let auth = basic(&id, a.reveal.secret.expose());

    let (st, _, body) = post(&s, Some(auth.clone()), "grant_type=client_credentials").await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        body["scope"], "ess:account:read",
        "no retired scope: {body}"
    );
    let (st, _, body) = post(
        &s,
        Some(auth.clone()),
        "grant_type=client_credentials&scope=audit:logs:read",
    )
    .await;
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["error"], "invalid_scope");

    // The CLI with that config dir: `show` marks the grant, `--set =none`
    // removes it, granting it again is refused.
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(args)
            .env("KEYWARD_DATA_DIR", s.dir.path())
            .env("KEYWARD_CONFIG", config_dir.path().join("config.toml"))
            .output()
            .unwrap()
    };
    let out = cli(&["apps", "show", &id]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = shown.lines().find(|l| l.contains("audit:logs")).unwrap();
    assert!(line.contains("retired: not in the catalog"), "{shown}");
    assert!(
        !shown.contains("audit:logs:read"),
        "not among the OAuth scopes: {shown}"
    );
    let out = cli(&["apps", "scopes", &id, "--set", "audit:logs=read"]);
    assert!(!out.status.success(), "granting a retired scope is refused");
    let out = cli(&["apps", "scopes", &id, "--set", "audit:logs=none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let grants = s
        .registry()
        .get(&a.application.client_id)
        .await
        .unwrap()
        .grants;
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0].scope.as_str(), "ess:account");
    s.stop().await;
}
