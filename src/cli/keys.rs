//! `keyward keys list|rotate --region R`: a region's token-signing keys,
//! where the region is stored (embedded or PostgreSQL). Servers re-read the
//! keys every second, so a rotation made here reaches them without a restart.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Context;
use super::output::{
    Stdout, Undelivered, long_countdown, note, print_json, print_table, table, time,
};
use super::prompt::confirm;
use crate::model::Region;
use crate::oauth::ring::{KeyInfo, KeyRing, KeyState, cache_max_age};

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// List a region's token-signing keys: next (published, not yet
    /// signing), active (signing) and retired (published until the tokens
    /// it signed have expired)
    List {
        /// The region whose keys to list (see `keyward regions`)
        #[arg(long)]
        region: Region,
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Make a new signing key: published in the JWKS at once, signing after
    /// the publish delay, when the current key retires (it stays published
    /// until the tokens it signed have expired)
    Rotate {
        /// The region whose key to rotate (see `keyward regions`)
        #[arg(long)]
        region: Region,
        /// How long the new key is published before it signs: 2s to 7d,
        /// e.g. 30s, 15m, 24h [default: signing_key_publish_delay_seconds
        /// in the config, 600]
        #[arg(long, value_name = "DURATION", value_parser = parse_publish_delay, allow_hyphen_values = true)]
        publish_delay: Option<Duration>,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long)]
        yes: bool,
        /// Print JSON (the new key and every key) instead of text
        #[arg(long)]
        json: bool,
    },
}

fn parse_publish_delay(s: &str) -> Result<Duration, String> {
    let d = crate::model::parse_duration(s).map_err(|e| e.to_string())?;
    let d = d
        .to_std()
        .map_err(|_| "the publish delay cannot be negative".to_owned())?;
    crate::oauth::ring::check_publish_delay(d)?;
    Ok(d)
}

/// One key as `--json` prints it.
#[derive(Serialize)]
struct KeyRecord<'a> {
    region: &'a Region,
    kid: &'a str,
    state: KeyState,
    created_at: DateTime<Utc>,
    signs_from: DateTime<Utc>,
    retired_at: Option<DateTime<Utc>>,
    published_until: Option<DateTime<Utc>>,
}

fn records<'a>(region: &'a Region, keys: &'a [KeyInfo], now: DateTime<Utc>) -> Vec<KeyRecord<'a>> {
    keys.iter()
        .rev()
        .map(|k| KeyRecord {
            region,
            kid: &k.kid,
            state: k.state(now),
            created_at: k.created_at,
            signs_from: k.signs_from,
            retired_at: k.retired_at,
            published_until: k.published_until,
        })
        .collect()
}

/// The keys published at `now` (those the JWKS holds), newest first.
fn published(ring: &KeyRing, now: DateTime<Utc>) -> Vec<KeyInfo> {
    let mut keys: Vec<KeyInfo> = ring.published(now).map(|k| k.info.clone()).collect();
    keys.reverse();
    keys
}

fn print_keys(
    out: &mut Stdout,
    region: &Region,
    keys: &[KeyInfo],
    now: DateTime<Utc>,
) -> std::io::Result<()> {
    let mut t = table([
        "KID",
        "STATE",
        "CREATED",
        "SIGNS FROM",
        "RETIRED",
        "PUBLISHED UNTIL",
    ]);
    let or_dash = |t: Option<DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), time);
    for r in records(region, keys, now) {
        t.add_row([
            r.kid.to_owned(),
            r.state.as_str().to_owned(),
            time(r.created_at),
            time(r.signs_from),
            or_dash(r.retired_at),
            or_dash(r.published_until),
        ]);
    }
    print_table(out, &t)
}

pub async fn run(ctx: &Context, cmd: KeysCommand) -> anyhow::Result<ExitCode> {
    let mut out = Stdout::new();
    match cmd {
        KeysCommand::List { region, json } => {
            let registry = ctx.registry(&region)?;
            let ring = registry.signing_keys().await?;
            let now = Utc::now();
            let keys = published(&ring, now);
            if json {
                print_json(&mut out, &records(&region, &keys, now))?;
            } else {
                print_keys(&mut out, &region, &keys, now)?;
            }
            out.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Rotate {
            region,
            publish_delay,
            yes,
            json,
        } => rotate(ctx, &region, publish_delay, yes, json, &mut out).await,
    }
}

async fn rotate(
    ctx: &Context,
    region: &Region,
    publish_delay: Option<Duration>,
    yes: bool,
    json: bool,
    out: &mut Stdout,
) -> anyhow::Result<ExitCode> {
    let configured = ctx.config.signing_key_publish_delay;
    let delay = publish_delay.unwrap_or(configured);
    let registry = ctx.registry(region)?;
    // Read first: a remote region (whose keys are on its server: refused
    // without a request) or a wrong secret.key is refused before anyone is
    // asked anything, and before a read-only check that would ask a remote
    // server.
    let ring = registry.signing_keys().await?;
    ctx.refuse_if_read_only(registry.as_ref()).await?;
    let now = Utc::now();
    let current = &ring.signing_key(now).info;
    let signs_from = now + chrono::Duration::from_std(delay)?;
    let question = format!(
        "Rotate the token-signing key of region {region}?\nA new key is published in the JWKS now and signs from {} (in {}). The current key {} then stops signing, and stays published until the tokens it signed have expired.",
        time(signs_from),
        long_countdown(signs_from, now),
        current.kid
    );
    if !confirm(&question, "rotate the signing key", yes)? {
        note(format_args!("Cancelled: the signing key was not rotated."));
        return Ok(ExitCode::FAILURE);
    }
    if delay < configured {
        note(format_args!(
            "keyward: warning: the publish delay ({}s) is shorter than signing_key_publish_delay_seconds ({}s), from which servers tell caches to keep the JWKS for up to {}s: a resource server may see a token from the new key before its cached JWKS holds it",
            delay.as_secs(),
            configured.as_secs(),
            cache_max_age(configured).as_secs()
        ));
    }
    let (new, ring) = registry.rotate_signing_key(delay).await?;
    let now = Utc::now();
    let done = format!(
        "Rotated the signing key of region {region}: {} is published now and signs from {}.",
        new.kid,
        time(new.signs_from)
    );
    let printed = if json {
        #[derive(Serialize)]
        struct Rotated<'a> {
            region: &'a Region,
            kid: &'a str,
            signs_from: DateTime<Utc>,
            keys: Vec<KeyRecord<'a>>,
        }
        let keys = published(&ring, now);
        print_json(
            out,
            &Rotated {
                region,
                kid: &new.kid,
                signs_from: new.signs_from,
                keys: records(region, &keys, now),
            },
        )
        .and_then(|()| Ok(out.finish()?))
    } else {
        writeln!(out, "{done}")
            .and_then(|()| out.finish())
            .map_err(Into::into)
    };
    // The rotation is made whatever happens here: never a quiet exit.
    printed.map_err(|e| {
        Undelivered(format!(
            "the signing key WAS rotated, but the confirmation could not be printed ({e}): {done}"
        ))
    })?;
    Ok(ExitCode::SUCCESS)
}
