//! `update(state, msg) -> effects`: every change to the UI happens here, without
//! I/O, so each key's behaviour is a plain unit test.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::effect::Effect;
use super::layout;
use super::msg::{CallResult, Msg};
use super::state::{
    AddFocus, AddForm, Browser, BrowserFocus, CopyNote, Fresh, Guard, Input, Popup, ScopeGrid,
    State, Status, StatusKind, TokenPanel,
};
use crate::model::{AppName, Application, ClientId, ClientSecret, NewApplication};
use crate::registry::Issued;
use crate::text::clock;

/// What the status line says when a key needs a selected application.
const NOTHING_SELECTED: &str = "No application selected: press a to add one";

/// How the status line starts when a quiet reload failed.
const CANNOT_RELOAD: &str = "Cannot reload: ";

/// How the status line starts when listing a region failed.
const CANNOT_LIST: &str = "Cannot list applications: ";

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    expire(state);
    match msg {
        Msg::Key(key) => {
            state.burst += 1;
            state.dirty = true;
            on_key(state, key, &mut effects);
        }
        // The rest of a burst that cancelled a dangerous confirmation is
        // dropped too: it was never meant as keys (a paste, most likely).
        Msg::BurstKey(_) if state.dropped_burst == Some(state.burst) => {}
        Msg::BurstKey(key) => {
            state.dirty = true;
            on_key(state, key, &mut effects);
        }
        Msg::Paste(text) => {
            state.dirty = true;
            on_paste(state, &text);
        }
        Msg::Mouse(m) => on_mouse(state, m, &mut effects),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            ensure_visible(state);
            state.dirty = true;
        }
        Msg::Tick => on_tick(state, &mut effects),
        Msg::Loaded { region, result } => on_loaded(state, region, result),
        Msg::Poll => {
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
        Msg::Deleted {
            region,
            id,
            name,
            result,
        } => on_deleted(state, region, id, name, result),
        Msg::Copied { what, result } => match result {
            Ok(copy) => {
                copy_done(state, what, true);
                let mut text = format!("✓ {what} {}", copy.how);
                if let Some(why) = copy.fell_back {
                    text.push_str(&format!(", the system clipboard failed: {why}"));
                }
                state.copied = copy.clears_at.map(|clears_at| CopyNote {
                    text: text.clone(),
                    clears_at,
                });
                match &state.copied {
                    Some(note) => info(state, note.status(state.now)),
                    None => info(state, text),
                }
            }
            Err(e) => {
                copy_done(state, what, false);
                error(
                    state,
                    format!("Cannot copy the {}: {e}", what.to_lowercase()),
                )
            }
        },
        Msg::TokenTested { id, result } => {
            finish_call(state);
            // Only the panel that asked shows the answer; a closed panel drops it.
            if let Some(Popup::Token(panel)) = &mut state.popup
                && panel.id == id
                && panel.result.is_none()
            {
                panel.result = Some(result);
            }
        }
        Msg::ClipboardCleared { result } => match result {
            Ok(text) => info(state, text),
            Err(e) => error(state, format!("Cannot clear the clipboard: {e}")),
        },
    }
    effects
}

/// The one-second timer.
fn on_tick(state: &mut State, effects: &mut Vec<Effect>) {
    tick_clipboard(state, effects);
    if state.pending > 0 {
        state.spinner = state.spinner.wrapping_add(1);
        state.dirty = true;
    }
    if state
        .selected_app()
        .is_some_and(|a| state.reveals.contains_key(&a.client_id))
        || matches!(state.popup, Some(Popup::Token(_)))
    {
        // A countdown on screen moved on by a second.
        state.dirty = true;
    }
}

/// An add finished.
fn on_created(state: &mut State, region: usize, result: CallResult<Issued>) {
    finish_call(state);
    match result {
        Ok(issued) => {
            state.retry = None;
            let id = issued.application.client_id.clone();
            let name = issued.application.client_name.to_string();
            remember_fresh(state, region, &issued);
            upsert(state, region, issued.application);
            state.reveals.insert(id.clone(), issued.reveal);
            if region == state.active {
                state.filter = Default::default();
                state.refilter(Some(id));
                state.unmasked = false;
                ensure_visible(state);
            }
            info(
                state,
                format!(
                    "Added {name}. Its secret can be seen for {}: v shows it, y copies it",
                    clock(state.window_secs, true)
                ),
            );
        }
        Err(e) => {
            if matches!(state.retry, Some(Popup::Add(_))) {
                reopen(state, e.clone());
            }
            error(state, format!("Cannot add the application: {e}"));
        }
    }
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
                reopen(state, e.clone());
            }
            error(state, format!("Cannot save: {e}"));
        }
    }
}

