//! The token test behind `t`: gets an access token with an application's
//! credentials the way a platform would, and keeps only what the panel shows.
//! The token itself never leaves this module: it is cut to a prefix, its claims
//! decoded, and the whole string wiped.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use zeroize::Zeroizing;

use super::state::{TokenFailure, TokenShown};
use crate::model::{ClientId, ClientSecret};
use crate::oauth::TokenIssuer;
use crate::oauth::client::{Habits, TokenClientError, TokenReply};
use crate::registry::Registry;

/// How many characters of a token the panel shows: enough to tell two apart,
/// far too few to use.
pub const PREFIX_CHARS: usize = 12;

/// What the panel says when the token was minted in-process.
pub const LOCAL: &str = "local";

/// Where one region's token test goes.
#[derive(Clone)]
pub enum TokenVia {
    /// A token endpoint: the remote server's, or the region's `token_url`.
    Url(String),
    /// Minted in-process with the issuing code of `keyward serve`, with the
    /// region's signing key, after the registry verified the secret.
    Local { registry: Arc<dyn Registry> },
}

impl TokenVia {
    /// A region's `token_url` if it sets one; else a remote region's own
    /// server; else minted locally with the region's signing key.
    pub fn for_region(rc: &crate::config::RegionConfig, registry: &Arc<dyn Registry>) -> Self {
        match (&rc.token_url, &rc.backend) {
            (Some(url), _) => TokenVia::Url(url.clone()),
            (None, crate::config::Backend::Remote(r)) => {
                TokenVia::Url(format!("{}/oauth2/token", r.url))
            }
            (None, crate::config::Backend::Embedded | crate::config::Backend::Postgres(_)) => {
                TokenVia::Local {
                    registry: registry.clone(),
                }
            }
        }
    }

    /// `local` or the URL, for the panel.
    pub fn label(&self) -> String {
        match self {
            TokenVia::Url(u) => crate::text::redact_url(u).into_owned(),
            TokenVia::Local { .. } => LOCAL.to_owned(),
        }
    }
}

/// Runs the test; the result is safe to keep and show.
pub async fn test(
    via: TokenVia,
    id: ClientId,
    secret: ClientSecret,
    scopes: Vec<String>,
) -> Result<TokenShown, TokenFailure> {
    match via {
        TokenVia::Url(url) => {
            let http = crate::oauth::client::http_client().map_err(|e| TokenFailure {
                error: "client_error".into(),
                description: Some(crate::text::printable(&e.to_string())),
            })?;
            let reply = crate::oauth::client::request_token(
                &http,
                &Habits::rfc6749(&url),
                id.as_str(),
                &secret,
                &scopes,
            )
            .await
            .map_err(failure)?;
            Ok(shown(reply, Utc::now()))
        }
        TokenVia::Local { registry } => local(registry.as_ref(), &id, &secret, &scopes).await,
    }
}

fn failure(e: TokenClientError) -> TokenFailure {
    match e {
        TokenClientError::Refused {
            status,
            error,
            description,
        } => TokenFailure {
            error,
            description: Some(match description {
                Some(d) => format!("{d} (HTTP {status})"),
                None => format!("HTTP {status}"),
            }),
        },
        TokenClientError::Unreachable { url, message } => TokenFailure {
            error: "unreachable".into(),
            description: Some(crate::text::printable(&format!(
                "cannot reach {url}: {message}"
            ))),
        },
        TokenClientError::BadReply { status, message } => TokenFailure {
            error: "bad_reply".into(),
            description: Some(crate::text::printable(&format!(
                "not a token reply (HTTP {status}): {message}"
            ))),
        },
        TokenClientError::Usage(m) => TokenFailure {
            error: "invalid_request".into(),
            description: Some(m),
        },
    }
}

