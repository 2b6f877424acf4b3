//! Keys while `/` edits the filter: typing narrows the list, Enter keeps the
//! filter, Esc clears it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{ensure_visible, select};
use crate::tui::state::State;

pub(super) fn on_key(state: &mut State, key: KeyEvent) {
    match key.code {
        KeyCode::Esc => {
            state.filter = Default::default();
            state.refilter(None);
        }
        KeyCode::Enter => state.filter.editing = false,
        KeyCode::Backspace => {
            state.filter.query.pop();
            state.refilter(None);
            state.list.selected = 0;
        }
        KeyCode::Up => select(state, state.list.selected as isize - 1),
        KeyCode::Down => select(state, state.list.selected as isize + 1),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.filter.query.push(c);
            state.refilter(None);
            state.list.selected = 0;
        }
        _ => {}
    }
    state.list.offset = 0;
    ensure_visible(state);
}
