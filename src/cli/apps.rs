//! `keyward apps ...`.

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use super::output::{
    Fields, countdown, print_json, print_table, scope_lines, scope_summary, table, time,
};
use super::prompt::confirm;
use super::{AppsCommand, Context};
use crate::model::wire::{ApplicationRecord, parse_import_line};
use crate::model::{AppName, Application, Grant, NewApplication, Region, SecretReveal};
use crate::registry::{Issued, Registry};

/// Applications created per transaction by `import`.
const IMPORT_BATCH: usize = 1000;

pub async fn run(ctx: &Context, cmd: AppsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AppsCommand::List { region, json } => list(ctx, region, json).await,
        AppsCommand::Add {
            region,
            name,
            scopes,
            admin,
            copy,
            json,
        } => add(ctx, region, name, scopes, admin, Output { json, copy }).await,
        AppsCommand::Show { client_id, json } => {
            let registry = ctx.find(&client_id).await?;
            let app = registry.get(&client_id).await?;
            let reveal = registry.reveal(&client_id).await.ok();
            show(ctx, &app, reveal.as_ref(), json)
        }
        AppsCommand::Rename { client_id, name } => {
            let name = AppName::parse(&name)?;
            let registry = ctx.find(&client_id).await?;
            let old = registry.get(&client_id).await?;
            let app = registry.rename(&client_id, name).await?;
            println!(
                "Renamed '{}' to '{}' ({}).",
                old.client_name, app.client_name, app.client_id
            );
            Ok(ExitCode::SUCCESS)
        }
        AppsCommand::Scopes {
            client_id,
            set,
            json,
        } => {
            let changes = parse_grants(ctx, &set)?;
            let registry = ctx.find(&client_id).await?;
            let app = registry.set_access(&client_id, changes).await?;
            show(ctx, &app, None, json)
        }
        AppsCommand::ResetSecret {
            client_id,
            yes,
            copy,
            json,
        } => {
            let registry = ctx.find(&client_id).await?;
            let app = registry.get(&client_id).await?;
            let question = format!(
                "Reset the client secret of '{}' ({}) in region {}?\nThe current secret stops working at once for every platform that uses it. The client ID stays the same.",
                app.client_name, app.client_id, app.region
            );
            if !confirm(&question, "reset the secret", yes)? {
                eprintln!("Cancelled: the secret was not reset.");
                return Ok(ExitCode::FAILURE);
            }
            let issued = registry.reset_secret(&client_id).await?;
            issued_output(
                ctx,
                &issued,
                Output { json, copy },
                "Reset the client secret of",
            )
            .await
        }
        AppsCommand::Delete { client_id, yes } => {
            let registry = ctx.find(&client_id).await?;
            let app = registry.get(&client_id).await?;
            let question = format!(
                "Delete '{}' ({}) from region {}?\nIts credentials stop working at once for every platform that uses them. This cannot be undone.",
                app.client_name, app.client_id, app.region
            );
            if !confirm(&question, "delete the application", yes)? {
                eprintln!("Cancelled: nothing was deleted.");
                return Ok(ExitCode::FAILURE);
            }
            registry.delete(&client_id).await?;
            println!(
                "Deleted '{}' ({}) from region {}.",
                app.client_name, app.client_id, app.region
            );
            Ok(ExitCode::SUCCESS)
        }
        AppsCommand::Import {
            region,
            file,
            json: _,
        } => import(ctx, region, &file).await,
        AppsCommand::Export { region } => export(ctx, region).await,
    }
}

/// Parses `SCOPE=ACCESS` arguments and checks each against the catalog.
fn parse_grants(ctx: &Context, args: &[String]) -> anyhow::Result<Vec<Grant>> {
    args.iter()
        .map(|a| {
            let g = Grant::parse_assignment(a).map_err(anyhow::Error::msg)?;
            ctx.catalog.check(&g)?;
            Ok(g)
        })
        .collect()
}

