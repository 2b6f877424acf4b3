//! The new-secret dialog (`R`): Enter rotates (the default: the old secret
//! keeps working for the grace), `!` resets now (for a leak), and any other
//! key cancels. Keys that came in one burst with the `R` that opened it
//! cancel it too, so a paste or typed-ahead keys never choose.

use super::{cancel_by_burst, info, same_burst, start_call};
use crate::model::ClientId;
use crate::tui::effect::Effect;
use crate::tui::keys::{self, Action};
use crate::tui::state::{Guard, Popup, State};

pub(super) fn on_key(
    state: &mut State,
    (id, name, guard): (ClientId, String, Guard),
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    if same_burst(state, guard) {
        cancel_by_burst(state, "New secret cancelled");
        return None;
    }
    let region = state.active;
    match action {
        Some(Action::Rotate) => {
            let grace = state.rotation_grace;
            start_call(state, effects, Effect::RotateSecret { region, id, grace });
        }
        Some(Action::ResetNow) => {
            start_call(state, effects, Effect::ResetSecret { region, id });
        }
        _ => info(
            state,
            format!(
                "Nothing changed; the secret of {name} stays. In that dialog {} rotates, {} resets",
                keys::label_in(keys::Place::NewSecret, Action::Rotate),
                keys::label_in(keys::Place::NewSecret, Action::ResetNow),
            ),
        ),
    }
    None
}
