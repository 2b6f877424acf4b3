//! A killed process loses nothing it acknowledged: writers are SIGKILLed in the
//! middle of bursts of creates and resets, then the data dir is checked.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{ClientId, ClientSecret, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;

fn keyward(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
    cmd.env_remove("KEYWARD_CLIPBOARD")
        .env("KEYWARD_DATA_DIR", dir.join("data"))
        .env("KEYWARD_CONFIG", dir.join("config.toml"));
    cmd
}

/// Client ID → secret for every complete JSON line of `text`.
fn acknowledged(lines: &[String]) -> HashMap<String, String> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            Some((
                v["client_id"].as_str()?.to_owned(),
                v["client_secret"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn integrity_ok(dir: &std::path::Path) {
    let conn = rusqlite::Connection::open(dir.join("data/keyward.db")).unwrap();
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(result, "ok");
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM grants WHERE client_id NOT IN (SELECT client_id FROM applications)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "no half-written application");
}

async fn assert_all_verify(dir: &std::path::Path, acked: &HashMap<String, String>) {
    let store = EmbeddedStore::open(
        &dir.join("data"),
        Arc::new(Catalog::builtin()),
        Duration::from_secs(900),
    )
    .unwrap();
    let us = store.registry(Region::new("us").unwrap());
    for (id, secret) in acked {
        let id = ClientId::parse(id).unwrap();
        let app = us
            .get(&id)
            .await
            .expect("an acknowledged application is present");
        assert!(!app.grants.is_empty(), "with its grants");
        assert!(
            us.verify_secret(&id, &ClientSecret::from_string(secret.clone()))
                .await
                .unwrap(),
            "its acknowledged secret works"
        );
    }
}

#[tokio::test]
async fn import_killed_mid_burst_keeps_every_acknowledged_batch() {
    let dir = tempfile::tempdir().unwrap();
    let input: String = (0..20_000)
        .map(|i| {
            format!(
                "{{\"client_name\":\"Bulk {i:05}\",\"scopes\":[{{\"scope\":\"ess:account\",\"access\":\"read\"}}]}}\n"
            )
        })
        .collect();
    let mut child = keyward(dir.path())
        .args(["apps", "import", "--region", "us", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    // Read past the first batch, then kill in the middle of the run.
    let mut lines = Vec::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    while lines.len() < 1500 {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        lines.push(line);
    }
    child.kill().unwrap();
    // Whatever was already on its way out was acknowledged too.
    for line in out.lines() {
        match line {
            Ok(l) => lines.push(l),
            Err(_) => break,
        }
    }
    child.wait().unwrap();
    let acked = acknowledged(&lines);
    assert!(acked.len() >= 1000, "at least one batch was acknowledged");

    integrity_ok(dir.path());
    assert_all_verify(dir.path(), &acked).await;
    // The next start works with no repair, and sees whole batches only.
    let list = keyward(dir.path())
        .args(["apps", "list", "--region", "us", "--json"])
        .output()
        .unwrap();
    assert!(list.status.success());
    let n = serde_json::from_slice::<Vec<serde_json::Value>>(&list.stdout)
        .unwrap()
        .len();
    assert!(n >= acked.len());
    assert_eq!(n % 1000, 0, "batches are all-or-nothing, found {n}");
}

#[tokio::test]
async fn adds_and_resets_killed_at_random_moments_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    // Applications to reset, one per resetting process, so every acknowledged
    // reset must be the secret that works now.
    let mut seeded = HashMap::new();
    for i in 0..8 {
        let out = keyward(dir.path())
            .args([
                "apps",
                "add",
                "--region",
                "us",
                "--name",
                &format!("Seed {i}"),
            ])
            .args(["--scope", "audit:logs=read", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        seeded.extend(acknowledged(&[String::from_utf8(out.stdout)
            .unwrap()
            .replace('\n', "")]));
    }
    let seeds: Vec<String> = seeded.keys().cloned().collect();

    let mut children: Vec<Child> = Vec::new();
    for i in 0..24 {
        let mut cmd = keyward(dir.path());
        if i % 3 == 0 {
            cmd.args([
                "apps",
                "reset-secret",
                &seeds[i % seeds.len()],
                "--yes",
                "--json",
            ]);
        } else {
            cmd.args([
                "apps",
                "add",
                "--region",
                "us",
                "--name",
                &format!("Burst {i}"),
            ])
            .args(["--scope", "forensics:account=write", "--json"]);
        }
        children.push(
            cmd.stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    // Kill every other process at staggered moments; let the rest finish.
    for (i, child) in children.iter_mut().enumerate() {
        if i % 2 == 1 {
            std::thread::sleep(Duration::from_millis((i as u64 * 7) % 40));
            let _ = child.kill();
        }
    }
    let mut acked = HashMap::new();
    let mut resets: HashMap<String, String> = HashMap::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            continue;
        }
        let text = String::from_utf8(out.stdout).unwrap().replace('\n', "");
        for (id, secret) in acknowledged(&[text]) {
            if seeded.contains_key(&id) {
                resets.insert(id, secret);
            } else {
                acked.insert(id, secret);
            }
        }
    }
    assert!(!acked.is_empty(), "some adds finished");
    integrity_ok(dir.path());
    assert_all_verify(dir.path(), &acked).await;
    assert!(!resets.is_empty(), "some resets finished");
    assert_all_verify(dir.path(), &resets).await;
    let list = keyward(dir.path())
        .args(["apps", "list", "--region", "us", "--json"])
        .output()
        .unwrap();
    assert!(list.status.success(), "the next start needs no repair");
    let n = serde_json::from_slice::<Vec<serde_json::Value>>(&list.stdout)
        .unwrap()
        .len();
    assert!(n >= seeds.len() + acked.len());
}

/// Starts `keyward serve` on the data dir under `dir` and returns it with its URL.
fn serve(dir: &std::path::Path) -> (Child, String) {
    let mut server = keyward(dir)
        .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (server, url)
}

#[allow(clippy::too_many_lines)] // One end-to-end scenario whose steps build on each other, read top to bottom.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_burst_keeps_every_acknowledged_create_and_reset() {
    let dir = tempfile::tempdir().unwrap();
    let out = keyward(dir.path())
        .args([
            "apps",
            "add",
            "--region",
            "us",
            "--name",
            "Crash admin",
            "--admin",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let admin: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (mut server, url) = serve(dir.path());
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{url}/oauth2/token"))
        .basic_auth(
            admin["client_id"].as_str().unwrap(),
            admin["client_secret"].as_str(),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = token["access_token"].as_str().unwrap().to_owned();

    // Four writers: creates, and resets of what they created; each reply that
    // arrives is an acknowledgement.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (http, url, bearer) = (http.clone(), url.clone(), bearer.clone());
            tokio::spawn(async move {
                let mut acked: HashMap<String, String> = HashMap::new();
                let mut unsure: Vec<String> = Vec::new();
                for i in 0..200 {
                    let created = http
                        .post(format!("{url}/admin/v1/applications"))
                        .bearer_auth(&bearer)
                        .json(&serde_json::json!({
                            "client_name": format!("Server burst {w}-{i}"),
                            "scopes": [{"scope": "ess:account", "access": "read"}]
                        }))
                        .send()
                        .await;
                    let Ok(resp) = created else { break };
                    let Ok(app) = resp.json::<serde_json::Value>().await else {
                        break;
                    };
                    let id = app["client_id"].as_str().unwrap().to_owned();
                    acked.insert(
                        id.clone(),
                        app["client_secret"].as_str().unwrap().to_owned(),
                    );
                    let reset = http
                        .post(format!("{url}/admin/v1/applications/{id}/secret"))
                        .bearer_auth(&bearer)
                        .send()
                        .await;
                    // A reset that got no reply may or may not have landed:
                    // the application must exist, but either secret may work.
                    let Ok(resp) = reset else {
                        unsure.push(acked.remove(&id).map(|_| id).unwrap_or_default());
                        break;
                    };
                    let Ok(app) = resp.json::<serde_json::Value>().await else {
                        unsure.push(acked.remove(&id).map(|_| id).unwrap_or_default());
                        break;
                    };
                    acked.insert(id, app["client_secret"].as_str().unwrap().to_owned());
                }
                (acked, unsure)
            })
        })
        .collect();
    // Kill the server once some writes have landed, in the middle of the burst.
    for _ in 0..200 {
        let n: i64 = rusqlite::Connection::open(dir.path().join("data/keyward.db"))
            .and_then(|c| c.query_row("SELECT count(*) FROM applications", [], |r| r.get(0)))
            .unwrap_or(0);
        if n > 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let mut acked = HashMap::new();
    let mut unsure = Vec::new();
    for w in writers {
        let (a, u) = w.await.unwrap();
        acked.extend(a);
        unsure.extend(u.into_iter().filter(|id| !id.is_empty()));
    }
    assert!(
        acked.len() >= 10,
        "writes were acknowledged: {}",
        acked.len()
    );

    integrity_ok(dir.path());
    assert_all_verify(dir.path(), &acked).await;
    let store = EmbeddedStore::open(
        &dir.path().join("data"),
        Arc::new(Catalog::builtin()),
        Duration::from_secs(900),
    )
    .unwrap();
    let us = store.registry(Region::new("us").unwrap());
    for id in &unsure {
        let id = ClientId::parse(id).unwrap();
        assert!(
            us.get(&id).await.is_ok(),
            "an acknowledged create is present"
        );
    }
    // The next start works with no repair.
    let (mut again, url) = serve(dir.path());
    let health = http.get(format!("{url}/healthz")).send().await.unwrap();
    assert!(health.status().is_success());
    again.kill().unwrap();
    again.wait().unwrap();
}