/// A secret reset finished.
fn on_secret_reset(state: &mut State, region: usize, result: CallResult<Issued>) {
    finish_call(state);
    match result {
        Ok(issued) => {
            let name = issued.application.client_name.to_string();
            let id = issued.application.client_id.clone();
            remember_fresh(state, region, &issued);
            upsert(state, region, issued.application);
            state.reveals.insert(id, issued.reveal);
            state.unmasked = false;
            info(
                state,
                format!(
                    "New secret for {name}; the old one no longer works. Visible for {}: v shows, y copies",
                    clock(state.window_secs, true)
                ),
            );
        }
        Err(e) => error(state, format!("Cannot reset the secret: {e}")),
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
            info(
                state,
                format!("Deleted {name}; its credentials no longer work"),
            );
        }
        Err(e) => error(state, format!("Cannot delete {name}: {e}")),
    }
}

/// A list asked for by `r`, a region switch or the start.
fn on_loaded(state: &mut State, region: usize, result: CallResult<Vec<Application>>) {
    finish_call(state);
    let apps = match result {
        Ok(apps) => apps,
        Err(e) => return error(state, format!("{CANNOT_LIST}{e}")),
    };
    // Taken before the list changes under `visible`'s indices.
    let keep = state.selected_app().map(|a| a.client_id.clone());
    if let Some(r) = state.regions.get_mut(region) {
        r.apps = apps;
        r.loaded = true;
    }
    if region == state.active {
        state.refilter(keep);
        ensure_visible(state);
    }
    clear_list_error(state);
    after_reload(state, region);
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
    // Taken before the list changes under `visible`'s indices.
    let keep = state.selected_app().map(|a| a.client_id.clone());
    let mut changed = false;
    if let Some(r) = state.regions.get_mut(region) {
        r.fingerprint = fingerprint;
        if let Some(apps) = apps
            && apps != r.apps
        {
            r.apps = apps;
            r.loaded = true;
            changed = true;
        }
    }
    clear_list_error(state);
    // Only a real change redraws; the selection follows its client ID, and a
    // dialog stays open unless its application is gone or renamed.
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

/// Notes a secret this session made, to tell later whether it was reset
/// elsewhere and whether the user has seen or copied it.
fn remember_fresh(state: &mut State, region: usize, issued: &Issued) {
    state.fresh.insert(
        issued.application.client_id.clone(),
        Fresh {
            region,
            issued_at: issued.application.secret_issued_at,
            delivered: false,
        },
    );
}

/// A copy finished: a secret copied without failure is delivered, so quitting
/// no longer loses it. Copies finish in the order `y` asked for them.
fn copy_done(state: &mut State, what: &str, copied: bool) {
    if what != SECRET_COPY {
        return;
    }
    let Some(id) = state.copying_secrets.pop_front() else {
        return;
    };
    if copied && let Some(fresh) = state.fresh.get_mut(&id) {
        fresh.delivered = true;
    }
}

/// What `y` copies, as `Effect::Copy` and `Msg::Copied` name it.
const SECRET_COPY: &str = "Client secret";

/// After region `region` was listed again: what others changed meanwhile may
/// have killed a secret on offer or the application an open dialog is about.
fn after_reload(state: &mut State, region: usize) {
    drop_dead_reveals(state, region);
    if region == state.active {
        close_stale_dialog(state);
    }
}

/// Drops each secret of this session whose application got a newer secret
/// elsewhere: the one on offer no longer works. An older `secret_issued_at`
/// is a list taken before this session's own reset, not a change.
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
            (app.secret_issued_at > f.issued_at).then(|| {
                (
                    id.clone(),
                    app.client_name.to_string(),
                    app.secret_issued_at,
                )
            })
        })
        .collect();
    for (id, name, at) in dead {
        state.reveals.remove(&id);
        state.fresh.remove(&id);
        if state.selected_app().is_some_and(|a| a.client_id == id) {
            state.unmasked = false;
        }
        info(
            state,
            format!(
                "Secret of {name} was reset elsewhere at {}; the one shown here no longer works",
                at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        );
    }
}

