//! Parsing a token (or introspection) request: the form body and client
//! authentication (RFC 6749 §2.3.1, §3.2, §4.4). Pure functions over bytes, so
//! every malformed input becomes an OAuth error and never a panic or a 500.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use crate::model::{ClientId, ClientSecret};

/// The error codes of RFC 6749 §5.2 (and RFC 6750 for bearer tokens).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    ServerError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::ServerError => "server_error",
        }
    }
}

/// An OAuth error reply. The description never holds a secret: it names at most
/// parameter names, scope strings and grant types, made printable and short.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
    /// A 401 with this error carries `WWW-Authenticate: Basic`: the client
    /// used the `Authorization` header, or sent no credentials at all (then the
    /// challenge says which scheme the server takes; RFC 6749 §5.2). Never for
    /// credentials in the body: clients read a challenge as "authenticate over
    /// HTTP" and would not tell their user `invalid_client`.
    pub challenge: bool,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: description.into(),
            challenge: false,
        }
    }

    fn request(description: impl Into<String>) -> Self {
        OAuthError::new(ErrorCode::InvalidRequest, description)
    }
}

/// Shows untrusted input in an error description: printable and short.
fn shown(s: &str) -> String {
    crate::text::printable_truncated(s, 60)
}

/// The credentials a client presented, in the one way it presented them.
pub struct ClientAuth {
    pub client_id: ClientId,
    pub secret: ClientSecret,
    /// For HTTP Basic whose parts were not form-urlencoded (as many clients
    /// send): the raw secret, tried when the decoded one does not verify.
    pub raw_secret: Option<ClientSecret>,
    pub basic: bool,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("client_id", &self.client_id)
            .field("basic", &self.basic)
            .finish_non_exhaustive()
    }
}

/// The grant a token request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantKind {
    ClientCredentials,
    /// `grant_type=none`, the draft-10 vendor API's name for the same grant.
    NoneAlias,
}

#[derive(Debug)]
pub struct TokenRequest {
    pub auth: ClientAuth,
    pub grant: GrantKind,
    /// The requested scope strings, without duplicates; `None` means "all held".
    pub scopes: Option<Vec<String>>,
}

/// A form body's parameters. Each may appear once (RFC 6749 §3.2).
pub struct Form {
    params: Vec<(String, String)>,
}

impl Form {
    /// Parses an `application/x-www-form-urlencoded` body. `content_type` is the
    /// request's header, if any: anything else than a form is refused.
    pub fn parse(content_type: Option<&[u8]>, body: &[u8]) -> Result<Self, OAuthError> {
        if let Some(ct) = content_type {
            let ct = String::from_utf8_lossy(ct);
            let mime = ct.split(';').next().unwrap_or_default().trim();
            if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                return Err(OAuthError::request(format!(
                    "the body must be application/x-www-form-urlencoded, not {}",
                    shown(mime)
                )));
            }
        }
        if std::str::from_utf8(body).is_err() {
            return Err(OAuthError::request("the body is not valid UTF-8"));
        }
        let mut params: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(body) {
            if k.is_empty() {
                continue;
            }
            if params.iter().any(|(seen, _)| *seen == k) {
                return Err(OAuthError::request(format!(
                    "the parameter '{}' appears more than once",
                    shown(&k)
                )));
            }
            params.push((k.into_owned(), v.into_owned()));
        }
        Ok(Form { params })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, treating an empty value as absent (RFC 6749 §3.1).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }
}

impl Drop for Form {
    fn drop(&mut self) {
        // The body may hold a client secret: wipe it.
        use zeroize::Zeroize as _;
        for (_, v) in &mut self.params {
            v.zeroize();
        }
    }
}

/// `in_header`: the ID came in the `Authorization` header, so a refusal
/// carries the challenge.
fn parse_client_id(s: &str, in_header: bool) -> Result<ClientId, OAuthError> {
    ClientId::parse(s).map_err(|_| OAuthError {
        code: ErrorCode::InvalidClient,
        description: "client authentication failed".into(),
        challenge: in_header,
    })
}

