//! The help screen (`?`): any closing key closes it.

use crate::tui::keys::Action;
use crate::tui::state::Popup;

pub(super) fn on_key(action: Option<Action>) -> Option<Popup> {
    match action {
        Some(Action::Close) => None,
        _ => Some(Popup::Help),
    }
}
