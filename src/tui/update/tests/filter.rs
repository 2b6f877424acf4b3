//! The `/` filter.

use super::*;

#[test]
fn slash_filters_fuzzily_enter_keeps_esc_clears() {
    let mut s = state();
    send(&mut s, [ch('/')]);
    assert!(s.filter.editing);
    send(&mut s, typed("siem"));
    assert_eq!(s.list.visible.len(), 1);
    assert_eq!(selected_name(&s), "SIEM forwarder");
    // q is text while filtering, not quit.
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(!s.filter.editing && s.filter.query == "siem");
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.filter.query.is_empty());
    assert_eq!(s.list.visible.len(), 4);

    let mut s = state();
    send(&mut s, [ch('/'), ch('q'), key(KeyCode::Backspace)]);
    assert!(!s.quit);
    send(&mut s, typed("pyrl"));
    assert_eq!(selected_name(&s), "Payroll sync");
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(!s.filter.editing && s.filter.query.is_empty());
    assert_eq!(s.list.visible.len(), 4);
}

#[test]
fn filtering_a_hundred_thousand_apps_puts_the_best_match_first() {
    let mut s = state();
    s.regions[0].apps = (0..100_000)
        .map(|i| app(0, &format!("application {i:06}"), &[]))
        .collect();
    s.refilter(None);
    // Speed is measured in benches/tui.rs; this checks what the filter keeps.
    send(
        &mut s,
        [
            ch('/'),
            ch('0'),
            ch('9'),
            ch('9'),
            ch('9'),
            ch('9'),
            ch('9'),
        ],
    );
    let first = &s.regions[0].apps[s.list.visible[0]];
    assert_eq!(
        first.client_name.as_str(),
        "application 099999",
        "best match first"
    );
    assert!(s.list.visible.len() < 100_000);
}
