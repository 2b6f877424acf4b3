//! Editing what the popups hold: a one-line text field and a scope grid.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::state::{Input, ScopeGrid};

/// Longest a text field grows: names are at most 64 characters, and a little
/// slack lets the error say so.
const INPUT_MAX: usize = 80;

/// Adds `text` at the end of `input`, as much as fits.
pub(super) fn insert_text(input: &mut Input, text: &str) {
    let room = INPUT_MAX.saturating_sub(input.text.chars().count());
    input.text.extend(text.chars().take(room));
}

/// Edits a text field; returns whether the key was one.
pub(super) fn edit_text(input: &mut Input, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Backspace => {
            input.text.pop();
            true
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            input.text.clear();
            true
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            if input.text.chars().count() < INPUT_MAX {
                input.text.push(c);
            }
            true
        }
        _ => false,
    }
}

/// Moves and changes the grid; returns whether the key was one.
pub(super) fn edit_grid(grid: &mut ScopeGrid, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => grid.move_cursor(-1),
        KeyCode::Down | KeyCode::Char('j') => grid.move_cursor(1),
        KeyCode::PageUp => grid.move_cursor(-8),
        KeyCode::PageDown => grid.move_cursor(8),
        KeyCode::Home => grid.cursor = 0,
        KeyCode::End => grid.move_cursor(isize::MAX / 2),
        KeyCode::Left | KeyCode::Char('h') => grid.step(false, false),
        KeyCode::Right | KeyCode::Char('l') => grid.step(true, false),
        KeyCode::Char(' ') => grid.step(true, true),
        _ => return false,
    }
    true
}
