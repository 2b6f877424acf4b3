//! `keyward audit`: read, follow, verify and prune the audit log.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Context;
use super::output::{Stdout, note};
use crate::model::{AuditAction, AuditEvent, AuditQuery, ChainHead, Region};
use crate::registry::Registry;

/// Events read per call while paging through a log.
const PAGE: usize = 1000;
/// How often `--follow` asks for new events.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

/// `keyward audit [--region R] [--client-id ID] [--action A] [--since 7d] [--json] [--follow]`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this region's log [default: every region's]
    #[arg(long)]
    pub region: Option<Region>,
    /// Only events about this application
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Only this kind of event: create, rename, set_scopes, reset_secret,
    /// rotate_secret, retire_secret, delete, throttled, admin_denied
    #[arg(long, value_name = "ACTION")]
    pub action: Option<AuditAction>,
    /// Only events of the last DURATION (e.g. 7d, 24h) or since a date
    /// (2026-11-01 or RFC 3339)
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub since: Option<DateTime<Utc>>,
    /// At most this many events (the newest)
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON lines, oldest first (for a SIEM), instead of text newest first
    #[arg(long)]
    pub json: bool,
    /// Keep printing new events as they happen, until Ctrl-C or the reader leaves
    #[arg(long)]
    pub follow: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain: exits 0 with a count, or 1 naming the first event
    /// that was edited, removed, added or moved
    Verify {
        /// Only this region's chain [default: every region's]
        #[arg(long)]
        region: Option<Region>,
        /// A head printed earlier by `keyward audit head` and kept elsewhere:
        /// the chain must still hold it (catches a rewritten or cut tail)
        #[arg(long, value_name = "SEQ:HASH", requires = "region")]
        expect_head: Option<ChainHead>,
    },
    /// Print the chain head (SEQ:HASH) to keep somewhere the data dir's
    /// writers cannot reach
    Head {
        /// The region whose chain head to print
        #[arg(long)]
        region: Region,
    },
    /// Remove events older than a date, leaving a checkpoint so that what
    /// remains still verifies
    Prune {
        /// Remove events before this: a date (2026-01-01, RFC 3339) or an age (90d)
        #[arg(long, value_name = "DATE", value_parser = parse_when)]
        before: DateTime<Utc>,
        /// Only this region's log [default: every region's]
        #[arg(long)]
        region: Option<Region>,
        /// Do not ask for confirmation (required: a prune cannot be undone)
        #[arg(long)]
        yes: bool,
    },
}

