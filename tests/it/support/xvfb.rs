//! A real X server (Xvfb) on a free display, and its clipboard read with xclip.
//! scripts/test installs xvfb and xclip.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        // -displayfd 1: Xvfb picks a free display and prints its number.
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed (scripts/test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.trim().parse::<u32>().is_ok(), "Xvfb printed {line:?}");
        Xvfb {
            child,
            display: format!(":{}", line.trim()),
        }
    }

    /// The clipboard's text, `None` when it holds none.
    pub fn clipboard(&self) -> Option<String> {
        let out = Command::new("xclip")
            .args(["-o", "-selection", "clipboard"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("xclip is installed (scripts/test installs it)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Polls until the clipboard holds `want`, a bounded number of times, and
    /// returns what it held last.
    pub fn wait_for(&self, want: Option<&str>) -> Option<String> {
        let mut last = None;
        for _ in 0..100 {
            last = self.clipboard();
            if last.as_deref() == want {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        last
    }

    /// Copies `text` as another application would: xclip stays in the
    /// foreground serving it until the returned child is stopped.
    pub fn copy_as_user(&self, text: &str) -> Child {
        use std::io::Write;
        let mut child = Command::new("xclip")
            .args(["-selection", "clipboard", "-quiet"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        child
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A display that accepts connections and never replies, as an unreachable X
/// server behaves: without a time bound a clipboard call would hang for the
/// whole connection timeout. X11 clients find display N at /tmp/.X11-unix/XN.
pub struct HungDisplay {
    pub display: String,
    socket: String,
}

impl HungDisplay {
    pub fn start() -> HungDisplay {
        use std::os::unix::net::UnixListener;
        use std::path::Path;
        std::fs::create_dir_all("/tmp/.X11-unix").unwrap();
        // Each test process picks from its own range of display numbers.
        let base = 600 + (std::process::id() % 50) * 20;
        let (n, listener) = (base..base + 200)
            .find_map(|n| {
                let path = format!("/tmp/.X11-unix/X{n}");
                if Path::new(&path).exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                    return None;
                }
                UnixListener::bind(&path).ok().map(|l| (n, l))
            })
            .expect("a free display number");
        std::thread::spawn(move || {
            let held: Vec<_> = listener.incoming().take(8).collect();
            std::thread::sleep(Duration::from_secs(60));
            drop(held);
        });
        HungDisplay {
            display: format!(":{n}"),
            socket: format!("/tmp/.X11-unix/X{n}"),
        }
    }
}

impl Drop for HungDisplay {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
    }
}
