//! The scope editor (`s`): move and change access in the grid, Enter saves
//! what changed.

use crossterm::event::{KeyCode, KeyEvent};

use super::edit::edit_grid;
use super::{info, start_call};
use crate::model::ClientId;
use crate::tui::effect::Effect;
use crate::tui::state::{Popup, ScopeGrid, State};

pub(super) fn on_key(
    state: &mut State,
    (id, name, mut grid): (ClientId, String, ScopeGrid),
    key: KeyEvent,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => None,
        KeyCode::Enter => {
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
            edit_grid(&mut grid, key);
            Some(Popup::Scopes { id, name, grid })
        }
    }
}
