//! Copying a client ID or a fresh secret, over SSH as well as on a desktop.
//!
//! Three routes behind one interface:
//! - **system**: the desktop clipboard through arboard, owned by a long-lived
//!   worker thread (on X11 and Wayland the owner serves the contents, so the text
//!   survives until pasted), marked to stay out of clipboard history;
//! - **OSC 52**: an escape sequence the user's terminal turns into a clipboard
//!   write; the caller writes it to its own terminal output (the TUI between
//!   frames) because only the caller knows when that is safe;
//! - **off**: every copy says how to turn copying on.
//!
//! After a copy, a clear is due after `clear_after`: the system clipboard is
//! emptied only if it still holds what we put there (compared by SHA-256, so no
//! second copy of the secret is kept); OSC 52 cannot read back, so it is
//! overwritten with an empty payload, and inside tmux the paste buffers that
//! still hold the copied text are deleted (tmux ignores empty payloads).

mod osc52;
mod system;
pub mod tmux;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub use crate::config::{
    ClipboardMode as Mode, ClipboardSettings as Settings, DEFAULT_CLEAR_AFTER,
};
pub use osc52::{MAX_OSC52_PAYLOAD, osc52_sequence};
pub use system::SystemClipboard;

/// How long a system clipboard call may take before we give up on it, so a
/// missing or unreachable display never freezes the UI.
pub const SYSTEM_TIMEOUT: Duration = Duration::from_millis(1500);

/// What the process knows about where it runs, read once from the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    pub ssh: bool,
    pub display: bool,
    pub tmux: bool,
    pub screen: bool,
}

impl Environment {
    pub fn from_env() -> Self {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        Environment {
            ssh: set("SSH_TTY") || set("SSH_CONNECTION"),
            display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            tmux: set("TMUX"),
            screen: std::env::var("TERM").is_ok_and(|t| t.starts_with("screen")) && !set("TMUX"),
        }
    }
}

/// Why [`choose`] picked what it picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The mode names the route (or `off`): nothing was looked at.
    Configured,
    /// `auto` over SSH (`SSH_TTY` or `SSH_CONNECTION`): the system clipboard
    /// here is not the user's.
    Ssh,
    /// `auto` without `DISPLAY` or `WAYLAND_DISPLAY`: there is no system
    /// clipboard to reach.
    NoDisplay,
    /// `auto` on a local display.
    Display,
}

/// The route copies take with `mode` in `env`, and why: under `auto`, OSC 52
/// over SSH or without a display, else the system clipboard (which falls back
/// to OSC 52 if it fails). `None` when copying is off. The one place this
/// choice is made: [`Clipboard`] copies by it and `keyward doctor` reports it.
pub fn choose(mode: Mode, env: &Environment) -> (Option<Route>, Reason) {
    match mode {
        Mode::Off => (None, Reason::Configured),
        Mode::System => (Some(Route::System), Reason::Configured),
        Mode::Osc52 => (Some(Route::Osc52), Reason::Configured),
        Mode::Auto if env.ssh => (Some(Route::Osc52), Reason::Ssh),
        Mode::Auto if !env.display => (Some(Route::Osc52), Reason::NoDisplay),
        Mode::Auto => (Some(Route::System), Reason::Display),
    }
}

/// A terminal multiplexer whose passthrough form an OSC 52 escape is wrapped in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multiplexer {
    Tmux,
    Screen,
}

/// The multiplexer an OSC 52 escape is wrapped for, if any: only when the
/// `clipboard_passthrough` setting asks for it and one is there.
pub fn passthrough(settings: &Settings, env: &Environment) -> Option<Multiplexer> {
    match (settings.passthrough, env.tmux, env.screen) {
        (true, true, _) => Some(Multiplexer::Tmux),
        (true, false, true) => Some(Multiplexer::Screen),
        _ => None,
    }
}

/// What was copied, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ClientId,
    ClientSecret,
    /// Both credentials as environment lines (`KEYWARD_CLIENT_ID=…`).
    EnvLines,
    /// A curl command for the token endpoint, with both credentials.
    CurlCommand,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::ClientId => "Client ID",
            Kind::ClientSecret => "Client secret",
            Kind::EnvLines => "Environment lines",
            Kind::CurlCommand => "curl command",
        }
    }

    /// Whether the copied text holds a secret: it is then always cleared.
    pub fn holds_secret(self) -> bool {
        self != Kind::ClientId
    }
}

/// The way a copy went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    System,
    Osc52,
}

impl Route {
    pub fn label(self) -> &'static str {
        match self {
            Route::System => "system clipboard",
            Route::Osc52 => "OSC 52",
        }
    }

    /// What is known once a copy went this way. The system clipboard took
    /// the text; an OSC 52 escape was only sent: no terminal confirms it, and
    /// many ignore it.
    pub fn outcome(self) -> &'static str {
        match self {
            Route::System => "copied (system clipboard)",
            Route::Osc52 => "sent to your terminal (OSC 52)",
        }
    }
}

