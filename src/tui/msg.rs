//! Everything that can happen to the UI, as data: terminal input, the clock, and
//! the results of registry calls that ran in the background.

use crossterm::event::{KeyEvent, MouseEvent};

use super::state::{TokenFailure, TokenShown};
use crate::model::{Application, ClientId};
use crate::registry::Issued;

/// A registry failure, already turned into the one line the status bar shows.
/// Registry errors never carry a secret, so the text is safe to keep and show.
pub type CallResult<T> = Result<T, String>;

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
    Deleted {
        region: usize,
        id: ClientId,
        name: String,
        result: CallResult<()>,
    },
    /// A copy finished (or failed) in the clipboard.
    Copied {
        what: &'static str,
        result: CallResult<CopyInfo>,
    },
    /// A token test (`t`) finished.
    TokenTested {
        id: ClientId,
        result: Result<TokenShown, TokenFailure>,
    },
    /// The clipboard clear that was due ran; the text says what happened.
    ClipboardCleared {
        result: CallResult<String>,
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
