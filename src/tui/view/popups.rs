//! Dialogs drawn over the main screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::layout::centered;
use super::text::{fit, truncate};
use super::theme::Theme;
use super::{access_glyph, access_label};
use crate::model::Access;
use crate::tui::state::{AddFocus, Browser, BrowserFocus, Popup, ScopeGrid, State};
use crate::tui::update::{holders, mm_ss};

pub fn draw(state: &State, popup: &Popup, frame: &mut Frame, area: Rect, t: Theme) {
    match popup {
        Popup::Add(form) => {
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
            draw_grid(state, &form.grid, !focus_name, frame, rest, t);
        }
        Popup::Scopes { name, grid, .. } => {
            let r = centered(area, 76, area.height.saturating_sub(3).min(30));
            let block = dialog(frame, r, &format!(" Scopes of {} ", truncate(name, 50)), t);
            let inner = block.inner(r);
            frame.render_widget(block, r);
            draw_grid(state, grid, true, frame, inner, t);
        }
        Popup::Rename { input, error, .. } => {
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
        Popup::ResetConfirm { id, name } => {
            let r = centered(area, 66, 10);
            let block = dialog(frame, r, " Reset client secret? ", t);
            let inner = block.inner(r);
            frame.render_widget(block, r);
            let lines = vec![
                Line::from(Span::styled(format!("{name} ({})", id.short()), t.bold())),
                Line::from(""),
                Line::from(
                    "The current secret stops working at once for every platform that uses it. The client ID stays the same.",
                ),
                Line::from(format!(
                    "The new secret can be seen and copied for {}.",
                    mm_ss(state.window_secs)
                )),
                Line::from(""),
                Line::from(vec![
                    Span::raw(" ".repeat((inner.width as usize).saturating_sub(26))),
                    Span::raw("[ "),
                    Span::styled("y", t.key()),
                    Span::raw(" Reset ]  "),
                    Span::styled("[ N Cancel ]", t.selected()),
                ]),
            ];
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
        Popup::DeleteConfirm {
            id,
            name,
            input,
            error,
        } => {
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
        Popup::Help => draw_help(frame, area, t),
        Popup::Browser(b) => draw_browser(state, b, frame, area, t),
    }
}

fn dialog<'a>(frame: &mut Frame, r: Rect, title: &str, t: Theme) -> Block<'a> {
    frame.render_widget(Clear, r);
    Block::bordered().title(Span::styled(title.to_owned(), t.title()))
}

fn input_line<'a>(label: &str, text: &str, focused: bool, width: u16, t: Theme) -> Line<'a> {
    let room = (width as usize).saturating_sub(label.width() + 2);
    // Show the end of a long entry, where the typing happens.
    let shown: String = if text.width() > room {
        let mut tail: Vec<char> = Vec::new();
        let mut w = 0;
        for c in text.chars().rev() {
            w += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if w > room.saturating_sub(1) {
                break;
            }
            tail.push(c);
        }
        tail.into_iter().rev().collect()
    } else {
        text.to_owned()
    };
    let cursor = if focused { "█" } else { "" };
    let style = if focused { t.bold() } else { t.dim() };
    Line::from(vec![
        Span::styled(label.to_owned(), t.bold()),
        Span::styled(format!("{shown}{cursor}"), style),
    ])
}

/// The scope grid of the add dialog and the scope editor: scopes by product,
/// the chosen level highlighted, the focused scope's description below.
fn draw_grid(
    state: &State,
    grid: &ScopeGrid,
    focused: bool,
    frame: &mut Frame,
    area: Rect,
    t: Theme,
) {
    if area.height < 3 {
        return;
    }
    let w = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    let mut row = 0;
    for g in state.catalog.groups() {
        lines.push(Line::from(Span::styled(truncate(&g.title, w), t.title())));
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
            row += 1;
        }
    }
    // Leave two lines at the bottom for the focused scope's description.
    let list_h = area.height.saturating_sub(2) as usize;
    let offset = cursor_line
        .saturating_sub(list_h.saturating_sub(1))
        .min(lines.len().saturating_sub(list_h));
    let shown: Vec<Line> = lines.into_iter().skip(offset).take(list_h).collect();
    frame.render_widget(
        Paragraph::new(shown),
        Rect::new(area.x, area.y, area.width, list_h as u16),
    );
    let desc = grid
        .rows
        .get(grid.cursor)
        .and_then(|r| state.catalog.get(&r.scope))
        .map(|d| format!("{}: {}", d.id, d.description))
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
}

pub const HELP: &[(&str, &str)] = &[
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
    ("?", "this help"),
    ("q", "quit, or close the open dialog"),
    ("Ctrl-C", "quit from anywhere"),
];

fn draw_help(frame: &mut Frame, area: Rect, t: Theme) {
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
        "A new secret can be seen and copied for 15 minutes, then never again.",
        t.dim(),
    )));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_browser(state: &State, b: &Browser, frame: &mut Frame, area: Rect, t: Theme) {
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
        draw_matrix(state, b, frame, inner, t);
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
    let mut cursor_line = 0;
    let mut i = 0;
    for g in state.catalog.groups() {
        lines.push(Line::from(Span::styled(truncate(&g.title, lw), t.title())));
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
            let id_w = lw.saturating_sub(levels.width() + 3).min(24);
            let text = format!(
                "{} {} {}",
                if here { "▶" } else { " " },
                fit(s.id.as_str(), id_w),
                levels
            );
            let style = if here && b.focus == BrowserFocus::Scopes {
                t.selected()
            } else if here {
                t.bold()
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::from(Span::styled(fit(&text, lw), style)));
            i += 1;
        }
    }
    let list_h = left.height.saturating_sub(3) as usize;
    let offset = cursor_line.saturating_sub(list_h.saturating_sub(1));
    let shown: Vec<Line> = lines.into_iter().skip(offset).take(list_h).collect();
    frame.render_widget(
        Paragraph::new(shown),
        Rect::new(left.x, left.y, left.width, list_h as u16),
    );
    let Some(def) = state.catalog.scopes().nth(b.scope) else {
        return;
    };
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(format!("{}: {}", def.id, def.title), t.bold())),
            Line::from(Span::styled(def.description.clone(), t.dim())),
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
    let mut lines = vec![
        Line::from(Span::styled(
            truncate(&format!("Who holds {}", def.id), rw),
            t.title(),
        )),
        Line::from(Span::styled(
            truncate(&format!("{} of {} applications", hs.len(), apps.len()), rw),
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

fn draw_matrix(state: &State, b: &Browser, frame: &mut Frame, area: Rect, t: Theme) {
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
}
