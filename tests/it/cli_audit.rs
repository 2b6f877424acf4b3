//! `keyward audit`: the log of CLI changes with their actor, verify after an
//! edit made with SQL, prune, filters, and `--follow` leaving with its reader.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

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

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("keyward"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEYWARD_") {
                cmd.env_remove(key);
            }
        }
        let home = self.dir.path().join("home");
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("USER", "alice")
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn events(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["audit", "--json"];
        all.extend_from_slice(args);
        self.ok(&all)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Adds an application; returns its client ID and secret.
    fn add(&self, name: &str) -> (String, String) {
        let out = self.ok(&["apps", "add", "--region", "us", "--name", name, "--json"]);
        let v: Value = serde_json::from_str(&out).unwrap();
        (
            v["client_id"].as_str().unwrap().to_owned(),
            v["client_secret"].as_str().unwrap().to_owned(),
        )
    }
}

#[test]
fn cli_changes_are_logged_with_who_made_them_and_no_secret() {
    let env = Env::new();
    let (id, first) = env.add("Payroll sync");
    env.ok(&["apps", "rename", &id, "Payroll"]);
    env.ok(&["apps", "scopes", &id, "--set", "ess:account=read"]);
    let reset = env.ok(&["apps", "reset-secret", &id, "--yes", "--json"]);
    let second: Value = serde_json::from_str(&reset).unwrap();
    let second = second["client_secret"].as_str().unwrap().to_owned();

    let events = env.events(&[]);
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "rename", "set_scopes", "reset_secret"]);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    for e in &events {
        assert_eq!(e["actor"]["via"], "cli");
        assert_eq!(e["actor"]["user"], "alice");
        assert_eq!(e["actor"]["host"], host.trim());
        assert_eq!(e["client_id"], id.as_str());
        assert_eq!(e["region"], "us");
        assert_eq!(e["hash"].as_str().unwrap().len(), 64);
    }
    assert_eq!(
        events[1]["changes"]["client_name"]["before"],
        "Payroll sync"
    );
    assert_eq!(
        events[2]["changes"]["scopes"]["ess:account"]["after"],
        "read"
    );

    let text = env.ok(&["audit", "--region", "us"]);
    let first_line = text.lines().next().unwrap();
    assert!(
        first_line.contains(&format!(
            "alice@{} (cli) reset secret of Payroll",
            host.trim()
        )),
        "newest first: {text}"
    );
    for out in [text, env.ok(&["audit", "--json"])] {
        assert!(!out.contains(&first) && !out.contains(&second), "{out}");
    }

    // Filters.
    assert_eq!(env.events(&["--action", "rename"]).len(), 1);
    assert_eq!(env.events(&["--client-id", "nobody"]).len(), 0);
    assert_eq!(env.events(&["--since", "1h"]).len(), 4);
    assert_eq!(
        env.events(&["--since", "2000-01-01", "--limit", "2"]).len(),
        2
    );
}

#[test]
fn verify_names_the_event_edited_with_an_sql_tool() {
    let env = Env::new();
    let (id, _) = env.add("A");
    env.ok(&["apps", "rename", &id, "B"]);
    env.ok(&["apps", "rename", &id, "C"]);
    let ok = env.ok(&["audit", "verify", "--region", "us"]);
    assert!(ok.contains("3 event(s) verified"), "{ok}");
    let head = env.ok(&["audit", "head", "--region", "us"]);
    assert!(head.starts_with("3:"), "{head}");

    let conn = rusqlite::Connection::open(env.data_dir().join("keyward.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_events_update;
         UPDATE audit_events SET body = replace(body, '\"B\"', '\"Z\"') WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let out = env.run(&["audit", "verify", "--region", "us"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("event 2"), "{stdout}");
    let out = env.run(&[
        "audit",
        "verify",
        "--region",
        "us",
        "--expect-head",
        head.trim(),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn prune_needs_yes_and_leaves_a_chain_that_verifies() {
    let env = Env::new();
    let (id, _) = env.add("A");
    env.ok(&["apps", "rename", &id, "B"]);
    let out = env.run(&["audit", "prune", "--before", "2999-01-01"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.events(&[]).len(), 2, "nothing pruned without --yes");
    env.ok(&[
        "audit",
        "prune",
        "--before",
        "2999-01-01",
        "--yes",
        "--region",
        "us",
    ]);
    assert_eq!(env.events(&[]).len(), 0);
    env.ok(&["apps", "rename", &id, "C"]);
    let events = env.events(&[]);
    assert_eq!(
        events[0]["seq"], 3,
        "the chain goes on after the checkpoint"
    );
    let ok = env.ok(&["audit", "verify", "--region", "us"]);
    assert!(ok.contains("1 event(s) verified"), "{ok}");
}

#[test]
fn follow_prints_new_events_and_leaves_when_its_reader_does() {
    let env = Env::new();
    let (id, _) = env.add("A");
    let mut child = env
        .command(&["audit", "--follow", "--region", "us"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("created A"), "{first}");
    env.ok(&["apps", "rename", &id, "B"]);
    let second = lines.next().unwrap().unwrap();
    assert!(second.contains("renamed A to B"), "{second}");
    // The reader leaves; with nothing new to print, it still notices.
    drop(lines);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("--follow kept running after its reader left");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn follow_stops_cleanly_on_ctrl_c() {
    let env = Env::new();
    env.add("A");
    let mut child = env
        .command(&["audit", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("created A"));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "--follow ignored Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn making_an_admin_client_is_an_event_that_says_so() {
    let env = Env::new();
    let out = env.ok(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Ops admin",
        "--admin",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let events = env.events(&[]);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["action"], "create");
    assert_eq!(events[0]["changes"]["admin"], true);
    assert_eq!(events[0]["client_id"], v["client_id"]);
    let text = env.ok(&["audit"]);
    assert!(text.contains("created admin client Ops admin"), "{text}");
}
