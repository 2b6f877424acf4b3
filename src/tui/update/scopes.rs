//! The scope editor (`s`): move and change access in the grid, Enter saves
//! what changed.

use super::edit::edit_grid;
use super::{info, start_call};
use crate::model::ClientId;
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::state::{Popup, ScopeGrid, State};

pub(super) fn on_key(
    state: &mut State,
    (id, name, mut grid): (ClientId, String, ScopeGrid),
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    match action {
        Some(Action::Cancel) => None,
        Some(Action::Save) => {
            let changes = grid.changes();
            if changes.is_empty() {
                info(state, format!("No scope changes for {name}"));
            } else {
                let region = state.active;
                start_call(
                    state,
                    effects,
                    Effect::SetAccess {
                        region,
                        id,
                        changes,
                    },
                );
            }
            None
        }
        _ => {
            edit_grid(&mut grid, action);
            Some(Popup::Scopes { id, name, grid })
        }
    }
}
