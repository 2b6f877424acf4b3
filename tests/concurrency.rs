//! Several CLI writers share one embedded data dir at once: nothing is lost and
//! no "database is locked" reaches a user.

use std::process::Command;

#[test]
fn four_writers_times_forty_adds_all_land() {
    let dir = tempfile::tempdir().unwrap();
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
    assert!(failures.is_empty(), "every add succeeded: {failures:?}");

    let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .env("KEYWARD_DATA_DIR", dir.path().join("data"))
        .env("KEYWARD_CONFIG", dir.path().join("config.toml"))
        .args(["apps", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let apps: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(apps.len(), 160);
    let us = apps.iter().filter(|a| a["region"] == "us").count();
    assert_eq!(us, 80);
}
