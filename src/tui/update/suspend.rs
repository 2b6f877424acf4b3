//! The suspend (or resume) confirmation (`z`): `y` suspends (or resumes),
//! any other key cancels, and so does a `y` that came in one burst with the
//! `z` that opened it.

use super::{cancel_by_burst, info, same_burst, start_call};
use crate::model::ClientId;
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::state::{Guard, Popup, State};

pub(super) fn on_key(
    state: &mut State,
    (id, name, suspend, guard): (ClientId, String, bool, Guard),
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    if same_burst(state, guard) {
        cancel_by_burst(state, "Cancelled");
        return None;
    }
    if action == Some(Action::Yes) {
        let region = state.active;
        start_call(
            state,
            effects,
            Effect::SetSuspended {
                region,
                id,
                suspend,
            },
        );
    } else {
        info(state, format!("Cancelled; {name} is unchanged"));
    }
    None
}
