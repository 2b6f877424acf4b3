//! The add dialog and the scope editor share one grid: scopes by product, the
//! chosen level highlighted, the focused scope's description below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::{Hidden, dialog, input_line, more_marks};
use crate::model::Access;
use crate::tui::layout::centered;
use crate::tui::state::{AddFocus, AddForm, ScopeGrid, State};
use crate::tui::view::text::{fit, truncate};
use crate::tui::view::theme::Theme;

pub fn draw_add(state: &State, form: &AddForm, frame: &mut Frame, area: Rect, t: Theme) {
    let r = centered(area, 76, area.height.saturating_sub(3).min(30));
    let block = dialog(frame, r, " Add an application ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let focus_name = form.focus == AddFocus::Name;
    let mut top = vec![input_line(
        "Name  ",
        &form.name.text,
        focus_name,
        inner.width,
        t,
    )];
    top.push(match &form.error {
        Some(e) => Line::from(Span::styled(truncate(e, inner.width as usize), t.error())),
        None => Line::from(Span::styled(
            "1 to 64 characters. Tab moves to the scopes.",
            t.dim(),
        )),
    });
    let head = Rect::new(inner.x, inner.y, inner.width, 2.min(inner.height));
    frame.render_widget(Paragraph::new(top), head);
    let rest = Rect::new(
        inner.x,
        inner.y + head.height,
        inner.width,
        inner.height - head.height,
    );
    let hidden = draw_grid(state, &form.grid, !focus_name, frame, rest, t);
    more_marks(frame, r, hidden, t);
}

pub fn draw_editor(
    state: &State,
    name: &str,
    grid: &ScopeGrid,
    frame: &mut Frame,
    area: Rect,
    t: Theme,
) {
    let r = centered(area, 76, area.height.saturating_sub(3).min(30));
    let block = dialog(frame, r, &format!(" Scopes of {} ", truncate(name, 50)), t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let hidden = draw_grid(state, grid, true, frame, inner, t);
    more_marks(frame, r, hidden, t);
}

fn draw_grid(
    state: &State,
    grid: &ScopeGrid,
    focused: bool,
    frame: &mut Frame,
    area: Rect,
    t: Theme,
) -> Hidden {
    if area.height < 3 {
        return Hidden::default();
    }
    let w = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    // Which lines are scopes (the others are product titles), to count what
    // lies above and below the view.
    let mut is_scope: Vec<bool> = Vec::new();
    let mut cursor_line = 0;
    let mut row = 0;
    for g in state.catalog.groups() {
        lines.push(Line::from(Span::styled(truncate(&g.title, w), t.title())));
        is_scope.push(false);
        for s in &g.scopes {
            let Some(r) = grid.rows.get(row) else { break };
            let here = focused && row == grid.cursor;
            if row == grid.cursor {
                cursor_line = lines.len();
            }
            let changed = if r.access != r.original { "*" } else { " " };
            let id_w = 22.min(w.saturating_sub(24));
            let mut spans = vec![
                Span::styled(if here { "▶" } else { " " }, t.key()),
                Span::styled(changed, t.warn()),
                Span::styled(
                    fit(s.id.as_str(), id_w),
                    if here {
                        t.bold()
                    } else {
                        ratatui::style::Style::new()
                    },
                ),
            ];
            for level in Access::ALL {
                let label = level.as_str();
                if !r.offered.contains(&level) {
                    spans.push(Span::raw(format!(" {} ", " ".repeat(label.len()))));
                } else if r.access == level {
                    let style = match level {
                        Access::None => t.selected(),
                        Access::Read => t.read().add_modifier(ratatui::style::Modifier::REVERSED),
                        Access::Write => t.write().add_modifier(ratatui::style::Modifier::REVERSED),
                    };
                    spans.push(Span::styled(format!("[{label}]"), style));
                } else {
                    spans.push(Span::styled(format!(" {label} "), t.dim()));
                }
            }
            let used: usize = spans.iter().map(|s| s.content.width()).sum();
            if w > used + 3 {
                spans.push(Span::raw(" "));
                spans.push(Span::styled(truncate(&s.title, w - used - 1), t.dim()));
            }
            lines.push(Line::from(spans));
            is_scope.push(true);
            row += 1;
        }
    }
    // Leave two lines at the bottom for the focused scope's description.
    let list_h = area.height.saturating_sub(2) as usize;
    let offset = cursor_line
        .saturating_sub(list_h.saturating_sub(1))
        .min(lines.len().saturating_sub(list_h));
    let count = |range: &[bool]| range.iter().filter(|&&s| s).count();
    let hidden = Hidden {
        above: count(&is_scope[..offset.min(is_scope.len())]),
        below: count(is_scope.get(offset + list_h..).unwrap_or_default()),
        ..Hidden::default()
    };
    let shown: Vec<Line> = lines.into_iter().skip(offset).take(list_h).collect();
    frame.render_widget(
        Paragraph::new(shown),
        Rect::new(area.x, area.y, area.width, list_h as u16),
    );
    let desc = grid
        .rows
        .get(grid.cursor)
        .and_then(|r| state.catalog.get(&r.scope))
        .map(|d| crate::text::one_line(&format!("{}: {}", d.id, d.description)).into_owned())
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(desc, t.dim()))).wrap(Wrap { trim: true }),
        Rect::new(
            area.x,
            area.y + list_h as u16,
            area.width,
            area.height - list_h as u16,
        ),
    );
    hidden
}
