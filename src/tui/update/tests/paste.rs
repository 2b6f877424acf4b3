//! Bracketed paste.

use super::*;

#[test]
fn a_bracketed_paste_is_text_in_a_field_and_ignored_elsewhere() {
    // On the main screen: nothing happens but a note.
    let mut s = state();
    let fx = send(&mut s, [Msg::Paste("Ready".into())]);
    assert!(fx.is_empty() && s.popup.is_none() && !s.quit);
    assert_eq!(selected_name(&s), "Billing export");
    assert!(status_text(&s).contains("Paste ignored"));

    // In the add dialog's name: one line, no control characters.
    let mut s = state();
    send(
        &mut s,
        [ch('a'), Msg::Paste("Pay\r\nroll\x1b[31m\t!\n".into())],
    );
    let Some(Popup::Add(form)) = &s.popup else {
        panic!("the add dialog stays open")
    };
    assert_eq!(form.name.text, "Pay roll[31m !");

    // In rename, after what is there; bounded like typing.
    let mut s = state();
    send(&mut s, [ch('e'), Msg::Paste(" 2".into())]);
    let Some(Popup::Rename { input, .. }) = &s.popup else {
        panic!("the rename dialog stays open")
    };
    assert_eq!(input.text, "Billing export 2");
    send(&mut s, [Msg::Paste("x".repeat(500))]);
    let Some(Popup::Rename { input, .. }) = &s.popup else {
        panic!("the rename dialog stays open")
    };
    assert_eq!(input.text.chars().count(), 80);

    // In the filter.
    let mut s = state();
    send(&mut s, [ch('/'), Msg::Paste("payroll".into())]);
    assert_eq!(s.filter.query, "payroll");
    assert_eq!(selected_name(&s), "Payroll sync");

    // On the reset confirmation it is no answer: it cancels.
    let mut s = state();
    let fx = send(&mut s, [ch('R'), Msg::Paste("y".into()), ch('y')]);
    assert!(fx.is_empty() && s.popup.is_none(), "{fx:?}");
}