/// A point in time: an age (`7d`, counted back from now) or a date.
pub fn parse_when(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(age) = crate::model::parse_duration(s) {
        return Ok(Utc::now() - age);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(format!(
        "'{}' is neither an age (7d, 24h) nor a date (2026-11-01 or RFC 3339)",
        crate::text::printable_truncated(s, 40)
    ))
}

pub async fn run(
    ctx: &Context,
    cmd: Option<AuditCommand>,
    list: ListArgs,
) -> anyhow::Result<ExitCode> {
    match cmd {
        None => show(ctx, list).await,
        Some(AuditCommand::Verify {
            region,
            expect_head,
        }) => verify(ctx, region, expect_head).await,
        Some(AuditCommand::Head { region }) => {
            let registry = ctx.registry(&region)?;
            let mut out = Stdout::new();
            match registry.audit_head().await? {
                Some(head) => writeln!(out, "{head}")?,
                None => note(format_args!("region {region}: the audit log is empty")),
            }
            out.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        Some(AuditCommand::Prune {
            before,
            region,
            yes,
        }) => {
            if !yes {
                anyhow::bail!(
                    "a prune removes events for good: add --yes to confirm (keep `keyward audit --json` output first if you need them)"
                );
            }
            let mut out = Stdout::new();
            let registries = registries(ctx, region.as_ref())?;
            // Every region is checked before any is pruned.
            for registry in &registries {
                ctx.refuse_if_read_only(registry.as_ref()).await?;
            }
            for registry in registries {
                let removed = registry.prune_audit(before).await?;
                writeln!(
                    out,
                    "region {}: removed {removed} event(s) before {}",
                    registry.region(),
                    crate::model::wire::rfc3339(before)
                )?;
            }
            out.finish()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn registries(ctx: &Context, region: Option<&Region>) -> anyhow::Result<Vec<Box<dyn Registry>>> {
    match region {
        Some(r) => Ok(vec![ctx.registry(r)?]),
        None => ctx.registries(),
    }
}

async fn verify(
    ctx: &Context,
    region: Option<Region>,
    expect: Option<ChainHead>,
) -> anyhow::Result<ExitCode> {
    let mut out = Stdout::new();
    let mut failed = false;
    for registry in registries(ctx, region.as_ref())? {
        let r = registry.region().clone();
        match registry.verify_audit(expect.clone()).await {
            Ok(Ok((count, head))) => {
                let head = head.map(|h| format!(", head {h}")).unwrap_or_default();
                writeln!(out, "region {r}: {count} event(s) verified{head}")?;
            }
            Ok(Err(broken)) => {
                failed = true;
                writeln!(out, "region {r}: FAILED at {broken}")?;
            }
            // A remote region's chain is verified on its server.
            Err(e) if region.is_none() => {
                note(format_args!("region {r}: not verified here: {e}"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    out.finish()?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn query(args: &ListArgs) -> AuditQuery {
    AuditQuery {
        client_id: args.client_id.clone(),
        action: args.action,
        since: args.since,
        limit: PAGE,
        ..AuditQuery::default()
    }
}

/// Every matching event of one region, newest first, at most `limit`.
async fn newest(
    registry: &dyn Registry,
    args: &ListArgs,
    limit: usize,
) -> anyhow::Result<Vec<AuditEvent>> {
    let mut events = Vec::new();
    let mut q = query(args);
    while events.len() < limit {
        q.limit = PAGE.min(limit - events.len());
        let page = registry.audit(q.clone()).await?;
        let Some(last) = page.last() else { break };
        q.before_seq = Some(last.body.seq);
        let full = page.len() == q.limit;
        events.extend(page);
        if !full {
            break;
        }
    }
    Ok(events)
}

fn print(out: &mut Stdout, event: &AuditEvent, json: bool) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, event)?;
        writeln!(out)?;
    } else {
        let region = &event.body.region;
        writeln!(out, "{}  [{region}]", crate::text::printable(&event.line()))?;
    }
    Ok(())
}

async fn show(ctx: &Context, args: ListArgs) -> anyhow::Result<ExitCode> {
    let registries = registries(ctx, args.region.as_ref())?;
    let limit = args.limit.unwrap_or(usize::MAX);
    let mut all = Vec::new();
    let mut heads = Vec::new();
    for registry in &registries {
        let events = newest(registry.as_ref(), &args, limit).await?;
        heads.push(events.first().map_or(0, |e| e.body.seq));
        all.extend(events);
    }
    // Newest first across regions, by time (each region's seq is its own).
    all.sort_by(|a, b| b.body.at.cmp(&a.body.at));
    all.truncate(limit);
    if args.json {
        all.reverse();
    }
    // Listening for Ctrl-C starts before the first line is printed: a reader
    // that saw a line and pressed Ctrl-C must find the handler in place.
    let interrupt = if args.follow {
        Some(
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .map_err(|e| anyhow::anyhow!("cannot watch for Ctrl-C: {e}"))?,
        )
    } else {
        None
    };
    let mut out = Stdout::new();
    for event in &all {
        print(&mut out, event, args.json)?;
    }
    out.flush()?;
    if let Some(interrupt) = interrupt {
        follow(&registries, &args, heads, interrupt, &mut out).await?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints each region's new events, oldest first, as they come, until
/// Ctrl-C or the reader of standard output leaves.
async fn follow(
    registries: &[Box<dyn Registry>],
    args: &ListArgs,
    mut heads: Vec<u64>,
    mut interrupt: tokio::signal::unix::Signal,
    out: &mut Stdout,
) -> anyhow::Result<()> {
    let mut gone = Box::pin(super::output::reader_gone());
    loop {
        for (registry, head) in registries.iter().zip(heads.iter_mut()) {
            let mut q = query(args);
            q.after_seq = Some(*head);
            q.oldest_first = true;
            for event in registry.audit(q).await? {
                *head = event.body.seq;
                print(out, &event, args.json)?;
            }
        }
        out.flush()?;
        tokio::select! {
            _ = interrupt.recv() => return Ok(()),
            _ = &mut gone => return Ok(()),
            _ = tokio::time::sleep(FOLLOW_EVERY) => {}
        }
    }
}
