//! What the CLI does when its standard output fails: closed (`>&-`), full
//! (`> /dev/full`), or a pipe whose reader has gone (`| head`).
//!
//! A command that made a new secret must never lose it quietly: it exits
//! non-zero and says on standard error that the change was made, that the
//! secret was not delivered, and the command that makes a new one. (With
//! standard output closed, it refuses before changing anything.) A change
//! without a secret says it was made but not confirmed. A read-only command
//! whose reader went away exits 0 without a word. Nothing ever panics.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Where standard output goes.
#[derive(Clone, Copy, Debug)]
enum Sink {
    /// `>&-`: closed before the program starts.
    Closed,
    /// `> /dev/full`: every write fails with ENOSPC.
    Full,
    /// A pipe whose read end is closed before the program starts: every
    /// write fails with EPIPE.
    GonePipe,
}

const FAILING: [Sink; 3] = [Sink::Closed, Sink::Full, Sink::GonePipe];

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The binary with a private home, data dir and config; `via_shell`
    /// starts it through `sh` so that the shell can close its stdout.
    fn command(&self, args: &[&str], via_shell: bool) -> Command {
        let bin = env!("CARGO_BIN_EXE_keyward");
        let mut cmd = if via_shell {
            let mut c = Command::new("sh");
            c.arg("-c").arg("exec \"$@\" >&-").arg("sh").arg(bin);
            c
        } else {
            Command::new(bin)
        };
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEYWARD_") {
                cmd.env_remove(key);
            }
        }
        let home = self.dir.path().join("home");
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("RUST_BACKTRACE", "1")
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.dir.path().join("config/config.toml"))
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs with standard output going to `sink`.
    fn run_into(&self, sink: Sink, args: &[&str]) -> Output {
        let mut cmd = self.command(args, matches!(sink, Sink::Closed));
        match sink {
            Sink::Closed => {}
            Sink::Full => {
                let full = std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap();
                cmd.stdout(full);
            }
            Sink::GonePipe => {
                let (reader, writer) = std::io::pipe().unwrap();
                drop(reader);
                cmd.stdout(writer);
            }
        }
        cmd.output().unwrap()
    }

    /// Runs with standard output captured; must succeed.
    fn ok(&self, args: &[&str]) -> String {
        let out = self
            .command(args, false)
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn add(&self, name: &str) -> Value {
        serde_json::from_str(&self.ok(&["apps", "add", "--region", "us", "--name", name, "--json"]))
            .unwrap()
    }

    /// Names and client IDs of region us, as export (from a fresh process) has them.
    fn apps(&self) -> Vec<(String, String)> {
        self.ok(&["apps", "list", "--region", "us", "--json"])
            .parse::<Value>()
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["client_name"].as_str().unwrap().to_owned(),
                    v["client_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn verifies(&self, id: &str, secret: &str) -> bool {
        use keyward::model::{ClientId, ClientSecret, Region};
        use keyward::registry::Registry;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = keyward::registry::embedded::EmbeddedStore::open(
                &self.data_dir(),
                std::sync::Arc::new(keyward::catalog::Catalog::builtin()),
                std::time::Duration::from_secs(900),
            )
            .unwrap();
            store
                .registry(Region::new("us").unwrap())
                .verify_secret(
                    &ClientId::parse(id).unwrap(),
                    &ClientSecret::from_string(secret.to_owned()),
                )
                .await
                .unwrap()
        })
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// No panic, and nothing shaped like a secret (48 characters of
/// `[A-Za-z0-9]`; client IDs are 32) on standard error.
fn assert_no_panic(out: &Output, what: &str) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && !err.to_lowercase().contains("backtrace"),
        "{what}: no panic: {err}"
    );
    let longest = err
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest < 48, "{what}: no secret on standard error: {err}");
}

/// A failure that says the change was made and the secret lost, with the
/// command to make a new one; returns the client ID that command names.
fn assert_secret_not_delivered(out: &Output, what: &str) -> String {
    assert_no_panic(out, what);
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{what}: exit 1: {err}");
    assert!(
        err.contains("WAS") || err.contains("WERE"),
        "{what}: says it was made: {err}"
    );
    assert!(err.contains("NOT delivered"), "{what}: {err}");
    let at = err
        .find("keyward apps reset-secret ")
        .unwrap_or_else(|| panic!("{what}: gives the command: {err}"));
    let rest = &err[at + "keyward apps reset-secret ".len()..];
    let id: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(id.len(), 32, "{what}: a client ID: {err}");
    assert!(rest[32..].starts_with(" --yes"), "{what}: {err}");
    id
}

/// Refused before anything was changed, because the secret could only be lost.
fn assert_refused_up_front(out: &Output, what: &str) {
    assert_no_panic(out, what);
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert!(
        err.contains("standard output is closed") && err.contains("nothing was changed"),
        "{what}: {err}"
    );
}

