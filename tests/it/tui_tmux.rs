//! End to end: the real `keyward` binary in a real terminal (tmux). Keys go in
//! with `send-keys`, the screen comes back with `capture-pane`, and the stored
//! result is checked with `keyward apps ... --json`.
//!
//! `scripts/test` installs tmux when it is missing.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::tmux::Pane;

const BIN: &str = env!("CARGO_BIN_EXE_keyward");

/// The test's temp dir before keyward starts, for `start_prepared`.
struct Prep<'a> {
    dir: &'a tempfile::TempDir,
}

impl Prep<'_> {
    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }
}

/// keyward's UI in a tmux pane of the test's own, over a fresh data dir.
struct Tmux {
    pane: Pane,
    dir: tempfile::TempDir,
}

impl std::ops::Deref for Tmux {
    type Target = Pane;
    fn deref(&self) -> &Pane {
        &self.pane
    }
}

impl Tmux {
    fn start() -> Tmux {
        Tmux::start_with("e2e", false)
    }

    /// With `stay`, the pane outlives keyward (so the restored terminal can be
    /// read) and keyward's pid is written to `pid` in the temp dir.
    fn start_with(name: &str, stay: bool) -> Tmux {
        Tmux::start_prepared(name, stay, |_| {})
    }

    /// Like [`Tmux::start_with`], running `prepare` (to write a config, say)
    /// before keyward starts.
    fn start_prepared(name: &str, stay: bool, prepare: impl FnOnce(&Prep)) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        prepare(&Prep { dir: &dir });
        let keyward = format!(
            "'{BIN}' --data-dir '{}' --config '{}' tui --region us",
            dir.path().join("data").display(),
            dir.path().join("config.toml").display()
        );
        let cmd = if stay {
            // The script's shell writes its pid, then becomes keyward (exec), so
            // keyward keeps the terminal's foreground.
            let script = dir.path().join("run.sh");
            let pid = dir.path().join("pid");
            std::fs::write(
                &script,
                format!("echo $$ > '{}'\nexec {keyward}\n", pid.display()),
            )
            .unwrap();
            format!(
                "sh -c \"sh '{}'; echo KEYWARD-EXITED; sleep 60\"",
                script.display()
            )
        } else {
            keyward
        };
        // Copying must take the OSC 52 route whatever display the test machine
        // has, so the copy test can read tmux's buffer.
        let pane = Pane::start(name, &["KEYWARD_CLIPBOARD=osc52"], &cmd);
        Tmux { pane, dir }
    }

    /// keyward run through `wrapper` (e.g. `setsid -w `), its pid written to
    /// `pid` in the temp dir.
    fn start_wrapped(name: &str, wrapper: &str) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("keyward.sh");
        std::fs::write(
            &inner,
            format!(
                "echo $$ > '{}'\nexec '{BIN}' --data-dir '{}' --config '{}' tui --region us\n",
                dir.path().join("pid").display(),
                dir.path().join("data").display(),
                dir.path().join("config.toml").display()
            ),
        )
        .unwrap();
        let cmd = format!("{wrapper}sh '{}'", inner.display());
        let pane = Pane::start(name, &["KEYWARD_CLIPBOARD=osc52"], &cmd);
        Tmux { pane, dir }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// A tmux command's output ("" when it fails).
    fn tmux(&self, args: &[&str]) -> String {
        self.pane.run(args).unwrap_or_default()
    }

    fn cli(&self, args: &[&str]) -> Value {
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.config())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn scopes(app: &Value) -> Vec<(String, String)> {
    app["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["scope"].as_str().unwrap().to_owned(),
                g["access"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(s: &str, a: &str) -> (String, String) {
    (s.to_owned(), a.to_owned())
}

fn has_tmux() -> bool {
    Command::new("tmux").arg("-V").output().is_ok()
}

/// Secret issue times are shown to the second: let one pass so a reset shows in
/// `client_secret_issued_at`. A pause between steps, not an assertion.
fn wait_until_next_second() {
    std::thread::sleep(Duration::from_millis(1100));
}

#[test]
fn add_edit_reset_rename_delete_in_a_real_terminal() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start();
    t.wait_for("No applications in US yet");

    // Add: name, then two scopes in the grid.
    t.keys(&["a"]);
    t.wait_for("Add an application");
    t.text("E2E app");
    t.keys(&["Tab", "Right", "Down", "Right", "Right", "Enter"]);
    let screen = t.wait_for("Added E2E app");
    assert!(
        screen.contains("visible 1"),
        "the countdown runs:\n{screen}"
    );
    assert!(screen.contains("••••"), "masked by default:\n{screen}");

    let list = t.cli(&["apps", "list", "--region", "us", "--json"]);
    let apps = list.as_array().unwrap();
    assert_eq!(apps.len(), 1);
    let id = apps[0]["client_id"].as_str().unwrap().to_owned();
    assert_eq!(apps[0]["client_name"], "E2E app");
    assert_eq!(
        scopes(&apps[0]),
        vec![pair("ess:account", "read"), pair("ess:domains", "write")]
    );
    let issued_at = apps[0]["client_secret_issued_at"].clone();

    // Edit scopes: ess:policies (third row) to read.
    t.keys(&["s"]);
    t.wait_for("Scopes of E2E app");
    t.keys(&["Down", "Down", "Right", "Enter"]);
    t.wait_for("Scopes saved for E2E app");
    let app = t.cli(&["apps", "show", &id, "--json"]);
    assert_eq!(
        scopes(&app),
        vec![
            pair("ess:account", "read"),
            pair("ess:domains", "write"),
            pair("ess:policies", "read")
        ]
    );

    // Open the new-secret dialog and answer y, as the old reset dialog took:
    // nothing changes.
    wait_until_next_second();
    t.keys(&["R"]);
    t.wait_for("New client secret?");
    t.keys(&["y"]);
    t.wait_for("Nothing changed");
    t.wait_gone("New client secret?");
    let app = t.cli(&["apps", "show", &id, "--json"]);
    assert_eq!(app["client_secret_issued_at"], issued_at);

    // Reset for real (its own key): a new secret, the same client ID.
    t.keys(&["R"]);
    t.wait_for("New client secret?");
    t.keys(&["!"]);
    t.wait_for("New secret for E2E app");
    let app = t.cli(&["apps", "show", &id, "--json"]);
    assert_eq!(app["client_id"], id.as_str());
    assert_ne!(app["client_secret_issued_at"], issued_at);

    // Rename.
    t.keys(&["e"]);
    t.wait_for("Rename");
    t.keys(&["C-u"]);
    t.text("Renamed app");
    t.keys(&["Enter"]);
    t.wait_for("Renamed to Renamed app");
    let app = t.cli(&["apps", "show", &id, "--json"]);
    assert_eq!(app["client_name"], "Renamed app");

    // Delete: a wrong name is refused, the right one deletes.
    t.keys(&["d"]);
    t.wait_for("Delete application?");
    t.text("Renamed");
    t.keys(&["Enter"]);
    t.wait_for("That is not the name");
    t.text(" app");
    t.keys(&["Enter"]);
    t.wait_for("Deleted Renamed app");
    let list = t.cli(&["apps", "list", "--region", "us", "--json"]);
    assert!(list.as_array().unwrap().is_empty());

    // q quits and the program ends.
    t.keys(&["q"]);
    let ended = (0..100).any(|_| {
        let alive = t.alive();
        if alive {
            std::thread::sleep(Duration::from_millis(100));
        }
        !alive
    });
    assert!(ended, "q did not quit:\n{}", t.screen());
}

fn alternate_on(t: &Tmux) -> bool {
    t.tmux(&["display-message", "-p", "-t", "kw", "#{alternate_on}"])
        .trim()
        == "1"
}

#[test]
fn the_secret_never_reaches_the_scrollback() {
    let t = Tmux::start_with("scrollback", true);
    t.wait_for("No applications in US yet");
    assert!(alternate_on(&t), "the UI runs on the alternate screen");
    t.keys(&["a"]);
    t.wait_for("Add an application");
    t.text("Scrollback check");
    t.keys(&["Enter"]);
    t.wait_for("Added Scrollback check");
    t.keys(&["v"]);
    let screen = t.wait_for("v masks");
    // The unmasked secret: the 48 alphanumerics after the label.
    let line = screen
        .lines()
        .find(|l| l.contains("Client secret"))
        .unwrap();
    let after = line.split("Client secret").nth(1).unwrap();
    let head: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert!(head.len() >= 16, "secret shown: {line}");

    // y copies it through OSC 52, which tmux with set-clipboard on keeps as a buffer.
    t.tmux(&["set-option", "-s", "set-clipboard", "on"]);
    t.keys(&["y"]);
    t.wait_for("Client secret sent to your terminal (OSC 52)");
    let buffer = t.tmux(&["show-buffer"]);
    assert_eq!(buffer.len(), 48, "the whole secret, nothing else");
    assert!(buffer.starts_with(&head));

    // Two resizes while the secret shows, narrower then wider than at the
    // start: tmux then carried the top of the alternate screen over to the
    // main screen on quit, secret included.
    t.resize(80, 24);
    t.resize(200, 40);

    t.keys(&["q"]);
    t.wait_for("KEYWARD-EXITED");
    assert!(!alternate_on(&t), "the terminal is restored");
    let history = t.scrollback();
    assert!(
        !history.contains("Client secret"),
        "the UI's screen reached the main screen:\n{history}"
    );
    assert!(
        !history.contains(&head),
        "the secret is in the scrollback:\n{history}"
    );
    // Wrapped at a narrow width, a piece of it would still be a leak.
    for piece in head.as_bytes().chunks(8) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(
            !history.contains(piece),
            "a piece of the secret is in the scrollback:\n{history}"
        );
    }
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let t = Tmux::start_with(&format!("sig{signal}"), true);
        t.wait_for("No applications in US yet");
        assert!(alternate_on(&t));
        let pid = std::fs::read_to_string(t.dir.path().join("pid")).unwrap();
        let pid = pid.trim();
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), pid])
            .status()
            .unwrap();
        assert!(killed.success());
        t.wait_for("KEYWARD-EXITED");
        assert!(
            !alternate_on(&t),
            "SIG{signal} left the alternate screen on"
        );
    }
}

