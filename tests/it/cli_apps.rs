//! The `keyward` binary end to end: every `keyward apps` command, `regions` and
//! `scopes`, and every error path, each run as a new process against a temp data
//! dir and config dir (nothing touches the real home).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use keyward::catalog::Catalog;
use keyward::model::{ClientId, ClientSecret, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;

/// A private home for one test: a data dir and a config dir inside a temp dir.
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

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn config_file(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }

    /// Writes a file into the config dir (`config.toml`, `scopes.toml`).
    fn write_config(&self, name: &str, text: &str) -> PathBuf {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        let path = self.config_dir().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("keyward");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEYWARD_") {
                cmd.env_remove(key);
            }
        }
        let home = self.dir.path().join("home");
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            // A panic or an error that prints a backtrace would show it now.
            .env("RUST_BACKTRACE", "1")
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.config_file())
            .timeout(Duration::from_secs(60));
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn run_stdin(&self, args: &[&str], stdin: &str) -> Output {
        self.cmd().args(args).write_stdin(stdin).output().unwrap()
    }

    /// Runs a command that must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        succeeded(&self.run(args), args)
    }

    fn ok_json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
    }

    /// Runs a command that must fail by the error contract; returns the line.
    fn err(&self, args: &[&str]) -> String {
        clean_error(&self.run(args), args)
    }

    /// `apps add --json` with `SCOPE=ACCESS` grants.
    fn add(&self, region: &str, name: &str, scopes: &[&str]) -> Value {
        let mut args = vec!["apps", "add", "--region", region, "--name", name, "--json"];
        for s in scopes {
            args.extend(["--scope", s]);
        }
        self.ok_json(&args)
    }

    fn show(&self, id: &str) -> Value {
        self.ok_json(&["apps", "show", id, "--json"])
    }

    fn list_json(&self, region: Option<&str>) -> Vec<Value> {
        let mut args = vec!["apps", "list", "--json"];
        if let Some(r) = region {
            args.extend(["--region", r]);
        }
        match self.ok_json(&args) {
            Value::Array(a) => a,
            other => panic!("apps list --json is not an array: {other}"),
        }
    }

    fn export(&self, region: &str) -> Vec<Value> {
        json_lines(&self.ok(&["apps", "export", "--region", region]))
    }

    /// Whether `secret` is the current secret of `id`, asked of the library.
    fn verifies(&self, region: &str, id: &str, secret: &str) -> bool {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = EmbeddedStore::open(
                &self.data_dir(),
                Arc::new(Catalog::builtin()),
                Duration::from_secs(900),
            )
            .unwrap();
            store
                .registry(Region::new(region).unwrap())
                .verify_secret(
                    &ClientId::parse(id).unwrap(),
                    &ClientSecret::from_string(secret.to_owned()),
                )
                .await
                .unwrap()
        })
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

fn succeeded(out: &Output, args: &[&str]) -> String {
    assert!(
        out.status.success(),
        "{args:?} failed ({:?}): stderr: {}",
        out.status,
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Checks the error contract: a non-zero exit, exactly one line on standard
/// error that starts with `keyward: error:`, no panic, no backtrace, nothing on
/// standard output. Returns that line.
fn clean_error(out: &Output, args: &[&str]) -> String {
    let stderr = text(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| c != 0),
        "{args:?} should fail with an exit code, got {:?}; stdout: {}; stderr: {stderr}",
        out.status,
        text(&out.stdout)
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{args:?}: exactly one line on stderr, got {stderr:?}"
    );
    assert!(
        lines[0].starts_with("keyward: error: "),
        "{args:?}: the line starts with 'keyward: error:': {stderr:?}"
    );
    assert!(
        lines[0].len() > "keyward: error: ".len() + 10,
        "{args:?}: the error says something: {stderr:?}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.to_lowercase().contains("backtrace"),
        "{args:?}: no panic, no backtrace: {stderr:?}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "{args:?}: no raw escape character reaches the terminal: {stderr:?}"
    );
    assert!(
        out.stdout.is_empty(),
        "{args:?}: nothing on stdout on error, got {}",
        text(&out.stdout)
    );
    lines[0].to_owned()
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("'{field}' is a string in {v}"))
}

fn is_alnum(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn rfc3339(v: &Value, field: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s(v, field))
        .unwrap_or_else(|e| panic!("'{field}' is RFC 3339 ({e}) in {v}"))
        .with_timezone(&Utc)
}

fn scopes_of(v: &Value) -> Vec<(String, String)> {
    v["scopes"]
        .as_array()
        .unwrap_or_else(|| panic!("'scopes' is a list in {v}"))
        .iter()
        .map(|g| {
            assert_eq!(
                g.as_object().map(|o| o.len()),
                Some(2),
                "a grant is {{scope, access}}: {g}"
            );
            (s(g, "scope").to_owned(), s(g, "access").to_owned())
        })
        .collect()
}

fn grants(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The value on the `  Label   value` line of human output.
fn field<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find_map(|l| {
            l.trim_start()
                .strip_prefix(label)
                .filter(|rest| rest.starts_with("  "))
                .map(str::trim)
        })
        .unwrap_or_else(|| panic!("no '{label}' line in:\n{out}"))
}

/// A record with no secret in it at all.
fn assert_no_secret(v: &Value) {
    assert!(v.get("client_secret").is_none(), "no client_secret in {v}");
    assert!(
        v.get("client_secret_visible_until").is_none(),
        "no client_secret_visible_until in {v}"
    );
}

// ---------------------------------------------------------------------------
// add

#[test]
fn add_json_gives_credentials_scopes_and_window() {
    let env = Env::new();
    let before = Utc::now();
    let app = env.add(
        "us",
        "Payroll sync",
        &["forensics:account=write", "ess:account=read"],
    );
    let after = Utc::now();

    assert!(is_alnum(s(&app, "client_id"), 32), "client_id: {app}");
    assert!(
        is_alnum(s(&app, "client_secret"), 48),
        "client_secret: {app}"
    );
    assert_eq!(s(&app, "client_name"), "Payroll sync");
    assert_eq!(s(&app, "region"), "us");
    assert_eq!(
        scopes_of(&app),
        grants(&[("ess:account", "read"), ("forensics:account", "write")])
    );
    // write on forensics:account holds both :read and :write.
    assert_eq!(
        s(&app, "scope"),
        "ess:account:read forensics:account:read forensics:account:write"
    );
    let until = rfc3339(&app, "client_secret_visible_until");
    let window = chrono::Duration::seconds(900);
    let slack = chrono::Duration::seconds(2);
    assert!(
        until >= before + window - slack && until <= after + window + slack,
        "visible until {until}, 15 minutes after {before}..{after}"
    );
    let created = rfc3339(&app, "created_at");
    assert!(created >= before - slack && created <= after + slack);
    rfc3339(&app, "updated_at");
    rfc3339(&app, "client_secret_issued_at");

    // The printed secret is the real one.
    assert!(env.verifies("us", s(&app, "client_id"), s(&app, "client_secret")));

    // A second application gets its own ID and secret.
    let other = env.add("us", "Billing export", &[]);
    assert_ne!(other["client_id"], app["client_id"]);
    assert_ne!(other["client_secret"], app["client_secret"]);
    assert_eq!(scopes_of(&other), vec![]);
    assert_eq!(s(&other, "scope"), "");
}

