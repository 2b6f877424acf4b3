//! The add dialog (`a`): a name, then the scopes; Enter adds.

use crossterm::event::{KeyCode, KeyEvent};

use super::edit::{edit_grid, edit_text};
use super::start_call;
use crate::model::{AppName, NewApplication};
use crate::tui::effect::Effect;
use crate::tui::state::{AddFocus, AddForm, Popup, State};

pub(super) fn on_key(
    state: &mut State,
    mut form: AddForm,
    key: KeyEvent,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    match key.code {
        KeyCode::Esc => return None,
        KeyCode::Char('q') if form.focus == AddFocus::Grid => return None,
        KeyCode::Tab | KeyCode::BackTab => {
            form.focus = match form.focus {
                AddFocus::Name => AddFocus::Grid,
                AddFocus::Grid => AddFocus::Name,
            };
        }
        KeyCode::Enter => match AppName::parse(&form.name.text) {
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
                AddFocus::Name => edit_text(&mut form.name, key),
                AddFocus::Grid => edit_grid(&mut form.grid, key),
            };
            if used {
                form.error = None;
            }
        }
    }
    Some(Popup::Add(form))
}
