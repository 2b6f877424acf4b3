//! The new-secret dialog (`R`): rotate, reset now or cancel; and what a
//! rotation brings back.

use crossterm::event::KeyEvent;

use super::*;
use crate::model::SecretState;
use crate::registry::Issued;

fn enter() -> Msg {
    key(KeyCode::Enter)
}

fn burst_key(code: KeyCode) -> Msg {
    Msg::BurstKey(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Billing export (selected in `state()`) with one secret, `Old00001`.
fn described() -> State {
    let mut s = state();
    let i = s.list.visible[s.list.selected];
    let a = s.regions[0].apps[i].clone();
    s.regions[0].apps[i] = with_current(a, "Old00001");
    s
}

/// What the registry answers a rotation of Billing export with a grace of
/// `grace` seconds: `New00002` current, `Old00001` retiring.
fn rotation_answer(s: &State, grace: i64) -> Issued {
    let mut a = s.selected_app().unwrap().clone();
    let mut old = secret("Old00001", SecretState::Retiring, a.created_at);
    old.expires_at = Some(t0() + Duration::seconds(grace));
    a.secrets = vec![secret("New00002", SecretState::Current, t0()), old];
    issued(a, 900)
}

fn rotated_in_session() -> State {
    let mut s = described();
    send(&mut s, [ch('R'), enter()]);
    let answer = rotation_answer(&s, 86_400);
    send(
        &mut s,
        [Msg::SecretRotated {
            region: 0,
            result: Ok(answer),
        }],
    );
    s
}

#[test]
fn r_opens_one_dialog_whose_enter_rotates_with_the_configured_grace() {
    for rotate in [enter(), ch('r')] {
        let mut s = state();
        s.rotation_grace = Duration::hours(2);
        send(&mut s, [ch('R')]);
        assert!(matches!(s.popup, Some(Popup::NewSecret { .. })));
        let fx = send(&mut s, [rotate]);
        assert_eq!(
            fx,
            vec![Effect::RotateSecret {
                region: 0,
                id: id(1),
                grace: Duration::hours(2),
            }]
        );
        assert!(s.popup.is_none() && s.pending == 1);
    }
}

#[test]
fn a_reset_needs_its_own_key() {
    let mut s = state();
    let fx = send(&mut s, [ch('R'), ch('!')]);
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
    assert!(status_text(&s).contains("old one no longer works"));
}

#[test]
fn any_other_key_cancels_y_and_a_second_r_included() {
    // y confirmed the old reset dialog: a hand used to it changes nothing now.
    let ctrl_enter = Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::CONTROL));
    for cancel in [
        ch('y'),
        ch('Y'),
        ch('R'),
        ch('n'),
        key(KeyCode::Esc),
        ch('q'),
        ch('x'),
        ch('1'),
        key(KeyCode::Down),
        ctrl_enter,
    ] {
        let mut s = state();
        send(&mut s, [ch('R')]);
        let fx = send(&mut s, [cancel]);
        assert!(fx.is_empty() && s.popup.is_none(), "{fx:?}");
        let text = status_text(&s);
        assert!(
            text.contains("Nothing changed") && text.contains("Enter rotates, ! resets"),
            "{text}"
        );
    }
}

#[test]
fn keys_in_the_burst_of_the_r_and_pastes_never_choose() {
    for chosen in [burst_key(KeyCode::Enter), burst('!'), burst('r')] {
        let mut s = state();
        let fx = send(&mut s, [ch('R'), chosen, burst('!')]);
        assert!(fx.is_empty() && s.popup.is_none(), "{fx:?}");
        assert!(
            status_text(&s).contains("New secret cancelled"),
            "{:?}",
            s.status
        );
    }
    let mut s = state();
    send(&mut s, [ch('R'), Msg::Paste("!\r".into())]);
    assert!(s.popup.is_none());
    assert!(status_text(&s).contains("cancelled by a paste"));
    // An Enter of its own, after the dialog was drawn, rotates.
    let mut s = state();
    assert_eq!(send(&mut s, [ch('R'), enter()]).len(), 1);
}

#[test]
fn a_rotation_offers_the_new_secret_and_says_until_when_the_old_one_works() {
    let mut s = rotated_in_session();
    assert_eq!(s.pending, 0);
    assert_eq!(s.reveal_of(&id(1)).unwrap().seconds_left(s.now), 900);
    let text = status_text(&s);
    assert!(
        text.starts_with(
            "Rotated Billing export: the old secret works until 2026-11-24 09:40 (in 24:00:00)"
        ),
        "{text}"
    );
    assert!(text.contains("v shows, y copies"), "{text}");
    let app = s.selected_app().unwrap();
    assert_eq!(app.secrets.len(), 2, "the answer's application is listed");
    assert!(s.needs_tick());
    // Quitting before the new secret was seen or copied asks first.
    send(&mut s, [ch('q')]);
    assert!(!s.quit);
    assert!(matches!(s.popup, Some(Popup::QuitConfirm { .. })));
}

