//! The help screen (`?`).

use super::*;

#[test]
fn q_closes_a_dialog_instead_of_quitting() {
    let mut s = state();
    send(&mut s, [ch('?'), ch('q')]);
    assert!(s.popup.is_none());
    assert!(!s.quit);
}

#[test]
fn question_mark_opens_help_and_esc_closes_it() {
    let mut s = state();
    send(&mut s, [ch('?')]);
    assert_eq!(s.popup, Some(Popup::Help));
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.popup.is_none());
}
