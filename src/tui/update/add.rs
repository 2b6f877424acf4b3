//! The add dialog (`a`): a name, then the scopes; Enter adds.

use crossterm::event::KeyEvent;

use super::edit::{edit_grid, edit_text};
use super::start_call;
use crate::model::{AppName, NewApplication};
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::state::{AddFocus, AddForm, Popup, State};

pub(super) fn on_key(
    state: &mut State,
    mut form: AddForm,
    (action, key): (Option<Action>, KeyEvent),
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    match action {
        Some(Action::Cancel) => return None,
        Some(Action::SwitchFocus) => {
            form.focus = match form.focus {
                AddFocus::Name => AddFocus::Grid,
                AddFocus::Grid => AddFocus::Name,
            };
        }
        Some(Action::Save) => match AppName::parse(&form.name.text) {
            Ok(name) => {
                state.retry = Some(Popup::Add(form.clone()));
                let new = NewApplication {
                    client_name: name,
                    grants: form.grid.grants(),
                    admin: false,
                };
                let region = state.active;
                start_call(state, effects, Effect::Create { region, new });
                return None;
            }
            Err(e) => {
                form.error = Some(e.to_string());
                form.focus = AddFocus::Name;
            }
        },
        _ => {
            let used = match form.focus {
                AddFocus::Name => edit_text(&mut form.name, action, key),
                AddFocus::Grid => edit_grid(&mut form.grid, action),
            };
            if used {
                form.error = None;
            }
        }
    }
    Some(Popup::Add(form))
}
