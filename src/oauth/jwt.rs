//! Access tokens: JWTs per RFC 9068 (`typ: at+jwt`), signed with EdDSA.
//!
//! Hand-rolled rather than through a JWT crate: the token has one fixed header
//! per key and one fixed claim set, and issuing is the token endpoint's hot
//! path, so each key's header is encoded once and each token costs one JSON
//! serialisation and one signature.

use std::sync::{Arc, RwLock};

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SigningKeys;
use super::ring::{KeyRing, RingKey};

/// The claims of a Keyward access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    /// Space-separated OAuth scope strings.
    pub scope: String,
}

impl AccessClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|s| !s.is_empty())
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("the token is not a JWT")]
    Malformed,
    #[error("the token's header is not one this service issues")]
    WrongHeader,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token was issued by another service or for another audience")]
    WrongIssuer,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
}

/// A key of the ring, ready to sign and verify.
struct PreparedKey {
    key: RingKey,
    verifying: UnparsedPublicKey<[u8; 32]>,
    /// `base64url(header) + "."`, computed once per key.
    header_prefix: String,
}

/// Issues and verifies this service's access tokens, with the region's key
/// ring (see `ring.rs`): the key that signs at a token's `iat`, and every
/// key the JWKS holds for verifying. A server replaces the ring as it
/// re-reads it ([`TokenIssuer::set_ring`]).
pub struct TokenIssuer {
    ring: RwLock<Arc<Prepared>>,
    issuer: String,
    audience: String,
}

/// The ring, and its keys prepared in the same order.
struct Prepared {
    ring: KeyRing,
    keys: Vec<PreparedKey>,
}

fn prepare(ring: KeyRing) -> Prepared {
    let keys = ring
        .keys()
        .iter()
        .map(|key| {
            let header =
                serde_json::json!({"alg": "EdDSA", "typ": "at+jwt", "kid": key.keys.kid()});
            let mut header_prefix = URL_SAFE_NO_PAD.encode(header.to_string());
            header_prefix.push('.');
            PreparedKey {
                verifying: UnparsedPublicKey::new(&ED25519, *key.keys.public_key()),
                key: key.clone(),
                header_prefix,
            }
        })
        .collect();
    Prepared { ring, keys }
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

impl TokenIssuer {
    /// An issuer with one key that always signs.
    pub fn new(keys: SigningKeys, issuer: String, audience: String) -> Self {
        Self::with_ring(KeyRing::single(keys), issuer, audience)
    }

    pub fn with_ring(ring: KeyRing, issuer: String, audience: String) -> Self {
        TokenIssuer {
            ring: RwLock::new(Arc::new(prepare(ring))),
            issuer,
            audience,
        }
    }

    /// Signs and verifies with `ring` from now on (nothing to do when it
    /// holds the same keys with the same times).
    pub fn set_ring(&self, ring: KeyRing) {
        if self.prepared().ring.infos() == ring.infos() {
            return;
        }
        let prepared = Arc::new(prepare(ring));
        *self.ring.write().unwrap_or_else(|p| p.into_inner()) = prepared;
    }

    fn prepared(&self) -> Arc<Prepared> {
        self.ring.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The JWK Set at `now`: every key published then.
    pub fn jwks(&self, now: DateTime<Utc>) -> serde_json::Value {
        self.prepared().ring.jwks(now)
    }

    /// The claims of a new token for `client_id` with `scope`, issued at `now`.
    pub fn claims(&self, client_id: &str, scope: String, now: i64) -> AccessClaims {
        AccessClaims {
            iss: self.issuer.clone(),
            sub: client_id.to_owned(),
            aud: self.audience.clone(),
            exp: now + super::TOKEN_LIFETIME_SECS,
            iat: now,
            jti: crate::model::random_identifier(22),
            client_id: client_id.to_owned(),
            scope,
        }
    }

    /// The signed token, with the key that signs at the claims' `iat`.
    pub fn sign(&self, claims: &AccessClaims) -> String {
        let prepared = self.prepared();
        let index = prepared.ring.signing_index(at(claims.iat));
        let Some(signing) = prepared.keys.get(index) else {
            // Cannot happen: a ring is never empty, and `keys` follows it.
            return String::new();
        };
        // Serialising a struct of strings and integers cannot fail.
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let mut token =
            String::with_capacity(signing.header_prefix.len() + payload.len() * 4 / 3 + 100);
        token.push_str(&signing.header_prefix);
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let signature = signing.key.keys.sign(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut token);
        token
    }

    /// The claims of `token` if this service issued it with a key the JWKS
    /// holds at `now`, it verifies and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<AccessClaims, JwtError> {
        let (signed, sig_b64) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
        let (header_b64, payload_b64) = signed.split_once('.').ok_or(JwtError::Malformed)?;
        let header: Header = URL_SAFE_NO_PAD
            .decode(header_b64)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or(JwtError::Malformed)?;
        // Only our own algorithm and keys: no `alg: none`, no algorithm confusion.
        if header.alg != "EdDSA" || header.typ.as_deref() != Some("at+jwt") {
            return Err(JwtError::WrongHeader);
        }
        let prepared = self.prepared();
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| {
                prepared
                    .keys
                    .iter()
                    .find(|k| k.key.info.kid == kid && k.key.info.published(at(now)))
            })
            .ok_or(JwtError::WrongHeader)?;
        let sig_bytes: [u8; 64] = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(JwtError::Malformed)?;
        key.verifying
            .verify(signed.as_bytes(), &sig_bytes)
            .map_err(|_| JwtError::BadSignature)?;
        let claims: AccessClaims = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or(JwtError::Malformed)?;
        if claims.iss != self.issuer || claims.aud != self.audience {
            return Err(JwtError::WrongIssuer);
        }
        if now >= claims.exp {
            return Err(JwtError::Expired);
        }
        Ok(claims)
    }
}

