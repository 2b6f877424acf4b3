//! The help screen: every key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::dialog;
use crate::tui::view::layout::centered;
use crate::tui::view::text::fit;
use crate::tui::view::theme::Theme;

const HELP: &[(&str, &str)] = &[
    ("Tab Shift-Tab 1..9", "switch region (or click a tab)"),
    (
        "↑ ↓ PgUp PgDn Home End",
        "move in the list (wheel scrolls, click selects)",
    ),
    ("/", "fuzzy filter; Esc clears it"),
    ("a", "add an application"),
    ("e", "rename"),
    ("s", "scope editor: ←→ or Space change access"),
    ("R", "reset the secret (asks first; default No)"),
    ("S", "scope browser; m switches to the matrix"),
    ("d", "delete (type the name to confirm)"),
    ("c", "copy the client ID"),
    ("y", "copy the secret while it is visible"),
    ("v", "show or mask the visible secret"),
    ("t", "test: get a token with the visible secret"),
    ("r", "reload (others' changes also show within 10 s)"),
    ("?", "this help"),
    ("q", "quit, or close the open dialog"),
    ("Ctrl-C", "quit from anywhere"),
];

pub fn draw(window_secs: u64, frame: &mut Frame, area: Rect, t: Theme) {
    let r = centered(area, 72, HELP.len() as u16 + 5);
    let block = dialog(frame, r, " Keys ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(k, what)| Line::from(vec![Span::styled(fit(k, 24), t.key()), Span::raw(*what)]))
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!(
            "A new secret can be seen and copied for {}, then never again.",
            crate::tui::update::mm_ss(window_secs)
        ),
        t.dim(),
    )));
    frame.render_widget(Paragraph::new(lines), inner);
}
