//! `keyward serve`: runs one region's token service until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use crate::config::Backend;
use crate::model::Region;
use crate::server::log_buffer::{FlushGuard, LogBuffer};
use crate::server::{Server, shutdown_signal};
use tracing_subscriber::fmt::writer::BoxMakeWriter;

use super::Context;

/// `--log-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// What `keyward serve` was given besides the region.
pub struct ServeArgs {
    pub listen: SocketAddr,
    pub issuer: Option<String>,
    /// A line per request, token and refusal (`--log-requests`).
    pub log_requests: bool,
    pub log_format: LogFormat,
    /// Where to serve `/metrics` (`--metrics-listen`).
    pub metrics_listen: Option<SocketAddr>,
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
        log_format,
        metrics_listen,
        trusted_proxies,
        tls,
    } = args;
    let _log_guard = init_logging(log_requests, log_format);
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
    let mut server = Server::bind_tls(
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
    if let Some(metrics_listen) = metrics_listen {
        server = server.with_metrics(metrics_listen).await?;
    }
    let addr = server.local_addr()?;
    let scheme = if server.is_tls() { "https" } else { "http" };
    tracing::info!(%region, %addr, issuer = server.issuer(), "keyward serve listening");
    // Scripts and tests that pass port 0 read the address from here.
    // Best effort: the server is what matters, and nothing secret is lost
    // if nobody reads this line.
    let mut out = super::output::Stdout::new();
    let mut said = format!("listening on {scheme}://{addr}\n");
    if let Some(metrics) = server.metrics_addr() {
        tracing::info!(addr = %metrics, "serving metrics at /metrics");
        said.push_str(&format!("metrics on http://{metrics}/metrics\n"));
    }
    if let Err(e) = out.write_all(said.as_bytes()).and_then(|()| out.finish()) {
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
///
/// `LogFormat::Json` writes one JSON object per line: `timestamp`, `level`,
/// `target`, the event's fields at the top level (`message` among them), and
/// `span` with the request's `request_id` for lines made inside a request.
fn init_logging(log_requests: bool, format: LogFormat) -> Option<FlushGuard<std::io::Stderr>> {
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
    let (writer, guard) = match LogBuffer::new(std::io::stderr()) {
        Ok((writer, guard)) => (BoxMakeWriter::new(writer), Some(guard)),
        Err(_) => (BoxMakeWriter::new(std::io::stderr), None),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(colour).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    guard
}