/// Closes a dialog about an application that was deleted or renamed
/// elsewhere: it would act on something that is no longer what it shows.
fn close_stale_dialog(state: &mut State) {
    let (id, name) = match &state.popup {
        Some(
            Popup::Rename { id, name, .. }
            | Popup::Scopes { id, name, .. }
            | Popup::ResetConfirm { id, name, .. }
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
        Some(_) => return,
    };
    state.popup = None;
    info(state, text);
}

/// Moves the copy countdown on, and asks for the clear when it is due.
fn tick_clipboard(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(note) = &state.copied else { return };
    let showing = state
        .status
        .as_ref()
        .is_some_and(|s| s.kind == StatusKind::Info && s.text.starts_with(&note.text));
    if state.now >= note.clears_at {
        state.copied = None;
        effects.push(Effect::ClearClipboard);
        if showing {
            state.status = None;
        }
    } else if showing {
        let text = note.status(state.now);
        info(state, text);
    }
    state.dirty = true;
}

/// After a failed add or rename, opens the dialog again as the user left it,
/// with the reason, so nothing typed is lost (a duplicate name, say).
fn reopen(state: &mut State, reason: String) {
    let Some(mut popup) = state.retry.take() else {
        return;
    };
    if state.popup.is_some() {
        return;
    }
    match &mut popup {
        Popup::Add(form) => {
            form.error = Some(reason);
            form.focus = AddFocus::Name;
        }
        Popup::Rename { error, .. } => *error = Some(reason),
        _ => return,
    }
    state.popup = Some(popup);
}

/// Drops every secret whose window has closed: the plaintext is wiped as the
/// `SecretReveal` drops.
fn expire(state: &mut State) {
    let now = state.now;
    let before = state.reveals.len();
    let closed: Vec<String> = state
        .reveals
        .values()
        .filter(|r| !r.is_visible_at(now))
        .filter_map(|r| {
            state
                .apps()
                .iter()
                .find(|a| a.client_id == r.client_id)
                .map(|a| a.client_name.to_string())
        })
        .collect();
    state.reveals.retain(|_, r| r.is_visible_at(now));
    let reveals = &state.reveals;
    state.fresh.retain(|id, _| reveals.contains_key(id));
    if state.reveals.len() != before {
        state.dirty = true;
        if !state
            .selected_app()
            .is_some_and(|a| state.reveals.contains_key(&a.client_id))
        {
            state.unmasked = false;
        }
        if let Some(name) = closed.first() {
            notice(
                state,
                format!("The secret of {name} can no longer be shown; R makes a new one"),
            );
        }
    }
}

/// What the status line says while `r` reloads region `r`.
fn reloading(r: &super::state::RegionTab) -> String {
    format!("Reloading {}…", r.name)
}

fn finish_call(state: &mut State) {
    state.pending = state.pending.saturating_sub(1);
    state.dirty = true;
}

/// The result of something the user did: it replaces whatever the status line
/// said, an old error included, so an error never outlives a later success.
fn info(state: &mut State, text: String) {
    state.status = Some(Status {
        kind: StatusKind::Info,
        text,
    });
    state.dirty = true;
}

/// Something that happened in the background (a secret's window closing): it
/// does not push away an error, which stays until a later action or Esc.
fn notice(state: &mut State, text: String) {
    if state
        .status
        .as_ref()
        .is_some_and(|s| s.kind == StatusKind::Error)
    {
        state.dirty = true;
        return;
    }
    info(state, text);
}

fn error(state: &mut State, text: String) {
    state.status = Some(Status {
        kind: StatusKind::Error,
        text,
    });
    state.dirty = true;
}

/// Replaces (or inserts) `app` in its region, keeping the name order.
fn upsert(state: &mut State, region: usize, app: Application) {
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

/// Keeps the selection inside the list's window.
fn ensure_visible(state: &mut State) {
    let rows = layout::list_rows(state.size).max(1);
    if state.selected < state.offset {
        state.offset = state.selected;
    } else if state.selected >= state.offset + rows {
        state.offset = state.selected + 1 - rows;
    }
    let max_offset = state.visible.len().saturating_sub(rows);
    state.offset = state.offset.min(max_offset);
}

fn select(state: &mut State, index: isize) {
    let last = state.visible.len().saturating_sub(1) as isize;
    let new = index.clamp(0, last.max(0)) as usize;
    if new != state.selected {
        state.unmasked = false;
    }
    state.selected = new;
    ensure_visible(state);
}

fn switch_region(state: &mut State, i: usize, effects: &mut Vec<Effect>) {
    if i >= state.regions.len() || i == state.active {
        return;
    }
    state.active = i;
    state.selected = 0;
    state.offset = 0;
    state.unmasked = false;
    state.refilter(None);
    if !state.regions[i].loaded {
        state.pending += 1;
        effects.push(Effect::Load { region: i });
    }
}

fn on_key(state: &mut State, key: KeyEvent, effects: &mut Vec<Effect>) {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        // A second Ctrl-C quits even when a fresh secret would be lost.
        if matches!(state.popup, Some(Popup::QuitConfirm { .. })) {
            state.quit = true;
        } else {
            quit_or_ask(state);
        }
        return;
    }
    // Esc and the key right after it often arrive in one read (over SSH, or
    // typed fast), which crossterm reports as Alt+key. No key is bound with
    // Alt, so it is taken as what it was: Esc, then the key.
    if key.modifiers.contains(KeyModifiers::ALT) {
        on_key(
            state,
            KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
            effects,
        );
        if !state.quit {
            let plain = KeyEvent::new(key.code, key.modifiers - KeyModifiers::ALT);
            on_key(state, plain, effects);
        }
        return;
    }
    if state.popup.is_some() {
        on_popup_key(state, key, effects);
    } else if state.filter.editing {
        on_filter_key(state, key);
    } else {
        on_main_key(state, key, effects);
    }
}

fn on_filter_key(state: &mut State, key: KeyEvent) {
    match key.code {
        KeyCode::Esc => {
            state.filter = Default::default();
            state.refilter(None);
        }
        KeyCode::Enter => state.filter.editing = false,
        KeyCode::Backspace => {
            state.filter.query.pop();
            state.refilter(None);
            state.selected = 0;
        }
        KeyCode::Up => select(state, state.selected as isize - 1),
        KeyCode::Down => select(state, state.selected as isize + 1),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.filter.query.push(c);
            state.refilter(None);
            state.selected = 0;
        }
        _ => {}
    }
    state.offset = 0;
    ensure_visible(state);
}