/// A successful copy.
pub struct Copied {
    pub kind: Kind,
    pub route: Route,
    /// When the clear is due, if one is.
    pub clear_at: Option<Instant>,
    /// Bytes the caller must write to its terminal (OSC 52 only). They carry
    /// the text, so they are wiped on drop and never printed.
    pub escape: Option<Zeroizing<String>>,
    /// Set when the system clipboard failed and OSC 52 was used instead: why.
    pub fell_back: Option<String>,
}

impl std::fmt::Debug for Copied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Copied")
            .field("kind", &self.kind)
            .field("route", &self.route)
            .field("clear_at", &self.clear_at)
            .field("escape", &self.escape.as_ref().map(|_| "<redacted>"))
            .field("fell_back", &self.fell_back)
            .finish()
    }
}

impl Copied {
    /// `Client secret sent to your terminal (OSC 52), clears in 0:42`.
    pub fn status(&self, now: Instant) -> String {
        let mut s = format!("{} {}", self.kind.label(), self.route.outcome());
        if let Some(at) = self.clear_at {
            let left = at.saturating_duration_since(now).as_secs();
            s.push_str(&format!(", clears in {}", crate::text::clock(left, false)));
        }
        if let Some(why) = &self.fell_back {
            s.push_str(&format!(" (system clipboard failed: {why})"));
        }
        s
    }
}

/// What a clear did.
#[derive(Debug, PartialEq, Eq)]
pub enum Cleared {
    /// Nothing was pending.
    Nothing,
    /// The system clipboard held our text and is now empty.
    System,
    /// The user copied something else meanwhile: left alone.
    ChangedSinceCopy,
    /// Write these bytes to the terminal: an empty OSC 52 payload.
    Osc52 { escape: String },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClipboardError {
    #[error(
        "copying is turned off (clipboard = \"off\"); set clipboard = \"auto\" in config.toml or KEYWARD_CLIPBOARD=auto to turn it on"
    )]
    Off,
    #[error(
        "the system clipboard failed: {0}. Over SSH or without a display use OSC 52: set clipboard = \"osc52\" or KEYWARD_CLIPBOARD=osc52"
    )]
    System(String),
    #[error(
        "the text is too long for OSC 52 ({0} bytes encoded; terminals accept about {MAX_OSC52_PAYLOAD})"
    )]
    TooLong(usize),
}

struct Pending {
    route: Route,
    fingerprint: [u8; 32],
    clear_at: Instant,
}

/// The clipboard as the TUI and CLI use it. Cheap to share behind an `Arc`.
pub struct Clipboard {
    settings: Settings,
    env: Environment,
    system: Mutex<Option<SystemClipboard>>,
    /// Set once the system clipboard failed under `auto`: later copies go
    /// straight to OSC 52 instead of waiting out the time bound again.
    system_failed: std::sync::atomic::AtomicBool,
    pending: Mutex<Option<Pending>>,
}

