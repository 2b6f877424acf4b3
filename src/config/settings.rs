//! The settings the config file sets for other parts: the clipboard, and
//! `keyward serve`'s throttle, connection limits and request log. They are defined here,
//! beside the parser that fills them, and `clipboard` and `server` take them
//! from here, so `config` depends on neither.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;

use serde::Deserialize;

/// Default seconds until a copied secret is cleared.
pub const DEFAULT_CLEAR_AFTER: Duration = Duration::from_secs(45);

/// The `clipboard` config key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipboardMode {
    #[default]
    Auto,
    System,
    Osc52,
    Off,
}

impl std::str::FromStr for ClipboardMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ClipboardMode::Auto),
            "system" => Ok(ClipboardMode::System),
            "osc52" => Ok(ClipboardMode::Osc52),
            "off" => Ok(ClipboardMode::Off),
            other => Err(format!(
                "'{}' is not a clipboard mode: use auto, system, osc52 or off",
                crate::text::printable_truncated(other, 20)
            )),
        }
    }
}

/// What the UI's copy formats (`Y`) name the credentials: the `[copy]`
/// table's `client_id_env` and `client_secret_env`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopySettings {
    pub client_id_env: String,
    pub client_secret_env: String,
}

impl Default for CopySettings {
    fn default() -> Self {
        CopySettings {
            client_id_env: "KEYWARD_CLIENT_ID".to_owned(),
            client_secret_env: "KEYWARD_CLIENT_SECRET".to_owned(),
        }
    }
}

/// Whether `name` can be a shell variable's name (POSIX: a letter or `_`,
/// then letters, digits and `_`), so an environment line made with it is
/// one assignment and nothing else.
pub fn is_shell_variable(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
}

/// Clipboard settings from the config file (and `KEYWARD_CLIPBOARD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClipboardSettings {
    pub mode: ClipboardMode,
    /// Clear this long after copying a secret.
    pub clear_after: Duration,
    /// Clear a copied client ID too (it is not secret, so off by default).
    pub clear_client_id: bool,
    /// Wrap OSC 52 in tmux's or screen's passthrough form. Off by default:
    /// tmux with `set-clipboard on` handles plain OSC 52 itself.
    pub passthrough: bool,
}

impl Default for ClipboardSettings {
    fn default() -> Self {
        ClipboardSettings {
            mode: ClipboardMode::Auto,
            clear_after: DEFAULT_CLEAR_AFTER,
            clear_client_id: false,
            passthrough: false,
        }
    }
}

/// Failed-authentication limits of `keyward serve` (see `server::throttle`);
/// a limit of 0 turns that check off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleSettings {
    pub client_failures: u32,
    pub address_failures: u32,
    pub window: Duration,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        ThrottleSettings {
            client_failures: 10,
            address_failures: 100,
            window: Duration::from_secs(60),
        }
    }
}

/// `keyward serve`'s limits on connections; see `server::connections`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionSettings {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
}

/// The most `max_connections` may be: the semaphore counts in `u32`.
pub const MAX_CONNECTIONS_LIMIT: usize = 1_000_000;

impl Default for ConnectionSettings {
    fn default() -> Self {
        ConnectionSettings {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// How `keyward serve` reports requests; see `server::request_log`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLogSettings {
    /// One summary of requests, tokens and refusals this often.
    pub summary_every: Duration,
}

impl Default for RequestLogSettings {
    fn default() -> Self {
        RequestLogSettings {
            summary_every: Duration::from_secs(10),
        }
    }
}

/// A CIDR that could not be read (`--trusted-proxy`, `trusted_proxy`).
#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not an address or a CIDR such as 10.0.0.0/8 or fd00::/8")]
pub struct BadCidr(String);

/// Parses `10.0.0.0/8`, `fd00::/8`, or a single address.
pub fn parse_cidr(s: &str) -> Result<IpNet, BadCidr> {
    let s = s.trim();
    IpNet::from_str(s)
        .or_else(|_| IpAddr::from_str(s).map(IpNet::from))
        .map_err(|_| BadCidr(crate::text::printable_truncated(s, 60)))
}
