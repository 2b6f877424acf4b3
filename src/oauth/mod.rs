//! OAuth 2.0 client credentials: access tokens (JWT per RFC 9068, signed with
//! Ed25519), the regions' signing keys and their rotation, and token request
//! parsing.

pub mod client;
pub mod jwt;
pub mod keys;
pub mod request;
pub mod ring;
pub mod sealing;

pub use jwt::{AccessClaims, JwtError, TokenIssuer};
pub use keys::{KeyError, SigningKeys};
pub use request::{ClientAuth, ErrorCode, OAuthError, TokenRequest};
pub use ring::{KeyInfo, KeyRing, KeyState};

/// How long an access token is valid: one hour, as the vendor's service does.
pub const TOKEN_LIFETIME_SECS: i64 = 3600;
