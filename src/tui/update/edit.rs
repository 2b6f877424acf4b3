//! Editing what the popups hold: a one-line text field and a scope grid.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::keys::Action;
use crate::tui::state::{Input, ScopeGrid};

/// Longest a text field grows: names are at most 64 characters, and a little
/// slack lets the error say so.
const INPUT_MAX: usize = 80;

/// Adds `text` at the end of `input`, as much as fits.
pub(super) fn insert_text(input: &mut Input, text: &str) {
    let room = INPUT_MAX.saturating_sub(input.text.chars().count());
    input.text.extend(text.chars().take(room));
}

/// Edits a text field; returns whether the action was an edit. `key` is the
/// character typed, for [`Action::Type`].
pub(super) fn edit_text(input: &mut Input, action: Option<Action>, key: KeyEvent) -> bool {
    match action {
        Some(Action::DeleteChar) => {
            input.text.pop();
        }
        Some(Action::ClearText) => input.text.clear(),
        Some(Action::Type) => {
            if let KeyCode::Char(c) = key.code
                && input.text.chars().count() < INPUT_MAX
            {
                input.text.push(c);
            }
        }
        _ => return false,
    }
    true
}

/// Moves and changes the grid; returns whether the action was one.
pub(super) fn edit_grid(grid: &mut ScopeGrid, action: Option<Action>) -> bool {
    match action {
        Some(Action::Up) => grid.move_cursor(-1),
        Some(Action::Down) => grid.move_cursor(1),
        Some(Action::PageUp) => grid.move_cursor(-8),
        Some(Action::PageDown) => grid.move_cursor(8),
        Some(Action::Top) => grid.cursor = 0,
        Some(Action::Bottom) => grid.move_cursor(isize::MAX / 2),
        Some(Action::LessAccess) => grid.step(false, false),
        Some(Action::MoreAccess) => grid.step(true, false),
        Some(Action::CycleAccess) => grid.step(true, true),
        _ => return false,
    }
    true
}
