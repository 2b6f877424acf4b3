//! The OSC 52 escape: `ESC ] 52 ; c ; <base64> BEL`.

use base64::Engine as _;

use super::ClipboardError;

/// Largest base64 payload we send. Terminals cap OSC 52 differently (hterm and
/// several others near 100 kB, some lower); 74,994 bytes is a size every
/// common implementation accepts. Secrets and IDs are far below it.
pub const MAX_OSC52_PAYLOAD: usize = 74_994;

/// The escape that puts `text` on the clipboard ("c" selection). An empty `text`
/// clears it. `tmux`/`screen` wrap it in that multiplexer's passthrough form.
pub fn osc52_sequence(text: &str, tmux: bool, screen: bool) -> Result<String, ClipboardError> {
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    if payload.len() > MAX_OSC52_PAYLOAD {
        return Err(ClipboardError::TooLong(payload.len()));
    }
    let seq = format!("\x1b]52;c;{payload}\x07");
    Ok(if tmux {
        // tmux passes a DCS through when every ESC inside is doubled.
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else if screen {
        format!("\x1bP{seq}\x1b\\")
    } else {
        seq
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_wrapped_forms() {
        assert_eq!(
            osc52_sequence("hi", false, false).unwrap(),
            "\x1b]52;c;aGk=\x07"
        );
        assert_eq!(
            osc52_sequence("hi", true, false).unwrap(),
            "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        assert_eq!(
            osc52_sequence("hi", false, true).unwrap(),
            "\x1bP\x1b]52;c;aGk=\x07\x1b\\"
        );
    }

    #[test]
    fn payload_limit() {
        let big = "x".repeat(MAX_OSC52_PAYLOAD);
        assert!(matches!(
            osc52_sequence(&big, false, false),
            Err(ClipboardError::TooLong(_))
        ));
    }
}
