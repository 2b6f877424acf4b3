//! The audit log popup: one readable line per event, newest first:
//! `2026-11-25 14:02 alice@ops-1 (tui) reset secret of Payroll sync` (UTC).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Hidden, dialog, more_marks};
use crate::tui::state::AuditLog;
use crate::tui::view::text::truncate;
use crate::tui::view::theme::Theme;

pub fn draw(log: &AuditLog, frame: &mut Frame, area: Rect, t: Theme) {
    // Between the header and the footer, which says how to scroll and close.
    let r = Rect::new(
        area.x,
        area.y + 1.min(area.height),
        area.width,
        area.height.saturating_sub(3),
    );
    let title = format!(" Audit log: {} (newest first, UTC) ", log.about);
    let block = dialog(frame, r, &title, t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let rows = inner.height as usize;
    let events = match &log.events {
        None => {
            let line = Line::from(Span::styled("Reading the log…", t.dim()));
            frame.render_widget(Paragraph::new(line), inner);
            return;
        }
        Some(Err(e)) => {
            let line = Line::from(Span::styled(
                truncate(&format!("Cannot read the log: {e}"), w),
                t.error(),
            ));
            frame.render_widget(Paragraph::new(line), inner);
            return;
        }
        Some(Ok(events)) if events.is_empty() => {
            let line = Line::from(Span::styled("No changes recorded yet.", t.dim()));
            frame.render_widget(Paragraph::new(line), inner);
            return;
        }
        Some(Ok(events)) => events,
    };
    // The last page stays full rather than scrolling into emptiness.
    let top = log.scroll.min(events.len().saturating_sub(rows));
    let lines: Vec<Line> = events
        .iter()
        .skip(top)
        .take(rows)
        .map(|e| Line::from(Span::raw(truncate(&crate::text::printable(&e.line()), w))))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    more_marks(
        frame,
        r,
        Hidden {
            above: top,
            below: events.len().saturating_sub(top + rows),
            ..Hidden::default()
        },
        t,
    );
}
