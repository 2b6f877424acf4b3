//! The trash popup: one line per deleted application (name, client ID, when
//! it is purged), the chosen one marked, and the restore or purge question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::dialog;
use crate::tui::state::{State, TrashView};
use crate::tui::view::text::truncate;
use crate::tui::view::theme::Theme;

pub fn draw(state: &State, view: &TrashView, frame: &mut Frame, area: Rect, t: Theme) {
    // Between the header and the footer, which says the keys.
    let r = Rect::new(
        area.x,
        area.y + 1.min(area.height),
        area.width,
        area.height.saturating_sub(3),
    );
    let block = dialog(frame, r, " Trash: deleted applications (UTC) ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let say =
        |text: String, style| Paragraph::new(Line::from(Span::styled(truncate(&text, w), style)));
    let apps = match &view.apps {
        None => return frame.render_widget(say("Reading the trash…".into(), t.dim()), inner),
        Some(Err(e)) => {
            return frame
                .render_widget(say(format!("Cannot read the trash: {e}"), t.error()), inner);
        }
        Some(Ok(apps)) if apps.is_empty() => {
            let text = format!(
                "The trash is empty. A deleted application stays here {} days.",
                state.trash_days
            );
            return frame.render_widget(say(text, t.dim()), inner);
        }
        Some(Ok(apps)) => apps,
    };
    let rows = usize::from(inner.height).saturating_sub(2).max(1);
    let top = view.selected.saturating_sub(rows - 1);
    let mut lines: Vec<Line> = apps
        .iter()
        .enumerate()
        .skip(top)
        .take(rows)
        .map(|(i, a)| {
            let purge = a
                .lifecycle
                .purge_after
                .map_or_else(String::new, |p| p.format("%Y-%m-%d %H:%M").to_string());
            let row = format!(
                "{} {}  {}  purged after {purge}",
                if i == view.selected { "▶" } else { " " },
                crate::text::printable(a.client_name.as_str()),
                a.client_id.short()
            );
            let style = if i == view.selected {
                t.selected()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(Span::styled(truncate(&row, w), style))
        })
        .collect();
    if let (Some(c), Some(a)) = (&view.confirm, apps.get(view.selected)) {
        let question = if c.restore {
            format!(
                "Restore {}? Its secret is unchanged and works again.",
                a.client_name
            )
        } else {
            format!(
                "Purge {} for good? It can no longer be restored.",
                a.client_name
            )
        };
        lines.push(Line::from(""));
        // The footer says y confirms and any other key cancels.
        lines.push(Line::from(Span::styled(
            truncate(&crate::text::printable(&question), w),
            t.warn(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