/// What `keyward serve`'s token endpoint does, without HTTP: verify the secret,
/// check the scopes against what the application holds now, sign.
async fn local(
    registry: &dyn Registry,
    id: &ClientId,
    secret: &ClientSecret,
    scopes: &[String],
) -> Result<TokenShown, TokenFailure> {
    let storage = |e: crate::registry::RegistryError| TokenFailure {
        error: "server_error".into(),
        description: Some(crate::text::printable(&e.to_string())),
    };
    let invalid_client = || TokenFailure {
        error: "invalid_client".into(),
        description: Some("client authentication failed".into()),
    };
    if !registry.verify_secret(id, secret).await.map_err(storage)? {
        return Err(invalid_client());
    }
    let app = match registry.get(id).await {
        Ok(app) => app,
        // Deleted by another process since the secret was checked.
        Err(crate::registry::RegistryError::NotFound { .. }) => return Err(invalid_client()),
        Err(e) => return Err(storage(e)),
    };
    // Only what the current catalog offers: a retired scope grants nothing.
    let held = match registry.catalog() {
        Some(catalog) => catalog.oauth_scopes(&app),
        None => app.oauth_scopes(),
    };
    if let Some(missing) = scopes.iter().find(|s| !held.contains(s)) {
        return Err(TokenFailure {
            error: "invalid_scope".into(),
            description: Some(format!(
                "the client does not hold the scope '{}' any more",
                crate::text::printable_truncated(missing, 60)
            )),
        });
    }
    let scope = if scopes.is_empty() {
        held.join(" ")
    } else {
        scopes.join(" ")
    };
    // The keys `keyward serve` signs with in this region.
    let ring = registry.signing_keys().await.map_err(storage)?;
    let region = registry.region();
    // The audience is the one `keyward serve` gives this region; the issuer
    // says plainly that no server was involved.
    let issuer = TokenIssuer::with_ring(
        ring,
        format!("urn:keyward:local:{region}"),
        format!("keyward:{region}"),
    );
    let now = Utc::now();
    let claims = issuer.claims(app.client_id.as_str(), scope, now.timestamp());
    let reply = TokenReply {
        access_token: issuer.sign(&claims),
        token_type: Some("Bearer".into()),
        expires_in: u64::try_from(crate::oauth::TOKEN_LIFETIME_SECS).ok(),
        scope: Some(claims.scope.clone()),
    };
    Ok(shown(reply, now))
}

/// The claims the panel lists, in this order.
const CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "iat", "jti", "scope"];