/// The payload of any JWT, unverified: for showing a token's claims to a person.
pub fn decode_unverified(token: &str) -> Option<serde_json::Value> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(
            SigningKeys::from_seed(&[7u8; 32]).unwrap(),
            "http://127.0.0.1:1".into(),
            "keyward:us".into(),
        )
    }

    #[test]
    fn sign_then_verify() {
        let t = issuer();
        let claims = t.claims("abc", "ess:account:read".into(), 1_000);
        let token = t.sign(&claims);
        assert_eq!(t.verify(&token, 1_001).unwrap(), claims);
        assert_eq!(t.verify(&token, 1_000 + 3600), Err(JwtError::Expired));
        assert_eq!(decode_unverified(&token).unwrap()["sub"], "abc");
        let header = URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
        assert_eq!(header["typ"], "at+jwt");
        assert_eq!(header["alg"], "EdDSA");
    }

    #[test]
    fn every_token_has_its_own_jti() {
        let t = issuer();
        let jtis: std::collections::HashSet<String> = (0..1000)
            .map(|_| t.claims("abc", String::new(), 1_000).jti)
            .collect();
        assert_eq!(jtis.len(), 1000);
        assert!(
            jtis.iter()
                .all(|j| j.len() == 22 && j.bytes().all(|b| b.is_ascii_alphanumeric()))
        );
    }

    /// With a ring, a token is signed by the key active at its `iat` and
    /// verifies while its key is published; a key that left the JWKS
    /// verifies nothing.
    #[test]
    fn a_ring_signs_with_the_active_key_and_verifies_with_the_published_ones() {
        use crate::oauth::ring::{KeyInfo, RingKey};
        let t = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap();
        let key = |seed: u8, info: KeyInfo| RingKey {
            info,
            keys: Arc::new(SigningKeys::from_seed(&[seed; 32]).unwrap()),
        };
        let a = SigningKeys::from_seed(&[1; 32]).unwrap().kid().to_owned();
        let b = SigningKeys::from_seed(&[2; 32]).unwrap().kid().to_owned();
        let ring = KeyRing::new(vec![
            key(
                1,
                KeyInfo {
                    retired_at: Some(t(2_000)),
                    published_until: Some(t(5_660)),
                    ..KeyInfo::first(a.clone(), t(0))
                },
            ),
            key(
                2,
                KeyInfo {
                    signs_from: t(2_000),
                    ..KeyInfo::first(b.clone(), t(1_400))
                },
            ),
        ])
        .unwrap();
        let issuer = TokenIssuer::with_ring(ring, "http://i".into(), "keyward:us".into());
        let header_kid = |token: &str| {
            let h = URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap();
            serde_json::from_slice::<serde_json::Value>(&h).unwrap()["kid"].clone()
        };
        let old = issuer.sign(&issuer.claims("c", String::new(), 1_999));
        let new = issuer.sign(&issuer.claims("c", String::new(), 2_000));
        assert_eq!(header_kid(&old), a.as_str());
        assert_eq!(header_kid(&new), b.as_str());
        assert!(issuer.verify(&old, 5_598).is_ok());
        assert!(issuer.verify(&new, 5_598).is_ok());
        // Expired anyway by then; its key leaves the JWKS a minute later.
        assert_eq!(issuer.verify(&old, 5_599), Err(JwtError::Expired));
        assert_eq!(issuer.verify(&old, 5_660), Err(JwtError::WrongHeader));
        assert_eq!(issuer.jwks(t(5_660))["keys"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn tampering_is_caught() {
        let t = issuer();
        let token = t.sign(&t.claims("abc", "a:b:read".into(), 1_000));
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let forged = t.claims("abc", "keyward:admin".into(), 1_000);
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(
            t.verify(&parts.join("."), 1_001),
            Err(JwtError::BadSignature)
        );
        let other = TokenIssuer::new(
            SigningKeys::from_seed(&[8u8; 32]).unwrap(),
            "http://127.0.0.1:1".into(),
            "keyward:us".into(),
        );
        assert_eq!(other.verify(&token, 1_001), Err(JwtError::WrongHeader));
        for junk in ["", ".", "a.b.c", "x..", "...."] {
            assert!(t.verify(junk, 1_001).is_err(), "{junk}");
        }
    }
}
