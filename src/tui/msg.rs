//! Everything that can happen to the UI, as data: terminal input, the clock, and
//! the results of registry calls that ran in the background.

use crossterm::event::{KeyEvent, MouseEvent};

use super::state::{TokenFailure, TokenShown};
use crate::clipboard::Kind;
use crate::model::{Application, ClientId};
use crate::registry::{Issued, RegistryError};

/// What a registry call brought back.
pub type CallResult<T> = Result<T, CallError>;

/// A registry call that failed, as the UI tells it: the kind says where the
/// message goes (a taken name beside the name field, the rest to the status
/// line), the text is one printable line in the UI's own words (no command
/// lines to run). Registry errors never carry a secret, so it is safe to keep
/// and show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// Another application of the region has the name.
    NameTaken(String),
    /// The application is gone: deleted elsewhere.
    NotFound(String),
    /// The registry refused what was sent.
    Refused(String),
    /// A rotation refused: another secret is retiring, until then (when the
    /// registry said so legibly). The UI words it with its keys.
    AlreadyRetiring(Option<chrono::DateTime<chrono::Utc>>),
    /// A retire refused: there is no retiring secret (retired elsewhere, or
    /// its time ran out).
    NothingToRetire,
    /// The storage or the network failed.
    Failed(String),
}

