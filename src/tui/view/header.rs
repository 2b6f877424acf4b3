use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;
use crate::tui::layout::{TABS_X, tab_labels};
use crate::tui::state::State;

pub fn draw(state: &State, frame: &mut Frame, area: Rect, t: Theme) {
    let mut spans = vec![Span::styled(" Keyward  ", t.title())];
    debug_assert_eq!(" Keyward  ".width(), TABS_X as usize);
    for (i, label) in tab_labels(state, area.width).iter().enumerate() {
        if i == state.active {
            spans.push(Span::styled(format!("[{label}]"), t.active_tab()));
        } else {
            spans.push(Span::raw(format!(" {label} ")));
        }
        spans.push(Span::raw(" "));
    }
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    // The spinner, then the help hint; words go first when room is short.
    let spin = super::spinner(state.spinner);
    // A region that only reads says so before anything else.
    let ro = if state.read_only().is_some() {
        "read-only  "
    } else {
        ""
    };
    let candidates = if state.pending > 0 {
        vec![
            format!("{spin} working…   {ro}? help "),
            format!("{spin} {ro}? help "),
            format!("{spin} {ro}"),
            format!("{spin} "),
        ]
    } else {
        vec![format!("{ro}? help "), ro.to_owned()]
    };
    let room = (area.width as usize).saturating_sub(used + 1);
    let right = candidates
        .into_iter()
        .find(|c| c.width() <= room)
        .unwrap_or_default();
    let pad = (area.width as usize).saturating_sub(used + right.width());
    if pad > 0 && !right.is_empty() {
        spans.push(Span::raw(" ".repeat(pad)));
        match right.split_once("read-only") {
            Some((before, after)) => {
                spans.push(Span::styled(before.to_owned(), t.dim()));
                spans.push(Span::styled("read-only", t.error()));
                spans.push(Span::styled(after.to_owned(), t.dim()));
            }
            None => spans.push(Span::styled(right, t.dim())),
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
