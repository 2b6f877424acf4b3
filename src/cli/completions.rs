//! Shell completions and man pages, both made from the clap definition so
//! they cannot drift from it.
//!
//! Completions are clap's dynamic ones: `keyward completions bash` prints a
//! small script that, on every Tab, runs `keyward` with [`COMPLETE_VAR`] set
//! and the words typed so far; [`complete_if_asked`] answers before anything
//! else runs. So commands and flags always match the binary, and region IDs
//! and scope IDs come from the config and the scope catalog in use.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::Context as _;
use clap::CommandFactory;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{EnvCompleter, Shells};

use super::Cli;
use super::output::Stdout;
use crate::catalog::Catalog;
use crate::config::{Config, Paths};
use crate::model::Access;

/// The environment variable that turns a run of `keyward` into a completion
/// request. Keyward's own name, not clap's generic `COMPLETE`, so that a
/// variable set for another tool never changes what `keyward` does.
pub const COMPLETE_VAR: &str = "KEYWARD_COMPLETE";

/// The shells `keyward completions` writes a script for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

impl Shell {
    fn completer(self) -> &'static dyn EnvCompleter {
        use clap_complete::env::{Bash, Elvish, Fish, Powershell, Zsh};
        match self {
            Shell::Bash => &Bash,
            Shell::Zsh => &Zsh,
            Shell::Fish => &Fish,
            Shell::Elvish => &Elvish,
            Shell::Powershell => &Powershell,
        }
    }
}

/// The full command definition, with the completers that need the config:
/// every `--region` completes the configured region IDs, every `SCOPE=ACCESS`
/// the catalog's scope IDs and then their access levels, and every OAuth
/// `--scope` the scope strings the catalog can grant. Added by argument here,
/// so a new command's `--region` completes without more code.
pub fn command() -> clap::Command {
    with_completers(Cli::command())
}

fn with_completers(cmd: clap::Command) -> clap::Command {
    let cmd = cmd.mut_args(|arg| {
        let value_name = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.as_str().to_owned());
        match (arg.get_id().as_str(), value_name.as_deref()) {
            ("region", _) => arg.add(ArgValueCompleter::new(complete_region)),
            (_, Some("SCOPE=ACCESS")) => arg.add(ArgValueCompleter::new(complete_grant)),
            (_, Some("SCOPE")) => arg.add(ArgValueCompleter::new(complete_oauth_scope)),
            _ => arg,
        }
    });
    cmd.mut_subcommands(with_completers)
}

/// `keyward completions SHELL`: the script that hooks `keyward` into the shell.
pub fn script(shell: Shell) -> anyhow::Result<ExitCode> {
    let mut out = Stdout::new();
    // The script calls `keyward` by name: the one on PATH that is completed.
    shell.completer().write_registration(
        COMPLETE_VAR,
        "keyward",
        "keyward",
        "keyward",
        &mut out,
    )?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Answers a completion request (see the module doc) and returns `Some`, or
/// returns `None` when this run is not one. Runs before the command line is
/// parsed: the words being completed are rarely a valid command yet.
pub fn complete_if_asked() -> anyhow::Result<Option<ExitCode>> {
    let Some(shell) = std::env::var_os(COMPLETE_VAR) else {
        return Ok(None);
    };
    if shell.is_empty() || shell == "0" {
        return Ok(None);
    }
    let shells = Shells::builtins();
    let name = shell.to_string_lossy();
    let completer = shells.completer(&name).with_context(|| {
        let known: Vec<&str> = shells.names().collect();
        format!(
            "{COMPLETE_VAR}={}: not a shell keyward completes ({})",
            crate::text::printable_truncated(&name, 20),
            known.join(", ")
        )
    })?;
    // `keyward -- keyward apps list --region u`: the words follow the `--`.
    let args: Vec<OsString> = std::env::args_os()
        .skip(1)
        .skip_while(|a| a != "--")
        .skip(1)
        .collect();
    remember_config_flag(&args);
    let mut cmd = command();
    cmd.build();
    let current_dir = std::env::current_dir().ok();
    let mut out = Stdout::new();
    completer.write_complete(&mut cmd, args, current_dir.as_deref(), &mut out)?;
    out.finish()?;
    Ok(Some(ExitCode::SUCCESS))
}

/// The `--config FILE` on the line being completed, if any: its regions and
/// catalog are the ones to offer.
static CONFIG_FLAG: OnceLock<PathBuf> = OnceLock::new();

fn remember_config_flag(args: &[OsString]) {
    if let Some(file) = config_flag(args) {
        let _ = CONFIG_FLAG.set(file);
    }
}

/// The value of `--config FILE` or `--config=FILE` among `words`.
fn config_flag(words: &[OsString]) -> Option<PathBuf> {
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let value = if word == "--config" {
            words.next().cloned()
        } else {
            word.to_str()
                .and_then(|w| w.strip_prefix("--config="))
                .map(OsString::from)
        };
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(v));
        }
    }
    None
}

