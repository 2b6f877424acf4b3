//! The command palette (`:`): the prompt, why the last Enter ran nothing,
//! and the candidates, the chosen one highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{Hidden, dialog, input_line, more_marks};
use crate::tui::layout::palette_area;
use crate::tui::palette::{candidates, window};
use crate::tui::state::{Palette, State};
use crate::tui::view::text::{fit, truncate};
use crate::tui::view::theme::Theme;

/// The widest label column: `:region <id>` and most application names.
const LABEL_W: usize = 24;

pub fn draw(state: &State, p: &Palette, frame: &mut Frame, area: Rect, t: Theme) {
    let all = candidates(state, &p.input.text);
    let (first, shown) = window(p.selected, all.len());
    let hint = all.is_empty() && p.error.is_none();
    let extra = 1 + usize::from(p.error.is_some()) + usize::from(hint);
    let r = palette_area(area, (extra + shown) as u16);
    let block = dialog(frame, r, " Command ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let mut lines = vec![input_line(":", &p.input.text, true, inner.width, t)];
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(truncate(e, w), t.error())));
    }
    if hint {
        lines.push(Line::from(Span::styled(
            truncate("Nothing matches; Enter says why", w),
            t.dim(),
        )));
    }
    let label_w = all
        .iter()
        .map(|c| c.label.width() + 3)
        .max()
        .unwrap_or(0)
        .min(LABEL_W);
    for (i, c) in all.iter().enumerate().skip(first).take(shown) {
        let sel = i == p.selected;
        let head = fit(
            &format!("{} {}", if sel { "▶" } else { " " }, c.label),
            label_w,
        );
        let help = truncate(&c.help, w.saturating_sub(label_w));
        let line = if sel {
            Line::from(Span::styled(fit(&format!("{head}{help}"), w), t.selected()))
        } else {
            Line::from(vec![Span::raw(head), Span::styled(help, t.dim())])
        };
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
    more_marks(
        frame,
        r,
        Hidden {
            above: first,
            below: all.len() - first - shown,
            ..Hidden::default()
        },
        t,
    );
}
