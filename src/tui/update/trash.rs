//! The trash (`T`, `:trash`): the region's deleted applications, with when
//! each is purged. `u` restores the chosen one (its secret unchanged) and `P`
//! purges it for good; both ask, only `y` confirms, and a `y` from the burst
//! of the key that asked (a paste) cancels. Read through an effect, like the
//! audit log, so a slow store never holds a frame.

use super::{cancel_by_burst, error, finish_call, guard, info, same_burst, start_call};
use crate::model::Application;
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::msg::CallResult;
use crate::tui::state::{Popup, State, TrashConfirm, TrashView};

pub(super) fn open(state: &mut State, effects: &mut Vec<Effect>) {
    let region = state.active;
    effects.push(Effect::LoadTrash { region });
    state.popup = Some(Popup::Trash(TrashView {
        region,
        apps: None,
        selected: 0,
        confirm: None,
    }));
}

fn chosen(view: &TrashView) -> Option<&Application> {
    match &view.apps {
        Some(Ok(apps)) => apps.get(view.selected),
        _ => None,
    }
}

pub(super) fn on_key(
    state: &mut State,
    mut view: TrashView,
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    if let Some(confirm) = view.confirm.take() {
        on_confirm(state, &view, confirm, action, effects);
        return Some(Popup::Trash(view));
    }
    let len = match &view.apps {
        Some(Ok(apps)) => apps.len(),
        _ => 0,
    };
    match action {
        Some(Action::Close) => return None,
        Some(Action::Reload) => {
            effects.push(Effect::LoadTrash {
                region: view.region,
            });
            view.apps = None;
        }
        Some(Action::Up) => view.selected = view.selected.saturating_sub(1),
        Some(Action::Down) => view.selected = (view.selected + 1).min(len.saturating_sub(1)),
        Some(Action::Restore | Action::Purge) if state.read_only().is_some() => {
            if let Some(why) = state.read_only() {
                super::refuse_read_only(state, why);
            }
        }
        Some(Action::Restore | Action::Purge) if chosen(&view).is_some() => {
            view.confirm = Some(TrashConfirm {
                restore: action == Some(Action::Restore),
                guard: guard(state),
            });
        }
        Some(Action::Restore | Action::Purge) => {
            info(
                state,
                "The trash is empty: nothing to restore or purge".into(),
            );
        }
        _ => state.dirty = false,
    }
    Some(Popup::Trash(view))
}

fn on_confirm(
    state: &mut State,
    view: &TrashView,
    confirm: TrashConfirm,
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) {
    let Some(app) = chosen(view) else {
        return;
    };
    let (id, name) = (app.client_id.clone(), app.client_name.to_string());
    if same_burst(state, confirm.guard) {
        cancel_by_burst(state, "Cancelled");
        return;
    }
    if action != Some(Action::Yes) {
        info(state, format!("Cancelled; {name} stays in the trash"));
        return;
    }
    let region = view.region;
    let call = if confirm.restore {
        Effect::Restore { region, id }
    } else {
        Effect::Purge { region, id, name }
    };
    start_call(state, effects, call);
}

/// The trash came: shown if its popup is still the one open.
pub(super) fn on_loaded(state: &mut State, region: usize, result: CallResult<Vec<Application>>) {
    if let Some(Popup::Trash(view)) = &mut state.popup
        && view.region == region
    {
        let result = result.map_err(|e| e.text().to_owned());
        if let Ok(apps) = &result {
            view.selected = view.selected.min(apps.len().saturating_sub(1));
        }
        view.apps = Some(result);
        state.dirty = true;
    }
}

/// Reads the trash again if its popup is open on `region`.
fn reload(state: &State, region: usize, effects: &mut Vec<Effect>) {
    if matches!(&state.popup, Some(Popup::Trash(v)) if v.region == region) {
        effects.push(Effect::LoadTrash { region });
    }
}

pub(super) fn on_restored(
    state: &mut State,
    region: usize,
    result: CallResult<Application>,
    effects: &mut Vec<Effect>,
) {
    finish_call(state);
    match result {
        Ok(app) => {
            let text = format!(
                "Restored {}: its secret is unchanged and works again",
                app.client_name
            );
            super::results::upsert(state, region, app);
            info(state, text);
            reload(state, region, effects);
        }
        Err(e) => error(state, format!("Cannot restore: {e}")),
    }
}

pub(super) fn on_purged(
    state: &mut State,
    region: usize,
    name: String,
    result: CallResult<()>,
    effects: &mut Vec<Effect>,
) {
    finish_call(state);
    match result {
        Ok(()) => {
            info(state, format!("Purged {name}: it is gone for good"));
            reload(state, region, effects);
        }
        Err(e) => error(state, format!("Cannot purge {name}: {e}")),
    }
}
