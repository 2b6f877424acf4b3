//! The loop's side of copying. Clipboard calls run on a blocking thread (a
//! system clipboard may take up to its time bound to fail, and the UI must not
//! freeze meanwhile); what comes back is written to the terminal by the loop,
//! between frames, and turned into a message for `update`.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use super::msg::{CopyInfo, Msg};
use crate::clipboard::{Cleared, Clipboard, ClipboardError, Copied, Kind};
use crate::model::ClientSecret;

/// A finished clipboard call, on its way back to the loop.
pub enum ClipboardDone {
    Copied {
        what: Kind,
        result: Result<Copied, ClipboardError>,
    },
    Cleared(Result<Cleared, ClipboardError>),
}

pub fn start_copy(
    clipboard: &Arc<Clipboard>,
    what: Kind,
    text: ClientSecret,
    tx: &UnboundedSender<ClipboardDone>,
) {
    let clipboard = clipboard.clone();
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let result = clipboard.copy(what, text.expose());
        let _ = tx.send(ClipboardDone::Copied { what, result });
    });
}

pub fn start_clear(clipboard: &Arc<Clipboard>, tx: &UnboundedSender<ClipboardDone>) {
    let clipboard = clipboard.clone();
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let _ = tx.send(ClipboardDone::Cleared(clipboard.clear_if_unchanged()));
    });
}

/// Writes an OSC 52 escape to the terminal. The escape may carry a secret
/// (base64), so it is never logged.
fn write_escape(out: &mut dyn Write, escape: &str) -> Result<(), String> {
    out.write_all(escape.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write to the terminal: {e}"))
}

/// Completes a clipboard call: writes what must go to the terminal and says
/// what happened as a message.
pub fn finish(done: ClipboardDone, out: &mut dyn Write) -> Msg {
    match done {
        ClipboardDone::Copied { what, result } => {
            let result = result.map_err(|e| e.to_string()).and_then(|copied| {
                if let Some(escape) = &copied.escape {
                    write_escape(out, escape)?;
                }
                let now = Instant::now();
                Ok(CopyInfo {
                    how: copied.route.outcome(),
                    clears_at: copied.clear_at.map(|at| {
                        Utc::now()
                            + chrono::Duration::from_std(at.saturating_duration_since(now))
                                .unwrap_or_default()
                    }),
                    fell_back: copied.fell_back,
                })
            });
            Msg::Copied { what, result }
        }
        ClipboardDone::Cleared(result) => {
            let result = result
                .map_err(|e| e.to_string())
                .and_then(|cleared| match cleared {
                    Cleared::Nothing => Ok("Clipboard: nothing to clear".to_owned()),
                    Cleared::System => Ok("Clipboard cleared".to_owned()),
                    Cleared::ChangedSinceCopy => {
                        Ok("Clipboard left alone: it holds something else now".to_owned())
                    }
                    Cleared::Osc52 { escape } => {
                        write_escape(out, &escape)?;
                        Ok("Clipboard clear sent to your terminal (OSC 52)".to_owned())
                    }
                });
            Msg::ClipboardCleared { result }
        }
    }
}

/// On quit: clear what we copied if it is still there. Blocking is fine here,
/// the UI is going away; the time bound still applies.
pub fn clear_on_quit(clipboard: &Clipboard, out: &mut dyn Write) {
    if let Ok(Cleared::Osc52 { escape }) = clipboard.clear_if_unchanged() {
        let _ = write_escape(out, &escape);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clipboard::{Environment, Mode, Settings};

    fn osc52() -> Clipboard {
        Clipboard::new(
            Settings {
                mode: Mode::Osc52,
                ..Settings::default()
            },
            Environment::default(),
        )
    }

    #[test]
    fn a_copy_writes_the_escape_and_reports_the_countdown() {
        let c = osc52();
        let copied = c.copy(Kind::ClientSecret, "abc");
        let mut out = Vec::new();
        let msg = finish(
            ClipboardDone::Copied {
                what: Kind::ClientSecret,
                result: copied,
            },
            &mut out,
        );
        assert_eq!(out, b"\x1b]52;c;YWJj\x07");
        match msg {
            Msg::Copied {
                result: Ok(info), ..
            } => {
                assert_eq!(info.how, "sent to your terminal (OSC 52)");
                let left = info.clears_at.unwrap() - Utc::now();
                assert!(left.num_seconds() > 40 && left.num_seconds() <= 45);
            }
            _ => panic!("expected a copy"),
        }
    }

    #[test]
    fn quitting_overwrites_an_osc52_copy() {
        let c = osc52();
        c.copy(Kind::ClientSecret, "abc").unwrap();
        let mut out = Vec::new();
        clear_on_quit(&c, &mut out);
        assert_eq!(out, b"\x1b]52;c;\x07");
        let mut again = Vec::new();
        clear_on_quit(&c, &mut again);
        assert!(again.is_empty(), "nothing left to clear");
    }
}