/// Reduces a token reply to what the panel shows, wiping the token.
pub fn shown(reply: TokenReply, now: DateTime<Utc>) -> TokenShown {
    let token = Zeroizing::new(reply.access_token);
    let mut prefix: String =
        crate::text::printable(&token.chars().take(PREFIX_CHARS).collect::<String>());
    if token.chars().count() > PREFIX_CHARS {
        prefix.push('…');
    }
    let payload = crate::oauth::jwt::decode_unverified(&token);
    let mut claims = Vec::new();
    let mut exp = None;
    if let Some(p) = payload.as_ref().and_then(|p| p.as_object()) {
        for name in CLAIMS {
            let Some(v) = p.get(name) else { continue };
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) if name == "exp" || name == "iat" => {
                    let at = n.as_i64().and_then(|t| Utc.timestamp_opt(t, 0).single());
                    if name == "exp" {
                        exp = at;
                    }
                    match at {
                        Some(at) => format!("{n} ({})", at.format("%Y-%m-%d %H:%M:%S UTC")),
                        None => n.to_string(),
                    }
                }
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            };
            claims.push((
                name.to_owned(),
                crate::text::printable_truncated(&text, 200),
            ));
        }
    }
    let expires_at = exp.or_else(|| {
        reply
            .expires_in
            .and_then(|s| i64::try_from(s).ok())
            .map(|s| now + chrono::Duration::seconds(s))
    });
    TokenShown {
        prefix,
        token_type: reply
            .token_type
            .map(|t| crate::text::printable_truncated(&t, 40)),
        scope: reply
            .scope
            .map(|s| crate::text::printable_truncated(&s, 400)),
        claims,
        expires_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_keeps_only_a_prefix_and_the_claims() {
        let issuer = TokenIssuer::new(
            crate::oauth::SigningKeys::from_seed(&[7u8; 32]).unwrap(),
            "http://127.0.0.1:1".into(),
            "keyward:us".into(),
        );
        let claims = issuer.claims("abc", "ess:account:read".into(), 1_000);
        let token = issuer.sign(&claims);
        let now = Utc.timestamp_opt(1_000, 0).unwrap();
        let s = shown(
            TokenReply {
                access_token: token.clone(),
                token_type: Some("Bearer".into()),
                expires_in: Some(3600),
                scope: Some("ess:account:read".into()),
            },
            now,
        );
        assert_eq!(s.prefix.chars().count(), PREFIX_CHARS + 1);
        assert!(token.starts_with(s.prefix.trim_end_matches('…')));
        let names: Vec<&str> = s.claims.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["iss", "sub", "aud", "exp", "iat", "jti", "scope"]);
        assert_eq!(s.expires_at, Some(now + chrono::Duration::seconds(3600)));
        assert!(!format!("{s:?}").contains(&token));
    }

    #[test]
    fn where_each_region_gets_its_token() {
        let config = crate::config::Config::parse(
            "[[region]]\nid = \"us\"\n\n[[region]]\nid = \"eu\"\ntoken_url = \"https://login.example/token\"\n\n[[region]]\nid = \"uk\"\nurl = \"http://127.0.0.1:9/\"\nclient_id = \"abc\"\nclient_secret_env = \"UK_SECRET\"\n",
            "c.toml",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = crate::registry::embedded::EmbeddedStore::open(
            dir.path(),
            Arc::new(crate::catalog::Catalog::builtin()),
            std::time::Duration::from_secs(900),
        )
        .unwrap();
        let labels: Vec<String> = config
            .regions
            .iter()
            .map(|rc| {
                let reg: Arc<dyn Registry> = Arc::new(store.registry(rc.region.clone()));
                TokenVia::for_region(rc, &reg).label()
            })
            .collect();
        assert_eq!(
            labels,
            [
                LOCAL,
                "https://login.example/token",
                "http://127.0.0.1:9/oauth2/token"
            ]
        );
    }

    #[tokio::test]
    async fn local_mint_verifies_the_secret_and_the_scopes() {
        use crate::model::{AppName, Grant, NewApplication, ScopeId};
        let dir = tempfile::tempdir().unwrap();
        let store = crate::registry::embedded::EmbeddedStore::open(
            dir.path(),
            Arc::new(crate::catalog::Catalog::builtin()),
            std::time::Duration::from_secs(900),
        )
        .unwrap();
        let reg: Arc<dyn Registry> =
            Arc::new(store.registry(crate::model::Region::new("us").unwrap()));
        let issued = reg
            .create(NewApplication {
                client_name: AppName::parse("local").unwrap(),
                grants: vec![Grant::new(
                    ScopeId::parse("ess:account").unwrap(),
                    crate::model::Access::Read,
                )],
                admin: false,
            })
            .await
            .unwrap();
        let id = issued.application.client_id.clone();
        let via = || TokenVia::Local {
            registry: reg.clone(),
        };
        let ok = test(
            via(),
            id.clone(),
            issued.reveal.secret.clone(),
            vec!["ess:account:read".into()],
        )
        .await
        .unwrap();
        assert_eq!(ok.scope.as_deref(), Some("ess:account:read"));
        assert!(
            ok.claims
                .iter()
                .any(|(n, v)| n == "sub" && v == id.as_str())
        );
        assert!(
            ok.claims
                .iter()
                .any(|(n, v)| n == "aud" && v == "keyward:us")
        );
        // Signed with the region's key from the store (made on first use),
        // not with a key file in the data dir.
        assert_eq!(reg.signing_keys().await.unwrap().keys().len(), 1);
        assert!(!dir.path().join(crate::oauth::keys::KEY_FILE).exists());
        let wrong = test(
            via(),
            id.clone(),
            ClientSecret::from_string("x".repeat(48)),
            vec![],
        )
        .await
        .unwrap_err();
        assert_eq!(wrong.error, "invalid_client");
        let scope = test(
            via(),
            id,
            issued.reveal.secret.clone(),
            vec!["forensics:account:write".into()],
        )
        .await
        .unwrap_err();
        assert_eq!(scope.error, "invalid_scope");
    }

    #[test]
    fn opaque_tokens_and_string_expiry() {
        let now = Utc.timestamp_opt(1_000, 0).unwrap();
        let s = shown(
            TokenReply {
                access_token: "opaque\u{1b}[31m".into(),
                token_type: None,
                expires_in: Some(60),
                scope: None,
            },
            now,
        );
        assert!(s.claims.is_empty());
        assert_eq!(s.prefix, "opaque\\u{1b}[31m");
        assert_eq!(s.expires_at, Some(now + chrono::Duration::seconds(60)));
    }
}
