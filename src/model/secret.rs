use std::fmt;

use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::ClientId;

/// Length of a generated client secret.
pub const SECRET_LEN: usize = 48;

/// The private half of a credential.
///
/// It never prints itself (`Debug` and `Display` redact), its memory is wiped on
/// drop, and equality is constant-time so a comparison leaks nothing about how
/// much of a guess was right.
#[derive(Clone)]
pub struct ClientSecret(Zeroizing<String>);

impl ClientSecret {
    /// A fresh secret: 48 characters of `[A-Za-z0-9]` from the OS CSPRNG (~285 bits).
    pub fn generate() -> Self {
        ClientSecret(Zeroizing::new(super::random_alphanumeric(SECRET_LEN)))
    }

    /// Wraps a secret that came from outside (a client, standard input, an env var).
    pub fn from_string(s: String) -> Self {
        ClientSecret(Zeroizing::new(s))
    }

    /// The plaintext. Call it only where the secret must leave the process on purpose:
    /// hashing, showing it once, copying it, sending it to a token endpoint.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PartialEq for ClientSecret {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for ClientSecret {}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A secret that may still be shown: the plaintext and the end of its window.
///
/// After `visible_until` nobody can see the secret again; holders drop the value
/// (which wipes it) and the only way forward is a reset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretReveal {
    pub client_id: ClientId,
    pub secret: ClientSecret,
    pub visible_until: DateTime<Utc>,
}

impl SecretReveal {
    pub fn is_visible_at(&self, now: DateTime<Utc>) -> bool {
        now < self.visible_until
    }

    /// Whole seconds left at `now`, rounded up, 0 once closed.
    pub fn seconds_left(&self, now: DateTime<Utc>) -> u64 {
        let ms = (self.visible_until - now).num_milliseconds();
        if ms <= 0 {
            0
        } else {
            (ms as u64).div_ceil(1000)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secret_shape() {
        let s = ClientSecret::generate();
        assert_eq!(s.expose().len(), SECRET_LEN);
        assert!(s.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(s, ClientSecret::generate());
    }

    #[test]
    fn never_prints_itself() {
        let s = ClientSecret::generate();
        let shown = format!("{s} {s:?} {:?}", Some(&s));
        assert!(!shown.contains(s.expose()));
        assert!(shown.contains("redacted"));
        let reveal = SecretReveal {
            client_id: ClientId::generate(),
            secret: s.clone(),
            visible_until: Utc::now(),
        };
        assert!(!format!("{reveal:?}").contains(s.expose()));
    }

    #[test]
    fn equality_compares_content() {
        let a = ClientSecret::from_string("abc".into());
        assert_eq!(a, ClientSecret::from_string("abc".into()));
        assert_ne!(a, ClientSecret::from_string("abd".into()));
        assert_ne!(a, ClientSecret::from_string("ab".into()));
    }

    #[test]
    fn window_arithmetic() {
        let now = Utc::now();
        let r = SecretReveal {
            client_id: ClientId::generate(),
            secret: ClientSecret::generate(),
            visible_until: now + chrono::Duration::milliseconds(1500),
        };
        assert!(r.is_visible_at(now));
        assert_eq!(r.seconds_left(now), 2);
        assert!(!r.is_visible_at(r.visible_until));
        assert_eq!(
            r.seconds_left(r.visible_until + chrono::Duration::seconds(5)),
            0
        );
    }
}
