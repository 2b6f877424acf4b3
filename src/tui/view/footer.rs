use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::text::{truncate, wrap};
use super::theme::Theme;
use crate::tui::state::{AddFocus, BrowserFocus, Popup, State, StatusKind};

/// The keys that do something right now, most useful first.
pub fn keys(state: &State) -> Vec<(&'static str, &'static str)> {
    match &state.popup {
        Some(Popup::Add(f)) => match f.focus {
            AddFocus::Name => vec![
                ("type", "name"),
                ("Tab", "scopes"),
                ("Enter", "save"),
                ("Esc", "cancel"),
            ],
            AddFocus::Grid => vec![
                ("↑↓", "scope"),
                ("←→/Space", "access"),
                ("Tab", "name"),
                ("Enter", "save"),
                ("Esc", "cancel"),
            ],
        },
        Some(Popup::Rename { .. }) => vec![
            ("type", "new name"),
            ("Ctrl-U", "clear"),
            ("Enter", "save"),
            ("Esc", "cancel"),
        ],
        Some(Popup::Scopes { .. }) => vec![
            ("↑↓", "scope"),
            ("←→/Space", "access"),
            ("Enter", "save"),
            ("Esc", "discard"),
        ],
        Some(Popup::ResetConfirm { .. }) => vec![("y", "reset"), ("any other key", "cancels")],
        Some(Popup::DeleteConfirm { .. }) => {
            vec![("type", "the name"), ("Enter", "delete"), ("Esc", "cancel")]
        }
        Some(Popup::QuitConfirm { .. }) => vec![("y", "quit"), ("any other key", "stays")],
        Some(Popup::Help) => vec![("Esc/q", "close")],
        Some(Popup::Token(p)) if p.result.is_some() => vec![("t", "again"), ("Esc/q", "close")],
        Some(Popup::Token(_)) => vec![("Esc/q", "close")],
        Some(Popup::Browser(b)) if b.matrix => vec![
            ("↑↓←→", "move"),
            ("Enter", "go to app"),
            ("m", "list"),
            ("Esc", "close"),
        ],
        Some(Popup::Browser(b)) => match b.focus {
            BrowserFocus::Scopes => vec![
                ("↑↓", "scope"),
                ("Tab/→", "holders"),
                ("m", "matrix"),
                ("Esc", "close"),
            ],
            BrowserFocus::Apps => vec![
                ("↑↓", "app"),
                ("Enter", "go to app"),
                ("Tab/←", "scopes"),
                ("m", "matrix"),
                ("Esc", "close"),
            ],
        },
        None if state.filter.editing => {
            vec![("type", "filter"), ("Enter", "keep"), ("Esc", "clear")]
        }
        None => {
            let mut k = vec![("a", "add")];
            if let Some(app) = state.selected_app() {
                k.extend([("e", "rename"), ("s", "scopes")]);
                if state.reveal_of(&app.client_id).is_some() {
                    k.extend([("v", "show"), ("y", "copy"), ("t", "token")]);
                }
                k.extend([("R", "reset secret"), ("d", "delete"), ("c", "copy ID")]);
            }
            k.extend([("S", "browse scopes"), ("/", "filter"), ("r", "reload")]);
            if state.regions.len() > 1 {
                k.push(("Tab", "region"));
            }
            k.push(("q", "quit"));
            k
        }
    }
}

pub fn draw_keys(state: &State, frame: &mut Frame, area: Rect, t: Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (k, what) in keys(state) {
        let w = k.width() + 1 + what.width() + 2;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(k, t.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The status line's lines at `width` columns, at most `max_lines`: a long
/// message wraps (the status area grows) instead of being cut at the edge.
pub fn status_lines(state: &State, width: u16, max_lines: usize, t: Theme) -> Vec<Line<'static>> {
    let lead = if state.pending > 0 {
        Span::styled(format!(" {} ", super::spinner(state.spinner)), t.key())
    } else {
        Span::raw(" ")
    };
    let Some(s) = &state.status else {
        return vec![Line::from(lead)];
    };
    let (text, style, hint) = match s.kind {
        StatusKind::Error => (format!("✗ {}", s.text), t.error(), "  (Esc dismisses)"),
        StatusKind::Info => (s.text.clone(), ratatui::style::Style::new(), ""),
    };
    let lead_w = lead.content.width();
    // Continuation lines line up under the text, after the `✗ `.
    let indent = lead_w + if s.kind == StatusKind::Error { 2 } else { 0 };
    let width = width as usize;
    let room = |w: usize| width.saturating_sub(w).max(1);
    let mut pieces = wrap(&text, room(lead_w), room(indent));
    let max_lines = max_lines.max(1);
    if pieces.len() > max_lines {
        pieces.truncate(max_lines);
        if let Some(last) = pieces.last_mut() {
            let keep = room(if max_lines == 1 { lead_w } else { indent });
            *last = truncate(&format!("{last}…"), keep);
        }
    }
    let last_room = room(if pieces.len() == 1 { lead_w } else { indent });
    let hint_fits = pieces
        .last()
        .is_some_and(|l| l.width() + hint.width() <= last_room);
    let n = pieces.len();
    let mut lines: Vec<Line<'static>> = pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let head = if i == 0 {
                lead.clone()
            } else {
                Span::raw(" ".repeat(indent))
            };
            let mut spans = vec![head, Span::styled(piece, style)];
            if i + 1 == n && hint_fits && !hint.is_empty() {
                spans.push(Span::styled(hint, t.dim()));
            }
            Line::from(spans)
        })
        .collect();
    if !hint_fits && !hint.is_empty() && lines.len() < max_lines {
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(indent)),
            Span::styled(hint.trim_start().to_owned(), t.dim()),
        ]));
    }
    lines
}

pub fn draw_status(lines: Vec<Line<'static>>, frame: &mut Frame, area: Rect) {
    frame.render_widget(Paragraph::new(lines), area);
}
