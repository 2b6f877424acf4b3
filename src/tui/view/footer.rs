//! The bottom of the screen: the keys that do something right now (from
//! the key table) and the status line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::text::{truncate, wrap};
use super::theme::Theme;
use crate::tui::state::{State, StatusKind};

pub fn draw_keys(state: &State, frame: &mut Frame, area: Rect, t: Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (k, what) in crate::tui::keys::footer(state) {
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
