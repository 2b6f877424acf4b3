//! Human and JSON output.

use std::io::Write;

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

pub fn print_table(t: &Table) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in t.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `mm:ss` until `until`.
pub fn countdown(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (until - now).num_seconds().max(0);
    format!("{}:{:02}", secs / 60, secs % 60)
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

    pub fn print(&self) -> anyhow::Result<()> {
        let width = self
            .rows
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = std::io::stdout().lock();
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