#[test]
fn add_human_prints_secret_once_and_oauth_scopes() {
    let env = Env::new();
    let out = env.ok(&[
        "apps",
        "add",
        "--region",
        "uk",
        "--name",
        "SIEM forwarder",
        "--scope",
        "forensics:account=write",
        "--scope",
        "audit:logs=read",
    ]);
    assert!(out.contains("SIEM forwarder"), "{out}");
    let id = field(&out, "Client ID");
    let secret = field(&out, "Client secret");
    assert!(is_alnum(id, 32), "{out}");
    assert!(is_alnum(secret, 48), "{out}");
    assert_eq!(field(&out, "Region"), "uk");
    assert_eq!(
        field(&out, "OAuth scopes"),
        "audit:logs:read forensics:account:read forensics:account:write"
    );
    // The output says until when the secret could be shown, and how to recover.
    assert!(out.contains("UTC"), "{out}");
    assert!(
        out.contains(&format!("keyward apps reset-secret {id}")),
        "{out}"
    );
    assert_eq!(out.matches(secret).count(), 1, "the secret is printed once");
    assert!(env.verifies("uk", id, secret));
    assert!(!env.verifies("us", id, secret), "the app lives in uk only");
}

// ---------------------------------------------------------------------------
// list

#[test]
fn list_human_table_is_aligned_across_regions() {
    let env = Env::new();
    let a = env.add("us", "A", &["ess:account=read"]);
    let b = env.add("us", "Payroll sync for the whole company", &[]);
    let c = env.add("uk", "日本語アプリ", &["forensics:account=write"]);
    let d = env.add("uk", "zz", &[]);

    let out = env.ok(&["apps", "list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "a header and four rows:\n{out}");
    let header = lines[0];
    let col = |line: &str, needle: &str, from: usize| -> (usize, usize) {
        let at = line[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("'{needle}' in {line:?}"))
            + from;
        (UnicodeWidthStr::width(&line[..at]), at + needle.len())
    };
    let (h_name, _) = col(header, "NAME", 0);
    let (h_id, _) = col(header, "CLIENT ID", 0);
    let (h_region, _) = col(header, "REGION", 0);
    let (h_scopes, _) = col(header, "SCOPES", 0);
    let (h_created, _) = col(header, "CREATED", 0);
    assert_eq!(h_name, 0);

    for app in [&a, &b, &c, &d] {
        let id = s(app, "client_id");
        let row = lines
            .iter()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} listed:\n{out}"));
        assert!(row.starts_with(s(app, "client_name")), "{row}");
        let (c_id, end) = col(row, id, 0);
        let (c_region, end) = col(row, &format!(" {} ", s(app, "region")), end);
        let summary = match s(app, "client_name") {
            "A" => "ess:account=read",
            "日本語アプリ" => "forensics:account=write",
            _ => "none",
        };
        let (c_scopes, end) = col(row, summary, end);
        let (c_created, _) = col(row, &s(app, "created_at")[..10], end);
        assert_eq!(c_id, h_id, "client ID column aligned:\n{out}");
        assert_eq!(c_region + 1, h_region, "region column aligned:\n{out}");
        assert_eq!(c_scopes, h_scopes, "scopes column aligned:\n{out}");
        assert_eq!(c_created, h_created, "created column aligned:\n{out}");
    }
    // Regions in config order (us, then uk), each sorted by name.
    let pos = |app: &Value| {
        let id = s(app, "client_id");
        lines.iter().position(|l| l.contains(id)).unwrap()
    };
    assert_eq!([pos(&a), pos(&b), pos(&d), pos(&c)], [1, 2, 3, 4], "{out}");

    // --region filters.
    let uk = env.ok(&["apps", "list", "--region", "uk"]);
    assert!(uk.contains(s(&c, "client_id")) && uk.contains(s(&d, "client_id")));
    assert!(!uk.contains(s(&a, "client_id")) && !uk.contains(s(&b, "client_id")));
    // The human list never shows a secret.
    for app in [&a, &b, &c, &d] {
        assert!(!out.contains(s(app, "client_secret")));
    }
}

#[test]
fn list_json_is_an_array_filtered_by_region() {
    let env = Env::new();
    assert_eq!(env.list_json(None), Vec::<Value>::new());
    assert_eq!(env.list_json(Some("uk")), Vec::<Value>::new());

    let a = env.add("us", "Alpha", &["ess:account=read"]);
    let b = env.add("uk", "Beta", &["backup:jobs=write"]);
    let all = env.list_json(None);
    assert_eq!(all.len(), 2);
    for v in &all {
        assert_no_secret(v);
    }
    let ids: Vec<&str> = all.iter().map(|v| s(v, "client_id")).collect();
    assert_eq!(ids, [s(&a, "client_id"), s(&b, "client_id")]);
    assert_eq!(scopes_of(&all[1]), grants(&[("backup:jobs", "write")]));
    assert_eq!(s(&all[1], "scope"), "backup:jobs:read backup:jobs:write");

    let us = env.list_json(Some("us"));
    assert_eq!(us.len(), 1);
    assert_eq!(us[0]["client_id"], a["client_id"]);
    assert_eq!(s(&us[0], "region"), "us");
    let uk = env.list_json(Some("uk"));
    assert_eq!(uk.len(), 1);
    assert_eq!(uk[0]["client_id"], b["client_id"]);
    assert_eq!(s(&uk[0], "region"), "uk");
}

fn listed_names(env: &Env, args: &[&str]) -> Vec<String> {
    let mut all = vec!["apps", "list", "--json"];
    all.extend(args);
    match env.ok_json(&all) {
        Value::Array(a) => a.iter().map(|v| s(v, "client_name").to_owned()).collect(),
        other => panic!("not an array: {other}"),
    }
}

#[test]
fn list_sort_orders_by_name_created_or_secret_age() {
    let env = Env::new();
    // Times are kept to the second: a pause makes them differ (no duration
    // is asserted).
    let pause = || std::thread::sleep(Duration::from_millis(1100));
    let beta = env.add("us", "Beta", &[]);
    pause();
    env.add("us", "alpha", &[]);
    assert_eq!(listed_names(&env, &[]), ["alpha", "Beta"]);
    assert_eq!(listed_names(&env, &["--sort", "name"]), ["alpha", "Beta"]);
    assert_eq!(
        listed_names(&env, &["--sort", "created"]),
        ["alpha", "Beta"]
    );
    assert_eq!(
        listed_names(&env, &["--sort", "secret-age"]),
        ["Beta", "alpha"]
    );
    pause();
    env.ok(&[
        "apps",
        "reset-secret",
        s(&beta, "client_id"),
        "--yes",
        "--json",
    ]);
    assert_eq!(
        listed_names(&env, &["--sort", "secret-age"]),
        ["alpha", "Beta"]
    );
    // Across regions too, and in the table.
    env.add("uk", "Gamma", &[]);
    let table = env.ok(&["apps", "list", "--sort", "created"]);
    let first = table.lines().nth(1).unwrap_or_default();
    assert!(first.starts_with("Gamma"), "{table}");
    let e = env.err(&["apps", "list", "--sort", "size"]);
    assert!(e.contains("secret-age"), "{e}");
}

#[test]
fn list_scope_keeps_what_holds_the_scope_write_holding_read() {
    let env = Env::new();
    env.add("us", "Reader", &["forensics:account=read"]);
    env.add(
        "us",
        "Writer",
        &["forensics:account=write", "ess:account=read"],
    );
    env.add("uk", "Other", &["ess:account=read"]);
    let names = |args: &[&str]| listed_names(&env, args);
    assert_eq!(names(&["--scope", "forensics:account=write"]), ["Writer"]);
    assert_eq!(names(&["--scope", "forensics:account:write"]), ["Writer"]);
    assert_eq!(
        names(&["--scope", "forensics:account:read"]),
        ["Reader", "Writer"]
    );
    assert_eq!(
        names(&["--scope", "forensics:account"]),
        ["Reader", "Writer"]
    );
    assert_eq!(
        names(&["--scope", "ess:account", "--scope", "forensics:account"]),
        ["Writer"]
    );
    assert_eq!(
        names(&["--scope", "ess:account", "--region", "uk"]),
        ["Other"]
    );
    assert!(names(&["--scope", "ess:account=write"]).is_empty());
    let e = env.err(&["apps", "list", "--scope", "forensics:acount"]);
    assert!(
        e.contains("not in the scope catalog") && e.contains("forensics:account"),
        "{e}"
    );
    let e = env.err(&["apps", "list", "--scope", "ess:account=none"]);
    assert!(e.contains("read or write"), "{e}");
    let out = env.run(&["apps", "list", "--scope", "backup:jobs"]);
    assert!(out.status.success());
    assert!(
        text(&out.stderr).contains("No application matches"),
        "{out:?}"
    );
}

// ---------------------------------------------------------------------------
// show

#[test]
fn show_in_a_new_process_never_has_the_secret() {
    let env = Env::new();
    let app = env.add("us", "Payroll sync", &["forensics:account=write"]);
    let id = s(&app, "client_id");
    let secret = s(&app, "client_secret");

    let shown = env.show(id);
    assert_no_secret(&shown);
    for f in [
        "client_id",
        "client_name",
        "region",
        "scopes",
        "scope",
        "created_at",
        "client_secret_issued_at",
    ] {
        assert_eq!(shown[f], app[f], "{f}");
    }

    let human = env.ok(&["apps", "show", id]);
    assert!(!human.contains(secret), "{human}");
    assert_eq!(field(&human, "Client ID"), id);
    assert_eq!(field(&human, "Name"), "Payroll sync");
    assert!(
        field(&human, "Client secret").starts_with("hidden"),
        "{human}"
    );
    assert_eq!(
        field(&human, "OAuth scopes"),
        "forensics:account:read forensics:account:write"
    );
    assert!(human.contains("forensics:account"), "{human}");
}

// ---------------------------------------------------------------------------
// rename

#[test]
fn rename_changes_only_the_name() {
    let env = Env::new();
    let app = env.add("us", "Old name", &["ess:account=read"]);
    let id = s(&app, "client_id");
    let out = env.ok(&["apps", "rename", id, "  New name  "]);
    assert!(
        out.contains("Old name") && out.contains("New name") && out.contains(id),
        "{out}"
    );
    let shown = env.show(id);
    assert_eq!(s(&shown, "client_name"), "New name", "trimmed");
    assert_eq!(shown["client_id"], app["client_id"]);
    assert_eq!(shown["scopes"], app["scopes"]);
    assert!(rfc3339(&shown, "updated_at") >= rfc3339(&app, "updated_at"));
    assert!(env.verifies("us", id, s(&app, "client_secret")));

    // A name taken in the same region is refused; in another region it is free.
    env.add("us", "Taken", &[]);
    let line = env.err(&["apps", "rename", id, "taken"]);
    assert!(line.contains("already exists"), "{line}");
    assert_eq!(s(&env.show(id), "client_name"), "New name");
    env.add("uk", "Elsewhere", &[]);
    env.ok(&["apps", "rename", id, "Elsewhere"]);
    assert_eq!(s(&env.show(id), "client_name"), "Elsewhere");
}

// ---------------------------------------------------------------------------
// scopes

#[test]
fn scopes_set_merges_and_none_removes() {
    let env = Env::new();
    let app = env.add(
        "us",
        "Scoped",
        &[
            "ess:account=read",
            "forensics:account=read",
            "backup:jobs=write",
        ],
    );
    let id = s(&app, "client_id");

    let out = env.ok_json(&[
        "apps",
        "scopes",
        id,
        "--set",
        "forensics:account=write",
        "ess:account=none",
        "--json",
    ]);
    let want = grants(&[("backup:jobs", "write"), ("forensics:account", "write")]);
    assert_eq!(scopes_of(&out), want, "unmentioned scopes keep theirs");
    assert_eq!(
        s(&out, "scope"),
        "backup:jobs:read backup:jobs:write forensics:account:read forensics:account:write"
    );
    assert_no_secret(&out);
    assert_eq!(scopes_of(&env.show(id)), want, "saved");

    // Repeated --set, human output with the OAuth strings.
    let human = env.ok(&[
        "apps",
        "scopes",
        id,
        "--set",
        "backup:jobs=read",
        "--set",
        "threat:intel=read",
    ]);
    assert_eq!(
        field(&human, "OAuth scopes"),
        "backup:jobs:read forensics:account:read forensics:account:write threat:intel:read"
    );
    assert_eq!(
        scopes_of(&env.show(id)),
        grants(&[
            ("backup:jobs", "read"),
            ("forensics:account", "write"),
            ("threat:intel", "read"),
        ])
    );

    // Removing everything leaves no scopes.
    let out = env.ok_json(&[
        "apps",
        "scopes",
        id,
        "--set",
        "backup:jobs=none",
        "forensics:account=none",
        "threat:intel=none",
        "--json",
    ]);
    assert_eq!(scopes_of(&out), vec![]);
    assert_eq!(s(&out, "scope"), "");

    // An invalid change among valid ones changes nothing.
    env.err(&[
        "apps",
        "scopes",
        id,
        "--set",
        "ess:account=read",
        "ess:account=write",
    ]);
    assert_eq!(scopes_of(&env.show(id)), vec![]);
}

// ---------------------------------------------------------------------------
// reset-secret

#[test]
fn reset_secret_keeps_the_id_and_issues_a_new_secret() {
    let env = Env::new();
    let app = env.add("uk", "Resettable", &["ess:account=read"]);
    let id = s(&app, "client_id");
    let old = s(&app, "client_secret");

    let before = Utc::now();
    let reset = env.ok_json(&["apps", "reset-secret", id, "--yes", "--json"]);
    assert_eq!(s(&reset, "client_id"), id);
    assert_eq!(s(&reset, "client_name"), "Resettable");
    assert_eq!(reset["scopes"], app["scopes"]);
    let new = s(&reset, "client_secret");
    assert!(is_alnum(new, 48), "{reset}");
    assert_ne!(new, old);
    let until = rfc3339(&reset, "client_secret_visible_until");
    assert!(until >= before + chrono::Duration::seconds(898), "{reset}");
    assert!(rfc3339(&reset, "client_secret_issued_at") >= rfc3339(&app, "client_secret_issued_at"));
    assert!(!env.verifies("uk", id, old), "the old secret stops at once");
    assert!(env.verifies("uk", id, new));

    // Human form: prints the new secret once.
    let human = env.ok(&["apps", "reset-secret", id, "--yes"]);
    let newer = field(&human, "Client secret");
    assert!(is_alnum(newer, 48), "{human}");
    assert_eq!(field(&human, "Client ID"), id);
    assert!(!env.verifies("uk", id, new));
    assert!(env.verifies("uk", id, newer));
    assert_eq!(env.list_json(None).len(), 1, "no new application appeared");
}

#[test]
fn reset_secret_and_delete_refuse_without_yes_off_a_terminal() {
    let env = Env::new();
    let app = env.add("us", "Keep me", &[]);
    let id = s(&app, "client_id");
    let secret = s(&app, "client_secret");

    for args in [["apps", "reset-secret", id], ["apps", "delete", id]] {
        // Standard input is not a terminal: with nothing, and with a "y" piped in.
        let line = clean_error(&env.run(&args), &args);
        assert!(line.contains("--yes"), "{line}");
        let line = clean_error(&env.run_stdin(&args, "y\n"), &args);
        assert!(line.contains("--yes"), "{line}");
    }
    let shown = env.show(id);
    assert_eq!(
        shown["client_secret_issued_at"],
        app["client_secret_issued_at"]
    );
    assert_eq!(shown["updated_at"], app["updated_at"]);
    assert!(env.verifies("us", id, secret), "the secret was not reset");
    assert_eq!(env.list_json(None).len(), 1, "nothing was deleted");
}

// ---------------------------------------------------------------------------
// delete

#[test]
fn delete_removes_the_application() {
    let env = Env::new();
    let app = env.add("uk", "Doomed", &["ess:account=read"]);
    let keep = env.add("uk", "Survivor", &[]);
    let id = s(&app, "client_id");
    let out = env.ok(&["apps", "delete", id, "--yes"]);
    assert!(out.contains("Doomed") && out.contains(id), "{out}");

    let line = env.err(&["apps", "show", id]);
    assert!(
        line.contains(id) && line.contains("no application"),
        "{line}"
    );
    let line = env.err(&["apps", "delete", id, "--yes"]);
    assert!(line.contains(id), "{line}");
    assert!(!env.verifies("uk", id, s(&app, "client_secret")));

    let left = env.list_json(None);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["client_id"], keep["client_id"]);
}

