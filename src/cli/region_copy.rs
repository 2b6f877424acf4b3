//! `keyward regions copy`: moves an embedded region into PostgreSQL with its
//! secret hashes, so no secret changes and no platform has to be told.
//!
//! The audit log goes too, verbatim (its hashes chain over bodies that name
//! the region, which keeps its name). The embedded store is read in one
//! transaction and left as it is; the database is written in one
//! transaction (see `postgres::copy`). The plaintext of a secret inside its reveal window is in a process's memory
//! only, so it is not copied: such a secret works, but cannot be shown.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use serde::Serialize;

use super::Context;
use super::output::{Stdout, Undelivered, note, print_json};
use super::prompt::confirm;
use crate::config::{Backend, SecretSource};
use crate::model::Region;
use crate::registry::postgres::{DatabaseUrl, PostgresRegistry, load_database_url};
use crate::registry::snapshot::{CopyReport, RegionSnapshot};

#[derive(Debug, clap::Subcommand)]
pub enum RegionsCommand {
    /// Copy an embedded region into PostgreSQL with its secret hashes: no
    /// secret changes and no platform has to be told. The embedded region
    /// is left as it is; a region the database already has applications in
    /// is refused
    Copy(CopyArgs),
}

#[derive(Debug, clap::Args)]
#[command(group(
    clap::ArgGroup::new("target")
        .required(true)
        .args(["to_database_url_env", "to_database_url_file"])
))]
pub struct CopyArgs {
    /// The region to copy: embedded in this data dir's config; it keeps its
    /// name in the database
    #[arg(long)]
    pub region: Region,
    /// The environment variable holding the target database's URL,
    /// postgres://user:password@host:port/db (never an argument: it holds
    /// the password)
    #[arg(long, value_name = "VAR")]
    pub to_database_url_env: Option<String>,
    /// A file, readable by its owner only (0600), holding the target
    /// database's URL
    #[arg(long, value_name = "FILE")]
    pub to_database_url_file: Option<PathBuf>,
    /// Do not ask for confirmation (required when not on a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Print what was copied as JSON
    #[arg(long)]
    pub json: bool,
}

/// What `--json` prints.
#[derive(Serialize)]
struct CopyRecord<'a> {
    region: &'a str,
    from: String,
    to: String,
    copied: &'a CopyReport,
    /// Applications whose current secret is young enough that its
    /// plaintext may still be shown by the process that made it: it works
    /// in the database, but can no longer be shown there.
    recent_secrets: usize,
}

pub async fn run(ctx: &Context, cmd: RegionsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RegionsCommand::Copy(args) => copy(ctx, args).await,
    }
}

