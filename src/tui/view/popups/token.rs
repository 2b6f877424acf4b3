//! The token test panel (`t`): where the token came from, its type, scopes,
//! decoded claims and a countdown to its expiry; or the OAuth error.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::dialog;
use crate::tui::state::{State, TokenPanel};
use crate::tui::token::LOCAL;
use crate::tui::view::layout::centered;
use crate::tui::view::text::{fit, truncate};
use crate::tui::view::theme::Theme;

const LABEL: usize = 12;

#[allow(clippy::too_many_lines)] // split in the TUI architecture work
pub fn draw(state: &State, p: &TokenPanel, frame: &mut Frame, area: Rect, t: Theme) {
    let r = centered(area, 78, 18);
    let title = format!(" Token test: {} ", truncate(&p.name, 50));
    let block = dialog(frame, r, &title, t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let value_w = w.saturating_sub(LABEL);
    let row = |label: &str, value: Span<'static>| -> Line<'static> {
        Line::from(vec![Span::styled(fit(label, LABEL), t.bold()), value])
    };
    let via = if p.via == LOCAL {
        "local: minted here on this data dir's key".to_owned()
    } else {
        p.via.clone()
    };
    let mut lines = vec![row("From", Span::raw(truncate(&via, value_w)))];
    match &p.result {
        None => {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!(
                    "{} Requesting a token with the client ID, the secret and every scope it holds…",
                    crate::tui::view::spinner(state.spinner)
                ),
                t.dim(),
            )));
        }
        Some(Err(f)) => {
            lines.push(Line::from(""));
            lines.push(row(
                "✗ Refused",
                Span::styled(truncate(&f.error, value_w), t.error()),
            ));
            if let Some(d) = &f.description {
                lines.push(Line::from(""));
                lines.push(Line::from(Span::raw(crate::text::one_line(d).into_owned())));
            }
        }
        Some(Ok(tok)) => {
            lines.push(row(
                "Token",
                Span::styled(
                    truncate(&format!("{}  (prefix only)", tok.prefix), value_w),
                    t.ok(),
                ),
            ));
            lines.push(row(
                "Type",
                Span::raw(
                    tok.token_type
                        .clone()
                        .unwrap_or_else(|| "(none given)".into()),
                ),
            ));
            lines.push(row(
                "Scopes",
                Span::raw(truncate(
                    tok.scope
                        .as_deref()
                        .filter(|s| !s.is_empty())
                        .unwrap_or("(none)"),
                    value_w,
                )),
            ));
            let expiry = match tok.expires_at {
                Some(at) => {
                    let left = (at - state.now).num_seconds();
                    if left > 0 {
                        Span::styled(
                            format!("{}  (at {})", mm_ss_long(left), at.format("%H:%M:%S UTC")),
                            t.ok(),
                        )
                    } else {
                        Span::styled("expired", t.warn())
                    }
                }
                None => Span::styled("(not given)", t.dim()),
            };
            lines.push(row("Expires in", expiry));
            if tok.claims.is_empty() {
                lines.push(row("Claims", Span::styled("not a JWT", t.dim())));
            } else {
                lines.push(Line::from(Span::styled("Claims", t.bold())));
                for (name, value) in &tok.claims {
                    lines.push(Line::from(vec![
                        Span::styled(fit(&format!("  {name}"), LABEL), t.dim()),
                        Span::raw(truncate(value, value_w)),
                    ]));
                }
            }
        }
    }
    let body = Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    if inner.height > 0 {
        let keys = if p.result.is_some() {
            "t again  Esc close"
        } else {
            "Esc close"
        };
        let foot = Rect {
            y: inner.y + inner.height - 1,
            height: 1,
            ..inner
        };
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(
                crate::tui::view::text::right(keys, w),
                t.dim(),
            ))),
            foot,
        );
    }
}

/// `59:58`, or `1:02:03` past an hour.
fn mm_ss_long(secs: i64) -> String {
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
    } else {
        format!("{:02}:{:02}", secs / 60, secs % 60)
    }
}
