//! The quit confirmation, when quitting would lose a fresh secret: `y` quits
//! (so does a second Ctrl-C, handled before), any other key stays.

use crossterm::event::KeyEvent;

use super::{info, is_yes, same_burst};
use crate::tui::state::{Guard, Popup, State};

pub(super) fn on_key(
    state: &mut State,
    names: Vec<String>,
    guard: Guard,
    key: KeyEvent,
) -> Option<Popup> {
    if same_burst(state, guard) {
        state.dropped_burst = Some(state.burst);
    } else if is_yes(key) {
        state.quit = true;
        return None;
    }
    let what = names.join(", ");
    info(
        state,
        format!("Not quitting. The new secret of {what} is still here: v shows it, y copies it"),
    );
    None
}
