//! The error replies of every endpoint, held against the RFCs over real HTTP:
//! RFC 6749 §5.2 (token), RFC 7662 §2.3 (introspection), RFC 8414 (metadata)
//! and RFC 6750 §3 (the admin API's bearer tokens).
//!
//! The one that bit real clients: `WWW-Authenticate` on a 401 only when the
//! client used the `Authorization` header (or sent no credentials, where the
//! challenge says which scheme works). A client that sent its secret in the
//! body and sees a challenge takes the reply for "log in over HTTP" and never
//! tells its user `invalid_client`.

use crate::support::server::TestServer;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";

struct Reply {
    status: u16,
    challenge: Option<String>,
    header: reqwest::header::HeaderMap,
    body: Value,
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let reply = req.send().await.unwrap();
    let status = reply.status().as_u16();
    let header = reply.headers().clone();
    let challenge = header
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = reply.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        challenge,
        header,
        body,
    }
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// A POST of `body` to `path`, with `authorization` if given.
async fn post(s: &TestServer, path: &str, authorization: Option<&str>, body: String) -> Reply {
    let mut req = reqwest::Client::new()
        .post(s.url(path))
        .header("content-type", FORM)
        .body(body);
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    send(req).await
}

#[tokio::test]
async fn a_challenge_only_when_the_client_used_the_authorization_header() {
    let s = TestServer::start().await;
    let a = s.app("App", &["ess:account=read"], false).await;
    let id = a.application.client_id.to_string();
    let unknown = keyward::model::ClientId::generate().to_string();
    for (path, extra) in [
        ("/oauth2/token", "grant_type=client_credentials"),
        ("/oauth2/introspect", "token=x.y.z"),
    ] {
        let body_auth =
            |id: &str, secret: &str| format!("{extra}&client_id={id}&client_secret={secret}");
        // (what, Authorization header, body, challenge expected)
        let cases = [
            (
                "wrong secret in the body",
                None,
                body_auth(&id, "wrong"),
                false,
            ),
            (
                "unknown client in the body",
                None,
                body_auth(&unknown, "x"),
                false,
            ),
            (
                "malformed client ID in the body",
                None,
                body_auth("no%20such", "x"),
                false,
            ),
            (
                "wrong secret over Basic",
                Some(basic(&id, "wrong")),
                extra.to_owned(),
                true,
            ),
            (
                "unknown client over Basic",
                Some(basic(&unknown, "x")),
                extra.to_owned(),
                true,
            ),
            (
                "malformed client ID over Basic",
                Some(basic("no such", "x")),
                extra.to_owned(),
                true,
            ),
            (
                "another scheme",
                Some("Bearer abc".to_owned()),
                extra.to_owned(),
                true,
            ),
            ("no credentials at all", None, extra.to_owned(), true),
        ];
        for (what, authorization, body, challenged) in cases {
            let r = post(&s, path, authorization.as_deref(), body).await;
            let what = format!("{path}, {what}: {}", r.body);
            assert_eq!(r.status, 401, "{what}");
            assert_eq!(r.body["error"], "invalid_client", "{what}");
            assert_eq!(r.header["cache-control"], "no-store", "{what}");
            if challenged {
                let challenge = r.challenge.unwrap_or_default();
                assert!(challenge.starts_with("Basic realm="), "{what}: {challenge}");
            } else {
                assert_eq!(r.challenge, None, "{what}");
            }
        }
    }
    s.stop().await;
}

