use std::process::ExitCode;

fn main() -> ExitCode {
    match keyward::cli::main() {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => {
            // `keyward apps list | head`: the reader left; that is not a failure.
            ExitCode::SUCCESS
        }
        Err(e) => {
            // One line, no backtrace. Errors never carry a secret: secrets are
            // redacted types that do not print themselves.
            eprintln!(
                "keyward: error: {}",
                keyward::text::printable(&format!("{e:#}"))
            );
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}
