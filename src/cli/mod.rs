//! The `keyward` command line. Every TUI action also exists here as a scriptable
//! command with `--json` output.

pub mod advice;
mod apps;
mod audit;
mod completions;
mod context;
mod copy;
mod doctor;
mod info;
mod keys;
mod lifecycle;
pub mod output;
mod prompt;
mod region_copy;
mod serve;
mod token;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use context::Context;

use crate::model::{ClientId, Region};

const ABOUT: &str =
    "Manage OAuth 2.0 client credentials: applications, scopes and secrets, per region.";

const AFTER_HELP: &str = "\
Run `keyward` with no command for the full-screen UI.

Examples:
  keyward apps add --region us --name \"Payroll sync\" --scope ess:account=read
  keyward apps list --region us
  keyward apps rotate CLIENT_ID --grace 24h --yes
  keyward apps reset-secret CLIENT_ID --yes
  keyward keys rotate --region us --yes
  keyward scopes";

/// `0.1.0 (commit 1a2b3c4d5e6f)`, `-dirty` when built from a changed work
/// tree, or a note that the build is not from git (see `build.rs`).
pub const VERSION: &str = {
    const COMMIT: &str = env!("KEYWARD_BUILD_COMMIT");
    if COMMIT.is_empty() {
        concat!(
            env!("CARGO_PKG_VERSION"),
            " (not built from a git checkout: no commit recorded)"
        )
    } else {
        concat!(
            env!("CARGO_PKG_VERSION"),
            " (commit ",
            env!("KEYWARD_BUILD_COMMIT"),
            ")"
        )
    }
};

