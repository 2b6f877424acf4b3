//! `keyward apps suspend|resume|delete|restore|purge` and `apps list
//! --deleted`: an application's lifecycle. Each change asks first (or takes
//! `--yes`), and says what it did and how to undo it.

use std::io::Write;
use std::process::ExitCode;

use chrono::Utc;

use super::apps::confirm_done;
use super::output::{Stdout, long_countdown, note, print_table, scope_summary, table, time};
use super::prompt::confirm;
use super::{AppsCommand, Context};
use crate::model::ClientId;
use crate::model::wire::ApplicationRecord;
use crate::registry::Registry;

/// The lifecycle's `keyward apps` commands; the others are `apps.rs`'s.
pub async fn run(ctx: &Context, cmd: AppsCommand, out: &mut Stdout) -> anyhow::Result<ExitCode> {
    match cmd {
        AppsCommand::List {
            region,
            unused_for,
            scopes,
            json,
            ..
        } => {
            if unused_for.is_some() || !scopes.is_empty() {
                anyhow::bail!(
                    "--deleted lists the whole trash: it takes neither --unused-for nor --scope"
                );
            }
            let registries = match region {
                Some(r) => vec![ctx.registry(&r)?],
                None => ctx.registries()?,
            };
            list_deleted(&registries, json, out).await
        }
        AppsCommand::Delete { client_id, yes } => delete(ctx, &client_id, yes, out).await,
        AppsCommand::Suspend { client_id, yes } => suspend(ctx, &client_id, true, yes, out).await,
        AppsCommand::Resume { client_id, yes } => suspend(ctx, &client_id, false, yes, out).await,
        AppsCommand::Restore { client_id } => restore(ctx, &client_id, out).await,
        AppsCommand::Purge { client_id, yes } => purge(ctx, &client_id, yes, out).await,
        _ => anyhow::bail!("not a lifecycle command"),
    }
}

/// Moves an application to the trash.
async fn delete(
    ctx: &Context,
    client_id: &ClientId,
    yes: bool,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let registry = ctx.find_to_change(client_id).await?;
    let app = registry.get(client_id).await?;
    let days = ctx.config.trash_days;
    let question = format!(
        "Delete '{}' ({}) from region {}?\nIts credentials stop working at once for every platform that uses them. It stays in the trash for {days} days (`keyward apps restore {}` brings it back with its secret unchanged), then it is gone for good.",
        app.client_name, app.client_id, app.region, app.client_id
    );
    if !confirm(&question, "delete the application", yes)? {
        note(format_args!("Cancelled: nothing was deleted."));
        return Ok(ExitCode::FAILURE);
    }
    let trashed = registry.delete(client_id).await?;
    let until = trashed
        .lifecycle
        .purge_after
        .map_or_else(|| "the end of its trash period".to_owned(), time);
    let done = format!(
        "Deleted '{}' ({}) from region {}: it is in the trash until {until}, then gone for good. To bring it back with its secret unchanged: keyward apps restore {}",
        app.client_name, app.client_id, app.region, app.client_id
    );
    confirm_done(out, &done)
}

/// Suspends (`suspend`) or resumes an application.
async fn suspend(
    ctx: &Context,
    client_id: &ClientId,
    suspend: bool,
    yes: bool,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let registry = ctx.find_to_change(client_id).await?;
    let app = registry.get(client_id).await?;
    let (question, action) = if suspend {
        (
            format!(
                "Suspend '{}' ({}) in region {}?\nIt gets no token from its very next request, on every platform that uses it, until it is resumed. Its secrets stay as they are.",
                app.client_name, app.client_id, app.region
            ),
            "suspend the application",
        )
    } else {
        (
            format!(
                "Resume '{}' ({}) in region {}?\nIt gets tokens again with its current secret.",
                app.client_name, app.client_id, app.region
            ),
            "resume the application",
        )
    };
    if !confirm(&question, action, yes)? {
        note(format_args!("Cancelled: nothing was changed."));
        return Ok(ExitCode::FAILURE);
    }
    let done = if suspend {
        let after = registry.suspend(client_id).await?;
        let since = after.lifecycle.suspended_at.map(time).unwrap_or_default();
        format!(
            "Suspended '{}' ({}) since {since}: it gets no token. To let it in again: keyward apps resume {} --yes",
            app.client_name, app.client_id, app.client_id
        )
    } else {
        registry.resume(client_id).await?;
        format!(
            "Resumed '{}' ({}): it gets tokens again.",
            app.client_name, app.client_id
        )
    };
    confirm_done(out, &done)
}

/// Brings an application back from the trash. Not dangerous (it undoes a
/// delete), so it does not ask.
async fn restore(
    ctx: &Context,
    client_id: &ClientId,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let (registry, _) = ctx.find_trashed(client_id).await?;
    let app = registry.restore(client_id).await?;
    let suspended = if app.is_suspended() {
        format!(
            " It is still suspended: `keyward apps resume {} --yes` lets it in.",
            app.client_id
        )
    } else {
        String::new()
    };
    let done = format!(
        "Restored '{}' ({}) in region {}: its secret is unchanged and works again.{suspended}",
        app.client_name, app.client_id, app.region
    );
    confirm_done(out, &done)
}

/// Removes an application from the trash for good.
async fn purge(
    ctx: &Context,
    client_id: &ClientId,
    yes: bool,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let (registry, app) = ctx.find_trashed(client_id).await?;
    let question = format!(
        "Purge '{}' ({}) from the trash of region {}?\nIt is gone for good: it can no longer be restored.",
        app.client_name, app.client_id, app.region
    );
    if !confirm(&question, "purge the application", yes)? {
        note(format_args!("Cancelled: nothing was purged."));
        return Ok(ExitCode::FAILURE);
    }
    registry.purge(client_id).await?;
    let done = format!(
        "Purged '{}' ({}) from region {}: it is gone for good.",
        app.client_name, app.client_id, app.region
    );
    confirm_done(out, &done)
}

/// `keyward apps list --deleted`: the trash of each region, with when each
/// application is purged.
async fn list_deleted(
    registries: &[Box<dyn Registry>],
    json: bool,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let mut apps = Vec::new();
    for registry in registries {
        apps.extend(registry.list_deleted().await?);
    }
    let now = Utc::now();
    if json {
        let records: Vec<ApplicationRecord> = apps
            .iter()
            .map(|a| ApplicationRecord::new(a, None, now))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &records)?;
        writeln!(out)?;
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    if apps.is_empty() {
        note(format_args!("The trash is empty."));
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table([
        "NAME",
        "CLIENT ID",
        "REGION",
        "SCOPES",
        "DELETED",
        "PURGED AFTER",
    ]);
    for app in &apps {
        let purge = app.lifecycle.purge_after.map_or_else(String::new, |p| {
            format!("{} (in {})", time(p), long_countdown(p, now))
        });
        t.add_row([
            app.client_name.to_string(),
            app.client_id.to_string(),
            app.region.to_string(),
            scope_summary(app),
            app.lifecycle.deleted_at.map_or_else(String::new, time),
            purge,
        ]);
    }
    print_table(out, &t)?;
    out.finish()?;
    note(format_args!(
        "Bring one back with its secret unchanged: keyward apps restore CLIENT_ID"
    ));
    Ok(ExitCode::SUCCESS)
}