#[test]
fn without_a_terminal_the_ui_says_what_to_use_instead() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs a terminal") && err.contains("keyward apps"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(out.stdout.is_empty(), "nothing on standard output");
}

/// Adds `name` with read on the first scope through the UI, and returns its ID.
fn add_in_ui(t: &Tmux, name: &str) -> String {
    t.keys(&["a"]);
    t.wait_for("Add an application");
    t.text(name);
    t.keys(&["Tab", "Right", "Enter"]);
    t.wait_for(&format!("Added {name}"));
    let list = t.cli(&["apps", "list", "--region", "us", "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_name"] == name)
        .unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn t_mints_a_token_locally_and_a_reset_elsewhere_drops_the_dead_secret() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_with("token-local", false);
    t.wait_for("No applications in US yet");
    let id = add_in_ui(&t, "Token app");

    t.keys(&["t"]);
    let screen = t.wait_for("Bearer");
    assert!(screen.contains("Token test: Token app"), "{screen}");
    assert!(screen.contains("local: minted here"), "{screen}");
    assert!(screen.contains("urn:keyward:local:us"), "{screen}");
    assert!(screen.contains(&id), "sub is the client ID:\n{screen}");
    assert!(screen.contains("ess:account:read"), "{screen}");
    assert!(screen.contains("(prefix only)"), "{screen}");
    assert!(
        screen.contains("Expires in  59:") || screen.contains("Expires in  1:00:00"),
        "{screen}"
    );
    t.keys(&["Escape"]);
    t.wait_gone("Token test:");

    // Another process resets the secret: the next reload drops the dead one
    // and says so, instead of keeping it on offer.
    t.cli(&["apps", "reset-secret", &id, "--yes", "--json"]);
    t.keys(&["r"]);
    let screen = t.wait_for("was reset elsewhere at");
    assert!(screen.contains("Secret of Token app"), "{screen}");
    assert!(!screen.contains("v shows"), "no secret on offer:\n{screen}");
    t.keys(&["t"]);
    t.wait_for("No token test for Token app");
    // Nothing left to lose: q quits at once.
    t.keys(&["q"]);
    t.wait_closed();
}

