//! The copy seam: `update` asks for `Effect::Copy`, the loop hands the text to a
//! [`Copier`]. The clipboard module will provide the robust implementation
//! (system clipboard, auto-clear); until then OSC 52 is used.

use std::io::Write;

use base64::Engine as _;

/// Puts text on the clipboard; returns how ("OSC 52") for the status line.
pub trait Copier {
    fn copy(&mut self, out: &mut dyn Write, text: &str) -> Result<&'static str, String>;
}

/// `ESC ] 52 ; c ; <base64> BEL`, which the terminal emulator (and tmux with
/// `set-clipboard on`) turns into a clipboard write. Written between frames.
pub struct Osc52;

impl Copier for Osc52 {
    fn copy(&mut self, out: &mut dyn Write, text: &str) -> Result<&'static str, String> {
        let payload =
            zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(text));
        let seq = zeroize::Zeroizing::new(format!("\x1b]52;c;{}\x07", payload.as_str()));
        out.write_all(seq.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to the terminal: {e}"))?;
        Ok("OSC 52")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_sequence() {
        let mut out = Vec::new();
        assert_eq!(Osc52.copy(&mut out, "abc").unwrap(), "OSC 52");
        assert_eq!(out, b"\x1b]52;c;YWJj\x07");
    }
}
