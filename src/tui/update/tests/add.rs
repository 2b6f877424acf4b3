//! The add dialog (`a`).

use super::*;

#[test]
fn a_adds_with_name_and_scopes() {
    let mut s = state();
    send(&mut s, [ch('a')]);
    let Some(Popup::Add(f)) = &s.popup else {
        panic!("add dialog")
    };
    assert_eq!(f.focus, AddFocus::Name, "the name is focused when it opens");
    send(&mut s, typed("New app"));
    send(&mut s, [key(KeyCode::Tab), key(KeyCode::Right)]);
    send(&mut s, [key(KeyCode::Down), ch(' '), ch(' ')]);
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert!(s.popup.is_none());
    let first = s.catalog.scopes().next().unwrap().id.clone();
    let second = s.catalog.scopes().nth(1).unwrap().id.clone();
    match &fx[..] {
        [Effect::Create { region: 0, new }] => {
            assert_eq!(new.client_name.as_str(), "New app");
            assert_eq!(
                new.grants,
                vec![
                    Grant::new(first, Access::Read),
                    Grant::new(second, Access::Write)
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.pending, 1);
}

#[test]
fn add_refuses_an_empty_name_and_esc_cancels() {
    let mut s = state();
    let fx = send(&mut s, [ch('a'), key(KeyCode::Enter)]);
    assert!(fx.is_empty());
    let Some(Popup::Add(f)) = &s.popup else {
        panic!("still open")
    };
    assert!(f.error.as_deref().unwrap().contains("empty"));
    let fx = send(&mut s, typed("x").into_iter().chain([key(KeyCode::Esc)]));
    assert!(fx.is_empty() && s.popup.is_none());
    // q in the name field is a letter; in the grid it closes.
    send(&mut s, [ch('a'), ch('q')]);
    assert!(matches!(&s.popup, Some(Popup::Add(f)) if f.name.text == "q"));
    send(&mut s, [key(KeyCode::Tab), ch('q')]);
    assert!(s.popup.is_none() && !s.quit);
}