/// The config and the catalog the completed command would use; `None` when
/// they cannot be read (a completion then offers nothing rather than fail).
fn config_and_catalog() -> Option<(Config, Catalog)> {
    let config_file = CONFIG_FLAG
        .get()
        .cloned()
        .or_else(|| std::env::var_os("KEYWARD_CONFIG").map(PathBuf::from));
    // The data dir plays no part here: an empty one spares looking for a home.
    let paths = Paths::resolve(Some(PathBuf::new()), config_file).ok()?;
    let config = Config::load(&paths.config_file).ok()?;
    let catalog = Catalog::load(paths.config_dir()).ok()?;
    Some((config, catalog))
}

fn complete_region(current: &OsStr) -> Vec<CompletionCandidate> {
    config_and_catalog()
        .map(|(config, _)| region_candidates(&config, &current.to_string_lossy()))
        .unwrap_or_default()
}

fn complete_grant(current: &OsStr) -> Vec<CompletionCandidate> {
    config_and_catalog()
        .map(|(_, catalog)| grant_candidates(&catalog, &current.to_string_lossy()))
        .unwrap_or_default()
}

fn complete_oauth_scope(current: &OsStr) -> Vec<CompletionCandidate> {
    config_and_catalog()
        .map(|(_, catalog)| oauth_scope_candidates(&catalog, &current.to_string_lossy()))
        .unwrap_or_default()
}

/// The region IDs that start with `current`, each with its name and backend.
fn region_candidates(config: &Config, current: &str) -> Vec<CompletionCandidate> {
    config
        .regions
        .iter()
        .filter(|r| r.region.as_str().starts_with(current))
        .map(|r| {
            CompletionCandidate::new(r.region.as_str())
                .help(Some(format!("{} ({})", r.name, r.backend).into()))
        })
        .collect()
}

/// `SCOPE=ACCESS`: scope IDs with a `=` first, then that scope's levels.
fn grant_candidates(catalog: &Catalog, current: &str) -> Vec<CompletionCandidate> {
    if let Some((scope, _)) = current.split_once('=') {
        let Some(def) = catalog.scopes().find(|s| s.id.as_str() == scope) else {
            return Vec::new();
        };
        return def
            .access
            .iter()
            .map(|a| format!("{scope}={}", a.as_str()))
            .filter(|c| c.starts_with(current))
            .map(CompletionCandidate::new)
            .collect();
    }
    catalog
        .scopes()
        .filter(|s| s.id.as_str().starts_with(current))
        .map(|s| CompletionCandidate::new(format!("{}=", s.id)).help(Some(s.title.clone().into())))
        .collect()
}

