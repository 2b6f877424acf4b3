//! `keyward apps rotate`, `apps retire` and `apps list --unused-for`, run as
//! the real binary on a private data dir.

use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use keyward::catalog::Catalog;
use keyward::model::{ClientId, ClientSecret, Region, SecretUsage};
use keyward::registry::Registry as _;
use keyward::registry::embedded::EmbeddedStore;
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

    fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.dir.path().join("config")).unwrap();
        std::fs::write(self.dir.path().join("config/config.toml"), text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
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
            .env("RUST_BACKTRACE", "1")
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.dir.path().join("config/config.toml"))
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
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

    fn ok_json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    /// Fails by the error contract: non-zero, one line on standard error,
    /// nothing on standard output. Returns the line.
    fn err(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.code().is_some_and(|c| c != 0),
            "{args:?}: {stderr}"
        );
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: one line: {stderr:?}");
        assert!(lines[0].starts_with("keyward: error: "), "{stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        lines[0].to_owned()
    }

    fn add(&self, name: &str) -> Value {
        self.ok_json(&["apps", "add", "--region", "us", "--name", name, "--json"])
    }

    fn store(&self) -> keyward::registry::embedded::EmbeddedRegistry {
        EmbeddedStore::open(
            &self.data_dir(),
            Arc::new(Catalog::builtin()),
            Duration::from_secs(900),
        )
        .unwrap()
        .registry(Region::new("us").unwrap())
    }

    /// Whether `secret` gets `id` through the token endpoint's check.
    fn works(&self, id: &str, secret: &str) -> bool {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            self.store()
                .authenticate(
                    &ClientId::parse(id).unwrap(),
                    &ClientSecret::from_string(secret.to_owned()),
                )
                .await
                .unwrap()
                .is_some()
        })
    }
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {v}"))
}

fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn rotate_keeps_the_old_secret_for_the_grace_and_retire_ends_it() {
    let env = Env::new();
    let app = env.add("Payroll");
    let id = s(&app, "client_id");
    let old = s(&app, "client_secret");
    assert_eq!(app["secrets"].as_array().unwrap().len(), 1, "{app}");
    assert!(app["last_used_at"].is_null(), "{app}");

    let before = Utc::now();
    let rotated = env.ok_json(&["apps", "rotate", id, "--grace", "2h", "--yes", "--json"]);
    let new = s(&rotated, "client_secret");
    assert_ne!(new, old);
    assert_eq!(s(&rotated, "client_id"), id);
    let secrets = rotated["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2, "{rotated}");
    assert_eq!(secrets[0]["state"], "current");
    assert!(secrets[0]["expires_at"].is_null());
    assert_eq!(secrets[1]["state"], "retiring");
    assert_eq!(secrets[1]["secret_id"], app["secrets"][0]["secret_id"]);
    let until = at(&secrets[1]["expires_at"]);
    assert!(until >= before + chrono::Duration::hours(2) - chrono::Duration::seconds(1));
    assert!(until <= Utc::now() + chrono::Duration::hours(2));
    assert!(env.works(id, old) && env.works(id, new));

    // show: text has both secrets and the deadline; JSON carries them too.
    let text = env.ok(&["apps", "show", id]);
    assert!(
        text.contains("retiring") && text.contains("works until"),
        "{text}"
    );
    assert!(text.contains(s(&secrets[0], "secret_id")), "{text}");
    assert!(text.contains(s(&secrets[1], "secret_id")), "{text}");
    assert!(text.contains("never used"), "{text}");
    assert!(!text.contains(old), "the old secret is never shown");
    let shown = env.ok_json(&["apps", "show", id, "--json"]);
    assert_eq!(shown["secrets"], rotated["secrets"]);
    let listed = env.ok_json(&["apps", "list", "--json"]);
    assert_eq!(listed[0]["secrets"], rotated["secrets"]);

    // A second rotation is refused, saying what to do; nothing changes.
    let line = env.err(&["apps", "rotate", id, "--yes"]);
    assert!(line.contains("retire") && line.contains("reset"), "{line}");
    assert!(env.works(id, old) && env.works(id, new));

    // Retire needs --yes off a terminal, then ends the old secret.
    let line = env.err(&["apps", "retire", id]);
    assert!(line.contains("--yes"), "{line}");
    assert!(env.works(id, old));
    let done = env.ok(&["apps", "retire", id, "--yes"]);
    assert!(done.contains("Retired"), "{done}");
    assert!(!env.works(id, old) && env.works(id, new));
    let line = env.err(&["apps", "retire", id, "--yes"]);
    assert!(line.contains("no retiring secret"), "{line}");

    // Text output of a rotation prints the new secret once and the deadline.
    let text = env.ok(&["apps", "rotate", id, "--grace", "30s", "--yes"]);
    assert!(text.contains("Rotated the client secret"), "{text}");
    assert!(text.contains("works until"), "{text}");
}

#[test]
fn rotate_takes_its_default_grace_from_the_config() {
    let env = Env::new();
    env.write_config("rotation_grace = \"7d\"\n");
    let app = env.add("Payroll");
    let id = s(&app, "client_id");
    let rotated = env.ok_json(&["apps", "rotate", id, "--yes", "--json"]);
    let until = at(&rotated["secrets"][1]["expires_at"]);
    let days = (until - Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "{days} hours");
    // Without a config: 24 h.
    let env = Env::new();
    let app = env.add("Payroll");
    let rotated = env.ok_json(&["apps", "rotate", s(&app, "client_id"), "--yes", "--json"]);
    let hours = (at(&rotated["secrets"][1]["expires_at"]) - Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{hours} minutes");
}

#[test]
fn bad_durations_and_grace_out_of_range_are_one_clear_line() {
    let env = Env::new();
    let app = env.add("Payroll");
    let id = s(&app, "client_id");
    for bad in ["1w", "24", "1.5h", "-1h", "soon", "24H"] {
        let line = env.err(&["apps", "rotate", id, "--grace", bad, "--yes"]);
        assert!(line.contains("30s, 15m, 24h, 7d"), "{bad}: {line}");
        let line = env.err(&["apps", "list", "--unused-for", bad]);
        assert!(line.contains("30s, 15m, 24h, 7d"), "{bad}: {line}");
    }
    let line = env.err(&["apps", "rotate", id, "--grace", "31d", "--yes"]);
    assert!(line.contains("0s to 30d"), "{line}");
    let shown = env.ok_json(&["apps", "show", id, "--json"]);
    assert_eq!(
        shown["secrets"].as_array().unwrap().len(),
        1,
        "nothing rotated"
    );
    // A grace of 0 s ends the old secret at once.
    let old = s(&app, "client_secret");
    let rotated = env.ok_json(&["apps", "rotate", id, "--grace", "0s", "--yes", "--json"]);
    assert!(!env.works(id, old));
    assert_eq!(rotated["secrets"].as_array().unwrap().len(), 1, "{rotated}");
}

#[test]
fn list_unused_for_shows_applications_without_a_recent_token() {
    let env = Env::new();
    let recent = env.add("Recent");
    let stale = env.add("Stale");
    env.add("Never");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = env.store();
        let use_of = |app: &Value, ago: chrono::Duration| SecretUsage {
            client_id: ClientId::parse(s(app, "client_id")).unwrap(),
            secret_id: s(&app["secrets"][0], "secret_id").to_owned(),
            at: Utc::now() - ago,
            from: Some("10.0.0.7".into()),
        };
        store
            .record_usage(vec![
                use_of(&recent, chrono::Duration::days(1)),
                use_of(&stale, chrono::Duration::days(100)),
            ])
            .await
            .unwrap();
    });
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| s(a, "client_name").to_owned())
            .collect()
    };
    assert_eq!(
        names(env.ok_json(&["apps", "list", "--unused-for", "90d", "--json"])),
        ["Never", "Stale"]
    );
    assert_eq!(
        names(env.ok_json(&["apps", "list", "--unused-for", "12h", "--json"])),
        ["Never", "Recent", "Stale"]
    );
    let all = env.ok_json(&["apps", "list", "--json"]);
    let recent_row = all
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_name"] == "Recent")
        .unwrap();
    assert!(!recent_row["last_used_at"].is_null());
    assert_eq!(recent_row["secrets"][0]["last_used_from"], "10.0.0.7");
    let text = env.ok(&["apps", "list", "--unused-for", "90d"]);
    assert!(
        text.contains("LAST USED") && text.contains("never"),
        "{text}"
    );
    assert!(text.contains("Stale") && !text.contains("Recent"), "{text}");
    let shown = env.ok(&["apps", "show", s(&recent, "client_id")]);
    assert!(shown.contains("from 10.0.0.7"), "{shown}");
}
