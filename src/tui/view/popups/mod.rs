//! Dialogs drawn over the main screen, one file per kind: the scope grid of the
//! add dialog and the scope editor, the confirmations, the new-secret and
//! retire dialogs, help, and the scope browser.

mod audit;
mod browser;
mod confirm;
mod copy_as;
mod help;
mod palette;
mod quit;
mod scopes;
mod secret;
mod token;
mod trash;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;
use crate::tui::state::{Popup, State};

pub fn draw(state: &State, popup: &Popup, frame: &mut Frame, area: Rect, t: Theme) {
    match popup {
        Popup::Add(form) => scopes::draw_add(state, form, frame, area, t),
        Popup::Scopes { name, grid, .. } => scopes::draw_editor(state, name, grid, frame, area, t),
        Popup::Rename { input, error, .. } => confirm::draw_rename(input, error, frame, area, t),
        Popup::NewSecret { id, name, .. } => {
            secret::draw_new_secret(state, id, name, frame, area, t)
        }
        Popup::RetireConfirm { id, name, .. } => {
            secret::draw_retire(state, id, name, frame, area, t)
        }
        Popup::SuspendConfirm {
            id, name, suspend, ..
        } => confirm::draw_suspend(id, name, *suspend, frame, area, t),
        Popup::DeleteConfirm {
            id,
            name,
            input,
            error,
            ..
        } => confirm::draw_delete(state.trash_days, (id, name), input, error, frame, area, t),
        Popup::QuitConfirm { names, .. } => quit::draw(names, frame, area, t),
        Popup::Help => help::draw(state.window_secs, frame, area, t),
        Popup::Browser(b) => browser::draw(state, b, frame, area, t),
        Popup::Token(p) => token::draw(state, p, frame, area, t),
        Popup::Audit(log) => audit::draw(log, frame, area, t),
        Popup::Trash(view) => trash::draw(state, view, frame, area, t),
        Popup::Palette(p) => palette::draw(state, p, frame, area, t),
        Popup::CopyAs { name, .. } => copy_as::draw(state, name, frame, area, t),
    }
}

pub(super) fn dialog<'a>(frame: &mut Frame, r: Rect, title: &str, t: Theme) -> Block<'a> {
    clear_under(frame, r);
    Block::bordered().title(Span::styled(
        crate::text::one_line(title).into_owned(),
        t.title(),
    ))
}

/// Clears the popup's area and one column either side of it. The margin
/// matters twice: a wide character (日, 🔑) just left of the popup covers two
/// cells, and the terminal would draw its right half over the popup's left
/// border; and a dialog a few columns narrower than the screen would
/// otherwise sit between stray characters of the screen behind it.
fn clear_under(frame: &mut Frame, r: Rect) {
    let screen = frame.area();
    let left = r.x.saturating_sub(1).max(screen.x);
    let right = (r.x + r.width + 1).min(screen.x + screen.width);
    let margin = Rect::new(left, r.y, right.saturating_sub(left), r.height);
    frame.render_widget(Clear, margin.intersection(screen));
}

/// Marks on the bottom border of a popup (`r`) when its list goes on past
/// what is shown: `↑ 3 more`, `↓ 7 more`, `← 1 more`, `→ 9 more`.
pub(super) fn more_marks(frame: &mut Frame, r: Rect, hidden: Hidden, t: Theme) {
    let marks: Vec<String> = [
        (hidden.above, "↑"),
        (hidden.below, "↓"),
        (hidden.left, "←"),
        (hidden.right, "→"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, arrow)| format!("{arrow} {n} more"))
    .collect();
    if marks.is_empty() || r.height < 2 || r.width < 4 {
        return;
    }
    let text = format!(" {} ", marks.join(" · "));
    let w = (text.width() as u16).min(r.width - 2);
    let at = Rect::new(r.x + r.width - 2 - w, r.y + r.height - 1, w, 1);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(Span::styled(text, t.key())),
        at,
    );
}

/// How much of a scrolled list lies outside the view, in each direction.
#[derive(Clone, Copy, Default)]
pub(super) struct Hidden {
    pub above: usize,
    pub below: usize,
    pub left: usize,
    pub right: usize,
}

pub(super) fn input_line<'a>(
    label: &str,
    text: &str,
    focused: bool,
    width: u16,
    t: Theme,
) -> Line<'a> {
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