#[test]
fn add_whose_secret_cannot_be_printed_says_so_and_how_to_recover() {
    let env = Env::new();
    for json in [true, false] {
        for sink in FAILING {
            let name = format!("App {sink:?} {json}");
            let mut args = vec!["apps", "add", "--region", "us", "--name", &name];
            if json {
                args.push("--json");
            }
            let out = env.run_into(sink, &args);
            let what = format!("add {sink:?} json={json}");
            let apps = env.apps();
            match sink {
                Sink::Closed => {
                    assert_refused_up_front(&out, &what);
                    assert!(!apps.iter().any(|(n, _)| *n == name), "{what}: {apps:?}");
                }
                _ => {
                    let id = assert_secret_not_delivered(&out, &what);
                    assert!(stderr(&out).contains("created"), "{what}");
                    assert!(
                        apps.contains(&(name.clone(), id)),
                        "{what}: the app was committed: {apps:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn reset_whose_secret_cannot_be_printed_says_so_and_how_to_recover() {
    let env = Env::new();
    let app = env.add("Payroll");
    let id = app["client_id"].as_str().unwrap();
    let mut current = app["client_secret"].as_str().unwrap().to_owned();
    for json in [true, false] {
        for sink in FAILING {
            let mut args = vec!["apps", "reset-secret", id, "--yes"];
            if json {
                args.push("--json");
            }
            let out = env.run_into(sink, &args);
            let what = format!("reset {sink:?} json={json}");
            match sink {
                Sink::Closed => {
                    assert_refused_up_front(&out, &what);
                    assert!(env.verifies(id, &current), "{what}: not reset");
                }
                _ => {
                    assert_eq!(assert_secret_not_delivered(&out, &what), id);
                    assert!(stderr(&out).contains("WAS reset"), "{what}");
                    assert!(
                        !env.verifies(id, &current),
                        "{what}: the reset was committed"
                    );
                    // Recover as told, to have a known secret again.
                    let again: Value = serde_json::from_str(&env.ok(&[
                        "apps",
                        "reset-secret",
                        id,
                        "--yes",
                        "--json",
                    ]))
                    .unwrap();
                    current = again["client_secret"].as_str().unwrap().to_owned();
                }
            }
        }
    }
}

#[test]
fn rotate_whose_secret_cannot_be_printed_says_so_and_how_to_recover() {
    let env = Env::new();
    let app = env.add("Payroll");
    let id = app["client_id"].as_str().unwrap();
    let retiring = |env: &Env| {
        let shown: Value = serde_json::from_str(&env.ok(&["apps", "show", id, "--json"])).unwrap();
        shown["secrets"].as_array().unwrap().len() == 2
    };
    for json in [true, false] {
        for sink in FAILING {
            let mut args = vec!["apps", "rotate", id, "--yes", "--grace", "1h"];
            if json {
                args.push("--json");
            }
            let out = env.run_into(sink, &args);
            let what = format!("rotate {sink:?} json={json}");
            match sink {
                Sink::Closed => {
                    assert_refused_up_front(&out, &what);
                    assert!(!retiring(&env), "{what}: not rotated");
                }
                _ => {
                    assert_eq!(assert_secret_not_delivered(&out, &what), id);
                    let err = stderr(&out);
                    assert!(
                        err.contains("WAS rotated") && err.contains("works until"),
                        "{what}: {err}"
                    );
                    assert!(
                        err.contains(&format!("keyward apps rotate {id} --yes")),
                        "{what}: {err}"
                    );
                    assert!(retiring(&env), "{what}: the rotation was committed");
                    // Retire, whose confirmation also fails to print but is made.
                    let out = env.run_into(sink, &["apps", "retire", id, "--yes"]);
                    assert_no_panic(&out, &what);
                    check_unconfirmed(&out, sink, &what, "Retired");
                    assert!(!retiring(&env), "{what}: retired");
                }
            }
        }
    }
}

#[test]
fn import_whose_secrets_cannot_be_printed_lists_them_with_the_commands() {
    let env = Env::new();
    for sink in FAILING {
        let file = env.dir.path().join(format!("{sink:?}.jsonl"));
        let names = [format!("One {sink:?}"), format!("Two {sink:?}")];
        let lines: Vec<String> = names
            .iter()
            .map(|n| format!("{{\"client_name\": \"{n}\"}}\n"))
            .collect();
        std::fs::write(&file, lines.concat()).unwrap();
        let out = env.run_into(
            sink,
            &["apps", "import", "--region", "us", file.to_str().unwrap()],
        );
        let what = format!("import {sink:?}");
        let apps = env.apps();
        match sink {
            Sink::Closed => {
                assert_refused_up_front(&out, &what);
                assert!(!apps.iter().any(|(n, _)| names.contains(n)), "{what}");
            }
            _ => {
                assert_secret_not_delivered(&out, &what);
                let err = stderr(&out);
                for name in &names {
                    let (_, id) = apps
                        .iter()
                        .find(|(n, _)| n == name)
                        .unwrap_or_else(|| panic!("{what}: {name} committed: {apps:?}"));
                    assert!(
                        err.contains(&format!("keyward apps reset-secret {id} --yes    # {name}")),
                        "{what}: a command per application: {err}"
                    );
                }
                assert!(
                    err.contains("2 of 2 applications WERE created"),
                    "{what}: {err}"
                );
            }
        }
    }
}

#[test]
fn rename_and_delete_that_cannot_confirm_say_the_change_was_made() {
    let env = Env::new();
    for sink in FAILING {
        let app = env.add(&format!("Before {sink:?}"));
        let id = app["client_id"].as_str().unwrap();
        let renamed = format!("After {sink:?}");
        let what = format!("rename {sink:?}");
        let out = env.run_into(sink, &["apps", "rename", id, &renamed]);
        assert_no_panic(&out, &what);
        assert!(
            env.apps().contains(&(renamed.clone(), id.to_owned())),
            "{what}"
        );
        check_unconfirmed(&out, sink, &what, "Renamed");

        let what = format!("scopes {sink:?}");
        let out = env.run_into(sink, &["apps", "scopes", id, "--set", "ess:account=read"]);
        assert_no_panic(&out, &what);
        let shown: Value = serde_json::from_str(&env.ok(&["apps", "show", id, "--json"])).unwrap();
        assert_eq!(shown["scope"], "ess:account:read", "{what}: changed");
        if !matches!(sink, Sink::Closed) {
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{what}: {err}");
            assert!(
                err.contains("WERE changed") && err.contains("apps show"),
                "{what}: {err}"
            );
        }
        env.ok(&["apps", "scopes", id, "--set", "ess:account=none"]);

        let what = format!("delete {sink:?}");
        let out = env.run_into(sink, &["apps", "delete", id, "--yes"]);
        assert_no_panic(&out, &what);
        assert!(!env.apps().iter().any(|(_, i)| i == id), "{what}: deleted");
        check_unconfirmed(&out, sink, &what, "Deleted");
    }
}

/// A closed standard output is `/dev/null` by the time the program runs (the
/// Rust runtime reopens it so), so a confirmation sent there is discarded as
/// asked: exit 0. Any other failure says the change was made.
fn check_unconfirmed(out: &Output, sink: Sink, what: &str, verb: &str) {
    let err = stderr(out);
    if matches!(sink, Sink::Closed) {
        assert!(out.status.success(), "{what}: {err}");
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert!(
        err.contains("the change WAS made") && err.contains("could not be printed"),
        "{what}: {err}"
    );
    assert!(err.contains(verb), "{what}: says what was done: {err}");
}

#[test]
fn read_only_commands_exit_quietly_when_the_reader_is_gone() {
    let env = Env::new();
    let app = env.add("Payroll");
    let id = app["client_id"].as_str().unwrap();
    let commands: &[&[&str]] = &[
        &["scopes"],
        &["scopes", "--json"],
        &["regions"],
        &["regions", "--json"],
        &["apps", "list"],
        &["apps", "list", "--json"],
        &["apps", "show", id],
        &["apps", "show", id, "--json"],
        &["apps", "export", "--region", "us"],
        &["--help"],
        &["apps", "--help"],
        &["--version"],
    ];
    for args in commands {
        let out = env.run_into(Sink::GonePipe, args);
        assert_no_panic(&out, &format!("{args:?}"));
        assert!(
            out.status.success(),
            "{args:?}: quiet exit 0, got {:?}: {}",
            out.status,
            stderr(&out)
        );
        assert_eq!(stderr(&out), "", "{args:?}: not a word");
    }
}

#[test]
fn listing_into_a_reader_that_stops_after_one_line_exits_quietly() {
    let env = Env::new();
    // Enough applications that the output is far beyond a pipe's buffer.
    let file = env.dir.path().join("many.jsonl");
    let lines: String = (0..1500)
        .map(|i| format!("{{\"client_name\": \"Application number {i:05}\"}}\n"))
        .collect();
    std::fs::write(&file, lines).unwrap();
    env.ok(&["apps", "import", "--region", "us", file.to_str().unwrap()]);
    for args in [
        &["apps", "list"][..],
        &["apps", "list", "--json"][..],
        &["apps", "export", "--region", "us"][..],
    ] {
        let mut child = env
            .command(args, false)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "{args:?}");
        drop(reader);
        let out = child.wait_with_output().unwrap();
        assert_no_panic(&out, &format!("{args:?}"));
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}
