//! Suspending and resuming (`z`, `:suspend`, `:resume`), and how a suspended
//! application shows.

use super::*;

fn suspended(mut s: State) -> State {
    let i = s.list.visible[s.list.selected];
    s.regions[0].apps[i].lifecycle.suspended_at = Some(s.now - Duration::minutes(5));
    s
}

#[test]
fn z_asks_and_only_y_suspends_then_z_resumes() {
    let mut s = state();
    send(&mut s, [ch('z')]);
    assert!(matches!(
        s.popup,
        Some(Popup::SuspendConfirm { suspend: true, .. })
    ));
    let fx = send(&mut s, [ch('y')]);
    assert_eq!(
        fx,
        vec![Effect::SetSuspended {
            region: 0,
            id: id(1),
            suspend: true
        }]
    );
    assert!(s.popup.is_none() && s.pending == 1);

    let mut s = suspended(state());
    send(&mut s, [ch('z')]);
    assert!(matches!(
        s.popup,
        Some(Popup::SuspendConfirm { suspend: false, .. })
    ));
    let fx = send(&mut s, [ch('y')]);
    assert!(matches!(
        fx.as_slice(),
        [Effect::SetSuspended { suspend: false, .. }]
    ));

    for cancel in [key(KeyCode::Enter), ch('n'), ch('z'), key(KeyCode::Esc)] {
        let mut s = state();
        send(&mut s, [ch('z')]);
        let fx = send(&mut s, [cancel]);
        assert!(fx.is_empty() && s.popup.is_none(), "{fx:?}");
        assert!(status_text(&s).contains("is unchanged"), "{:?}", s.status);
    }
}

#[test]
fn a_y_in_the_burst_of_the_z_or_a_paste_never_suspends() {
    let mut s = state();
    let fx = send(&mut s, [ch('z'), burst('y')]);
    assert!(fx.is_empty() && s.popup.is_none());
    let mut s = state();
    let fx = send(&mut s, [ch('z'), Msg::Paste("y".into())]);
    assert!(fx.is_empty() && s.popup.is_none());
    assert!(status_text(&s).contains("Cancelled by a paste"));
}

#[test]
fn the_palette_suspends_and_resumes_through_the_same_dialog() {
    for command in [":suspend", ":resume"] {
        let mut s = state();
        send(&mut s, typed(command));
        send(&mut s, [key(KeyCode::Enter)]);
        assert!(
            matches!(s.popup, Some(Popup::SuspendConfirm { .. })),
            "{command}: {:?}",
            s.popup
        );
    }
}

#[test]
fn a_suspension_comes_back_into_the_list() {
    let mut s = state();
    let i = s.list.visible[s.list.selected];
    let mut app = s.regions[0].apps[i].clone();
    app.lifecycle.suspended_at = Some(s.now);
    send(
        &mut s,
        [Msg::Updated {
            region: 0,
            what: "Suspended (no tokens until resumed):",
            result: Ok(app),
        }],
    );
    assert!(s.selected_app().unwrap().is_suspended());
    assert!(status_text(&s).contains("Suspended"), "{:?}", s.status);
}
