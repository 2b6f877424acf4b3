//! The rename dialog (`e`).

use super::*;

#[test]
fn e_renames_and_esc_cancels() {
    let mut s = state();
    send(&mut s, [ch('e')]);
    assert!(
        matches!(&s.popup, Some(Popup::Rename { input, .. }) if input.text == "Billing export")
    );
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("Invoices"));
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(
        fx,
        vec![Effect::Rename {
            region: 0,
            id: id(1),
            name: AppName::parse("Invoices").unwrap()
        }]
    );
    let mut renamed = app(1, "Invoices", &[]);
    renamed.grants = s.selected_app().unwrap().grants.clone();
    send(
        &mut s,
        [Msg::Updated {
            region: 0,
            what: "Renamed to",
            result: Ok(renamed),
        }],
    );
    assert_eq!(
        selected_name(&s),
        "Invoices",
        "still selected after re-sorting"
    );
    assert_eq!(s.status.as_ref().unwrap().text, "Renamed to Invoices");

    let fx = send(&mut s, [ch('e'), ch('x'), key(KeyCode::Esc)]);
    assert!(fx.is_empty() && s.popup.is_none());
    // An invalid name keeps the dialog open with the reason.
    let fx = send(&mut s, [ch('e'), ctrl('u'), key(KeyCode::Enter)]);
    assert!(fx.is_empty());
    assert!(matches!(&s.popup, Some(Popup::Rename { error: Some(e), .. }) if e.contains("empty")));
}
