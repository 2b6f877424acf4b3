//! `keyward serve`: runs one region's token service until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use crate::config::Backend;
use crate::model::Region;
use crate::server::log_buffer::{FlushGuard, LogBuffer};
use crate::server::{Server, shutdown_signal};

use super::Context;

/// What `keyward serve` was given besides the region.
pub struct ServeArgs {
    pub listen: SocketAddr,
    pub issuer: Option<String>,
    /// A line per request, token and refusal (`--log-requests`).
    pub log_requests: bool,
    /// Peers whose forwarding headers count (`--trusted-proxy`).
    pub trusted_proxies: crate::server::proxy::TrustedProxies,
    /// Serve HTTPS with these (`--tls-cert`, `--tls-key`).
    pub tls: Option<crate::server::tls::TlsFiles>,
}

pub async fn run(ctx: &Context, region: &Region, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let ServeArgs {
        listen,
        issuer,
        log_requests,
        trusted_proxies,
        tls,
    } = args;
    let _log_guard = init_logging(log_requests);
    let rc = ctx.region_config(region)?;
    if let Backend::Remote(_) = rc.backend {
        anyhow::bail!(
            "region '{region}' is served by another server ({}); `keyward serve` serves embedded and PostgreSQL regions only",
            rc.backend
        );
    }
    let registry: Arc<dyn crate::registry::Registry> =
        Arc::from(ctx.registry_via(region, crate::model::Via::Serve)?);
    // Fails now, not at the first request, when the database cannot be
    // reached, its schema is newer than this build, or this data dir's
    // secret.key is not the region's.
    registry.fingerprint().await?;
    let server = Server::bind_tls(
        listen,
        issuer,
        &ctx.paths.data_dir,
        registry,
        ctx.catalog.clone(),
        tls,
    )
    .await?
    .with_throttle(ctx.config.throttle)
    .with_connections(ctx.config.connections)
    .with_usage(ctx.config.usage_flush)
    .with_rotation_grace(ctx.config.rotation_grace)
    .with_publish_delay(ctx.config.signing_key_publish_delay)
    .with_request_log(ctx.config.request_log)
    .with_trusted_proxies(trusted_proxies);
    let addr = server.local_addr()?;
    let scheme = if server.is_tls() { "https" } else { "http" };
    tracing::info!(%region, %addr, issuer = server.issuer(), "keyward serve listening");
    // Scripts and tests that pass port 0 read the address from here.
    // Best effort: the server is what matters, and nothing secret is lost
    // if nobody reads this line.
    let mut out = super::output::Stdout::new();
    if let Err(e) = writeln!(out, "listening on {scheme}://{addr}").and_then(|()| out.finish()) {
        tracing::warn!(error = %e, "could not print the listening address");
    }
    server.run(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Structured logs on standard error; `RUST_LOG` refines the level.
/// Per-request lines are at debug under their own target (see
/// `server::request_log`): `log_requests` turns them on whatever the level.
///
/// Lines go through a [`LogBuffer`]: a request only appends its line, and a
/// writer thread writes the lines in batches (at least every 100 ms), so a
/// request never waits on the terminal or pipe behind standard error and a
/// busy server pays no wake-up per line. Nothing is dropped, and the guard
/// writes what is left when dropped. Without a thread to write, logs go
/// straight to standard error.
fn init_logging(log_requests: bool) -> Option<FlushGuard<std::io::Stderr>> {
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if log_requests {
        let directive = format!("{}=debug", crate::server::request_log::REQUESTS_TARGET);
        if let Ok(d) = directive.parse() {
            filter = filter.add_directive(d);
        }
    }
    // Colour only for a person at a terminal: a log file or a collector gets
    // plain lines (and formatting them is cheaper on the token path).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_ansi(colour)
        .with_env_filter(filter);
    match LogBuffer::new(std::io::stderr()) {
        Ok((writer, guard)) => {
            let _ = builder.with_writer(writer).try_init();
            Some(guard)
        }
        Err(_) => {
            let _ = builder.with_writer(std::io::stderr).try_init();
            None
        }
    }
}
