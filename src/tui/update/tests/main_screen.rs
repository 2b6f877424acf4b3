//! Keys on the main screen, the mouse, the timer and the status line.

use super::*;

#[test]
fn q_and_ctrl_c_quit() {
    let mut s = state();
    send(&mut s, [ch('q')]);
    assert!(s.quit);

    // Ctrl-C quits from anywhere, even inside a dialog or the filter.
    let mut s = state();
    send(&mut s, [ch('a'), ctrl('c')]);
    assert!(s.quit);
    let mut s = state();
    send(&mut s, [ch('/'), ctrl('c')]);
    assert!(s.quit);
}

#[test]
fn tab_shift_tab_and_digits_switch_region_and_load_it_once() {
    let mut s = state();
    let fx = send(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(s.active, 1);
    assert_eq!(fx, vec![Effect::Load { region: 1 }]);
    assert_eq!(s.pending, 1);
    send(
        &mut s,
        [Msg::Loaded {
            region: 1,
            result: Ok(vec![]),
        }],
    );
    assert!(s.regions[1].loaded && s.pending == 0);
    assert!(send(&mut s, [key(KeyCode::BackTab)]).is_empty());
    assert_eq!(s.active, 0);
    assert!(send(&mut s, [ch('2')]).is_empty(), "already loaded");
    assert_eq!(s.active, 1);
    send(&mut s, [ch('1')]);
    assert_eq!(s.active, 0);
    send(&mut s, [ch('9')]);
    assert_eq!(s.active, 0, "no ninth region");
}

#[test]
fn arrows_pages_home_end_move_in_the_list() {
    let mut s = state();
    assert_eq!(selected_name(&s), "Billing export");
    send(&mut s, [key(KeyCode::Down)]);
    assert_eq!(selected_name(&s), "Payroll sync");
    send(&mut s, [key(KeyCode::Up), key(KeyCode::Up)]);
    assert_eq!(s.list.selected, 0);
    send(&mut s, [key(KeyCode::End)]);
    assert_eq!(s.list.selected, 3);
    send(&mut s, [key(KeyCode::Home)]);
    assert_eq!(s.list.selected, 0);
    send(&mut s, [key(KeyCode::PageDown)]);
    assert_eq!(s.list.selected, 3);
    send(&mut s, [key(KeyCode::PageUp)]);
    assert_eq!(s.list.selected, 0);
}

#[test]
fn paging_keeps_the_selection_on_screen_in_a_long_list() {
    let mut s = state();
    s.regions[0].apps = (0..1000)
        .map(|i| app(0, &format!("app {i:04}"), &[]))
        .collect();
    s.refilter(None);
    s.size = (80, 24);
    let rows = crate::tui::layout::list_rows(s.size);
    send(&mut s, [key(KeyCode::PageDown)]);
    assert_eq!(s.list.selected, rows);
    assert!(s.list.selected >= s.list.offset && s.list.selected < s.list.offset + rows);
    send(&mut s, [key(KeyCode::End)]);
    assert_eq!(s.list.selected, 999);
    assert_eq!(s.list.offset, 1000 - rows);
}

#[test]
fn mouse_wheel_scrolls_click_selects_and_click_on_a_tab_switches() {
    let mut s = state();
    s.size = (120, 40);
    send(&mut s, [mouse(MouseEventKind::ScrollDown, 5, 5)]);
    assert_eq!(s.list.selected, 3);
    send(&mut s, [mouse(MouseEventKind::ScrollUp, 5, 5)]);
    assert_eq!(s.list.selected, 0);
    // Rows start below the header (row 0) and the list's top border (row 1).
    send(
        &mut s,
        [mouse(MouseEventKind::Down(MouseButton::Left), 5, 3)],
    );
    assert_eq!(selected_name(&s), "Payroll sync");
    let (a, _) = crate::tui::layout::tab_spans(&s, 120)[1];
    let fx = send(
        &mut s,
        [mouse(MouseEventKind::Down(MouseButton::Left), a + 1, 0)],
    );
    assert_eq!(s.active, 1);
    assert_eq!(fx, vec![Effect::Load { region: 1 }]);
}

#[test]
fn the_window_closing_drops_the_plaintext() {
    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 2));
    send(&mut s, [ch('v')]);
    assert!(s.unmasked);
    s.now = t0() + Duration::seconds(1);
    s.dirty = false;
    send(&mut s, [Msg::Tick]);
    assert!(s.dirty, "the countdown moved");
    assert!(s.reveals.contains_key(&id(1)));
    s.now = t0() + Duration::seconds(2);
    send(&mut s, [Msg::Tick]);
    assert!(s.reveals.is_empty(), "the plaintext is gone");
    assert!(!s.unmasked);
    assert!(!s.needs_tick());
    assert!(
        s.status
            .as_ref()
            .unwrap()
            .text
            .contains("R makes a new one")
    );
}

#[test]
fn c_copies_the_client_id() {
    let mut s = state();
    let fx = send(&mut s, [ch('c')]);
    match &fx[..] {
        [Effect::Copy { what, text }] => {
            assert_eq!(*what, Kind::ClientId);
            assert_eq!(text.expose(), id(1).as_str());
        }
        other => panic!("{other:?}"),
    }
    send(
        &mut s,
        [Msg::Copied {
            what: Kind::ClientId,
            result: Ok(CopyInfo::plain("sent to your terminal (OSC 52)")),
        }],
    );
    assert_eq!(
        s.status.as_ref().unwrap().text,
        "✓ Client ID sent to your terminal (OSC 52)"
    );
}

