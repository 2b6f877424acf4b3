use std::io::Write;
use std::process::ExitCode;

use keyward::cli::output::{Undelivered, is_broken_pipe};

fn main() -> ExitCode {
    match keyward::cli::main() {
        Ok(code) => code,
        // A change was made and its output lost: never quiet (see `Undelivered`).
        Err(e) if e.downcast_ref::<Undelivered>().is_some() => {
            report(&e);
            ExitCode::FAILURE
        }
        Err(e) if is_broken_pipe(&e) => {
            // `keyward apps list | head`: the reader left; that is not a failure.
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(&e);
            ExitCode::FAILURE
        }
    }
}

/// One line, no backtrace: what went wrong, and what to do next when the CLI
/// knows (see `cli::advice`). Errors never carry a secret: secrets are redacted
/// types that do not print themselves. Written with `write!`, not `eprintln!`,
/// which would panic if standard error cannot be written.
fn report(e: &anyhow::Error) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "keyward: error: {}",
        keyward::text::printable(&keyward::cli::advice::error_line(e))
    );
}