fn on_main_key(state: &mut State, key: KeyEvent, effects: &mut Vec<Effect>) {
    let page = layout::list_rows(state.size).max(1) as isize;
    let sel = state.selected as isize;
    match key.code {
        KeyCode::Char('q') => quit_or_ask(state),
        KeyCode::Esc => {
            if state.status.is_some() {
                state.status = None;
            } else if !state.filter.query.is_empty() {
                state.filter = Default::default();
                state.refilter(None);
                ensure_visible(state);
            }
        }
        KeyCode::Tab => {
            let n = state.regions.len().max(1);
            switch_region(state, (state.active + 1) % n, effects);
        }
        KeyCode::BackTab => {
            let n = state.regions.len().max(1);
            switch_region(state, (state.active + n - 1) % n, effects);
        }
        KeyCode::Char(c @ '1'..='9') => {
            switch_region(state, c as usize - '1' as usize, effects);
        }
        KeyCode::Up | KeyCode::Char('k') => select(state, sel - 1),
        KeyCode::Down | KeyCode::Char('j') => select(state, sel + 1),
        KeyCode::PageUp => select(state, sel - page),
        KeyCode::PageDown => select(state, sel + page),
        KeyCode::Home => select(state, 0),
        KeyCode::End => select(state, isize::MAX),
        KeyCode::Char('/') => state.filter.editing = true,
        KeyCode::Char('a') => {
            state.popup = Some(Popup::Add(AddForm {
                name: Input::default(),
                grid: ScopeGrid::new(&state.catalog, None),
                focus: AddFocus::Name,
                error: None,
            }));
        }
        KeyCode::Char('?') => state.popup = Some(Popup::Help),
        KeyCode::Char('r') => {
            if let Some(r) = state.region() {
                let text = reloading(r);
                info(state, text);
                state.pending += 1;
                effects.push(Effect::Load {
                    region: state.active,
                });
            }
        }
        KeyCode::Char('S') => {
            state.popup = Some(Popup::Browser(Browser {
                scope: 0,
                app: 0,
                focus: BrowserFocus::Scopes,
                matrix: false,
                column: 0,
            }))
        }
        KeyCode::Char(c @ ('e' | 's' | 'R' | 'd' | 'c' | 'y' | 'v' | 't')) => {
            let Some(app) = state.selected_app().cloned() else {
                info(state, NOTHING_SELECTED.into());
                return;
            };
            on_app_key(state, c, &app, effects);
        }
        _ => state.dirty = false,
    }
}

