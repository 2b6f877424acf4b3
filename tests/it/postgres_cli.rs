//! A PostgreSQL region through the binary: `keyward regions` never shows the
//! URL's password, the CLI manages the region like an embedded one,
//! `keyward serve` serves it, a reset from the CLI is refused by the running
//! server on its next request, concurrent CLI writers lose nothing, and
//! `keyward doctor` checks the database.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::pg_region::PgRegion as Env;
use crate::support::postgres::password;

const BIN: &str = env!("CARGO_BIN_EXE_keyward");

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {v}"))
}

async fn token_status(base: &str, id: &str, secret: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn regions_shows_the_url_without_its_password() {
    let env = Env::fresh().await;
    let pw = password();
    for args in [&["regions"][..], &["regions", "--json"][..]] {
        let out = env.output(args);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("postgres://keyward@127.0.0.1:"), "{text}");
        assert!(!text.contains(&pw), "the password is shown: {text}");
    }
    // The same from a file, which must be private.
    let file = env.dir.path().join("us.url");
    std::fs::write(&file, format!("{}\n", env.url)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(
        &env.config,
        format!(
            "[[region]]\nid = \"us\"\ndatabase_url_file = \"{}\"\n",
            file.display()
        ),
    )
    .unwrap();
    let out = env.output(&["apps", "list", "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("chmod 600"), "{err}");
    assert!(!err.contains(&pw));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = env.output(&["regions"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("postgres://keyward@127.0.0.1:") && !text.contains(&pw),
        "{text}"
    );
    assert_eq!(env.json(&["apps", "list", "--json"]), Value::Array(vec![]));
}

/// A wrong password: the CLI's error names the database, never the password.
#[tokio::test]
async fn a_failed_connection_never_shows_the_password() {
    let mut env = Env::fresh().await;
    let pw = password();
    env.url = env.url.replace(&format!(":{pw}@"), ":wrong-pw-5z7q@");
    let out = env.output(&["apps", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("postgres://keyward@127.0.0.1:"), "{err}");
    assert!(
        !err.contains("wrong-pw-5z7q") && !err.contains(&pw),
        "{err}"
    );
}

#[tokio::test]
async fn serve_gives_tokens_and_refuses_a_secret_reset_from_the_cli_at_once() {
    let env = Env::fresh().await;
    let app = env.json(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Billing",
        "--scope",
        "ess:account=read",
        "--json",
    ]);
    let (id, old) = (s(&app, "client_id"), s(&app, "client_secret"));
    let (mut server, base) = env.serve();
    assert_eq!(token_status(&base, id, old).await, 200);

    let reset = env.json(&["apps", "reset-secret", id, "--yes", "--json"]);
    let new = s(&reset, "client_secret");
    assert_eq!(
        token_status(&base, id, old).await,
        401,
        "the old secret is refused at once"
    );
    assert_eq!(token_status(&base, id, new).await, 200);

    let listed = env.json(&["apps", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Four CLI processes adding 20 applications each, at once: all 80 land.
#[tokio::test]
async fn concurrent_cli_writers_lose_nothing() {
    let env = Env::fresh().await;
    // The first command sets the schema and the key up.
    env.json(&["apps", "list", "--json"]);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let script = (0..20)
                .map(|i| {
                    format!(
                        "\"$0\" apps add --region us --name 'Writer {w} app {i}' --json || exit 1"
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            let out = env.dir.path().join(format!("writer-{w}.jsonl"));
            let mut sh = Command::new("sh");
            sh.arg("-c")
                .arg(script)
                .arg(BIN)
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(out).unwrap())
                .stderr(Stdio::piped());
            env.environment(&mut sh);
            sh.spawn().unwrap()
        })
        .collect();
    for w in writers {
        let out = w.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let listed = env.json(&["apps", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 80);
}

#[tokio::test]
async fn doctor_checks_the_database() {
    let env = Env::fresh().await;
    env.json(&["apps", "list", "--json"]);
    let out = env.output(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("postgres postgres://keyward@127.0.0.1:") && text.contains("schema version"),
        "{text}"
    );
    assert!(!text.contains(&password()));
    // Another data dir's key is named, with the fix.
    std::fs::remove_file(env.data_dir.join("secret.key")).unwrap();
    std::fs::write(env.data_dir.join("secret.key"), [7u8; 32]).unwrap();
    std::fs::set_permissions(
        env.data_dir.join("secret.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let out = env.output(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("not the region's key") && text.contains("copy secret.key"),
        "{text}"
    );
}

/// A replica whose `secret.key` is not the region's: `keyward serve`
/// refuses to start and says what to copy.
#[tokio::test]
async fn serve_with_another_key_refuses_to_start() {
    let env = Env::fresh().await;
    env.json(&["apps", "list", "--json"]);
    let other = Env {
        dir: tempfile::tempdir().unwrap(),
        data_dir: env.dir.path().join("other-data"),
        config: env.config.clone(),
        url: env.url.clone(),
    };
    let out = other.output(&["serve", "--region", "us", "--listen", "127.0.0.1:0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("same key") && err.contains("Copy secret.key"),
        "{err}"
    );
    assert!(!err.contains(&password()), "{err}");
}

/// The full-screen UI on a PostgreSQL region (its URL in a 0600 file): it
/// lists what the CLI added, picks up another process's add by itself, and
/// adds an application the CLI then sees.
#[tokio::test]
async fn the_tui_manages_a_postgres_region() {
    let env = Env::fresh().await;
    let file = env.dir.path().join("us.url");
    std::fs::write(&file, &env.url).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        &env.config,
        format!(
            "[[region]]\nid = \"us\"\ndatabase_url_file = \"{}\"\n",
            file.display()
        ),
    )
    .unwrap();
    env.json(&[
        "apps", "add", "--region", "us", "--name", "Billing", "--json",
    ]);
    let pane = crate::support::tmux::Pane::start(
        "pg-tui",
        &[],
        &format!(
            "'{BIN}' --data-dir '{}' --config '{}' tui --region us",
            env.data_dir.display(),
            env.config.display()
        ),
    );
    pane.wait_for("Billing");
    env.json(&[
        "apps", "add", "--region", "us", "--name", "Payroll", "--json",
    ]);
    pane.wait_for("Payroll");
    pane.keys(&["a"]);
    pane.wait_for("Add an application");
    pane.text("From the UI");
    pane.keys(&["Tab", "Right", "Enter"]);
    pane.wait_for("Added From the UI");
    let listed = env.json(&["apps", "list", "--json"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing", "From the UI", "Payroll"]);
}

/// The audit log of a PostgreSQL region through the binary: the CLI's
/// changes, with the CLI as their actor, and a chain that verifies.
#[tokio::test]
async fn the_cli_reads_and_verifies_the_audit_log_of_a_postgres_region() {
    let env = Env::fresh().await;
    let app = env.json(&[
        "apps", "add", "--region", "us", "--name", "Billing", "--json",
    ]);
    let id = s(&app, "client_id");
    let out = env.output(&["apps", "rename", id, "Billing export"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.output(&["audit", "--region", "us", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = events.iter().map(|e| s(e, "action")).collect();
    assert_eq!(
        actions,
        ["create", "rename"],
        "oldest first, as a log reads"
    );
    assert!(events.iter().all(|e| e["actor"]["via"] == "cli"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(s(&app, "client_secret")));
    let verify = env.output(&["audit", "verify", "--region", "us"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}
