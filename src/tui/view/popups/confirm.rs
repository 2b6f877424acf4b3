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

pub fn draw_delete(
    id: &ClientId,
    name: &str,
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
        Line::from("Its client ID and secret stop working at once, for good."),
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
