//! The scope browser: who holds a scope (list), and applications by scopes (matrix).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::{Hidden, dialog, more_marks};
use crate::model::Access;
use crate::tui::state::{Browser, BrowserFocus, State};
use crate::tui::update::holders;
use crate::tui::view::text::{fit, truncate};
use crate::tui::view::theme::Theme;
use crate::tui::view::{access_glyph, access_label};

#[allow(clippy::too_many_lines)] // split in the TUI architecture work
pub fn draw(state: &State, b: &Browser, frame: &mut Frame, area: Rect, t: Theme) {
    // The browser takes the whole body: it is a screen of its own, not a dialog.
    let r = Rect::new(
        area.x,
        area.y + 1.min(area.height),
        area.width,
        area.height.saturating_sub(3),
    );
    let title = if b.matrix {
        " Scopes × applications (m: list) "
    } else {
        " Scope browser (m: matrix) "
    };
    let block = dialog(frame, r, title, t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if b.matrix {
        let hidden = draw_matrix(state, b, frame, inner, t);
        more_marks(frame, r, hidden, t);
        return;
    }
    let left_w = inner.width / 2;
    let left = Rect::new(inner.x, inner.y, left_w, inner.height);
    let right = Rect::new(
        inner.x + left_w + 1,
        inner.y,
        inner.width.saturating_sub(left_w + 1),
        inner.height,
    );

    // Left: every scope by product, with the levels it offers.
    let lw = left.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    // Which lines are scopes (the others are product titles).
    let mut is_scope: Vec<bool> = Vec::new();
    let mut cursor_line = 0;
    let mut i = 0;
    for g in state.catalog.groups() {
        lines.push(Line::from(Span::styled(truncate(&g.title, lw), t.title())));
        is_scope.push(false);
        for s in &g.scopes {
            let here = i == b.scope;
            if here {
                cursor_line = lines.len();
            }
            let levels: Vec<&str> = s
                .access
                .iter()
                .filter(|a| **a != Access::None)
                .map(|a| a.as_str())
                .collect();
            let levels = levels.join("/");
            // Id, levels, then the title when there is room for it.
            let id_w = lw.saturating_sub(levels.width() + 3).min(22);
            let mut text = format!(
                "{} {} {}",
                if here { "▶" } else { " " },
                fit(s.id.as_str(), id_w),
                fit(&levels, 10)
            );
            let room = lw.saturating_sub(text.width() + 1);
            if room >= 8 {
                text.push(' ');
                text.push_str(&truncate(&s.title, room));
            }
            let style = if here && b.focus == BrowserFocus::Scopes {
                t.selected()
            } else if here {
                t.bold()
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::from(Span::styled(fit(&text, lw), style)));
            is_scope.push(true);
            i += 1;
        }
    }
    let list_h = left.height.saturating_sub(3) as usize;
    let offset = cursor_line.saturating_sub(list_h.saturating_sub(1));
    let count = |range: &[bool]| range.iter().filter(|&&s| s).count();
    let hidden = Hidden {
        above: count(&is_scope[..offset.min(is_scope.len())]),
        below: count(is_scope.get(offset + list_h..).unwrap_or_default()),
        ..Hidden::default()
    };
    let shown: Vec<Line> = lines.into_iter().skip(offset).take(list_h).collect();
    frame.render_widget(
        Paragraph::new(shown),
        Rect::new(left.x, left.y, left.width, list_h as u16),
    );
    // Under the scope list, which is what scrolls.
    let under_list = Rect::new(r.x, r.y, (left.width + 2).min(r.width), r.height);
    more_marks(frame, under_list, hidden, t);
    let Some(def) = state.catalog.scopes().nth(b.scope) else {
        return;
    };
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(
                crate::text::one_line(&format!("{}: {}", def.id, def.title)).into_owned(),
                t.bold(),
            )),
            Line::from(Span::styled(
                crate::text::one_line(&def.description).into_owned(),
                t.dim(),
            )),
        ])
        .wrap(Wrap { trim: true }),
        Rect::new(
            left.x,
            left.y + list_h as u16,
            left.width,
            left.height - list_h as u16,
        ),
    );

    // Right: who holds the focused scope, and at which level.
    let rw = right.width as usize;
    let hs = holders(state, b.scope);
    let apps = state.apps();
    let writers = hs
        .iter()
        .filter(|&&i| apps[i].access_to(&def.id) == Access::Write)
        .count();
    let mut lines = vec![
        Line::from(Span::styled(
            truncate(&format!("Who holds {}", def.id), rw),
            t.title(),
        )),
        Line::from(Span::styled(
            truncate(
                &format!(
                    "{} of {} applications · {writers} can write",
                    hs.len(),
                    apps.len()
                ),
                rw,
            ),
            t.dim(),
        )),
    ];
    if hs.is_empty() {
        lines.push(Line::from(Span::styled("  nobody", t.dim())));
    }
    let rows = right.height.saturating_sub(2) as usize;
    let offset = b.app.saturating_sub(rows.saturating_sub(1));
    for (pos, &ai) in hs.iter().enumerate().skip(offset).take(rows) {
        let a = &apps[ai];
        let access = a.access_to(&def.id);
        let here = pos == b.app && b.focus == BrowserFocus::Apps;
        let name = fit(a.client_name.as_str(), rw.saturating_sub(13));
        let style = if here {
            t.selected()
        } else {
            ratatui::style::Style::new()
        };
        let astyle = if here {
            t.selected()
        } else if access == Access::Write {
            t.write()
        } else {
            t.read()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} {name} ", if here { "▶" } else { " " }), style),
            Span::styled(fit(access_label(access), 10), astyle),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), right);
}

