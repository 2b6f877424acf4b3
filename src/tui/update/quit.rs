//! The quit confirmation, when quitting would lose a fresh secret: `y` quits
//! (so does a second Ctrl-C, handled before), any other key stays.

use super::{info, same_burst, shows_and_copies};
use crate::tui::keys::Action;
use crate::tui::state::{Guard, Popup, State};

pub(super) fn on_key(
    state: &mut State,
    names: Vec<String>,
    guard: Guard,
    action: Option<Action>,
) -> Option<Popup> {
    if same_burst(state, guard) {
        state.dropped_burst = Some(state.burst);
    } else if action == Some(Action::Yes) {
        state.quit = true;
        return None;
    }
    let what = names.join(", ");
    info(
        state,
        format!(
            "Not quitting. The new secret of {what} is still here: {}",
            shows_and_copies(" it")
        ),
    );
    None
}
