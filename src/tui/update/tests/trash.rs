//! The trash (`T`, `:trash`): reading it, restoring and purging with a
//! guarded `y`, and what comes back.

use super::*;

/// The trash of region 0, open and read: one application, Payroll sync.
fn open_trash() -> (State, crate::model::Application) {
    let mut s = state();
    let fx = send(&mut s, [ch('T')]);
    assert_eq!(fx, vec![Effect::LoadTrash { region: 0 }]);
    let mut trashed = s.regions[0].apps[0].clone();
    trashed.lifecycle.deleted_at = Some(s.now);
    trashed.lifecycle.purge_after = Some(s.now + Duration::days(7));
    send(
        &mut s,
        [Msg::TrashLoaded {
            region: 0,
            result: Ok(vec![trashed.clone()]),
        }],
    );
    (s, trashed)
}

#[test]
fn u_asks_and_only_y_restores() {
    let (mut s, trashed) = open_trash();
    assert!(send(&mut s, [ch('u')]).is_empty());
    let fx = send(&mut s, [ch('y')]);
    assert_eq!(
        fx,
        vec![Effect::Restore {
            region: 0,
            id: trashed.client_id.clone()
        }]
    );
    // Still open, the question gone; the answer reads the trash again.
    assert!(matches!(&s.popup, Some(Popup::Trash(v)) if v.confirm.is_none()));
    let mut back = trashed.clone();
    back.lifecycle = Default::default();
    let fx = send(
        &mut s,
        [Msg::Restored {
            region: 0,
            result: Ok(back),
        }],
    );
    assert_eq!(fx, vec![Effect::LoadTrash { region: 0 }]);
    assert!(
        status_text(&s).contains("its secret is unchanged"),
        "{:?}",
        s.status
    );

    let (mut s, _) = open_trash();
    send(&mut s, [ch('u')]);
    assert!(send(&mut s, [ch('n')]).is_empty());
    assert!(status_text(&s).contains("stays in the trash"));
}

#[test]
fn a_purge_takes_its_own_y_never_one_from_the_burst_or_a_paste() {
    let (mut s, trashed) = open_trash();
    let fx = send(&mut s, [ch('P'), burst('y')]);
    assert!(fx.is_empty(), "{fx:?}");
    let (mut s, _) = open_trash();
    send(&mut s, [ch('P'), Msg::Paste("y".into())]);
    assert!(send(&mut s, [ch('y')]).is_empty(), "the paste cancelled it");
    let (mut s, _) = open_trash();
    send(&mut s, [ch('P')]);
    let fx = send(&mut s, [ch('y')]);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Purge { id, .. }] if *id == trashed.client_id
    ));
    let fx = send(
        &mut s,
        [Msg::Purged {
            region: 0,
            name: "Payroll sync".into(),
            result: Ok(()),
        }],
    );
    assert_eq!(fx, vec![Effect::LoadTrash { region: 0 }]);
    assert!(status_text(&s).contains("gone for good"));
}

#[test]
fn the_palette_opens_the_trash_and_an_empty_one_says_so() {
    let mut s = state();
    send(&mut s, typed(":trash"));
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(fx, vec![Effect::LoadTrash { region: 0 }]);
    send(
        &mut s,
        [Msg::TrashLoaded {
            region: 0,
            result: Ok(vec![]),
        }],
    );
    assert!(send(&mut s, [ch('u')]).is_empty());
    assert!(status_text(&s).contains("The trash is empty"));
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.popup.is_none());
}