// ---------------------------------------------------------------------------
// import and export

#[test]
fn import_from_a_file_and_from_stdin() {
    let env = Env::new();
    let file = env.dir.path().join("apps.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"client_name": "Alpha", "scopes": [{"scope": "forensics:account", "access": "write"}]}"#,
            "\n\n",
            r#"{"client_name": "Beta"}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = env.ok(&[
        "apps",
        "import",
        "--region",
        "us",
        file.to_str().unwrap(),
        "--json",
    ]);
    let imported = json_lines(&out);
    assert_eq!(imported.len(), 2, "{out}");
    assert_eq!(s(&imported[0], "client_name"), "Alpha");
    assert_eq!(s(&imported[1], "client_name"), "Beta");
    assert_eq!(
        s(&imported[0], "scope"),
        "forensics:account:read forensics:account:write"
    );
    for v in &imported {
        assert_eq!(s(v, "region"), "us");
        assert!(is_alnum(s(v, "client_id"), 32), "{v}");
        assert!(is_alnum(s(v, "client_secret"), 48), "{v}");
        rfc3339(v, "client_secret_visible_until");
        assert!(env.verifies("us", s(v, "client_id"), s(v, "client_secret")));
    }
    assert_ne!(imported[0]["client_secret"], imported[1]["client_secret"]);
    assert_ne!(imported[0]["client_id"], imported[1]["client_id"]);

    let out = env.run_stdin(
        &["apps", "import", "--region", "uk", "-"],
        "{\"client_name\": \"Gamma\", \"scopes\": [{\"scope\": \"ess:account\", \"access\": \"read\"}]}\n",
    );
    let lines = json_lines(&succeeded(&out, &["apps", "import", "-"]));
    assert_eq!(lines.len(), 1);
    assert_eq!(s(&lines[0], "client_name"), "Gamma");
    assert_eq!(s(&lines[0], "region"), "uk");
    assert!(is_alnum(s(&lines[0], "client_secret"), 48));

    let names: Vec<String> = env
        .list_json(None)
        .iter()
        .map(|v| format!("{}/{}", s(v, "region"), s(v, "client_name")))
        .collect();
    assert_eq!(names, ["us/Alpha", "us/Beta", "uk/Gamma"]);
}

