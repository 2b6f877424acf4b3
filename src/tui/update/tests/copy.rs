//! Copies and the clipboard countdown.

use super::*;

#[test]
fn a_copy_counts_down_in_the_status_line_then_asks_for_the_clear() {
    let mut s = state();
    let clears_at = s.now + Duration::seconds(45);
    send(
        &mut s,
        [Msg::Copied {
            what: Kind::ClientSecret,
            result: Ok(CopyInfo {
                how: "sent to your terminal (OSC 52)",
                clears_at: Some(clears_at),
                fell_back: None,
            }),
        }],
    );
    assert_eq!(
        s.status.as_ref().unwrap().text,
        "✓ Client secret sent to your terminal (OSC 52) · clears in 0:45"
    );
    assert!(s.needs_tick(), "the countdown ticks");
    s.now += Duration::seconds(3);
    assert!(send(&mut s, [Msg::Tick]).is_empty());
    assert_eq!(
        s.status.as_ref().unwrap().text,
        "✓ Client secret sent to your terminal (OSC 52) · clears in 0:42"
    );
    s.now = clears_at;
    let fx = send(&mut s, [Msg::Tick]);
    assert_eq!(fx, vec![Effect::ClearClipboard]);
    assert!(s.copied.is_none());
    assert!(send(&mut s, [Msg::Tick]).is_empty(), "asked once");
    send(
        &mut s,
        [Msg::ClipboardCleared {
            result: Ok("Clipboard cleared".into()),
        }],
    );
    assert_eq!(s.status.as_ref().unwrap().text, "Clipboard cleared");
}

#[test]
fn a_fallback_copy_says_why_the_system_clipboard_was_not_used() {
    let mut s = state();
    send(
        &mut s,
        [Msg::Copied {
            what: Kind::ClientId,
            result: Ok(CopyInfo {
                how: "sent to your terminal (OSC 52)",
                clears_at: None,
                fell_back: Some("no answer within 1.5 s".into()),
            }),
        }],
    );
    let text = &s.status.as_ref().unwrap().text;
    assert!(
        text.contains("system clipboard failed: no answer"),
        "{text}"
    );
    assert!(s.copied.is_none(), "client IDs are not cleared by default");
}

#[test]
fn only_the_secret_copy_finishing_delivers_the_secret() {
    let mut s = with_fresh_secret();
    send(&mut s, [ch('y'), ch('c')]);
    send(
        &mut s,
        [Msg::Copied {
            what: Kind::ClientId,
            result: Ok(CopyInfo::plain("OSC 52")),
        }],
    );
    send(&mut s, [ch('q')]);
    assert!(!s.quit, "the client ID is not the secret");
    send(
        &mut s,
        [
            key(KeyCode::Esc),
            Msg::Copied {
                what: Kind::ClientSecret,
                result: Ok(CopyInfo::plain("OSC 52")),
            },
            ch('q'),
        ],
    );
    assert!(s.quit);
}
