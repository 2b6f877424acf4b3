//! Read-only mode: every key that writes, from the keyboard or the palette,
//! says why on the status line and changes nothing; reading and copying
//! still work; a remote region learns it only reads from its first list.

use super::*;
use crate::model::ReadOnly;

fn read_only_state() -> State {
    let mut s = state();
    s.regions[0].read_only = Some(ReadOnly::Config);
    s
}

#[test]
fn write_keys_say_why_and_open_nothing() {
    let mut s = read_only_state();
    s.reveals.insert(id(1), reveal(1, 60));
    let before = s.apps().to_vec();
    for c in ['a', 'e', 's', 'R', 'x', 'd', 'z'] {
        s.status = None;
        let fx = send(&mut s, [ch(c)]);
        assert!(fx.is_empty(), "{c}: {fx:?}");
        assert!(s.popup.is_none(), "{c} opened {:?}", s.popup);
        let text = status_text(&s);
        assert!(
            text.starts_with("read-only: ") && text.contains("read_only = true in the config"),
            "{c}: {text}"
        );
    }
    assert_eq!(s.apps(), &before[..]);
    // The palette's write commands run the same check.
    for command in ["add", "rotate", "reset", "scopes", "suspend", "resume"] {
        s.status = None;
        send(&mut s, [ch(':')]);
        send(&mut s, typed(command));
        let fx = send(&mut s, [key(KeyCode::Enter)]);
        assert!(fx.is_empty() && s.popup.is_none(), ":{command}");
        assert!(status_text(&s).starts_with("read-only: "), ":{command}");
    }
}

#[test]
fn reading_and_copying_still_work() {
    let mut s = read_only_state();
    s.reveals.insert(id(1), reveal(1, 60));
    let fx = send(&mut s, [ch('y')]);
    assert!(matches!(
        &fx[..],
        [Effect::Copy {
            what: Kind::ClientSecret,
            ..
        }]
    ));
    let fx = send(&mut s, [ch('c')]);
    assert!(matches!(
        &fx[..],
        [Effect::Copy {
            what: Kind::ClientId,
            ..
        }]
    ));
    send(&mut s, [ch('v')]);
    assert!(s.unmasked);
    let fx = send(&mut s, [ch('t')]);
    assert!(matches!(&fx[..], [Effect::TestToken { .. }]), "{fx:?}");
    send(&mut s, [key(KeyCode::Esc)]);
    let fx = send(&mut s, [ch('L')]);
    assert!(matches!(&fx[..], [Effect::LoadAudit { .. }]), "{fx:?}");
    send(&mut s, [key(KeyCode::Esc)]);
    let fx = send(&mut s, [ch('r')]);
    assert_eq!(fx, vec![Effect::Load { region: 0 }]);
}

#[test]
fn the_footer_leaves_out_the_write_keys_and_other_regions_still_write() {
    let mut s = read_only_state();
    let keys: Vec<&str> = crate::tui::keys::footer(&s).iter().map(|f| f.0).collect();
    for k in ["a", "e", "s", "R", "d"] {
        assert!(!keys.contains(&k), "{k} in {keys:?}");
    }
    assert!(keys.contains(&"/"), "{keys:?}");
    // UK is not read-only: `a` opens the add dialog there.
    s.regions[1].loaded = true;
    send(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(s.read_only(), None);
    send(&mut s, [ch('a')]);
    assert!(matches!(s.popup, Some(Popup::Add(_))));
}

#[test]
fn a_region_that_turns_out_to_only_read_refuses_from_then_on() {
    let mut s = state();
    send(
        &mut s,
        [Msg::ReadOnly {
            region: 0,
            why: ReadOnly::AdminScope,
        }],
    );
    assert_eq!(s.read_only(), Some(ReadOnly::AdminScope));
    send(&mut s, [ch('a')]);
    assert!(s.popup.is_none());
    assert!(
        status_text(&s).contains("keyward:admin:read"),
        "{}",
        status_text(&s)
    );
    // A reason the region was opened with stays.
    let mut s = read_only_state();
    send(
        &mut s,
        [Msg::ReadOnly {
            region: 0,
            why: ReadOnly::AdminScope,
        }],
    );
    assert_eq!(s.read_only(), Some(ReadOnly::Config));
}

#[test]
fn the_trash_reads_but_neither_restores_nor_purges() {
    let mut s = read_only_state();
    let fx = send(&mut s, [ch('T')]);
    assert_eq!(fx, vec![Effect::LoadTrash { region: 0 }]);
    let mut trashed = s.regions[0].apps[0].clone();
    trashed.lifecycle.deleted_at = Some(s.now);
    send(
        &mut s,
        [Msg::TrashLoaded {
            region: 0,
            result: Ok(vec![trashed]),
        }],
    );
    for c in ['u', 'P'] {
        s.status = None;
        let fx = send(&mut s, [ch(c), ch('y')]);
        assert!(fx.is_empty(), "{c}: {fx:?}");
        assert!(status_text(&s).starts_with("read-only: "), "{c}");
    }
}