/// Kills the `keyward serve` child when the test ends, however it ends.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `keyward serve` for region us on a random loopback port; returns it
/// with its base URL.
fn spawn_serve(data_dir: &std::path::Path, config: &std::path::Path) -> (Serve, String) {
    use std::io::BufRead as _;
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--config")
        .arg(config)
        .args(["serve", "--region", "us", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect(&line)
        .to_owned();
    (Serve(child), url)
}

#[test]
fn t_asks_a_real_keyward_serve_when_the_region_has_a_token_url() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let mut serve = None;
    let mut url = String::new();
    let t = Tmux::start_prepared("token-url", false, |t| {
        let (child, u) = spawn_serve(&t.data_dir(), &t.config());
        serve = Some(child);
        url = u;
        std::fs::write(
            t.config(),
            format!(
                "[[region]]\nid = \"us\"\ntoken_url = \"{url}/oauth2/token\"\n\n[[region]]\nid = \"uk\"\n"
            ),
        )
        .unwrap();
    });
    let _serve = serve;
    t.wait_for("No applications in US yet");
    let id = add_in_ui(&t, "Served app");
    t.keys(&["t"]);
    let screen = t.wait_for("Bearer");
    assert!(screen.contains(&format!("{url}/oauth2/token")), "{screen}");
    assert!(
        screen.contains(&format!("iss       {url}")),
        "the server issued it:\n{screen}"
    );
    assert!(screen.contains(&id), "{screen}");
    t.keys(&["q", "q"]);
}

#[test]
fn an_add_by_the_cli_shows_in_the_running_ui() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_with("reload", false);
    t.wait_for("No applications in US yet");
    // Another process writes to the same data dir: the periodic reload (every
    // 10 s) picks it up; wait_for's bound (15 s) covers one period.
    t.cli(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Added by the CLI",
        "--json",
    ]);
    let screen = t.wait_for("Added by the CLI");
    assert!(screen.contains("Applications (1)"), "{screen}");
    // r reloads at once.
    t.cli(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Second from the CLI",
        "--json",
    ]);
    t.keys(&["r"]);
    let screen = t.wait_for("Second from the CLI");
    assert!(screen.contains("Applications (2)"), "{screen}");
    t.keys(&["q"]);
}

