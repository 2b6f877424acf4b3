//! The two dialogs about secrets: `R` (rotate, the highlighted default; reset
//! now; cancel) and `x` (retire the old secret). Both are dangerous
//! confirmations: only their own keys act, any other key cancels.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::dialog;
use crate::model::ClientId;
use crate::text::clock;
use crate::tui::keys::{Action, Place, key_of, label_in};
use crate::tui::layout::centered;
use crate::tui::state::State;
use crate::tui::view::text::{fit, truncate, wrap};
use crate::tui::view::theme::Theme;

/// The column where a choice's words start, after its key.
const KEY_W: usize = 8;

/// A choice: its key and name on one row (highlighted for the default), what
/// it does wrapped below, indented under the name.
fn choice(
    (key, name): (&str, &str),
    what: &str,
    highlight: bool,
    w: usize,
    t: Theme,
) -> Vec<Line<'static>> {
    let head_style = if highlight {
        t.selected()
    } else {
        Style::new()
    };
    let head = fit(&format!(" {}", truncate(key, KEY_W - 2)), KEY_W);
    let mut lines = vec![Line::from(vec![
        Span::styled(head, if highlight { head_style } else { t.key() }),
        Span::styled(fit(name, w.saturating_sub(KEY_W)), head_style),
    ])];
    if what.is_empty() {
        return lines;
    }
    for piece in wrap(what, w.saturating_sub(KEY_W), w.saturating_sub(KEY_W)) {
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(KEY_W)),
            Span::styled(piece, t.dim()),
        ]));
    }
    lines
}

/// What rotating would do, said with the deadline it would set (local time),
/// or why it would be refused now.
fn rotate_words(state: &State, id: &ClientId) -> String {
    let retiring = state
        .apps()
        .iter()
        .find(|a| &a.client_id == id)
        .and_then(|a| state.retiring_of(a))
        .and_then(|s| s.expires_at);
    if let Some(until) = retiring {
        return format!(
            "refused for now: the old secret still works until {}. {} retires it first; a reset ends both",
            state.local_time(until),
            key_of(Action::Retire)
        );
    }
    let grace = state.rotation_grace;
    if grace <= chrono::Duration::zero() {
        return "the current secret stops at once too: rotation_grace is 0s".to_owned();
    }
    let secs = grace.num_seconds().unsigned_abs();
    format!(
        "the current secret keeps working until {} (in {}), then stops",
        state.local_time(state.now + grace),
        clock(secs, false)
    )
}

pub fn draw_new_secret(
    state: &State,
    id: &ClientId,
    name: &str,
    frame: &mut Frame,
    area: Rect,
    t: Theme,
) {
    let w = (area.width.min(WIDTH) as usize).saturating_sub(2);
    let mut lines = vec![
        Line::from(Span::styled(
            truncate(&format!("{name} ({})", id.short()), w),
            t.bold(),
        )),
        Line::from(""),
    ];
    let rotate = label_in(Place::NewSecret, Action::Rotate);
    let reset = label_in(Place::NewSecret, Action::ResetNow);
    lines.extend(choice(
        (rotate, "Rotate (for routine changes)"),
        &rotate_words(state, id),
        true,
        w,
        t,
    ));
    lines.extend(choice(
        (reset, "Reset now"),
        "stops working at once; for a leaked secret",
        false,
        w,
        t,
    ));
    lines.extend(choice(
        ("Esc", "Cancel (so does any other key)"),
        "",
        false,
        w,
        t,
    ));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        truncate(
            &format!(
                "The new secret can be seen and copied for {}.",
                clock(state.window_secs, true)
            ),
            w,
        ),
        t.dim(),
    )));
    draw_dialog(frame, area, " New client secret? ", lines, t);
}

/// How wide both dialogs are, screen allowing.
const WIDTH: u16 = 66;

/// Draws a dialog as tall as its `lines`, centred in `area`.
fn draw_dialog(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, t: Theme) {
    let r = centered(area, WIDTH, lines.len() as u16 + 2);
    let block = dialog(frame, r, title, t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_retire(
    state: &State,
    id: &ClientId,
    name: &str,
    frame: &mut Frame,
    area: Rect,
    t: Theme,
) {
    let w = (area.width.min(WIDTH) as usize).saturating_sub(2);
    let app = state.apps().iter().find(|a| &a.client_id == id);
    let usage = app
        .and_then(|a| state.retiring_of(a))
        .map_or_else(String::new, |s| match s.last_used_at {
            Some(at) => {
                let from = s
                    .last_used_from
                    .as_deref()
                    .map_or_else(String::new, |f| format!(", from {f}"));
                format!(
                    " It was last used {}{from}.",
                    crate::tui::view::ago(state.now, at)
                )
            }
            None => " It was never used since the rotation.".to_owned(),
        });
    let mut lines = vec![
        Line::from(Span::styled(
            truncate(&format!("{name} ({})", id.short()), w),
            t.bold(),
        )),
        Line::from(""),
    ];
    let words = format!(
        "The old secret stops working now, for every platform that still uses it.{usage} The current secret stays."
    );
    lines.extend(wrap(&words, w, w).into_iter().map(Line::from));
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::raw(" ".repeat(w.saturating_sub(27))),
        Span::raw("[ "),
        Span::styled("y", t.key()),
        Span::raw(" Retire ]  "),
        Span::styled("[ N Cancel ]", t.selected()),
    ]));
    draw_dialog(frame, area, " Retire the old secret? ", lines, t);
}
