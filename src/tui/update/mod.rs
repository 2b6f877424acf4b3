//! `update(state, msg) -> effects`: every change to the UI happens here, without
//! I/O, so each key's behaviour is a plain unit test.
//!
//! Split the way `view/popups/` is: the main screen and the filter, one module
//! per popup (each a pure key handler), the registry's results, and the
//! clipboard's. This file routes messages and keys to them and holds what they
//! share: the status line, background calls and the burst guards.

mod add;
mod audit;
mod browser;
mod copy;
mod copy_as;
mod delete;
mod edit;
mod filter;
mod help;
mod main_screen;
mod mouse;
mod new_secret;
mod palette;
mod paste;
mod quit;
mod rename;
mod results;
mod retire;
mod scopes;
mod suspend;
mod token;
mod trash;

#[cfg(test)]
mod tests;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::effect::Effect;
use super::keys::{self, Action, Place};
use super::layout;
use super::msg::Msg;
use super::state::{Guard, Popup, State, Status, StatusKind};

/// What the UI does first: list the region it opens on.
pub fn start(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    let region = state.active;
    start_call(state, &mut effects, Effect::Load { region });
    effects
}

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
            paste::on_paste(state, &text);
        }
        Msg::Mouse(m) => mouse::on_mouse(state, m, &mut effects),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            ensure_visible(state);
            state.dirty = true;
        }
        Msg::Tick => on_tick(state, &mut effects),
        Msg::Poll => results::on_poll(state, &mut effects),
        Msg::Copied { what, result } => copy::on_copied(state, what, result),
        Msg::ClipboardCleared { result } => copy::on_cleared(state, result),
        Msg::ReadOnly { region, why } => {
            if let Some(tab) = state.regions.get_mut(region) {
                tab.read_only = tab.read_only.or(Some(why));
                state.dirty = true;
            }
        }
        Msg::TokenTested { id, result } => token::on_tested(state, id, result),
        Msg::AuditLoaded {
            region,
            client_id,
            result,
        } => audit::on_loaded(state, region, client_id, result),
        Msg::TrashLoaded { region, result } => trash::on_loaded(state, region, result),
        Msg::Restored { region, result } => trash::on_restored(state, region, result, &mut effects),
        Msg::Purged {
            region,
            name,
            result,
        } => trash::on_purged(state, region, name, result, &mut effects),
        registry @ (Msg::Loaded { .. }
        | Msg::Refreshed { .. }
        | Msg::Created { .. }
        | Msg::Updated { .. }
        | Msg::SecretReset { .. }
        | Msg::SecretRotated { .. }
        | Msg::SecretRetired { .. }
        | Msg::Deleted { .. }) => results::on_result(state, registry),
    }
    effects
}

