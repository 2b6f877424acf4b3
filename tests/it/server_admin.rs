//! The admin API of `keyward serve`, against a real server on a random
//! loopback port, and the remote registry passing the shared suite over it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::server::TestServer;
use keyward::model::{ClientSecret, Region};
use keyward::registry::remote::RemoteRegistry;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn call(
    s: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method.parse().unwrap(), s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.as_u16() < 500, "{method} {path}: {status} {text}");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn no_token_is_401_and_no_admin_scope_is_403() {
    let s = TestServer::start().await;
    let user = s.app("User", &["ess:account=read"], false).await;
    let user_token = s.token(&user, None).await;
    for path in [
        "/admin/v1/applications",
        "/admin/v1/scopes",
        "/admin/v1/applications/abc/secret",
    ] {
        let (st, body) = call(&s, "GET", path, None, None).await;
        assert_eq!(st, 401, "{path} {body}");
        let (st, body) = call(&s, "GET", path, Some("junk.token.here"), None).await;
        assert_eq!(st, 401, "{path} {body}");
        assert_eq!(body["error"], "invalid_token");
        let (st, body) = call(&s, "GET", path, Some(&user_token), None).await;
        assert_eq!(st, 403, "{path} {body}");
        assert_eq!(body["error"], "insufficient_scope");
    }
    let r = reqwest::Client::new()
        .get(s.url("/admin/v1/applications"))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    // An admin client that asks for a token without the admin scope gets a 403 too.
    let admin = s.app("Admin", &["ess:account=read"], true).await;
    let narrow = s.token(&admin, Some("ess:account:read")).await;
    assert_eq!(
        call(&s, "GET", "/admin/v1/applications", Some(&narrow), None)
            .await
            .0,
        403
    );
    s.stop().await;
}

