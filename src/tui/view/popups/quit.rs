//! Asked before quitting would lose a secret made in this session that was
//! neither shown nor copied.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::dialog;
use crate::tui::layout::{quit_buttons, quit_dialog};
use crate::tui::view::theme::Theme;

pub fn draw(names: &[String], frame: &mut Frame, area: Rect, t: Theme) {
    let r = quit_dialog(area);
    let block = dialog(frame, r, " Quit and lose the new secret? ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let whose = crate::text::one_line(&names.join(", ")).into_owned();
    let lines = vec![
        Line::from(Span::styled(whose, t.bold())),
        Line::from(""),
        Line::from(
            "Its new secret was neither shown nor copied. After quitting it can never be seen again: only a new one (R) replaces it.",
        ),
    ];
    // The buttons sit where a click finds them (`layout::quit_buttons`).
    let [quit, stay] = quit_buttons(area);
    let text = Rect::new(
        inner.x,
        inner.y,
        inner.width,
        quit.y.saturating_sub(inner.y + 1),
    );
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    let quit_label = Line::from(vec![
        Span::raw("[ "),
        Span::styled("y", t.key()),
        Span::raw(" Quit ]"),
    ]);
    frame.render_widget(Paragraph::new(quit_label), quit);
    frame.render_widget(
        Paragraph::new(Span::styled("[ N Stay ]", t.selected())),
        stay,
    );
}
