//! Where things go on the screen. Pure functions of the terminal size, shared by
//! `view` (to draw) and `update` (to know what a mouse click hit and how long a
//! page is).

use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use crate::tui::state::State;

pub struct Areas {
    pub header: Rect,
    pub list: Rect,
    pub details: Rect,
    pub footer: Rect,
    pub status: Rect,
}

/// Below this width the list and the details stack instead of sitting side by
/// side: narrower, the details pane could not hold a secret on one line.
pub const SIDE_BY_SIDE_MIN_WIDTH: u16 = 80;

/// The details pane's least width side by side: a secret (48 characters) on a
/// line of its own between the borders, so a mouse selection copies it whole.
const DETAILS_MIN_WIDTH: u16 = crate::model::SECRET_LEN as u16 + 2;

/// The screen with a one-line status (what `update` pages and clicks by).
pub fn areas(area: Rect) -> Areas {
    areas_with_status(area, 1)
}

/// The screen with `status_h` lines of status at the bottom: a long message
/// takes rows from the body rather than being cut.
pub fn areas_with_status(area: Rect, status_h: u16) -> Areas {
    let h = area.height;
    let status_h = if h >= 2 {
        status_h.clamp(1, h.saturating_sub(4).max(1))
    } else {
        0
    };
    let row = |y: u16, height: u16| Rect::new(area.x, area.y + y, area.width, height);
    let header = row(0, h.min(1));
    let footer_y = h.saturating_sub(1 + status_h).max(1);
    let footer = row(footer_y.min(h), if h >= 3 { 1 } else { 0 });
    let status = row(h.saturating_sub(status_h), status_h);
    let body_h = footer_y.saturating_sub(1);
    let body = row(1.min(h), body_h);
    let (list, details) = if area.width >= SIDE_BY_SIDE_MIN_WIDTH {
        let lw = (area.width * 9 / 20)
            .min(area.width.saturating_sub(DETAILS_MIN_WIDTH))
            .max(30)
            .min(area.width);
        (
            Rect::new(body.x, body.y, lw, body.height),
            Rect::new(body.x + lw, body.y, area.width - lw, body.height),
        )
    } else {
        let lh = body.height / 2;
        (
            Rect::new(body.x, body.y, body.width, lh),
            Rect::new(body.x, body.y + lh, body.width, body.height - lh),
        )
    };
    Areas {
        header,
        list,
        details,
        footer,
        status,
    }
}

/// Rows of applications the list shows at once.
pub fn list_rows(size: (u16, u16)) -> usize {
    let a = areas(Rect::new(0, 0, size.0, size.1));
    a.list.height.saturating_sub(2) as usize
}

/// The first screen row of the list's applications.
pub fn list_first_row(size: (u16, u16)) -> Rect {
    let a = areas(Rect::new(0, 0, size.0, size.1));
    Rect::new(
        a.list.x + 1,
        a.list.y + 1,
        a.list.width.saturating_sub(2),
        a.list.height.saturating_sub(2),
    )
}

/// The text of each region tab, e.g. `1 US · embedded`; the location is left
/// out when the screen is too narrow for it.
pub fn tab_labels(state: &State, width: u16) -> Vec<String> {
    let full: Vec<String> = state
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{} {} · {}", i + 1, r.name, r.location))
        .collect();
    let need: usize = 10 + full.iter().map(|l| l.width() + 3).sum::<usize>() + 10;
    if need <= width as usize {
        full
    } else {
        state
            .regions
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{} {}", i + 1, r.name))
            .collect()
    }
}

/// Where the header starts drawing tabs.
pub const TABS_X: u16 = 10;

/// The column span of each tab: `[label]` plus one space between tabs.
pub fn tab_spans(state: &State, width: u16) -> Vec<(u16, u16)> {
    let mut x = TABS_X;
    tab_labels(state, width)
        .iter()
        .map(|l| {
            let w = l.width() as u16 + 2;
            let span = (x, x + w);
            x += w + 1;
            span
        })
        .collect()
}

/// A rectangle of `w` x `h` centred in `area`, clipped to it.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Most candidates the command palette lists at once: it fits 80x24 with
/// the list behind it still in view.
pub const PALETTE_ROWS: usize = 6;

/// The command palette's box, holding `lines` lines (the prompt, an error,
/// the candidates): near the top, where the eye is after pressing `:`.
pub fn palette_area(area: Rect, lines: u16) -> Rect {
    let w = area.width.saturating_sub(4).min(76);
    let h = (lines + 2).min(area.height.saturating_sub(2));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + 2.min(area.height),
        w,
        h,
    )
}

/// The quit confirmation's box: fixed, so a click can be told from its size.
pub fn quit_dialog(area: Rect) -> Rect {
    centered(area, 62, 9)
}

/// The quit confirmation's buttons, `[ y Quit ]` and `[ N Stay ]`:
/// right-aligned on the row above the bottom margin.
pub fn quit_buttons(area: Rect) -> [Rect; 2] {
    buttons(quit_dialog(area), &[10, 10])
}

/// Buttons `widths` wide, two columns apart, ending three columns inside
/// `dialog`'s right border, on its last row but one inside the border.
fn buttons<const N: usize>(dialog: Rect, widths: &[u16; N]) -> [Rect; N] {
    let row = (dialog.y + dialog.height).saturating_sub(3).max(dialog.y);
    let total: u16 = widths.iter().sum::<u16>() + 2 * (N as u16).saturating_sub(1);
    let mut x = (dialog.x + dialog.width)
        .saturating_sub(4 + total)
        .max(dialog.x);
    widths.map(|w| {
        let r = Rect::new(x, row, w, 1).intersection(dialog);
        x += w + 2;
        r
    })
}

/// Whether the screen cell (`column`, `row`) is inside `r`.
pub fn hits(r: Rect, column: u16, row: u16) -> bool {
    column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height
}
