//! The delete confirmation (`d`).

use super::*;

#[test]
fn d_deletes_only_after_the_name_is_typed() {
    let mut s = state();
    send(&mut s, [ch('d')]);
    send(&mut s, typed("Billing"));
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert!(fx.is_empty());
    assert!(matches!(
        &s.popup,
        Some(Popup::DeleteConfirm { error: Some(_), .. })
    ));
    send(&mut s, typed(" export"));
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(
        fx,
        vec![Effect::Delete {
            region: 0,
            id: id(1),
            name: "Billing export".into()
        }]
    );
    s.reveals.insert(id(1), reveal(1, 60));
    send(
        &mut s,
        [Msg::Deleted {
            region: 0,
            id: id(1),
            name: "Billing export".into(),
            result: Ok(()),
        }],
    );
    assert_eq!(s.apps().len(), 3);
    assert!(s.reveals.is_empty());
    assert_eq!(selected_name(&s), "Payroll sync");

    let fx = send(&mut s, [ch('d'), ch('P'), key(KeyCode::Esc)]);
    assert!(fx.is_empty() && s.popup.is_none());
    assert_eq!(s.apps().len(), 3);
}

#[test]
fn a_delete_confirmation_is_never_confirmed_by_its_own_burst() {
    let mut s = state();
    let mut msgs = vec![ch('d')];
    msgs.extend("Billing export".chars().map(burst));
    msgs.push(Msg::BurstKey(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    let fx = send(&mut s, msgs);
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.popup.is_none());
    assert_eq!(s.apps().len(), 4);
    assert!(status_text(&s).contains("Delete cancelled"));

    // Keys other than typing and Enter cancel it.
    let mut s = state();
    send(&mut s, [ch('d'), ch('B')]);
    assert!(s.popup.is_some());
    let fx = send(&mut s, [key(KeyCode::Down)]);
    assert!(fx.is_empty() && s.popup.is_none());
}

#[test]
fn the_delete_confirmation_checks_the_current_name() {
    let mut s = state();
    send(&mut s, [ch('d')]);
    send(&mut s, typed("Billing export"));
    // Renamed before any reload told the dialog.
    s.regions[0].apps[0].client_name = AppName::parse("Invoices").unwrap();
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert!(fx.is_empty(), "the old name deletes nothing: {fx:?}");
    let Some(Popup::DeleteConfirm { name, error, .. }) = &s.popup else {
        panic!("still open: {:?}", s.popup)
    };
    assert_eq!(name, "Invoices", "shows the current name");
    assert!(error.is_some());
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("Invoices"));
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(
        fx,
        vec![Effect::Delete {
            region: 0,
            id: id(1),
            name: "Invoices".into()
        }]
    );
}