/// Decodes one part of a Basic credential as RFC 6749 §2.3.1 says
/// (form-urlencoded), or `None` when it was not valid encoding.
fn form_decode(s: &str) -> String {
    let pairs = format!("x={s}");
    form_urlencoded::parse(pairs.as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Reads the client's credentials from the `Authorization` header and the form.
pub fn client_auth(authorization: Option<&[u8]>, form: &Form) -> Result<ClientAuth, OAuthError> {
    let body_id = form.value("client_id");
    let body_secret = form.get("client_secret");
    let Some(header) = authorization else {
        let (Some(id), Some(secret)) = (body_id, body_secret) else {
            return Err(OAuthError {
                code: ErrorCode::InvalidClient,
                description: "client authentication is missing: send HTTP Basic, or client_id and client_secret in the body".into(),
                challenge: true,
            });
        };
        return Ok(ClientAuth {
            client_id: parse_client_id(id, false)?,
            secret: ClientSecret::from_string(secret.to_owned()),
            raw_secret: None,
            basic: false,
        });
    };
    let basic_err = |description: &str| OAuthError {
        code: ErrorCode::InvalidRequest,
        description: description.into(),
        challenge: true,
    };
    let header = std::str::from_utf8(header)
        .map_err(|_| basic_err("the Authorization header is not valid text"))?
        .trim();
    let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        // An authentication method the server does not take: invalid_client,
        // with the challenge naming the one it does (RFC 6749 §5.2).
        return Err(OAuthError {
            code: ErrorCode::InvalidClient,
            description: "the Authorization header must use the Basic scheme here (or send client_id and client_secret in the body)".into(),
            challenge: true,
        });
    }
    if body_secret.is_some() {
        return Err(basic_err(
            "the client authenticated twice (HTTP Basic and client_secret in the body): use one method",
        ));
    }
    let value = value.trim();
    let decoded = STANDARD
        .decode(value)
        .or_else(|_| STANDARD_NO_PAD.decode(value))
        .map_err(|_| basic_err("the Basic credentials are not valid base64"))?;
    let decoded = zeroize::Zeroizing::new(
        String::from_utf8(decoded)
            .map_err(|_| basic_err("the Basic credentials are not valid UTF-8"))?,
    );
    let (raw_id, raw_secret) = decoded
        .split_once(':')
        .ok_or_else(|| basic_err("the Basic credentials have no ':' between ID and secret"))?;
    let id = form_decode(raw_id);
    let secret = form_decode(raw_secret);
    let mut client_id = parse_client_id(&id, true).or_else(|_| parse_client_id(raw_id, true))?;
    if let Some(body_id) = body_id {
        if body_id != client_id.as_str() && body_id != raw_id {
            return Err(basic_err(
                "client_id in the body does not match the HTTP Basic credentials",
            ));
        }
        client_id = parse_client_id(body_id, true)?;
    }
    let raw_secret =
        (secret != raw_secret).then(|| ClientSecret::from_string(raw_secret.to_owned()));
    Ok(ClientAuth {
        client_id,
        secret: ClientSecret::from_string(secret),
        raw_secret,
        basic: true,
    })
}

/// Parses a client credentials token request.
pub fn token_request(
    authorization: Option<&[u8]>,
    content_type: Option<&[u8]>,
    body: &[u8],
) -> Result<TokenRequest, OAuthError> {
    let form = Form::parse(content_type, body)?;
    let grant = match form.value("grant_type") {
        None => return Err(OAuthError::request("grant_type is missing")),
        Some("client_credentials") => GrantKind::ClientCredentials,
        Some("none") => GrantKind::NoneAlias,
        Some(other) => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!(
                    "grant_type '{}' is not supported: use client_credentials",
                    shown(other)
                ),
            ));
        }
    };
    let auth = client_auth(authorization, &form)?;
    let scopes = form.value("scope").and_then(|s| {
        let mut out: Vec<String> = Vec::new();
        // Space per RFC 6749; '+' because the draft-10 vendor API joins with it
        // (a '+' that survived form decoding was sent as %2B).
        for part in s.split([' ', '+']).filter(|p| !p.is_empty()) {
            if !out.iter().any(|o| o == part) {
                out.push(part.to_owned());
            }
        }
        (!out.is_empty()).then_some(out)
    });
    Ok(TokenRequest {
        auth,
        grant,
        scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&[u8]> = Some(b"application/x-www-form-urlencoded");

    fn basic(id: &str, secret: &str) -> Vec<u8> {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))).into_bytes()
    }

    #[test]
    fn basic_encoded_and_raw() {
        let h = basic("abc", "s%2Bx");
        let r = token_request(Some(&h), FORM, b"grant_type=client_credentials").unwrap();
        assert_eq!(r.auth.client_id.as_str(), "abc");
        assert_eq!(r.auth.secret.expose(), "s+x");
        assert_eq!(r.auth.raw_secret.unwrap().expose(), "s%2Bx");
        assert!(r.auth.basic);
        assert!(r.scopes.is_none());
    }

    #[test]
    fn body_auth_and_scopes() {
        let r = token_request(
            None,
            None,
            b"grant_type=none&client_id=abc&client_secret=xyz&scope=a:b:read+c:d:read%2Ba:b:read",
        )
        .unwrap();
        assert_eq!(r.grant, GrantKind::NoneAlias);
        assert_eq!(r.scopes.unwrap(), vec!["a:b:read", "c:d:read"]);
        assert!(!r.auth.basic);
    }

    #[test]
    fn errors() {
        let code = |auth: Option<&[u8]>, ct: Option<&[u8]>, body: &[u8]| {
            token_request(auth, ct, body).unwrap_err().code
        };
        use ErrorCode::*;
        assert_eq!(code(None, FORM, b""), InvalidRequest);
        assert_eq!(
            code(None, FORM, b"grant_type=password"),
            UnsupportedGrantType
        );
        assert_eq!(
            code(None, FORM, b"grant_type=client_credentials"),
            InvalidClient
        );
        assert_eq!(code(None, Some(b"application/json"), b"{}"), InvalidRequest);
        assert_eq!(
            code(None, FORM, b"grant_type=none&grant_type=none"),
            InvalidRequest
        );
        assert_eq!(code(None, FORM, b"grant_type=none&x=\xff"), InvalidRequest);
        let h = basic("abc", "x");
        assert_eq!(
            code(Some(&h), FORM, b"grant_type=none&client_secret=x"),
            InvalidRequest
        );
        assert_eq!(
            code(Some(&h), FORM, b"grant_type=none&client_id=other"),
            InvalidRequest
        );
        assert!(token_request(Some(&h), FORM, b"grant_type=none&client_id=abc").is_ok());
        for bad in [&b"Basic !!!"[..], b"Basic", b"Basic eHl6"] {
            assert_eq!(code(Some(bad), FORM, b"grant_type=none"), InvalidRequest);
        }
        // Another scheme is an authentication method the server does not take.
        assert_eq!(
            code(Some(b"Bearer x"), FORM, b"grant_type=none"),
            InvalidClient
        );
    }
}
