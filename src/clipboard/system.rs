//! The desktop clipboard, owned by one long-lived worker thread.
//!
//! On X11 and Wayland the owner of a selection serves its contents to whoever
//! pastes, so the `arboard::Clipboard` must outlive the copy: the worker keeps it
//! for the life of the process. Every call waits at most a given time for the
//! worker, so an unreachable display (which can hang for a connection timeout)
//! never freezes the caller.

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

enum Request {
    Set(Zeroizing<String>, Sender<Result<(), String>>),
    Fingerprint(Sender<Result<Option<[u8; 32]>, String>>),
    Clear(Sender<Result<(), String>>),
}

/// A handle to the worker. Clones share it.
#[derive(Clone)]
pub struct SystemClipboard {
    requests: Sender<Request>,
}

fn worker(requests: Receiver<Request>) {
    let mut board: Option<arboard::Clipboard> = None;
    let open = |board: &mut Option<arboard::Clipboard>| -> Result<(), String> {
        if board.is_none() {
            *board = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        Ok(())
    };
    for req in requests {
        match req {
            Request::Set(text, reply) => {
                let r = open(&mut board).and_then(|()| match board.as_mut() {
                    Some(b) => set(b, &text),
                    None => Err("no clipboard".into()),
                });
                let _ = reply.send(r);
            }
            Request::Fingerprint(reply) => {
                let r = open(&mut board).and_then(|()| match board.as_mut() {
                    Some(b) => match b.get_text() {
                        Ok(t) => {
                            let t = Zeroizing::new(t);
                            Ok(Some(Sha256::digest(t.as_bytes()).into()))
                        }
                        // Empty or non-text contents: nothing of ours is there.
                        Err(arboard::Error::ContentNotAvailable) => Ok(None),
                        Err(e) => Err(e.to_string()),
                    },
                    None => Err("no clipboard".into()),
                });
                let _ = reply.send(r);
            }
            Request::Clear(reply) => {
                let r = open(&mut board).and_then(|()| match board.as_mut() {
                    Some(b) => b.clear().map_err(|e| e.to_string()),
                    None => Err("no clipboard".into()),
                });
                let _ = reply.send(r);
            }
        }
    }
}

#[cfg(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd"
))]
fn set(board: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    use arboard::SetExtLinux;
    board
        .set()
        .exclude_from_history()
        .text(text)
        .map_err(|e| e.to_string())
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd"
)))]
fn set(board: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    board.set_text(text).map_err(|e| e.to_string())
}

impl SystemClipboard {
    pub fn spawn() -> Self {
        let (tx, rx) = mpsc::channel();
        // If the thread cannot start, every request reports the closed channel.
        let _ = std::thread::Builder::new()
            .name("keyward-clipboard".into())
            .spawn(move || worker(rx));
        SystemClipboard { requests: tx }
    }

    fn ask<T>(
        &self,
        make: impl FnOnce(Sender<Result<T, String>>) -> Request,
        timeout: Duration,
    ) -> Result<T, String> {
        let (tx, rx) = mpsc::channel();
        self.requests
            .send(make(tx))
            .map_err(|_| "the clipboard worker stopped".to_string())?;
        match rx.recv_timeout(timeout) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "no answer within {:.1} s (is the display reachable?)",
                timeout.as_secs_f32()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err("the clipboard worker stopped".into()),
        }
    }

    pub fn set_text(&self, text: &str, timeout: Duration) -> Result<(), String> {
        let text = Zeroizing::new(text.to_owned());
        self.ask(|reply| Request::Set(text, reply), timeout)
    }

    /// SHA-256 of the clipboard's text, `None` if it holds no text.
    pub fn text_fingerprint(&self, timeout: Duration) -> Result<Option<[u8; 32]>, String> {
        self.ask(Request::Fingerprint, timeout)
    }

    pub fn clear(&self, timeout: Duration) -> Result<(), String> {
        self.ask(Request::Clear, timeout)
    }
}