#[allow(clippy::too_many_lines)] // One end-to-end scenario whose steps build on each other, read top to bottom.
#[tokio::test]
async fn the_first_admin_comes_from_the_cli_and_manages_applications() {
    let s = TestServer::start().await;
    let stdout = s.keyward(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Root admin",
        "--admin",
        "--json",
    ]);
    let admin: Value = serde_json::from_slice(&stdout).unwrap();
    let r = reqwest::Client::new()
        .post(s.url("/oauth2/token"))
        .basic_auth(
            admin["client_id"].as_str().unwrap(),
            admin["client_secret"].as_str(),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "keyward:admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = Some(token.as_str());

    // Admin clients are out of the API's reach.
    let (st, list) = call(&s, "GET", "/admin/v1/applications", t, None).await;
    assert_eq!(st, 200);
    assert_eq!(list, json!([]));
    let (st, _) = call(
        &s,
        "GET",
        &format!(
            "/admin/v1/applications/{}",
            admin["client_id"].as_str().unwrap()
        ),
        t,
        None,
    )
    .await;
    assert_eq!(st, 404);
    let (st, body) = call(
        &s,
        "POST",
        "/admin/v1/applications",
        t,
        Some(json!({"client_name": "Sneaky", "admin": true})),
    )
    .await;
    assert_eq!(st, 400, "{body}");

    // Create: the reply carries the secret, once.
    let (st, created) = call(
        &s,
        "POST",
        "/admin/v1/applications",
        t,
        Some(json!({"client_name": "Payroll", "scopes": [{"scope": "ess:account", "access": "read"}]})),
    )
    .await;
    assert_eq!(st, 201, "{created}");
    let id = created["client_id"].as_str().unwrap().to_owned();
    assert_eq!(created["client_secret"].as_str().unwrap().len(), 48);
    assert_eq!(created["scope"], "ess:account:read");
    assert_eq!(created["region"], "us");
    // Get and list never carry the secret.
    let (_, got) = call(&s, "GET", &format!("/admin/v1/applications/{id}"), t, None).await;
    assert!(got.get("client_secret").is_none());
    assert_eq!(got["client_name"], "Payroll");
    // Rename and scopes.
    let (st, changed) = call(
        &s,
        "PATCH",
        &format!("/admin/v1/applications/{id}"),
        t,
        Some(json!({"client_name": "Payroll 2", "scopes": [{"scope": "forensics:account", "access": "write"}]})),
    )
    .await;
    assert_eq!(st, 200, "{changed}");
    assert_eq!(changed["client_name"], "Payroll 2");
    assert_eq!(
        changed["scope"],
        "ess:account:read forensics:account:read forensics:account:write"
    );
    // Bad input is a 4xx with a reason.
    for bad in [
        json!({"client_name": "x\u{1b}[31m"}),
        json!({"scopes": [{"scope": "nope:x", "access": "read"}]}),
        json!({"scopes": [{"scope": "ess:account", "access": "godmode"}]}),
        json!({"unknown": 1}),
        json!("just a string"),
    ] {
        let (st, body) = call(
            &s,
            "PATCH",
            &format!("/admin/v1/applications/{id}"),
            t,
            Some(bad.clone()),
        )
        .await;
        assert_eq!(st, 400, "{bad} -> {body}");
        assert!(body["error_description"].is_string());
    }
    let (st, _) = call(
        &s,
        "POST",
        "/admin/v1/applications",
        t,
        Some(json!({"client_name": "payroll 2"})),
    )
    .await;
    assert_eq!(st, 409);
    let r = reqwest::Client::new()
        .post(s.url("/admin/v1/applications"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b'{'; 400 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // Reveal within the window; reset gives a new one and kills the old.
    let (st, shown) = call(
        &s,
        "GET",
        &format!("/admin/v1/applications/{id}/secret"),
        t,
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(shown["client_secret"], created["client_secret"]);
    let (st, reset) = call(
        &s,
        "POST",
        &format!("/admin/v1/applications/{id}/secret"),
        t,
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert_ne!(reset["client_secret"], created["client_secret"]);
    assert_eq!(reset["client_id"], id.as_str());
    // The catalog.
    let (st, scopes) = call(&s, "GET", "/admin/v1/scopes", t, None).await;
    assert_eq!(st, 200);
    assert!(scopes.to_string().contains("forensics:account"));
    // Delete: to the trash, with when it is purged.
    let (st, trashed) = call(
        &s,
        "DELETE",
        &format!("/admin/v1/applications/{id}"),
        t,
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert!(trashed["purge_after"].is_string(), "{trashed}");
    assert_eq!(
        call(&s, "GET", &format!("/admin/v1/applications/{id}"), t, None)
            .await
            .0,
        404
    );
    assert_eq!(
        call(
            &s,
            "DELETE",
            &format!("/admin/v1/applications/{id}"),
            t,
            None
        )
        .await
        .0,
        404
    );
    s.stop().await;
}

#[tokio::test]
async fn reveal_window_over_http_closes_with_410() {
    let s = TestServer::start_with_window(Duration::from_secs(1)).await;
    let admin = s.app("Admin", &[], true).await;
    let token = s.token(&admin, None).await;
    let t = Some(token.as_str());
    let (_, created) = call(
        &s,
        "POST",
        "/admin/v1/applications",
        t,
        Some(json!({"client_name": "Brief"})),
    )
    .await;
    let id = created["client_id"].as_str().unwrap();
    let path = format!("/admin/v1/applications/{id}/secret");
    assert_eq!(call(&s, "GET", &path, t, None).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (st, body) = call(&s, "GET", &path, t, None).await;
    assert_eq!(st, 410, "{body}");
    assert_eq!(body["error"], "reveal_window_closed");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Reset")
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_registry_passes_the_registry_suite() {
    let servers: Arc<Mutex<Vec<TestServer>>> = Arc::new(Mutex::new(Vec::new()));
    let keep = servers.clone();
    let make = move |window: Duration| {
        let keep = keep.clone();
        Box::pin(async move {
            let s = TestServer::start_with_window(window).await;
            let admin = s.app("Suite admin", &[], true).await;
            let remote = RemoteRegistry::new(
                Region::new("us").unwrap(),
                &s.url,
                admin.application.client_id.as_str(),
                ClientSecret::from_string(admin.reveal.secret.expose().to_owned()),
            )
            .unwrap();
            keep.lock().unwrap().push(s);
            Box::new(remote) as crate::support::registry_suite::BoxedRegistry
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>
    };
    crate::support::registry_suite::run_all(&make).await;
    drop(servers);
}

#[tokio::test]
async fn remote_errors_say_what_is_wrong() {
    use keyward::registry::Registry as _;
    let s = TestServer::start().await;
    let user = s.app("User", &[], false).await;
    let wrong = RemoteRegistry::new(
        Region::new("us").unwrap(),
        &s.url,
        "nobody",
        ClientSecret::from_string("nope".into()),
    )
    .unwrap();
    let e = wrong.list().await.unwrap_err().to_string();
    assert!(
        e.contains("refused the admin client") && !e.contains("nope"),
        "{e}"
    );
    let not_admin = RemoteRegistry::new(
        Region::new("us").unwrap(),
        &s.url,
        user.application.client_id.as_str(),
        ClientSecret::from_string(user.reveal.secret.expose().to_owned()),
    )
    .unwrap();
    let e = not_admin.list().await.unwrap_err().to_string();
    assert!(e.contains("keyward:admin"), "{e}");
    let url = s.url.clone();
    s.stop().await;
    let gone = RemoteRegistry::new(
        Region::new("us").unwrap(),
        &url,
        "x",
        ClientSecret::from_string("y".into()),
    )
    .unwrap();
    let e = gone.list().await.unwrap_err().to_string();
    assert!(e.contains("cannot reach the server"), "{e}");
}

#[test]
fn secret_files_must_be_private() {
    use keyward::config::SecretSource;
    use keyward::registry::remote::load_secret;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    std::fs::write(&file, "s3cr3tvalue\n").unwrap();
    let region = Region::new("uk").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = load_secret(&region, &SecretSource::File(file.clone()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("chmod 600") && !e.contains("s3cr3t"), "{e}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        load_secret(&region, &SecretSource::File(file))
            .unwrap()
            .expose(),
        "s3cr3tvalue"
    );
    let e = load_secret(
        &region,
        &SecretSource::Env("KEYWARD_TEST_SURELY_UNSET_VAR".into()),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("KEYWARD_TEST_SURELY_UNSET_VAR"), "{e}");
}

/// An admin token for a fresh admin client of `s`.
async fn admin_token(s: &TestServer) -> (keyward::registry::Issued, String) {
    let admin = s.app("Pager admin", &[], true).await;
    let token = s.token(&admin, Some("keyward:admin")).await;
    (admin, token)
}

/// The list comes a page at a time with a `Link: rel="next"` header, every
/// admin reply says `Cache-Control: no-store`, and the remote registry follows
/// the pages so `apps list` through a remote region still lists all.
#[tokio::test]
async fn the_admin_list_pages_and_the_remote_registry_follows() {
    use keyward::model::{AppName, NewApplication};
    use keyward::registry::Registry as _;
    let s = TestServer::start().await;
    let (admin, token) = admin_token(&s).await;
    let total = keyward::server::admin::PAGE_DEFAULT + 7;
    let new: Vec<NewApplication> = (0..total)
        .map(|i| NewApplication {
            client_name: AppName::parse(&format!("App {i:04}")).unwrap(),
            grants: vec![],
            admin: false,
        })
        .collect();
    s.registry().create_many(new).await.unwrap();

    // By hand, with a small page.
    let http = reqwest::Client::new();
    let mut seen = Vec::new();
    let mut next = Some(s.url("/admin/v1/applications?limit=200"));
    let mut pages = 0;
    while let Some(url) = next.take() {
        pages += 1;
        assert!(pages <= 10, "the pages end");
        let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        if let Some(link) = r.headers().get("link") {
            let link = link.to_str().unwrap();
            assert!(link.ends_with("rel=\"next\""), "{link}");
            let target = link.split_once('<').unwrap().1.split_once('>').unwrap().0;
            next = Some(s.url(target));
        }
        let page: Vec<Value> = r.json().await.unwrap();
        assert!(page.len() <= 200);
        seen.extend(
            page.into_iter()
                .map(|a| a["client_name"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(pages, total.div_ceil(200));
    let expected: Vec<String> = (0..total).map(|i| format!("App {i:04}")).collect();
    assert_eq!(seen, expected, "every application once, in order");

    // Bad paging input is a 400, with no-store too.
    for path in [
        "/admin/v1/applications?limit=0",
        "/admin/v1/applications?limit=100000",
        "/admin/v1/applications?cursor=%%%",
        "/admin/v1/applications?page=2",
    ] {
        let r = http
            .get(s.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    // Every admin reply, not only those with secrets.
    for path in [
        "/admin/v1/scopes",
        "/admin/v1/applications",
        "/admin/v1/nope",
    ] {
        let r = http
            .get(s.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }

    // The remote registry: more applications than one default page.
    let remote = RemoteRegistry::new(
        Region::new("us").unwrap(),
        &s.url,
        admin.application.client_id.as_str(),
        ClientSecret::from_string(admin.reveal.secret.expose().to_owned()),
    )
    .unwrap();
    let listed = remote.list().await.unwrap();
    assert_eq!(listed.len(), total);
    let names: Vec<String> = listed.iter().map(|a| a.client_name.to_string()).collect();
    assert_eq!(names, expected);
    s.stop().await;
}
