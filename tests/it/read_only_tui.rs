//! Read-only mode in the real UI: under `keyward --read-only`, in tmux, the
//! write keys and the palette's write commands say why and change nothing
//! (the store is checked afterwards with `apps list --json`).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::tmux::Pane;

const BIN: &str = env!("CARGO_BIN_EXE_keyward");

fn list(dir: &Path) -> Value {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["apps", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn under_read_only_a_r_d_e_and_s_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(d.join("data"))
        .arg("--config")
        .arg(d.join("config.toml"))
        .args([
            "apps",
            "add",
            "--region",
            "us",
            "--name",
            "Kept",
            "--scope",
            "ess:account=read",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let before = list(d);

    let cmd = format!(
        "'{BIN}' --read-only --data-dir '{}' --config '{}' tui --region us",
        d.join("data").display(),
        d.join("config.toml").display()
    );
    let ui = Pane::start("read-only", &[], &cmd);
    let screen = ui.wait_for("Kept");
    assert!(
        screen.contains("read-only"),
        "the header says so:\n{screen}"
    );
    let refused = "read-only: region US takes no changes (keyward runs with --read-only)";
    for keys in [
        vec!["a"],
        vec!["R"],
        vec!["d"],
        vec!["e"],
        vec!["s"],
        // The palette's write commands take the same path.
        vec![":", "a", "d", "d", "Enter"],
        vec![":", "r", "e", "s", "e", "t", "Enter"],
    ] {
        ui.keys(&keys);
        let screen = ui.wait_for(refused);
        for dialog in [
            "Add an application",
            "Rename",
            "New secret",
            "Delete",
            "Scopes of",
        ] {
            assert!(
                !screen.contains(dialog),
                "{keys:?} opened {dialog}:\n{screen}"
            );
        }
        // Esc clears the status line, so the next refusal is a new one.
        ui.keys(&["Escape"]);
        ui.wait_gone(refused);
        // Keys a dialog would have taken as text or an answer change nothing.
        ui.keys(&["y", "Enter"]);
    }
    ui.keys(&["q"]);
    ui.wait_closed();
    assert_eq!(list(d), before, "the store is as it was");
}