/// Quits, unless that would lose a secret made in this session that was
/// neither shown nor copied: then asks first, saying whose.
fn quit_or_ask(state: &mut State) {
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

/// The guard of a dangerous confirmation opened by the current key.
fn guard(state: &State) -> Guard {
    Guard {
        opened_in: state.burst,
    }
}

/// Whether the current key came in the same burst as the key that opened the
/// confirmation `g` guards: such a key (a paste, say) never confirms it.
fn same_burst(state: &State, g: Guard) -> bool {
    state.burst == g.opened_in
}

/// What the status line says when keys that came in one burst with the one
/// that opened a dangerous confirmation cancelled it; the rest of the burst
/// is dropped.
fn cancel_by_burst(state: &mut State, what: &str) {
    state.dropped_burst = Some(state.burst);
    info(state, burst_note(what));
}

fn burst_note(what: &str) -> String {
    format!(
        "{what}: the keys after it arrived together with it (a paste?). Nothing was changed; press it again"
    )
}

fn on_app_key(state: &mut State, c: char, app: &Application, effects: &mut Vec<Effect>) {
    let id = app.client_id.clone();
    let name = app.client_name.to_string();
    match c {
        'e' => {
            state.popup = Some(Popup::Rename {
                id,
                input: Input::new(&name),
                name,
                error: None,
            })
        }
        's' => {
            state.popup = Some(Popup::Scopes {
                id,
                name,
                grid: ScopeGrid::new(&state.catalog, Some(app)),
            })
        }
        'R' => {
            state.popup = Some(Popup::ResetConfirm {
                id,
                name,
                guard: guard(state),
            })
        }
        'd' => {
            state.popup = Some(Popup::DeleteConfirm {
                id,
                name,
                input: Input::default(),
                error: None,
                guard: guard(state),
            })
        }
        'c' => effects.push(Effect::Copy {
            what: "Client ID",
            text: ClientSecret::from_string(id.to_string()),
        }),
        'y' => match state.reveal_of(&id) {
            Some(r) => {
                effects.push(Effect::Copy {
                    what: SECRET_COPY,
                    text: r.secret.clone(),
                });
                state.copying_secrets.push_back(id);
            }
            None => error(
                state,
                format!(
                    "The secret of {name} can no longer be copied: it is shown only for {} after it is made. R makes a new one",
                    clock(state.window_secs, true)
                ),
            ),
        },
        't' => test_token(state, app, effects),
        'v' => {
            if state.reveal_of(&id).is_some() {
                state.unmasked = !state.unmasked;
                if let Some(fresh) = state.fresh.get_mut(&id) {
                    fresh.delivered |= state.unmasked;
                }
            } else {
                info(
                    state,
                    format!("The secret of {name} can no longer be shown; R makes a new one"),
                );
            }
        }
        _ => {}
    }
}

/// `t`: asks for a token with the application's visible secret and every scope
/// it holds, and opens the panel that will show the answer.
fn test_token(state: &mut State, app: &Application, effects: &mut Vec<Effect>) {
    let name = app.client_name.to_string();
    let Some(reveal) = state.reveal_of(&app.client_id) else {
        info(
            state,
            format!(
                "No token test for {name}: its secret is no longer visible, and a token needs it. R makes a new one"
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
    state.pending += 1;
    effects.push(Effect::TestToken {
        region: state.active,
        id: app.client_id.clone(),
        secret,
        scopes: app.oauth_scopes(),
    });
}

/// A bracketed paste: text, never commands. It goes into the text field that
/// has the focus, as one line without control characters; anywhere else it is
/// ignored, and a dangerous confirmation it lands on is cancelled.
fn on_paste(state: &mut State, text: &str) {
    let line = pasted_line(text);
    match &mut state.popup {
        Some(Popup::Add(form)) if form.focus == AddFocus::Name => {
            insert_text(&mut form.name, &line);
            form.error = None;
        }
        Some(Popup::Rename { input, error, .. } | Popup::DeleteConfirm { input, error, .. }) => {
            insert_text(input, &line);
            *error = None;
        }
        Some(Popup::ResetConfirm { name, .. }) => {
            let text = format!("Reset cancelled by a paste; the secret of {name} is unchanged");
            state.popup = None;
            info(state, text);
        }
        Some(Popup::QuitConfirm { .. }) => {
            state.popup = None;
            info(state, "Not quitting: a paste is no answer".to_owned());
        }
        None if state.filter.editing => {
            let mut query = Input::new(&state.filter.query);
            insert_text(&mut query, &line);
            state.filter.query = query.text;
            state.refilter(None);
            state.selected = 0;
            state.offset = 0;
            ensure_visible(state);
        }
        _ => info(
            state,
            "Paste ignored: pasted text goes only into a text field, never runs as keys".to_owned(),
        ),
    }
}

/// Pasted text as one line: line breaks become spaces (a trailing one goes),
/// tabs too, and other control characters go.
fn pasted_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect()
}

/// Longest a text field grows: names are at most 64 characters, and a little
/// slack lets the error say so.
const INPUT_MAX: usize = 80;

fn insert_text(input: &mut Input, text: &str) {
    let room = INPUT_MAX.saturating_sub(input.text.chars().count());
    input.text.extend(text.chars().take(room));
}

/// Edits a text field; returns whether the key was one.
fn edit_text(input: &mut Input, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Backspace => {
            input.text.pop();
            true
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            input.text.clear();
            true
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            if input.text.chars().count() < INPUT_MAX {
                input.text.push(c);
            }
            true
        }
        _ => false,
    }
}

/// Moves and changes the grid; returns whether the key was one.
fn edit_grid(grid: &mut ScopeGrid, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => grid.move_cursor(-1),
        KeyCode::Down | KeyCode::Char('j') => grid.move_cursor(1),
        KeyCode::PageUp => grid.move_cursor(-8),
        KeyCode::PageDown => grid.move_cursor(8),
        KeyCode::Home => grid.cursor = 0,
        KeyCode::End => grid.move_cursor(isize::MAX / 2),
        KeyCode::Left | KeyCode::Char('h') => grid.step(false, false),
        KeyCode::Right | KeyCode::Char('l') => grid.step(true, false),
        KeyCode::Char(' ') => grid.step(true, true),
        _ => return false,
    }
    true
}

fn on_popup_key(state: &mut State, key: KeyEvent, effects: &mut Vec<Effect>) {
    let Some(popup) = state.popup.take() else {
        return;
    };
    state.popup = match popup {
        Popup::Add(form) => add_key(state, form, key, effects),
        Popup::Rename {
            id,
            name,
            mut input,
            ..
        } => match key.code {
            KeyCode::Esc => None,
            KeyCode::Enter => match AppName::parse(&input.text) {
                Ok(new_name) => {
                    state.retry = Some(Popup::Rename {
                        id: id.clone(),
                        name,
                        input: input.clone(),
                        error: None,
                    });
                    state.pending += 1;
                    effects.push(Effect::Rename {
                        region: state.active,
                        id,
                        name: new_name,
                    });
                    None
                }
                Err(e) => Some(Popup::Rename {
                    id,
                    name,
                    input,
                    error: Some(e.to_string()),
                }),
            },
            _ => {
                edit_text(&mut input, key);
                Some(Popup::Rename {
                    id,
                    name,
                    input,
                    error: None,
                })
            }
        },
        Popup::Scopes { id, name, mut grid } => match key.code {
            KeyCode::Esc | KeyCode::Char('q') => None,
            KeyCode::Enter => {
                let changes = grid.changes();
                if changes.is_empty() {
                    info(state, format!("No scope changes for {name}"));
                } else {
                    state.pending += 1;
                    effects.push(Effect::SetAccess {
                        region: state.active,
                        id,
                        changes,
                    });
                }
                None
            }
            _ => {
                edit_grid(&mut grid, key);
                Some(Popup::Scopes { id, name, grid })
            }
        },
        Popup::ResetConfirm { id, name, guard } => {
            reset_confirm_key(state, id, name, guard, key, effects)
        }
        Popup::DeleteConfirm {
            id,
            name,
            input,
            error,
            guard,
        } => delete_confirm_key(state, (id, name, input, error, guard), key, effects),
        Popup::QuitConfirm { names, guard } => quit_confirm_key(state, names, guard, key),
        Popup::Help => match key.code {
            KeyCode::Esc | KeyCode::Char('q' | '?') | KeyCode::Enter => None,
            _ => Some(Popup::Help),
        },
        Popup::Browser(b) => browser_key(state, b, key),
        Popup::Token(panel) => match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => None,
            // Again, once the last answer is in.
            KeyCode::Char('t') if panel.result.is_some() => match state.selected_app().cloned() {
                Some(app) if app.client_id == panel.id => {
                    test_token(state, &app, effects);
                    state.popup.take()
                }
                _ => Some(Popup::Token(panel)),
            },
            _ => Some(Popup::Token(panel)),
        },
    };
}