#[test]
fn import_is_all_or_nothing_and_names_the_bad_line() {
    let env = Env::new();
    let good = r#"{"client_name": "Good one"}"#;
    let cases = [
        ("not json", "line 3"),
        (
            r#"{"client_name": "Bad", "scopes": [{"scope": "nope:thing", "access": "read"}]}"#,
            "ess:account",
        ),
        (
            r#"{"client_name": "Bad", "scopes": [{"scope": "ess:account", "access": "write"}]}"#,
            "ess:account",
        ),
        (
            r#"{"client_name": "Bad", "scopes": [{"scope": "ess:account", "access": "all"}]}"#,
            "line 3",
        ),
        (r#"{"client_name": "   "}"#, "empty"),
        (r#"{"client_name": "a\u001b[31mb"}"#, "control character"),
        (r#"{"scopes": []}"#, "client_name"),
    ];
    for (bad, says) in cases {
        let input = format!("{good}\n{{\"client_name\": \"Second\"}}\n{bad}\n");
        for (source, out) in [
            (
                "stdin",
                env.run_stdin(&["apps", "import", "--region", "us", "-"], &input),
            ),
            ("file", {
                let file = env.dir.path().join("bad.jsonl");
                std::fs::write(&file, &input).unwrap();
                env.run(&["apps", "import", "--region", "us", file.to_str().unwrap()])
            }),
        ] {
            let line = clean_error(&out, &["apps", "import", source, bad]);
            assert!(line.contains("line 3"), "{source} {bad}: {line}");
            assert!(line.contains(says), "{source} {bad}: {line}");
            assert_eq!(
                env.export("us"),
                Vec::<Value>::new(),
                "{bad}: nothing imported"
            );
        }
    }
}

#[test]
fn import_rejects_duplicate_names_within_the_file() {
    let env = Env::new();
    let input =
        "{\"client_name\": \"One\"}\n{\"client_name\": \"Two\"}\n{\"client_name\": \"one\"}\n";
    let line = clean_error(
        &env.run_stdin(&["apps", "import", "--region", "uk", "-"], input),
        &["apps", "import", "duplicates"],
    );
    assert!(line.contains("line 3") && line.contains("line 1"), "{line}");
    assert_eq!(env.export("uk"), Vec::<Value>::new());
}

#[test]
fn import_rejects_a_name_already_in_the_region() {
    let env = Env::new();
    let existing = env.add("us", "Existing", &[]);
    let input = "{\"client_name\": \"Fresh\"}\n{\"client_name\": \"EXISTING\"}\n";
    let line = clean_error(
        &env.run_stdin(&["apps", "import", "--region", "us", "-"], input),
        &["apps", "import", "existing name"],
    );
    assert!(line.to_lowercase().contains("existing"), "{line}");
    assert!(line.contains("already exists"), "{line}");
    let left = env.export("us");
    assert_eq!(left.len(), 1, "nothing imported: {left:?}");
    assert_eq!(left[0]["client_id"], existing["client_id"]);
    // The same names are free in another region.
    let out = env.run_stdin(&["apps", "import", "--region", "uk", "-"], input);
    assert_eq!(json_lines(&succeeded(&out, &["import uk"])).len(), 2);
}

#[test]
fn export_has_no_secrets_and_round_trips_into_another_region() {
    let env = Env::new();
    let a = env.add(
        "us",
        "Alpha",
        &["forensics:account=write", "ess:account=read"],
    );
    let b = env.add("us", "Beta", &[]);
    env.add("uk", "Only in uk", &[]);

    let exported_text = env.ok(&["apps", "export", "--region", "us"]);
    assert!(!exported_text.contains(s(&a, "client_secret")));
    assert!(!exported_text.contains(s(&b, "client_secret")));
    let exported = json_lines(&exported_text);
    assert_eq!(exported.len(), 2, "only region us: {exported_text}");
    for (line, app) in exported.iter().zip([&a, &b]) {
        assert_no_secret(line);
        assert_eq!(line["client_id"], app["client_id"]);
        assert_eq!(line["client_name"], app["client_name"]);
        assert_eq!(line["scopes"], app["scopes"]);
    }

    let file = env.dir.path().join("us.jsonl");
    std::fs::write(&file, &exported_text).unwrap();
    let out = env.ok(&["apps", "import", "--region", "uk", file.to_str().unwrap()]);
    let imported = json_lines(&out);
    assert_eq!(imported.len(), 2);
    for (new, old) in imported.iter().zip(&exported) {
        assert_eq!(s(new, "region"), "uk");
        assert_eq!(new["client_name"], old["client_name"]);
        assert_eq!(new["scopes"], old["scopes"]);
        assert_eq!(new["scope"], old["scope"]);
        assert_ne!(new["client_id"], old["client_id"], "new credentials");
        assert!(is_alnum(s(new, "client_secret"), 48));
    }
    let uk: Vec<String> = env
        .export("uk")
        .iter()
        .map(|v| s(v, "client_name").to_owned())
        .collect();
    assert_eq!(uk, ["Alpha", "Beta", "Only in uk"]);
    assert_eq!(env.export("us").len(), 2, "the source region is unchanged");
}

// ---------------------------------------------------------------------------
// errors

#[test]
fn unknown_region_lists_the_configured_ones() {
    let env = Env::new();
    let commands: [&[&str]; 5] = [
        &["apps", "add", "--region", "eu", "--name", "x"],
        &["apps", "list", "--region", "eu"],
        &["apps", "list", "--region", "eu", "--json"],
        &["apps", "export", "--region", "eu"],
        &["apps", "import", "--region", "eu", "-"],
    ];
    for args in commands {
        let line = env.err(args);
        assert!(line.contains("'eu'"), "{line}");
        assert!(line.contains("us, uk"), "{line}");
    }
    assert_eq!(env.list_json(None), Vec::<Value>::new());
}

#[test]
fn scope_errors_say_what_is_valid() {
    let env = Env::new();
    let add = |scope: &str| {
        env.err(&[
            "apps", "add", "--region", "us", "--name", "x", "--scope", scope,
        ])
    };

    let line = add("nope:thing=read");
    assert!(line.contains("nope:thing"), "{line}");
    assert!(
        line.contains("ess:account") && line.contains("forensics:account"),
        "lists the valid scopes: {line}"
    );
    let line = add("ess:account=write");
    assert!(
        line.contains("ess:account") && line.contains("write"),
        "{line}"
    );
    assert!(line.contains("none, read"), "lists what it offers: {line}");
    let line = add("ess:account=admin");
    assert!(line.contains("admin"), "{line}");
    assert!(line.contains("none, read or write"), "{line}");
    let line = add("ess:account");
    assert!(line.contains("SCOPE=ACCESS"), "{line}");
    let line = add("Not A Scope=read");
    assert!(line.contains("scope"), "{line}");

    // The same on `apps scopes --set`.
    let app = env.add("us", "Target", &["ess:account=read"]);
    let id = s(&app, "client_id");
    let line = env.err(&["apps", "scopes", id, "--set", "nope:thing=read"]);
    assert!(line.contains("ess:account"), "{line}");
    let line = env.err(&["apps", "scopes", id, "--set", "ess:account=write"]);
    assert!(line.contains("none, read"), "{line}");
    let line = env.err(&["apps", "scopes", id, "--set", "ess:account=lots"]);
    assert!(line.contains("none, read or write"), "{line}");
    assert_eq!(scopes_of(&env.show(id)), grants(&[("ess:account", "read")]));
    assert_eq!(env.list_json(None).len(), 1, "no application was added");
}

#[test]
fn name_errors() {
    let env = Env::new();
    let add = |name: &str| env.err(&["apps", "add", "--region", "us", "--name", name]);

    let line = add("");
    assert!(line.contains("empty"), "{line}");
    let line = add("   ");
    assert!(line.contains("empty"), "{line}");
    let line = add(&"x".repeat(65));
    assert!(line.contains("64"), "{line}");
    let line = add("evil\u{1b}[2Jname");
    assert!(line.contains("control character"), "{line}");
    let line = add("two\nlines");
    assert!(line.contains("control character"), "{line}");
    assert_eq!(env.list_json(None), Vec::<Value>::new());

    // 64 characters is fine, wide ones too.
    env.add("us", &"x".repeat(64), &[]);
    env.add("us", &"é".repeat(64), &[]);

    // The same rules on rename.
    let app = env.add("us", "Good", &[]);
    let id = s(&app, "client_id");
    for bad in ["", &"y".repeat(65), "esc\u{1b}ape"] {
        env.err(&["apps", "rename", id, bad]);
    }
    assert_eq!(s(&env.show(id), "client_name"), "Good");

    // A name already used in the region.
    let line = add("good");
    assert!(line.contains("already exists"), "{line}");
}

#[test]
fn unknown_client_id_is_a_clear_error() {
    let env = Env::new();
    env.add("us", "Someone", &[]);
    let id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let commands: [&[&str]; 7] = [
        &["apps", "show", id],
        &["apps", "show", id, "--json"],
        &["apps", "rename", id, "New"],
        &["apps", "scopes", id, "--set", "ess:account=read"],
        &["apps", "reset-secret", id, "--yes"],
        &["apps", "reset-secret", id, "--yes", "--json"],
        &["apps", "delete", id, "--yes"],
    ];
    for args in commands {
        let line = env.err(args);
        assert!(line.contains(id), "{line}");
        assert!(line.contains("no application"), "{line}");
    }
    assert_eq!(env.list_json(None).len(), 1);
}

#[test]

fn malformed_client_id_is_a_one_line_error() {
    let env = Env::new();
    for bad in ["bad id!", "\u{1b}[31m", &"a".repeat(200)] {
        for args in [
            vec!["apps", "show", bad],
            vec!["apps", "delete", bad, "--yes"],
            vec!["apps", "reset-secret", bad, "--yes"],
            vec!["apps", "rename", bad, "x"],
        ] {
            let line = env.err(&args);
            assert!(line.contains("not a client ID"), "{line}");
        }
    }
}

#[test]

fn malformed_region_is_a_one_line_error() {
    let env = Env::new();
    let line = env.err(&["apps", "add", "--region", "U S", "--name", "x"]);
    assert!(line.contains("invalid region"), "{line}");
    let line = env.err(&["apps", "list", "--region", "us!"]);
    assert!(line.contains("invalid region"), "{line}");
}

#[test]
fn broken_config_file_names_file_and_line() {
    let env = Env::new();
    let path = env.write_config("config.toml", "secret_visible_seconds = 60\nbogus = [\n");
    for args in [
        &["apps", "list"][..],
        &["regions"][..],
        &["apps", "add", "--region", "us", "--name", "x"][..],
    ] {
        let line = env.err(args);
        assert!(line.contains(path.to_str().unwrap()), "{line}");
        assert!(line.contains("line 2"), "{line}");
    }
    env.write_config(
        "config.toml",
        "secret_visible_seconds = 60\n\nno_such_key = 1\n",
    );
    let line = env.err(&["apps", "list"]);
    assert!(
        line.contains(path.to_str().unwrap()) && line.contains("line 3"),
        "{line}"
    );
}

#[test]
fn broken_scopes_toml_names_file_and_line() {
    let env = Env::new();
    let path = env.write_config(
        "scopes.toml",
        "[[group]]\nid = \"a\"\ntitle = \"A\"\n\n[[group.scope]]\nid = \"a:b\"\ntitle = \"t\"\ndescription = \"d\"\naccess = [\"read\", \"admin\"]\n",
    );
    for args in [
        &["scopes"][..],
        &["scopes", "--json"][..],
        &["apps", "list"][..],
        &["apps", "add", "--region", "us", "--name", "x"][..],
    ] {
        let line = env.err(args);
        assert!(line.contains(path.to_str().unwrap()), "{line}");
        assert!(line.contains("line 9"), "{line}");
        assert!(line.contains("admin"), "names the problem: {line}");
    }
    env.write_config("scopes.toml", "[[group]]\nid = \"a\"\ntitle = ");
    let line = env.err(&["scopes"]);
    assert!(
        line.contains(path.to_str().unwrap()) && line.contains("line 3"),
        "{line}"
    );
}

// ---------------------------------------------------------------------------
// scopes and regions

#[test]
fn builtin_scope_catalog() {
    let env = Env::new();
    let groups = env.ok_json(&["scopes", "--json"]);
    let groups = groups.as_array().expect("a list of groups");
    assert!(groups.len() >= 4, "{groups:?}");
    let scopes: Vec<&Value> = groups
        .iter()
        .flat_map(|g| g["scopes"].as_array().unwrap())
        .collect();
    assert!(scopes.len() >= 12);
    let find = |id: &str| {
        scopes
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{id} in the catalog"))
    };
    assert_eq!(
        find("ess:account")["access"],
        serde_json::json!(["none", "read"])
    );
    assert_eq!(
        find("forensics:account")["access"],
        serde_json::json!(["none", "read", "write"])
    );
    let human = env.ok(&["scopes"]);
    assert!(human.contains("ess:account") && human.contains("forensics:account"));
}

#[test]
fn custom_scopes_toml_replaces_the_catalog() {
    let env = Env::new();
    env.write_config(
        "scopes.toml",
        r#"
[[group]]
id = "acme"
title = "Acme"

[[group.scope]]
id = "acme:widgets"
title = "Widgets"
description = "Make and break widgets."
access = ["read", "write"]

[[group.scope]]
id = "acme:gadgets"
title = "Gadgets"
description = "Look at gadgets."
access = ["read"]
"#,
    );
    let groups = env.ok_json(&["scopes", "--json"]);
    let ids: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["scopes"].as_array().unwrap())
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme:widgets", "acme:gadgets"]);
    assert_eq!(groups[0]["id"], "acme");
    let human = env.ok(&["scopes"]);
    assert!(
        human.contains("acme:widgets") && !human.contains("ess:account"),
        "{human}"
    );

    let app = env.add(
        "us",
        "Acme client",
        &["acme:widgets=write", "acme:gadgets=read"],
    );
    assert_eq!(
        s(&app, "scope"),
        "acme:gadgets:read acme:widgets:read acme:widgets:write"
    );
    let line = env.err(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "y",
        "--scope",
        "ess:account=read",
    ]);
    assert!(
        line.contains("ess:account") && line.contains("acme:widgets"),
        "{line}"
    );
    let line = env.err(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "y",
        "--scope",
        "acme:gadgets=write",
    ]);
    assert!(line.contains("none, read"), "{line}");
}

