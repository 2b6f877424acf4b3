//! Moving an embedded region to PostgreSQL (`keyward regions copy`): the
//! copy lists the same, every secret made before the move still gets a
//! token from `keyward serve` on the database (the retiring one too, a reset
//! one is still refused), the audit log verifies on the copy, copying
//! again and copying under another `secret.key` are refused with nothing
//! written, the database holds no
//! plaintext secret, and the URL's password never shows.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use keyward::catalog::Catalog;
use keyward::model::{AppName, Grant, NewApplication, Region, ScopeId, SecretUsage};
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;
use keyward::registry::postgres::{DatabaseUrl, PostgresRegistry};

use crate::support::postgres::{fresh_database_url, password};

const BIN: &str = env!("CARGO_BIN_EXE_keyward");
/// The variable holding the target database's URL, for the copy and for
/// the config that points region `us` at it afterwards.
const URL_VAR: &str = "KEYWARD_IT_COPY_DATABASE_URL";
const WINDOW: Duration = Duration::from_secs(900);

/// A data dir with two configs: `embedded` keeps region `us` in the data
/// dir, `postgres` points it at a new database.
struct Env {
    dir: tempfile::TempDir,
    data_dir: PathBuf,
    embedded: PathBuf,
    postgres: PathBuf,
    url: String,
}

