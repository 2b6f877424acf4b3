//! Human and JSON output.
//!
//! Everything the CLI prints on standard output goes through [`Stdout`], which
//! returns every error, unlike `println!` (which panics) and
//! `std::io::stdout()` (which silently swallows writes to a closed stdout).
//! A command that hands out a new secret turns an output error into
//! [`Undelivered`]; a read-only command's broken pipe is a quiet exit.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::fd::AsFd;

use chrono::{DateTime, Utc};
use comfy_table::{Table, presets};

use crate::catalog::Catalog;
use crate::model::Application;

/// A borderless table whose columns are aligned by display width (so wide
/// characters line up), never wrapped.
pub fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header);
    for col in t.column_iter_mut() {
        col.set_padding((0, 2));
    }
    t
}

/// Whether standard output leads nowhere: it is `/dev/null`, or it was
/// closed (`>&-`), which the Rust runtime turns into `/dev/null` before `main`
/// runs. Anything printed there is lost without an error.
pub fn stdout_goes_nowhere() -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return true;
    };
    let Ok(out) = File::from(fd).metadata() else {
        return true;
    };
    let Ok(null) = std::fs::metadata("/dev/null") else {
        return false;
    };
    out.file_type().is_char_device() && out.rdev() == null.rdev()
}

/// Why standard output could not take what was written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct OutputFailed(std::io::Error);

/// Standard output, buffered, with every error returned (see the module
/// comment). Errors keep their kind, so a broken pipe is still recognised,
/// and say that standard output is what failed.
pub struct Stdout {
    out: Option<BufWriter<File>>,
}

impl Stdout {
    pub fn new() -> Stdout {
        let out = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(|fd| BufWriter::new(File::from(fd)));
        Stdout { out }
    }

    fn failed(e: std::io::Error) -> std::io::Error {
        if e.get_ref().is_some_and(|inner| inner.is::<OutputFailed>()) {
            return e;
        }
        std::io::Error::new(e.kind(), OutputFailed(e))
    }

    fn inner(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        self.out
            .as_mut()
            .ok_or_else(|| Self::failed(std::io::Error::other("it is closed")))
    }

    /// Writes out what is buffered: call it before saying a command succeeded.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.flush()
    }
}

impl Default for Stdout {
    fn default() -> Self {
        Stdout::new()
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner()?.write(buf).map_err(Self::failed)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner()?.flush().map_err(Self::failed)
    }
}

/// Whether `e` says the reader of standard output went away (`| head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}

/// `e` and its causes as one line, `outer: cause: cause`, leaving out a cause
/// whose text its parent already shows (many errors print their source in
/// their own message, and would otherwise say it twice).
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// A change was committed but what it produced could not be printed. Its
/// message says what was changed, what was lost and what to do; it is never
/// a quiet exit, even for a broken pipe.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Undelivered(pub String);

/// Best effort: a line on standard error. If standard error itself cannot be
/// written, there is nowhere left to say so, and that must not panic.
pub fn note(message: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(message);
    let _ = err.write_all(b"\n");
}

pub fn print_table(out: &mut impl Write, t: &Table) -> std::io::Result<()> {
    for line in t.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

pub fn print_json<T: serde::Serialize>(out: &mut impl Write, value: &T) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `mm:ss` until `until`.
pub fn countdown(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (until - now).num_seconds().max(0).unsigned_abs();
    crate::text::clock(secs, false)
}

/// `23:12:04` (hours, minutes, seconds) until `until`, with days in front
/// when there are any (`2d 03:00:00`); `0:00:00` once it has passed.
pub fn long_countdown(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (until - now).num_seconds().max(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let hms = format!("{}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    if days > 0 {
        format!("{days}d {hms}")
    } else {
        hms
    }
}

/// `ess:account=read, forensics:account=write`, or `none`.
pub fn scope_summary(app: &Application) -> String {
    let mut parts: Vec<String> = app
        .grants
        .iter()
        .map(|g| format!("{}={}", g.scope, g.access))
        .collect();
    if app.admin {
        parts.push(crate::model::ADMIN_SCOPE.to_owned());
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Labelled lines: `  Label          value`.
#[derive(Default)]
pub struct Fields {
    rows: Vec<(String, String)>,
}

impl Fields {
    pub fn new() -> Self {
        Fields { rows: Vec::new() }
    }

    pub fn add(&mut self, label: &str, value: impl Into<String>) -> &mut Self {
        self.rows.push((label.to_owned(), value.into()));
        self
    }

    pub fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        let width = self
            .rows
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        for (label, value) in &self.rows {
            let mut lines = value.lines();
            writeln!(out, "  {label:<width$}  {}", lines.next().unwrap_or(""))?;
            for more in lines {
                writeln!(out, "  {:<width$}  {more}", "")?;
            }
        }
        Ok(())
    }
}

/// One line per scope held: id, access and the scope's title from the catalog.
pub fn scope_lines(app: &Application, catalog: &Catalog) -> String {
    if app.grants.is_empty() {
        return "none".to_owned();
    }
    let id_width = app
        .grants
        .iter()
        .map(|g| g.scope.as_str().len())
        .max()
        .unwrap_or(0);
    app.grants
        .iter()
        .map(|g| {
            // A grant the catalog no longer offers grants nothing: say so.
            let title = match (catalog.get(&g.scope), catalog.retired(g)) {
                (Some(d), Some(why)) => format!("{} ({why})", d.title),
                (None, Some(why)) => format!("({why})"),
                (Some(d), None) => d.title.clone(),
                (None, None) => String::new(),
            };
            let access = match g.access {
                crate::model::Access::Write => "read+write",
                a => a.as_str(),
            };
            format!("{:<id_width$}  {access:<10}  {title}", g.scope.as_str())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Resolves when standard output is a pipe or socket whose reader has left
/// (`keyward audit --follow | head -1`), so a command that may print nothing
/// for a long time still notices; never resolves where that cannot be
/// watched (a file, a terminal that stays).
pub async fn reader_gone() {
    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;
    let watched = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        // Deprecated because a borrowed fd could close while registered; this
        // AsyncFd owns its (duplicated) fd and drops it only after
        // deregistering, so that cannot happen here, and it needs no `unsafe`.
        .and_then(|fd| {
            #[allow(deprecated)]
            AsyncFd::with_interest(fd, Interest::ERROR).ok()
        });
    match watched {
        Some(fd) => {
            let _ = fd.ready(Interest::ERROR).await;
        }
        None => std::future::pending::<()>().await,
    }
}