/// A scopes.toml with escape sequences in its titles and descriptions (TOML's
/// `\u001b` escapes put the raw bytes in the strings).
const HOSTILE_SCOPES: &str = r#"
[[group]]
id = "evil"
title = "Evil \u001b]0;pwned-group\u0007 group"

[[group.scope]]
id = "evil:title"
title = "Title \u001b]2;pwned-title\u0007 change"
description = "Colour \u001b[0m\u001b[41mRESET\u001b[0m clear \u001b[2J\u001b[H bell \u0007 C1 \u009b31m bidi \u202Eesrever\u202C end"
access = ["read", "write"]
"#;

#[test]
fn a_hostile_scope_catalog_never_reaches_the_terminal_raw() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_prepared("hostile", false, |t| {
        std::fs::write(t.dir.path().join("scopes.toml"), HOSTILE_SCOPES).unwrap();
    });
    let title_before = t.tmux(&["display-message", "-p", "-t", "kw", "#{pane_title}"]);
    t.wait_for("No applications in US yet");
    t.cli(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "שלום 👨‍👩‍👧 x",
        "--scope",
        "evil:title=write",
        "--json",
    ]);
    t.keys(&["r"]);
    t.wait_for("Applications (1)");
    // Each dialog is told apart by its own title: waiting for the group's
    // title alone could read the scope editor's screen before the browser's.
    for (keys, dialog) in [
        (&["s"][..], "Scopes of"),
        (&["Escape", "S"][..], "Scope browser"),
    ] {
        t.keys(keys);
        let screen = t.wait_for(dialog);
        assert!(
            screen.contains("Evil \\u{1b}]0;pwned-group\\u{7} group"),
            "{screen}"
        );
        // The browser's column cuts the title short: its start is enough.
        assert!(screen.contains("\\u{1b}]2;pwned-t"), "{screen}");
        assert!(screen.contains("evil:title"), "{screen}");
        // With -e tmux writes the pane's own attributes as escapes: any title
        // change, colour reset or clear from the file would show up here.
        let raw = t.tmux(&["capture-pane", "-p", "-e", "-t", "kw"]);
        for bad in [
            "\u{1b}]",
            "\u{1b}[2J",
            "\u{1b}[41m",
            "\u{7}",
            "\u{9b}",
            "\u{202E}",
        ] {
            assert!(!raw.contains(bad), "{bad:?} reached the terminal:\n{raw:?}");
        }
        assert!(!raw.contains("RESET\u{1b}"), "{raw:?}");
    }
    let title_after = t.tmux(&["display-message", "-p", "-t", "kw", "#{pane_title}"]);
    assert_eq!(
        title_before, title_after,
        "the file changed the pane's title"
    );
    assert!(!title_after.contains("pwned"), "{title_after}");
    t.keys(&["Escape", "q"]);
}

