//! A bracketed paste: text, never commands.

use super::edit::insert_text;
use super::{ensure_visible, info};
use crate::tui::state::{AddFocus, Input, Popup, State};

/// It goes into the text field that has the focus, as one line without
/// control characters; anywhere else it is ignored, and a dangerous
/// confirmation it lands on is cancelled.
pub(super) fn on_paste(state: &mut State, text: &str) {
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
        Some(Popup::Palette(p)) => {
            insert_text(&mut p.input, &line);
            p.selected = 0;
            p.error = None;
        }
        Some(Popup::NewSecret { name, .. }) => {
            let text =
                format!("New secret cancelled by a paste; the secret of {name} is unchanged");
            state.popup = None;
            info(state, text);
        }
        Some(Popup::RetireConfirm { name, .. }) => {
            let text =
                format!("Retire cancelled by a paste; the old secret of {name} keeps working");
            state.popup = None;
            info(state, text);
        }
        Some(Popup::SuspendConfirm { name, .. }) => {
            let text = format!("Cancelled by a paste; {name} is unchanged");
            state.popup = None;
            info(state, text);
        }
        Some(Popup::Trash(view)) if view.confirm.is_some() => {
            view.confirm = None;
            info(
                state,
                "Cancelled by a paste; the trash is unchanged".to_owned(),
            );
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
            state.list.top();
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