impl Env {
    async fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let embedded = dir.path().join("embedded.toml");
        std::fs::write(&embedded, "[[region]]\nid = \"us\"\n").unwrap();
        let postgres = dir.path().join("postgres.toml");
        std::fs::write(
            &postgres,
            format!("[[region]]\nid = \"us\"\ndatabase_url_env = \"{URL_VAR}\"\n"),
        )
        .unwrap();
        Env {
            dir,
            data_dir,
            embedded,
            postgres,
            url: fresh_database_url().await,
        }
    }

    fn command(&self, config: &Path, data_dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEYWARD_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("KEYWARD_DATA_DIR", data_dir)
            .env("KEYWARD_CONFIG", config)
            .env(URL_VAR, &self.url)
            .env("HOME", self.dir.path().join("home"))
            .env_remove("RUST_LOG")
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// A command on the embedded config.
    fn embedded(&self, args: &[&str]) -> Output {
        self.command(&self.embedded, &self.data_dir, args)
            .output()
            .unwrap()
    }

    /// A command on the config that points region `us` at the database.
    fn postgres(&self, args: &[&str]) -> Output {
        self.command(&self.postgres, &self.data_dir, args)
            .output()
            .unwrap()
    }

    fn copy(&self, json: bool) -> Output {
        let mut args = vec![
            "regions",
            "copy",
            "--region",
            "us",
            "--to-database-url-env",
            URL_VAR,
            "--yes",
        ];
        if json {
            args.push("--json");
        }
        self.embedded(&args)
    }

    /// `keyward serve --region us` on the database, on a free port.
    fn serve_postgres(&self) -> (Child, String) {
        let mut child = self
            .command(
                &self.postgres,
                &self.data_dir,
                &["serve", "--region", "us", "--listen", "127.0.0.1:0"],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve printed {line:?}"))
            .to_owned();
        (child, url)
    }
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn s(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {v}"))
        .to_owned()
}

/// The secrets made in the embedded region before the move.
struct Made {
    /// Two grants, never changed.
    plain: (String, String),
    /// Rotated with a grace: (id, retiring secret, current secret).
    rotated: (String, String, String),
    /// Reset: (id, replaced secret, current secret).
    reset: (String, String, String),
}

impl Made {
    fn all_secrets(&self) -> Vec<&str> {
        vec![
            &self.plain.1,
            &self.rotated.1,
            &self.rotated.2,
            &self.reset.1,
            &self.reset.2,
        ]
    }
}

/// Three applications in the embedded region: one with grants, one rotated
/// with a grace (so it has a retiring secret), one reset (so it has a
/// previous secret).
fn populate(env: &Env) -> Made {
    let add = |name: &str, scopes: &[&str]| {
        let mut args = vec!["apps", "add", "--region", "us", "--name", name, "--json"];
        for scope in scopes {
            args.extend(["--scope", scope]);
        }
        let app = json(&env.embedded(&args));
        (s(&app, "client_id"), s(&app, "client_secret"))
    };
    let plain = add(
        "Payroll sync",
        &["ess:account=read", "forensics:account=write"],
    );
    let (rotated_id, before_rotation) = add("Billing export", &["ess:account=read"]);
    let rotated = json(&env.embedded(&[
        "apps",
        "rotate",
        &rotated_id,
        "--grace",
        "1h",
        "--yes",
        "--json",
    ]));
    let (reset_id, before_reset) = add("SIEM forwarder", &[]);
    let reset = json(&env.embedded(&["apps", "reset-secret", &reset_id, "--yes", "--json"]));
    Made {
        plain,
        rotated: (rotated_id, before_rotation, s(&rotated, "client_secret")),
        reset: (reset_id, before_reset, s(&reset, "client_secret")),
    }
}

async fn token(base: &str, id: &str, secret: &str) -> (u16, Value) {
    let reply = reqwest::Client::new()
        .post(format!("{base}/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap())
}

#[tokio::test]
async fn the_copy_lists_the_same_applications_grants_secrets_and_times() {
    let env = Env::new().await;
    let made = populate(&env);
    let before = json(&env.embedded(&["apps", "list", "--region", "us", "--json"]));
    let copied = json(&env.copy(true));
    assert_eq!(copied["region"], "us");
    assert_eq!(copied["copied"]["applications"], 3);
    assert_eq!(copied["copied"]["grants"], 3);
    assert_eq!(copied["copied"]["retiring_secrets"], 1);
    assert_eq!(copied["copied"]["previous_secrets"], 1);
    assert_eq!(copied["recent_secrets"], 3, "made minutes ago: {copied}");
    let after = json(&env.postgres(&["apps", "list", "--region", "us", "--json"]));
    assert_eq!(after, before);
    assert_eq!(after.as_array().unwrap().len(), 3);
    for id in [&made.plain.0, &made.rotated.0, &made.reset.0] {
        let embedded = json(&env.embedded(&["apps", "show", id, "--json"]));
        let postgres = json(&env.postgres(&["apps", "show", id, "--json"]));
        assert_eq!(postgres, embedded);
    }
    // The audit log, verbatim: its chain verifies on the copy.
    assert_eq!(
        copied["copied"]["audit_events"], 5,
        "3 adds, a rotation, a reset"
    );
    let audit = |out: Output| {
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let args = ["audit", "--region", "us", "--json"];
    assert_eq!(audit(env.postgres(&args)), audit(env.embedded(&args)));
    let verified = audit(env.postgres(&["audit", "verify", "--region", "us"]));
    assert!(
        verified.contains("region us: 5 event(s) verified"),
        "{verified}"
    );
    let rotated = json(&env.postgres(&["apps", "show", &made.rotated.0, "--json"]));
    let states: Vec<&str> = rotated["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["current", "retiring"], "{rotated}");
}

#[tokio::test]
async fn secrets_made_before_the_move_get_tokens_from_serve_on_postgres() {
    let env = Env::new().await;
    let made = populate(&env);
    let out = env.copy(false);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("cannot be shown there"), "{said}");
    let (mut server, base) = env.serve_postgres();
    assert_eq!(token(&base, &made.plain.0, &made.plain.1).await.0, 200);
    let (id, retiring, current) = &made.rotated;
    assert_eq!(
        token(&base, id, retiring).await.0,
        200,
        "the retiring secret"
    );
    assert_eq!(token(&base, id, current).await.0, 200);
    let (id, replaced, current) = &made.reset;
    let (status, body) = token(&base, id, replaced).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(token(&base, id, current).await.0, 200);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn copying_again_is_refused_and_changes_nothing() {
    let env = Env::new().await;
    populate(&env);
    json(&env.copy(true));
    let copied = json(&env.postgres(&["apps", "list", "--region", "us", "--json"]));
    // A change in the embedded region after the first copy, then again.
    json(&env.embedded(&["apps", "add", "--region", "us", "--name", "Late", "--json"]));
    let out = env.copy(false);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("already has 3 application(s)") && err.contains("nothing was copied"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    let now = json(&env.postgres(&["apps", "list", "--region", "us", "--json"]));
    assert_eq!(now, copied);
}

#[tokio::test]
async fn a_database_holding_another_key_for_the_region_is_refused() {
    let env = Env::new().await;
    populate(&env);
    // Another data dir (so another secret.key) set the region up first.
    let other = env.dir.path().join("other-data");
    let out = env
        .command(&env.postgres, &other, &["apps", "list", "--json"])
        .output()
        .unwrap();
    assert_eq!(json(&out), Value::Array(vec![]));
    let out = env.copy(false);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("already uses another secret.key")
            && err.contains("nothing was copied")
            && err.contains("every replica that serves region us this data dir's secret.key"),
        "{err}"
    );
    let out = env
        .command(&env.postgres, &other, &["apps", "list", "--json"])
        .output()
        .unwrap();
    assert_eq!(json(&out), Value::Array(vec![]), "nothing was written");
}

#[tokio::test]
async fn a_region_that_is_not_embedded_is_refused() {
    let env = Env::new().await;
    let out = env.postgres(&[
        "regions",
        "copy",
        "--region",
        "us",
        "--to-database-url-env",
        URL_VAR,
        "--yes",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("configured as a PostgreSQL region"), "{err}");
}

#[tokio::test]
async fn a_dump_of_the_copy_holds_no_plaintext_secret() {
    use base64::Engine;
    let env = Env::new().await;
    let made = populate(&env);
    json(&env.copy(true));
    let out = Command::new(crate::support::postgres::bin("pg_dump"))
        .arg("--dbname")
        .arg(&env.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(dump.contains(&made.plain.0), "the dump holds the copy");
    for secret in made.all_secrets() {
        for form in [
            secret.to_string(),
            base64::engine::general_purpose::STANDARD.encode(secret),
            secret.bytes().map(|b| format!("{b:02x}")).collect(),
        ] {
            assert!(!dump.contains(&form), "a secret is in the dump");
        }
    }
}

/// In the summary (text and JSON), in a refusal, in a failed connection
/// and for a URL in a file.
#[tokio::test]
async fn the_password_never_appears_in_output_or_errors() {
    let env = Env::new().await;
    let pw = password();
    populate(&env);
    let mut seen = vec![text(&env.copy(false)), text(&env.copy(true))];
    let file = env.dir.path().join("target.url");
    std::fs::write(&file, &env.url).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let args = |f: &Path| {
        vec![
            "regions".to_string(),
            "copy".into(),
            "--region".into(),
            "us".into(),
            "--to-database-url-file".into(),
            f.display().to_string(),
            "--yes".into(),
        ]
    };
    let run = |config: &Path, a: Vec<String>, url: &str| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let mut cmd = env.command(config, &env.data_dir, &a);
        cmd.env(URL_VAR, url);
        text(&cmd.output().unwrap())
    };
    seen.push(run(&env.embedded, args(&file), &env.url));
    let wrong = env.url.replace(&format!(":{pw}@"), ":wrong-pw-8k2v@");
    std::fs::write(&file, &wrong).unwrap();
    let failed = run(&env.embedded, args(&file), &env.url);
    assert!(failed.contains("postgres://keyward@127.0.0.1:"), "{failed}");
    assert!(!failed.contains("wrong-pw-8k2v"), "{failed}");
    seen.push(failed);
    assert!(
        seen[0].contains("Copied region us to postgres://keyward@127.0.0.1:"),
        "{}",
        seen[0]
    );
    assert!(seen[1].contains("already has 3"), "{}", seen[1]);
    for said in &seen {
        assert!(!said.contains(&pw), "the password is shown: {said}");
    }
}

fn new_app(name: &str, grants: Vec<Grant>) -> NewApplication {
    NewApplication {
        client_name: AppName::parse(name).unwrap(),
        grants,
        admin: false,
    }
}

/// Through the library: every row kind (usage included, which the CLI test
/// cannot make without a timed wait) reads back the same from the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_reads_back_the_same_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::builtin());
    let store = EmbeddedStore::open(dir.path(), catalog.clone(), WINDOW).unwrap();
    let us = Region::new("us").unwrap();
    let embedded = store.registry(us.clone());
    let read = Grant::new(
        ScopeId::parse("ess:account").unwrap(),
        "read".parse().unwrap(),
    );
    let mut issued = Vec::new();
    for i in 0..12 {
        issued.push(
            embedded
                .create(new_app(&format!("App {i}"), vec![read.clone()]))
                .await
                .unwrap(),
        );
    }
    let id = |i: usize| issued[i].application.client_id.clone();
    // A pruned log: the copy must start from the same checkpoint.
    let pruned = embedded
        .prune_audit(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(pruned, 12);
    embedded.reset_secret(&id(0)).await.unwrap();
    embedded.reset_secret(&id(0)).await.unwrap();
    let rotated = embedded
        .rotate_secret(&id(1), chrono::Duration::hours(2))
        .await
        .unwrap();
    let usage = |i: usize, secret_id: &str, from: &str| SecretUsage {
        client_id: id(i),
        secret_id: secret_id.to_owned(),
        at: chrono::Utc::now(),
        from: Some(from.to_owned()),
    };
    let retiring_id = issued[1].application.secrets[0].secret_id.clone();
    let current_id = rotated.application.secrets[0].secret_id.clone();
    embedded
        .record_usage(vec![
            usage(1, &retiring_id, "10.0.0.1"),
            usage(1, &current_id, "10.0.0.2"),
            usage(2, &issued[2].application.secrets[0].secret_id, "10.0.0.3"),
        ])
        .await
        .unwrap();
    // A suspended application stays suspended, a trashed one in the trash.
    embedded.suspend(&id(3)).await.unwrap();
    embedded.delete(&id(4)).await.unwrap();
    // Another region's rows stay behind.
    store
        .registry(Region::new("uk").unwrap())
        .create(new_app("Elsewhere", vec![]))
        .await
        .unwrap();

    let snapshot = embedded.export_region().await.unwrap();
    assert_eq!(snapshot.applications.len(), 12);
    assert_eq!(snapshot.previous_secrets.len(), 2);
    assert_eq!(snapshot.secret_usage.len(), 3);
    assert_eq!(
        snapshot.audit_events.len(),
        5,
        "two resets, a rotation, a suspension and a delete"
    );
    assert!(snapshot.audit_checkpoint.is_some());
    let url = DatabaseUrl::parse(&fresh_database_url().await).unwrap();
    let target = PostgresRegistry::connect(&url, dir.path(), us, catalog, WINDOW).unwrap();
    let mut reported = Vec::new();
    let report = target
        .import_region(&snapshot, |n| reported.push(n))
        .await
        .unwrap();
    assert_eq!(report, snapshot.counts());
    assert_eq!(reported, [12]);
    assert_eq!(target.list().await.unwrap(), embedded.list().await.unwrap());
    let trash = target.list_deleted().await.unwrap();
    assert_eq!(trash, embedded.list_deleted().await.unwrap());
    assert_eq!(trash[0].client_id, id(4));
    assert!(target.get(&id(3)).await.unwrap().is_suspended());
    // The replaced secrets are still told apart from noise.
    let replaced = &issued[0].reveal.secret;
    assert!(
        target
            .replaced_at(&id(0), replaced)
            .await
            .unwrap()
            .is_some()
    );
    let checked = |v: Result<(u64, Option<keyward::model::ChainHead>), _>| v.unwrap();
    let copied = checked(target.verify_audit(None).await.unwrap());
    assert_eq!(copied, checked(embedded.verify_audit(None).await.unwrap()));
    assert_eq!(copied.0, 5);
    let shown = format!("{snapshot:?}");
    assert!(!shown.contains(&format!("{:?}", snapshot.applications[0].secret_hash.0)));
}

/// A region the database has no applications in but an audit log for (all
/// deleted there) is refused: the copied chain cannot follow another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_with_an_audit_log_in_the_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::builtin());
    let store = EmbeddedStore::open(dir.path(), catalog.clone(), WINDOW).unwrap();
    let us = Region::new("us").unwrap();
    let embedded = store.registry(us.clone());
    embedded.create(new_app("Kept", vec![])).await.unwrap();
    let url = DatabaseUrl::parse(&fresh_database_url().await).unwrap();
    let target = PostgresRegistry::connect(&url, dir.path(), us, catalog, WINDOW).unwrap();
    let gone = target.create(new_app("Gone", vec![])).await.unwrap();
    target.delete(&gone.application.client_id).await.unwrap();
    target.purge(&gone.application.client_id).await.unwrap();
    let snapshot = embedded.export_region().await.unwrap();
    let e = target.import_region(&snapshot, |_| {}).await.unwrap_err();
    assert!(
        matches!(
            e,
            keyward::registry::postgres::CopyError::AuditLogNotEmpty { events: 3, .. }
        ),
        "{e}"
    );
    assert!(
        target.list().await.unwrap().is_empty(),
        "nothing was written"
    );
}

/// The region's signing keys go too: the database serves the same JWKS, and
/// the key that signed before the move still signs after it.
#[tokio::test]
async fn the_signing_keys_move_with_the_region() {
    let env = Env::new().await;
    populate(&env);
    // Keys are made on first use: a rotation makes the first and a second.
    let rotated = env.embedded(&["keys", "rotate", "--region", "us", "--yes", "--json"]);
    assert!(rotated.status.success(), "{}", text(&rotated));
    let before = json(&env.embedded(&["keys", "list", "--region", "us", "--json"]));
    assert_eq!(before.as_array().unwrap().len(), 2, "{before}");
    let out = env.copy(true);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["copied"]["signing_keys"], 2, "{}", text(&out));
    let after = json(&env.postgres(&["keys", "list", "--region", "us", "--json"]));
    assert_eq!(before, after);
    let (mut server, base) = env.serve_postgres();
    let jwks: Value = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut served: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    let mut listed: Vec<&str> = before
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    served.sort_unstable();
    listed.sort_unstable();
    assert_eq!(served, listed);
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A server that ran on the database before the copy made the region a key
/// of its own: the copied keys cannot join it, so nothing is copied.
#[tokio::test]
async fn a_region_with_signing_keys_of_its_own_is_refused() {
    let env = Env::new().await;
    populate(&env);
    let rotated = env.embedded(&["keys", "rotate", "--region", "us", "--yes"]);
    assert!(rotated.status.success(), "{}", text(&rotated));
    let listed = env.postgres(&["keys", "list", "--region", "us", "--json"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let out = env.copy(false);
    assert!(!out.status.success());
    assert!(text(&out).contains("signing key"), "{}", text(&out));
    let apps = json(&env.postgres(&["apps", "list", "--json"]));
    assert_eq!(apps.as_array().unwrap().len(), 0, "nothing was copied");
}
