//! A real terminal for end-to-end tests: a tmux server of the test's own (its
//! own socket), one 120x40 session, keys in with `send-keys`, the screen out
//! with `capture-pane`. Killed when dropped. scripts/test installs tmux.

use std::process::Command;
use std::time::Duration;

pub struct Pane {
    socket: String,
    session: String,
}

impl Pane {
    /// Starts `cmd` (a shell command line) in a new detached 120x40 session.
    /// `env` is set for the session (`-e NAME=VALUE`). Esc reaches the program
    /// at once (no escape delay).
    pub fn start(name: &str, env: &[&str], cmd: &str) -> Pane {
        let pane = Pane {
            socket: format!("keyward-{name}-{}", std::process::id()),
            session: "kw".to_owned(),
        };
        let mut args = vec![
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "40",
            "-s",
            "kw",
        ];
        for e in env {
            args.extend(["-e", e]);
        }
        args.push(cmd);
        pane.run(&args)
            .expect("tmux starts (scripts/test installs it)");
        pane.run(&["set-option", "-s", "escape-time", "0"]);
        pane
    }

    /// Runs a tmux command on this server: its standard output, or `None` when
    /// tmux reports failure.
    pub fn run(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs (scripts/test installs it)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", &self.session, k]);
        }
    }

    /// Types `text` literally.
    pub fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", &self.session, "-l", text]);
    }

    /// Whether the session (and so the program in it) still runs.
    pub fn alive(&self) -> bool {
        self.run(&["has-session", "-t", &self.session]).is_some()
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.session])
            .unwrap_or_default()
    }

    /// Everything the pane holds, scrollback included.
    pub fn scrollback(&self) -> String {
        self.run(&[
            "capture-pane",
            "-p",
            "-S",
            "-",
            "-E",
            "-",
            "-t",
            &self.session,
        ])
        .unwrap_or_default()
    }

    /// The pid of the pane's first process.
    pub fn pid(&self) -> u32 {
        self.run(&["display-message", "-p", "-t", &self.session, "#{pane_pid}"])
            .and_then(|p| p.trim().parse().ok())
            .expect("the pane has a process")
    }

    /// Polls the screen until `needle` shows, a bounded number of times.
    pub fn wait_for(&self, needle: &str) -> String {
        let mut screen = String::new();
        for _ in 0..150 {
            screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("'{needle}' never appeared; the screen was:\n{screen}");
    }

    pub fn wait_gone(&self, needle: &str) {
        for _ in 0..150 {
            if !self.screen().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("'{needle}' never went away:\n{}", self.screen());
    }

    /// Resizes the window to `width` x `height` and polls until keyward's UI
    /// has redrawn at the new width (its header ends with "? help" in the
    /// last columns).
    pub fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        self.run(&["resize-window", "-t", &self.session, "-x", &w, "-y", &h]);
        let mut screen = String::new();
        for _ in 0..150 {
            screen = self.screen();
            let header = screen.lines().next().unwrap_or_default().trim_end();
            if header.ends_with("? help") && header.chars().count() == usize::from(width) - 1 {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the UI never redrew at {width}x{height}:\n{screen}");
    }

    /// Polls until the session has ended.
    pub fn wait_closed(&self) {
        for _ in 0..150 {
            if !self.alive() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the program never ended:\n{}", self.screen());
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}