#[test]
fn regions_default_and_from_config() {
    let env = Env::new();
    let regions = env.ok_json(&["regions", "--json"]);
    let regions = regions.as_array().expect("a list");
    let ids: Vec<&str> = regions.iter().map(|r| s(r, "region")).collect();
    assert_eq!(ids, ["us", "uk"]);
    for r in regions {
        assert_eq!(s(r, "backend"), "embedded");
    }
    let human = env.ok(&["regions"]);
    assert!(human.contains("us") && human.contains("uk") && human.contains("embedded"));

    env.write_config(
        "config.toml",
        "[[region]]\nid = \"eu\"\nname = \"Europe\"\n",
    );
    let regions = env.ok_json(&["regions", "--json"]);
    let regions = regions.as_array().unwrap();
    assert_eq!(regions.len(), 1);
    assert_eq!(s(&regions[0], "region"), "eu");
    assert_eq!(s(&regions[0], "name"), "Europe");
    assert_eq!(s(&regions[0], "backend"), "embedded");

    let app = env.add("eu", "European", &[]);
    assert_eq!(s(&app, "region"), "eu");
    let line = env.err(&["apps", "add", "--region", "us", "--name", "x"]);
    assert!(line.contains("'us'") && line.contains("eu"), "{line}");
}

#[test]
fn env_vars_choose_the_data_dir_and_config() {
    let env = Env::new();
    env.write_config("config.toml", "[[region]]\nid = \"ap\"\n");
    let other_data = env.dir.path().join("elsewhere");
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("keyward");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("KEYWARD_") {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .env("HOME", env.dir.path().join("home"))
        .env("KEYWARD_DATA_DIR", &other_data)
        .env("KEYWARD_CONFIG", env.config_file())
        .args([
            "apps", "add", "--region", "ap", "--name", "Via env", "--json",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let app: Value = serde_json::from_str(&succeeded(&out, &["env"])).unwrap();
    assert_eq!(s(&app, "region"), "ap");
    assert!(other_data.join("keyward.db").exists());
    assert!(!Path::new(&env.data_dir()).join("keyward.db").exists());
}

// ---------------------------------------------------------------------------
// issue 11: hostile inputs

#[test]
fn export_then_import_round_trips_with_an_admin_client_present() {
    let env = Env::new();
    env.add("us", "Payroll", &["ess:account=read"]);
    env.ok(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Ops admin",
        "--admin",
        "--json",
    ]);
    let out = env.run(&["apps", "export", "--region", "us"]);
    let exported = succeeded(&out, &["apps", "export"]);
    let lines = json_lines(&exported);
    assert_eq!(lines.len(), 1, "admin clients are left out: {exported}");
    assert_eq!(s(&lines[0], "client_name"), "Payroll");
    let note = text(&out.stderr);
    assert!(
        note.contains("Left out 1 admin client") && note.contains("--admin"),
        "{note}"
    );
    let file = env.dir.path().join("us.jsonl");
    std::fs::write(&file, &exported).unwrap();
    let imported =
        json_lines(&env.ok(&["apps", "import", "--region", "uk", file.to_str().unwrap()]));
    assert_eq!(imported.len(), 1);
    assert_eq!(s(&imported[0], "client_name"), "Payroll");
    assert_eq!(s(&imported[0], "scope"), "ess:account:read");
}

#[test]
fn a_scope_given_twice_with_different_access_is_an_error() {
    let env = Env::new();
    let line = env.err(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "A",
        "--scope",
        "forensics:account=read",
        "--scope",
        "forensics:account=write",
    ]);
    assert!(
        line.contains("'forensics:account' is given twice"),
        "{line}"
    );
    assert!(env.list_json(None).is_empty(), "nothing added");
    // The same grant twice is unambiguous, and accepted.
    let a = env.add("us", "A", &["ess:account=read", "ess:account=read"]);
    assert_eq!(scopes_of(&a), grants(&[("ess:account", "read")]));
    let id = s(&a, "client_id");
    let line = env.err(&[
        "apps",
        "scopes",
        id,
        "--set",
        "forensics:account=write",
        "--set",
        "forensics:account=none",
    ]);
    assert!(
        line.contains("'forensics:account' is given twice"),
        "{line}"
    );
    assert_eq!(scopes_of(&env.show(id)), grants(&[("ess:account", "read")]));
    let input = concat!(
        r#"{"client_name": "B"}"#,
        "\n",
        r#"{"client_name": "C", "scopes": [{"scope": "forensics:account", "access": "read"}, {"scope": "forensics:account", "access": "write"}]}"#,
        "\n"
    );
    let line = clean_error(
        &env.run_stdin(&["apps", "import", "--region", "us", "-"], input),
        &["import conflicting"],
    );
    assert!(
        line.contains("line 2") && line.contains("'forensics:account' is given twice"),
        "{line}"
    );
    assert_eq!(env.export("us").len(), 1, "nothing imported");
}

#[test]
fn look_alike_names_are_duplicates_and_invisible_characters_are_refused() {
    let env = Env::new();
    let a = env.add("us", "Payroll sync", &[]);
    for look_alike in [
        "ＰＡＹＲＯＬＬ ｓｙｎｃ",
        "payroll  sync",
        "PAYROLL\u{3000}SYNC",
    ] {
        let line = env.err(&["apps", "add", "--region", "us", "--name", look_alike]);
        assert!(line.contains("already exists"), "{look_alike:?}: {line}");
    }
    for hidden in [
        "Pay\u{AD}roll sync",
        "Payroll\u{200B} sync",
        "Payroll sync\u{3164}",
    ] {
        let line = env.err(&["apps", "add", "--region", "us", "--name", hidden]);
        assert!(line.contains("invisible character"), "{hidden:?}: {line}");
    }
    let b = env.add("us", "Invoices", &[]);
    let line = env.err(&["apps", "rename", s(&b, "client_id"), "Ｐａｙｒｏｌｌ sync"]);
    assert!(line.contains("already exists"), "{line}");
    // Renaming to a look-alike of its own name is a rename like any other.
    env.ok(&["apps", "rename", s(&a, "client_id"), "PAYROLL SYNC"]);
    let input = "{\"client_name\": \"Ｉｎｖｏｉｃｅｓ\"}\n";
    let line = clean_error(
        &env.run_stdin(&["apps", "import", "--region", "us", "-"], input),
        &["import look-alike"],
    );
    assert!(line.contains("already exists"), "{line}");
    let input = "{\"client_name\": \"New one\"}\n{\"client_name\": \"ＮＥＷ ＯＮＥ\"}\n";
    let line = clean_error(
        &env.run_stdin(&["apps", "import", "--region", "us", "-"], input),
        &["import look-alikes"],
    );
    assert!(line.contains("line 2") && line.contains("line 1"), "{line}");
    assert_eq!(env.export("us").len(), 2);
}

#[test]
fn import_errors_show_what_a_line_should_look_like() {
    let env = Env::new();
    for (bad, says) in [
        ("{1}", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (
            r#"{"client_name": "A", "scopes": {}}"#,
            "expected a sequence",
        ),
    ] {
        let line = clean_error(
            &env.run_stdin(
                &["apps", "import", "--region", "us", "-"],
                &format!("{bad}\n"),
            ),
            &["import", bad],
        );
        assert!(line.contains("standard input: line 1: "), "{line}");
        assert!(line.contains(says), "{line}");
        assert!(
            line.contains(r#"{"client_name": "Payroll sync", "scopes": [{"scope": "ess:account", "access": "read"}]}"#),
            "an example line: {line}"
        );
        assert!(
            !line.contains("ImportRecord") && !line.contains("line 1 column"),
            "{line}"
        );
    }
}

#[test]
fn import_accepts_a_byte_order_mark() {
    let env = Env::new();
    let file = env.dir.path().join("bom.jsonl");
    std::fs::write(
        &file,
        "\u{FEFF}{\"client_name\": \"Alpha\"}\r\n{\"client_name\": \"Beta\"}\r\n",
    )
    .unwrap();
    let out = env.ok(&["apps", "import", "--region", "us", file.to_str().unwrap()]);
    let names: Vec<String> = json_lines(&out)
        .iter()
        .map(|v| s(v, "client_name").to_owned())
        .collect();
    assert_eq!(names, ["Alpha", "Beta"]);
}

#[test]
fn an_overlong_import_line_is_refused_without_reading_it_all() {
    use std::io::Write as _;
    let env = Env::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["--data-dir"])
        .arg(env.data_dir())
        .arg("--config")
        .arg(env.config_file())
        .args(["apps", "import", "--region", "us", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Line 2 would be 256 MiB; the import must stop reading long before.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 20];
        stdin
            .write_all(b"{\"client_name\": \"Fine\"}\n{\"client_name\": \"")
            .unwrap();
        let mut sent = 0usize;
        for _ in 0..256 {
            if stdin.write_all(&chunk).is_err() {
                return sent;
            }
            sent += chunk.len();
        }
        sent
    });
    let out = child.wait_with_output().unwrap();
    let sent = writer.join().unwrap();
    assert!(
        sent < 255 << 20,
        "the reader stopped early, after {sent} bytes were sent"
    );
    let line = clean_error(&out, &["import", "long line"]);
    assert!(
        line.contains("line 2") && line.contains("longer than 64 KiB"),
        "{line}"
    );
    assert!(env.export("us").is_empty(), "nothing imported");
}

#[test]
fn a_binary_config_file_is_one_clear_message() {
    let env = Env::new();
    let path = env.write_config("config.toml", "");
    std::fs::write(&path, [0x7f, b'E', b'L', b'F', 0xff, 0xfe, 0, 1, 2]).unwrap();
    let line = env.err(&["regions"]);
    assert!(line.contains("not UTF-8 text"), "{line}");
    assert_eq!(line.matches("UTF-8").count(), 1, "said once: {line}");
    std::fs::remove_file(&path).unwrap();
    let scopes = env.write_config("scopes.toml", "");
    std::fs::write(&scopes, [0xff, 0xfe, 0, 1]).unwrap();
    let line = env.err(&["scopes"]);
    assert_eq!(line.matches("valid UTF-8").count(), 1, "said once: {line}");
}

#[test]
fn url_credentials_are_never_echoed() {
    let env = Env::new();
    // Nothing listens on this loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    env.write_config(
        "config.toml",
        &format!(
            "[[region]]\nid = \"uk\"\nurl = \"http://alice:hunter2pw@127.0.0.1:{port}/\"\nclient_id = \"abc\"\nclient_secret_env = \"UK_SECRET\"\n"
        ),
    );
    let regions = env.ok(&["regions"]);
    assert!(
        !regions.contains("hunter2pw") && !regions.contains("alice"),
        "{regions}"
    );
    assert!(
        regions.contains(&format!("http://***@127.0.0.1:{port}")),
        "{regions}"
    );
    let regions = env.ok(&["regions", "--json"]);
    assert!(!regions.contains("hunter2pw"), "{regions}");
    let out = env
        .cmd()
        .env("UK_SECRET", "s3cr3t")
        .args(["apps", "list", "--region", "uk"])
        .output()
        .unwrap();
    let line = clean_error(&out, &["apps list uk"]);
    assert!(
        !line.contains("hunter2pw") && !line.contains("alice"),
        "{line}"
    );
    let out = env
        .cmd()
        .env("KEYWARD_CLIENT_SECRET", "s3cr3t")
        .args([
            "token",
            "--token-url",
            &format!("http://alice:hunter2pw@127.0.0.1:{port}/oauth2/token"),
            "--client-id",
            "abc",
        ])
        .output()
        .unwrap();
    let line = clean_error(&out, &["token"]);
    assert!(line.contains("cannot reach"), "{line}");
    assert!(
        !line.contains("hunter2pw") && !line.contains("alice"),
        "{line}"
    );
}