fn on_key(state: &mut State, key: KeyEvent, effects: &mut Vec<Effect>) {
    if keys::action(Place::Anywhere, key) == Some(Action::ForceQuit) {
        // A second Ctrl-C quits even when a fresh secret would be lost.
        if matches!(state.popup, Some(Popup::QuitConfirm { .. })) {
            state.quit = true;
        } else {
            main_screen::quit_or_ask(state);
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
    let action = keys::action(Place::of(state), key);
    if state.popup.is_some() {
        on_popup_key(state, action, key, effects);
    } else if state.filter.editing {
        filter::on_key(state, action, key);
    } else {
        main_screen::on_key(state, action, key, effects);
    }
}

/// Hands the key to the open popup's own handler; what it returns is the
/// popup from now on (`None` closes it).
fn on_popup_key(
    state: &mut State,
    action: Option<Action>,
    key: KeyEvent,
    effects: &mut Vec<Effect>,
) {
    let Some(popup) = state.popup.take() else {
        return;
    };
    let pressed = (action, key);
    state.popup = match popup {
        Popup::Add(form) => add::on_key(state, form, pressed, effects),
        Popup::Rename {
            id,
            name,
            input,
            error,
        } => {
            let dialog = rename::Dialog {
                id,
                name,
                input,
                error,
            };
            rename::on_key(state, dialog, pressed, effects)
        }
        Popup::Scopes { id, name, grid } => {
            scopes::on_key(state, (id, name, grid), action, effects)
        }
        Popup::NewSecret { id, name, guard } => {
            new_secret::on_key(state, (id, name, guard), action, effects)
        }
        Popup::RetireConfirm { id, name, guard } => {
            retire::on_key(state, (id, name, guard), action, effects)
        }
        Popup::SuspendConfirm {
            id,
            name,
            suspend,
            guard,
        } => suspend::on_key(state, (id, name, suspend, guard), action, effects),
        Popup::DeleteConfirm {
            id,
            name,
            input,
            error,
            guard,
        } => delete::on_key(state, (id, name, input, error, guard), pressed, effects),
        Popup::QuitConfirm { names, guard } => quit::on_key(state, names, guard, action),
        Popup::Help => help::on_key(action),
        Popup::Browser(b) => browser::on_key(state, b, action),
        Popup::Token(panel) => token::on_key(state, panel, action, effects),
        Popup::Audit(log) => audit::on_key(state, log, action, effects),
        Popup::Trash(view) => trash::on_key(state, view, action, effects),
        Popup::Palette(p) => palette::on_key(state, p, pressed, effects),
        Popup::CopyAs { id, name } => copy_as::on_key(state, (id, name), action, effects),
    };
}

/// The one-second timer.
fn on_tick(state: &mut State, effects: &mut Vec<Effect>) {
    copy::tick(state, effects);
    if state.pending > 0 {
        state.spinner = state.spinner.wrapping_add(1);
        state.dirty = true;
    }
    if state
        .selected_app()
        .is_some_and(|a| state.reveals.contains_key(&a.client_id) || a.retiring_secret().is_some())
        || matches!(state.popup, Some(Popup::Token(_)))
    {
        // A countdown on screen moved on by a second (or a retiring secret's
        // ran out, and it leaves the screen).
        state.dirty = true;
    }
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
                format!(
                    "The secret of {name} can no longer be shown; {}",
                    makes_a_new_one()
                ),
            );
        }
    }
}

/// "R makes a new one", with the key the table gives: what to do about a
/// secret that can no longer be shown.
fn makes_a_new_one() -> String {
    format!("{} makes a new one", keys::key_of(Action::NewSecret))
}

/// "v shows it, y copies it", with the keys the table gives.
fn shows_and_copies(it: &str) -> String {
    format!(
        "{} shows{it}, {} copies{it}",
        keys::key_of(Action::ShowSecret),
        keys::key_of(Action::CopySecret)
    )
}

/// What the status line says when a write key is pressed in a region that
/// only reads: nothing opens, nothing changes.
fn refuse_read_only(state: &mut State, why: crate::model::ReadOnly) {
    let name = state.region().map_or("", |r| r.name.as_str()).to_owned();
    info(
        state,
        format!("read-only: region {name} takes no changes ({why})"),
    );
}

/// Starts a background call (a registry call or a token test): the spinner
/// turns until [`finish_call`] says it came back.
fn start_call(state: &mut State, effects: &mut Vec<Effect>, call: Effect) {
    state.pending += 1;
    effects.push(call);
}

/// A call started by [`start_call`] came back.
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

/// Rows of applications the list shows at the current size.
fn list_rows(state: &State) -> usize {
    layout::list_rows(state.size).max(1)
}

/// Keeps the selection inside the list's window.
fn ensure_visible(state: &mut State) {
    let rows = list_rows(state);
    state.list.ensure_visible(rows);
}

/// Selects row `index` of the list; moving away masks the secret again.
fn select(state: &mut State, index: isize) {
    let rows = list_rows(state);
    if state.list.select(index, rows) {
        state.unmasked = false;
    }
}

/// Moves the selection `pages` screens of rows down (up when negative).
fn page(state: &mut State, pages: isize) {
    let rows = list_rows(state);
    if state.list.page(pages, rows) {
        state.unmasked = false;
    }
}

/// Selects the application `id` in the list, clearing a filter that hides it.
fn jump_to(state: &mut State, id: crate::model::ClientId) {
    state.filter = Default::default();
    state.refilter(Some(id));
    state.unmasked = false;
    ensure_visible(state);
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
