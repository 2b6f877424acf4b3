//! `keyward doctor`, the real binary: on a healthy data dir with an embedded
//! and a remote region (a real `keyward serve` on loopback), on an exposed key
//! file, an unreachable remote, a malformed config, and inside a real tmux
//! whose set-clipboard is off.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::support::server::TestServer;
use crate::support::tmux::Pane;
use crate::support::xvfb::Xvfb;

const SECRET_VAR: &str = "KW_TEST_ADMIN_SECRET";

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

    fn config_file(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn write_config(&self, text: &str) {
        std::fs::write(self.config_file(), text).unwrap();
    }

    /// The binary with a clean environment: no display, no SSH, no tmux.
    fn keyward(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("TERM", "xterm-256color")
            .env("KEYWARD_DATA_DIR", self.data_dir())
            .env("KEYWARD_CONFIG", self.config_file());
        cmd
    }

    /// Makes the data dir as a user would: by adding an application.
    fn add_app(&self) {
        let out = self
            .keyward()
            .args([
                "apps", "add", "--region", "us", "--name", "Payroll", "--json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }

    fn doctor(&self, args: &[&str]) -> Output {
        self.keyward().arg("doctor").args(args).output().unwrap()
    }
}

fn text(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The line of the check named `check`; fails the test if there is none.
fn line<'a>(report: &'a str, check: &str) -> &'a str {
    report
        .lines()
        .find(|l| {
            l.split_once(' ')
                .is_some_and(|(_, rest)| rest.starts_with(&format!("{check}:")))
        })
        .unwrap_or_else(|| panic!("no line for {check}:\n{report}"))
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn passes_on_a_healthy_data_dir_with_a_reachable_remote_region() {
    let server = TestServer::start().await;
    let admin = server.app("Admin", &[], true).await;
    let secret = admin.reveal.secret.expose().to_owned();
    let env = Env::new();
    env.write_config(&format!(
        "[[region]]\nid = \"us\"\n\n[[region]]\nid = \"eu\"\nurl = \"{}\"\nclient_id = \"{}\"\nclient_secret_env = \"{SECRET_VAR}\"\n",
        server.url, admin.application.client_id
    ));
    env.add_app();
    let mut cmd = env.doctor_command(&[]);
    cmd.env(SECRET_VAR, &secret);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(!report.contains('✗'), "{report}");
    assert!(line(&report, "data dir").starts_with('✓'), "{report}");
    assert!(line(&report, "secret.key").contains("mode 600"), "{report}");
    assert!(
        line(&report, "region us").contains("opens, 1 application"),
        "{report}"
    );
    let eu = line(&report, "region eu");
    assert!(
        eu.starts_with('✓') && eu.contains("gets a token"),
        "{report}"
    );
    assert!(
        !report.contains(&secret),
        "the admin secret is never printed"
    );
    assert!(!report.contains("eyJ"), "no token is printed: {report}");
    assert!(report.contains("No check failed"), "{report}");
}

impl Env {
    fn doctor_command(&self, args: &[&str]) -> Command {
        let mut cmd = self.keyward();
        cmd.arg("doctor").args(args);
        cmd
    }
}

#[test]
fn fails_with_a_clear_line_on_a_world_readable_key_file() {
    let env = Env::new();
    env.add_app();
    let key = env.data_dir().join("secret.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env.doctor(&[]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let key_line = line(&report, "secret.key");
    assert!(
        key_line.starts_with('✗')
            && key_line.contains("mode 644")
            && key_line.contains(&format!("chmod 600 {}", key.display())),
        "{report}"
    );
    assert!(
        report.ends_with("1 check failed, 3 warnings.\n"),
        "{report}"
    );
}

#[test]
fn fails_with_a_clear_line_on_an_unreachable_remote_region() {
    let env = Env::new();
    let port = closed_port();
    env.write_config(&format!(
        "[[region]]\nid = \"eu\"\nurl = \"http://user:pw@127.0.0.1:{port}\"\nclient_id = \"admin\"\nclient_secret_env = \"{SECRET_VAR}\"\n"
    ));
    let out = env
        .doctor_command(&[])
        .env(SECRET_VAR, "s3cret-admin")
        .output()
        .unwrap();
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let eu = line(&report, "region eu");
    assert!(
        eu.starts_with('✗')
            && eu.contains(&format!(
                "http://***@127.0.0.1:{port} does not answer /healthz"
            ))
            && eu.contains("Connection refused")
            && eu.contains("is `keyward serve` running there"),
        "{report}"
    );
    assert!(
        !report.contains("pw@") && !report.contains("s3cret-admin"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fails_when_the_remote_refuses_the_admin_client() {
    let server = TestServer::start().await;
    let admin = server.app("Admin", &[], true).await;
    let env = Env::new();
    env.write_config(&format!(
        "[[region]]\nid = \"eu\"\nurl = \"{}\"\nclient_id = \"{}\"\nclient_secret_env = \"{SECRET_VAR}\"\n",
        server.url, admin.application.client_id
    ));
    let mut cmd = env.doctor_command(&["--json"]);
    cmd.env(SECRET_VAR, "not-the-secret");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let eu = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "region eu")
        .unwrap();
    assert_eq!(eu["status"], "fail");
    assert!(
        eu["message"]
            .as_str()
            .unwrap()
            .contains("no token for the admin client"),
        "{eu}"
    );
    assert!(
        eu["fix"].as_str().unwrap().contains("keyward:admin"),
        "{eu}"
    );
}

#[test]
fn fails_with_a_clear_line_on_a_malformed_config() {
    let env = Env::new();
    env.write_config("[[region]]\nid = \"us\"\nurl = 42\n");
    let out = env.doctor(&[]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let config = line(&report, "config");
    assert!(
        config.starts_with('✗')
            && config.contains(&format!("{}: line 3", env.config_file().display())),
        "{report}"
    );
    // The rest still runs: the clipboard is checked with the defaults.
    assert!(line(&report, "clipboard").starts_with('✓'), "{report}");
}

#[test]
fn json_output_is_valid_and_matches_the_exit_code() {
    let env = Env::new();
    env.add_app();
    let out = env.doctor(&["--json"]);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["failed"], 0);
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.len() >= 6, "{report}");
    for c in checks {
        assert!(c["check"].is_string() && c["message"].is_string(), "{c}");
        assert!(
            ["ok", "warn", "fail"].contains(&c["status"].as_str().unwrap()),
            "{c}"
        );
    }

    env.write_config("clipboard = \"sometimes\"\n");
    let out = env.doctor(&["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["failed"], 1);
}

/// Runs `keyward doctor ARGS` in a real tmux whose set-clipboard is `value`,
/// with no SSH and no display (unless `display` names one), so `auto` takes
/// OSC 52 through tmux.
fn doctor_in_tmux(
    name: &str,
    set_clipboard: &str,
    display: Option<&str>,
    args: &str,
    dir: &Path,
) -> Pane {
    let display = display.map(|d| format!("DISPLAY={d}")).unwrap_or_default();
    let cmd = format!(
        "tmux set -s set-clipboard {set_clipboard}; \
         env -u DISPLAY -u WAYLAND_DISPLAY -u SSH_TTY -u SSH_CONNECTION -u KEYWARD_CLIPBOARD -u STY \
         {display} KEYWARD_DATA_DIR={data} KEYWARD_CONFIG={config} {bin} doctor {args}; \
         echo EXIT=$?; sleep 60",
        data = dir.join("data").display(),
        config = dir.join("config.toml").display(),
        bin = env!("CARGO_BIN_EXE_keyward"),
    );
    Pane::start(name, &[], &cmd)
}

/// The pane's lines joined where tmux wrapped them.
fn joined_screen(pane: &Pane) -> String {
    pane.run(&["capture-pane", "-p", "-J", "-t", "kw"])
        .unwrap_or_default()
}

#[test]
fn under_tmux_with_set_clipboard_off_it_names_the_setting_and_the_test_copy_fails() {
    let dir = tempfile::tempdir().unwrap();
    let pane = doctor_in_tmux("doctor-off", "off", None, "--clipboard-test", dir.path());
    pane.wait_for("Paste it here");
    // tmux dropped the OSC 52: it holds no buffer to paste; Enter alone.
    assert_eq!(pane.run(&["show-buffer"]), None, "tmux made no buffer");
    pane.keys(&["Enter"]);
    pane.wait_for("EXIT=");
    let screen = joined_screen(&pane);
    let tmux = line(&screen, "tmux");
    assert!(
        tmux.starts_with('✗')
            && tmux.contains("set-clipboard is off")
            && tmux.contains("run `tmux set -s set-clipboard on`, and add `set -s set-clipboard on` to ~/.tmux.conf"),
        "{screen}"
    );
    assert!(
        line(&screen, "clipboard test").contains("nothing was pasted"),
        "{screen}"
    );
    assert!(screen.contains("EXIT=1"), "{screen}");
}

#[test]
fn under_tmux_with_set_clipboard_on_the_test_copy_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let pane = doctor_in_tmux("doctor-on", "on", None, "--clipboard-test", dir.path());
    pane.wait_for("Paste it here");
    // tmux turned the OSC 52 into a paste buffer: paste it as the user would.
    let mut buffer = None;
    for _ in 0..50 {
        buffer = pane.run(&["show-buffer"]);
        if buffer.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let buffer = buffer.expect("tmux never made a buffer of the copy");
    assert!(buffer.starts_with("keyward-doctor-test-"), "{buffer}");
    pane.run(&["paste-buffer", "-t", "kw"]).unwrap();
    pane.keys(&["Enter"]);
    pane.wait_for("EXIT=");
    let screen = joined_screen(&pane);
    assert!(
        line(&screen, "tmux").contains("set-clipboard is on"),
        "{screen}"
    );
    assert!(line(&screen, "clipboard test").starts_with('✓'), "{screen}");
    assert!(screen.contains("EXIT=0"), "{screen}");
}

/// On a desktop `auto` takes the system clipboard: the doctor says it
/// answers, and the test text is on the X clipboard to paste back.
#[test]
fn on_a_desktop_the_test_copy_goes_through_the_system_clipboard() {
    let x = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let pane = doctor_in_tmux(
        "doctor-x11",
        "off",
        Some(&x.display),
        "--clipboard-test",
        dir.path(),
    );
    pane.wait_for("Paste it here");
    // The prompt comes after the copy: the X clipboard holds it by now.
    // Polled, bounded: a loaded machine may serve the selection late.
    let copied = (0..100)
        .find_map(|_| {
            let held = x
                .clipboard()
                .filter(|c| c.starts_with("keyward-doctor-test-"));
            if held.is_none() {
                std::thread::sleep(Duration::from_millis(100));
            }
            held
        })
        .expect("the test text is on the X clipboard");
    assert!(copied.starts_with("keyward-doctor-test-"), "{copied}");
    pane.text(&copied);
    pane.keys(&["Enter"]);
    pane.wait_for("EXIT=");
    let screen = joined_screen(&pane);
    assert!(
        line(&screen, "clipboard").contains("auto uses the system clipboard")
            && line(&screen, "clipboard").starts_with('✓'),
        "{screen}"
    );
    assert!(
        line(&screen, "clipboard test").contains("arrived by system clipboard"),
        "{screen}"
    );
    // tmux's set-clipboard does not matter when the copy does not go through it.
    assert!(!screen.contains("✗"), "{screen}");
    assert!(screen.contains("EXIT=0"), "{screen}");
}
