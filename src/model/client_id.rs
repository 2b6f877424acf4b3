use std::fmt;

use serde::{Deserialize, Serialize};

/// Length of a generated client ID.
pub const CLIENT_ID_LEN: usize = 32;

/// The public half of a credential. Generated once, never changes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not a client ID: client IDs are 1 to 128 letters, digits, '-', '_' or '.'")]
pub struct ClientIdError(pub String);

impl ClientId {
    /// A fresh random ID from the OS CSPRNG.
    pub fn generate() -> Self {
        ClientId(super::random_alphanumeric(CLIENT_ID_LEN))
    }

    /// Parses an ID typed by a user or sent by a client. IDs from other services
    /// (e.g. 32 hex digits) are accepted too; only the shape is checked.
    pub fn parse(s: &str) -> Result<Self, ClientIdError> {
        let s = s.trim();
        let ok = !s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(ClientId(s.to_owned()))
        } else {
            Err(ClientIdError(crate::text::printable_truncated(s, 40)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `9fK2…Qx7a`: enough to recognise an ID in a narrow column.
    pub fn short(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() <= 9 {
            return self.0.clone();
        }
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }
}

impl TryFrom<String> for ClientId {
    type Error = ClientIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ClientId::parse(&value)
    }
}

impl From<ClientId> for String {
    fn from(c: ClientId) -> String {
        c.0
    }
}

impl std::str::FromStr for ClientId {
    type Err = ClientIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClientId::parse(s)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_32_alphanumerics_and_differ() {
        let a = ClientId::generate();
        let b = ClientId::generate();
        assert_eq!(a.as_str().len(), CLIENT_ID_LEN);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn parse_accepts_vendor_hex_and_rejects_junk() {
        assert!(ClientId::parse("0123456789abcdef0123456789abcdef").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("a b").is_err());
        assert!(ClientId::parse("\u{1b}[31m").is_err());
    }

    /// The message says what a client ID is; the command that lists them is
    /// the CLI's to add (see `cli::advice`), not the admin API's.
    #[test]
    fn the_error_names_no_command() {
        let e = ClientId::parse("a b").unwrap_err().to_string();
        assert!(
            e.contains("is not a client ID") && !e.contains("keyward "),
            "{e}"
        );
    }

    #[test]
    fn short_form() {
        let id = ClientId::parse("9fK2mA0cABCDEFGHQx7a").unwrap();
        assert_eq!(id.short(), "9fK2…Qx7a");
    }
}