/// The reset confirmation: `y` resets, any other key cancels, and so does a
/// `y` that came in one burst with the `R` that opened it.
fn reset_confirm_key(
    state: &mut State,
    id: ClientId,
    name: String,
    guard: Guard,
    key: KeyEvent,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    if same_burst(state, guard) {
        cancel_by_burst(state, "Reset cancelled");
        return None;
    }
    match key.code {
        KeyCode::Char('y' | 'Y')
            if key.modifiers.is_empty() || key.modifiers == KeyModifiers::SHIFT =>
        {
            state.pending += 1;
            effects.push(Effect::ResetSecret {
                region: state.active,
                id,
            });
        }
        // The default is No, and a key that is not `y` is no answer: it cancels.
        _ => info(
            state,
            format!("Reset cancelled; the secret of {name} is unchanged"),
        ),
    }
    None
}

/// The fields of `Popup::DeleteConfirm`: id, name, typed name, error, guard.
type DeleteDialog = (ClientId, String, Input, Option<String>, Guard);

/// The delete confirmation: typing edits the name, Enter deletes once it is
/// the application's current name, and any other key cancels. Keys that came
/// in one burst with the `d` that opened it cancel it.
fn delete_confirm_key(
    state: &mut State,
    (id, name, mut input, _old_error, guard): DeleteDialog,
    key: KeyEvent,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    if same_burst(state, guard) {
        cancel_by_burst(state, "Delete cancelled");
        return None;
    }
    // The name it has now, not the one it had when the dialog opened.
    let Some(current) = state
        .apps()
        .iter()
        .find(|a| a.client_id == id)
        .map(|a| a.client_name.to_string())
    else {
        info(
            state,
            format!("{name} was deleted elsewhere; the dialog was closed"),
        );
        return None;
    };
    let error = match key.code {
        KeyCode::Enter if input.text.trim() == current => {
            state.pending += 1;
            effects.push(Effect::Delete {
                region: state.active,
                id,
                name: current,
            });
            return None;
        }
        KeyCode::Enter => {
            Some("That is not the name: type it exactly, or Esc to cancel".to_owned())
        }
        _ if edit_text(&mut input, key) => None,
        _ => {
            info(state, format!("Delete cancelled; {current} is unchanged"));
            return None;
        }
    };
    Some(Popup::DeleteConfirm {
        id,
        name: current,
        input,
        error,
        guard,
    })
}

