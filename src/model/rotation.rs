//! Secrets of an application as its owner sees them (never the secrets
//! themselves), and the grace of a rotation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Length of a secret's ID.
pub const SECRET_ID_LEN: usize = 8;

/// The longest grace a rotation may give the previous secret.
pub const MAX_ROTATION_GRACE: chrono::Duration = chrono::Duration::days(30);

/// The grace a rotation gives unless told otherwise (`rotation_grace`).
pub const DEFAULT_ROTATION_GRACE: chrono::Duration = chrono::Duration::hours(24);

/// A new secret's ID: 8 characters of `[A-Za-z0-9]` from the OS CSPRNG, never
/// derived from the secret, so showing it tells nothing about the secret.
pub fn new_secret_id() -> String {
    super::random_alphanumeric(SECRET_ID_LEN)
}

/// Whether a secret is the one new platforms should use, or the previous one
/// working out its grace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretState {
    Current,
    Retiring,
}

impl SecretState {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretState::Current => "current",
            SecretState::Retiring => "retiring",
        }
    }
}

impl std::str::FromStr for SecretState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "current" => Ok(SecretState::Current),
            "retiring" => Ok(SecretState::Retiring),
            other => Err(format!("unknown secret state '{other}'")),
        }
    }
}

/// One of an application's secrets: what it is, not what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    pub secret_id: String,
    pub state: SecretState,
    pub created_at: DateTime<Utc>,
    /// When a retiring secret stops working; `None` for the current one.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it last got a token, as far as the usage records go.
    pub last_used_at: Option<DateTime<Utc>>,
    /// The address it last got a token from.
    pub last_used_from: Option<String>,
}

/// One use of a secret, as the token endpoint saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretUsage {
    pub client_id: super::ClientId,
    pub secret_id: String,
    pub at: DateTime<Utc>,
    pub from: Option<String>,
}

/// Checks a rotation's grace: 0 s to 30 days.
pub fn check_grace(grace: chrono::Duration) -> Result<(), String> {
    if grace < chrono::Duration::zero() || grace > MAX_ROTATION_GRACE {
        return Err(format!(
            "the grace of a rotation must be 0s to 30d (got {}s)",
            grace.num_seconds()
        ));
    }
    Ok(())
}

/// Why a duration could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "'{input}' is not a duration: give a whole number and a unit, s, m, h or d (e.g. 30s, 15m, 24h, 7d)"
)]
pub struct DurationError {
    input: String,
}

/// Reads `30s`, `15m`, `24h` or `7d`: the one way durations are written on
/// the command line and in the config.
pub fn parse_duration(input: &str) -> Result<chrono::Duration, DurationError> {
    let bad = || DurationError {
        input: crate::text::printable_truncated(input, 40),
    };
    let s = input.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let unit_seconds: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    // Bounded well below chrono's limits, so no multiplication overflows.
    let seconds = n
        .checked_mul(unit_seconds)
        .filter(|s| *s <= 100 * 365 * 86_400);
    seconds.map(chrono::Duration::seconds).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_seconds_minutes_hours_and_days() {
        assert_eq!(parse_duration("30s"), Ok(chrono::Duration::seconds(30)));
        assert_eq!(parse_duration("15m"), Ok(chrono::Duration::minutes(15)));
        assert_eq!(parse_duration("24h"), Ok(chrono::Duration::hours(24)));
        assert_eq!(parse_duration("7d"), Ok(chrono::Duration::days(7)));
        assert_eq!(parse_duration("0s"), Ok(chrono::Duration::zero()));
        assert_eq!(parse_duration(" 90d "), Ok(chrono::Duration::days(90)));
    }

    #[test]
    fn bad_durations_say_what_is_expected() {
        for bad in [
            "",
            "24",
            "h",
            "1.5h",
            "-1h",
            "24H",
            "1w",
            "1h30m",
            "24 h",
            "99999999999999999999d",
            "\u{1b}[31m1h",
        ] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(e.contains("30s, 15m, 24h, 7d"), "{bad:?}: {e}");
            assert!(!e.contains('\u{1b}'), "{e}");
        }
    }

    #[test]
    fn grace_is_zero_to_thirty_days() {
        assert!(check_grace(chrono::Duration::zero()).is_ok());
        assert!(check_grace(chrono::Duration::days(30)).is_ok());
        assert!(check_grace(chrono::Duration::days(30) + chrono::Duration::seconds(1)).is_err());
        assert!(check_grace(chrono::Duration::seconds(-1)).is_err());
    }

    #[test]
    fn secret_ids_are_eight_alphanumerics_and_differ() {
        let a = new_secret_id();
        assert_eq!(a.len(), SECRET_ID_LEN);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, new_secret_id());
    }
}
