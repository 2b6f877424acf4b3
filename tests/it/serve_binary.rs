//! The `keyward serve` binary: it starts, serves, logs without secrets or
//! tokens, manages a remote region for the CLI, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use serde_json::Value;

fn keyward(data: &std::path::Path, config: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyward"));
    c.env("KEYWARD_DATA_DIR", data)
        .env("KEYWARD_CONFIG", config)
        .env_remove("RUST_LOG");
    c
}

#[allow(clippy::too_many_lines)] // One end-to-end scenario whose steps build on each other, read top to bottom.
#[tokio::test]
async fn serve_logs_no_secrets_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server-data");
    let none = dir.path().join("none.toml");
    let out = keyward(&data, &none)
        .args([
            "apps", "add", "--region", "us", "--name", "Admin", "--admin", "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let admin: Value = serde_json::from_slice(&out.stdout).unwrap();
    let admin_id = admin["client_id"].as_str().unwrap().to_owned();
    let admin_secret = admin["client_secret"].as_str().unwrap().to_owned();

    let mut child = keyward(&data, &none)
        // Every line a request can write, so every one is checked for secrets.
        .args([
            "serve",
            "--region",
            "us",
            "--listen",
            "127.0.0.1:0",
            "--log-requests",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect(&line)
        .to_owned();

    // A token, a failed attempt, and an admin call through the CLI's remote region.
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{url}/oauth2/token"))
        .basic_auth(&admin_id, Some(&admin_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = client
        .post(format!("{url}/oauth2/token?client_secret={admin_secret}"))
        .basic_auth(&admin_id, Some("wrong-secret-value"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let secret_file = dir.path().join("admin.secret");
    std::fs::write(&secret_file, &admin_secret).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[region]]\nid = \"us\"\nurl = \"{url}\"\nclient_id = \"{admin_id}\"\nclient_secret_file = \"{}\"\n",
            secret_file.display()
        ),
    )
    .unwrap();
    let client_data = dir.path().join("client-data");
    let out = keyward(&client_data, &config)
        .args([
            "apps",
            "add",
            "--region",
            "us",
            "--name",
            "Over HTTP",
            "--scope",
            "ess:account=read",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = keyward(&client_data, &config)
        .args(["apps", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Over HTTP"));
    let out = keyward(&client_data, &config)
        .args(["regions"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&url));

    // SIGTERM: a graceful stop with exit code 0.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("token issued") && logs.contains("/oauth2/token"),
        "{logs}"
    );
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(
        !logs.contains('\x1b'),
        "no colour codes in logs off a terminal: {logs}"
    );
    for secret in [
        admin_secret.as_str(),
        created["client_secret"].as_str().unwrap(),
        "wrong-secret-value",
    ] {
        assert!(!logs.contains(secret), "a secret reached the log");
    }
    // Not the token, nor its signature.
    assert!(!logs.contains(&token) && !logs.contains(token.rsplit('.').next().unwrap()));
}

/// Killed with SIGKILL, the server loses at most the usage it noted since its
/// last write: what it wrote before stays, and so does every change made
/// meanwhile (a rotation, with both of its secrets).
#[tokio::test]
async fn sigkill_loses_at_most_the_last_flush_interval_of_usage() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "usage_flush_seconds = 1\n").unwrap();
    let add = keyward(&data, &config)
        .args([
            "apps", "add", "--region", "us", "--name", "Payroll", "--json",
        ])
        .output()
        .unwrap();
    assert!(add.status.success());
    let app: Value = serde_json::from_slice(&add.stdout).unwrap();
    let id = app["client_id"].as_str().unwrap().to_owned();
    let old = app["client_secret"].as_str().unwrap().to_owned();
    let mut child = keyward(&data, &config)
        .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
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
        .expect(&line)
        .to_owned();
    let rotate = keyward(&data, &config)
        .args(["apps", "rotate", &id, "--grace", "1h", "--yes", "--json"])
        .output()
        .unwrap();
    assert!(rotate.status.success());
    let rotated: Value = serde_json::from_slice(&rotate.stdout).unwrap();
    let new = rotated["client_secret"].as_str().unwrap().to_owned();
    let token = |secret: String| {
        let url = url.clone();
        let id = id.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{url}/oauth2/token"))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", id.as_str()),
                    ("client_secret", secret.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(token(old.clone()).await, 200);
    let show = || {
        let out = keyward(&data, &config)
            .args(["apps", "show", &id, "--json"])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    // Wait (bounded) for the old secret's use to be written.
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let written = loop {
        let shown = show();
        if !shown["secrets"][1]["last_used_at"].is_null() || std::time::Instant::now() > give_up {
            break shown;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(
        !written["secrets"][1]["last_used_at"].is_null(),
        "{written}"
    );
    // Then a use that may not be written yet, and SIGKILL at once.
    assert_eq!(token(new.clone()).await, 200);
    let status = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    let after = show();
    assert_eq!(
        after["secrets"].as_array().unwrap().len(),
        2,
        "the rotation stands: {after}"
    );
    assert_eq!(
        after["secrets"][1]["last_used_at"], written["secrets"][1]["last_used_at"],
        "what was written stays"
    );
    assert_eq!(after["secrets"][1]["last_used_from"], "127.0.0.1");
    assert!(!after["last_used_at"].is_null());
}
