//! The clipboard's results: a copy that finished or failed, the countdown to
//! its clear, and the clear.

use super::{error, info};
use crate::clipboard::Kind;
use crate::tui::effect::Effect;
use crate::tui::msg::CopyInfo;
use crate::tui::state::{CopyNote, State, StatusKind};

pub(super) fn on_copied(state: &mut State, what: Kind, result: Result<CopyInfo, String>) {
    match result {
        Ok(copy) => {
            copy_done(state, what, true);
            let mut text = format!("✓ {} {}", what.label(), copy.how);
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
                format!("Cannot copy the {}: {e}", what.label().to_lowercase()),
            )
        }
    }
}

pub(super) fn on_cleared(state: &mut State, result: Result<String, String>) {
    match result {
        Ok(text) => info(state, text),
        Err(e) => error(state, format!("Cannot clear the clipboard: {e}")),
    }
}

/// A copy finished: a secret copied without failure is delivered, so quitting
/// no longer loses it. Copies finish in the order `y` and `Y` asked for them.
fn copy_done(state: &mut State, what: Kind, copied: bool) {
    if !what.holds_secret() {
        return;
    }
    let Some(id) = state.copying_secrets.pop_front() else {
        return;
    };
    if copied && let Some(fresh) = state.fresh.get_mut(&id) {
        fresh.delivered = true;
    }
}

/// Moves the copy countdown on, and asks for the clear when it is due.
pub(super) fn tick(state: &mut State, effects: &mut Vec<Effect>) {
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