/// An OAuth scope string: `<scope>:read` and, where offered, `<scope>:write`.
fn oauth_scope_candidates(catalog: &Catalog, current: &str) -> Vec<CompletionCandidate> {
    let mut out = Vec::new();
    for def in catalog.scopes() {
        for (access, suffix) in [(Access::Read, "read"), (Access::Write, "write")] {
            let value = format!("{}:{suffix}", def.id);
            if def.offers(access) && value.starts_with(current) {
                out.push(CompletionCandidate::new(value).help(Some(def.title.clone().into())));
            }
        }
    }
    if crate::model::ADMIN_SCOPE.starts_with(current) {
        out.push(CompletionCandidate::new(crate::model::ADMIN_SCOPE));
    }
    out
}

/// `keyward man`: the main page on standard output, or with `dir` every page
/// (`keyward.1`, `keyward-apps.1`, `keyward-apps-add.1`, …) written there.
pub fn man(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut cmd = command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Stdout::new();
    match dir {
        None => man_page(&cmd).render(&mut out)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for page in man_pages(&cmd) {
                let path = dir.join(page.get_filename());
                let mut file = std::fs::File::create(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                page.render(&mut file)
                    .and_then(|()| file.flush())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                writeln!(out, "{}", path.display())?;
            }
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The page of one command, its footer naming the version and commit.
fn man_page(cmd: &clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd.clone()).source(format!("keyward {}", super::VERSION))
}

/// One page for `cmd` and one for each visible subcommand, depth first.
fn man_pages(cmd: &clap::Command) -> Vec<clap_mangen::Man> {
    let mut pages = vec![man_page(cmd)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.extend(man_pages(sub));
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completer_of<'a>(cmd: &'a clap::Command, path: &[&str], arg: &str) -> &'a clap::Arg {
        let mut cmd = cmd;
        for name in path {
            cmd = cmd.find_subcommand(name).unwrap();
        }
        cmd.get_arguments()
            .find(|a| a.get_id().as_str() == arg)
            .unwrap()
    }

    /// Every `--region` of every command, and every scope argument, has its
    /// completer: a new command gets them by naming its argument `region`.
    #[test]
    fn region_and_scope_arguments_complete_from_the_config() {
        let mut cmd = command();
        cmd.build();
        let mut regions = 0;
        fn walk(cmd: &clap::Command, regions: &mut usize) {
            for arg in cmd.get_arguments() {
                if arg.get_id() == "region" {
                    assert!(
                        arg.get::<ArgValueCompleter>().is_some(),
                        "{} --region",
                        cmd.get_name()
                    );
                    *regions += 1;
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, regions);
            }
        }
        walk(&cmd, &mut regions);
        assert!(regions >= 6, "found {regions} --region arguments");
        for (path, arg) in [
            (&["apps", "add"][..], "scopes"),
            (&["apps", "scopes"][..], "set"),
            (&["token"][..], "scopes"),
        ] {
            assert!(
                completer_of(&cmd, path, arg)
                    .get::<ArgValueCompleter>()
                    .is_some(),
                "{path:?} {arg}"
            );
        }
    }

    #[test]
    fn grants_complete_the_scope_then_its_levels() {
        let values = |c: Vec<CompletionCandidate>| -> Vec<String> {
            c.iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect()
        };
        let catalog = Catalog::builtin();
        let scopes = values(grant_candidates(&catalog, "ess:dom"));
        assert_eq!(scopes, ["ess:domains="]);
        let levels = values(grant_candidates(&catalog, "ess:domains="));
        assert_eq!(
            levels,
            ["ess:domains=none", "ess:domains=read", "ess:domains=write"]
        );
        let oauth = values(oauth_scope_candidates(&catalog, "ess:account:"));
        assert_eq!(oauth, ["ess:account:read"], "account offers read only");
        let regions = values(region_candidates(&Config::default(), "u"));
        assert_eq!(regions, ["us", "uk"]);
    }

    #[test]
    fn the_config_flag_on_the_line_is_found() {
        let words: Vec<OsString> = ["keyward", "--config=/x/c.toml", "apps"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(config_flag(&words), Some(PathBuf::from("/x/c.toml")));
        let words: Vec<OsString> = ["keyward", "--config", "c.toml", "apps"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(config_flag(&words), Some(PathBuf::from("c.toml")));
    }
}
