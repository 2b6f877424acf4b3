//! The reset confirmation (`R`): `y` resets, any other key cancels, and so
//! does a `y` that came in one burst with the `R` that opened it.

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
        cancel_by_burst(state, "Reset cancelled");
        return None;
    }
    if action == Some(Action::Yes) {
        let region = state.active;
        start_call(state, effects, Effect::ResetSecret { region, id });
    } else {
        // The default is No, and a key that is not `y` is no answer: it cancels.
        info(
            state,
            format!("Reset cancelled; the secret of {name} is unchanged"),
        );
    }
    None
}
