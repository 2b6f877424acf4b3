//! The scope browser (`S`).

use super::*;

#[test]
fn scope_browser_shows_holders_and_jumps_to_an_app() {
    let mut s = state();
    send(&mut s, [ch('S')]);
    // The first scope is ess:account, held by three applications.
    assert_eq!(s.holders(0).len(), 3);
    send(&mut s, [key(KeyCode::Tab)]);
    assert!(matches!(&s.popup, Some(Popup::Browser(b)) if b.focus == BrowserFocus::Apps));
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter)]);
    assert!(s.popup.is_none());
    assert_eq!(selected_name(&s), "Payroll sync");

    // Who can write to the audit logs? SIEM forwarder first.
    let audit = s
        .catalog
        .scopes()
        .position(|d| d.id.as_str() == "audit:logs")
        .unwrap();
    let h = s.holders(audit);
    assert_eq!(s.apps()[h[0]].client_name.as_str(), "SIEM forwarder");

    let fx = send(&mut s, [ch('S'), key(KeyCode::Esc)]);
    assert!(fx.is_empty() && s.popup.is_none());
    send(&mut s, [ch('S'), ch('q')]);
    assert!(s.popup.is_none() && !s.quit);
}

#[test]
fn m_switches_to_the_matrix_which_scrolls_and_jumps() {
    let mut s = state();
    send(&mut s, [ch('S'), ch('m')]);
    assert!(matches!(&s.popup, Some(Popup::Browser(b)) if b.matrix));
    send(
        &mut s,
        [key(KeyCode::Right), key(KeyCode::Right), key(KeyCode::Left)],
    );
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
    assert!(matches!(&s.popup, Some(Popup::Browser(b)) if b.column == 1 && b.app == 2));
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(s.popup.is_none());
    assert_eq!(selected_name(&s), "SIEM forwarder");
    send(&mut s, [ch('S'), ch('m'), ch('m')]);
    assert!(matches!(&s.popup, Some(Popup::Browser(b)) if !b.matrix));
}
