//! The reset confirmation (`R`).

use super::*;

#[test]
fn reset_asks_first_and_defaults_to_no() {
    // Any key but y cancels: a key it does not use is no answer.
    for cancel in [
        key(KeyCode::Enter),
        ch('n'),
        key(KeyCode::Esc),
        ch('q'),
        ch('x'),
        key(KeyCode::Down),
    ] {
        let mut s = state();
        send(&mut s, [ch('R')]);
        assert!(matches!(s.popup, Some(Popup::ResetConfirm { .. })));
        let fx = send(&mut s, [cancel]);
        assert!(fx.is_empty() && s.popup.is_none());
        assert!(s.status.as_ref().unwrap().text.contains("cancelled"));
    }
    let mut s = state();
    let fx = send(&mut s, [ch('R'), ch('y')]);
    assert_eq!(
        fx,
        vec![Effect::ResetSecret {
            region: 0,
            id: id(1)
        }]
    );
    let a = s.selected_app().unwrap().clone();
    send(
        &mut s,
        [Msg::SecretReset {
            region: 0,
            result: Ok(issued(a, 900)),
        }],
    );
    assert_eq!(s.reveal_of(&id(1)).unwrap().seconds_left(s.now), 900);
    assert!(
        s.status
            .as_ref()
            .unwrap()
            .text
            .contains("old one no longer works")
    );
}

#[test]
fn a_paste_sent_as_keys_never_resets_a_secret() {
    // `tmux send-keys -l Ready`: one read, R first, the rest in its burst.
    let mut s = state();
    let fx = send(
        &mut s,
        [ch('R'), burst('e'), burst('a'), burst('d'), burst('y')],
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.popup.is_none());
    assert!(
        status_text(&s).contains("Reset cancelled"),
        "{:?}",
        s.status
    );

    // Even a y right behind the R in the same read does not confirm.
    let mut s = state();
    let fx = send(&mut s, [ch('R'), burst('y')]);
    assert!(fx.is_empty() && s.popup.is_none());
    // Nor does a y in the burst of a key that came before the R.
    let mut s = state();
    let fx = send(&mut s, [ch('x'), burst('R'), burst('y')]);
    assert!(fx.is_empty() && s.popup.is_none());

    // A y of its own, after the dialog was drawn, does.
    let mut s = state();
    let fx = send(&mut s, [ch('R'), ch('y')]);
    assert_eq!(fx.len(), 1);
}