#[test]
fn y_copies_the_secret_only_while_visible() {
    let mut s = state();
    let fx = send(&mut s, [ch('y')]);
    assert!(fx.is_empty());
    let st = s.status.clone().unwrap();
    assert_eq!(st.kind, StatusKind::Error);
    assert!(st.text.contains("R makes a new one"), "{}", st.text);

    s.reveals.insert(id(1), reveal(1, 60));
    let fx = send(&mut s, [ch('y')]);
    match &fx[..] {
        [Effect::Copy { what, text }] => {
            assert_eq!(*what, Kind::ClientSecret);
            assert_eq!(text.expose(), SECRET);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !format!("{fx:?}").contains(SECRET),
        "effects never print a secret"
    );
}

#[test]
fn v_shows_and_masks_only_a_visible_secret() {
    let mut s = state();
    send(&mut s, [ch('v')]);
    assert!(!s.unmasked);
    assert!(
        s.status
            .as_ref()
            .unwrap()
            .text
            .contains("R makes a new one")
    );
    s.reveals.insert(id(1), reveal(1, 60));
    send(&mut s, [ch('v')]);
    assert!(s.unmasked);
    send(&mut s, [ch('v')]);
    assert!(!s.unmasked);
    send(&mut s, [ch('v'), key(KeyCode::Down)]);
    assert!(!s.unmasked, "moving away masks it again");
}

#[test]
fn keys_that_need_an_app_say_so_in_an_empty_region() {
    for c in ['e', 's', 'R', 'd', 'c', 'y', 'v'] {
        let mut s = empty_state();
        let fx = send(&mut s, [ch(c)]);
        assert!(fx.is_empty() && s.popup.is_none(), "{c}");
        assert!(s.status.as_ref().unwrap().text.contains("press a"), "{c}");
    }
}

#[test]
fn errors_stay_through_background_notices_until_esc() {
    let mut s = state();
    s.pending = 1;
    send(
        &mut s,
        [Msg::Created {
            region: 0,
            result: Err(CallError::Failed(
                "an application named 'x' already exists".into(),
            )),
        }],
    );
    assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Error);
    // A secret's window closing is not something the user did.
    s.reveals.insert(id(0), reveal(0, 1));
    s.now += Duration::seconds(2);
    send(&mut s, [key(KeyCode::Down), Msg::Tick]);
    assert!(s.reveals.is_empty());
    assert_eq!(
        s.status.as_ref().unwrap().kind,
        StatusKind::Error,
        "a background notice does not push the error away"
    );
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.status.is_none());
}

#[test]
fn ticks_turn_the_spinner_only_while_a_call_runs() {
    let mut s = state();
    assert!(!s.needs_tick());
    s.dirty = false;
    send(&mut s, [Msg::Tick]);
    assert!(!s.dirty, "nothing changed, nothing to redraw");
    s.pending = 1;
    send(&mut s, [Msg::Tick]);
    assert!(s.dirty && s.spinner == 1);
}

#[test]
fn unknown_keys_do_not_redraw() {
    let mut s = state();
    s.dirty = false;
    send(&mut s, [ch('Z')]);
    assert!(!s.dirty);
}

#[test]
fn resize_keeps_the_selection_visible() {
    let mut s = state();
    send(&mut s, [key(KeyCode::End), Msg::Resize(40, 8)]);
    assert_eq!(s.size, (40, 8));
    let rows = crate::tui::layout::list_rows(s.size);
    assert!(s.list.selected >= s.list.offset && s.list.selected < s.list.offset + rows.max(1));
}

#[test]
fn esc_and_a_key_read_together_as_alt_key_are_both_taken() {
    // The status line is dismissed, then a opens the add dialog.
    let mut s = state();
    send(&mut s, [ch('x'), ch('R'), ch('n')]);
    assert!(s.status.is_some());
    send(&mut s, [alt('a')]);
    assert!(s.status.is_none());
    assert!(matches!(s.popup, Some(Popup::Add(_))));

    // The filter is cleared, then j moves down.
    let mut s = state();
    send(&mut s, [ch('/'), ch('b'), alt('j')]);
    assert!(!s.filter.editing && s.filter.query.is_empty());
    assert_eq!(selected_name(&s), "Payroll sync");

    // The rename is cancelled, then e opens it again, untouched.
    let mut s = state();
    send(&mut s, [ch('e'), ch('!'), alt('e')]);
    let Some(Popup::Rename { input, .. }) = &s.popup else {
        panic!("reopened: {:?}", s.popup)
    };
    assert_eq!(input.text, "Billing export");

    // The reset confirmation is cancelled, and y then copies nothing.
    let mut s = state();
    let fx = send(&mut s, [ch('R'), alt('y')]);
    assert!(fx.is_empty() && s.popup.is_none());
}

#[test]
fn the_ui_starts_by_listing_its_region_with_the_spinner() {
    let mut s = empty_state();
    s.active = 1;
    assert_eq!(
        crate::tui::update::start(&mut s),
        vec![Effect::Load { region: 1 }]
    );
    assert_eq!(s.pending, 1);
}