fn fingerprint(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl Clipboard {
    pub fn new(settings: Settings, env: Environment) -> Self {
        Clipboard {
            settings,
            env,
            system: Mutex::new(None),
            system_failed: std::sync::atomic::AtomicBool::new(false),
            pending: Mutex::new(None),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The route the next copy takes: [`choose`], except that once the system
    /// clipboard failed under `auto`, OSC 52.
    fn preferred(&self) -> Option<Route> {
        let failed = self
            .system_failed
            .load(std::sync::atomic::Ordering::Relaxed);
        match choose(self.settings.mode, &self.env) {
            (Some(Route::System), Reason::Display) if failed => Some(Route::Osc52),
            (route, _) => route,
        }
    }

    fn system(&self) -> SystemClipboard {
        let mut slot = self.system.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert_with(SystemClipboard::spawn).clone()
    }

    fn osc52(&self, text: &str) -> Result<String, ClipboardError> {
        let wrap = passthrough(&self.settings, &self.env);
        osc52_sequence(
            text,
            wrap == Some(Multiplexer::Tmux),
            wrap == Some(Multiplexer::Screen),
        )
    }

    /// Copies `text`. May block for up to [`SYSTEM_TIMEOUT`] on the system
    /// route: async callers run it on a blocking thread.
    pub fn copy(&self, kind: Kind, text: &str) -> Result<Copied, ClipboardError> {
        let route = self.preferred().ok_or(ClipboardError::Off)?;
        let (route, escape, fell_back) = match route {
            Route::Osc52 => (Route::Osc52, Some(Zeroizing::new(self.osc52(text)?)), None),
            Route::System => match self.system().set_text(text, SYSTEM_TIMEOUT) {
                Ok(()) => (Route::System, None, None),
                // Auto falls back to OSC 52; an explicit `system` says it failed.
                Err(why) if self.settings.mode == Mode::Auto => (
                    Route::Osc52,
                    Some(Zeroizing::new(self.osc52(text)?)),
                    Some(why),
                ),
                Err(why) => return Err(ClipboardError::System(why)),
            },
        };
        let clears = kind.holds_secret() || self.settings.clear_client_id;
        let clear_at = clears.then(|| Instant::now() + self.settings.clear_after);
        // A new copy replaces the previous one's pending clear.
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) =
            clear_at.map(|clear_at| Pending {
                route,
                fingerprint: fingerprint(text),
                clear_at,
            });
        Ok(Copied {
            kind,
            route,
            clear_at,
            escape,
            fell_back,
        })
    }

    /// When the pending clear is due, if any.
    pub fn clear_due_at(&self) -> Option<Instant> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|p| p.clear_at)
    }

    /// Clears what we copied if it is still there (system), or overwrites it
    /// (OSC 52). Call when [`Clipboard::clear_due_at`] has passed, and on quit.
    /// May block for up to [`SYSTEM_TIMEOUT`].
    pub fn clear_if_unchanged(&self) -> Result<Cleared, ClipboardError> {
        let Some(p) = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return Ok(Cleared::Nothing);
        };
        match p.route {
            Route::Osc52 => {
                if self.env.tmux {
                    tmux::delete_buffers_holding(&p.fingerprint);
                }
                Ok(Cleared::Osc52 {
                    escape: self.osc52("")?,
                })
            }
            Route::System => {
                let system = self.system();
                let current = system
                    .text_fingerprint(SYSTEM_TIMEOUT)
                    .map_err(ClipboardError::System)?;
                if current != Some(p.fingerprint) {
                    return Ok(Cleared::ChangedSinceCopy);
                }
                system
                    .clear(SYSTEM_TIMEOUT)
                    .map_err(ClipboardError::System)?;
                Ok(Cleared::System)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clipboard(mode: Mode, env: Environment) -> Clipboard {
        Clipboard::new(
            Settings {
                mode,
                ..Settings::default()
            },
            env,
        )
    }

    #[test]
    fn auto_uses_osc52_over_ssh_or_without_display() {
        let ssh = Environment {
            ssh: true,
            display: true,
            ..Default::default()
        };
        let c = clipboard(Mode::Auto, ssh)
            .copy(Kind::ClientSecret, "s3cret")
            .unwrap();
        assert_eq!(c.route, Route::Osc52);
        assert!(c.escape.as_ref().unwrap().starts_with("\x1b]52;c;"));
        assert!(
            !format!("{c:?}").contains("czNjcmV0"),
            "Debug hides the payload"
        );

        let headless = Environment::default();
        let c = clipboard(Mode::Auto, headless)
            .copy(Kind::ClientId, "id")
            .unwrap();
        assert_eq!(c.route, Route::Osc52);
        assert!(
            c.clear_at.is_none(),
            "client IDs are not cleared by default"
        );
    }

    /// The choice `keyward doctor` reports is the one copies are made by.
    #[test]
    fn choose_says_why() {
        let env = |ssh, display| Environment {
            ssh,
            display,
            ..Default::default()
        };
        assert_eq!(
            choose(Mode::Auto, &env(true, true)),
            (Some(Route::Osc52), Reason::Ssh)
        );
        assert_eq!(
            choose(Mode::Auto, &env(false, false)),
            (Some(Route::Osc52), Reason::NoDisplay)
        );
        assert_eq!(
            choose(Mode::Auto, &env(false, true)),
            (Some(Route::System), Reason::Display)
        );
        assert_eq!(
            choose(Mode::System, &env(true, false)),
            (Some(Route::System), Reason::Configured)
        );
        assert_eq!(choose(Mode::Off, &env(false, true)).0, None);
        let c = clipboard(Mode::Auto, env(false, true));
        assert_eq!(c.preferred(), Some(Route::System));
        c.system_failed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(c.preferred(), Some(Route::Osc52), "after a failure");
    }

    #[test]
    fn off_says_how_to_turn_it_on() {
        let e = clipboard(Mode::Off, Environment::default())
            .copy(Kind::ClientSecret, "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("KEYWARD_CLIPBOARD=auto"), "{e}");
    }

    #[test]
    fn osc52_clear_overwrites_with_empty_payload_and_a_new_copy_replaces_the_timer() {
        let c = clipboard(Mode::Osc52, Environment::default());
        let first = c.copy(Kind::ClientSecret, "one").unwrap();
        let second = c.copy(Kind::ClientSecret, "two").unwrap();
        assert!(second.clear_at >= first.clear_at);
        assert_eq!(c.clear_due_at(), second.clear_at);
        assert_eq!(
            c.clear_if_unchanged().unwrap(),
            Cleared::Osc52 {
                escape: "\x1b]52;c;\x07".into()
            }
        );
        assert_eq!(
            c.clear_if_unchanged().unwrap(),
            Cleared::Nothing,
            "cleared once"
        );
    }

    #[test]
    fn status_line_names_kind_route_and_countdown() {
        let c = clipboard(Mode::Osc52, Environment::default());
        let copied = c.copy(Kind::ClientSecret, "x").unwrap();
        let now = Instant::now();
        let s = copied.status(now);
        assert!(
            s.starts_with("Client secret sent to your terminal (OSC 52), clears in 0:4"),
            "{s}"
        );
    }

    #[test]
    fn mode_parsing() {
        assert_eq!("OSC52".parse::<Mode>(), Ok(Mode::Osc52));
        assert!(
            "clipboardy"
                .parse::<Mode>()
                .unwrap_err()
                .contains("auto, system, osc52 or off")
        );
    }
}
