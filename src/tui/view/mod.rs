//! `view(&state, frame)`: draws the state and nothing else. It never reads the
//! clock (the time is `state.now`), so snapshots are deterministic.

mod details;
mod footer;
mod header;
mod list;
mod popups;
pub mod text;
pub mod theme;

use ratatui::Frame;

use super::layout;
use super::state::State;
use theme::Theme;

pub fn view(state: &State, frame: &mut Frame) {
    let t = Theme {
        color: !state.no_color,
    };
    let area = frame.area();
    let status = footer::status_lines(state, area.width, status_max_lines(area.height), t);
    let a = layout::areas_with_status(area, status.len() as u16);
    header::draw(state, frame, a.header, t);
    list::draw(state, frame, a.list, t);
    details::draw(state, frame, a.details, t);
    footer::draw_keys(state, frame, a.footer, t);
    footer::draw_status(status, frame, a.status);
    if let Some(p) = &state.popup {
        popups::draw(state, p, frame, area, t);
    }
    scrub(frame.buffer_mut());
}

/// How many rows a long status message may take from the body: a third of
/// the screen, so an error of several hundred characters is read in full
/// (the body shrinks until Esc dismisses it).
fn status_max_lines(height: u16) -> usize {
    (height as usize / 3).max(1)
}

/// The last line of defence: text is cleaned where it is drawn, but a cell
/// that still holds a control character or a bidi override (from a path that
/// missed it) is cleaned here, before anything is written to the terminal.
/// A few thousand cells per frame, so it costs nothing next to the draw.
#[cfg(test)]
pub fn scrub_for_tests(buf: &mut ratatui::buffer::Buffer) {
    scrub(buf)
}

fn scrub(buf: &mut ratatui::buffer::Buffer) {
    let bad = |c: char| c.is_control() || crate::text::is_invisible_format(c);
    for cell in buf.content.iter_mut() {
        if cell.symbol().chars().any(bad) {
            let clean: String = cell.symbol().chars().filter(|&c| !bad(c)).collect();
            cell.set_symbol(if clean.is_empty() { "\u{FFFD}" } else { &clean });
        }
    }
}

/// How long ago `at` was, in one unit: `12s`, `3m`, `5h`, `3d` (a time
/// ahead of `now`, from a clock a little off, is `0s`).
pub fn age(now: chrono::DateTime<chrono::Utc>, at: chrono::DateTime<chrono::Utc>) -> String {
    let secs = (now - at).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// `3m ago`.
pub fn ago(now: chrono::DateTime<chrono::Utc>, at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{} ago", age(now, at))
}

/// `⠋` and friends, one frame per tick while a call runs.
pub fn spinner(i: usize) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[i % FRAMES.len()]
}

/// Scope glyphs of the matrix and the list: `·` none, `r` read, `W` write.
pub fn access_glyph(a: crate::model::Access) -> &'static str {
    match a {
        crate::model::Access::None => "·",
        crate::model::Access::Read => "r",
        crate::model::Access::Write => "W",
    }
}

/// `read`, `read·write`: what a level holds, as the details pane shows it.
pub fn access_label(a: crate::model::Access) -> &'static str {
    match a {
        crate::model::Access::None => "none",
        crate::model::Access::Read => "read",
        crate::model::Access::Write => "read·write",
    }
}
