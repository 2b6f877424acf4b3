use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::text::{fit, truncate, wrap};
use super::theme::Theme;
use crate::model::Application;
use crate::text::clock;
use crate::tui::keys::{Action, key_of};
use crate::tui::state::State;

const LABEL: usize = 15;

/// A field's label, padded to the label column.
fn label(s: &str, t: Theme) -> Span<'static> {
    Span::styled(fit(s, LABEL), t.bold())
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, t: Theme) {
    let Some(app) = state.selected_app() else {
        draw_empty(state, frame, area, t);
        return;
    };
    let block = Block::bordered().title(Span::styled(
        format!(
            " {} ",
            truncate(
                app.client_name.as_str(),
                area.width.saturating_sub(4) as usize
            )
        ),
        t.title(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let label = |s: &str| label(s, t);
    let mut lines: Vec<Line> = Vec::new();

    // An admin client holds no catalog scope, so "0 scopes" would make it look
    // harmless: it says what it is before anything else.
    if app.admin {
        for (n, piece) in wrap(ADMIN_NOTE, w, w).into_iter().enumerate() {
            let (head, rest) = if n == 0 {
                piece.split_at(piece.find(':').map_or(0, |i| i + 1))
            } else {
                ("", piece.as_str())
            };
            lines.push(Line::from(vec![
                Span::styled(head.to_owned(), t.write()),
                Span::styled(rest.to_owned(), t.warn()),
            ]));
        }
    }

    if let Some(since) = app.lifecycle.suspended_at {
        let text = format!(
            "SUSPENDED since {} UTC: no tokens until resumed ({} resumes)",
            since.format("%Y-%m-%d %H:%M"),
            key_of(Action::Suspend)
        );
        for piece in wrap(&text, w, w) {
            lines.push(Line::from(Span::styled(piece, t.warn())));
        }
    }

    // The client ID is public: shown in full, on one line.
    lines.extend(labelled(
        label("Client ID"),
        app.client_id.as_str(),
        w,
        Style::new(),
    ));
    lines.push(Line::from(vec![
        label(""),
        Span::styled(key_of(Action::CopyId), t.key()),
        Span::styled(" copies it", t.dim()),
    ]));

    lines.extend(secret_lines(state, app, w, t));
    lines.extend(retiring_lines(state, app, w, t));
    let fmt = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M").to_string();
    lines.push(Line::from(vec![
        label("Created"),
        Span::raw(format!("{} UTC", fmt(app.created_at))),
    ]));
    lines.push(Line::from(vec![
        label("Updated"),
        Span::raw(format!("{} UTC", fmt(app.updated_at))),
    ]));
    let used = app.last_used_at.map_or_else(
        || "never".to_owned(),
        |at| format!("{} ({} UTC)", super::ago(state.now, at), fmt(at)),
    );
    lines.push(Line::from(vec![
        label("Last used"),
        Span::raw(truncate(&used, w.saturating_sub(LABEL))),
    ]));
    lines.extend(scope_lines(state, app, w, t));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The secret while its window is open (masked unless `v`), with its keys
/// and countdown; else why it is hidden and how to get a new one.
fn secret_lines(state: &State, app: &Application, w: usize, t: Theme) -> Vec<Line<'static>> {
    let value_w = w.saturating_sub(LABEL);
    let label = |s: &str| label(s, t);
    let mut lines = Vec::new();
    match state.reveal_of(&app.client_id) {
        Some(r) => {
            let secret = r.secret.expose();
            if state.unmasked {
                lines.extend(labelled(label("Client secret"), secret, w, t.warn()));
            } else {
                let dots = "•".repeat(value_w.clamp(4, 20));
                lines.push(Line::from(vec![label("Client secret"), Span::raw(dots)]));
            }
            let show = if state.unmasked {
                " masks · "
            } else {
                " shows · "
            };
            lines.push(Line::from(vec![
                label(""),
                Span::styled(key_of(Action::ShowSecret), t.key()),
                Span::styled(show, t.dim()),
                Span::styled(key_of(Action::CopySecret), t.key()),
                Span::styled(" copies", t.dim()),
            ]));
            let left = r.seconds_left(state.now);
            let text = format!("visible {} ", clock(left, true));
            let bar_w = value_w.saturating_sub(text.width()).min(24);
            let filled = if state.window_secs == 0 {
                0
            } else {
                (bar_w as u64 * left.min(state.window_secs)).div_ceil(state.window_secs) as usize
            };
            lines.push(Line::from(vec![
                label(""),
                Span::styled(text, t.ok()),
                Span::styled("█".repeat(filled), t.ok()),
                Span::styled("░".repeat(bar_w - filled), t.dim()),
            ]));
        }
        None => {
            lines.push(Line::from(vec![
                label("Client secret"),
                Span::styled("hidden", t.dim()),
            ]));
            lines.push(Line::from(vec![
                label(""),
                Span::styled(
                    format!("only seen in its first {};", clock(state.window_secs, true)),
                    t.dim(),
                ),
            ]));
            lines.push(Line::from(vec![
                label(""),
                Span::styled(key_of(Action::NewSecret), t.key()),
                Span::styled(" makes a new one", t.dim()),
            ]));
        }
    }
    lines
}

/// The retiring secret while it still works: until when (local time) with
/// its countdown, when and where from it was last used, and the key that
/// ends it now. Nothing once its deadline has passed: it fails then.
fn retiring_lines(state: &State, app: &Application, w: usize, t: Theme) -> Vec<Line<'static>> {
    let Some(old) = state.retiring_of(app) else {
        return Vec::new();
    };
    let Some(until) = old.expires_at else {
        return Vec::new();
    };
    let value_w = w.saturating_sub(LABEL);
    let left = (until - state.now).num_seconds().max(0).unsigned_abs();
    let deadline = [
        format!("works until {}", state.local_time(until)),
        format!("(in {})", clock(left, false)),
    ];
    let rotated_at = app.current_secret().map(|c| c.created_at);
    let usage: Vec<String> = match old.last_used_at {
        None => vec!["never used since rotation".to_owned()],
        Some(at) if rotated_at.is_some_and(|r| at < r) => vec![
            "not used since rotation".to_owned(),
            format!("(last used {})", super::ago(state.now, at)),
        ],
        Some(at) => {
            let mut v = vec![format!("last used {}", super::ago(state.now, at))];
            if let Some(from) = &old.last_used_from {
                v.push(format!("from {}", crate::text::one_line(from)));
            }
            v
        }
    };
    let mut rows: Vec<(String, Style)> = Vec::new();
    rows.extend(pack(&deadline, value_w).into_iter().map(|l| (l, t.warn())));
    rows.extend(pack(&usage, value_w).into_iter().map(|l| (l, Style::new())));
    let mut lines: Vec<Line<'static>> = rows
        .into_iter()
        .enumerate()
        .flat_map(|(i, (text, style))| {
            if i > 0 && text.width() > value_w {
                // A long address: from the pane's edge, not below a blank label.
                return vec![Line::from(Span::styled(truncate(&text, w), style))];
            }
            let head = label(if i == 0 { "Old secret" } else { "" }, t);
            labelled(head, &text, w, style)
        })
        .collect();
    lines.push(Line::from(vec![
        label("", t),
        Span::styled(key_of(Action::Retire), t.key()),
        Span::styled(" retires it now", t.dim()),
    ]));
    lines
}

/// `pieces` joined by spaces into lines of at most `width` columns, never
/// breaking a piece: a piece wider than that gets a line of its own.
fn pack(pieces: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for piece in pieces {
        match lines.last_mut() {
            Some(line) if line.width() + 1 + piece.width() <= width => {
                line.push(' ');
                line.push_str(piece);
            }
            _ => lines.push(piece.clone()),
        }
    }
    lines
}

/// The scopes the application holds, with their access and titles.
fn scope_lines(state: &State, app: &Application, w: usize, t: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    lines.push(Line::from(Span::styled(
        format!("Scopes ({})", app.grants.len() + usize::from(app.admin)),
        t.bold(),
    )));
    if app.grants.is_empty() && !app.admin {
        lines.push(Line::from(vec![
            Span::styled("  none yet: ", t.dim()),
            Span::styled(key_of(Action::EditScopes), t.key()),
            Span::styled(" edits scopes", t.dim()),
        ]));
    }
    let id_w = app
        .grants
        .iter()
        .map(|g| g.scope.as_str().width())
        .max()
        .unwrap_or(0);
    for g in &app.grants {
        // A grant the catalog no longer offers grants nothing: say so.
        let title = match state.catalog.retired(g) {
            Some(why) => why.to_owned(),
            None => state
                .catalog
                .get(&g.scope)
                .map_or(String::new(), |d| d.title.clone()),
        };
        let access = super::access_label(g.access);
        let style = if g.access == crate::model::Access::Write {
            t.write()
        } else {
            t.read()
        };
        let title_w = w.saturating_sub(2 + id_w + 2 + 11 + 1);
        let mut spans = vec![
            Span::raw("  "),
            Span::raw(fit(g.scope.as_str(), id_w)),
            Span::raw("  "),
        ];
        spans.push(Span::styled(fit(access, 11), style));
        if title_w >= 6 {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(fit(&title, title_w), t.dim()));
        }
        lines.push(Line::from(spans));
    }
    if app.admin {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(crate::model::ADMIN_SCOPE, t.write()),
            Span::styled(
                truncate(
                    "  the admin API: every application",
                    w.saturating_sub(2 + crate::model::ADMIN_SCOPE.len()),
                ),
                t.dim(),
            ),
        ]));
    }
    lines
}

