//! The token test (`t`): asks for a token with the visible secret, and the
//! panel that shows the answer.

use super::{finish_call, info, makes_a_new_one, start_call};
use crate::model::{Application, ClientId};
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::state::{Popup, State, TokenFailure, TokenPanel, TokenShown};

pub(super) fn on_key(
    state: &mut State,
    panel: TokenPanel,
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    match action {
        Some(Action::Close) => None,
        // Again, once the last answer is in.
        Some(Action::TestAgain) if panel.result.is_some() => match state.selected_app().cloned() {
            Some(app) if app.client_id == panel.id => {
                start_test(state, &app, effects);
                state.popup.take()
            }
            _ => Some(Popup::Token(panel)),
        },
        _ => Some(Popup::Token(panel)),
    }
}

/// `t`: asks for a token with the application's visible secret and every scope
/// it holds, and opens the panel that will show the answer.
pub(super) fn start_test(state: &mut State, app: &Application, effects: &mut Vec<Effect>) {
    let name = app.client_name.to_string();
    let Some(reveal) = state.reveal_of(&app.client_id) else {
        info(
            state,
            format!(
                "No token test for {name}: its secret is no longer visible, and a token needs it. {}",
                makes_a_new_one()
            ),
        );
        return;
    };
    let secret = reveal.secret.clone();
    let via = state
        .region()
        .map_or_else(|| "local".to_owned(), |r| r.token_via.clone());
    state.popup = Some(Popup::Token(TokenPanel {
        id: app.client_id.clone(),
        name,
        via,
        result: None,
    }));
    let call = Effect::TestToken {
        region: state.active,
        id: app.client_id.clone(),
        secret,
        scopes: app.oauth_scopes(),
    };
    start_call(state, effects, call);
}

/// A token test finished: only the panel that asked shows the answer; a
/// closed panel drops it.
pub(super) fn on_tested(state: &mut State, id: ClientId, result: Result<TokenShown, TokenFailure>) {
    finish_call(state);
    if let Some(Popup::Token(panel)) = &mut state.popup
        && panel.id == id
        && panel.result.is_none()
    {
        panel.result = Some(result);
    }
}
