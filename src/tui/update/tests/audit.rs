//! The audit log popup (`l`, `L`).

use super::*;
use crate::tui::state::AuditLog;

fn log_of(s: &State) -> &AuditLog {
    match &s.popup {
        Some(Popup::Audit(log)) => log,
        other => panic!("no audit log open: {other:?}"),
    }
}

#[test]
fn l_reads_the_selected_applications_log_through_an_effect() {
    let mut s = state();
    let effects = send(&mut s, [ch('l')]);
    let selected = s.selected_app().unwrap().client_id.clone();
    assert_eq!(
        effects,
        vec![Effect::LoadAudit {
            region: 0,
            client_id: Some(selected.clone()),
        }]
    );
    assert_eq!(log_of(&s).events, None, "loading");
    send(
        &mut s,
        [Msg::AuditLoaded {
            region: 0,
            client_id: Some(selected),
            result: Ok(audit_events(3)),
        }],
    );
    assert_eq!(
        log_of(&s).events.as_ref().unwrap().as_ref().unwrap().len(),
        3
    );
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.popup.is_none());
}

#[test]
fn shift_l_reads_the_whole_region_and_scrolls() {
    let mut s = state();
    let effects = send(&mut s, [ch('L')]);
    assert_eq!(
        effects,
        vec![Effect::LoadAudit {
            region: 0,
            client_id: None,
        }]
    );
    assert!(log_of(&s).about.contains("us"));
    send(
        &mut s,
        [Msg::AuditLoaded {
            region: 0,
            client_id: None,
            result: Ok(audit_events(50)),
        }],
    );
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
    assert_eq!(log_of(&s).scroll, 2);
    send(&mut s, [key(KeyCode::End)]);
    let shown = usize::from(s.size.1) - 5;
    assert_eq!(log_of(&s).scroll, 50 - shown, "the last page, full");
    send(&mut s, [key(KeyCode::Home)]);
    assert_eq!(log_of(&s).scroll, 0);
    // `r` reads it again.
    let effects = send(&mut s, [ch('r')]);
    assert_eq!(effects.len(), 1);
    assert_eq!(log_of(&s).events, None);
}

#[test]
fn a_log_for_a_popup_no_longer_open_is_dropped() {
    let mut s = state();
    send(&mut s, [ch('L'), key(KeyCode::Esc)]);
    send(
        &mut s,
        [Msg::AuditLoaded {
            region: 0,
            client_id: None,
            result: Ok(audit_events(2)),
        }],
    );
    assert!(s.popup.is_none());
}

#[test]
fn a_failed_read_is_said_in_the_popup() {
    let mut s = state();
    send(&mut s, [ch('L')]);
    send(
        &mut s,
        [Msg::AuditLoaded {
            region: 0,
            client_id: None,
            result: Err(CallError::Failed("the server is away".into())),
        }],
    );
    assert_eq!(
        log_of(&s).events,
        Some(Err("the server is away".to_owned()))
    );
}