async fn copy(ctx: &Context, args: CopyArgs) -> anyhow::Result<ExitCode> {
    let region = args.region.clone();
    check_embedded(ctx, &region)?;
    let url = target_url(&args)?;
    let store = ctx.store()?;
    let from = store.db_path().display().to_string();
    let snapshot = store
        .registry(region.clone())
        .export_region()
        .await
        .with_context(|| format!("cannot read region {region} from {from}"))?;
    let to = url.display();
    let question = format!(
        "Copy region {region} ({} application{}) from {from} to {to}?\nThe embedded region is left as it is; changes made there afterwards are not copied.",
        snapshot.applications.len(),
        plural(snapshot.applications.len())
    );
    if !confirm(&question, "copy the region", args.yes)? {
        note(format_args!("Cancelled: nothing was copied."));
        return Ok(ExitCode::FAILURE);
    }
    let target = PostgresRegistry::connect(
        &url,
        &ctx.paths.data_dir,
        region.clone(),
        ctx.catalog.clone(),
        ctx.config.secret_visible_for,
    )?;
    let total = snapshot.applications.len();
    let on_terminal = std::io::stderr().is_terminal();
    let report = target
        .import_region(&snapshot, |done| {
            if on_terminal {
                let _ = write!(
                    std::io::stderr(),
                    "\rCopying region {region}: {done} of {total} applications…"
                );
            }
        })
        .await;
    if on_terminal && total > 0 {
        note(format_args!("\n"));
    }
    let report = report?;
    let record = CopyRecord {
        region: region.as_str(),
        from,
        to,
        copied: &report,
        recent_secrets: recent_secrets(&snapshot, ctx.config.secret_visible_for),
    };
    let mut out = Stdout::new();
    let printed = if args.json {
        print_json(&mut out, &record).and_then(|()| Ok(out.finish()?))
    } else {
        print_summary(&mut out, &record, &args).and_then(|()| Ok(out.finish()?))
    };
    printed.map_err(|e| {
        Undelivered(format!(
            "region {region} WAS copied to {}, but the summary could not be printed ({e:#})",
            record.to
        ))
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Only an embedded region of this data dir has rows here to copy.
fn check_embedded(ctx: &Context, region: &Region) -> anyhow::Result<()> {
    let rc = ctx.region_config(region)?;
    match &rc.backend {
        Backend::Embedded => Ok(()),
        Backend::Postgres(_) => anyhow::bail!(
            "region {region} is configured as a PostgreSQL region, so this data dir has nothing of it to copy: run the copy with the config that keeps region {region} embedded (before pointing it at the database)"
        ),
        Backend::Remote(remote) => anyhow::bail!(
            "region {region} is served remotely by {}, so this data dir has nothing of it to copy: run the copy on that server's machine, with its data dir",
            crate::text::redact_url(&remote.url)
        ),
    }
}

/// The target's URL from the environment variable or the private file;
/// errors name the option, never the URL.
fn target_url(args: &CopyArgs) -> anyhow::Result<DatabaseUrl> {
    if let Some(var) = &args.to_database_url_env {
        let text = zeroize::Zeroizing::new(std::env::var(var).map_err(|_| {
            anyhow::anyhow!(
                "--to-database-url-env {var}: the environment variable {var} is not set; set it to the database URL, postgres://user:password@host:port/db"
            )
        })?);
        return DatabaseUrl::parse(&text).with_context(|| format!("--to-database-url-env {var}"));
    }
    let file = args
        .to_database_url_file
        .clone()
        .context("give --to-database-url-env VAR or --to-database-url-file FILE")?;
    Ok(load_database_url(&args.region, &SecretSource::File(file))?)
}

/// How many applications' current secrets were made within the reveal
/// window: they work in the database, but cannot be shown there.
fn recent_secrets(snapshot: &RegionSnapshot, window: std::time::Duration) -> usize {
    let window = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let since = chrono::Utc::now().timestamp_millis().saturating_sub(window);
    snapshot
        .applications
        .iter()
        .filter(|a| a.secret_created_at > since)
        .count()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn print_summary(out: &mut Stdout, r: &CopyRecord<'_>, args: &CopyArgs) -> anyhow::Result<()> {
    let c = r.copied;
    let region = r.region;
    writeln!(
        out,
        "Copied region {region} to {}: {} application{}, {} grant{}, {} previous secret{}, {} retiring secret{}, usage of {} secret{}, {} audit event{}, {} signing key{}.",
        r.to,
        c.applications,
        plural(c.applications),
        c.grants,
        plural(c.grants),
        c.previous_secrets,
        plural(c.previous_secrets),
        c.retiring_secrets,
        plural(c.retiring_secrets),
        c.secret_usage,
        plural(c.secret_usage),
        c.audit_events,
        plural(c.audit_events),
        c.signing_keys,
        plural(c.signing_keys),
    )?;
    writeln!(
        out,
        "Every secret works there unchanged: the hashes were copied, keyed by this data dir's secret.key."
    )?;
    let setting = match (&args.to_database_url_env, &args.to_database_url_file) {
        (Some(var), _) => format!("database_url_env = \"{var}\""),
        (None, Some(file)) => format!("database_url_file = \"{}\"", file.display()),
        (None, None) => "database_url_env = \"VAR\"".into(),
    };
    writeln!(out, "Next:")?;
    writeln!(
        out,
        "  1. Give every machine that serves or manages region {region} this data dir's secret.key (mode 0600)."
    )?;
    writeln!(
        out,
        "  2. Point region {region} at the database in the config: {setting}"
    )?;
    writeln!(
        out,
        "  3. Restart `keyward serve --region {region}` on each replica, and check the copied audit log with `keyward audit verify --region {region}`."
    )?;
    writeln!(
        out,
        "The embedded region in {} is left as it is; changes made there from now on are not copied.",
        r.from
    )?;
    if r.recent_secrets > 0 {
        writeln!(
            out,
            "{} secret{} made in the last few minutes work{} in the database too, but cannot be shown there: a plaintext is kept only in the memory of the process that made it, and is never copied.",
            r.recent_secrets,
            plural(r.recent_secrets),
            if r.recent_secrets == 1 { "s" } else { "" }
        )?;
    }
    Ok(())
}