/// OAuth clients parse the body of every error: a wrong method gets the JSON
/// error shape too, with the `Allow` header, never an empty 405.
#[tokio::test]
async fn a_wrong_method_gets_a_json_405_with_allow() {
    let s = TestServer::start().await;
    let client = reqwest::Client::new();
    for (method, path, allow) in [
        (reqwest::Method::GET, "/oauth2/token", "POST"),
        (reqwest::Method::PUT, "/oauth2/introspect", "POST"),
        (reqwest::Method::POST, "/healthz", "GET,HEAD"),
        (reqwest::Method::POST, "/.well-known/jwks.json", "GET,HEAD"),
        (reqwest::Method::DELETE, "/admin/v1/scopes", "GET,HEAD"),
    ] {
        let r = send(client.request(method.clone(), s.url(path))).await;
        let what = format!("{method} {path}: {}", r.body);
        assert_eq!(r.status, 405, "{what}");
        assert_eq!(r.header["allow"], allow, "{what}");
        assert_eq!(r.header["content-type"], "application/json", "{what}");
        assert_eq!(r.header["cache-control"], "no-store", "{what}");
        assert_eq!(r.body["error"], "invalid_request", "{what}");
        let description = r.body["error_description"].as_str().unwrap_or_default();
        assert!(description.contains(method.as_str()), "{what}");
    }
    s.stop().await;
}

/// RFC 7662 §2.2 and §2.3: a bad caller is a 401, a missing token a 400, and a
/// token that is not valid (or not the caller's to know) is no error at all
/// but `{"active": false}`, with nothing more.
#[tokio::test]
async fn introspection_errors_follow_rfc7662() {
    let s = TestServer::start().await;
    let a = s.app("Caller", &["ess:account=read"], false).await;
    let other = s.app("Other", &["ess:account=read"], false).await;
    let auth = basic(a.application.client_id.as_str(), a.reveal.secret.expose());
    let r = post(&s, "/oauth2/introspect", Some(&auth), String::new()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["error"], "invalid_request");
    let others = s.token(&other, None).await;
    for token in ["garbage", "a.b.c", others.as_str()] {
        let r = post(
            &s,
            "/oauth2/introspect",
            Some(&auth),
            format!("token={token}"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body, serde_json::json!({"active": false}));
        assert_eq!(r.header["cache-control"], "no-store");
    }
    s.stop().await;
}

/// RFC 8414: every endpoint under the issuer, and only claims that mean
/// something here. `token_endpoint_auth_signing_alg_values_supported` is for
/// `private_key_jwt` and `client_secret_jwt` client authentication, which
/// Keyward does not take; the token signing algorithm is in the JWKS.
#[tokio::test]
async fn metadata_follows_rfc8414() {
    let s = TestServer::start().await;
    let r =
        send(reqwest::Client::new().get(s.url("/.well-known/oauth-authorization-server"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header["content-type"], "application/json");
    let meta = r.body.as_object().unwrap();
    let issuer = meta["issuer"].as_str().unwrap();
    assert!(!issuer.contains(['?', '#']), "{issuer}");
    for key in [
        "token_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "service_documentation",
    ] {
        let url = meta[key].as_str().unwrap();
        assert!(url.starts_with(&format!("{issuer}/")), "{key}: {url}");
    }
    let auth_methods = meta["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    let jwt_auth = auth_methods
        .iter()
        .any(|m| m.as_str().is_some_and(|m| m.ends_with("_jwt")));
    assert_eq!(
        meta.contains_key("token_endpoint_auth_signing_alg_values_supported"),
        jwt_auth,
        "{meta:?}"
    );
    // Arrays are never empty, but response_types_supported: RFC 8414 makes it
    // REQUIRED, and a server without an authorization endpoint has none.
    for (key, value) in meta {
        if let Some(items) = value.as_array()
            && key != "response_types_supported"
        {
            assert!(!items.is_empty(), "{key}");
        }
    }
    s.stop().await;
}

/// RFC 6750 §3: a refused bearer token names `invalid_token` in the
/// challenge; a request with no token gets the bare challenge.
#[tokio::test]
async fn admin_challenges_follow_rfc6750() {
    let s = TestServer::start().await;
    let client = reqwest::Client::new();
    let url = s.url("/admin/v1/applications");
    let r = send(client.get(&url)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.challenge.as_deref(), Some(r#"Bearer realm="keyward""#));
    let r = send(client.get(&url).bearer_auth("junk.token.here")).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.challenge.as_deref(),
        Some(r#"Bearer realm="keyward", error="invalid_token""#)
    );
    s.stop().await;
}
