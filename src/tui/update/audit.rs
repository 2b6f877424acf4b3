//! The audit log popup: `l` opens the selected application's log, `L` the
//! whole region's, newest first; it scrolls and reloads. Read through an
//! effect, so a slow store or server never holds a frame.

use crate::model::ClientId;
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::msg::CallResult;
use crate::tui::state::{AuditLog, Popup, State};

/// Opens the log of `app` (its client ID and name), or of the region.
pub(super) fn open(state: &mut State, app: Option<(ClientId, String)>, effects: &mut Vec<Effect>) {
    let region = state.active;
    let (client_id, about) = match app {
        Some((id, name)) => (Some(id), name),
        None => (
            None,
            format!(
                "region {}",
                state
                    .region()
                    .map(|r| r.region.to_string())
                    .unwrap_or_default()
            ),
        ),
    };
    effects.push(Effect::LoadAudit {
        region,
        client_id: client_id.clone(),
    });
    state.popup = Some(Popup::Audit(AuditLog {
        region,
        client_id,
        about,
        events: None,
        scroll: 0,
    }));
}

/// The events the popup shows at once: the screen less the header, the
/// footer and the popup's frame (see `view/popups/audit.rs`).
pub(crate) fn visible_rows(state: &State) -> usize {
    usize::from(state.size.1.saturating_sub(5)).max(1)
}

pub(super) fn on_key(
    state: &mut State,
    mut log: AuditLog,
    action: Option<Action>,
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    let page = visible_rows(state);
    // The last page stays full rather than scrolling into emptiness.
    let last = match &log.events {
        Some(Ok(events)) => events.len().saturating_sub(page),
        _ => 0,
    };
    log.scroll = match action {
        Some(Action::Close) => return None,
        Some(Action::Reload) => {
            effects.push(Effect::LoadAudit {
                region: log.region,
                client_id: log.client_id.clone(),
            });
            log.events = None;
            0
        }
        Some(Action::Up) => log.scroll.saturating_sub(1),
        Some(Action::Down) => (log.scroll + 1).min(last),
        Some(Action::PageUp) => log.scroll.saturating_sub(page),
        Some(Action::PageDown) => (log.scroll + page).min(last),
        Some(Action::Top) => 0,
        Some(Action::Bottom) => last,
        _ => {
            state.dirty = false;
            log.scroll
        }
    };
    Some(Popup::Audit(log))
}

/// The log came: shown if its popup is still the one open.
pub(super) fn on_loaded(
    state: &mut State,
    region: usize,
    client_id: Option<ClientId>,
    result: CallResult<Vec<crate::model::AuditEvent>>,
) {
    if let Some(Popup::Audit(log)) = &mut state.popup
        && log.region == region
        && log.client_id == client_id
    {
        log.events = Some(result.map_err(|e| e.text().to_owned()));
        log.scroll = 0;
        state.dirty = true;
    }
}
