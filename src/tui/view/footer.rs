use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

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
        Some(Popup::ResetConfirm { .. }) => vec![("y", "reset"), ("n/Esc", "cancel")],
        Some(Popup::DeleteConfirm { .. }) => {
            vec![("type", "the name"), ("Enter", "delete"), ("Esc", "cancel")]
        }
        Some(Popup::QuitConfirm { .. }) => vec![("y", "quit"), ("n/Esc", "stay")],
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

pub fn draw_status(state: &State, frame: &mut Frame, area: Rect, t: Theme) {
    let mut spans = Vec::new();
    if state.pending > 0 {
        spans.push(Span::styled(
            format!(" {} ", super::spinner(state.spinner)),
            t.key(),
        ));
    } else {
        spans.push(Span::raw(" "));
    }
    if let Some(s) = &state.status {
        match s.kind {
            StatusKind::Error => {
                spans.push(Span::styled(
                    format!("✗ {}", crate::text::one_line(&s.text)),
                    t.error(),
                ));
                spans.push(Span::styled("  (Esc dismisses)", t.dim()));
            }
            StatusKind::Info => spans.push(Span::raw(crate::text::one_line(&s.text).into_owned())),
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