#[test]
fn deadlines_are_shown_in_local_time() {
    let mut s = described();
    s.utc_offset = chrono::FixedOffset::east_opt(3600).unwrap();
    send(&mut s, [ch('R'), enter()]);
    let answer = rotation_answer(&s, 3600);
    send(
        &mut s,
        [Msg::SecretRotated {
            region: 0,
            result: Ok(answer),
        }],
    );
    // 09:40 UTC plus an hour's grace is 10:40 UTC, 11:40 an hour east.
    let text = status_text(&s);
    assert!(
        text.contains("until 2026-11-23 11:40 (in 1:00:00)"),
        "{text}"
    );
}

#[test]
fn a_rotation_refused_says_to_retire_first_or_reset() {
    let mut s = state();
    s.pending = 1;
    let until = t0() + Duration::hours(3);
    send(
        &mut s,
        [Msg::SecretRotated {
            region: 0,
            result: Err(CallError::AlreadyRetiring(Some(until))),
        }],
    );
    assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Error);
    let text = status_text(&s);
    assert!(
        text.contains("still works until 2026-11-23 12:40 (in 3:00:00)"),
        "{text}"
    );
    assert!(
        text.contains("Retire it first (x) or reset (R, then !)"),
        "{text}"
    );
    assert!(s.reveals.is_empty());
    let mut s = state();
    s.pending = 1;
    send(
        &mut s,
        [Msg::SecretRotated {
            region: 0,
            result: Err(CallError::Failed("disk I/O error".into())),
        }],
    );
    assert_eq!(status_text(&s), "Cannot rotate the secret: disk I/O error");
}

#[test]
fn a_rotation_elsewhere_drops_the_secret_on_offer_and_says_so() {
    let mut s = rotated_in_session();
    send(&mut s, [ch('v')]);
    // A list taken before this session's rotation is no change.
    let stale = reloaded(&s, |apps| {
        apps[0] = with_current(apps[0].clone(), "Old00001");
    });
    send(&mut s, [stale]);
    assert!(s.reveal_of(&id(1)).is_some() && s.unmasked);
    // Even when the secret it shows as current was made in the same second
    // as ours: this session knew it came before.
    let stale = reloaded(&s, |apps| {
        apps[0].secrets = vec![secret("Old00001", SecretState::Current, t0())];
    });
    send(&mut s, [stale]);
    assert!(s.reveal_of(&id(1)).is_some() && s.unmasked);

    // Elsewhere, a later rotation: ours is now the old one.
    let msg = reloaded(&s, |apps| {
        let mut old = secret("New00002", SecretState::Retiring, t0());
        old.expires_at = Some(t0() + Duration::hours(2));
        let later = secret(
            "Else0001",
            SecretState::Current,
            t0() + Duration::seconds(20),
        );
        apps[0].secrets = vec![later, old];
    });
    send(&mut s, [msg]);
    assert!(s.reveals.is_empty() && s.fresh.is_empty() && !s.unmasked);
    let text = status_text(&s);
    assert!(
        text.starts_with(
            "Secret of Billing export was rotated elsewhere at 2026-11-23 09:40:20 UTC"
        ),
        "{text}"
    );
    assert!(
        text.contains("is now the old one and works until 2026-11-23 11:40 (in 2:00:00)"),
        "{text}"
    );

    // Rotated and retired elsewhere: ours is gone.
    let mut s = rotated_in_session();
    let msg = reloaded(&s, |apps| {
        let later = secret(
            "Else0001",
            SecretState::Current,
            t0() + Duration::seconds(20),
        );
        apps[0].secrets = vec![later];
    });
    send(&mut s, [msg]);
    assert!(s.reveals.is_empty());
    assert!(
        status_text(&s).contains("was replaced elsewhere at 2026-11-23 09:40:20 UTC"),
        "{:?}",
        s.status
    );

    // A reset elsewhere still says reset (it moves secret_issued_at).
    let mut s = rotated_in_session();
    let msg = reloaded(&s, |apps| {
        apps[0].secret_issued_at = t0() + Duration::seconds(5);
        apps[0].secrets = vec![secret("Else0001", SecretState::Current, t0())];
    });
    send(&mut s, [msg]);
    assert!(status_text(&s).contains("was reset elsewhere"));
}
