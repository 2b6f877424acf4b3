//! Confirmation before dangerous actions.

use std::io::{BufRead, IsTerminal, Write};

/// Asks `question` on the terminal and returns whether the answer was yes.
/// With `yes` set it does not ask. Off a terminal, without `yes`, it refuses
/// with an error that says to pass `--yes`.
pub fn confirm(question: &str, action: &str, yes: bool) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "refusing to {action} without --yes: standard input is not a terminal, so nobody can confirm"
        );
    }
    let mut err = std::io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
