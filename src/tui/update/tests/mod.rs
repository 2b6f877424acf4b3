//! One test per key of the table, with the cancel paths, plus the
//! results of registry calls and the secret window closing.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::update;
use crate::clipboard::Kind;
use crate::model::{Access, AppName, Grant, ScopeId};
use crate::tui::effect::Effect;
pub use crate::tui::fixtures::*;
use crate::tui::msg::{CallError, CopyInfo, Msg};
use crate::tui::state::{AddFocus, BrowserFocus, Popup, State, StatusKind};

mod add;
mod audit;
mod browser;
mod copy;
mod copy_as;
mod delete;
mod filter;
mod help;
mod main_screen;
mod mouse;
mod new_secret;
mod order;
mod palette;
mod paste;
mod quit;
mod read_only;
mod rename;
mod results;
mod retire;
mod scopes;
mod suspend;
mod token;
mod trash;

fn send(s: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| update(s, m)).collect()
}

fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(ch).collect()
}

fn selected_name(s: &State) -> String {
    s.selected_app().unwrap().client_name.to_string()
}

fn grant(s: &str, a: Access) -> Grant {
    Grant::new(ScopeId::parse(s).unwrap(), a)
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

/// Billing export (selected in `state()`) with a secret made in this session.
fn with_fresh_secret() -> State {
    let mut s = state();
    s.pending = 1;
    let a = s.selected_app().unwrap().clone();
    send(
        &mut s,
        [Msg::SecretReset {
            region: 0,
            result: Ok(issued(a, 900)),
        }],
    );
    assert!(s.reveal_of(&id(1)).is_some());
    s
}

fn status_text(s: &State) -> String {
    s.status
        .as_ref()
        .map(|st| st.text.clone())
        .unwrap_or_default()
}

/// The active region's apps as listed again, with `change` made elsewhere.
fn reloaded(s: &State, change: impl FnOnce(&mut Vec<crate::model::Application>)) -> Msg {
    let mut apps = s.regions[0].apps.clone();
    change(&mut apps);
    Msg::Refreshed {
        region: 0,
        fingerprint: Some("changed".into()),
        result: Ok(Some(apps)),
    }
}
