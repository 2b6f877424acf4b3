//! Keys while `/` edits the filter: typing narrows the list, Enter keeps the
//! filter, Esc clears it.

use crossterm::event::{KeyCode, KeyEvent};

use super::{ensure_visible, select};
use crate::tui::keys::Action;
use crate::tui::state::State;

pub(super) fn on_key(state: &mut State, action: Option<Action>, key: KeyEvent) {
    match action {
        Some(Action::ClearFilter) => {
            state.filter = Default::default();
            state.refilter(None);
        }
        Some(Action::KeepFilter) => state.filter.editing = false,
        Some(Action::DeleteChar) => {
            state.filter.query.pop();
            state.refilter(None);
            state.list.selected = 0;
        }
        Some(Action::Up) => select(state, state.list.selected as isize - 1),
        Some(Action::Down) => select(state, state.list.selected as isize + 1),
        Some(Action::Type) => {
            if let KeyCode::Char(c) = key.code {
                state.filter.query.push(c);
            }
            state.refilter(None);
            state.list.selected = 0;
        }
        _ => {}
    }
    state.list.offset = 0;
    ensure_visible(state);
}
