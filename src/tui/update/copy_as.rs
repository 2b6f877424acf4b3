//! The copy formats (`Y`): `e` environment lines, `u` a curl command with
//! HTTP Basic, `f` one with the credentials in the body; any other key
//! cancels. The copy goes the way every copy goes (system clipboard or OSC 52)
//! and is cleared the same way.

use super::{error, info, main_screen::no_longer_copied};
use crate::clipboard::Kind;
use crate::model::ClientId;
use crate::tui::effect::Effect;
use crate::tui::formats::{self, Format};
use crate::tui::keys::Action;
use crate::tui::state::{Popup, State};

pub(super) fn on_key(
    state: &mut State,
    (id, name): (ClientId, String),
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    let (format, kind) = match action {
        Some(Action::CopyEnv) => (Format::EnvLines, Kind::EnvLines),
        Some(Action::CopyCurlBasic) => (Format::CurlBasic, Kind::CurlCommand),
        Some(Action::CopyCurlForm) => (Format::CurlForm, Kind::CurlCommand),
        _ => {
            info(state, "Nothing copied".to_owned());
            return None;
        }
    };
    // The window may have closed while the chooser was open.
    let Some(reveal) = state.reveal_of(&id) else {
        error(state, no_longer_copied(state, &name));
        return None;
    };
    let url = formats::token_url(state.region().map_or("", |r| r.token_via.as_str()));
    let text = formats::text(format, &state.copy_names, &id, &reveal.secret, url);
    effects.push(Effect::Copy { what: kind, text });
    state.copying_secrets.push_back(id);
    None
}
