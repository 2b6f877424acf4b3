//! Rotation and usage against a real server on a random loopback port: both
//! secrets work during the grace, the old one fails the moment its deadline
//! passes with no write needed, and usage shows within the flush interval
//! without emptying the token endpoint's cache.

use std::time::{Duration, Instant};

use crate::support::server::{TestServer, USAGE_FLUSH};
use keyward::model::ClientSecret;
use keyward::registry::{Issued, Registry as _};
use reqwest::StatusCode;
use serde_json::Value;

/// Asks for a token with `secret`; the status and the reply.
async fn token(s: &TestServer, id: &str, secret: &ClientSecret) -> (StatusCode, Value) {
    let reply = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret.expose()),
        ])
        .send()
        .await
        .unwrap();
    let status = reply.status();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn admin_call(
    s: &TestServer,
    bearer: &str,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().post(s.url(path)).bearer_auth(bearer);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_owned());
    }
    let reply = req.send().await.unwrap();
    let status = reply.status();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn admin_get(s: &TestServer, bearer: &str, path: &str) -> Value {
    let reply = reqwest::Client::new()
        .get(s.url(path))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    reply.json().await.unwrap()
}

async fn admin(s: &TestServer) -> String {
    let admin = s.app("Admin", &[], true).await;
    s.token(&admin, Some("keyward:admin")).await
}

fn id_of(i: &Issued) -> String {
    i.application.client_id.to_string()
}

fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let part = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_secrets_get_tokens_during_the_grace_and_nothing_tells_them_apart() {
    let s = TestServer::start().await;
    let bearer = admin(&s).await;
    let app = s.app("Payroll", &["ess:account=read"], false).await;
    let id = id_of(&app);
    let (st, rotated) = admin_call(
        &s,
        &bearer,
        &format!("/admin/v1/applications/{id}/secret/rotate"),
        Some(r#"{"grace_seconds": 3600}"#),
    )
    .await;
    assert_eq!(st, 200, "{rotated}");
    let new = ClientSecret::from_string(rotated["client_secret"].as_str().unwrap().to_owned());
    assert_eq!(rotated["secrets"].as_array().unwrap().len(), 2, "{rotated}");
    assert_eq!(rotated["secrets"][0]["state"], "current");
    assert_eq!(rotated["secrets"][1]["state"], "retiring");

    let (st_old, old_reply) = token(&s, &id, &app.reveal.secret).await;
    let (st_new, new_reply) = token(&s, &id, &new).await;
    assert_eq!((st_old, st_new), (StatusCode::OK, StatusCode::OK));
    // The same claims, whichever secret got the token.
    let (a, b) = (
        claims(old_reply["access_token"].as_str().unwrap()),
        claims(new_reply["access_token"].as_str().unwrap()),
    );
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));
    for k in ["sub", "client_id", "scope", "aud", "iss"] {
        assert_eq!(a[k], b[k], "{k}");
    }
    let body = serde_json::to_string(&a).unwrap();
    for s_info in rotated["secrets"].as_array().unwrap() {
        let secret_id = s_info["secret_id"].as_str().unwrap();
        assert!(!body.contains(secret_id), "a token names no secret ID");
    }
    // Introspection says the same of both.
    let introspect = |t: String| {
        let s = &s;
        let new = new.clone();
        let id = id.clone();
        async move {
            reqwest::Client::new()
                .post(s.url("/oauth2/introspect"))
                .form(&[
                    ("token", t.as_str()),
                    ("client_id", id.as_str()),
                    ("client_secret", new.expose()),
                ])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let ia = introspect(old_reply["access_token"].as_str().unwrap().to_owned()).await;
    let ib = introspect(new_reply["access_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(ia["active"], true);
    assert_eq!(keys(&ia), keys(&ib));
    // Tokens issued before the rotation stay valid: a rotation is no outage.
    let before = s.token(&app, None).await;
    assert_eq!(introspect(before).await["active"], true);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_secret_fails_right_after_its_deadline_with_no_write_in_between() {
    let s = TestServer::start().await;
    let app = s.app("Payroll", &[], false).await;
    let id = id_of(&app);
    let rotated = s
        .registry()
        .rotate_secret(&app.application.client_id, chrono::Duration::seconds(2))
        .await
        .unwrap();
    let deadline = rotated
        .application
        .retiring_secret()
        .unwrap()
        .expires_at
        .unwrap();
    // Warm the cache, then watch the change counter: nothing may write.
    assert_eq!(token(&s, &id, &app.reveal.secret).await.0, StatusCode::OK);
    let generation = s.generation();
    let give_up = Instant::now() + Duration::from_secs(20);
    let refused_after = loop {
        let started = chrono::Utc::now();
        let (status, _) = token(&s, &id, &app.reveal.secret).await;
        let finished = chrono::Utc::now();
        if finished < deadline {
            assert_eq!(
                status,
                StatusCode::OK,
                "before the deadline the old secret works"
            );
        }
        if started >= deadline {
            break status;
        }
        assert!(Instant::now() < give_up, "the deadline never came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        refused_after,
        StatusCode::UNAUTHORIZED,
        "refused right after the deadline"
    );
    assert_eq!(s.generation(), generation, "with no write in between");
    assert_eq!(
        token(&s, &id, &rotated.reveal.secret).await.0,
        StatusCode::OK
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_during_the_grace_kills_both_older_secrets() {
    let s = TestServer::start().await;
    let bearer = admin(&s).await;
    let app = s.app("Payroll", &[], false).await;
    let id = id_of(&app);
    let (st, rotated) = admin_call(
        &s,
        &bearer,
        &format!("/admin/v1/applications/{id}/secret/rotate"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    // No body: the server's rotation_grace, 24 h by default.
    let until =
        chrono::DateTime::parse_from_rfc3339(rotated["secrets"][1]["expires_at"].as_str().unwrap())
            .unwrap();
    let hours = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{hours} minutes");
    let middle = ClientSecret::from_string(rotated["client_secret"].as_str().unwrap().to_owned());
    let (st, reset) = admin_call(
        &s,
        &bearer,
        &format!("/admin/v1/applications/{id}/secret"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    let newest = ClientSecret::from_string(reset["client_secret"].as_str().unwrap().to_owned());
    assert_eq!(
        token(&s, &id, &app.reveal.secret).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token(&s, &id, &middle).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(token(&s, &id, &newest).await.0, StatusCode::OK);
    assert_eq!(reset["secrets"].as_array().unwrap().len(), 1);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_is_refused_while_another_secret_is_retiring_and_retire_ends_it() {
    let s = TestServer::start().await;
    let bearer = admin(&s).await;
    let app = s.app("Payroll", &[], false).await;
    let id = id_of(&app);
    let rotate = format!("/admin/v1/applications/{id}/secret/rotate");
    let retire = format!("/admin/v1/applications/{id}/secret/retire");
    for bad in [
        r#"{"grace_seconds": -1}"#,
        r#"{"grace_seconds": 2592001}"#,
        r#"{"grace": 5}"#,
        "[]",
    ] {
        let (st, body) = admin_call(&s, &bearer, &rotate, Some(bad)).await;
        assert_eq!(st, 400, "{bad}: {body}");
    }
    let (st, body) = admin_call(&s, &bearer, &retire, None).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("nothing_to_retire"))
    );
    let (st, first) = admin_call(&s, &bearer, &rotate, Some(r#"{"grace_seconds": 600}"#)).await;
    assert_eq!(st, 200);
    let (st, body) = admin_call(&s, &bearer, &rotate, Some(r#"{"grace_seconds": 600}"#)).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "already_retiring");
    let said = body["error_description"].as_str().unwrap();
    assert!(said.contains("retire") && said.contains("reset"), "{said}");
    let (st, retired) = admin_call(&s, &bearer, &retire, None).await;
    assert_eq!(st, 200, "{retired}");
    assert_eq!(retired["secrets"].as_array().unwrap().len(), 1);
    assert!(retired.get("client_secret").is_none());
    assert_eq!(
        token(&s, &id, &app.reveal.secret).await.0,
        StatusCode::UNAUTHORIZED
    );
    let current = ClientSecret::from_string(first["client_secret"].as_str().unwrap().to_owned());
    assert_eq!(token(&s, &id, &current).await.0, StatusCode::OK);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_appears_within_the_flush_interval_and_keeps_the_cache() {
    let s = TestServer::start().await;
    let bearer = admin(&s).await;
    let app = s.app("Payroll", &[], false).await;
    let id = id_of(&app);
    let store = s.registry();
    let rotated = store
        .rotate_secret(&app.application.client_id, chrono::Duration::hours(1))
        .await
        .unwrap();
    // A token for each secret; the cache is warm from here on.
    assert_eq!(token(&s, &id, &app.reveal.secret).await.0, StatusCode::OK);
    let generation = s.generation();
    let asked = chrono::Utc::now();
    assert_eq!(token(&s, &id, &app.reveal.secret).await.0, StatusCode::OK);
    assert_eq!(
        token(&s, &id, &rotated.reveal.secret).await.0,
        StatusCode::OK
    );
    // Within a few flush intervals (bounded), both uses show.
    let give_up = Instant::now() + USAGE_FLUSH * 40;
    let shown = loop {
        let shown = admin_get(&s, &bearer, &format!("/admin/v1/applications/{id}")).await;
        let used = |i: usize| !shown["secrets"][i]["last_used_at"].is_null();
        if (used(0) && used(1)) || Instant::now() > give_up {
            break shown;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    for i in 0..2 {
        let secret = &shown["secrets"][i];
        assert_eq!(secret["last_used_from"], "127.0.0.1", "{shown}");
        let at =
            chrono::DateTime::parse_from_rfc3339(secret["last_used_at"].as_str().unwrap()).unwrap();
        assert!(at.timestamp() >= asked.timestamp(), "{shown}");
    }
    assert!(!shown["last_used_at"].is_null());
    // The usage writes did not move the change counter, which is all the
    // token endpoint's cache depends on: it was not emptied.
    assert_eq!(
        s.generation(),
        generation,
        "usage is not a change to credentials"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_writes_the_last_usage_and_off_means_off() {
    // An interval far longer than the test: only the shutdown can write.
    let s = TestServer::start_with_usage(Some(Duration::from_secs(3600))).await;
    let app = s.app("Payroll", &[], false).await;
    assert_eq!(
        token(&s, &id_of(&app), &app.reveal.secret).await.0,
        StatusCode::OK
    );
    let registry = s.registry();
    let before = registry.get(&app.application.client_id).await.unwrap();
    assert_eq!(before.last_used_at, None, "not written yet");
    let _dir = s.stop_keeping_dir().await;
    let after = registry.get(&app.application.client_id).await.unwrap();
    assert!(after.last_used_at.is_some(), "written on the way out");
    assert!(after.secrets[0].last_used_at.is_some());

    let s = TestServer::start_with_usage(None).await;
    let app = s.app("Payroll", &[], false).await;
    assert_eq!(
        token(&s, &id_of(&app), &app.reveal.secret).await.0,
        StatusCode::OK
    );
    let registry = s.registry();
    let _dir = s.stop_keeping_dir().await;
    let after = registry.get(&app.application.client_id).await.unwrap();
    assert_eq!(after.last_used_at, None, "recording off records nothing");
}
