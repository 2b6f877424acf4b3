//! After a scripted session — add, reset, rotate, retire, import, concurrent
//! writes, a server issuing tokens (to both secrets of a rotation, recording
//! their use), `keyward token`, copying in the UI, a reset in the UI and a
//! panic — no generated secret appears anywhere it should not: the data dir
//! (with the SQLite WAL), the config dir, the server's log, the CLI's error
//! output, the panic output, `/proc/<pid>/cmdline` and `environ` of the running
//! processes, and the terminal's scrollback after the UI exits.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;

use crate::support::tmux::Pane;

const BIN: &str = env!("CARGO_BIN_EXE_keyward");

struct Session {
    dir: tempfile::TempDir,
    secrets: BTreeSet<String>,
    tokens: BTreeSet<String>,
    /// Text that was printed where a secret may not be: stderr, logs, panics.
    outputs: Vec<(String, String)>,
}

impl Session {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn keyward(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env("KEYWARD_DATA_DIR", self.data())
            .env("KEYWARD_CONFIG", self.config_dir().join("config.toml"))
            .env_remove("KEYWARD_CLIPBOARD")
            .env_remove("KEYWARD_CLIENT_SECRET");
        c
    }

    /// Runs keyward, keeps the secrets its JSON output carries, and files its
    /// standard error among the places to scan.
    fn json(&mut self, what: &str, args: &[&str], stdin: Option<&str>) -> Vec<serde_json::Value> {
        let mut child = self
            .keyward()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.outputs.push((
            format!("stderr of {what}"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let values: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
            .into_iter::<serde_json::Value>()
            .map(Result::unwrap)
            .collect();
        for v in &values {
            if let Some(s) = v["client_secret"].as_str() {
                self.secrets.insert(s.to_owned());
            }
            if let Some(t) = v["access_token"].as_str() {
                self.tokens.insert(t.to_owned());
            }
        }
        values
    }
}

/// Forms a secret could leak in: as is, and encoded.
fn forms(secret: &str) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        secret.as_bytes().to_vec(),
        b64.encode(secret).into_bytes(),
        secret
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes(),
    ]
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

/// Every place, by name, whose bytes must hold none of `secrets`.
fn assert_clean(places: &[(String, Vec<u8>)], secrets: &BTreeSet<String>) {
    for (name, bytes) in places {
        for s in secrets {
            for form in forms(s) {
                assert!(!find(bytes, &form), "a secret leaked into {name}");
            }
        }
    }
}

fn proc_of(pid: u32) -> Vec<(String, Vec<u8>)> {
    ["cmdline", "environ"]
        .iter()
        .filter_map(|f| {
            std::fs::read(format!("/proc/{pid}/{f}"))
                .ok()
                .map(|b| (format!("/proc/{pid}/{f}"), b))
        })
        .collect()
}

#[allow(clippy::too_many_lines)] // One end-to-end scenario whose steps build on each other, read top to bottom.
#[test]
fn no_secret_leaks_anywhere_after_a_full_session() {
    let mut s = Session {
        dir: tempfile::tempdir().unwrap(),
        secrets: BTreeSet::new(),
        tokens: BTreeSet::new(),
        outputs: Vec::new(),
    };
    std::fs::create_dir_all(s.config_dir()).unwrap();
    std::fs::write(
        s.config_dir().join("config.toml"),
        "clipboard_clear_after = 2\n",
    )
    .unwrap();

    // CLI: add, reset, import, concurrent adds.
    let added = s.json(
        "add",
        &[
            "apps",
            "add",
            "--region",
            "us",
            "--name",
            "Leak probe",
            "--scope",
            "ess:account=read",
            "--json",
        ],
        None,
    );
    let id = added[0]["client_id"].as_str().unwrap().to_owned();
    s.json(
        "reset",
        &["apps", "reset-secret", &id, "--yes", "--json"],
        None,
    );
    s.json(
        "import",
        &["apps", "import", "--region", "uk", "-"],
        Some("{\"client_name\":\"Imported 1\"}\n{\"client_name\":\"Imported 2\",\"scopes\":[{\"scope\":\"audit:logs\",\"access\":\"write\"}]}\n"),
    );
    let writers: Vec<_> = (0..4)
        .map(|i| {
            s.keyward()
                .args([
                    "apps",
                    "add",
                    "--region",
                    "us",
                    "--name",
                    &format!("Parallel {i}"),
                    "--json",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for w in writers {
        let out = w.wait_with_output().unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        s.secrets
            .insert(v["client_secret"].as_str().unwrap().to_owned());
        s.outputs.push((
            "stderr of a parallel add".into(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    let current = s.json(
        "reset again",
        &["apps", "reset-secret", &id, "--yes", "--json"],
        None,
    );
    let secret = current[0]["client_secret"].as_str().unwrap().to_owned();
    // A rotation: `secret` is retiring now, and both get tokens below.
    let rotated = s.json(
        "rotate",
        &["apps", "rotate", &id, "--grace", "1h", "--yes", "--json"],
        None,
    );
    let rotated_secret = rotated[0]["client_secret"].as_str().unwrap().to_owned();

    // A server issues tokens; `keyward token` reads the secret from stdin.
    // With a line per request, so that every line a request can write is scanned.
    let log_path = s.dir.path().join("serve.log");
    let mut server = s
        .keyward()
        .args([
            "serve",
            "--region",
            "us",
            "--listen",
            "127.0.0.1:0",
            "--log-requests",
        ])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let mut server_procs = proc_of(server.id());
    s.json(
        "token",
        &[
            "token",
            "--client-id",
            &id,
            "--token-url",
            &format!("{url}/oauth2/token"),
            "--json",
        ],
        Some(&format!("{secret}\n")),
    );
    s.json(
        "token with the new secret of a rotation",
        &[
            "token",
            "--client-id",
            &id,
            "--token-url",
            &format!("{url}/oauth2/token"),
            "--json",
        ],
        Some(&format!("{rotated_secret}\n")),
    );
    // A failed attempt with a wrong secret is logged without the secret.
    let wrong = "W".repeat(48);
    s.secrets.insert(wrong.clone());
    let out = s
        .keyward()
        .args([
            "token",
            "--client-id",
            &id,
            "--token-url",
            &format!("{url}/oauth2/token"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(format!("{wrong}\n").as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(!out.status.success());
    s.outputs.push((
        "stderr of a failed token".into(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ));
    server_procs.extend(proc_of(server.id()));
    stop_server(&mut server);
    // The server wrote usage on its way out; retire the old secret.
    let shown = s.json("show after serving", &["apps", "show", &id, "--json"], None);
    let used = shown[0]["secrets"].as_array().unwrap();
    assert!(
        used.len() == 2 && used.iter().all(|x| !x["last_used_at"].is_null()),
        "both secrets' use was recorded: {}",
        shown[0]
    );
    let retired = s
        .keyward()
        .args(["apps", "retire", &id, "--yes"])
        .output()
        .unwrap();
    assert!(
        retired.status.success(),
        "{}",
        String::from_utf8_lossy(&retired.stderr)
    );
    s.outputs.push((
        "output of retire".into(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&retired.stdout),
            String::from_utf8_lossy(&retired.stderr)
        ),
    ));

    // The UI: add, copy over OSC 52, rotate, retire, reset, then a panic with
    // secrets in memory.
    let cmd = format!(
        "env -u DISPLAY -u WAYLAND_DISPLAY SSH_TTY=/dev/pts/99 KEYWARD_DEBUG_PANIC=1 KEYWARD_DATA_DIR='{}' KEYWARD_CONFIG='{}' '{BIN}' tui --region us; echo UI-EXITED; sleep 30",
        s.data().display(),
        s.config_dir().join("config.toml").display()
    );
    let tmux = Pane::start("leak", &[], &cmd);
    tmux.run(&["set-option", "-s", "set-clipboard", "on"]);
    tmux.run(&["set-option", "-g", "history-limit", "10000"]);
    tmux.wait_for("Leak probe");
    tmux.keys(&["a"]);
    tmux.wait_for("Add an application");
    tmux.text("From the UI");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Added From the UI");
    tmux.keys(&["v", "y"]);
    tmux.wait_for("sent to your terminal (OSC 52)");
    let copied = tmux.run(&["show-buffer"]).expect("the copy reached tmux");
    assert_eq!(copied.len(), 48);
    s.secrets.insert(copied);
    // Rotate: the new secret is read off the UI's own screen, then masked.
    tmux.keys(&["R"]);
    tmux.wait_for("New client secret?");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Rotated From the UI");
    tmux.keys(&["v"]);
    let rotated = secrets_on(&tmux.wait_for("v masks"));
    assert_eq!(rotated.len(), 1, "the rotated secret is on the UI's screen");
    s.secrets.extend(rotated);
    tmux.keys(&["v"]);
    tmux.wait_for("v shows");
    // Retire the old one, then reset: every secret the UI made is known.
    tmux.keys(&["x"]);
    tmux.wait_for("Retire the old secret?");
    tmux.keys(&["y"]);
    tmux.wait_for("Retired the old secret of From the UI");
    tmux.keys(&["R"]);
    tmux.wait_for("New client secret?");
    tmux.keys(&["!"]);
    tmux.wait_for("New secret for From the UI");
    tmux.keys(&["v"]);
    // The UI's own processes, while it holds secrets.
    let pane_pid = tmux.pid();
    let mut ui_procs = Vec::new();
    for pid in descendants(pane_pid) {
        ui_procs.extend(proc_of(pid));
    }
    assert!(!ui_procs.is_empty());
    // The secret on screen now is the reset one: read it off the UI's screen.
    let screen = tmux.wait_for("v masks");
    let shown = secrets_on(&screen);
    assert_eq!(
        shown.len(),
        1,
        "the unmasked secret is on the UI's own screen:\n{screen}"
    );
    s.secrets.extend(shown);
    // Resized while the secret shows (narrower, then wider than at the start):
    // tmux then carried the top of the alternate screen over to the main one.
    tmux.resize(80, 24);
    tmux.resize(200, 40);
    tmux.keys(&["F12"]);
    tmux.wait_for("UI-EXITED");
    let scrollback = tmux.scrollback();
    assert!(
        scrollback.contains("KEYWARD_DEBUG_PANIC"),
        "the panic was printed:\n{scrollback}"
    );
    drop(tmux);

    // The audit log, as a SIEM reads it: every change is there with its
    // actor (the UI's reset as `tui`), and no secret, secret hash or token.
    let out = s.keyward().args(["audit", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audit = String::from_utf8(out.stdout).unwrap();
    let events: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let has = |action: &str, via: &str| {
        events
            .iter()
            .any(|e| e["action"] == action && e["actor"]["via"] == via)
    };
    assert!(
        has("create", "cli") && has("rotate_secret", "cli"),
        "{audit}"
    );
    assert!(has("reset_secret", "tui"), "the UI's reset: {audit}");
    for t in &s.tokens {
        assert!(!audit.contains(t.as_str()), "a token in the audit log");
    }
    let db = rusqlite::Connection::open(s.data().join("keyward.db")).unwrap();
    let mut hashes: Vec<Vec<u8>> = Vec::new();
    for table in ["applications", "previous_secrets", "retiring_secrets"] {
        let mut stmt = db
            .prepare(&format!("SELECT secret_hash FROM {table}"))
            .unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap();
        hashes.extend(rows.map(Result::unwrap));
    }
    assert!(!hashes.is_empty());
    for h in &hashes {
        let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(h);
        assert!(
            !audit.contains(&hex) && !audit.contains(&b64),
            "a secret's hash in the audit log"
        );
    }
    s.outputs
        .push(("the audit log (keyward audit --json)".into(), audit));

    // Every place to scan.
    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    let mut files = Vec::new();
    files_under(&s.data(), &mut files);
    files_under(&s.config_dir(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("keyward.db")));
    for f in files {
        places.push((f.display().to_string(), std::fs::read(&f).unwrap()));
    }
    let log = std::fs::read(&log_path).unwrap();
    assert!(
        String::from_utf8_lossy(&log).contains("token issued"),
        "the server logged"
    );
    for t in &s.tokens {
        assert!(
            !find(&log, t.as_bytes()),
            "a whole access token is in the server log"
        );
    }
    places.push(("the server log".into(), log));
    places.push((
        "the terminal scrollback after the UI (and its panic)".into(),
        scrollback.into_bytes(),
    ));
    places.extend(server_procs);
    places.extend(ui_procs);
    for (name, text) in &s.outputs {
        places.push((name.clone(), text.clone().into_bytes()));
    }
    assert!(
        s.secrets.len() >= 10,
        "the session made secrets: {}",
        s.secrets.len()
    );
    assert_clean(&places, &s.secrets);
}

/// `pid` and every process below it.
/// The 48-character words of a screen: an unmasked secret.
fn secrets_on(screen: &str) -> Vec<String> {
    screen
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 48)
        .map(str::to_owned)
        .collect()
}

fn descendants(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        if let Ok(children) =
            std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children"))
        {
            out.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
        i += 1;
    }
    out
}

/// Stops the server this test started, by its PID, with SIGTERM: a graceful
/// stop writes out the log lines still buffered, which the scan must see.
fn stop_server(child: &mut std::process::Child) {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let exit = child.wait().unwrap();
    assert!(
        exit.success(),
        "the server stops cleanly on SIGTERM: {exit:?}"
    );
}