#[test]
fn t_on_a_remote_region_asks_that_server() {
    use std::os::unix::fs::PermissionsExt as _;
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let mut serve = None;
    let mut url = String::new();
    let t = Tmux::start_prepared("token-remote", false, |t| {
        // The server has its own data dir, with an admin client made there.
        let server_dir = t.dir.path().join("server");
        let server_config = t.dir.path().join("server.toml");
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(&server_dir)
            .arg("--config")
            .arg(&server_config)
            .args([
                "apps", "add", "--region", "us", "--name", "admin", "--admin", "--json",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let admin: Value = serde_json::from_slice(&out.stdout).unwrap();
        let secret_file = t.dir.path().join("admin.secret");
        std::fs::write(&secret_file, admin["client_secret"].as_str().unwrap()).unwrap();
        std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (child, u) = spawn_serve(&server_dir, &server_config);
        serve = Some(child);
        url = u;
        std::fs::write(
            t.config(),
            format!(
                "[[region]]\nid = \"us\"\nurl = \"{url}\"\nclient_id = \"{}\"\nclient_secret_file = \"{}\"\n",
                admin["client_id"].as_str().unwrap(),
                secret_file.display()
            ),
        )
        .unwrap();
    });
    let _serve = serve;
    t.wait_for("No applications in US yet");
    let id = add_in_ui(&t, "Remote app");
    t.keys(&["t"]);
    let screen = t.wait_for("Bearer");
    assert!(screen.contains(&format!("{url}/oauth2/token")), "{screen}");
    assert!(screen.contains(&format!("iss       {url}")), "{screen}");
    assert!(screen.contains(&id), "{screen}");
    assert!(screen.contains("ess:account:read"), "{screen}");
    t.keys(&["q", "q"]);
}

/// Adds `name` with the CLI and waits for the running UI to list it.
fn add_by_cli(t: &Tmux, name: &str) -> String {
    let app = t.cli(&["apps", "add", "--region", "us", "--name", name, "--json"]);
    t.keys(&["r"]);
    t.wait_for(name);
    app["client_id"].as_str().unwrap().to_owned()
}

#[test]
fn a_paste_of_ready_never_resets_the_selected_secret() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_with("paste", false);
    t.wait_for("No applications in US yet");
    let id = add_by_cli(&t, "Production API");
    let before = t.cli(&["apps", "show", &id, "--json"]);
    // A reset would show as a new issue time, which has whole seconds.
    wait_until_next_second();

    // A bracketed paste (tmux pastes with the markers, as keyward asks): text.
    t.tmux(&["set-buffer", "-b", "kwpaste", "Ready"]);
    t.tmux(&["paste-buffer", "-p", "-d", "-b", "kwpaste", "-t", "kw"]);
    t.wait_for("Paste ignored");

    // The same text sent as keys, in one burst, as a terminal without
    // bracketed paste (or a hostile one) sends it.
    t.text("Ready");
    let mut screen = String::new();
    for _ in 0..150 {
        screen = t.screen();
        if screen.contains("New secret cancelled") || screen.contains("New secret for") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !screen.contains("New secret for"),
        "the paste reset it:\n{screen}"
    );
    assert!(screen.contains("New secret cancelled"), "{screen}");
    assert!(!screen.contains("New client secret?"), "{screen}");
    // Whatever a confirmed reset would have started has ended by the time a
    // reload issued after it answers.
    t.keys(&["r"]);
    let screen = t.wait_for("Reloaded US");
    assert!(!screen.contains("New secret for"), "{screen}");
    assert!(!screen.contains("Rotated"), "{screen}");
    let after = t.cli(&["apps", "show", &id, "--json"]);
    assert_eq!(
        after["client_secret_issued_at"], before["client_secret_issued_at"],
        "the secret was reset"
    );
    assert_eq!(after["updated_at"], before["updated_at"]);
    t.keys(&["q"]);
    t.wait_closed();
}

#[test]
fn quitting_asks_before_losing_a_new_secret_nobody_saw() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_with("quit", false);
    t.wait_for("No applications in US yet");
    add_in_ui(&t, "Unseen app");
    t.keys(&["q"]);
    let screen = t.wait_for("Quit and lose the new secret?");
    assert!(screen.contains("Unseen app"), "{screen}");
    t.keys(&["n"]);
    t.wait_for("Not quitting");
    assert!(t.alive());
    // Ctrl-C asks too; a second Ctrl-C quits anyway.
    t.keys(&["C-c"]);
    t.wait_for("Quit and lose the new secret?");
    assert!(t.alive());
    t.keys(&["C-c"]);
    t.wait_closed();
}

