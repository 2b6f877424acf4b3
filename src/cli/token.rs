//! `keyward token`: asks a token endpoint for a token with client credentials
//! and shows what came back. The secret comes from `KEYWARD_CLIENT_SECRET` or
//! standard input, never from an argument (`ps` would show it).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use super::Context;
use crate::config::Backend;
use crate::model::{ClientSecret, Region};
use crate::oauth::client::{self, AuthMethod, GrantType, Habits, Vendor};
use crate::oauth::jwt::decode_unverified;

pub struct TokenArgs {
    pub region: Option<Region>,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub token_url: Option<String>,
    pub vendor: Option<Vendor>,
    pub auth: Option<AuthMethod>,
    pub grant_type: Option<GrantType>,
    pub insecure: bool,
    pub json: bool,
}

/// The env var that may hold the secret.
pub const SECRET_ENV: &str = "KEYWARD_CLIENT_SECRET";

fn read_secret() -> anyhow::Result<ClientSecret> {
    if let Ok(s) = std::env::var(SECRET_ENV) {
        let secret = ClientSecret::from_string(s.trim().to_owned());
        drop(zeroize::Zeroizing::new(s));
        if !secret.expose().is_empty() {
            return Ok(secret);
        }
    }
    let stdin = std::io::stdin();
    let on_terminal = stdin.is_terminal();
    if on_terminal {
        let mut err = std::io::stderr().lock();
        write!(err, "Client secret (not shown): ")?;
        err.flush()?;
        set_echo(false);
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    let read = stdin.lock().read_line(&mut line);
    if on_terminal {
        set_echo(true);
        super::output::note(format_args!(""));
    }
    read.context("cannot read the client secret from standard input")?;
    let secret = ClientSecret::from_string(line.trim().to_owned());
    if secret.expose().is_empty() {
        anyhow::bail!(
            "no client secret: set {SECRET_ENV} or pass it on standard input (never as an argument)"
        );
    }
    Ok(secret)
}

/// Best effort: hide what is typed, so the secret stays off the scrollback.
fn set_echo(on: bool) {
    let _ = std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .status();
}

fn habits(ctx: &Context, a: &TokenArgs) -> anyhow::Result<Habits> {
    let mut h = match (&a.token_url, a.vendor, &a.region) {
        // A vendor's habits at another URL: a proxy, or a test double.
        (Some(url), Some(v), _) => Habits {
            token_url: url.clone(),
            ..v.habits()
        },
        (Some(url), None, _) => Habits::rfc6749(url),
        (None, Some(v), _) => v.habits(),
        (None, None, Some(region)) => match &ctx.region_config(region)?.backend {
            Backend::Remote(r) => Habits::rfc6749(&format!("{}/oauth2/token", r.url)),
            // An embedded region is served by `keyward serve` on this machine.
            Backend::Embedded | Backend::Postgres(_) => {
                Habits::rfc6749("http://127.0.0.1:8080/oauth2/token")
            }
        },
        (None, None, None) => anyhow::bail!(
            "say where to ask: --region R, --token-url URL or --vendor bts-us|bts-uk|echo-us"
        ),
    };
    if let Some(auth) = a.auth {
        h.auth = auth;
    }
    if let Some(g) = a.grant_type {
        h.grant_type = g;
    }
    Ok(h)
}

/// Whether `url`'s host is this machine by its very name: a loopback address
/// or `localhost` (RFC 6761). Any other name could resolve anywhere.
fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses, before the secret is read or any connection made, to send a
/// secret over plain HTTP to another machine, unless `--insecure` says so.
fn refuse_plain_http(token_url: &str, insecure: bool) -> anyhow::Result<()> {
    let plain = token_url
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    if plain && !is_loopback_url(token_url) && !insecure {
        anyhow::bail!(
            "refusing to send the client secret over plain http:// to {}: anyone on the way could read it; use https://, or pass --insecure if you really mean it",
            crate::text::printable_truncated(&crate::text::redact_url(token_url), 80)
        );
    }
    Ok(())
}

pub async fn run(ctx: &Context, a: TokenArgs) -> anyhow::Result<ExitCode> {
    let habits = habits(ctx, &a)?;
    refuse_plain_http(&habits.token_url, a.insecure)?;
    let secret = read_secret()?;
    let http = client::http_client()?;
    let scopes: Vec<String> = a
        .scopes
        .iter()
        .flat_map(|s| s.split([' ', '+', ',']))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let reply = client::request_token(&http, &habits, &a.client_id, &secret, &scopes).await?;
    let now = Utc::now();
    let expires_at = reply
        .expires_in
        .and_then(|s| i64::try_from(s).ok())
        .map(|s| now + chrono::Duration::seconds(s));
    let claims = decode_unverified(&reply.access_token);
    let scope = reply.scope.clone().or_else(|| {
        claims
            .as_ref()
            .and_then(|c| c["scope"].as_str().map(str::to_owned))
    });
    let token_url = crate::text::redact_url(&habits.token_url);
    let mut out = super::output::Stdout::new();
    if a.json {
        let record = serde_json::json!({
            "access_token": reply.access_token,
            "token_type": reply.token_type,
            "expires_in": reply.expires_in,
            "expires_at": expires_at.map(crate::model::wire::rfc3339),
            "scope": scope,
            "token_url": token_url,
            "claims": claims,
        });
        super::output::print_json(&mut out, &record)?;
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "Token URL    {token_url}")?;
    writeln!(
        out,
        "Token type   {}",
        reply.token_type.as_deref().unwrap_or("(none given)")
    )?;
    writeln!(
        out,
        "Scopes       {}",
        scope.as_deref().unwrap_or("(none given)")
    )?;
    match (reply.expires_in, expires_at) {
        (Some(s), Some(at)) => writeln!(
            out,
            "Expires in   {s} s (at {})",
            crate::model::wire::rfc3339(at)
        )?,
        _ => writeln!(out, "Expires in   (not given)")?,
    }
    writeln!(out, "Access token {}", reply.access_token)?;
    match claims {
        Some(c) => {
            writeln!(out, "Claims (decoded, not verified):")?;
            writeln!(out, "{}", serde_json::to_string_pretty(&c)?)?;
        }
        None => writeln!(out, "The token is not a JWT: it is opaque to clients.")?,
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
