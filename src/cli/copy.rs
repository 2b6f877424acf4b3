//! `--copy`: the new secret goes to the clipboard, and the command waits to
//! clear it (or until Ctrl-C).

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;

use super::Context;
use super::output::note;
use crate::clipboard::{Cleared, Clipboard, Copied, Environment, Kind};
use crate::model::SecretReveal;

pub struct PendingCopy {
    clipboard: Arc<Clipboard>,
    copied: Copied,
}

/// Sends an OSC 52 escape to the controlling terminal, not to standard output,
/// which may be a pipe or a file that must never hold the secret.
fn write_to_terminal(escape: &str) -> anyhow::Result<()> {
    let mut tty = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .context("OSC 52 needs a terminal, and this process has none; use clipboard = \"system\" or drop --copy")?;
    tty.write_all(escape.as_bytes())?;
    tty.flush()?;
    Ok(())
}

pub async fn copy_secret(ctx: &Context, reveal: &SecretReveal) -> anyhow::Result<PendingCopy> {
    let clipboard = Arc::new(Clipboard::new(
        ctx.config.clipboard.clone(),
        Environment::from_env(),
    ));
    let secret = reveal.secret.clone();
    let board = clipboard.clone();
    let copied =
        tokio::task::spawn_blocking(move || board.copy(Kind::ClientSecret, secret.expose()))
            .await
            .context("the clipboard task failed")??;
    if let Some(escape) = &copied.escape {
        write_to_terminal(escape)?;
    }
    Ok(PendingCopy { clipboard, copied })
}

pub async fn wait_and_clear(pending: PendingCopy) -> anyhow::Result<()> {
    let PendingCopy { clipboard, copied } = pending;
    note(format_args!(
        "{}. Waiting to clear it; press Ctrl-C to clear it now.",
        copied.status(Instant::now())
    ));
    if let Some(at) = copied.clear_at {
        tokio::select! {
            _ = tokio::time::sleep_until(at.into()) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    let board = clipboard.clone();
    let cleared = tokio::task::spawn_blocking(move || board.clear_if_unchanged())
        .await
        .context("the clipboard task failed")??;
    match cleared {
        Cleared::Osc52 { escape } => {
            write_to_terminal(&escape)?;
            note(format_args!(
                "Clipboard overwritten (OSC 52 cannot read back, so it is always emptied)."
            ));
        }
        Cleared::System => note(format_args!("Clipboard cleared.")),
        Cleared::ChangedSinceCopy => note(format_args!(
            "Clipboard left alone: it holds something else now."
        )),
        Cleared::Nothing => {}
    }
    Ok(())
}
