//! `keyward apps ...`.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use super::output::{
    Fields, Stdout, Undelivered, countdown, long_countdown, note, print_json, print_table,
    scope_lines, scope_summary, stdout_goes_nowhere, table, time,
};
use super::prompt::confirm;
use super::{AppsCommand, Context};
use crate::model::wire::{ApplicationRecord, parse_import_line};
use crate::model::{
    ADMIN_SCOPE, Access, AppName, AppOrder, Application, ClientId, Grant, NewApplication, Region,
    SecretReveal, check_no_conflicts,
};
use crate::registry::{Issued, Registry};

/// Applications created per transaction by `import`.
const IMPORT_BATCH: usize = 1000;

pub async fn run(ctx: &Context, cmd: AppsCommand) -> anyhow::Result<ExitCode> {
    let mut out = Stdout::new();
    match cmd {
        cmd @ (AppsCommand::List { deleted: true, .. }
        | AppsCommand::Delete { .. }
        | AppsCommand::Suspend { .. }
        | AppsCommand::Resume { .. }
        | AppsCommand::Restore { .. }
        | AppsCommand::Purge { .. }) => super::lifecycle::run(ctx, cmd, &mut out).await,
        AppsCommand::List {
            region,
            unused_for,
            scopes,
            sort,
            json,
            deleted: false,
        } => {
            let only = Only {
                unused_for,
                scopes: scopes
                    .iter()
                    .map(|s| scope_filter(ctx, s))
                    .collect::<anyhow::Result<_>>()?,
            };
            list(ctx, region, only, sort, json, &mut out).await
        }
        AppsCommand::Add {
            region,
            name,
            scopes,
            admin,
            copy,
            json,
        } => {
            let new = NewApplication {
                client_name: AppName::parse(&name)?,
                grants: parse_grants(ctx, &scopes)?,
                admin,
            };
            add(ctx, region, new, Output { json, copy }, &mut out).await
        }
        AppsCommand::Show { client_id, json } => {
            let registry = ctx.find(&client_id).await?;
            let app = registry.get(&client_id).await?;
            let reveal = registry.reveal(&client_id).await.ok();
            show(ctx, &app, reveal.as_ref(), json, &mut out)?;
            out.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        AppsCommand::Rename { client_id, name } => rename(ctx, &client_id, &name, &mut out).await,
        AppsCommand::Scopes {
            client_id,
            set,
            json,
        } => set_scopes(ctx, &client_id, &set, json, &mut out).await,
        AppsCommand::ResetSecret {
            client_id,
            yes,
            copy,
            json,
        } => reset_secret(ctx, &client_id, yes, Output { json, copy }, &mut out).await,
        AppsCommand::Rotate {
            client_id,
            grace,
            yes,
            copy,
            json,
        } => {
            let grace = grace.unwrap_or(ctx.config.rotation_grace);
            rotate_secret(ctx, &client_id, grace, yes, Output { json, copy }, &mut out).await
        }
        AppsCommand::Retire { client_id, yes } => {
            retire_secret(ctx, &client_id, yes, &mut out).await
        }
        AppsCommand::Import {
            region,
            file,
            json: _,
        } => import(ctx, region, &file, &mut out).await,
        AppsCommand::Export { region } => export(ctx, region, &mut out).await,
    }
}

async fn rename(
    ctx: &Context,
    client_id: &ClientId,
    name: &str,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let name = AppName::parse(name)?;
    let registry = ctx.find_to_change(client_id).await?;
    let old = registry.get(client_id).await?;
    let app = registry.rename(client_id, name).await?;
    let done = format!(
        "Renamed '{}' to '{}' ({}).",
        old.client_name, app.client_name, app.client_id
    );
    confirm_done(out, &done)
}

async fn set_scopes(
    ctx: &Context,
    client_id: &ClientId,
    set: &[String],
    json: bool,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let changes = parse_grants(ctx, set)?;
    let registry = ctx.find_to_change(client_id).await?;
    let app = registry.set_access(client_id, changes).await?;
    let printed = show(ctx, &app, None, json, out).and_then(|()| Ok(out.finish()?));
    printed.map_err(|e| {
        anyhow::Error::from(Undelivered(format!(
            "the scopes of '{}' ({}) WERE changed, but the result could not be printed: {e:#}; see it with `keyward apps show {}`",
            app.client_name, app.client_id, app.client_id
        )))
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the confirmation of a change that made no secret. The change is
/// made whatever happens here, so a failure to print says so (never quietly,
/// not even for a broken pipe: the caller may think nothing happened).
pub(super) fn confirm_done(out: &mut Stdout, done: &str) -> anyhow::Result<ExitCode> {
    match writeln!(out, "{done}").and_then(|()| out.finish()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Undelivered(format!(
            "the change WAS made, but its confirmation could not be printed ({e}): {done}"
        ))
        .into()),
    }
}

/// Refuses, before changing anything, to make a secret that could only be
/// written where nobody can read it.
fn refuse_if_stdout_goes_nowhere() -> anyhow::Result<()> {
    if stdout_goes_nowhere() {
        anyhow::bail!(
            "standard output is closed or /dev/null, so the new secret would be lost: nothing was changed; run it again with standard output going to a terminal, a file or a pipe"
        );
    }
    Ok(())
}

async fn reset_secret(
    ctx: &Context,
    client_id: &ClientId,
    yes: bool,
    output: Output,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    if !output.copy {
        refuse_if_stdout_goes_nowhere()?;
    }
    let registry = ctx.find_to_change(client_id).await?;
    let app = registry.get(client_id).await?;
    let question = format!(
        "Reset the client secret of '{}' ({}) in region {}?\nThe current secret stops working at once for every platform that uses it. The client ID stays the same.",
        app.client_name, app.client_id, app.region
    );
    if !confirm(&question, "reset the secret", yes)? {
        note(format_args!("Cancelled: the secret was not reset."));
        return Ok(ExitCode::FAILURE);
    }
    let issued = registry.reset_secret(client_id).await?;
    issued_output(ctx, &issued, output, Change::Reset, out).await
}

async fn rotate_secret(
    ctx: &Context,
    client_id: &ClientId,
    grace: chrono::Duration,
    yes: bool,
    output: Output,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    if !output.copy {
        refuse_if_stdout_goes_nowhere()?;
    }
    let registry = ctx.find_to_change(client_id).await?;
    let app = registry.get(client_id).await?;
    if let Some(retiring) = app.retiring_secret() {
        // Said before asking, as the store would refuse anyway.
        return Err(crate::registry::RegistryError::AlreadyRetiring {
            client_id: app.client_id.clone(),
            until: time(retiring.expires_at.unwrap_or_else(Utc::now)),
        }
        .into());
    }
    let until = Utc::now() + grace;
    let question = format!(
        "Rotate the client secret of '{}' ({}) in region {}?\nA new secret is made. The current one keeps working until {} (in {}), then stops by itself; `keyward apps retire {}` ends it sooner.",
        app.client_name,
        app.client_id,
        app.region,
        time(until),
        long_countdown(until, Utc::now()),
        app.client_id
    );
    if !confirm(&question, "rotate the secret", yes)? {
        note(format_args!("Cancelled: the secret was not rotated."));
        return Ok(ExitCode::FAILURE);
    }
    let issued = registry.rotate_secret(client_id, grace).await?;
    issued_output(ctx, &issued, output, Change::Rotated, out).await
}

async fn retire_secret(
    ctx: &Context,
    client_id: &ClientId,
    yes: bool,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let registry = ctx.find_to_change(client_id).await?;
    let app = registry.get(client_id).await?;
    let Some(retiring) = app.retiring_secret() else {
        return Err(crate::registry::RegistryError::NothingToRetire {
            client_id: app.client_id.clone(),
        }
        .into());
    };
    let question = format!(
        "Retire the old secret {} of '{}' ({}) in region {}?\nIt stops working at once for every platform still using it (it was {}).",
        retiring.secret_id,
        app.client_name,
        app.client_id,
        app.region,
        last_use(retiring)
    );
    if !confirm(&question, "retire the old secret", yes)? {
        note(format_args!("Cancelled: the old secret still works."));
        return Ok(ExitCode::FAILURE);
    }
    registry.retire_secret(client_id).await?;
    let done = format!(
        "Retired the old secret {} of '{}' ({}): it no longer works. The current secret is unchanged.",
        retiring.secret_id, app.client_name, app.client_id
    );
    confirm_done(out, &done)
}

/// `last used 2026-11-25 10:00:00 UTC from 10.0.0.7`, or `never used`.
fn last_use(s: &crate::model::SecretInfo) -> String {
    match (s.last_used_at, &s.last_used_from) {
        (Some(at), Some(from)) => format!(
            "last used {} from {}",
            time(at),
            crate::text::printable(from)
        ),
        (Some(at), None) => format!("last used {}", time(at)),
        (None, _) => "never used".to_owned(),
    }
}

/// Parses `SCOPE=ACCESS` arguments and checks each against the catalog. One
/// scope given twice with different access is an error (see
/// `check_no_conflicts`).
fn parse_grants(ctx: &Context, args: &[String]) -> anyhow::Result<Vec<Grant>> {
    let grants = args
        .iter()
        .map(|a| {
            let g = Grant::parse_assignment(a).map_err(anyhow::Error::msg)?;
            ctx.catalog.check(&g)?;
            Ok(g)
        })
        .collect::<anyhow::Result<Vec<Grant>>>()?;
    check_no_conflicts(&grants)?;
    Ok(grants)
}

/// What `apps list` keeps.
struct Only {
    unused_for: Option<chrono::Duration>,
    /// OAuth scopes or scope ids each kept application holds.
    scopes: Vec<String>,
}

/// `--scope` as the catalog's `holds` takes it: `forensics:account=write`
/// becomes `forensics:account:write`. A scope the catalog does not know is
/// refused, with the ones it does.
fn scope_filter(ctx: &Context, arg: &str) -> anyhow::Result<String> {
    let arg = arg.trim().to_ascii_lowercase();
    let (id, access) = match arg.split_once('=') {
        Some((id, access)) => {
            let access: Access = access.parse()?;
            if access == Access::None {
                anyhow::bail!(
                    "--scope {arg}: use read or write, or leave =ACCESS out for any access"
                );
            }
            (id.trim().to_owned(), Some(access))
        }
        None => match arg.rsplit_once(':') {
            Some((id, level @ ("read" | "write"))) => (id.to_owned(), level.parse().ok()),
            _ => (arg.clone(), None),
        },
    };
    let known = id == ADMIN_SCOPE
        || ctx
            .catalog
            .scopes()
            .any(|s| s.id.as_str() == id || s.id.product() == id);
    if !known {
        let valid: Vec<&str> = ctx.catalog.scopes().map(|s| s.id.as_str()).collect();
        anyhow::bail!(
            "--scope {arg}: '{id}' is not in the scope catalog; it has: {}",
            valid.join(", ")
        );
    }
    Ok(match access {
        Some(a) => format!("{id}:{}", a.as_str()),
        None => id,
    })
}

async fn list(
    ctx: &Context,
    region: Option<Region>,
    only: Only,
    order: AppOrder,
    json: bool,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let registries = match region {
        Some(r) => vec![ctx.registry(&r)?],
        None => ctx.registries()?,
    };
    let now = Utc::now();
    // Unused for that long: no token since the cutoff, or never.
    let shown = |app: &Application| {
        only.unused_for
            .is_none_or(|d| app.last_used_at.is_none_or(|at| at <= now - d))
            && only.scopes.iter().all(|s| ctx.catalog.holds(app, s))
    };
    let mut apps = Vec::new();
    for registry in &registries {
        apps.extend(registry.list().await?.into_iter().filter(|a| shown(a)));
    }
    // By name, each region's list stays as its registry gave it, regions in
    // config order; any other order runs across regions.
    if order != AppOrder::Name {
        order.sort(&mut apps);
    }
    if json {
        out.write_all(b"[")?;
        for (i, app) in apps.iter().enumerate() {
            out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
            serde_json::to_writer(&mut *out, &ApplicationRecord::new(app, None, now))?;
        }
        out.write_all(if apps.is_empty() { b"]\n" } else { b"\n]\n" })?;
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table([
        "NAME",
        "CLIENT ID",
        "REGION",
        "SCOPES",
        "CREATED",
        "LAST USED",
    ]);
    for app in &apps {
        let name = if app.is_suspended() {
            format!("{} (suspended)", app.client_name)
        } else {
            app.client_name.to_string()
        };
        t.add_row([
            name,
            app.client_id.to_string(),
            app.region.to_string(),
            scope_summary(app),
            app.created_at.format("%Y-%m-%d").to_string(),
            app.last_used_at.map_or_else(
                || "never".to_owned(),
                |t| t.format("%Y-%m-%d %H:%M").to_string(),
            ),
        ]);
    }
    if apps.is_empty() && (only.unused_for.is_some() || !only.scopes.is_empty()) {
        note(format_args!("No application matches."));
    } else if apps.is_empty() {
        let regions: Vec<&str> = registries.iter().map(|r| r.region().as_str()).collect();
        note(format_args!(
            "No applications in {} yet. Add one with: keyward apps add --region {} --name NAME --scope SCOPE=ACCESS",
            regions.join(", "),
            regions.first().copied().unwrap_or("us")
        ));
    } else {
        print_table(out, &t)?;
        out.finish()?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn add(
    ctx: &Context,
    region: Region,
    new: NewApplication,
    output: Output,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    if !output.copy {
        refuse_if_stdout_goes_nowhere()?;
    }
    let registry = ctx.registry_to_change(&region).await?;
    let issued = registry.create(new).await?;
    issued_output(ctx, &issued, output, Change::Created, out).await
}

/// How to hand out a new secret.
#[derive(Clone, Copy)]
struct Output {
    json: bool,
    copy: bool,
}

/// What made the new secret.
#[derive(Clone, Copy)]
enum Change {
    Created,
    Reset,
    Rotated,
}

/// Says on standard error that `change` WAS made, that its new secret was NOT
/// delivered (`why`), and how to get a new one.
fn lost_secret(app: &Application, change: Change, why: &anyhow::Error) -> Undelivered {
    let what = match change {
        Change::Created => format!(
            "'{}' ({}) WAS created in region {}, but its new client secret was NOT delivered",
            app.client_name, app.client_id, app.region
        ),
        Change::Reset => format!(
            "the client secret of '{}' ({}) in region {} WAS reset (the old one no longer works), but the new secret was NOT delivered",
            app.client_name, app.client_id, app.region
        ),
        Change::Rotated => format!(
            "the client secret of '{}' ({}) in region {} WAS rotated (the old one works until {}), but the new secret was NOT delivered",
            app.client_name,
            app.client_id,
            app.region,
            app.retiring_secret()
                .and_then(|s| s.expires_at)
                .map_or_else(|| "now".to_owned(), time)
        ),
    };
    let also = match (change, app.retiring_secret().and_then(|s| s.expires_at)) {
        (Change::Rotated, Some(until)) => format!(
            " (which also ends the old secret at once), or after {} with `keyward apps rotate {} --yes`",
            time(until),
            app.client_id
        ),
        _ => String::new(),
    };
    Undelivered(format!(
        "{what} ({why:#}). Nobody has that secret: make a new one with `keyward apps reset-secret {} --yes`{also}, with standard output going to a terminal or a file",
        app.client_id
    ))
}

/// Prints an application with its new secret, once; or, with `--copy`, copies
/// the secret, prints the rest, and waits to clear the clipboard. If the
/// secret cannot be printed, the error says the change was made and the
/// secret lost (see [`lost_secret`]).
async fn issued_output(
    ctx: &Context,
    issued: &Issued,
    output: Output,
    change: Change,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let app = &issued.application;
    let copied = if output.copy {
        Some(super::copy::copy_secret(ctx, &issued.reveal).await)
    } else {
        None
    };
    // The secret is printed unless it went to the clipboard (JSON always has it:
    // a script asked for it).
    let printed = !matches!(copied, Some(Ok(_))) || output.json;
    let written = write_issued(ctx, issued, output.json, change, printed, out)
        .and_then(|()| Ok(out.finish()?));
    let mut code = ExitCode::SUCCESS;
    if let Err(e) = written {
        if !matches!(copied, Some(Ok(_))) {
            return Err(lost_secret(app, change, &e).into());
        }
        // The secret is on the clipboard: only the confirmation is lost.
        note(format_args!(
            "keyward: error: the change WAS made and the new secret is on the clipboard, but the confirmation could not be printed ({e:#})"
        ));
        code = ExitCode::FAILURE;
    }
    match copied {
        None => Ok(code),
        Some(Ok(pending)) => {
            super::copy::wait_and_clear(pending).await?;
            Ok(code)
        }
        Some(Err(e)) => Err(e.context(format!(
            "'{}' was saved and its secret printed above, but copying failed",
            app.client_name
        ))),
    }
}

fn write_issued(
    ctx: &Context,
    issued: &Issued,
    json: bool,
    change: Change,
    printed: bool,
    out: &mut Stdout,
) -> anyhow::Result<()> {
    let app = &issued.application;
    if json {
        return print_json(
            out,
            &ApplicationRecord::new(app, Some(&issued.reveal), Utc::now()),
        );
    }
    let verb = match change {
        Change::Created => "Created",
        Change::Reset => "Reset the client secret of",
        Change::Rotated => "Rotated the client secret of",
    };
    writeln!(
        out,
        "{verb} '{}' in region {}.\n",
        app.client_name, app.region
    )?;
    show(ctx, app, printed.then_some(&issued.reveal), false, out)?;
    if printed {
        writeln!(
            out,
            "\nThe secret is shown this once. Only this process could show it again, until {} ({} from now), and it ends now: store the secret safely.\nIf it is lost, make a new one with `keyward apps reset-secret {} --yes`.",
            time(issued.reveal.visible_until),
            countdown(issued.reveal.visible_until, Utc::now()),
            app.client_id
        )?;
    }
    Ok(())
}

fn show(
    ctx: &Context,
    app: &Application,
    reveal: Option<&SecretReveal>,
    json: bool,
    out: &mut Stdout,
) -> anyhow::Result<()> {
    let now = Utc::now();
    if json {
        return print_json(out, &ApplicationRecord::new(app, reveal, now));
    }
    let secret = match reveal.filter(|r| r.is_visible_at(now)) {
        Some(r) => r.secret.expose().to_owned(),
        None => format!(
            "hidden: a secret can be seen only for {} after it is made. `keyward apps reset-secret {}` makes a new one.",
            countdown(
                now + chrono::Duration::from_std(ctx.config.secret_visible_for).unwrap_or_default(),
                now
            ),
            app.client_id
        ),
    };
    let mut f = Fields::new();
    f.add("Name", app.client_name.to_string())
        .add("Client ID", app.client_id.to_string())
        .add("Client secret", secret)
        .add("Region", app.region.to_string());
    if let Some(since) = app.lifecycle.suspended_at {
        f.add(
            "Status",
            format!(
                "SUSPENDED since {}: it gets no token. `keyward apps resume {} --yes` lets it in again.",
                time(since),
                app.client_id
            ),
        );
    }
    f.add("Scopes", scope_lines(app, &ctx.catalog));
    // What a token can carry now: retired grants are left out.
    let oauth = ctx.catalog.oauth_scopes(app);
    f.add(
        "OAuth scopes",
        if oauth.is_empty() {
            "none".to_owned()
        } else {
            oauth.join(" ")
        },
    );
    if app.admin {
        f.add("Admin", "yes: holds keyward:admin");
    }
    if !app.secrets.is_empty() {
        f.add("Secrets", secret_lines(app, now));
    }
    let made = app
        .current_secret()
        .map_or(app.secret_issued_at, |s| s.created_at);
    f.add("Created", time(app.created_at))
        .add("Updated", time(app.updated_at))
        .add("Secret made", time(made))
        .add(
            "Last used",
            app.last_used_at.map_or_else(|| "never".to_owned(), time),
        );
    f.print(out)?;
    Ok(())
}

/// One line per secret: its ID, state, deadline and last use, e.g.
/// `retiring  Ab3dE9xQ  works until 2026-11-26 09:00:00 UTC (in 23:12:04) · last used … from …`.
fn secret_lines(app: &Application, now: chrono::DateTime<Utc>) -> String {
    app.secrets
        .iter()
        .map(|s| {
            let state = match s.expires_at {
                Some(until) => format!(
                    "retiring  {}  works until {} (in {})",
                    s.secret_id,
                    time(until),
                    long_countdown(until, now)
                ),
                None => format!("current   {}  made {}", s.secret_id, time(s.created_at)),
            };
            format!("{state} · {}", last_use(s))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Longest import line, in bytes. One application's record is well under
/// 1 KiB; the cap keeps a broken or hostile file from filling memory.
const IMPORT_LINE_MAX: usize = 64 * 1024;

/// One line of `reader`, without its line break, read into `buf` but never
/// more than `max` bytes of it. `Ok(false)` at the end of the input.
fn read_bounded_line(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> Result<bool, LineError> {
    buf.clear();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let n = reader
        .take(limit)
        .read_until(b'\n', buf)
        .map_err(LineError::Io)?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > max {
        return Err(LineError::TooLong);
    }
    Ok(true)
}

enum LineError {
    Io(std::io::Error),
    TooLong,
}

fn read_import(ctx: &Context, file: &str) -> anyhow::Result<Vec<NewApplication>> {
    let (label, mut reader): (String, Box<dyn BufRead>) = if file == "-" {
        ("standard input".into(), Box::new(std::io::stdin().lock()))
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("cannot open {file}"))?;
        (file.to_owned(), Box::new(std::io::BufReader::new(f)))
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for n in 1.. {
        let at = |e: &dyn std::fmt::Display| anyhow::anyhow!("{label}: line {n}: {e}");
        match read_bounded_line(&mut *reader, &mut buf, IMPORT_LINE_MAX) {
            Ok(false) => break,
            Ok(true) => {}
            Err(LineError::Io(e)) => return Err(at(&format_args!("cannot read: {e}"))),
            Err(LineError::TooLong) => {
                return Err(at(&format_args!(
                    "longer than {} KiB, which no application record needs; nothing was imported",
                    IMPORT_LINE_MAX / 1024
                )));
            }
        }
        let line =
            std::str::from_utf8(&buf).map_err(|e| at(&format_args!("not UTF-8 text ({e})")))?;
        // A byte order mark, as some editors write, is not part of the data.
        let line = if n == 1 {
            line.strip_prefix('\u{FEFF}').unwrap_or(line)
        } else {
            line
        };
        if line.trim().is_empty() {
            continue;
        }
        let (client_name, grants) = parse_import_line(line).map_err(|e| at(&e))?;
        for g in &grants {
            ctx.catalog.check(g).map_err(|e| at(&e))?;
        }
        if let Some(first) = seen.insert(client_name.duplicate_key(), n) {
            return Err(at(&format!(
                "the name '{client_name}' is already used on line {first} (names are compared ignoring case and look-alike forms)"
            )));
        }
        out.push(NewApplication {
            client_name,
            grants,
            admin: false,
        });
    }
    Ok(out)
}

async fn import(
    ctx: &Context,
    region: Region,
    file: &str,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    refuse_if_stdout_goes_nowhere()?;
    let registry = ctx.registry_to_change(&region).await?;
    let new = read_import(ctx, file)?;
    // Refuse up front if a name exists already, so no batch is half-imported.
    let existing: HashMap<String, String> = registry
        .list()
        .await?
        .into_iter()
        .map(|a| (a.client_name.duplicate_key(), a.client_name.to_string()))
        .collect();
    if let Some((clash, old)) = new.iter().find_map(|n| {
        existing
            .get(&n.client_name.duplicate_key())
            .map(|old| (&n.client_name, old))
    }) {
        anyhow::bail!(
            "an application named '{old}' already exists in region {region} (the import has '{clash}'); nothing was imported"
        );
    }
    let total = new.len();
    let progress = std::io::stderr().is_terminal();
    let mut done = 0;
    let mut batches = new.into_iter().peekable();
    while batches.peek().is_some() {
        let batch: Vec<NewApplication> = batches.by_ref().take(IMPORT_BATCH).collect();
        let issued = registry.create_many(batch).await.with_context(|| {
            format!("import stopped after {done} of {total} applications (those are saved and printed above)")
        })?;
        if let Err(e) = write_import_batch(&issued, out) {
            return Err(undelivered_import(&region, done, total, &issued, &e).into());
        }
        done += issued.len();
        if progress {
            let _ = write!(std::io::stderr(), "\rImported {done} of {total}…");
        }
    }
    if progress {
        note(format_args!(""));
    }
    note(format_args!(
        "Imported {done} application{} into region {region}. Their secrets are in the output and nowhere else: store them now.",
        if done == 1 { "" } else { "s" }
    ));
    Ok(ExitCode::SUCCESS)
}

fn write_import_batch(issued: &[Issued], out: &mut Stdout) -> anyhow::Result<()> {
    let now = Utc::now();
    for i in issued {
        serde_json::to_writer(
            &mut *out,
            &ApplicationRecord::new(&i.application, Some(&i.reveal), now),
        )?;
        out.write_all(b"\n")?;
    }
    out.finish()?;
    Ok(())
}

/// A batch was created but its output failed: lists on standard error the
/// applications whose secrets may not have reached anyone, each with the
/// command that makes a new one, and stops the import there.
fn undelivered_import(
    region: &Region,
    delivered: usize,
    total: usize,
    batch: &[Issued],
    why: &anyhow::Error,
) -> Undelivered {
    note(format_args!(
        "keyward: these applications WERE created in region {region}, but their new secrets were NOT delivered (or only in part); make new ones with:"
    ));
    for i in batch {
        note(format_args!(
            "  keyward apps reset-secret {} --yes    # {}",
            i.application.client_id,
            crate::text::one_line(i.application.client_name.as_str())
        ));
    }
    let before = if delivered == 0 {
        String::new()
    } else {
        format!("; the {delivered} before them were delivered")
    };
    Undelivered(format!(
        "import stopped: {} of {total} applications WERE created in region {region}, but the secrets of the last {} (listed above) were NOT delivered ({why:#}){before}",
        delivered + batch.len(),
        batch.len()
    ))
}

/// Writes the region's applications as import lines. Admin clients are left
/// out (and counted on standard error): import cannot make them, so leaving
/// them in would make the README's export-then-import round trip fail.
async fn export(ctx: &Context, region: Region, out: &mut Stdout) -> anyhow::Result<ExitCode> {
    let registry: Box<dyn Registry> = ctx.registry(&region)?;
    let apps = registry.list().await?;
    let now = Utc::now();
    let mut admins = 0;
    for app in &apps {
        if app.admin {
            admins += 1;
            continue;
        }
        serde_json::to_writer(&mut *out, &ApplicationRecord::new(app, None, now))?;
        out.write_all(b"\n")?;
    }
    out.finish()?;
    if admins > 0 {
        note(format_args!(
            "Left out {admins} admin client{}: import cannot make them; make them anew with `keyward apps add --admin`.",
            if admins == 1 { "" } else { "s" }
        ));
    }
    Ok(ExitCode::SUCCESS)
}
