//! Keys on the main screen: moving in the list, switching region, and the
//! keys that act on the selected application or open a popup.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::keys::{self, Action};

use super::{
    ensure_visible, error, guard, info, makes_a_new_one, page, results, select, start_call, token,
};
use crate::clipboard::Kind;
use crate::model::{AppOrder, Application, ClientSecret};
use crate::text::clock;
use crate::tui::effect::Effect;
use crate::tui::state::{
    AddFocus, AddForm, Browser, BrowserFocus, Input, Palette, Popup, ScopeGrid, State,
};

/// Why the secret of `name` cannot be copied any more.
pub(super) fn no_longer_copied(state: &State, name: &str) -> String {
    format!(
        "The secret of {name} can no longer be copied: it is shown only for {} after it is made. {}",
        clock(state.window_secs, true),
        makes_a_new_one()
    )
}

/// What the status line says when a key needs a selected application.
fn nothing_selected() -> String {
    format!(
        "No application selected: press {} to add one",
        keys::key_of(Action::Add)
    )
}

pub(super) fn on_key(
    state: &mut State,
    action: Option<Action>,
    key: KeyEvent,
    effects: &mut Vec<Effect>,
) {
    let Some(action) = action else {
        // Not a key here: nothing to redraw.
        state.dirty = false;
        return;
    };
    // The one check of read-only mode: keys, the palette and clicks all
    // come through here.
    if action.writes()
        && let Some(why) = state.read_only()
    {
        super::refuse_read_only(state, why);
        return;
    }
    let n = state.regions.len().max(1);
    match action {
        Action::Quit => quit_or_ask(state),
        Action::Dismiss => {
            if state.status.is_some() {
                state.status = None;
            } else if !state.filter.query.is_empty() {
                state.filter = Default::default();
                state.refilter(None);
                ensure_visible(state);
            }
        }
        Action::NextRegion => switch_region(state, (state.active + 1) % n, effects),
        Action::PrevRegion => switch_region(state, (state.active + n - 1) % n, effects),
        Action::GoToRegion => {
            if let KeyCode::Char(c @ '1'..='9') = key.code {
                switch_region(state, c as usize - '1' as usize, effects);
            }
        }
        Action::Up => select(state, state.list.selected as isize - 1),
        Action::Down => select(state, state.list.selected as isize + 1),
        Action::PageUp => page(state, -1),
        Action::PageDown => page(state, 1),
        Action::Top => select(state, 0),
        Action::Bottom => select(state, isize::MAX),
        Action::Filter => state.filter.editing = true,
        Action::Add => {
            state.popup = Some(Popup::Add(AddForm {
                name: Input::default(),
                grid: ScopeGrid::new(&state.catalog, None),
                focus: AddFocus::Name,
                error: None,
            }));
        }
        Action::Help => state.popup = Some(Popup::Help),
        Action::Palette => state.popup = Some(Popup::Palette(Palette::default())),
        Action::CycleOrder => set_order(state, state.order.next()),
        Action::RegionLog => super::audit::open(state, None, effects),
        Action::Trash => super::trash::open(state, effects),
        Action::AppLog => match state.selected_app() {
            Some(app) => {
                let app = (app.client_id.clone(), app.client_name.to_string());
                super::audit::open(state, Some(app), effects);
            }
            None => info(state, nothing_selected()),
        },
        Action::Reload => {
            if let Some(r) = state.region() {
                let text = results::reloading(r);
                info(state, text);
                let region = state.active;
                start_call(state, effects, Effect::Load { region });
            }
        }
        Action::Browse => open_browser(state, false),
        Action::Rename
        | Action::EditScopes
        | Action::NewSecret
        | Action::Retire
        | Action::Suspend
        | Action::Delete
        | Action::CopyId
        | Action::CopySecret
        | Action::CopyAs
        | Action::ShowSecret
        | Action::TestToken => {
            let Some(app) = state.selected_app().cloned() else {
                info(state, nothing_selected());
                return;
            };
            on_app_key(state, action, &app, effects);
        }
        // Bound elsewhere only.
        _ => state.dirty = false,
    }
}

