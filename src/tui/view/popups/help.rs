//! The help screen: every key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use unicode_width::UnicodeWidthStr;

use super::{Hidden, dialog, more_marks};
use crate::tui::layout::centered;
use crate::tui::view::text::{fit, truncate};
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
    ("R", "reset the secret (asks; only y confirms)"),
    ("S", "scope browser; m switches to the matrix"),
    ("d", "delete (type the name to confirm)"),
    ("c", "copy the client ID"),
    ("y", "copy the secret while it is visible"),
    ("v", "show or mask the visible secret"),
    ("t", "test: get a token with the visible secret"),
    ("r", "reload (others' changes also show within 10 s)"),
    ("?", "this help"),
    ("q", "quit, or close the open dialog"),
    (
        "Ctrl-C",
        "quit from anywhere (asks if a new secret is unseen)",
    ),
];

/// The key column: as wide as the widest keys.
const KEYS_W: usize = 23;

pub fn draw(window_secs: u64, frame: &mut Frame, area: Rect, t: Theme) {
    // Between the header and the footer, which stays visible (it says how to
    // close help); as wide as the descriptions need, or the screen allows.
    let body = Rect::new(
        area.x,
        area.y + 1.min(area.height),
        area.width,
        area.height.saturating_sub(3),
    );
    let want_w = HELP
        .iter()
        .map(|(_, what)| KEYS_W + what.width())
        .max()
        .unwrap_or(0)
        .max(NOTE_W)
        + 2;
    let r = centered(body, want_w as u16, HELP.len() as u16 + 4);
    let block = dialog(frame, r, " Keys ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let desc_w = w.saturating_sub(KEYS_W);
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(fit(k, KEYS_W), t.key()),
                Span::raw(truncate(what, desc_w)),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        truncate(&note(window_secs), w),
        t.dim(),
    )));
    let rows = inner.height as usize;
    let below = lines.len().saturating_sub(rows);
    frame.render_widget(Paragraph::new(lines), inner);
    more_marks(
        frame,
        r,
        Hidden {
            below,
            ..Hidden::default()
        },
        t,
    );
}

/// The width of [`note`]'s text.
const NOTE_W: usize = 64;

fn note(window_secs: u64) -> String {
    format!(
        "A new secret can be seen and copied for {}, then never again.",
        crate::text::clock(window_secs, true)
    )
}
