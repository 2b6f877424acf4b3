//! `o`: the list's order, which keeps the selection where it was.

use super::*;
use crate::model::AppOrder;

fn names(s: &State) -> Vec<String> {
    s.list
        .visible
        .iter()
        .map(|&i| s.apps()[i].client_name.to_string())
        .collect()
}

#[test]
fn o_cycles_the_order_and_keeps_the_same_application_selected() {
    let mut s = state();
    // Billing export was created on the 21st, Payroll sync on the 20th,
    // SIEM forwarder on the 22nd; Payroll sync got a token an hour ago.
    s.regions[0].apps[1].last_used_at = Some(t0() - Duration::hours(1));
    s.refilter(None);
    send(&mut s, [key(KeyCode::Down)]);
    assert_eq!(selected_name(&s), "Payroll sync");
    send(&mut s, [ch('o')]);
    assert_eq!(s.order, AppOrder::Created);
    assert_eq!(names(&s)[0], "SIEM forwarder");
    assert_eq!(selected_name(&s), "Payroll sync", "the selection stays");
    send(&mut s, [ch('o'), ch('o'), ch('o')]);
    assert_eq!(s.order, AppOrder::LastUsed);
    assert_eq!(names(&s)[0], "Payroll sync");
    assert_eq!(s.list.selected, 0);
    send(&mut s, [ch('o')]);
    assert_eq!(s.order, AppOrder::Name);
    assert_eq!(selected_name(&s), "Payroll sync");
    assert_eq!(names(&s)[0], "Billing export");
}

#[test]
fn the_order_holds_under_a_filter_and_through_a_reload() {
    let mut s = state();
    send(&mut s, [ch('o')]);
    send(&mut s, [ch('/')]);
    send(&mut s, typed("scope:ess:account"));
    assert_eq!(
        names(&s),
        ["SIEM forwarder", "Billing export", "Payroll sync"],
        "by created, newest first, among those holding ess:account"
    );
    let msg = reloaded(&s, |_| {});
    send(&mut s, [msg]);
    assert_eq!(names(&s)[0], "SIEM forwarder");
}