/// Opens the scope browser, on its list or its matrix.
pub(super) fn open_browser(state: &mut State, matrix: bool) {
    state.popup = Some(Popup::Browser(Browser {
        scope: 0,
        app: 0,
        focus: BrowserFocus::Scopes,
        matrix,
        column: 0,
    }))
}

/// Orders the list by `order`, keeping the same application selected.
pub(super) fn set_order(state: &mut State, order: AppOrder) {
    state.order = order;
    state.refilter(None);
    ensure_visible(state);
}

/// Quits, unless that would lose a secret made in this session that was
/// neither shown nor copied: then asks first, saying whose.
pub(super) fn quit_or_ask(state: &mut State) {
    let names = state.undelivered();
    if names.is_empty() {
        state.quit = true;
    } else {
        state.popup = Some(Popup::QuitConfirm {
            names,
            guard: guard(state),
        });
    }
}

pub(super) fn switch_region(state: &mut State, i: usize, effects: &mut Vec<Effect>) {
    if i >= state.regions.len() || i == state.active {
        return;
    }
    state.active = i;
    state.list.top();
    state.unmasked = false;
    state.refilter(None);
    if !state.regions[i].loaded {
        start_call(state, effects, Effect::Load { region: i });
    }
}

/// The keys that act on the selected application.
fn on_app_key(state: &mut State, action: Action, app: &Application, effects: &mut Vec<Effect>) {
    let id = app.client_id.clone();
    let name = app.client_name.to_string();
    match action {
        Action::Rename => {
            state.popup = Some(Popup::Rename {
                id,
                input: Input::new(&name),
                name,
                error: None,
            })
        }
        Action::EditScopes => {
            state.popup = Some(Popup::Scopes {
                id,
                name,
                grid: ScopeGrid::new(&state.catalog, Some(app)),
            })
        }
        Action::NewSecret => {
            state.popup = Some(Popup::NewSecret {
                id,
                name,
                guard: guard(state),
            })
        }
        Action::Retire if state.retiring_of(app).is_some() => {
            state.popup = Some(Popup::RetireConfirm {
                id,
                name,
                guard: guard(state),
            })
        }
        Action::Retire => info(
            state,
            format!(
                "{name} has no old secret to retire: only a rotation ({}) leaves one working for a while",
                keys::key_of(Action::NewSecret)
            ),
        ),
        Action::Suspend => {
            state.popup = Some(Popup::SuspendConfirm {
                id,
                name,
                suspend: !app.is_suspended(),
                guard: guard(state),
            })
        }
        Action::Delete => {
            state.popup = Some(Popup::DeleteConfirm {
                id,
                name,
                input: Input::default(),
                error: None,
                guard: guard(state),
            })
        }
        Action::CopyId => effects.push(Effect::Copy {
            what: Kind::ClientId,
            text: ClientSecret::from_string(id.to_string()),
        }),
        Action::CopySecret => match state.reveal_of(&id) {
            Some(r) => {
                effects.push(Effect::Copy {
                    what: Kind::ClientSecret,
                    text: r.secret.clone(),
                });
                state.copying_secrets.push_back(id);
            }
            None => error(state, no_longer_copied(state, &name)),
        },
        Action::CopyAs if state.reveal_of(&id).is_some() => {
            state.popup = Some(Popup::CopyAs { id, name })
        }
        Action::CopyAs => error(state, no_longer_copied(state, &name)),
        Action::TestToken => token::start_test(state, app, effects),
        Action::ShowSecret => {
            if state.reveal_of(&id).is_some() {
                state.unmasked = !state.unmasked;
                if let Some(fresh) = state.fresh.get_mut(&id) {
                    fresh.delivered |= state.unmasked;
                }
            } else {
                info(
                    state,
                    format!(
                        "The secret of {name} can no longer be shown; {}",
                        makes_a_new_one()
                    ),
                );
            }
        }
        _ => {}
    }
}