#[allow(clippy::too_many_lines)] // split in the TUI architecture work
fn draw_matrix(state: &State, b: &Browser, frame: &mut Frame, area: Rect, t: Theme) -> Hidden {
    let scopes: Vec<_> = state.catalog.scopes().collect();
    let apps = state.apps();
    let w = area.width as usize;
    let name_w = (w / 4).clamp(8, 22);
    // Wide enough for most resource names ("computers", "quarantine").
    let col_w = 11;
    let ncols = (w.saturating_sub(name_w + 1) / col_w).max(1);
    // Keep the focused column on screen.
    let first_col = b.column.saturating_sub(ncols - 1);
    let cols: Vec<usize> = (first_col..scopes.len()).take(ncols).collect();
    let mut lines = Vec::new();
    // Two header rows: the product, then the resource, so ids fit narrow columns.
    let mut prod = vec![Span::raw(" ".repeat(name_w + 1))];
    let mut res = vec![Span::raw(" ".repeat(name_w + 1))];
    for &c in &cols {
        let id = scopes[c].id.as_str();
        let (p, r) = id.split_once(':').unwrap_or((id, ""));
        let style = if c == b.column {
            t.selected()
        } else {
            t.title()
        };
        prod.push(Span::styled(fit(&format!(" {p}"), col_w), style));
        res.push(Span::styled(fit(&format!(" {r}"), col_w), style));
    }
    lines.push(Line::from(prod));
    lines.push(Line::from(res));
    let rows = area.height.saturating_sub(4) as usize;
    let offset = b.app.saturating_sub(rows.saturating_sub(1));
    if apps.is_empty() {
        lines.push(Line::from(Span::styled(
            " No applications in this region yet",
            t.dim(),
        )));
    }
    let hidden = Hidden {
        above: offset.min(apps.len()),
        below: apps.len().saturating_sub(offset + rows),
        left: first_col,
        right: scopes.len().saturating_sub(first_col + cols.len()),
    };
    for (i, a) in apps.iter().enumerate().skip(offset).take(rows) {
        let here = i == b.app;
        let mut spans = vec![Span::styled(
            format!("{} ", fit(a.client_name.as_str(), name_w)),
            if here {
                t.selected()
            } else {
                ratatui::style::Style::new()
            },
        )];
        for &c in &cols {
            let access = a.access_to(&scopes[c].id);
            let style = match access {
                Access::None => t.dim(),
                Access::Read => t.read(),
                Access::Write => t.write(),
            };
            let style = if here && c == b.column {
                style.add_modifier(ratatui::style::Modifier::REVERSED)
            } else {
                style
            };
            let pad = (col_w - 1) / 2;
            spans.push(Span::styled(
                format!(
                    "{}{}{}",
                    " ".repeat(pad + 1),
                    access_glyph(access),
                    " ".repeat(col_w - pad - 2)
                ),
                style,
            ));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(area.x, area.y, area.width, area.height.saturating_sub(2)),
    );
    if let Some(s) = scopes.get(b.column) {
        let held = apps
            .iter()
            .filter(|a| a.access_to(&s.id) != Access::None)
            .count();
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(
                    truncate(
                        &format!("{} · {} · held by {held} of {}", s.id, s.title, apps.len()),
                        w,
                    ),
                    t.bold(),
                )),
                Line::from(Span::styled(
                    "· none   r read   W write (write includes read)",
                    t.dim(),
                )),
            ]),
            Rect::new(
                area.x,
                area.y + area.height.saturating_sub(2),
                area.width,
                2.min(area.height),
            ),
        );
    }
    hidden
}
