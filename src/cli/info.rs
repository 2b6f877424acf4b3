//! `keyward regions` and `keyward scopes`.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::Context;
use super::output::{Stdout, print_json, print_table, table};
use crate::config::Backend;
use crate::registry::embedded::DB_FILE;

#[derive(Serialize)]
struct RegionRecord {
    region: String,
    name: String,
    backend: &'static str,
    location: String,
}

pub fn regions(ctx: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let records: Vec<RegionRecord> = ctx
        .config
        .regions
        .iter()
        .map(|r| match &r.backend {
            Backend::Embedded => RegionRecord {
                region: r.region.to_string(),
                name: r.name.clone(),
                backend: "embedded",
                location: ctx.paths.data_dir.join(DB_FILE).display().to_string(),
            },
            Backend::Remote(remote) => RegionRecord {
                region: r.region.to_string(),
                name: r.name.clone(),
                backend: "remote",
                location: crate::text::redact_url(&remote.url).into_owned(),
            },
            // The URL without its password; or why it cannot be read.
            Backend::Postgres(pg) => RegionRecord {
                region: r.region.to_string(),
                name: r.name.clone(),
                backend: "postgres",
                location: match crate::registry::postgres::load_database_url(&r.region, &pg.url) {
                    Ok(url) => url.display(),
                    Err(e) => format!("(unknown: {e})"),
                },
            },
        })
        .collect();
    let mut out = Stdout::new();
    if json {
        print_json(&mut out, &records)?;
    } else {
        let mut t = table(["REGION", "NAME", "BACKEND", "LOCATION"]);
        for r in &records {
            t.add_row([&r.region, &r.name, r.backend, &r.location]);
        }
        print_table(&mut out, &t)?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

pub fn scopes(ctx: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let mut out = Stdout::new();
    if json {
        print_json(&mut out, &ctx.catalog.groups())?;
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table(["SCOPE", "ACCESS", "TITLE", "DESCRIPTION"]);
    for group in ctx.catalog.groups() {
        t.add_row([
            format!("{} ({})", group.title, group.id),
            String::new(),
            String::new(),
            String::new(),
        ]);
        for s in &group.scopes {
            let access: Vec<&str> = s.access.iter().map(|a| a.as_str()).collect();
            t.add_row([
                format!("  {}", s.id),
                access.join("/"),
                s.title.clone(),
                s.description.clone(),
            ]);
        }
    }
    print_table(&mut out, &t)?;
    writeln!(
        out,
        "\nAn application holding `read` may request <scope>:read; `write` adds <scope>:write.\nCatalog: {}",
        ctx.catalog.source()
    )?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
