//! The rename dialog (`e`): edit the name, Enter saves.

use crossterm::event::KeyEvent;

use super::edit::edit_text;
use super::start_call;
use crate::model::{AppName, ClientId};
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::state::{Input, Popup, State};

/// The fields of `Popup::Rename`.
pub(super) struct Dialog {
    pub id: ClientId,
    pub name: String,
    pub input: Input,
    pub error: Option<String>,
}

impl Dialog {
    fn popup(self) -> Option<Popup> {
        Some(Popup::Rename {
            id: self.id,
            name: self.name,
            input: self.input,
            error: self.error,
        })
    }
}

pub(super) fn on_key(
    state: &mut State,
    mut d: Dialog,
    (action, key): (Option<Action>, KeyEvent),
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    match action {
        Some(Action::Cancel) => None,
        Some(Action::Save) => match AppName::parse(&d.input.text) {
            Ok(new_name) => {
                let region = state.active;
                let call = Effect::Rename {
                    region,
                    id: d.id.clone(),
                    name: new_name,
                };
                // Reopened as it was if the call fails.
                state.retry = Dialog { error: None, ..d }.popup();
                start_call(state, effects, call);
                None
            }
            Err(e) => Dialog {
                error: Some(e.to_string()),
                ..d
            }
            .popup(),
        },
        _ => {
            edit_text(&mut d.input, action, key);
            Dialog { error: None, ..d }.popup()
        }
    }
}
