//! Several CLI writers and a running server share one embedded data dir at once:
//! nothing is lost, no "database is locked" reaches a user, and the server
//! keeps issuing tokens throughout. (The UI picking up others' changes is in
//! tests/tui_tmux.rs.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[allow(clippy::too_many_lines)] // One end-to-end scenario whose steps build on each other, read top to bottom.
#[test]
fn four_writers_times_forty_adds_all_land_beside_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let keyward = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_keyward"));
        c.env("KEYWARD_DATA_DIR", dir.path().join("data"))
            .env("KEYWARD_CONFIG", dir.path().join("config.toml"));
        c
    };
    let out = keyward()
        .args([
            "apps",
            "add",
            "--region",
            "us",
            "--name",
            "Token user",
            "--json",
        ])
        .output()
        .unwrap();
    let app: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (id, secret) = (
        app["client_id"].as_str().unwrap().to_owned(),
        app["client_secret"].as_str().unwrap().to_owned(),
    );
    let mut server = keyward()
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
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let tokens = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let http = reqwest::Client::new();
                let mut statuses = Vec::new();
                // Bounded: at most 2,000 requests, and only while the writers run.
                for _ in 0..2000 {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let r = http
                        .post(format!("{url}/oauth2/token"))
                        .basic_auth(&id, Some(&secret))
                        .form(&[("grant_type", "client_credentials")])
                        .send()
                        .await
                        .unwrap();
                    statuses.push(r.status().as_u16());
                }
                statuses
            })
        })
    };
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let data = dir.path().join("data");
            let config = dir.path().join("config.toml");
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..40 {
                    let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
                        .env("KEYWARD_DATA_DIR", &data)
                        .env("KEYWARD_CONFIG", &config)
                        .args([
                            "apps",
                            "add",
                            "--region",
                            if w % 2 == 0 { "us" } else { "uk" },
                        ])
                        .args(["--name", &format!("Writer {w} app {i}"), "--json"])
                        .output()
                        .unwrap();
                    if !out.status.success() {
                        failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let statuses = tokens.join().unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(failures.is_empty(), "every add succeeded: {failures:?}");
    assert!(!statuses.is_empty());
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every token request succeeded during the writes: {:?}",
        statuses.iter().filter(|s| **s != 200).collect::<Vec<_>>()
    );

    let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .env("KEYWARD_DATA_DIR", dir.path().join("data"))
        .env("KEYWARD_CONFIG", dir.path().join("config.toml"))
        .args(["apps", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let apps: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(apps.len(), 161);
    let us = apps.iter().filter(|a| a["region"] == "us").count();
    assert_eq!(us, 81);
}
