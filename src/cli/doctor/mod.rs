//! `keyward doctor`: checks the data dir, the config and every region's
//! backend, and the way a copy would take here, and says what to change.
//!
//! One line per check: ✓ fine, ! worth knowing (does not fail), ✗ broken
//! (the exit code is 1). Nothing it prints holds a secret, a password or a
//! token: URLs go through `text::redact_url`, tokens are never shown.
//! It reads and never repairs: a fix is the user's to make (see `fs`).

mod clipboard;
mod files;
mod regions;
mod terminal;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;

use super::output::{Stdout, print_json};
use crate::config::{Config, Paths};

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    fn symbol(self) -> &'static str {
        match self {
            Status::Ok => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        }
    }

    /// The ANSI colour of the symbol: green, yellow, red.
    fn colour(self) -> &'static str {
        match self {
            Status::Ok => "\x1b[32m",
            Status::Warn => "\x1b[33m",
            Status::Fail => "\x1b[31m",
        }
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: `data dir`, `secret.key`, `region us`, `tmux`, …
    pub check: String,
    pub status: Status,
    /// What was found.
    pub message: String,
    /// What to do about it, when something should be done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn new(check: impl Into<String>, status: Status, message: impl Into<String>) -> Check {
        Check {
            check: check.into(),
            status,
            message: message.into(),
            fix: None,
        }
    }

    fn ok(check: impl Into<String>, message: impl Into<String>) -> Check {
        Check::new(check, Status::Ok, message)
    }

    fn warn(check: impl Into<String>, message: impl Into<String>) -> Check {
        Check::new(check, Status::Warn, message)
    }

    fn fail(check: impl Into<String>, message: impl Into<String>) -> Check {
        Check::new(check, Status::Fail, message)
    }

    fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }
}

/// What `keyward doctor` was asked.
pub struct DoctorArgs {
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub json: bool,
    pub clipboard_test: bool,
}

/// The report as `--json` prints it.
#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    failed: usize,
    warnings: usize,
    checks: &'a [Check],
}

pub fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let checks = runtime.block_on(gather(&args));
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warnings = checks.iter().filter(|c| c.status == Status::Warn).count();
    let mut out = Stdout::new();
    if args.json {
        let report = Report {
            ok: failed == 0,
            failed,
            warnings,
            checks: &checks,
        };
        print_json(&mut out, &report)?;
    } else {
        let colour = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        print_text(&mut out, &checks, colour)?;
        writeln!(out, "\n{}", summary(failed, warnings))?;
    }
    out.finish()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Every check, in the order a problem is best fixed: files, config,
/// regions, clipboard.
async fn gather(args: &DoctorArgs) -> Vec<Check> {
    let mut checks = Vec::new();
    let paths = match Paths::resolve(args.data_dir.clone(), args.config.clone()) {
        Ok(paths) => paths,
        Err(e) => {
            checks.push(Check::fail("paths", e.to_string()));
            return checks;
        }
    };
    let data_dir = files::check_data_dir(&paths.data_dir, &mut checks);
    let loaded = regions::check_config(&paths, &mut checks);
    if let Some((config, catalog)) = &loaded {
        regions::check_regions(config, catalog, &paths, data_dir, &mut checks).await;
    }
    // A config that does not load still leaves the clipboard to check, as
    // `KEYWARD_CLIPBOARD` and the defaults would set it.
    let clipboard_settings = match &loaded {
        Some((config, _)) => config.clipboard.clone(),
        None => {
            let mut defaults = Config::default();
            let _ = defaults.apply_env(std::env::var("KEYWARD_CLIPBOARD").ok().as_deref());
            defaults.clipboard
        }
    };
    let env = crate::clipboard::Environment::from_env();
    clipboard::check_clipboard(&clipboard_settings, &env, &mut checks);
    if args.clipboard_test {
        checks.push(clipboard::clipboard_test(&clipboard_settings, &env));
    }
    checks
}

fn print_text(out: &mut impl Write, checks: &[Check], colour: bool) -> std::io::Result<()> {
    for c in checks {
        let symbol = if colour {
            format!("{}{}\x1b[0m", c.status.colour(), c.status.symbol())
        } else {
            c.status.symbol().to_owned()
        };
        let message = crate::text::printable(&c.message);
        match &c.fix {
            Some(fix) => writeln!(
                out,
                "{symbol} {}: {message}; {}",
                c.check,
                crate::text::printable(fix)
            )?,
            None => writeln!(out, "{symbol} {}: {message}", c.check)?,
        }
    }
    Ok(())
}

/// `All checks passed.`, `1 check failed, 2 warnings.`
fn summary(failed: usize, warnings: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (failed, warnings) {
        (0, 0) => "All checks passed.".to_owned(),
        (0, w) => format!("No check failed; {}.", plural(w, "warning", "warnings")),
        (f, 0) => format!("{} failed.", plural(f, "check", "checks")),
        (f, w) => format!(
            "{} failed, {}.",
            plural(f, "check", "checks"),
            plural(w, "warning", "warnings")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_per_check_with_symbol_and_fix_and_colour_only_when_asked() {
        let checks = [
            Check::ok("config", "parses"),
            Check::fail("tmux", "set-clipboard is off").fix("run `tmux set -s set-clipboard on`"),
        ];
        let mut plain = Vec::new();
        print_text(&mut plain, &checks, false).unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            "✓ config: parses\n✗ tmux: set-clipboard is off; run `tmux set -s set-clipboard on`\n"
        );
        let mut coloured = Vec::new();
        print_text(&mut coloured, &checks, true).unwrap();
        assert!(
            String::from_utf8(coloured)
                .unwrap()
                .starts_with("\x1b[32m✓\x1b[0m config")
        );
    }

    #[test]
    fn the_summary_counts() {
        assert_eq!(summary(0, 0), "All checks passed.");
        assert_eq!(summary(0, 2), "No check failed; 2 warnings.");
        assert_eq!(summary(1, 1), "1 check failed, 1 warning.");
    }
}
