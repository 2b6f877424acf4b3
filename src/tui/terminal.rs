//! Entering and leaving the full screen. The alternate screen keeps secrets out
//! of the scrollback; the terminal is restored on quit, on panic, and (through
//! the event loop) on SIGTERM and SIGHUP.

use std::io::{self, Stdout, Write};

use crossterm::cursor::MoveTo;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, whichever way the UI ends.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

pub fn setup() -> io::Result<(Term, Guard)> {
    install_panic_hook();
    enable_raw_mode()?;
    let guard = Guard;
    let mut out = io::stdout();
    // Bracketed paste: a paste arrives as text, never as keys that could
    // confirm a dialog.
    execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    let term = Terminal::new(CrosstermBackend::new(out))?;
    Ok((term, guard))
}

/// Best effort: each step runs even if an earlier one failed (after SIGHUP the
/// terminal may already be gone).
///
/// The alternate screen is blanked before it is left: after the terminal has
/// been resized (narrower, then wider than at the start), tmux carries part of
/// the alternate screen over to the main screen when it is left, and with it
/// a secret on display. A blank screen carries nothing.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        Clear(ClearType::All),
        MoveTo(0, 0),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Leave the alternate screen first so the message is readable.
        restore();
        previous(info);
    }));
}

/// How often the UI checks that its terminal is still there.
const HANGUP_CHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// The exit status after a hangup, as a shell reports a SIGHUP (128 + 1).
const EXIT_HUNG_UP: i32 = 129;

/// Ends the process once its terminal has gone away (an SSH connection
/// dropped, tmux killed), checked every second from a runtime worker.
///
/// Why a watch of its own: crossterm reads a hung-up terminal in a loop that
/// never ends (each read returns 0 or EIO, and it reads again), on whichever
/// thread polls it, which is the UI's loop. A SIGHUP does not help when that
/// loop is already inside the read, nor when none comes (a process outside
/// the terminal's session). Nothing is lost: every change is already
/// committed, and a secret on offer dies with the screen it was shown on.
pub fn end_when_hung_up() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(HANGUP_CHECK);
        loop {
            every.tick().await;
            // A hung-up terminal refuses every ioctl (EIO).
            if rustix::termios::tcgetattr(std::io::stdin()).is_err() {
                std::process::exit(EXIT_HUNG_UP);
            }
        }
    });
}
