//! The scope browser (`S`): who holds each scope, or the matrix of
//! applications by scopes (`m`); Enter goes to an application.

use super::jump_to;
use crate::tui::keys::Action;
use crate::tui::state::{Browser, BrowserFocus, Popup, State};

/// `v` moved by `delta`, kept inside a list of `len`.
fn clamp(v: usize, delta: isize, len: usize) -> usize {
    (v as isize)
        .saturating_add(delta)
        .clamp(0, len.saturating_sub(1) as isize) as usize
}

pub(super) fn on_key(state: &mut State, mut b: Browser, action: Option<Action>) -> Option<Popup> {
    match action {
        Some(Action::Close) => return None,
        Some(Action::ToggleMatrix) => {
            b.matrix = !b.matrix;
            b.app = 0;
        }
        _ if b.matrix => return matrix_key(state, b, action),
        _ => return list_key(state, b, action),
    }
    Some(Popup::Browser(b))
}

/// The matrix: rows are applications, columns scopes.
fn matrix_key(state: &mut State, mut b: Browser, action: Option<Action>) -> Option<Popup> {
    let n_apps = state.apps().len();
    let n_scopes = state.catalog.scopes().count();
    match action {
        Some(Action::Up) => b.app = clamp(b.app, -1, n_apps),
        Some(Action::Down) => b.app = clamp(b.app, 1, n_apps),
        Some(Action::PageUp) => b.app = clamp(b.app, -10, n_apps),
        Some(Action::PageDown) => b.app = clamp(b.app, 10, n_apps),
        Some(Action::Top) => b.app = 0,
        Some(Action::Bottom) => b.app = n_apps.saturating_sub(1),
        Some(Action::ScrollLeft) => b.column = b.column.saturating_sub(1),
        Some(Action::ScrollRight) => b.column = clamp(b.column, 1, n_scopes),
        Some(Action::GoToApp) => {
            if let Some(app) = state.apps().get(b.app) {
                let id = app.client_id.clone();
                jump_to(state, id);
                return None;
            }
        }
        _ => {}
    }
    Some(Popup::Browser(b))
}

/// The list view: scopes on the left, their holders on the right.
fn list_key(state: &mut State, mut b: Browser, action: Option<Action>) -> Option<Popup> {
    let n_scopes = state.catalog.scopes().count();
    let delta: isize = match action {
        Some(Action::SwitchPane) => {
            b.focus = match b.focus {
                BrowserFocus::Scopes => BrowserFocus::Apps,
                BrowserFocus::Apps => BrowserFocus::Scopes,
            };
            return Some(Popup::Browser(b));
        }
        Some(Action::OpenScope) => {
            b.focus = BrowserFocus::Apps;
            return Some(Popup::Browser(b));
        }
        Some(Action::GoToApp) => {
            if let Some(&i) = state.holders(b.scope).get(b.app) {
                let id = state.apps()[i].client_id.clone();
                jump_to(state, id);
                return None;
            }
            return Some(Popup::Browser(b));
        }
        Some(Action::Up) => -1,
        Some(Action::Down) => 1,
        Some(Action::Top) => isize::MIN / 2,
        Some(Action::Bottom) => isize::MAX / 2,
        _ => return Some(Popup::Browser(b)),
    };
    match b.focus {
        BrowserFocus::Scopes => {
            b.scope = clamp(b.scope, delta, n_scopes);
            b.app = 0;
        }
        BrowserFocus::Apps => {
            let n = state.holders(b.scope).len();
            b.app = clamp(b.app, delta, n);
        }
    }
    Some(Popup::Browser(b))
}