#[derive(Debug, Parser)]
#[command(name = "keyward", version = VERSION, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// Where applications and keys are kept [default: the platform's data dir]
    #[arg(long, global = true, env = "KEYWARD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The config file [default: config.toml in the platform's config dir]
    #[arg(long, global = true, env = "KEYWARD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Change nothing: the UI's and the command line's changes are refused
    /// in every region; lists, details, the audit log and token tests work
    #[arg(long, global = true)]
    pub read_only: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The full-screen UI (the default when no command is given)
    Tui {
        /// The region to open first (see `keyward regions`)
        #[arg(long)]
        region: Option<Region>,
    },
    /// List the configured regions and where each lives; copy an embedded
    /// region into PostgreSQL
    #[command(args_conflicts_with_subcommands = true)]
    Regions {
        #[command(subcommand)]
        command: Option<region_copy::RegionsCommand>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Show the scope catalog: every scope an application can hold
    Scopes {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Add, list, change and delete applications
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Who changed what: read, follow, verify and prune the audit log
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        command: Option<audit::AuditCommand>,
        #[command(flatten)]
        list: audit::ListArgs,
    },
    /// A region's token-signing keys: list them, rotate to a new one
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Get a token with client credentials; the secret comes from
    /// KEYWARD_CLIENT_SECRET or standard input, never an argument
    Token {
        /// The region whose token service to ask (an embedded region is asked
        /// at http://127.0.0.1:8080, where `keyward serve` listens by default)
        #[arg(long, required_unless_present_any = ["token_url", "vendor"])]
        region: Option<Region>,
        /// The client ID to ask a token for
        #[arg(long)]
        client_id: String,
        /// A scope to request (repeatable; spaces or '+' also separate)
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Any token endpoint (with --vendor: that vendor's habits at this URL)
        #[arg(long, value_name = "URL")]
        token_url: Option<String>,
        /// A vendor's token service, with its habits
        #[arg(long, value_enum)]
        vendor: Option<crate::oauth::client::Vendor>,
        /// Where the credentials go [default: basic; post for echo-us]
        #[arg(long, value_enum)]
        auth: Option<crate::oauth::client::AuthMethod>,
        /// [default: client_credentials; none for echo-us]
        #[arg(long, value_enum)]
        grant_type: Option<crate::oauth::client::GrantType>,
        /// Sending the secret over plain http:// to a host other than this
        /// machine is refused unless this is given: anyone on the way could
        /// read it
        #[arg(long)]
        insecure: bool,
        /// Print the reply as JSON (the token, its expiry and decoded claims)
        #[arg(long)]
        json: bool,
    },
    /// Run a region's token service: OAuth2 token endpoint and admin API
    Serve {
        /// The region to serve (an embedded one; see `keyward regions`)
        #[arg(long)]
        region: Region,
        /// The address to listen on (port 0 picks a free port)
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// The issuer URL put in tokens [default: http:// plus the listen address]
        #[arg(long, value_name = "URL")]
        issuer: Option<String>,
        /// Log every request, token and refused authentication on its own
        /// line (for debugging: a busy or attacked server writes a lot). By
        /// default they are counted and summarised every
        /// `log_summary_seconds`
        #[arg(long)]
        log_requests: bool,
        /// A proxy or load balancer whose X-Forwarded-For (or Forwarded)
        /// header names the client, as a CIDR or an address (repeatable).
        /// Throttling, usage and logs then use the client's address; from
        /// any other peer the headers are ignored
        #[arg(long, value_name = "CIDR", value_parser = crate::server::proxy::TrustedProxies::parse_cidr)]
        trusted_proxy: Vec<ipnet::IpNet>,
        /// Serve HTTPS with this PEM certificate chain (the server's
        /// certificate first); SIGHUP reloads it and the key
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert (mode 0600: a key file group or
        /// others can read is refused)
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve Prometheus metrics at /metrics on this address, a listener
        /// of its own (keep it off the public network)
        #[arg(long, value_name = "ADDR")]
        metrics_listen: Option<std::net::SocketAddr>,
        /// The log's format: text for people, json for log shippers (one
        /// JSON object per line)
        #[arg(long, value_enum, default_value_t = serve::LogFormat::Text)]
        log_format: serve::LogFormat,
    },
    /// Check the data dir, the config, each region's backend and the way a
    /// copy would take here; say what to change
    Doctor {
        /// Print the checks as JSON
        #[arg(long)]
        json: bool,
        /// Also send a harmless test text by the clipboard route keyward would
        /// take, and ask you to paste it back
        #[arg(long)]
        clipboard_test: bool,
    },
    /// Print the shell completion script (see the README for where it goes)
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: completions::Shell,
    },
    /// Print the man page, or write every page (keyward.1, keyward-apps.1 and so on)
    /// to a directory
    Man {
        /// Write keyward.1 and one page per command here instead of printing
        /// keyward.1
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List applications, of one region or of all
    List {
        /// Only this region's applications [default: every region's]
        #[arg(long)]
        region: Option<Region>,
        /// Only applications that got no token for this long (or never),
        /// e.g. 90d; also 30s, 15m, 24h
        #[arg(long, value_name = "DURATION", value_parser = parse_duration_arg, allow_hyphen_values = true)]
        unused_for: Option<chrono::Duration>,
        /// Only applications that hold this scope (repeatable: all must
        /// hold): an OAuth scope such as forensics:account:read (write holds
        /// read too), SCOPE=ACCESS such as forensics:account=write, or a
        /// scope id alone for any access
        #[arg(long = "scope", value_name = "SCOPE[=ACCESS]")]
        scopes: Vec<String>,
        /// The order: name, or newest created, most recently updated,
        /// oldest secret, most recently used first
        #[arg(long, value_enum, value_name = "FIELD", default_value_t = crate::model::AppOrder::Name)]
        sort: crate::model::AppOrder,
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
        /// The trash instead: deleted applications, with when each is purged
        #[arg(long)]
        deleted: bool,
    },
    /// Register an application; prints its client ID and, once, its new secret
    Add {
        /// The region to register it in (see `keyward regions`)
        #[arg(long)]
        region: Region,
        /// Its display name: 1 to 64 characters, unique in the region
        /// (compared ignoring case and look-alike forms)
        #[arg(long)]
        name: String,
        /// A scope and its access, e.g. forensics:account=write (repeatable)
        #[arg(long = "scope", value_name = "SCOPE=ACCESS")]
        scopes: Vec<String>,
        /// Also grant keyward:admin, which opens the admin API of `keyward serve`
        #[arg(long)]
        admin: bool,
        /// Copy the new secret to the clipboard instead of printing it, then wait
        /// to clear it
        #[arg(long)]
        copy: bool,
        /// Print JSON (with the new secret) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Show one application
    Show {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Give an application a new name
    Rename {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// The new name: 1 to 64 characters, unique in the region
        name: String,
    },
    /// Change an application's scope access (other scopes keep theirs)
    Scopes {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// SCOPE=ACCESS with ACCESS one of none, read, write (repeatable)
        #[arg(long = "set", value_name = "SCOPE=ACCESS", required = true, num_args = 1..)]
        set: Vec<String>,
        /// Print the changed application as JSON
        #[arg(long)]
        json: bool,
    },
    /// Replace the client secret; the old one stops working at once
    ResetSecret {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long)]
        yes: bool,
        /// Copy the new secret to the clipboard instead of printing it, then wait
        /// to clear it
        #[arg(long)]
        copy: bool,
        /// Print JSON (with the new secret) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Make a new secret while the current one keeps working for a grace
    /// period (no outage); then it fails by itself, or at `apps retire`
    Rotate {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// How long the current secret keeps working: 0s to 30d, e.g. 30s,
        /// 15m, 24h, 7d [default: rotation_grace in the config, 24h]
        #[arg(long, value_name = "DURATION", value_parser = parse_grace_arg, allow_hyphen_values = true)]
        grace: Option<chrono::Duration>,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long)]
        yes: bool,
        /// Copy the new secret to the clipboard instead of printing it, then wait
        /// to clear it
        #[arg(long)]
        copy: bool,
        /// Print JSON (with the new secret) instead of text
        #[arg(long)]
        json: bool,
    },
    /// End the retiring secret of a rotation now
    Retire {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Delete an application: to the trash (7 days unless trash_days says);
    /// its credentials stop working at once
    Delete {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Suspend an application: it gets no token until resumed; its secrets
    /// stay as they are
    Suspend {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Resume a suspended application: it gets tokens again
    Resume {
        /// The application's client ID (see `keyward apps list`)
        client_id: ClientId,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Bring a deleted application back from the trash, its secret unchanged
    Restore {
        /// The application's client ID (see `keyward apps list --deleted`)
        client_id: ClientId,
    },
    /// Remove a deleted application from the trash for good
    Purge {
        /// The application's client ID (see `keyward apps list --deleted`)
        client_id: ClientId,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Create applications from JSON lines; prints their new credentials as JSON lines
    Import {
        /// The region to create them in
        #[arg(long)]
        region: Region,
        /// A file of JSON lines, or - for standard input
        file: String,
        /// Accepted for symmetry: the output is always JSON lines
        #[arg(long)]
        json: bool,
    },
    /// Write a region's applications as JSON lines, never with secrets (admin
    /// clients are left out: import cannot make them)
    Export {
        /// The region whose applications to write
        #[arg(long)]
        region: Region,
    },
}

impl Command {
    /// The command's name when it changes applications, keys, the audit log
    /// or a database: what `--read-only` refuses before anything is opened.
    /// Every command is named here, so a new one must say.
    fn changes(&self) -> Option<&'static str> {
        match self {
            Command::Apps(cmd) => cmd.changes(),
            Command::Audit {
                command: Some(audit::AuditCommand::Prune { .. }),
                ..
            } => Some("audit prune"),
            Command::Keys(keys::KeysCommand::Rotate { .. }) => Some("keys rotate"),
            Command::Regions {
                command: Some(region_copy::RegionsCommand::Copy(_)),
                ..
            } => Some("regions copy"),
            // It issues tokens, records usage and serves the admin API's changes.
            Command::Serve { .. } => Some("serve"),
            Command::Tui { .. }
            | Command::Regions { command: None, .. }
            | Command::Scopes { .. }
            | Command::Audit { .. }
            | Command::Keys(keys::KeysCommand::List { .. })
            | Command::Token { .. }
            | Command::Doctor { .. }
            | Command::Completions { .. }
            | Command::Man { .. } => None,
        }
    }
}

impl AppsCommand {
    fn changes(&self) -> Option<&'static str> {
        match self {
            AppsCommand::Add { .. } => Some("apps add"),
            AppsCommand::Rename { .. } => Some("apps rename"),
            AppsCommand::Scopes { .. } => Some("apps scopes"),
            AppsCommand::ResetSecret { .. } => Some("apps reset-secret"),
            AppsCommand::Rotate { .. } => Some("apps rotate"),
            AppsCommand::Retire { .. } => Some("apps retire"),
            AppsCommand::Delete { .. } => Some("apps delete"),
            AppsCommand::Suspend { .. } => Some("apps suspend"),
            AppsCommand::Resume { .. } => Some("apps resume"),
            AppsCommand::Restore { .. } => Some("apps restore"),
            AppsCommand::Purge { .. } => Some("apps purge"),
            AppsCommand::Import { .. } => Some("apps import"),
            AppsCommand::List { .. } | AppsCommand::Show { .. } | AppsCommand::Export { .. } => {
                None
            }
        }
    }
}

/// A duration argument (`30s`, `15m`, `24h`, `7d`).
fn parse_duration_arg(s: &str) -> Result<chrono::Duration, String> {
    crate::model::parse_duration(s).map_err(|e| e.to_string())
}

/// A rotation's grace: a duration of 0s to 30d.
fn parse_grace_arg(s: &str) -> Result<chrono::Duration, String> {
    let grace = parse_duration_arg(s)?;
    crate::model::check_grace(grace)?;
    Ok(grace)
}

/// Parses the command line and runs it.
pub fn main() -> anyhow::Result<ExitCode> {
    if let Some(code) = completions::complete_if_asked()? {
        return Ok(code);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    run(cli)
}

/// Help and version print as clap renders them. A usage error becomes one line,
/// like every other error, with a pointer to the help.
fn usage_error(e: clap::Error) -> anyhow::Result<ExitCode> {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            e.print()?;
            Ok(ExitCode::from(e.exit_code().clamp(0, 255) as u8))
        }
        _ => {
            let rendered = e.render().to_string();
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let message = message.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            output::note(format_args!(
                "keyward: error: {}{} (see `keyward --help`)",
                crate::text::printable(message),
                advice::usage_next_step(&e).unwrap_or_default()
            ));
            Ok(ExitCode::from(2))
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(code) = run_without_context(&cli)? {
        return Ok(code);
    }
    refuse_changes_if_read_only(&cli)?;
    let mut ctx = Context::load(cli.data_dir, cli.config)?;
    ctx.read_only = cli.read_only;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match cli.command {
        None => runtime
            .block_on(crate::tui::run(ctx.tui_setup(None)?))
            .map(|()| ExitCode::SUCCESS),
        Some(Command::Tui { region }) => runtime
            .block_on(crate::tui::run(ctx.tui_setup(region.as_ref())?))
            .map(|()| ExitCode::SUCCESS),
        Some(Command::Regions {
            command: Some(cmd), ..
        }) => runtime.block_on(region_copy::run(&ctx, cmd)),
        Some(Command::Regions {
            command: None,
            json,
        }) => info::regions(&ctx, json),
        Some(Command::Scopes { json }) => info::scopes(&ctx, json),
        Some(Command::Apps(cmd)) => runtime.block_on(apps::run(&ctx, cmd)),
        Some(Command::Audit { command, list }) => runtime.block_on(audit::run(&ctx, command, list)),
        Some(Command::Keys(cmd)) => runtime.block_on(keys::run(&ctx, cmd)),
        Some(Command::Token {
            region,
            client_id,
            scopes,
            token_url,
            vendor,
            auth,
            grant_type,
            insecure,
            json,
        }) => runtime.block_on(token::run(
            &ctx,
            token::TokenArgs {
                region,
                client_id,
                scopes,
                token_url,
                vendor,
                auth,
                grant_type,
                insecure,
                json,
            },
        )),
        Some(Command::Serve {
            region,
            listen,
            issuer,
            log_requests,
            trusted_proxy,
            tls_cert,
            tls_key,
            metrics_listen,
            log_format,
        }) => runtime.block_on(serve::run(
            &ctx,
            &region,
            serve::ServeArgs {
                listen,
                issuer,
                log_requests,
                log_format,
                metrics_listen,
                // The command line's list replaces the config file's.
                trusted_proxies: crate::server::proxy::TrustedProxies::new(
                    if trusted_proxy.is_empty() {
                        ctx.config.trusted_proxies.clone()
                    } else {
                        trusted_proxy
                    },
                ),
                tls: tls_cert
                    .zip(tls_key)
                    .map(|(cert, key)| crate::server::tls::TlsFiles { cert, key }),
            },
        )),
        Some(Command::Completions { shell }) => completions::script(shell),
        Some(Command::Man { dir }) => completions::man(dir.as_deref()),
        Some(Command::Doctor {
            json,
            clipboard_test,
        }) => doctor::run(doctor::DoctorArgs {
            data_dir: ctx.paths.data_dir.clone().into(),
            config: ctx.paths.config_file.clone().into(),
            json,
            clipboard_test,
        }),
    }
}

/// With `--read-only`, a command that changes anything is refused before
/// the config or the data dir is opened.
fn refuse_changes_if_read_only(cli: &Cli) -> anyhow::Result<()> {
    if cli.read_only
        && let Some(what) = cli.command.as_ref().and_then(Command::changes)
    {
        anyhow::bail!(
            "`keyward {what}` makes changes, and keyward runs with --read-only: nothing was changed. Run it without --read-only to make the change"
        );
    }
    Ok(())
}

/// The commands that need neither the config nor the data dir, run before
/// either is loaded: they work before both exist, and with broken ones.
fn run_without_context(cli: &Cli) -> anyhow::Result<Option<ExitCode>> {
    match &cli.command {
        Some(Command::Completions { shell }) => completions::script(*shell).map(Some),
        Some(Command::Man { dir }) => completions::man(dir.as_deref()).map(Some),
        // The doctor loads the config itself: it reports a broken one.
        Some(Command::Doctor {
            json,
            clipboard_test,
        }) => doctor::run(doctor::DoctorArgs {
            data_dir: cli.data_dir.clone(),
            config: cli.config.clone(),
            json: *json,
            clipboard_test: *clipboard_test,
        })
        .map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// No CLI path prints with the `print!` family, which panics when the
    /// output fails (and, for standard output, hides a closed one): all output
    /// goes through `output::Stdout` or `output::note`, whose errors are
    /// handled. (A broken pipe hit by `println!` is a race that no test can
    /// hit every time, so the rule is checked on the source.)
    #[test]
    fn no_print_macros_in_the_cli() {
        let sources = [
            ("main.rs", include_str!("../main.rs")),
            ("cli/mod.rs", include_str!("mod.rs")),
            ("cli/apps.rs", include_str!("apps.rs")),
            ("cli/audit.rs", include_str!("audit.rs")),
            ("cli/info.rs", include_str!("info.rs")),
            ("cli/keys.rs", include_str!("keys.rs")),
            ("cli/token.rs", include_str!("token.rs")),
            ("cli/serve.rs", include_str!("serve.rs")),
            ("cli/copy.rs", include_str!("copy.rs")),
            ("cli/prompt.rs", include_str!("prompt.rs")),
            ("cli/region_copy.rs", include_str!("region_copy.rs")),
            ("cli/output.rs", include_str!("output.rs")),
            ("cli/context.rs", include_str!("context.rs")),
            ("cli/completions.rs", include_str!("completions.rs")),
            ("cli/doctor/mod.rs", include_str!("doctor/mod.rs")),
            ("cli/doctor/files.rs", include_str!("doctor/files.rs")),
            ("cli/doctor/regions.rs", include_str!("doctor/regions.rs")),
            (
                "cli/doctor/clipboard.rs",
                include_str!("doctor/clipboard.rs"),
            ),
            ("cli/doctor/terminal.rs", include_str!("doctor/terminal.rs")),
        ];
        let banned = ["println!", "eprintln!", "print!(", "eprint!("];
        for (file, text) in sources {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for b in banned {
                    // `banned` above is the one place allowed to name them.
                    if code.contains(b) && !code.contains("let banned") {
                        panic!("{file}:{}: {b} in a CLI path: {line}", n + 1);
                    }
                }
            }
        }
    }

    /// Every argument of every command says what it is for in `--help`.
    #[test]
    fn every_argument_has_help() {
        fn check(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                check(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        check(&super::Cli::command(), "keyward", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }
}