/// Says what an admin client is, first thing in its details.
const ADMIN_NOTE: &str = "Admin client: holds keyward:admin, opens the admin API";

/// A value (an ID, a secret) after its label when both fit, else on a line of
/// its own from the pane's left edge: never broken, so a mouse selection
/// copies it whole. Only a pane too narrow for the value alone breaks it.
fn labelled<'a>(label: Span<'a>, value: &str, width: usize, style: Style) -> Vec<Line<'a>> {
    let value_w = value.width();
    if label.content.width() + value_w <= width {
        return vec![Line::from(vec![
            label,
            Span::styled(value.to_owned(), style),
        ])];
    }
    let mut lines = vec![Line::from(label)];
    if value_w <= width {
        lines.push(Line::from(Span::styled(value.to_owned(), style)));
    } else {
        let chars: Vec<char> = value.chars().collect();
        for piece in chars.chunks(width.max(1)) {
            lines.push(Line::from(Span::styled(
                piece.iter().collect::<String>(),
                style,
            )));
        }
    }
    lines
}

/// The first-run greeting, or a hint when the filter hides everything.
fn draw_empty(state: &State, frame: &mut Frame, area: Rect, t: Theme) {
    let block = Block::bordered();
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(region) = state.region() else {
        return;
    };
    let lines: Vec<Line> = if !region.loaded {
        vec![Line::from(Span::styled("Loading applications…", t.dim()))]
    } else if region.apps.is_empty() {
        vec![
            Line::from(Span::styled("Welcome to Keyward", t.title())),
            Line::from(""),
            Line::from(format!("No applications in {} yet.", region.name)),
            Line::from(""),
            Line::from(vec![
                Span::raw("Press "),
                Span::styled(key_of(Action::Add), t.key()),
                Span::raw(" to add one: give it a name and pick its scopes."),
            ]),
            Line::from(format!(
                "Its client ID and secret appear here. The secret can be seen and copied for {} after it is made, then never again.",
                clock(state.window_secs, true)
            )),
            Line::from(""),
            Line::from(vec![
                Span::styled(key_of(Action::Browse), t.key()),
                Span::raw(" browses the scopes, "),
                Span::styled(key_of(Action::NextRegion), t.key()),
                Span::raw(" switches region, "),
                Span::styled(key_of(Action::Help), t.key()),
                Span::raw(" lists every key."),
            ]),
        ]
    } else {
        vec![Line::from(Span::styled(
            "No application matches the filter. Esc clears it.",
            t.dim(),
        ))]
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
