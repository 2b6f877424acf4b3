//! Rename, and the confirm-then-act delete dialog.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{dialog, input_line};
use crate::model::ClientId;
use crate::tui::layout::centered;
use crate::tui::state::Input;
use crate::tui::view::theme::Theme;

pub fn draw_rename(input: &Input, error: &Option<String>, frame: &mut Frame, area: Rect, t: Theme) {
    let r = centered(area, 64, 6);
    let block = dialog(frame, r, " Rename ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let lines = vec![
        input_line("Name  ", &input.text, true, inner.width, t),
        match error {
            Some(e) => Line::from(Span::styled(e.clone(), t.error())),
            None => Line::from(Span::styled(
                "The client ID and secret stay the same.",
                t.dim(),
            )),
        },
        Line::from(vec![
            Span::styled("Enter", t.key()),
            Span::raw(" saves  "),
            Span::styled("Esc", t.key()),
            Span::raw(" cancels"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// `z`: suspend (or resume) the application? Only `y` confirms.
pub fn draw_suspend(
    id: &ClientId,
    name: &str,
    suspend: bool,
    frame: &mut Frame,
    area: Rect,
    t: Theme,
) {
    let r = centered(area, 66, 7);
    let (title, what, verb) = if suspend {
        (
            " Suspend application? ",
            "It gets no token from its next request on, wherever it runs, until resumed. Its secrets stay as they are.",
            " Suspend ]  ",
        )
    } else {
        (
            " Resume application? ",
            "It gets tokens again with its current secret.",
            " Resume ]  ",
        )
    };
    let block = dialog(frame, r, title, t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let lines = vec![
        Line::from(Span::styled(format!("{name} ({})", id.short()), t.bold())),
        Line::from(what),
        Line::from(vec![
            Span::raw("[ "),
            Span::styled("y", t.key()),
            Span::raw(verb),
            Span::raw("[ "),
            Span::styled("any other key", t.key()),
            Span::raw(" Cancel ]"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn draw_delete(
    trash_days: u32,
    (id, name): (&ClientId, &str),
    input: &Input,
    error: &Option<String>,
    frame: &mut Frame,
    area: Rect,
    t: Theme,
) {
    let r = centered(area, 66, 10);
    let block = dialog(frame, r, " Delete application? ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let lines = vec![
        Line::from(Span::styled(format!("{name} ({})", id.short()), t.bold())),
        Line::from(format!(
            "Its credentials stop working at once. It stays in the trash for {trash_days} days (keyward apps restore), then it is gone."
        )),
        Line::from("Type the application's name to confirm:"),
        input_line("", &input.text, true, inner.width, t),
        match error {
            Some(e) => Line::from(Span::styled(e.clone(), t.error())),
            None => Line::from(""),
        },
        Line::from(vec![
            Span::styled("Enter", t.key()),
            Span::raw(" deletes  "),
            Span::styled("Esc", t.key()),
            Span::raw(" cancels"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
