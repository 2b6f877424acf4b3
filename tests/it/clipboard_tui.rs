//! Copying from the real UI: in tmux with `set-clipboard on` over a pretend SSH
//! session (OSC 52 into tmux's paste buffer), on a real X server (Xvfb, read back
//! with xclip), and with a system clipboard that never answers.
//!
//! Every copied secret is checked against the registry: it must be the secret
//! that verifies. scripts/test installs tmux, xvfb and xclip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use keyward::catalog::Catalog;
use keyward::model::{ClientId, ClientSecret, Region};
use keyward::registry::Registry;
use keyward::registry::embedded::EmbeddedStore;

use crate::support::tmux::Pane;
use crate::support::xvfb::{HungDisplay, Xvfb};

const BIN: &str = env!("CARGO_BIN_EXE_keyward");

/// Polls `f` until it returns `Some`, a bounded number of times.
fn poll<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..150 {
        if let Some(v) = f() {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("gave up waiting for {what}");
}

/// The UI in a tmux pane of the test's own, with `env` set for keyward alone,
/// and `set-clipboard on` so OSC 52 lands in tmux's paste buffer.
struct Ui {
    pane: Pane,
    dir: tempfile::TempDir,
}

impl std::ops::Deref for Ui {
    type Target = Pane;
    fn deref(&self) -> &Pane {
        &self.pane
    }
}

impl Ui {
    fn start(name: &str, clear_after: u64, env: &[&str]) -> Ui {
        Ui::start_with(
            name,
            &format!("clipboard_clear_after = {clear_after}\n"),
            env,
        )
    }

    /// Like [`Ui::start`], with `config` as the whole config file.
    fn start_with(name: &str, config: &str, env: &[&str]) -> Ui {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        let cmd = format!(
            "env -u DISPLAY -u WAYLAND_DISPLAY -u SSH_TTY -u SSH_CONNECTION -u KEYWARD_CLIPBOARD {} '{BIN}' --data-dir '{}' --config '{}' tui --region us",
            env.join(" "),
            dir.path().join("data").display(),
            dir.path().join("config.toml").display()
        );
        let pane = Pane::start(&format!("clip-{name}"), &[], &cmd);
        pane.run(&["set-option", "-s", "set-clipboard", "on"]);
        pane.wait_for("No applications in US yet");
        Ui { pane, dir }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn tmux(&self, args: &[&str]) -> Option<String> {
        self.pane.run(args)
    }

    /// Adds an application through the UI and returns its client ID.
    fn add(&self, name: &str) -> ClientId {
        self.keys(&["a"]);
        self.wait_for("Add an application");
        self.text(name);
        self.keys(&["Enter"]);
        self.wait_for(&format!("Added {name}"));
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["apps", "list", "--region", "us", "--json"])
            .output()
            .unwrap();
        let apps: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let app = apps
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["client_name"] == name)
            .unwrap();
        ClientId::parse(app["client_id"].as_str().unwrap()).unwrap()
    }

    fn quit(&self) {
        self.keys(&["q"]);
        // A new secret that was neither shown nor copied makes q ask first.
        for _ in 0..50 {
            if !self.alive() {
                return;
            }
            if self.screen().contains("Quit and lose") {
                self.keys(&["y"]);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        self.wait_closed();
    }
}

/// Whether `secret` is the application's working secret, per the registry.
fn verifies(data_dir: &Path, id: &ClientId, secret: &str) -> bool {
    let store = EmbeddedStore::open(
        data_dir,
        Arc::new(Catalog::builtin()),
        Duration::from_secs(900),
    )
    .unwrap();
    let us = store.registry(Region::new("us").unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(us.verify_secret(id, &ClientSecret::from_string(secret.to_owned())))
        .unwrap()
}

#[test]
fn over_ssh_in_tmux_y_puts_exactly_the_secret_in_the_paste_buffer_then_clears_it() {
    let ui = Ui::start("ssh", 3, &["SSH_TTY=/dev/pts/99"]);
    let id = ui.add("Over SSH");
    ui.keys(&["y"]);
    let buffer = poll("the paste buffer", || ui.tmux(&["show-buffer"]));
    assert_eq!(
        buffer.len(),
        48,
        "exactly the secret: {} bytes",
        buffer.len()
    );
    assert!(
        verifies(&ui.data_dir(), &id, &buffer),
        "the registry accepts it"
    );
    let screen = ui.wait_for("Client secret sent to your terminal (OSC 52)");
    assert!(
        screen.contains("clears in 0:0"),
        "the countdown shows:\n{screen}"
    );

    // After the clear timeout, tmux holds no buffer with the secret.
    poll("the buffer to be emptied", || {
        let holds = ui.tmux(&["show-buffer"]).is_some_and(|b| b == buffer);
        (!holds).then_some(())
    });
    ui.wait_for("Clipboard clear sent to your terminal (OSC 52)");
    ui.quit();
}

#[test]
fn over_ssh_a_copied_client_id_is_not_cleared() {
    let ui = Ui::start("id", 1, &["SSH_TTY=/dev/pts/99"]);
    let id = ui.add("Id copy");
    ui.keys(&["c"]);
    let buffer = poll("the paste buffer", || ui.tmux(&["show-buffer"]));
    assert_eq!(buffer, id.as_str());
    ui.wait_for("Client ID sent to your terminal (OSC 52)");
    // Well past the 1 s clear timeout for secrets, the ID is still there.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(ui.tmux(&["show-buffer"]).as_deref(), Some(id.as_str()));
    ui.quit();
}

#[test]
fn on_x11_the_secret_is_served_while_keyward_runs_then_cleared() {
    let x = Xvfb::start();
    let ui = Ui::start("x11", 4, &[&format!("DISPLAY={}", x.display)]);
    let id = ui.add("On X11");
    ui.keys(&["y"]);
    let copied = poll("the X clipboard", || {
        x.clipboard().filter(|c| c.len() == 48)
    });
    assert!(verifies(&ui.data_dir(), &id, &copied));
    ui.wait_for("Client secret copied (system clipboard)");

    // The UI moves on; the long-lived owner still serves the text.
    ui.keys(&["?"]);
    ui.wait_for("Keys");
    ui.keys(&["Escape"]);
    assert_eq!(x.clipboard().as_deref(), Some(copied.as_str()));

    poll("the clear", || {
        (x.clipboard().as_deref() != Some(copied.as_str())).then_some(())
    });
    ui.wait_for("Clipboard cleared");
    ui.quit();
}

#[test]
fn on_x11_what_the_user_copied_meanwhile_is_left_alone() {
    let x = Xvfb::start();
    let ui = Ui::start("x11-user", 3, &[&format!("DISPLAY={}", x.display)]);
    ui.add("User copies");
    ui.keys(&["y"]);
    poll("the X clipboard", || {
        x.clipboard().filter(|c| c.len() == 48)
    });

    let mut other = x.copy_as_user("user text");
    poll("the user's copy", || {
        (x.clipboard().as_deref() == Some("user text")).then_some(())
    });

    ui.wait_for("Clipboard left alone");
    assert_eq!(x.clipboard().as_deref(), Some("user text"));
    ui.quit();
    let _ = other.kill();
    let _ = other.wait();
}

#[test]
fn a_system_clipboard_that_never_answers_fails_clearly_and_the_ui_stays_responsive() {
    let hung = HungDisplay::start();
    let ui = Ui::start(
        "hung",
        45,
        &[
            &format!("DISPLAY={}", hung.display),
            "KEYWARD_CLIPBOARD=system",
        ],
    );
    ui.add("Hung display");
    ui.keys(&["y", "?"]);
    // The help opens while the copy is still waiting on the display.
    let screen = ui.wait_for("Keys");
    assert!(
        !screen.contains("Cannot copy"),
        "the key after y was handled before the copy gave up:\n{screen}"
    );
    ui.keys(&["Escape"]);
    let screen = ui.wait_for("Cannot copy the client secret");
    assert!(screen.contains("no answer within 1.5 s"), "{screen}");
    ui.quit();
}

/// The secret in `lines`, the environment lines `Y e` copies with the
/// config's names, after checking that they name `id` and nothing else.
fn secret_of_env_lines(lines: &str, id: &ClientId) -> String {
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 2, "{} lines", lines.len());
    assert_eq!(lines[0], format!("PAY_ID={id}"));
    lines[1].strip_prefix("PAY_SECRET=").unwrap().to_owned()
}

#[test]
fn on_x11_y_copies_the_credentials_as_env_lines_or_curl_then_clears() {
    let x = Xvfb::start();
    let ui = Ui::start_with(
        "x11-formats",
        "clipboard_clear_after = 3\n[copy]\nclient_id_env = \"PAY_ID\"\nclient_secret_env = \"PAY_SECRET\"\n",
        &[&format!("DISPLAY={}", x.display)],
    );
    let id = ui.add("Formats");
    ui.keys(&["Y"]);
    ui.wait_for("Copy the credentials of Formats as");
    ui.keys(&["e"]);
    let lines = poll("the X clipboard", || {
        x.clipboard().filter(|c| c.starts_with("PAY_ID="))
    });
    let secret = secret_of_env_lines(&lines, &id);
    assert!(verifies(&ui.data_dir(), &id, &secret));
    ui.wait_for("Environment lines copied (system clipboard)");

    ui.keys(&["Y"]);
    ui.wait_for("Copy the credentials of Formats as");
    ui.keys(&["u"]);
    let curl = poll("the X clipboard", || {
        x.clipboard().filter(|c| c.contains("curl"))
    });
    assert_eq!(
        curl,
        format!(
            " curl -sS -u '{id}:{secret}' -d grant_type=client_credentials 'http://127.0.0.1:8080/oauth2/token'"
        )
    );
    ui.wait_for("curl command copied (system clipboard)");
    // Cleared like a copied secret.
    poll("the clear", || {
        (x.clipboard().as_deref() != Some(curl.as_str())).then_some(())
    });
    ui.wait_for("Clipboard cleared");
    assert!(
        !ui.scrollback().contains(&secret) && !ui.screen().contains(&secret),
        "the copied text never reaches the terminal"
    );
    ui.quit();
}

#[test]
fn over_ssh_in_tmux_y_sends_the_env_lines_and_the_curl_command_by_osc52() {
    let ui = Ui::start_with(
        "ssh-formats",
        "clipboard_clear_after = 30\n[copy]\nclient_id_env = \"PAY_ID\"\nclient_secret_env = \"PAY_SECRET\"\n",
        &["SSH_TTY=/dev/pts/99"],
    );
    let id = ui.add("Formats over SSH");
    ui.keys(&["Y"]);
    ui.wait_for("Copy the credentials of Formats over SSH as");
    ui.keys(&["e"]);
    let lines = poll("the paste buffer", || {
        ui.tmux(&["show-buffer"])
            .filter(|b| b.starts_with("PAY_ID="))
    });
    let secret = secret_of_env_lines(&lines, &id);
    assert!(verifies(&ui.data_dir(), &id, &secret));
    ui.wait_for("Environment lines sent to your terminal (OSC 52)");

    ui.keys(&["Y"]);
    ui.wait_for("Copy the credentials of Formats over SSH as");
    ui.keys(&["f"]);
    let curl = poll("the paste buffer", || {
        ui.tmux(&["show-buffer"]).filter(|b| b.contains("curl"))
    });
    assert_eq!(
        curl,
        format!(
            " curl -sS -d grant_type=client_credentials -d 'client_id={id}' -d 'client_secret={secret}' 'http://127.0.0.1:8080/oauth2/token'"
        )
    );
    ui.wait_for("curl command sent to your terminal (OSC 52)");
    assert!(!ui.scrollback().contains(&secret));
    ui.quit();
}
