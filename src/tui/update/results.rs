//! What the registry calls brought back: lists (asked for, or a quiet reload),
//! an add, a rename or scope change, a secret reset, rotation or retirement,
//! a delete. Each one also reconciles what others changed meanwhile with what
//! the UI holds.

use super::{ensure_visible, error, finish_call, info, shows_and_copies};
use crate::model::{Application, ClientId};
use crate::registry::Issued;
use crate::text::clock;
use crate::tui::effect::Effect;
use crate::tui::keys::{self, Action, Place};
use crate::tui::msg::{CallError, CallResult, Msg};
use crate::tui::state::{AddFocus, Fresh, Popup, RegionTab, State, StatusKind};

/// How the status line starts when a quiet reload failed.
const CANNOT_RELOAD: &str = "Cannot reload: ";

/// How the status line starts when listing a region failed.
const CANNOT_LIST: &str = "Cannot list applications: ";

/// Routes a registry call's result. Only registry results come here.
pub(super) fn on_result(state: &mut State, msg: Msg) {
    match msg {
        Msg::Loaded { region, result } => on_loaded(state, region, result),
        Msg::Refreshed {
            region,
            fingerprint,
            result,
        } => on_refreshed(state, region, fingerprint, result),
        Msg::Created { region, result } => on_created(state, region, result),
        Msg::Updated {
            region,
            what,
            result,
        } => on_updated(state, region, what, result),
        Msg::SecretReset { region, result } => on_secret_reset(state, region, result),
        Msg::SecretRotated { region, result } => on_secret_rotated(state, region, result),
        Msg::SecretRetired { region, result } => on_secret_retired(state, region, result),
        Msg::Deleted {
            region,
            id,
            name,
            result,
        } => on_deleted(state, region, id, name, result),
        _ => {}
    }
}

/// Every few seconds while idle: asks for a quiet reload of the active region.
pub(super) fn on_poll(state: &mut State, effects: &mut Vec<Effect>) {
    let idle = state.pending == 0 && !state.refreshing;
    let known = state
        .region()
        .filter(|r| r.loaded)
        .map(|r| r.fingerprint.clone());
    if idle && let Some(known) = known {
        state.refreshing = true;
        effects.push(Effect::Refresh {
            region: state.active,
            known,
        });
    }
}

/// What the status line says while `r` reloads region `r`.
pub(super) fn reloading(r: &RegionTab) -> String {
    format!("Reloading {}…", r.name)
}

/// A list asked for by `r`, a region switch or the start.
fn on_loaded(state: &mut State, region: usize, result: CallResult<Vec<Application>>) {
    finish_call(state);
    let apps = match result {
        Ok(apps) => apps,
        Err(e) => return error(state, format!("{CANNOT_LIST}{e}")),
    };
    take_list(state, region, Some(apps), true);
    if let Some(r) = state.regions.get(region)
        && state
            .status
            .as_ref()
            .is_some_and(|s| s.text == reloading(r))
    {
        let text = format!("Reloaded {}: {} applications", r.name, r.apps.len());
        info(state, text);
    }
}

/// A quiet reload: `None` when the fingerprint said nothing changed.
fn on_refreshed(
    state: &mut State,
    region: usize,
    fingerprint: Option<String>,
    result: CallResult<Option<Vec<Application>>>,
) {
    state.refreshing = false;
    let apps = match result {
        Ok(apps) => apps,
        Err(e) => {
            let text = format!("{CANNOT_RELOAD}{e}");
            if state.status.as_ref().is_none_or(|s| s.text != text) {
                error(state, text);
            }
            return;
        }
    };
    if let Some(r) = state.regions.get_mut(region) {
        r.fingerprint = fingerprint;
    }
    take_list(state, region, apps, false);
}

