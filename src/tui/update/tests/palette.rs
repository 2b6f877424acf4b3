//! The command palette (`:`): candidates, Tab, Enter, Esc, pastes, and the
//! commands running what their keys do.

use super::*;
use crate::model::AppOrder;

fn palette(s: &State) -> &crate::tui::state::Palette {
    match &s.popup {
        Some(Popup::Palette(p)) => p,
        other => panic!("no palette: {other:?}"),
    }
}

/// Opens the palette and types `text`.
fn prompt(s: &mut State, text: &str) {
    send(s, [ch(':')]);
    send(s, typed(text));
}

#[test]
fn colon_opens_an_empty_prompt_and_esc_closes_it() {
    let mut s = state();
    send(&mut s, [ch(':')]);
    assert_eq!(palette(&s).input.text, "");
    send(&mut s, typed("q"));
    assert_eq!(palette(&s).input.text, "q", "q is text here, not quit");
    assert!(!s.quit);
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.popup.is_none() && !s.quit);
}

#[test]
fn region_switches_the_tab_and_loads_it() {
    let mut s = state();
    prompt(&mut s, "region uk");
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.active, 1);
    assert_eq!(fx, vec![Effect::Load { region: 1 }]);
    assert!(s.popup.is_none());
}

#[test]
fn app_with_a_partial_name_selects_it_clearing_a_filter_that_hides_it() {
    let mut s = state();
    send(&mut s, [ch('/')]);
    send(&mut s, typed("bill"));
    send(&mut s, [key(KeyCode::Enter)]);
    prompt(&mut s, "app siem");
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(s.popup.is_none());
    assert_eq!(selected_name(&s), "SIEM forwarder");
    assert_eq!(s.filter.query, "");

    // A name alone, with no command, is a candidate too.
    prompt(&mut s, "payrol");
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(selected_name(&s), "Payroll sync");
}

#[test]
fn an_unknown_command_says_so_in_the_prompt_and_stays_open() {
    let mut s = state();
    prompt(&mut s, "frobnicate now");
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert!(fx.is_empty());
    let err = palette(&s).error.clone().unwrap();
    assert!(err.contains("Unknown command :frobnicate"), "{err}");
    // Typing again clears the error.
    send(&mut s, [key(KeyCode::Backspace)]);
    assert!(palette(&s).error.is_none());

    let mut s = state();
    prompt(&mut s, "region mars");
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(palette(&s).error.clone().unwrap().contains("us, uk"));
    assert_eq!(s.active, 0);
}

#[test]
fn tab_completes_and_enter_on_a_command_missing_its_argument_completes_it() {
    let mut s = state();
    prompt(&mut s, "reg");
    send(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(palette(&s).input.text, "region ");
    let mut s = state();
    prompt(&mut s, "so");
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(palette(&s).input.text, "sort ", "still open, asking");
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
    assert_eq!(palette(&s).selected, 2);
    send(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(palette(&s).input.text, "sort updated");
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.order, AppOrder::Updated);
}

#[test]
fn up_and_down_choose_within_the_candidates() {
    let mut s = state();
    send(&mut s, [ch(':'), key(KeyCode::Up)]);
    assert_eq!(palette(&s).selected, 0);
    for _ in 0..40 {
        send(&mut s, [key(KeyCode::Down)]);
    }
    assert_eq!(
        palette(&s).selected,
        crate::tui::palette::COMMANDS.len() - 1
    );
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(s.quit, "the last command is :quit");
}

#[test]
fn rotate_and_reset_open_the_guarded_dialog_never_act() {
    for cmd in ["rotate", "reset"] {
        let mut s = state();
        prompt(&mut s, cmd);
        let fx = send(&mut s, [key(KeyCode::Enter)]);
        assert!(fx.is_empty(), "{cmd} acted: {fx:?}");
        assert!(
            matches!(s.popup, Some(Popup::NewSecret { .. })),
            "{cmd}: {:?}",
            s.popup
        );
        // A key from the burst of that Enter (a paste sent as keys) cancels.
        let fx = send(&mut s, [burst('!')]);
        assert!(fx.is_empty() && s.popup.is_none(), "{cmd}");
    }
    // With nothing selected it says so, as R does.
    let mut s = empty_state();
    prompt(&mut s, "rotate");
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(s.popup.is_none());
    assert!(status_text(&s).contains("No application selected"));
}

#[test]
fn the_other_commands_open_what_their_keys_open() {
    let opened = |cmd: &str| {
        let mut s = state();
        prompt(&mut s, cmd);
        let fx = send(&mut s, [key(KeyCode::Enter)]);
        (s, fx)
    };
    assert!(matches!(
        opened("scopes").0.popup,
        Some(Popup::Scopes { .. })
    ));
    assert!(matches!(opened("add").0.popup, Some(Popup::Add(_))));
    assert!(matches!(opened("help").0.popup, Some(Popup::Help)));
    assert!(matches!(opened("matrix").0.popup, Some(Popup::Browser(b)) if b.matrix));
    let (s, fx) = opened("audit");
    assert!(matches!(s.popup, Some(Popup::Audit(ref log)) if log.client_id.is_none()));
    assert_eq!(
        fx,
        vec![Effect::LoadAudit {
            region: 0,
            client_id: None
        }]
    );
}

#[test]
fn quit_asks_when_a_fresh_secret_would_be_lost() {
    let mut s = with_fresh_secret();
    prompt(&mut s, "quit");
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(!s.quit);
    assert!(matches!(s.popup, Some(Popup::QuitConfirm { .. })));
}

#[test]
fn a_paste_goes_into_the_prompt() {
    let mut s = state();
    send(&mut s, [ch(':'), Msg::Paste("region\nuk".into())]);
    assert_eq!(palette(&s).input.text, "region uk");
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.active, 1);
}
