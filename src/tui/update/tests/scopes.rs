//! The scope editor (`s`).

use super::*;

#[test]
fn s_edits_scopes_enter_saves_changes_only_esc_discards() {
    let mut s = state();
    send(&mut s, [key(KeyCode::Down), ch('s')]); // Payroll sync
    // ess:account is first and offers read only: → stays at read.
    send(&mut s, [key(KeyCode::Right)]);
    send(&mut s, [key(KeyCode::Left)]);
    let fx = send(
        &mut s,
        [key(KeyCode::Down), key(KeyCode::Right), key(KeyCode::Enter)],
    );
    assert_eq!(
        fx,
        vec![Effect::SetAccess {
            region: 0,
            id: id(0),
            changes: vec![
                grant("ess:account", Access::None),
                grant("ess:domains", Access::Read)
            ],
        }]
    );
    let fx = send(&mut s, [ch('s'), key(KeyCode::Right), key(KeyCode::Esc)]);
    assert!(fx.is_empty() && s.popup.is_none());
    let fx = send(&mut s, [ch('s'), key(KeyCode::Enter)]);
    assert!(fx.is_empty());
    assert!(s.status.as_ref().unwrap().text.contains("No scope changes"));
}