async fn list(ctx: &Context, region: Option<Region>, json: bool) -> anyhow::Result<ExitCode> {
    let registries = match region {
        Some(r) => vec![ctx.registry(&r)?],
        None => ctx.registries()?,
    };
    let now = Utc::now();
    if json {
        let mut out = BufWriter::new(std::io::stdout().lock());
        out.write_all(b"[")?;
        let mut first = true;
        for registry in &registries {
            for app in registry.list().await? {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(b"\n  ")?;
                serde_json::to_writer(&mut out, &ApplicationRecord::new(&app, None, now))?;
            }
        }
        out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table(["NAME", "CLIENT ID", "REGION", "SCOPES", "CREATED"]);
    let mut count = 0;
    for registry in &registries {
        for app in registry.list().await? {
            count += 1;
            t.add_row([
                app.client_name.to_string(),
                app.client_id.to_string(),
                app.region.to_string(),
                scope_summary(&app),
                app.created_at.format("%Y-%m-%d").to_string(),
            ]);
        }
    }
    if count == 0 {
        let regions: Vec<&str> = registries.iter().map(|r| r.region().as_str()).collect();
        eprintln!(
            "No applications in {} yet. Add one with: keyward apps add --region {} --name NAME --scope SCOPE=ACCESS",
            regions.join(", "),
            regions.first().copied().unwrap_or("us")
        );
    } else {
        print_table(&t)?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn add(
    ctx: &Context,
    region: Region,
    name: String,
    scopes: Vec<String>,
    admin: bool,
    output: Output,
) -> anyhow::Result<ExitCode> {
    let client_name = AppName::parse(&name)?;
    let grants = parse_grants(ctx, &scopes)?;
    let registry = ctx.registry(&region)?;
    let issued = registry
        .create(NewApplication {
            client_name,
            grants,
            admin,
        })
        .await?;
    issued_output(ctx, &issued, output, "Created").await
}

/// How to hand out a new secret.
#[derive(Clone, Copy)]
struct Output {
    json: bool,
    copy: bool,
}

/// Prints an application with its new secret, once; or, with `--copy`, copies
/// the secret, prints the rest, and waits to clear the clipboard.
async fn issued_output(
    ctx: &Context,
    issued: &Issued,
    output: Output,
    verb: &str,
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
    if output.json {
        print_json(&ApplicationRecord::new(
            app,
            Some(&issued.reveal),
            Utc::now(),
        ))?;
    } else {
        println!("{verb} '{}' in region {}.\n", app.client_name, app.region);
        show(ctx, app, printed.then_some(&issued.reveal), false)?;
        if printed {
            println!(
                "\nThe secret is shown this once. Only this process could show it again, until {} ({} from now), and it ends now: store the secret safely.\nIf it is lost, make a new one with `keyward apps reset-secret {} --yes`.",
                time(issued.reveal.visible_until),
                countdown(issued.reveal.visible_until, Utc::now()),
                app.client_id
            );
        }
    }
    match copied {
        None => Ok(ExitCode::SUCCESS),
        Some(Ok(pending)) => {
            super::copy::wait_and_clear(pending).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Err(e)) => Err(e.context(format!(
            "'{}' was saved and its secret printed above, but copying failed",
            app.client_name
        ))),
    }
}

fn show(
    ctx: &Context,
    app: &Application,
    reveal: Option<&SecretReveal>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let now = Utc::now();
    if json {
        print_json(&ApplicationRecord::new(app, reveal, now))?;
        return Ok(ExitCode::SUCCESS);
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
        .add("Region", app.region.to_string())
        .add("Scopes", scope_lines(app, &ctx.catalog));
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
    f.add("Created", time(app.created_at))
        .add("Updated", time(app.updated_at))
        .add("Secret made", time(app.secret_issued_at));
    f.print()?;
    Ok(ExitCode::SUCCESS)
}

fn read_import(ctx: &Context, file: &str) -> anyhow::Result<Vec<NewApplication>> {
    let (label, reader): (String, Box<dyn BufRead>) = if file == "-" {
        ("standard input".into(), Box::new(std::io::stdin().lock()))
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("cannot open {file}"))?;
        (file.to_owned(), Box::new(std::io::BufReader::new(f)))
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let line = line.with_context(|| format!("{label}: line {n}: cannot read"))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: &dyn std::fmt::Display| anyhow::anyhow!("{label}: line {n}: {e}");
        let (client_name, grants) = parse_import_line(&line).map_err(|e| at(&e))?;
        for g in &grants {
            ctx.catalog.check(g).map_err(|e| at(&e))?;
        }
        let key = client_name.as_str().to_lowercase();
        if let Some(first) = seen.insert(key, n) {
            return Err(at(&format!(
                "the name '{client_name}' is already used on line {first}"
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

async fn import(ctx: &Context, region: Region, file: &str) -> anyhow::Result<ExitCode> {
    let registry = ctx.registry(&region)?;
    let new = read_import(ctx, file)?;
    // Refuse up front if a name exists already, so no batch is half-imported.
    let existing: HashMap<String, String> = registry
        .list()
        .await?
        .into_iter()
        .map(|a| {
            (
                a.client_name.as_str().to_lowercase(),
                a.client_id.to_string(),
            )
        })
        .collect();
    if let Some(clash) = new
        .iter()
        .find(|n| existing.contains_key(&n.client_name.as_str().to_lowercase()))
    {
        anyhow::bail!(
            "an application named '{}' already exists in region {region}; nothing was imported",
            clash.client_name
        );
    }
    let total = new.len();
    let progress = std::io::stderr().is_terminal();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut done = 0;
    let mut batches = new.into_iter().peekable();
    while batches.peek().is_some() {
        let batch: Vec<NewApplication> = batches.by_ref().take(IMPORT_BATCH).collect();
        let issued = registry.create_many(batch).await.with_context(|| {
            format!("import stopped after {done} of {total} applications (those are saved and printed above)")
        })?;
        let now = Utc::now();
        for i in &issued {
            serde_json::to_writer(
                &mut out,
                &ApplicationRecord::new(&i.application, Some(&i.reveal), now),
            )?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        done += issued.len();
        if progress {
            eprint!("\rImported {done} of {total}…");
        }
    }
    if progress {
        eprintln!();
    }
    eprintln!(
        "Imported {done} application{} into region {region}. Their secrets are in the output and nowhere else: store them now.",
        if done == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

async fn export(ctx: &Context, region: Region) -> anyhow::Result<ExitCode> {
    let registry: Box<dyn Registry> = ctx.registry(&region)?;
    let apps = registry.list().await?;
    let now = Utc::now();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for app in &apps {
        serde_json::to_writer(&mut out, &ApplicationRecord::new(app, None, now))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