#[test]
fn esc_and_a_key_sent_at_once_are_both_taken() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_with("escape", false);
    t.wait_for("No applications in US yet");
    t.keys(&["?"]);
    t.wait_for("Esc/q close");
    // One send-keys: with escape-time 0 both reach keyward in one write, which
    // crossterm reads as Alt-a. Esc closes help, a opens the add dialog.
    t.tmux(&["send-keys", "-t", "kw", "Escape", "a"]);
    t.wait_for("Add an application");
    t.keys(&["Escape"]);
    t.wait_gone("Add an application");
    t.keys(&["q"]);
    t.wait_closed();
}

/// Asks `url`'s token endpoint for a token with these credentials; the HTTP status.
fn token_status(url: &str, id: &str, secret: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{url}/oauth2/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

/// The line of `screen` that holds `needle` (for a clearer failure).
fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with '{needle}':\n{screen}"))
}

/// keyward's UI with `rotation_grace = "2h"` and a `keyward serve` on the same
/// data dir that writes usage every second; the server's URL.
fn start_with_serve_and_a_2h_grace() -> (Tmux, Serve, String) {
    let mut serve = None;
    let mut url = String::new();
    let t = Tmux::start_prepared("rotate", false, |t| {
        std::fs::write(
            t.config(),
            "rotation_grace = \"2h\"\nusage_flush_seconds = 1\n\n[[region]]\nid = \"us\"\n",
        )
        .unwrap();
        let (child, u) = spawn_serve(&t.data_dir(), &t.config());
        serve = Some(child);
        url = u;
    });
    t.wait_for("No applications in US yet");
    (t, serve.unwrap(), url)
}

