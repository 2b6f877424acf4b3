//! tmux's paste buffers. With `set-clipboard on`, tmux turns an OSC 52 escape
//! into a new paste buffer, but it drops an escape with an empty payload, so the
//! usual OSC 52 "clear" cannot empty it. Keyward runs on the same host as that
//! tmux, so it deletes the buffers that still hold exactly what it copied
//! (compared by SHA-256, like the system clipboard) and leaves the others.

use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

fn tmux(args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("tmux")
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// Deletes every tmux paste buffer whose contents hash to `fingerprint`.
/// Returns how many were deleted; 0 when tmux is not there or holds none.
pub fn delete_buffers_holding(fingerprint: &[u8; 32]) -> usize {
    let Some(names) = tmux(&["list-buffers", "-F", "#{buffer_name}"]) else {
        return 0;
    };
    let names = String::from_utf8_lossy(&names).into_owned();
    let mut deleted = 0;
    for name in names.lines().filter(|n| !n.is_empty()) {
        let Some(contents) = tmux(&["show-buffer", "-b", name]).map(Zeroizing::new) else {
            continue;
        };
        let digest: [u8; 32] = Sha256::digest(contents.as_slice()).into();
        if &digest == fingerprint && tmux(&["delete-buffer", "-b", name]).is_some() {
            deleted += 1;
        }
    }
    deleted
}

/// What the tmux this process runs in says about copying. `None` where tmux
/// did not answer (not in tmux, or an option this tmux does not have).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TmuxClipboard {
    /// `on` turns an application's OSC 52 into a paste buffer and passes it
    /// on to the outer terminal; `external` and `off` drop it.
    pub set_clipboard: Option<String>,
    /// `on` lets a passthrough-wrapped escape through (tmux 3.3 and later).
    pub allow_passthrough: Option<String>,
    /// The outer terminal as tmux knows it (`TERM` of the attached client).
    pub client_termname: Option<String>,
    /// The features tmux uses with that terminal; `clipboard` among them
    /// means tmux passes OSC 52 on to it.
    pub client_features: Option<String>,
}

/// Reads [`TmuxClipboard`] from the tmux server of `$TMUX`.
pub fn clipboard_options() -> TmuxClipboard {
    let text = |args: &[&str]| {
        tmux(args)
            .map(|out| String::from_utf8_lossy(&out).trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    TmuxClipboard {
        set_clipboard: text(&["show", "-sv", "set-clipboard"]),
        allow_passthrough: text(&["show", "-gv", "allow-passthrough"]),
        client_termname: text(&["display-message", "-p", "#{client_termname}"]),
        client_features: text(&["display-message", "-p", "#{client_termfeatures}"]),
    }
}
