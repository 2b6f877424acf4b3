//! The scope browser (`S`): who holds each scope, or the matrix of
//! applications by scopes (`m`); Enter goes to an application.

use crossterm::event::{KeyCode, KeyEvent};

use super::jump_to;
use crate::tui::state::{Browser, BrowserFocus, Popup, State};

/// `v` moved by `delta`, kept inside a list of `len`.
fn clamp(v: usize, delta: isize, len: usize) -> usize {
    (v as isize)
        .saturating_add(delta)
        .clamp(0, len.saturating_sub(1) as isize) as usize
}

pub(super) fn on_key(state: &mut State, mut b: Browser, key: KeyEvent) -> Option<Popup> {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q' | 'S') => return None,
        KeyCode::Char('m') => {
            b.matrix = !b.matrix;
            b.app = 0;
        }
        _ if b.matrix => return matrix_key(state, b, key),
        _ => return list_key(state, b, key),
    }
    Some(Popup::Browser(b))
}

/// The matrix: rows are applications, columns scopes.
fn matrix_key(state: &mut State, mut b: Browser, key: KeyEvent) -> Option<Popup> {
    let n_apps = state.apps().len();
    let n_scopes = state.catalog.scopes().count();
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => b.app = clamp(b.app, -1, n_apps),
        KeyCode::Down | KeyCode::Char('j') => b.app = clamp(b.app, 1, n_apps),
        KeyCode::PageUp => b.app = clamp(b.app, -10, n_apps),
        KeyCode::PageDown => b.app = clamp(b.app, 10, n_apps),
        KeyCode::Home => b.app = 0,
        KeyCode::End => b.app = n_apps.saturating_sub(1),
        KeyCode::Left | KeyCode::Char('h') => b.column = b.column.saturating_sub(1),
        KeyCode::Right | KeyCode::Char('l') => b.column = clamp(b.column, 1, n_scopes),
        KeyCode::Enter => {
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
fn list_key(state: &mut State, mut b: Browser, key: KeyEvent) -> Option<Popup> {
    let n_scopes = state.catalog.scopes().count();
    match key.code {
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
            b.focus = match b.focus {
                BrowserFocus::Scopes => BrowserFocus::Apps,
                BrowserFocus::Apps => BrowserFocus::Scopes,
            };
        }
        KeyCode::Up | KeyCode::Down | KeyCode::Char('k' | 'j') | KeyCode::Home | KeyCode::End => {
            let delta: isize = match key.code {
                KeyCode::Up | KeyCode::Char('k') => -1,
                KeyCode::Down | KeyCode::Char('j') => 1,
                KeyCode::Home => isize::MIN / 2,
                _ => isize::MAX / 2,
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
        }
        KeyCode::Enter => {
            if b.focus == BrowserFocus::Scopes {
                b.focus = BrowserFocus::Apps;
            } else if let Some(&i) = state.holders(b.scope).get(b.app) {
                let id = state.apps()[i].client_id.clone();
                jump_to(state, id);
                return None;
            }
        }
        _ => {}
    }
    Some(Popup::Browser(b))
}
