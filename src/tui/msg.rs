//! Everything that can happen to the UI, as data: terminal input, the clock, and
//! the results of registry calls that ran in the background.

use crossterm::event::{KeyEvent, MouseEvent};

use crate::model::{Application, ClientId};
use crate::registry::Issued;

/// A registry failure, already turned into the one line the status bar shows.
/// Registry errors never carry a secret, so the text is safe to keep and show.
pub type CallResult<T> = Result<T, String>;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The one-second timer, running only while something counts down or spins.
    Tick,
    Loaded {
        region: usize,
        result: CallResult<Vec<Application>>,
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
    /// A copy was handed to the clipboard seam; `how` names the way ("OSC 52").
    Copied {
        what: &'static str,
        result: CallResult<&'static str>,
    },
}
