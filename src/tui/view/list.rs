use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use unicode_width::UnicodeWidthStr;

use super::text::{fit, right};
use super::theme::Theme;
use crate::model::AppOrder;
use crate::tui::state::State;

/// The width of the last-used column: `never`, `59m`, `364d`.
const USED_W: usize = 5;

/// Why the list shows no application: none yet, a filter that matches none,
/// or an `unused:` word without a duration.
fn draw_nothing_shown(state: &State, total: usize, frame: &mut Frame, inner: Rect, t: Theme) {
    let query = crate::tui::filter::Query::parse(&state.filter.query);
    let text = if total == 0 {
        " None yet: a adds one".to_owned()
    } else if let Some(Err(_)) = query.unused_for {
        format!(
            " {}N needs a unit: 90d, 24h, 15m, 30s",
            crate::tui::filter::UNUSED
        )
    } else {
        format!(" Nothing matches /{}; Esc clears", state.filter.query)
    };
    let text =
        Paragraph::new(Span::styled(text, t.dim())).wrap(ratatui::widgets::Wrap { trim: false });
    frame.render_widget(text, inner);
}

/// `Applications (4)`, `Applications (2 of 4)`, with the order when it is
/// not by name (`· by last used`); `Apps` when the list is too narrow.
fn title(state: &State, total: usize, width: usize) -> String {
    let count = if state.list.visible.len() == total {
        total.to_string()
    } else {
        format!("{} of {total}", state.list.visible.len())
    };
    let order = if state.order == AppOrder::Name {
        String::new()
    } else {
        format!(" · {}", state.order.words())
    };
    let full = format!(" Applications ({count}){order} ");
    if full.width() + 2 <= width || order.is_empty() {
        full
    } else {
        format!(" Apps ({count}){order} ")
    }
}

pub fn draw(state: &State, frame: &mut Frame, area: Rect, t: Theme) {
    let total = state.apps().len();
    let title = title(state, total, area.width as usize);
    let mut block = Block::bordered().title(Span::styled(title, t.title()));
    if state.filter.editing || !state.filter.query.is_empty() {
        let cursor = if state.filter.editing { "█" } else { "" };
        block = block.title(
            Line::from(Span::styled(
                format!(" /{}{cursor} ", state.filter.query),
                t.key(),
            ))
            .right_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let rows = inner.height as usize;
    if rows == 0 || w == 0 {
        return;
    }
    let Some(region) = state.region() else {
        return;
    };
    if !region.loaded {
        frame.render_widget(Paragraph::new(Span::styled(" Loading…", t.dim())), inner);
        return;
    }
    if state.list.visible.is_empty() {
        draw_nothing_shown(state, total, frame, inner, t);
        return;
    }
    // Column widths: the name takes what the others leave. Narrow lists drop
    // the creation date, then when it was last used, then the client ID.
    let show_date = w >= 60;
    let show_used = w >= 44;
    let show_id = w >= 30;
    let fixed = 2
        + 5
        + 1
        + if show_id { 10 } else { 0 }
        + if show_used { USED_W + 1 } else { 0 }
        + if show_date { 11 } else { 0 };
    let name_w = w.saturating_sub(fixed).max(4);
    // Only the rows on screen are formatted, so a huge region costs nothing extra.
    let offset = if state.list.selected >= state.list.offset
        && state.list.selected < state.list.offset + rows
    {
        state.list.offset
    } else {
        state.list.selected.saturating_sub(rows - 1)
    };
    let apps = state.apps();
    let lines: Vec<Line> = state
        .list
        .visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .filter_map(|(pos, &i)| {
            let a = apps.get(i)?;
            let sel = pos == state.list.selected;
            let mut row = String::with_capacity(w + 8);
            row.push_str(if sel { "▶ " } else { "  " });
            // A suspended application is marked before its name: it gets no token.
            if a.is_suspended() {
                row.push_str(&fit(&format!("⏸ {}", a.client_name), name_w));
            } else {
                row.push_str(&fit(a.client_name.as_str(), name_w));
            }
            if show_id {
                row.push(' ');
                row.push_str(&fit(&a.client_id.short(), 9));
            }
            row.push(' ');
            // An admin client holds no catalog scope: "0 sc" would look harmless.
            let scopes = if a.admin {
                "admin".to_owned()
            } else {
                format!("{} sc", a.grants.len())
            };
            row.push_str(&right(&scopes, 5));
            if show_used {
                // How long since its last token: `3d`, or `never`.
                let used = a
                    .last_used_at
                    .map_or_else(|| "never".to_owned(), |at| super::age(state.now, at));
                row.push(' ');
                row.push_str(&right(&used, USED_W));
            }
            if show_date {
                row.push(' ');
                row.push_str(&a.created_at.format("%Y-%m-%d").to_string());
            }
            let row = fit(&row, w);
            let style = if sel {
                t.selected()
            } else {
                ratatui::style::Style::new()
            };
            Some(Line::from(Span::styled(row, style)))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