impl CallError {
    pub fn text(&self) -> &str {
        match self {
            CallError::NameTaken(t)
            | CallError::NotFound(t)
            | CallError::Refused(t)
            | CallError::Failed(t) => t,
            CallError::AlreadyRetiring(_) => "another secret is retiring",
            CallError::NothingToRetire => "there is no retiring secret",
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

impl From<RegistryError> for CallError {
    fn from(e: RegistryError) -> Self {
        let line = |s: String| crate::text::printable(&s);
        match e {
            RegistryError::DuplicateName { name, region } => CallError::NameTaken(line(format!(
                "an application named '{name}' already exists in region {region}: choose another name"
            ))),
            RegistryError::NotFound { client_id, region } => CallError::NotFound(line(format!(
                "no application with client ID '{client_id}' in region {region}: it was deleted elsewhere"
            ))),
            RegistryError::RevealWindowClosed { client_id } => CallError::Refused(line(format!(
                "the secret of '{client_id}' can no longer be shown: its window has closed"
            ))),
            RegistryError::InvalidInput(message) => CallError::Refused(line(message)),
            e @ (RegistryError::KeysElsewhere { .. }
            | RegistryError::KeyWaiting { .. }
            | RegistryError::ReadOnly { .. }
            | RegistryError::NotInTrash { .. }
            | RegistryError::RestoreNameTaken { .. }) => CallError::Refused(line(e.to_string())),
            RegistryError::AlreadyRetiring { until, .. } => CallError::AlreadyRetiring(
                chrono::DateTime::parse_from_rfc3339(&until)
                    .ok()
                    .map(|t| t.with_timezone(&chrono::Utc)),
            ),
            RegistryError::NothingToRetire { .. } => CallError::NothingToRetire,
            RegistryError::Storage { location, message } => {
                CallError::Failed(line(format!("storage error in {location}: {message}")))
            }
            RegistryError::Unavailable { location, message } => CallError::Failed(line(format!(
                "{location} is unavailable: {message}; try again shortly"
            ))),
        }
    }
}

#[derive(Debug)]
pub enum Msg {
    /// A key that came on its own, or first among the events of one read of
    /// the terminal: it starts a new input burst.
    Key(KeyEvent),
    /// A key that came in the same read as the key before it (a paste without
    /// bracketed paste, or keys typed faster than the UI reads): it belongs to
    /// that key's burst, so it never confirms a dialog that burst opened.
    BurstKey(KeyEvent),
    /// Text pasted with bracketed paste: text, never commands.
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The one-second timer, running only while something counts down or spins.
    Tick,
    Loaded {
        region: usize,
        result: CallResult<Vec<Application>>,
    },
    /// Every few seconds while idle: time to look for others' changes.
    Poll,
    /// A quiet reload finished: `None` when the fingerprint said nothing
    /// changed, so nothing was listed.
    Refreshed {
        region: usize,
        fingerprint: Option<String>,
        result: CallResult<Option<Vec<Application>>>,
    },
    Created {
        region: usize,
        result: CallResult<Issued>,
    },
    /// A rename or a scope change finished. `what` says which, for the status line.
    Updated {
        region: usize,
        what: &'static str,
        result: CallResult<Application>,
    },
    SecretReset {
        region: usize,
        result: CallResult<Issued>,
    },
    SecretRotated {
        region: usize,
        result: CallResult<Issued>,
    },
    SecretRetired {
        region: usize,
        result: CallResult<Application>,
    },
    Deleted {
        region: usize,
        id: ClientId,
        name: String,
        result: CallResult<()>,
    },
    /// A region turned out to only read (a remote admin client whose token
    /// carries only `keyward:admin:read`), learnt with its first list.
    ReadOnly {
        region: usize,
        why: crate::model::ReadOnly,
    },
    /// A copy finished (or failed) in the clipboard.
    Copied {
        what: Kind,
        result: Result<CopyInfo, String>,
    },
    /// A token test (`t`) finished.
    TokenTested {
        id: ClientId,
        result: Result<TokenShown, TokenFailure>,
    },
    /// The clipboard clear that was due ran; the text says what happened.
    ClipboardCleared {
        result: Result<String, String>,
    },
    /// The trash asked for with [`crate::tui::effect::Effect::LoadTrash`].
    TrashLoaded {
        region: usize,
        result: CallResult<Vec<Application>>,
    },
    Restored {
        region: usize,
        result: CallResult<Application>,
    },
    Purged {
        region: usize,
        name: String,
        result: CallResult<()>,
    },
    /// The audit log asked for with [`crate::tui::effect::Effect::LoadAudit`].
    AuditLoaded {
        region: usize,
        client_id: Option<ClientId>,
        result: CallResult<Vec<crate::model::AuditEvent>>,
    },
}

/// How a copy went, for the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyInfo {
    /// What is known: `copied (system clipboard)` or `sent to your terminal (OSC 52)`.
    pub how: &'static str,
    /// When the clipboard will be cleared, if it will be.
    pub clears_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the system clipboard was not used, when `auto` fell back to OSC 52.
    pub fell_back: Option<String>,
}

impl CopyInfo {
    /// A copy by `how` that is not cleared afterwards.
    pub fn plain(how: &'static str) -> Self {
        CopyInfo {
            how,
            clears_at: None,
            fell_back: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CallError;
    use crate::model::{ClientId, Region};
    use crate::registry::RegistryError;

    #[test]
    fn registry_errors_become_kinds_in_the_uis_own_words() {
        let region = Region::new("us").unwrap();
        let taken = CallError::from(RegistryError::DuplicateName {
            name: "Payroll sync".into(),
            region: region.clone(),
        });
        assert!(matches!(&taken, CallError::NameTaken(t) if t.contains("already exists")));
        let gone = CallError::from(RegistryError::NotFound {
            client_id: ClientId::parse("9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Qa").unwrap(),
            region,
        });
        assert!(matches!(gone, CallError::NotFound(_)));
        // No command line to run: the UI has keys for that.
        assert!(!gone.text().contains("keyward "), "{gone}");
        let storage = CallError::from(RegistryError::Storage {
            location: "keyward.db".into(),
            message: "disk I/O error\u{1b}[2J".into(),
        });
        assert_eq!(
            storage,
            CallError::Failed("storage error in keyward.db: disk I/O error\\u{1b}[2J".into())
        );
        let id = ClientId::parse("9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Qa").unwrap();
        let retiring = CallError::from(RegistryError::AlreadyRetiring {
            client_id: id.clone(),
            until: "2026-11-24T09:40:00Z".into(),
        });
        let until = chrono::DateTime::parse_from_rfc3339("2026-11-24T09:40:00Z").unwrap();
        assert_eq!(retiring, CallError::AlreadyRetiring(Some(until.to_utc())));
        let garbled = CallError::from(RegistryError::AlreadyRetiring {
            client_id: id.clone(),
            until: "soon\u{1b}[2J".into(),
        });
        assert_eq!(garbled, CallError::AlreadyRetiring(None));
        let nothing = CallError::from(RegistryError::NothingToRetire { client_id: id });
        assert_eq!(nothing, CallError::NothingToRetire);
    }
}