/// The one path of every list, asked for or quiet: the region's applications
/// become `apps` when they changed (always, for a list the user `asked` for),
/// the selection follows its client ID, and what others changed meanwhile
/// drops the secrets and closes the dialogs it killed. A quiet list that
/// changed nothing redraws nothing.
fn take_list(state: &mut State, region: usize, apps: Option<Vec<Application>>, asked: bool) {
    // Taken before the list changes under `visible`'s indices.
    let keep = state.selected_app().map(|a| a.client_id.clone());
    let mut changed = asked;
    if let Some(r) = state.regions.get_mut(region)
        && let Some(apps) = apps
        && (asked || apps != r.apps)
    {
        r.apps = apps;
        r.loaded = true;
        changed = true;
    }
    clear_list_error(state);
    if changed {
        if region == state.active {
            state.refilter(keep);
            ensure_visible(state);
            state.dirty = true;
        }
        after_reload(state, region);
    }
}

/// The registry listed again: an error from an earlier list is old news.
fn clear_list_error(state: &mut State) {
    if state.status.as_ref().is_some_and(|s| {
        s.kind == StatusKind::Error
            && (s.text.starts_with(CANNOT_RELOAD) || s.text.starts_with(CANNOT_LIST))
    }) {
        state.status = None;
        state.dirty = true;
    }
}

/// An add finished.
fn on_created(state: &mut State, region: usize, result: CallResult<Issued>) {
    finish_call(state);
    match result {
        Ok(issued) => {
            state.retry = None;
            let (id, name) = take_issued(state, region, issued);
            if region == state.active {
                state.filter = Default::default();
                state.refilter(Some(id));
                state.unmasked = false;
                ensure_visible(state);
            }
            info(
                state,
                format!(
                    "Added {name}. Its secret can be seen for {}: {}",
                    clock(state.window_secs, true),
                    shows_and_copies(" it")
                ),
            );
        }
        Err(e) => {
            if matches!(state.retry, Some(Popup::Add(_))) {
                reopen(state, &e);
            }
            error(state, format!("Cannot add the application: {e}"));
        }
    }
}

/// A secret reset finished.
fn on_secret_reset(state: &mut State, region: usize, result: CallResult<Issued>) {
    finish_call(state);
    match result {
        Ok(issued) => {
            let (_, name) = take_issued(state, region, issued);
            state.unmasked = false;
            info(
                state,
                format!(
                    "New secret for {name}; the old one no longer works. Visible for {}: {}",
                    clock(state.window_secs, true),
                    shows_and_copies("")
                ),
            );
        }
        Err(e) => error(state, format!("Cannot reset the secret: {e}")),
    }
}

/// A rotation finished: a new current secret, the old one working out its grace.
fn on_secret_rotated(state: &mut State, region: usize, result: CallResult<Issued>) {
    finish_call(state);
    match result {
        Ok(issued) => {
            let (id, name) = take_issued(state, region, issued);
            state.unmasked = false;
            let old = state
                .regions
                .get(region)
                .and_then(|r| r.apps.iter().find(|a| a.client_id == id))
                .and_then(|a| state.retiring_of(a))
                .and_then(|s| s.expires_at)
                .map_or_else(
                    || "the old secret stopped at once (no grace)".to_owned(),
                    |until| format!("the old secret works until {}", until_text(state, until)),
                );
            info(
                state,
                format!(
                    "Rotated {name}: {old}. The new one is visible for {}: {}",
                    clock(state.window_secs, true),
                    shows_and_copies("")
                ),
            );
        }
        Err(CallError::AlreadyRetiring(until)) => {
            let until =
                until.map_or_else(String::new, |t| format!(" until {}", until_text(state, t)));
            error(
                state,
                format!(
                    "Cannot rotate: the old secret still works{until}. Retire it first ({}) or reset ({}, then {}), which ends both at once",
                    keys::key_of(Action::Retire),
                    keys::key_of(Action::NewSecret),
                    keys::label_in(Place::NewSecret, Action::ResetNow),
                ),
            );
        }
        Err(e) => error(state, format!("Cannot rotate the secret: {e}")),
    }
}

/// `2026-11-24 10:40 (in 24:00:00)`: a deadline in local time, and how far off.
pub(super) fn until_text(state: &State, until: chrono::DateTime<chrono::Utc>) -> String {
    let left = (until - state.now).num_seconds().max(0).unsigned_abs();
    format!("{} (in {})", state.local_time(until), clock(left, false))
}

