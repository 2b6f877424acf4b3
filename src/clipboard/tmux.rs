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
