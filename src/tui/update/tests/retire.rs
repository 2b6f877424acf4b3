//! Retiring the old secret (`x`), its countdown, and what a retire brings back.

use super::*;
use crate::tui::keys;

/// Billing export (selected) rotated an hour ago, its old secret working for
/// `until_secs` more.
fn retiring(until_secs: i64) -> State {
    let mut s = state();
    let i = s.list.visible[s.list.selected];
    let a = s.regions[0].apps[i].clone();
    s.regions[0].apps[i] = rotated(a, until_secs, Some((120, "203.0.113.7")));
    s
}

fn footer_has_retire(s: &State) -> bool {
    keys::footer(s)
        .iter()
        .any(|(k, what)| *k == "x" && *what == "retire")
}

#[test]
fn x_asks_and_only_y_retires() {
    let mut s = retiring(3600);
    assert!(footer_has_retire(&s));
    send(&mut s, [ch('x')]);
    assert!(matches!(s.popup, Some(Popup::RetireConfirm { .. })));
    let fx = send(&mut s, [ch('y')]);
    assert_eq!(
        fx,
        vec![Effect::RetireSecret {
            region: 0,
            id: id(1)
        }]
    );
    assert!(s.popup.is_none() && s.pending == 1);

    for cancel in [
        key(KeyCode::Enter),
        ch('n'),
        ch('x'),
        key(KeyCode::Esc),
        ctrl('y'),
    ] {
        let mut s = retiring(3600);
        send(&mut s, [ch('x')]);
        let fx = send(&mut s, [cancel]);
        assert!(fx.is_empty() && s.popup.is_none(), "{fx:?}");
        assert!(
            status_text(&s)
                .contains("Retire cancelled; the old secret of Billing export keeps working"),
            "{:?}",
            s.status
        );
    }
}

#[test]
fn a_y_in_the_burst_of_the_x_or_a_paste_never_retires() {
    let mut s = retiring(3600);
    let fx = send(&mut s, [ch('x'), burst('y')]);
    assert!(fx.is_empty() && s.popup.is_none());
    assert!(status_text(&s).contains("Retire cancelled"));
    let mut s = retiring(3600);
    send(&mut s, [ch('x'), Msg::Paste("y".into())]);
    assert!(s.popup.is_none());
    assert!(status_text(&s).contains("Retire cancelled by a paste"));
}

#[test]
fn without_a_working_old_secret_x_says_there_is_none() {
    // None at all, or one whose deadline has passed: it fails already.
    for mut s in [state(), retiring(-1)] {
        assert!(!footer_has_retire(&s));
        let fx = send(&mut s, [ch('x')]);
        assert!(fx.is_empty() && s.popup.is_none());
        assert!(
            status_text(&s).contains("has no old secret to retire"),
            "{:?}",
            s.status
        );
    }
}

#[test]
fn the_old_secrets_countdown_ticks_and_stops_at_its_deadline() {
    let mut s = retiring(2);
    assert!(s.needs_tick());
    s.dirty = false;
    s.now = t0() + Duration::seconds(1);
    send(&mut s, [Msg::Tick]);
    assert!(s.dirty, "the countdown moved");
    s.now = t0() + Duration::seconds(2);
    send(&mut s, [Msg::Tick]);
    assert!(!s.needs_tick(), "past its deadline nothing counts down");
    assert!(!footer_has_retire(&s));
}

#[test]
fn a_retire_lists_the_answer_and_says_so() {
    let mut s = retiring(3600);
    s.pending = 1;
    let mut after = s.selected_app().unwrap().clone();
    after.secrets.truncate(1);
    send(
        &mut s,
        [Msg::SecretRetired {
            region: 0,
            result: Ok(after),
        }],
    );
    assert_eq!(s.pending, 0);
    assert!(s.selected_app().unwrap().retiring_secret().is_none());
    assert_eq!(
        status_text(&s),
        "Retired the old secret of Billing export: only the current one works now"
    );
    assert!(!s.needs_tick());

    let mut s = retiring(3600);
    s.pending = 1;
    send(
        &mut s,
        [Msg::SecretRetired {
            region: 0,
            result: Err(CallError::NothingToRetire),
        }],
    );
    assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Error);
    assert!(status_text(&s).contains("no old secret any more"));
}

#[test]
fn the_dialog_closes_when_the_old_secret_was_retired_elsewhere() {
    let mut s = retiring(3600);
    send(&mut s, [ch('x')]);
    let msg = reloaded(&s, |apps| apps[0].secrets.truncate(1));
    send(&mut s, [msg]);
    assert!(s.popup.is_none());
    assert!(
        status_text(&s).contains("The old secret of Billing export was retired elsewhere"),
        "{:?}",
        s.status
    );
}
