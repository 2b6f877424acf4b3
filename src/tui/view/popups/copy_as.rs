//! The copy formats (`Y`): which way to copy the visible credentials. Shows
//! only what the formats are and where a curl command would go; the
//! credentials themselves never appear here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::dialog;
use crate::tui::keys::{Action, Place, label_in};
use crate::tui::layout::centered;
use crate::tui::state::State;
use crate::tui::view::text::truncate;
use crate::tui::view::theme::Theme;

pub fn draw(state: &State, name: &str, frame: &mut Frame, area: Rect, t: Theme) {
    let r = centered(area, 66, 9);
    let block = dialog(frame, r, &format!(" Copy the credentials of {name} as "), t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let url = crate::tui::formats::token_url(state.region().map_or("", |r| r.token_via.as_str()));
    let names = &state.copy_names;
    let option = |action: Action, what: String| {
        Line::from(vec![
            Span::styled(format!("{:<3}", label_in(Place::CopyAs, action)), t.key()),
            Span::raw(truncate(&what, w.saturating_sub(3))),
        ])
    };
    let lines = vec![
        option(
            Action::CopyEnv,
            format!(
                "{}=… and {}=…",
                names.client_id_env, names.client_secret_env
            ),
        ),
        option(
            Action::CopyCurlBasic,
            "curl, -u id:secret (HTTP Basic)".into(),
        ),
        option(
            Action::CopyCurlForm,
            "curl, the credentials in the form body".into(),
        ),
        Line::from(Span::styled(truncate(&format!("   to {url}"), w), t.dim())),
        Line::from(""),
        Line::from(Span::styled(
            truncate(
                "Cleared from the clipboard as a copied secret is. Esc cancels.",
                w,
            ),
            t.dim(),
        )),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}