/// Quitting would lose a fresh secret: `y` quits (so does a second Ctrl-C,
/// handled before), any other key stays.
fn quit_confirm_key(
    state: &mut State,
    names: Vec<String>,
    guard: Guard,
    key: KeyEvent,
) -> Option<Popup> {
    let confirmed = matches!(key.code, KeyCode::Char('y' | 'Y'))
        && (key.modifiers.is_empty() || key.modifiers == KeyModifiers::SHIFT);
    if same_burst(state, guard) {
        state.dropped_burst = Some(state.burst);
    } else if confirmed {
        state.quit = true;
        return None;
    }
    let what = names.join(", ");
    info(
        state,
        format!("Not quitting. The new secret of {what} is still here: v shows it, y copies it"),
    );
    None
}

fn add_key(
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
                state.pending += 1;
                effects.push(Effect::Create {
                    region: state.active,
                    new: NewApplication {
                        client_name: name,
                        grants: form.grid.grants(),
                        admin: false,
                    },
                });
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

fn browser_key(state: &mut State, mut b: Browser, key: KeyEvent) -> Option<Popup> {
    let n_scopes = state.catalog.scopes().count();
    let clamp = |v: isize, len: usize| v.clamp(0, len.saturating_sub(1) as isize) as usize;
    match key.code {
        KeyCode::Esc | KeyCode::Char('q' | 'S') => return None,
        KeyCode::Char('m') => {
            b.matrix = !b.matrix;
            b.app = 0;
        }
        _ if b.matrix => {
            let n_apps = state.apps().len();
            match key.code {
                KeyCode::Up | KeyCode::Char('k') => b.app = clamp(b.app as isize - 1, n_apps),
                KeyCode::Down | KeyCode::Char('j') => b.app = clamp(b.app as isize + 1, n_apps),
                KeyCode::PageUp => b.app = clamp(b.app as isize - 10, n_apps),
                KeyCode::PageDown => b.app = clamp(b.app as isize + 10, n_apps),
                KeyCode::Home => b.app = 0,
                KeyCode::End => b.app = n_apps.saturating_sub(1),
                KeyCode::Left | KeyCode::Char('h') => b.column = b.column.saturating_sub(1),
                KeyCode::Right | KeyCode::Char('l') => {
                    b.column = clamp(b.column as isize + 1, n_scopes)
                }
                KeyCode::Enter => {
                    if let Some(app) = state.apps().get(b.app) {
                        let id = app.client_id.clone();
                        jump_to(state, id);
                        return None;
                    }
                }
                _ => {}
            }
        }
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
                    b.scope = clamp(b.scope as isize + delta, n_scopes);
                    b.app = 0;
                }
                BrowserFocus::Apps => {
                    let n = state.holders(b.scope).len();
                    b.app = clamp(b.app as isize + delta, n);
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

/// Selects the application `id` in the list, clearing a filter that hides it.
fn jump_to(state: &mut State, id: ClientId) {
    state.filter = Default::default();
    state.refilter(Some(id));
    state.unmasked = false;
    ensure_visible(state);
}

fn on_mouse(state: &mut State, m: MouseEvent, effects: &mut Vec<Effect>) {
    if state.popup.is_some() {
        return;
    }
    match m.kind {
        MouseEventKind::ScrollDown => {
            select(state, state.selected as isize + 3);
            state.dirty = true;
        }
        MouseEventKind::ScrollUp => {
            select(state, state.selected as isize - 3);
            state.dirty = true;
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if m.row == 0 {
                let spans = layout::tab_spans(state, state.size.0);
                if let Some(i) = spans
                    .iter()
                    .position(|&(a, b)| m.column >= a && m.column < b)
                {
                    switch_region(state, i, effects);
                    state.dirty = true;
                }
                return;
            }
            let rows = layout::list_first_row(state.size);
            if m.column >= rows.x
                && m.column < rows.x + rows.width
                && m.row >= rows.y
                && m.row < rows.y + rows.height
            {
                let i = state.offset + (m.row - rows.y) as usize;
                if i < state.visible.len() {
                    select(state, i as isize);
                    state.dirty = true;
                }
            }
        }
        _ => {}
    }
}
