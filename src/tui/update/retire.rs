//! The retire confirmation (`x`): `y` ends the retiring secret now, any other
//! key cancels, and so does a `y` that came in one burst with the `x` that
//! opened it.

use super::{cancel_by_burst, info, same_burst, start_call};
use crate::model::ClientId;
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::state::{Guard, Popup, State};

pub(super) fn on_key(
    state: &mut State,
    (id, name, guard): (ClientId, String, Guard),
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    if same_burst(state, guard) {
        cancel_by_burst(state, "Retire cancelled");
        return None;
    }
    if action == Some(Action::Yes) {
        let region = state.active;
        start_call(state, effects, Effect::RetireSecret { region, id });
    } else {
        info(
            state,
            format!("Retire cancelled; the old secret of {name} keeps working"),
        );
    }
    None
}
