//! The delete confirmation (`d`): typing edits the name, Enter deletes once it
//! is the application's current name, and any other key cancels. Keys that
//! came in one burst with the `d` that opened it cancel it.

use crossterm::event::KeyEvent;

use super::edit::edit_text;
use super::{cancel_by_burst, info, same_burst, start_call};
use crate::model::ClientId;
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::state::{Guard, Input, Popup, State};

/// The fields of `Popup::DeleteConfirm`: id, name, typed name, error, guard.
pub(super) type Dialog = (ClientId, String, Input, Option<String>, Guard);

pub(super) fn on_key(
    state: &mut State,
    (id, name, mut input, _old_error, guard): Dialog,
    (action, key): (Option<Action>, KeyEvent),
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    if same_burst(state, guard) {
        cancel_by_burst(state, "Delete cancelled");
        return None;
    }
    // The name it has now, not the one it had when the dialog opened.
    let Some(current) = state
        .apps()
        .iter()
        .find(|a| a.client_id == id)
        .map(|a| a.client_name.to_string())
    else {
        info(
            state,
            format!("{name} was deleted elsewhere; the dialog was closed"),
        );
        return None;
    };
    let error = match action {
        Some(Action::ConfirmDelete) if input.text.trim() == current => {
            let region = state.active;
            let call = Effect::Delete {
                region,
                id,
                name: current,
            };
            start_call(state, effects, call);
            return None;
        }
        Some(Action::ConfirmDelete) => {
            Some("That is not the name: type it exactly, or Esc to cancel".to_owned())
        }
        _ if edit_text(&mut input, action, key) => None,
        _ => {
            info(state, format!("Delete cancelled; {current} is unchanged"));
            return None;
        }
    };
    Some(Popup::DeleteConfirm {
        id,
        name: current,
        input,
        error,
        guard,
    })
}