/// A retire finished: only the current secret works now.
fn on_secret_retired(state: &mut State, region: usize, result: CallResult<Application>) {
    finish_call(state);
    match result {
        Ok(app) => {
            let text = format!(
                "Retired the old secret of {}: only the current one works now",
                app.client_name
            );
            upsert(state, region, app);
            info(state, text);
        }
        Err(CallError::NothingToRetire) => error(
            state,
            "Cannot retire: there is no old secret any more (retired elsewhere, or its time ran out)"
                .to_owned(),
        ),
        Err(e) => error(state, format!("Cannot retire the old secret: {e}")),
    }
}

/// The one path of a new secret, added, reset or rotated: the application
/// takes its place in the list, its secret goes on offer, and the session
/// remembers it made it. Its client ID and name.
fn take_issued(state: &mut State, region: usize, issued: Issued) -> (ClientId, String) {
    let id = issued.application.client_id.clone();
    let name = issued.application.client_name.to_string();
    // The secrets it had before, as this session knew them or as the answer
    // tells: a list taken before this change still shows one as current.
    let known = state
        .regions
        .get(region)
        .and_then(|r| r.apps.iter().find(|a| a.client_id == id))
        .map(|a| a.secrets.clone())
        .unwrap_or_default();
    let current = issued.application.current_secret();
    let before = known
        .iter()
        .chain(&issued.application.secrets)
        .map(|s| s.secret_id.clone())
        .filter(|s| current.is_none_or(|c| &c.secret_id != s))
        .collect();
    // Notes a secret this session made, to tell later whether it was replaced
    // elsewhere and whether the user has seen or copied it.
    state.fresh.insert(
        id.clone(),
        Fresh {
            region,
            issued_at: issued.application.secret_issued_at,
            secret: current.map(|c| (c.secret_id.clone(), c.created_at)),
            before,
            delivered: false,
        },
    );
    upsert(state, region, issued.application);
    state.reveals.insert(id.clone(), issued.reveal);
    (id, name)
}

/// A rename or a scope change finished.
fn on_updated(state: &mut State, region: usize, what: &str, result: CallResult<Application>) {
    finish_call(state);
    match result {
        Ok(app) => {
            state.retry = None;
            let text = format!("{what} {}", app.client_name);
            upsert(state, region, app);
            info(state, text);
        }
        Err(e) => {
            if matches!(state.retry, Some(Popup::Rename { .. })) {
                reopen(state, &e);
            }
            error(state, format!("Cannot save: {e}"));
        }
    }
}

/// A delete finished.
fn on_deleted(
    state: &mut State,
    region: usize,
    id: ClientId,
    name: String,
    result: CallResult<()>,
) {
    finish_call(state);
    match result {
        Ok(()) => {
            if let Some(r) = state.regions.get_mut(region) {
                r.apps.retain(|a| a.client_id != id);
            }
            state.reveals.remove(&id);
            state.fresh.remove(&id);
            if region == state.active {
                state.refilter(None);
                ensure_visible(state);
            }
            let days = state.trash_days;
            info(
                state,
                format!(
                    "Deleted {name}; its credentials no longer work. In the trash for {days} days: keyward apps restore brings it back"
                ),
            );
        }
        Err(e) => error(state, format!("Cannot delete {name}: {e}")),
    }
}

/// After a failed add or rename, opens the dialog again as the user left it,
/// so nothing typed is lost. A taken name is said beside the name field (and
/// the name focused); any other failure is the status line's alone.
fn reopen(state: &mut State, failure: &CallError) {
    let Some(mut popup) = state.retry.take() else {
        return;
    };
    if state.popup.is_some() {
        return;
    }
    let beside_name = match failure {
        CallError::NameTaken(text) => Some(text.clone()),
        _ => None,
    };
    match &mut popup {
        Popup::Add(form) => {
            if beside_name.is_some() {
                form.focus = AddFocus::Name;
            }
            form.error = beside_name;
        }
        Popup::Rename { error, .. } => *error = beside_name,
        _ => return,
    }
    state.popup = Some(popup);
}

