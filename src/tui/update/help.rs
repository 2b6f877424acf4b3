//! The help screen (`?`): any closing key closes it.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::state::Popup;

pub(super) fn on_key(key: KeyEvent) -> Option<Popup> {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q' | '?') | KeyCode::Enter => None,
        _ => Some(Popup::Help),
    }
}
