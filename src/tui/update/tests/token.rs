//! The token test (`t`).

use super::*;

#[test]
fn t_without_a_visible_secret_says_why_and_what_to_do() {
    let mut s = state();
    let fx = send(&mut s, [ch('t')]);
    assert!(fx.is_empty());
    assert!(s.popup.is_none());
    let text = &s.status.as_ref().unwrap().text;
    assert!(text.contains("no longer visible"), "{text}");
    assert!(text.contains("R makes a new one"), "{text}");
    // A closed window counts as no secret.
    s.reveals.insert(id(1), reveal(1, 5));
    s.now = t0() + Duration::seconds(6);
    assert!(send(&mut s, [ch('t')]).is_empty());
    assert!(s.popup.is_none());
}

#[test]
fn t_requests_a_token_with_the_visible_secret_and_every_held_scope() {
    use crate::tui::state::TokenShown;
    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 60));
    let fx = send(&mut s, [ch('t')]);
    let [
        Effect::TestToken {
            region,
            id: asked,
            secret,
            scopes,
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}");
    };
    assert_eq!((*region, asked), (0, &id(1)));
    assert_eq!(secret.expose(), SECRET);
    assert_eq!(scopes, &["account:billing:read", "ess:account:read"]);
    assert_eq!(s.pending, 1);
    let Some(Popup::Token(p)) = &s.popup else {
        panic!("no panel")
    };
    assert_eq!((p.via.as_str(), p.result.is_none()), ("local", true));
    assert!(s.needs_tick(), "the panel counts down");

    let shown = TokenShown {
        prefix: "eyJhbGciOiJF…".into(),
        token_type: Some("Bearer".into()),
        scope: Some("account:billing:read ess:account:read".into()),
        claims: vec![("sub".into(), id(1).to_string())],
        expires_at: Some(t0() + Duration::hours(1)),
    };
    // An answer for another application (a panel closed and reopened) is dropped.
    send(
        &mut s,
        [Msg::TokenTested {
            id: id(2),
            result: Ok(shown.clone()),
        }],
    );
    let Some(Popup::Token(p)) = &s.popup else {
        panic!()
    };
    assert!(p.result.is_none());
    send(
        &mut s,
        [Msg::TokenTested {
            id: id(1),
            result: Ok(shown.clone()),
        }],
    );
    let Some(Popup::Token(p)) = &s.popup else {
        panic!()
    };
    assert_eq!(p.result, Some(Ok(shown)));
    assert_eq!(s.pending, 0);
    s.dirty = false;
    send(&mut s, [Msg::Tick]);
    assert!(s.dirty, "the expiry countdown redraws every second");

    // t asks again; Esc, q and Enter close.
    let fx = send(&mut s, [ch('t')]);
    assert!(matches!(fx.as_slice(), [Effect::TestToken { .. }]));
    for k in [key(KeyCode::Esc), ch('q'), key(KeyCode::Enter)] {
        let mut s = state();
        s.reveals.insert(id(1), reveal(1, 60));
        send(&mut s, [ch('t'), k]);
        assert!(s.popup.is_none());
        assert!(!s.quit);
    }
}

#[test]
fn t_shows_the_oauth_error_and_a_late_answer_after_close_is_dropped() {
    use crate::tui::state::TokenFailure;
    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 60));
    send(&mut s, [ch('t')]);
    let failure = TokenFailure {
        error: "invalid_client".into(),
        description: Some("client authentication failed".into()),
    };
    send(
        &mut s,
        [Msg::TokenTested {
            id: id(1),
            result: Err(failure.clone()),
        }],
    );
    let Some(Popup::Token(p)) = &s.popup else {
        panic!()
    };
    assert_eq!(p.result, Some(Err(failure.clone())));

    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 60));
    send(&mut s, [ch('t'), key(KeyCode::Esc)]);
    send(
        &mut s,
        [Msg::TokenTested {
            id: id(1),
            result: Err(failure),
        }],
    );
    assert!(s.popup.is_none());
    assert_eq!(s.pending, 0);
}
