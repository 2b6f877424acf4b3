//! `--copy` on a real X server (Xvfb) read back with xclip, and on a machine
//! without a usable display. scripts/test installs xvfb and xclip.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::xvfb::{HungDisplay, Xvfb};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(clear_after: u64) -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            format!("clipboard_clear_after = {clear_after}\n"),
        )
        .unwrap();
        Env { dir }
    }

    fn keyward(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("KEYWARD_DATA_DIR", self.dir.path().join("data"))
            .env("KEYWARD_CONFIG", self.dir.path().join("config.toml"));
        cmd
    }
}

/// Starts `apps add --copy --json` and returns the child and the secret it printed.
fn add_with_copy(env: &Env, display: &str, name: &str) -> (Child, String) {
    let mut child = env
        .keyward()
        .args([
            "apps", "add", "--region", "us", "--name", name, "--copy", "--json",
        ])
        .env("DISPLAY", display)
        .env("KEYWARD_CLIPBOARD", "system")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut json = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "output ended early: {json}"
        );
        json.push_str(&line);
        if line.trim_end() == "}" {
            break;
        }
    }
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    (child, v["client_secret"].as_str().unwrap().to_owned())
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    child.stderr.take().unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn x11_copy_is_served_while_waiting_then_cleared() {
    let x = Xvfb::start();
    let env = Env::new(3);
    let (mut child, secret) = add_with_copy(&env, &x.display, "Copied");
    assert_eq!(secret.len(), 48);
    assert_eq!(x.wait_for(Some(&secret)).as_deref(), Some(secret.as_str()));
    // Still served a moment later: the long-lived owner keeps it.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(x.clipboard().as_deref(), Some(secret.as_str()));

    let status = child.wait().unwrap();
    let err = stderr_of(&mut child);
    assert!(status.success(), "{err}");
    assert!(
        err.contains("Client secret copied (system clipboard)"),
        "{err}"
    );
    assert!(err.contains("Clipboard cleared."), "{err}");
    assert_ne!(
        x.clipboard().as_deref(),
        Some(secret.as_str()),
        "cleared after the timeout"
    );
}

#[test]
fn x11_clear_leaves_what_the_user_copied_since() {
    let x = Xvfb::start();
    let env = Env::new(3);
    let (mut child, secret) = add_with_copy(&env, &x.display, "Replaced");
    assert_eq!(x.wait_for(Some(&secret)).as_deref(), Some(secret.as_str()));

    // The user copies something else meanwhile.
    let mut other = x.copy_as_user("user text");
    assert_eq!(x.wait_for(Some("user text")).as_deref(), Some("user text"));

    let status = child.wait().unwrap();
    let err = stderr_of(&mut child);
    assert!(status.success(), "{err}");
    assert!(err.contains("left alone"), "{err}");
    assert_eq!(x.clipboard().as_deref(), Some("user text"));
    let _ = other.kill();
    let _ = other.wait();
}

#[test]
fn without_a_display_the_system_route_fails_with_advice() {
    let env = Env::new(45);
    let out = env
        .keyward()
        .args([
            "apps", "add", "--region", "us", "--name", "Headless", "--copy",
        ])
        .env("KEYWARD_CLIPBOARD", "system")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("system clipboard failed"), "{err}");
    assert!(
        err.contains("KEYWARD_CLIPBOARD=osc52"),
        "says what to do: {err}"
    );
    // The secret was not lost: it is printed instead.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("The secret is shown this once"), "{stdout}");
}

#[test]
fn a_display_that_never_answers_is_given_up_on_within_the_time_bound() {
    let hung = HungDisplay::start();
    let env = Env::new(45);
    let out = env
        .keyward()
        .args(["apps", "add", "--region", "us", "--name", "Hung", "--copy"])
        .env("KEYWARD_CLIPBOARD", "system")
        .env("DISPLAY", &hung.display)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("system clipboard failed"), "{err}");
    assert!(
        err.contains("no answer within 1.5 s"),
        "the time bound ended it: {err}"
    );
}