/// Replaces (or inserts) `app` in its region, keeping the name order.
pub(super) fn upsert(state: &mut State, region: usize, app: Application) {
    let id = app.client_id.clone();
    let keep = if region == state.active {
        state.selected_app().map(|a| a.client_id.clone())
    } else {
        None
    };
    let Some(r) = state.regions.get_mut(region) else {
        return;
    };
    r.apps.retain(|a| a.client_id != id);
    let key = app.client_name.as_str().to_lowercase();
    let at = r
        .apps
        .partition_point(|a| a.client_name.as_str().to_lowercase() <= key);
    r.apps.insert(at, app);
    if region == state.active {
        state.refilter(keep.or(Some(id)));
        ensure_visible(state);
    }
}

/// After region `region` was listed again: what others changed meanwhile may
/// have killed a secret on offer or the application an open dialog is about.
fn after_reload(state: &mut State, region: usize) {
    drop_dead_reveals(state, region);
    if region == state.active {
        close_stale_dialog(state);
    }
}

/// Drops each secret of this session whose application got a newer current
/// secret elsewhere: the one on offer is no longer the one to hand out.
fn drop_dead_reveals(state: &mut State, region: usize) {
    let Some(tab) = state.regions.get(region) else {
        return;
    };
    let dead: Vec<_> = state
        .fresh
        .iter()
        .filter(|(_, f)| f.region == region)
        .filter_map(|(id, f)| {
            let app = tab.apps.iter().find(|a| &a.client_id == id)?;
            replaced_elsewhere(state, app, f).map(|why| (id.clone(), why))
        })
        .collect();
    for (id, why) in dead {
        state.reveals.remove(&id);
        state.fresh.remove(&id);
        if state.selected_app().is_some_and(|a| a.client_id == id) {
            state.unmasked = false;
        }
        info(state, why);
    }
}

/// What happened to the secret `fresh` notes, if `app` as listed now has
/// another, newer current secret. A reset moves `secret_issued_at`; a
/// rotation does not, so the current secret's ID tells it. A list taken
/// before this session's own change (an older `secret_issued_at`, a current
/// secret that came before ours) is no change.
fn replaced_elsewhere(state: &State, app: &Application, fresh: &Fresh) -> Option<String> {
    let name = &app.client_name;
    let stamp = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M:%S UTC");
    if app.secret_issued_at > fresh.issued_at {
        return Some(format!(
            "Secret of {name} was reset elsewhere at {}; the one shown here no longer works",
            stamp(app.secret_issued_at)
        ));
    }
    let (ours, made) = fresh.secret.as_ref()?;
    let current = app.current_secret()?;
    if &current.secret_id == ours
        || fresh.before.contains(&current.secret_id)
        || current.created_at < *made
    {
        return None;
    }
    let at = stamp(current.created_at);
    let retiring = app.retiring_secret().filter(|r| &r.secret_id == ours);
    Some(match retiring.and_then(|r| r.expires_at) {
        Some(until) => format!(
            "Secret of {name} was rotated elsewhere at {at}; the one shown here is now the old one and works until {}",
            until_text(state, until)
        ),
        None => format!(
            "Secret of {name} was replaced elsewhere at {at}; the one shown here no longer works"
        ),
    })
}

/// Closes a dialog about an application that was deleted or renamed
/// elsewhere: it would act on something that is no longer what it shows.
fn close_stale_dialog(state: &mut State) {
    let (id, name) = match &state.popup {
        Some(
            Popup::Rename { id, name, .. }
            | Popup::Scopes { id, name, .. }
            | Popup::NewSecret { id, name, .. }
            | Popup::RetireConfirm { id, name, .. }
            | Popup::SuspendConfirm { id, name, .. }
            | Popup::DeleteConfirm { id, name, .. },
        ) => (id.clone(), name.clone()),
        Some(Popup::Token(panel)) => (panel.id.clone(), panel.name.clone()),
        _ => return,
    };
    let text = match state.apps().iter().find(|a| a.client_id == id) {
        None => format!("{name} was deleted elsewhere; the dialog was closed"),
        Some(app) if app.client_name.as_str() != name => format!(
            "{name} was renamed elsewhere to {}; the dialog was closed",
            app.client_name
        ),
        Some(app)
            if matches!(state.popup, Some(Popup::RetireConfirm { .. }))
                && state.retiring_of(app).is_none() =>
        {
            format!("The old secret of {name} was retired elsewhere; the dialog was closed")
        }
        Some(_) => return,
    };
    state.popup = None;
    info(state, text);
}
