//! The help screen: every key of the main screen, from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use unicode_width::UnicodeWidthStr;

use super::{Hidden, dialog, more_marks};
use crate::tui::layout::centered;
use crate::tui::view::text::{fit, truncate};
use crate::tui::view::theme::Theme;

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
    let rows = crate::tui::keys::help_rows();
    let want_w = rows
        .iter()
        .map(|(_, what)| KEYS_W + what.width())
        .max()
        .unwrap_or(0)
        .max(NOTE_W)
        + 2;
    // The palette's commands, below the keys, when the screen has room for
    // them all (at 80x24 the palette lists them itself).
    let commands: Vec<(String, &str)> = crate::tui::palette::COMMANDS
        .iter()
        .map(|c| (c.usage(), c.help))
        .collect();
    let with_commands = rows.len() + commands.len() + 5 <= body.height as usize;
    let extra = if with_commands { commands.len() + 2 } else { 0 };
    let r = centered(body, want_w as u16, (rows.len() + extra) as u16 + 3);
    let block = dialog(frame, r, " Keys ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let desc_w = w.saturating_sub(KEYS_W);
    let mut lines: Vec<Line> = rows
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(fit(k, KEYS_W), t.key()),
                Span::raw(truncate(what, desc_w)),
            ])
        })
        .collect();
    if with_commands {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            truncate("Commands: press :, type, Tab completes, Enter runs", w),
            t.bold(),
        )));
        lines.extend(commands.iter().map(|(usage, what)| {
            Line::from(vec![
                Span::styled(fit(usage, KEYS_W), t.key()),
                Span::raw(truncate(what, desc_w)),
            ])
        }));
    }
    // The blank line before the note goes first when the screen is short.
    if lines.len() + 2 <= inner.height as usize {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        truncate(&note(window_secs), w),
        t.dim(),
    )));
    let below = lines.len().saturating_sub(inner.height as usize);
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