/// Runs `args` as the unprivileged user `nobody` when the tests run as root
/// (root ignores file modes, so a read-only dir would not be read-only).
fn as_unprivileged(env: &Env, args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_keyward");
    let mut cmd = if is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin]);
        c
    } else {
        std::process::Command::new(bin)
    };
    cmd.env("HOME", env.dir.path().join("home"))
        .env_remove("KEYWARD_DATA_DIR")
        .env_remove("KEYWARD_CONFIG")
        .arg("--data-dir")
        .arg(env.data_dir())
        .arg("--config")
        .arg(env.config_file())
        .args(args)
        .output()
        .unwrap()
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    std::fs::metadata(probe.path()).unwrap().uid() == 0
}

#[test]
fn a_read_only_data_dir_still_lists_and_refuses_changes_clearly() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    if is_root() {
        // `nobody` must own the data dir and reach it.
        std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let st = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
            .status();
        assert!(
            st.is_ok_and(|s| s.success()),
            "setpriv is needed to test as root"
        );
        std::fs::create_dir(env.data_dir()).unwrap();
        std::os::unix::fs::chown(env.data_dir(), Some(65534), Some(65534)).unwrap();
    }
    let out = as_unprivileged(
        &env,
        &[
            "apps", "add", "--region", "us", "--name", "Payroll", "--json",
        ],
    );
    let added: Value = serde_json::from_str(&succeeded(&out, &["add"])).unwrap();
    std::fs::set_permissions(env.data_dir(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let before: Vec<_> = std::fs::read_dir(env.data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    for args in [
        &["apps", "list"][..],
        &["apps", "list", "--json"][..],
        &["apps", "show", s(&added, "client_id")][..],
    ] {
        let out = as_unprivileged(&env, args);
        let listed = succeeded(&out, args);
        assert!(listed.contains("Payroll"), "{args:?}: {listed}");
    }
    let out = as_unprivileged(
        &env,
        &["apps", "add", "--region", "us", "--name", "Other", "--json"],
    );
    let line = clean_error(&out, &["add read-only"]);
    assert!(
        line.contains("not writable") && line.contains("reading works"),
        "{line}"
    );
    let after: Vec<_> = std::fs::read_dir(env.data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "nothing created in the data dir");
    std::fs::set_permissions(env.data_dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
}