/// Reloads (`r`) until `needle` shows, a bounded number of times (usage
/// reaches the store at the server's next flush); the screen.
fn reload_until(t: &Tmux, needle: &str) -> String {
    let mut screen = String::new();
    for _ in 0..100 {
        t.keys(&["r"]);
        screen = t.wait_for("Reloaded US");
        if screen.contains(needle) {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("'{needle}' never appeared after reloads:\n{screen}");
}

/// The secrets `apps show` lists for `id`.
fn secrets_of(t: &Tmux, id: &str) -> Vec<Value> {
    t.cli(&["apps", "show", id, "--json"])["secrets"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn rotate_shows_both_secrets_counting_down_and_retire_ends_the_old_one() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let (t, _serve, url) = start_with_serve_and_a_2h_grace();
    let added = t.cli(&[
        "apps",
        "add",
        "--region",
        "us",
        "--name",
        "Rotating app",
        "--json",
    ]);
    let id = added["client_id"].as_str().unwrap().to_owned();
    let old_secret = added["client_secret"].as_str().unwrap().to_owned();
    t.keys(&["r"]);
    t.wait_for("Rotating app");

    // R: one dialog, Rotate first, the deadline it would set from the grace.
    t.keys(&["R"]);
    let screen = t.wait_for("New client secret?");
    assert!(screen.contains("Reset now"), "{screen}");
    assert!(
        screen.contains("keeps working until") && screen.contains("(in 2:00:00)"),
        "{screen}"
    );
    t.keys(&["Enter"]);
    let screen = t.wait_for("Rotated Rotating app");
    // Both secrets, each counting down: the new one's window, the old one's grace.
    assert!(
        line_with(&screen, "visible ").contains("visible 1"),
        "{screen}"
    );
    let old = line_with(&screen, "Old secret");
    assert!(old.contains("works until"), "{screen}");
    assert!(old.contains("(in 1:59:"), "{screen}");
    assert!(screen.contains("never used since rotation"), "{screen}");
    assert!(
        screen.contains("x retire"),
        "the footer offers it:\n{screen}"
    );

    // The store agrees: two secrets, the old one retiring for two hours.
    let app = t.cli(&["apps", "show", &id, "--json"]);
    let secrets = app["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2, "{app}");
    assert_eq!(secrets[0]["state"], "current");
    assert_eq!(secrets[1]["state"], "retiring");
    let until =
        chrono::DateTime::parse_from_rfc3339(secrets[1]["expires_at"].as_str().unwrap()).unwrap();
    let left = until
        .signed_duration_since(chrono::Utc::now())
        .num_seconds();
    assert!((7000..=7200).contains(&left), "{left} s left: {app}");

    // A platform still on the old secret gets a token, and the UI shows it
    // was used, and from where, after the server's next flush.
    assert_eq!(token_status(&url, &id, &old_secret), 200);
    let screen = reload_until(&t, "from 127.0.0.1");
    assert!(screen.contains("last used"), "{screen}");
    // The old one's countdown runs on by itself (polled, bounded).
    let before = line_with(&screen, "(in 1:5").to_owned();
    let mut after = String::new();
    for _ in 0..100 {
        after = t.screen();
        if line_with(&after, "Old secret") != before {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_ne!(line_with(&after, "Old secret"), before, "{after}");

    // x asks first; a key other than y keeps it.
    t.keys(&["x"]);
    let screen = t.wait_for("Retire the old secret?");
    assert!(screen.contains("from 127.0.0.1"), "{screen}");
    t.keys(&["n"]);
    t.wait_for("Retire cancelled");
    assert_eq!(secrets_of(&t, &id).len(), 2);
    // y retires it: gone from the screen and from the store, and refused.
    t.keys(&["x"]);
    t.wait_for("Retire the old secret?");
    t.keys(&["y"]);
    let screen = t.wait_for("Retired the old secret of Rotating app");
    assert!(!screen.contains("Old secret"), "{screen}");
    assert!(!screen.contains("x retire"), "{screen}");
    let secrets = secrets_of(&t, &id);
    assert_eq!(secrets.len(), 1, "{secrets:?}");
    assert_eq!(secrets[0]["state"], "current");
    assert_eq!(token_status(&url, &id, &old_secret), 401);

    // It got a token a moment ago: the list says so, and `unused:1d` hides it.
    assert!(
        !line_with(&screen, "Rotating app").contains("never"),
        "{screen}"
    );
    t.keys(&["/"]);
    t.text("unused:1d");
    t.wait_for("Nothing matches /unused:1d");
    t.keys(&["Escape"]);
    t.wait_for("Applications (1)");

    // The rotation's new secret was neither shown nor copied: quitting asks.
    t.keys(&["q"]);
    let screen = t.wait_for("Quit and lose the new secret?");
    assert!(screen.contains("Rotating app"), "{screen}");
    t.keys(&["y"]);
    t.wait_closed();
}

#[test]
fn l_shows_the_applications_log_with_the_uis_own_changes() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_with("audit", false);
    t.wait_for("No applications in US yet");
    add_by_cli(&t, "Payroll");
    // A rename in the UI, then its log.
    t.keys(&["e", "C-u"]);
    t.text("Payroll sync");
    t.keys(&["Enter"]);
    t.wait_for("Renamed to");
    t.keys(&["l"]);
    let screen = t.wait_for("renamed Payroll to Payroll sync");
    assert!(screen.contains("Audit log: Payroll sync"), "{screen}");
    assert!(
        screen.contains("(tui) renamed Payroll to Payroll sync"),
        "{screen}"
    );
    assert!(screen.contains("(cli) created Payroll"), "{screen}");
    t.keys(&["Escape"]);
    t.wait_gone("Audit log");
    t.keys(&["L"]);
    t.wait_for("Audit log: region us");
    t.keys(&["q", "q"]);
}

/// A terminal that goes away (an SSH connection dropped, tmux killed) ends
/// the UI, even when no SIGHUP reaches it (here: started in a session of its
/// own with `setsid`, as a process outside the terminal's session would be,
/// or when the hangup lands while it reads the terminal). It must never be
/// left reading a dead terminal forever, burning a core.
#[test]
fn closing_the_terminal_ends_the_ui_even_without_a_hangup_signal() {
    for (round, wrapper) in ["", "setsid -w "].iter().enumerate() {
        let t = Tmux::start_wrapped(&format!("hangup{round}"), wrapper);
        t.wait_for("No applications in US yet");
        let pid = std::fs::read_to_string(t.dir.path().join("pid")).unwrap();
        let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
        t.text("jjjj");
        t.tmux(&["kill-server"]);
        let mut gone = false;
        for _ in 0..200 {
            // A zombie (its parent gone too) counts as ended.
            let state = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
            if state.is_empty() || state.contains(") Z ") {
                gone = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if !gone {
            let _ = Command::new("kill").args(["-9", pid.trim()]).status();
        }
        assert!(gone, "{wrapper}keyward outlived its terminal by 20 s");
    }
}

#[test]
fn the_palette_switches_region_selects_an_app_and_names_an_unknown_command() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_with("palette", false);
    t.wait_for("No applications in US yet");
    add_by_cli(&t, "Alpha export");
    add_by_cli(&t, "Payroll sync");
    assert!(line_with(&t.screen(), "▶").contains("Alpha export"));

    // `:app` with part of a name selects that application.
    t.keys(&[":"]);
    t.wait_for(" Command ");
    t.text("app payr");
    t.wait_for("application ");
    t.keys(&["Enter"]);
    t.wait_gone(" Command ");
    let screen = t.screen();
    assert!(line_with(&screen, "▶").contains("Payroll sync"), "{screen}");

    // `o` orders the list, and the title says how.
    t.keys(&["o"]);
    t.wait_for("Applications (2) · by created");

    // An unknown command says so, and the palette stays open.
    t.keys(&[":"]);
    t.wait_for(" Command ");
    t.text("frobnicate");
    t.keys(&["Enter"]);
    t.wait_for("Unknown command :frobnicate");
    t.keys(&["C-u"]);

    // `:region uk` switches the tab.
    t.text("region uk");
    t.keys(&["Enter"]);
    let screen = t.wait_for("No applications in UK yet");
    assert!(screen.contains("[2 UK"), "{screen}");
    t.keys(&["q"]);
    t.wait_closed();
}

/// Suspend and resume (`z`, a `y` each), delete to the trash, and restore
/// from the trash view (`T`, `u`, `y`), in a real terminal; the CLI, another
/// process, sees each change.
#[test]
fn suspend_resume_delete_and_restore_in_a_real_terminal() {
    if !has_tmux() {
        panic!("tmux is not installed: run scripts/test, which installs it");
    }
    let t = Tmux::start_prepared("lifecycle", false, |p| {
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(p.data_dir())
            .arg("--config")
            .arg(p.config())
            .args([
                "apps",
                "add",
                "--region",
                "us",
                "--name",
                "Lifecycle app",
                "--json",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    t.wait_for("Lifecycle app");
    let id = t.cli(&["apps", "list", "--region", "us", "--json"])[0]["client_id"]
        .as_str()
        .unwrap()
        .to_owned();

    t.keys(&["z"]);
    t.wait_for("Suspend application?");
    t.keys(&["y"]);
    t.wait_for("SUSPENDED since");
    assert!(t.cli(&["apps", "show", &id, "--json"])["suspended_at"].is_string());
    t.keys(&["z"]);
    t.wait_for("Resume application?");
    t.keys(&["y"]);
    t.wait_for("Resumed");
    assert!(
        t.cli(&["apps", "show", &id, "--json"])
            .get("suspended_at")
            .is_none()
    );

    t.keys(&["d"]);
    t.wait_for("It stays in the trash for");
    t.text("Lifecycle app");
    t.keys(&["Enter"]);
    t.wait_for("In the trash for 7 days");
    let trash = t.cli(&["apps", "list", "--deleted", "--json"]);
    assert_eq!(trash[0]["client_id"], id.as_str());

    t.keys(&["T"]);
    t.wait_for("Trash: deleted applications");
    t.wait_for("purged after");
    t.keys(&["u"]);
    t.wait_for("Restore Lifecycle app?");
    t.keys(&["y"]);
    t.wait_for("Restored Lifecycle app");
    assert_eq!(
        t.cli(&["apps", "show", &id, "--json"])["client_id"],
        id.as_str()
    );
    t.keys(&["Escape", "q"]);
}
