//! The quit confirmation.

use super::*;

#[test]
fn quitting_with_a_fresh_secret_unseen_asks_first_and_a_second_ctrl_c_quits() {
    for quit in [ch('q'), ctrl('c')] {
        let mut s = with_fresh_secret();
        send(&mut s, [quit]);
        assert!(!s.quit);
        let Some(Popup::QuitConfirm { names, .. }) = &s.popup else {
            panic!("asks first: {:?}", s.popup)
        };
        assert_eq!(names, &["Billing export".to_owned()]);
        // n (or any key but y) stays.
        send(&mut s, [ch('n')]);
        assert!(!s.quit && s.popup.is_none());
        assert!(status_text(&s).contains("Not quitting"));
        // y quits.
        send(&mut s, [ch('q'), ch('y')]);
        assert!(s.quit);
    }
    // A second Ctrl-C quits anyway, even from a dialog.
    let mut s = with_fresh_secret();
    send(&mut s, [ch('s'), ctrl('c')]);
    assert!(!s.quit);
    send(&mut s, [ctrl('c')]);
    assert!(s.quit);
    // A y in the burst of the q does not quit.
    let mut s = with_fresh_secret();
    send(&mut s, [ch('q'), burst('y')]);
    assert!(!s.quit && s.popup.is_none());
}

#[test]
fn a_secret_shown_copied_or_past_its_window_lets_q_quit() {
    let mut s = with_fresh_secret();
    send(&mut s, [ch('v'), ch('v'), ch('q')]);
    assert!(s.quit, "shown once is enough");

    let mut s = with_fresh_secret();
    send(&mut s, [ch('y')]);
    send(
        &mut s,
        [Msg::Copied {
            what: Kind::ClientSecret,
            result: Err("no clipboard".into()),
        }],
    );
    send(&mut s, [ch('q')]);
    assert!(!s.quit, "a failed copy delivered nothing");
    send(&mut s, [key(KeyCode::Esc), ch('y')]);
    send(
        &mut s,
        [Msg::Copied {
            what: Kind::ClientSecret,
            result: Ok(CopyInfo::plain("OSC 52")),
        }],
    );
    send(&mut s, [ch('q')]);
    assert!(s.quit);

    let mut s = with_fresh_secret();
    s.now += Duration::seconds(901);
    send(&mut s, [ch('q')]);
    assert!(s.quit, "nothing left to lose");

    // Secrets made by others' sessions were never this session's to lose.
    let mut s = state();
    s.reveals.clear();
    send(&mut s, [ch('q')]);
    assert!(s.quit);
}
