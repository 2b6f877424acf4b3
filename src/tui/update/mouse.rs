//! The mouse, where it helps: a click on a region tab, a list row, a
//! candidate of the palette or a button of the quit dialog; the wheel
//! scrolls the list, the scope grids, the browser, the matrix and the log.
//!
//! A wheel inside a popup is taken as ↑↓ (←→ for a sideways wheel) only
//! where those keys move something: in a dangerous confirmation every other
//! key cancels, and a wheel is no answer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::{on_popup_key, select};
use crate::tui::effect::Effect;
use crate::tui::keys::{self, Action, Place};
use crate::tui::layout;
use crate::tui::state::{Popup, State};

/// Rows the wheel moves the main list by, a notch at a time.
const WHEEL_ROWS: isize = 3;

pub(super) fn on_mouse(state: &mut State, m: MouseEvent, effects: &mut Vec<Effect>) {
    if state.popup.is_some() {
        on_popup_mouse(state, m, effects);
        return;
    }
    match m.kind {
        MouseEventKind::ScrollDown => {
            select(state, state.list.selected as isize + WHEEL_ROWS);
            state.dirty = true;
        }
        MouseEventKind::ScrollUp => {
            select(state, state.list.selected as isize - WHEEL_ROWS);
            state.dirty = true;
        }
        MouseEventKind::Down(MouseButton::Left) => click_main(state, m, effects),
        _ => {}
    }
}

/// A click on the main screen: a region tab, or a row of the list.
fn click_main(state: &mut State, m: MouseEvent, effects: &mut Vec<Effect>) {
    if m.row == 0 {
        let spans = layout::tab_spans(state, state.size.0);
        if let Some(i) = spans
            .iter()
            .position(|&(a, b)| m.column >= a && m.column < b)
        {
            super::main_screen::switch_region(state, i, effects);
            state.dirty = true;
        }
        return;
    }
    let rows = layout::list_first_row(state.size);
    if layout::hits(rows, m.column, m.row) {
        let i = state.list.offset + (m.row - rows.y) as usize;
        if i < state.list.visible.len() {
            select(state, i as isize);
            state.dirty = true;
        }
    }
}

fn on_popup_mouse(state: &mut State, m: MouseEvent, effects: &mut Vec<Effect>) {
    // Shift with the wheel is how many terminals scroll sideways.
    let sideways = m.modifiers.contains(KeyModifiers::SHIFT);
    let code = match m.kind {
        MouseEventKind::ScrollUp if sideways => KeyCode::Left,
        MouseEventKind::ScrollDown if sideways => KeyCode::Right,
        MouseEventKind::ScrollUp => KeyCode::Up,
        MouseEventKind::ScrollDown => KeyCode::Down,
        MouseEventKind::ScrollLeft => KeyCode::Left,
        MouseEventKind::ScrollRight => KeyCode::Right,
        MouseEventKind::Down(MouseButton::Left) => {
            click_popup(state, m, effects);
            return;
        }
        _ => return,
    };
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    let action = keys::action(Place::of(state), key);
    if matches!(
        action,
        Some(Action::Up | Action::Down | Action::ScrollLeft | Action::ScrollRight)
    ) {
        state.dirty = true;
        on_popup_key(state, action, key, effects);
    }
}

/// A click in a popup: a button of the quit dialog, or a candidate of the
/// palette. A click is a new input burst of its own, as a key pressed alone
/// is, so a guarded dialog takes it as it would that key.
fn click_popup(state: &mut State, m: MouseEvent, effects: &mut Vec<Effect>) {
    let screen = Rect::new(0, 0, state.size.0, state.size.1);
    let (action, key) = match &state.popup {
        Some(Popup::QuitConfirm { .. }) => {
            let [quit, stay] = layout::quit_buttons(screen);
            if layout::hits(quit, m.column, m.row) {
                (Action::Yes, KeyCode::Char('y'))
            } else if layout::hits(stay, m.column, m.row) {
                (Action::Cancel, KeyCode::Esc)
            } else {
                return;
            }
        }
        Some(Popup::Palette(p)) => {
            let Some(i) = palette_row(state, p, screen, m) else {
                return;
            };
            if let Some(Popup::Palette(p)) = &mut state.popup {
                p.selected = i;
            }
            (Action::RunCommand, KeyCode::Enter)
        }
        _ => return,
    };
    state.burst += 1;
    state.dirty = true;
    on_popup_key(
        state,
        Some(action),
        KeyEvent::new(key, KeyModifiers::NONE),
        effects,
    );
}

/// The candidate of the palette on the clicked row, as its view lays it out.
fn palette_row(
    state: &State,
    p: &crate::tui::state::Palette,
    screen: Rect,
    m: MouseEvent,
) -> Option<usize> {
    let all = crate::tui::palette::candidates(state, &p.input.text);
    let (first, shown) = crate::tui::palette::window(p.selected, all.len());
    let above = 1 + usize::from(p.error.is_some());
    let r = layout::palette_area(screen, (above + shown) as u16);
    let rows = Rect::new(
        r.x + 1,
        r.y + 1 + above as u16,
        r.width.saturating_sub(2),
        shown as u16,
    )
    .intersection(r);
    layout::hits(rows, m.column, m.row).then(|| first + (m.row - rows.y) as usize)
}
