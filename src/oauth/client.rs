//! The client side of the client credentials grant: what `keyward token` (and
//! the TUI's test-token panel) use against Keyward's own service or the
//! vendor's, including the draft-10 API's habits.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::model::ClientSecret;

/// Where the credentials go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMethod {
    /// HTTP Basic (RFC 6749 §2.3.1, form-urlencoded parts).
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Post,
}

/// The `grant_type` sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GrantType {
    ClientCredentials,
    /// The draft-10 vendor API's name for the same grant.
    None,
}

impl GrantType {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client_credentials",
            GrantType::None => "none",
        }
    }
}

/// A vendor's token service and its habits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Vendor {
    /// Barracuda Token Service, US.
    BtsUs,
    /// Barracuda Token Service, UK.
    BtsUk,
    /// ECHOplatform (OAuth 2.0 draft 10), US.
    EchoUs,
}

/// How a token service wants to be asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Habits {
    pub token_url: String,
    pub auth: AuthMethod,
    pub grant_type: GrantType,
    /// Joins requested scopes: ' ' per RFC 6749, '+' for the draft-10 API.
    pub scope_separator: char,
}

impl Vendor {
    pub fn habits(self) -> Habits {
        match self {
            Vendor::BtsUs => Habits::rfc6749("https://login.bts.barracudanetworks.com/token"),
            Vendor::BtsUk => Habits::rfc6749("https://uk.login.bts.barracudanetworks.com/token"),
            Vendor::EchoUs => Habits {
                token_url: "https://auth.intronis.com/oauth2/token".into(),
                auth: AuthMethod::Post,
                grant_type: GrantType::None,
                scope_separator: '+',
            },
        }
    }
}

impl Habits {
    pub fn rfc6749(token_url: &str) -> Self {
        Habits {
            token_url: token_url.to_owned(),
            auth: AuthMethod::Basic,
            grant_type: GrantType::ClientCredentials,
            scope_separator: ' ',
        }
    }
}

/// A successful token reply, read leniently: `expires_in` may be a number or a
/// string, `token_type` and `scope` may be missing.
#[derive(Clone, Debug, Deserialize)]
pub struct TokenReply {
    pub access_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default, deserialize_with = "number_or_string")]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub scope: Option<String>,
}

fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(u64),
        F(f64),
        S(String),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None => None,
        Some(Raw::N(n)) => Some(n),
        Some(Raw::F(f)) if f >= 0.0 => Some(f as u64),
        Some(Raw::F(_)) => None,
        Some(Raw::S(s)) => s.trim().parse().ok(),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum TokenClientError {
    #[error("the token endpoint refused: {status} {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        status: u16,
        error: String,
        description: Option<String>,
    },
    #[error("cannot reach the token endpoint {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("the token endpoint sent something that is not a token reply ({status}): {message}")]
    BadReply { status: u16, message: String },
    #[error("{0}")]
    Usage(String),
}

/// Asks `habits.token_url` for a token with the client credentials grant.
pub async fn request_token(
    http: &reqwest::Client,
    habits: &Habits,
    client_id: &str,
    secret: &ClientSecret,
    scopes: &[String],
) -> Result<TokenReply, TokenClientError> {
    if !(habits.token_url.starts_with("http://") || habits.token_url.starts_with("https://")) {
        return Err(TokenClientError::Usage(format!(
            "the token URL must start with http:// or https://, not '{}'",
            crate::text::printable_truncated(&crate::text::redact_url(&habits.token_url), 60)
        )));
    }
    // The serializer is not Send: it lives in this block so the future can be
    // spawned onto another thread (the TUI's token test does).
    let mut body = {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", habits.grant_type.as_str());
        if habits.auth == AuthMethod::Post {
            form.append_pair("client_id", client_id);
            form.append_pair("client_secret", secret.expose());
        }
        zeroize::Zeroizing::new(form.finish())
    };
    if !scopes.is_empty() {
        // Each scope is encoded; the separator is written as is, so '+' arrives
        // as the literal '+' the draft-10 API documents (and ' ' as '%20').
        let sep = match habits.scope_separator {
            ' ' => "%20".to_owned(),
            c => c.to_string(),
        };
        let joined: Vec<String> = scopes
            .iter()
            .map(|s| form_urlencoded::byte_serialize(s.as_bytes()).collect())
            .collect();
        body.push_str("&scope=");
        body.push_str(&joined.join(&sep));
    }
    let mut req = http
        .post(&habits.token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body.as_str().to_owned());
    if habits.auth == AuthMethod::Basic {
        // RFC 6749 §2.3.1: form-urlencode each part before Basic.
        let enc = |s: &str| -> String { form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        let secret = zeroize::Zeroizing::new(enc(secret.expose()));
        req = req.basic_auth(enc(client_id), Some(secret.as_str()));
    }
    let url = crate::text::redact_url(&habits.token_url).into_owned();
    let reply = req
        .send()
        .await
        .map_err(|e| TokenClientError::Unreachable {
            url: url.clone(),
            message: crate::text::redact_urls_in(&e.without_url().to_string()),
        })?;
    let status = reply.status().as_u16();
    let bytes = reply
        .bytes()
        .await
        .map_err(|e| TokenClientError::Unreachable {
            url,
            message: crate::text::redact_urls_in(&e.without_url().to_string()),
        })?;
    if !(200..300).contains(&status) {
        #[derive(Deserialize)]
        struct Err {
            error: String,
            #[serde(default)]
            error_description: Option<String>,
        }
        return Err(match serde_json::from_slice::<Err>(&bytes) {
            Ok(e) => TokenClientError::Refused {
                status,
                error: crate::text::printable_truncated(&e.error, 60),
                description: e
                    .error_description
                    .map(|d| crate::text::printable_truncated(&d, 300)),
            },
            Err(_) => TokenClientError::Refused {
                status,
                error: "(no OAuth error in the reply)".into(),
                description: Some(crate::text::printable_truncated(
                    &String::from_utf8_lossy(&bytes),
                    200,
                )),
            },
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| TokenClientError::BadReply {
        status,
        message: e.to_string(),
    })
}

/// An HTTP client for token requests: rustls, a timeout, no redirects (a
/// redirect could carry the credentials elsewhere).
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("keyward/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_number_or_string() {
        let r: TokenReply =
            serde_json::from_str(r#"{"access_token":"a","expires_in":"3600"}"#).unwrap();
        assert_eq!(r.expires_in, Some(3600));
        assert!(r.token_type.is_none());
        let r: TokenReply =
            serde_json::from_str(r#"{"access_token":"a","expires_in":60,"token_type":"Bearer"}"#)
                .unwrap();
        assert_eq!(r.expires_in, Some(60));
        let r: TokenReply = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(r.expires_in, None);
    }

    #[test]
    fn vendor_habits() {
        assert_eq!(Vendor::EchoUs.habits().grant_type, GrantType::None);
        assert_eq!(Vendor::EchoUs.habits().scope_separator, '+');
        assert_eq!(Vendor::BtsUk.habits().auth, AuthMethod::Basic);
    }
}
