//! One test per key of the table, with the cancel paths, plus the
//! results of registry calls and the secret window closing.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::effect::Effect;
use super::fixtures::*;
use super::msg::{CopyInfo, Msg};
use super::state::{AddFocus, BrowserFocus, Popup, State, StatusKind};
use super::update::update;
use crate::model::{Access, AppName, Grant, ScopeId};

fn send(s: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| update(s, m)).collect()
}

fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(ch).collect()
}

fn selected_name(s: &State) -> String {
    s.selected_app().unwrap().client_name.to_string()
}

fn grant(s: &str, a: Access) -> Grant {
    Grant::new(ScopeId::parse(s).unwrap(), a)
}

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
fn q_closes_a_dialog_instead_of_quitting() {
    let mut s = state();
    send(&mut s, [ch('?'), ch('q')]);
    assert!(s.popup.is_none());
    assert!(!s.quit);
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
    assert_eq!(s.selected, 0);
    send(&mut s, [key(KeyCode::End)]);
    assert_eq!(s.selected, 3);
    send(&mut s, [key(KeyCode::Home)]);
    assert_eq!(s.selected, 0);
    send(&mut s, [key(KeyCode::PageDown)]);
    assert_eq!(s.selected, 3);
    send(&mut s, [key(KeyCode::PageUp)]);
    assert_eq!(s.selected, 0);
}

#[test]
fn paging_keeps_the_selection_on_screen_in_a_long_list() {
    let mut s = state();
    s.regions[0].apps = (0..1000)
        .map(|i| app(0, &format!("app {i:04}"), &[]))
        .collect();
    s.refilter(None);
    s.size = (80, 24);
    let rows = super::layout::list_rows(s.size);
    send(&mut s, [key(KeyCode::PageDown)]);
    assert_eq!(s.selected, rows);
    assert!(s.selected >= s.offset && s.selected < s.offset + rows);
    send(&mut s, [key(KeyCode::End)]);
    assert_eq!(s.selected, 999);
    assert_eq!(s.offset, 1000 - rows);
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn mouse_wheel_scrolls_click_selects_and_click_on_a_tab_switches() {
    let mut s = state();
    s.size = (120, 40);
    send(&mut s, [mouse(MouseEventKind::ScrollDown, 5, 5)]);
    assert_eq!(s.selected, 3);
    send(&mut s, [mouse(MouseEventKind::ScrollUp, 5, 5)]);
    assert_eq!(s.selected, 0);
    // Rows start below the header (row 0) and the list's top border (row 1).
    send(
        &mut s,
        [mouse(MouseEventKind::Down(MouseButton::Left), 5, 3)],
    );
    assert_eq!(selected_name(&s), "Payroll sync");
    let (a, _) = super::layout::tab_spans(&s, 120)[1];
    let fx = send(
        &mut s,
        [mouse(MouseEventKind::Down(MouseButton::Left), a + 1, 0)],
    );
    assert_eq!(s.active, 1);
    assert_eq!(fx, vec![Effect::Load { region: 1 }]);
}

#[test]
fn slash_filters_fuzzily_enter_keeps_esc_clears() {
    let mut s = state();
    send(&mut s, [ch('/')]);
    assert!(s.filter.editing);
    send(&mut s, typed("siem"));
    assert_eq!(s.visible.len(), 1);
    assert_eq!(selected_name(&s), "SIEM forwarder");
    // q is text while filtering, not quit.
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(!s.filter.editing && s.filter.query == "siem");
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.filter.query.is_empty());
    assert_eq!(s.visible.len(), 4);

    let mut s = state();
    send(&mut s, [ch('/'), ch('q'), key(KeyCode::Backspace)]);
    assert!(!s.quit);
    send(&mut s, typed("pyrl"));
    assert_eq!(selected_name(&s), "Payroll sync");
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(!s.filter.editing && s.filter.query.is_empty());
    assert_eq!(s.visible.len(), 4);
}

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

#[test]
fn a_created_app_is_selected_and_its_window_starts() {
    let mut s = state();
    send(&mut s, [ch('/')]);
    send(&mut s, typed("siem"));
    s.pending = 1;
    let new = app(7, "Alpha", &[]);
    send(
        &mut s,
        [Msg::Created {
            region: 0,
            result: Ok(issued(new, 900)),
        }],
    );
    assert_eq!(selected_name(&s), "Alpha");
    assert!(s.filter.query.is_empty(), "the filter no longer hides it");
    assert_eq!(s.reveal_of(&id(7)).unwrap().seconds_left(s.now), 900);
    assert!(!s.unmasked, "masked by default");
    assert!(s.needs_tick());
    assert_eq!(s.pending, 0);
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

#[test]
fn reset_asks_first_and_defaults_to_no() {
    // Any key but y cancels: a key it does not use is no answer.
    for cancel in [
        key(KeyCode::Enter),
        ch('n'),
        key(KeyCode::Esc),
        ch('q'),
        ch('x'),
        key(KeyCode::Down),
    ] {
        let mut s = state();
        send(&mut s, [ch('R')]);
        assert!(matches!(s.popup, Some(Popup::ResetConfirm { .. })));
        let fx = send(&mut s, [cancel]);
        assert!(fx.is_empty() && s.popup.is_none());
        assert!(s.status.as_ref().unwrap().text.contains("cancelled"));
    }
    let mut s = state();
    let fx = send(&mut s, [ch('R'), ch('y')]);
    assert_eq!(
        fx,
        vec![Effect::ResetSecret {
            region: 0,
            id: id(1)
        }]
    );
    let a = s.selected_app().unwrap().clone();
    send(
        &mut s,
        [Msg::SecretReset {
            region: 0,
            result: Ok(issued(a, 900)),
        }],
    );
    assert_eq!(s.reveal_of(&id(1)).unwrap().seconds_left(s.now), 900);
    assert!(
        s.status
            .as_ref()
            .unwrap()
            .text
            .contains("old one no longer works")
    );
}

#[test]
fn d_deletes_only_after_the_name_is_typed() {
    let mut s = state();
    send(&mut s, [ch('d')]);
    send(&mut s, typed("Billing"));
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert!(fx.is_empty());
    assert!(matches!(
        &s.popup,
        Some(Popup::DeleteConfirm { error: Some(_), .. })
    ));
    send(&mut s, typed(" export"));
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(
        fx,
        vec![Effect::Delete {
            region: 0,
            id: id(1),
            name: "Billing export".into()
        }]
    );
    s.reveals.insert(id(1), reveal(1, 60));
    send(
        &mut s,
        [Msg::Deleted {
            region: 0,
            id: id(1),
            name: "Billing export".into(),
            result: Ok(()),
        }],
    );
    assert_eq!(s.apps().len(), 3);
    assert!(s.reveals.is_empty());
    assert_eq!(selected_name(&s), "Payroll sync");

    let fx = send(&mut s, [ch('d'), ch('P'), key(KeyCode::Esc)]);
    assert!(fx.is_empty() && s.popup.is_none());
    assert_eq!(s.apps().len(), 3);
}

#[test]
fn c_copies_the_client_id() {
    let mut s = state();
    let fx = send(&mut s, [ch('c')]);
    match &fx[..] {
        [Effect::Copy { what, text }] => {
            assert_eq!(*what, "Client ID");
            assert_eq!(text.expose(), id(1).as_str());
        }
        other => panic!("{other:?}"),
    }
    send(
        &mut s,
        [Msg::Copied {
            what: "Client ID",
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
            assert_eq!(*what, "Client secret");
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
fn question_mark_opens_help_and_esc_closes_it() {
    let mut s = state();
    send(&mut s, [ch('?')]);
    assert_eq!(s.popup, Some(Popup::Help));
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.popup.is_none());
}

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
            result: Err("an application named 'x' already exists".into()),
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
    let rows = super::layout::list_rows(s.size);
    assert!(s.selected >= s.offset && s.selected < s.offset + rows.max(1));
}

#[test]
fn a_failed_add_or_rename_reopens_the_dialog_as_it_was() {
    let mut s = state();
    send(&mut s, [ch('a')]);
    send(&mut s, typed("Payroll sync"));
    send(
        &mut s,
        [key(KeyCode::Tab), key(KeyCode::Right), key(KeyCode::Enter)],
    );
    assert!(s.popup.is_none());
    send(
        &mut s,
        [Msg::Created {
            region: 0,
            result: Err("an application named 'Payroll sync' already exists in region us".into()),
        }],
    );
    let Some(Popup::Add(f)) = &s.popup else {
        panic!("reopened")
    };
    assert_eq!(f.name.text, "Payroll sync");
    assert_eq!(f.grid.rows[0].access, Access::Read, "the scopes are kept");
    assert!(f.error.as_deref().unwrap().contains("already exists"));
    assert_eq!(f.focus, AddFocus::Name);

    let mut s = state();
    send(&mut s, [ch('e'), ctrl('u')]);
    send(&mut s, typed("Payroll sync"));
    send(&mut s, [key(KeyCode::Enter)]);
    send(
        &mut s,
        [Msg::Updated {
            region: 0,
            what: "Renamed to",
            result: Err("already exists".into()),
        }],
    );
    assert!(
        matches!(&s.popup, Some(Popup::Rename { input, error: Some(_), .. }) if input.text == "Payroll sync")
    );
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
    let first = &s.regions[0].apps[s.visible[0]];
    assert_eq!(
        first.client_name.as_str(),
        "application 099999",
        "best match first"
    );
    assert!(s.visible.len() < 100_000);
}

#[test]
fn a_copy_counts_down_in_the_status_line_then_asks_for_the_clear() {
    let mut s = state();
    let clears_at = s.now + Duration::seconds(45);
    send(
        &mut s,
        [Msg::Copied {
            what: "Client secret",
            result: Ok(CopyInfo {
                how: "sent to your terminal (OSC 52)",
                clears_at: Some(clears_at),
                fell_back: None,
            }),
        }],
    );
    assert_eq!(
        s.status.as_ref().unwrap().text,
        "✓ Client secret sent to your terminal (OSC 52) · clears in 0:45"
    );
    assert!(s.needs_tick(), "the countdown ticks");
    s.now += Duration::seconds(3);
    assert!(send(&mut s, [Msg::Tick]).is_empty());
    assert_eq!(
        s.status.as_ref().unwrap().text,
        "✓ Client secret sent to your terminal (OSC 52) · clears in 0:42"
    );
    s.now = clears_at;
    let fx = send(&mut s, [Msg::Tick]);
    assert_eq!(fx, vec![Effect::ClearClipboard]);
    assert!(s.copied.is_none());
    assert!(send(&mut s, [Msg::Tick]).is_empty(), "asked once");
    send(
        &mut s,
        [Msg::ClipboardCleared {
            result: Ok("Clipboard cleared".into()),
        }],
    );
    assert_eq!(s.status.as_ref().unwrap().text, "Clipboard cleared");
}

#[test]
fn a_fallback_copy_says_why_the_system_clipboard_was_not_used() {
    let mut s = state();
    send(
        &mut s,
        [Msg::Copied {
            what: "Client ID",
            result: Ok(CopyInfo {
                how: "sent to your terminal (OSC 52)",
                clears_at: None,
                fell_back: Some("no answer within 1.5 s".into()),
            }),
        }],
    );
    let text = &s.status.as_ref().unwrap().text;
    assert!(
        text.contains("system clipboard failed: no answer"),
        "{text}"
    );
    assert!(s.copied.is_none(), "client IDs are not cleared by default");
}

#[test]
fn t_without_a_visible_secret_says_why_and_what_to_do() {
    let mut s = state();
    let fx = send(&mut s, [ch('t')]);
    assert!(fx.is_empty());
    assert!(s.popup.is_none());
    let text = &s.status.as_ref().unwrap().text;
    assert!(text.contains("no longer visible"), "{text}");
    assert!(text.contains("R makes a new one"), "{text}");
    // A closed window counts as no secret.
    s.reveals.insert(id(1), reveal(1, 5));
    s.now = t0() + Duration::seconds(6);
    assert!(send(&mut s, [ch('t')]).is_empty());
    assert!(s.popup.is_none());
}

#[test]
fn t_requests_a_token_with_the_visible_secret_and_every_held_scope() {
    use super::state::TokenShown;
    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 60));
    let fx = send(&mut s, [ch('t')]);
    let [
        Effect::TestToken {
            region,
            id: asked,
            secret,
            scopes,
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}");
    };
    assert_eq!((*region, asked), (0, &id(1)));
    assert_eq!(secret.expose(), SECRET);
    assert_eq!(scopes, &["account:billing:read", "ess:account:read"]);
    assert_eq!(s.pending, 1);
    let Some(Popup::Token(p)) = &s.popup else {
        panic!("no panel")
    };
    assert_eq!((p.via.as_str(), p.result.is_none()), ("local", true));
    assert!(s.needs_tick(), "the panel counts down");

    let shown = TokenShown {
        prefix: "eyJhbGciOiJF…".into(),
        token_type: Some("Bearer".into()),
        scope: Some("account:billing:read ess:account:read".into()),
        claims: vec![("sub".into(), id(1).to_string())],
        expires_at: Some(t0() + Duration::hours(1)),
    };
    // An answer for another application (a panel closed and reopened) is dropped.
    send(
        &mut s,
        [Msg::TokenTested {
            id: id(2),
            result: Ok(shown.clone()),
        }],
    );
    let Some(Popup::Token(p)) = &s.popup else {
        panic!()
    };
    assert!(p.result.is_none());
    send(
        &mut s,
        [Msg::TokenTested {
            id: id(1),
            result: Ok(shown.clone()),
        }],
    );
    let Some(Popup::Token(p)) = &s.popup else {
        panic!()
    };
    assert_eq!(p.result, Some(Ok(shown)));
    assert_eq!(s.pending, 0);
    s.dirty = false;
    send(&mut s, [Msg::Tick]);
    assert!(s.dirty, "the expiry countdown redraws every second");

    // t asks again; Esc, q and Enter close.
    let fx = send(&mut s, [ch('t')]);
    assert!(matches!(fx.as_slice(), [Effect::TestToken { .. }]));
    for k in [key(KeyCode::Esc), ch('q'), key(KeyCode::Enter)] {
        let mut s = state();
        s.reveals.insert(id(1), reveal(1, 60));
        send(&mut s, [ch('t'), k]);
        assert!(s.popup.is_none());
        assert!(!s.quit);
    }
}

#[test]
fn t_shows_the_oauth_error_and_a_late_answer_after_close_is_dropped() {
    use super::state::TokenFailure;
    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 60));
    send(&mut s, [ch('t')]);
    let failure = TokenFailure {
        error: "invalid_client".into(),
        description: Some("client authentication failed".into()),
    };
    send(
        &mut s,
        [Msg::TokenTested {
            id: id(1),
            result: Err(failure.clone()),
        }],
    );
    let Some(Popup::Token(p)) = &s.popup else {
        panic!()
    };
    assert_eq!(p.result, Some(Err(failure.clone())));

    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 60));
    send(&mut s, [ch('t'), key(KeyCode::Esc)]);
    send(
        &mut s,
        [Msg::TokenTested {
            id: id(1),
            result: Err(failure),
        }],
    );
    assert!(s.popup.is_none());
    assert_eq!(s.pending, 0);
}

#[test]
fn r_reloads_the_active_region_with_the_spinner() {
    let mut s = state();
    let fx = send(&mut s, [ch('r')]);
    assert_eq!(fx, vec![Effect::Load { region: 0 }]);
    assert_eq!(s.pending, 1);
    assert_eq!(s.status.as_ref().unwrap().text, "Reloading US…");
    let apps = s.regions[0].apps.clone();
    send(
        &mut s,
        [Msg::Loaded {
            region: 0,
            result: Ok(apps),
        }],
    );
    assert_eq!(s.pending, 0);
    assert_eq!(
        s.status.as_ref().unwrap().text,
        "Reloaded US: 4 applications"
    );
}

#[test]
fn poll_asks_for_a_quiet_reload_only_when_idle() {
    let mut s = state();
    s.regions[0].fingerprint = Some("4:1".into());
    let fx = send(&mut s, [Msg::Poll]);
    assert_eq!(
        fx,
        vec![Effect::Refresh {
            region: 0,
            known: Some("4:1".into())
        }]
    );
    assert!(s.refreshing);
    // One at a time.
    assert!(send(&mut s, [Msg::Poll]).is_empty());
    // Nothing changed: no redraw, and the next poll may go.
    s.dirty = false;
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: Some("4:1".into()),
            result: Ok(None),
        }],
    );
    assert!(!s.dirty);
    assert!(!s.refreshing);
    assert_eq!(s.pending, 0, "quiet: no spinner");
    // A call in flight or a region not loaded yet: no poll.
    s.pending = 1;
    assert!(send(&mut s, [Msg::Poll]).is_empty());
    let mut s = state();
    send(&mut s, [key(KeyCode::Tab)]);
    s.pending = 0;
    assert!(send(&mut s, [Msg::Poll]).is_empty());
}

#[test]
fn a_quiet_reload_keeps_the_selection_and_the_open_dialog() {
    let mut s = state();
    send(&mut s, [key(KeyCode::Down), ch('s')]);
    assert_eq!(selected_name(&s), "Payroll sync");
    send(&mut s, [key(KeyCode::Right)]);
    let dialog = s.popup.clone();
    // Another process added one that sorts first, and renamed another.
    let mut apps = s.regions[0].apps.clone();
    apps.insert(0, app(9, "Aardvark", &[]));
    apps[3].client_name = AppName::parse("SIEM forwarder 2").unwrap();
    s.dirty = false;
    s.refreshing = true;
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: Some("5:2".into()),
            result: Ok(Some(apps)),
        }],
    );
    assert!(s.dirty);
    assert_eq!(s.regions[0].apps.len(), 5);
    assert_eq!(s.regions[0].fingerprint.as_deref(), Some("5:2"));
    assert_eq!(selected_name(&s), "Payroll sync");
    assert_eq!(s.popup, dialog, "the scope editor is untouched");

    // A failing reload says so once, without a spinner.
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: None,
            result: Err("connection refused".into()),
        }],
    );
    let st = s.status.clone().unwrap();
    assert_eq!(st.kind, StatusKind::Error);
    assert_eq!(st.text, "Cannot reload: connection refused");
}

// Issue 11: what a hostile new user broke.

/// Billing export (selected in `state()`) with a secret made in this session.
fn with_fresh_secret() -> State {
    let mut s = state();
    s.pending = 1;
    let a = s.selected_app().unwrap().clone();
    send(
        &mut s,
        [Msg::SecretReset {
            region: 0,
            result: Ok(issued(a, 900)),
        }],
    );
    assert!(s.reveal_of(&id(1)).is_some());
    s
}

fn status_text(s: &State) -> String {
    s.status
        .as_ref()
        .map(|st| st.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_paste_sent_as_keys_never_resets_a_secret() {
    // `tmux send-keys -l Ready`: one read, R first, the rest in its burst.
    let mut s = state();
    let fx = send(
        &mut s,
        [ch('R'), burst('e'), burst('a'), burst('d'), burst('y')],
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.popup.is_none());
    assert!(
        status_text(&s).contains("Reset cancelled"),
        "{:?}",
        s.status
    );

    // Even a y right behind the R in the same read does not confirm.
    let mut s = state();
    let fx = send(&mut s, [ch('R'), burst('y')]);
    assert!(fx.is_empty() && s.popup.is_none());
    // Nor does a y in the burst of a key that came before the R.
    let mut s = state();
    let fx = send(&mut s, [ch('x'), burst('R'), burst('y')]);
    assert!(fx.is_empty() && s.popup.is_none());

    // A y of its own, after the dialog was drawn, does.
    let mut s = state();
    let fx = send(&mut s, [ch('R'), ch('y')]);
    assert_eq!(fx.len(), 1);
}

#[test]
fn a_delete_confirmation_is_never_confirmed_by_its_own_burst() {
    let mut s = state();
    let mut msgs = vec![ch('d')];
    msgs.extend("Billing export".chars().map(burst));
    msgs.push(Msg::BurstKey(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    let fx = send(&mut s, msgs);
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.popup.is_none());
    assert_eq!(s.apps().len(), 4);
    assert!(status_text(&s).contains("Delete cancelled"));

    // Keys other than typing and Enter cancel it.
    let mut s = state();
    send(&mut s, [ch('d'), ch('B')]);
    assert!(s.popup.is_some());
    let fx = send(&mut s, [key(KeyCode::Down)]);
    assert!(fx.is_empty() && s.popup.is_none());
}

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

#[test]
fn quitting_with_a_fresh_secret_unseen_asks_first_and_a_second_ctrl_c_quits() {
    for quit in [ch('q'), ctrl('c')] {
        let mut s = with_fresh_secret();
        send(&mut s, [quit]);
        assert!(!s.quit);
        let Some(Popup::QuitConfirm { names, .. }) = &s.popup else {
            panic!("asks first: {:?}", s.popup)
        };
        assert_eq!(names, &["Billing export".to_owned()]);
        // n (or any key but y) stays.
        send(&mut s, [ch('n')]);
        assert!(!s.quit && s.popup.is_none());
        assert!(status_text(&s).contains("Not quitting"));
        // y quits.
        send(&mut s, [ch('q'), ch('y')]);
        assert!(s.quit);
    }
    // A second Ctrl-C quits anyway, even from a dialog.
    let mut s = with_fresh_secret();
    send(&mut s, [ch('s'), ctrl('c')]);
    assert!(!s.quit);
    send(&mut s, [ctrl('c')]);
    assert!(s.quit);
    // A y in the burst of the q does not quit.
    let mut s = with_fresh_secret();
    send(&mut s, [ch('q'), burst('y')]);
    assert!(!s.quit && s.popup.is_none());
}

#[test]
fn a_secret_shown_copied_or_past_its_window_lets_q_quit() {
    let mut s = with_fresh_secret();
    send(&mut s, [ch('v'), ch('v'), ch('q')]);
    assert!(s.quit, "shown once is enough");

    let mut s = with_fresh_secret();
    send(&mut s, [ch('y')]);
    send(
        &mut s,
        [Msg::Copied {
            what: "Client secret",
            result: Err("no clipboard".into()),
        }],
    );
    send(&mut s, [ch('q')]);
    assert!(!s.quit, "a failed copy delivered nothing");
    send(&mut s, [key(KeyCode::Esc), ch('y')]);
    send(
        &mut s,
        [Msg::Copied {
            what: "Client secret",
            result: Ok(CopyInfo::plain("OSC 52")),
        }],
    );
    send(&mut s, [ch('q')]);
    assert!(s.quit);

    let mut s = with_fresh_secret();
    s.now += Duration::seconds(901);
    send(&mut s, [ch('q')]);
    assert!(s.quit, "nothing left to lose");

    // Secrets made by others' sessions were never this session's to lose.
    let mut s = state();
    s.reveals.clear();
    send(&mut s, [ch('q')]);
    assert!(s.quit);
}

/// The active region's apps as listed again, with `change` made elsewhere.
fn reloaded(s: &State, change: impl FnOnce(&mut Vec<crate::model::Application>)) -> Msg {
    let mut apps = s.regions[0].apps.clone();
    change(&mut apps);
    Msg::Refreshed {
        region: 0,
        fingerprint: Some("changed".into()),
        result: Ok(Some(apps)),
    }
}

#[test]
fn a_reset_elsewhere_drops_the_secret_on_offer() {
    let mut s = with_fresh_secret();
    send(&mut s, [ch('v')]);
    assert!(s.unmasked);
    let ours = s.apps()[0].secret_issued_at;

    // A list taken before this session's own reset is no change.
    let stale = reloaded(&s, |apps| {
        apps[0].secret_issued_at = ours - Duration::hours(1)
    });
    send(&mut s, [stale]);
    assert!(s.reveal_of(&id(1)).is_some());

    let at = ours + Duration::seconds(30);
    let msg = reloaded(&s, |apps| apps[0].secret_issued_at = at);
    send(&mut s, [msg]);
    assert!(s.reveals.is_empty() && s.fresh.is_empty() && !s.unmasked);
    assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Info);
    assert!(
        status_text(&s).starts_with(&format!(
            "Secret of Billing export was reset elsewhere at {}",
            at.format("%Y-%m-%d %H:%M:%S UTC")
        )),
        "{:?}",
        s.status
    );
    let fx = send(&mut s, [ch('y'), ch('t')]);
    assert!(fx.is_empty(), "nothing to copy or test with: {fx:?}");

    // The same through `r`.
    let mut s = with_fresh_secret();
    let mut apps = s.regions[0].apps.clone();
    apps[0].secret_issued_at += Duration::seconds(1);
    send(&mut s, [ch('r')]);
    send(
        &mut s,
        [Msg::Loaded {
            region: 0,
            result: Ok(apps),
        }],
    );
    assert!(s.reveals.is_empty());
    assert!(status_text(&s).contains("was reset elsewhere"));
}

#[test]
fn a_later_success_replaces_an_old_error() {
    let fail = |s: &mut State| {
        s.pending = 1;
        send(
            s,
            [Msg::Created {
                region: 0,
                result: Err("the registry is locked".into()),
            }],
        );
        assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Error);
    };
    let a = state().selected_app().unwrap().clone();
    let successes: Vec<(Msg, &str)> = vec![
        (
            Msg::Updated {
                region: 0,
                what: "Renamed to",
                result: Ok(a.clone()),
            },
            "Renamed to",
        ),
        (
            Msg::SecretReset {
                region: 0,
                result: Ok(issued(a.clone(), 900)),
            },
            "New secret",
        ),
        (
            Msg::Created {
                region: 0,
                result: Ok(issued(app(9, "Fresh", &[]), 900)),
            },
            "Added Fresh",
        ),
        (
            Msg::Deleted {
                region: 0,
                id: id(1),
                name: "Billing export".into(),
                result: Ok(()),
            },
            "Deleted",
        ),
        (
            Msg::Copied {
                what: "Client ID",
                result: Ok(CopyInfo::plain("OSC 52")),
            },
            "Client ID",
        ),
        (
            Msg::ClipboardCleared {
                result: Ok("Clipboard cleared".into()),
            },
            "Clipboard cleared",
        ),
    ];
    for (ok, says) in successes {
        let mut s = state();
        fail(&mut s);
        s.pending = 1;
        send(&mut s, [ok]);
        let st = s.status.clone().unwrap();
        assert_eq!(st.kind, StatusKind::Info, "{says}");
        assert!(st.text.contains(says), "{says}: {}", st.text);
    }
    // A key's own answer too, and a reload that works again.
    let mut s = state();
    fail(&mut s);
    send(&mut s, [ch('R'), ch('n')]);
    assert!(status_text(&s).contains("Reset cancelled"));
    let mut s = state();
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: None,
            result: Err("connection refused".into()),
        }],
    );
    assert_eq!(s.status.as_ref().unwrap().kind, StatusKind::Error);
    send(
        &mut s,
        [Msg::Refreshed {
            region: 0,
            fingerprint: Some("1".into()),
            result: Ok(None),
        }],
    );
    assert!(s.status.is_none(), "{:?}", s.status);
}

#[test]
fn dialogs_for_an_app_deleted_or_renamed_elsewhere_close_on_reload() {
    for opener in ['e', 's', 'R', 'd', 't'] {
        let mut s = with_fresh_secret();
        send(&mut s, [ch(opener)]);
        assert!(s.popup.is_some(), "{opener}");
        let msg = reloaded(&s, |apps| apps.retain(|a| a.client_id != id(1)));
        send(&mut s, [msg]);
        assert!(s.popup.is_none(), "{opener}");
        assert_eq!(
            status_text(&s),
            "Billing export was deleted elsewhere; the dialog was closed",
            "{opener}"
        );

        let mut s = with_fresh_secret();
        send(&mut s, [ch(opener)]);
        let msg = reloaded(&s, |apps| {
            apps[0].client_name = AppName::parse("Invoices").unwrap()
        });
        send(&mut s, [msg]);
        assert!(s.popup.is_none(), "{opener}");
        assert_eq!(
            status_text(&s),
            "Billing export was renamed elsewhere to Invoices; the dialog was closed",
            "{opener}"
        );
    }
    // A change to another application leaves the dialog alone.
    let mut s = state();
    send(&mut s, [ch('d')]);
    let msg = reloaded(&s, |apps| apps.retain(|a| a.client_id != id(0)));
    send(&mut s, [msg]);
    assert!(matches!(s.popup, Some(Popup::DeleteConfirm { .. })));
}

#[test]
fn the_delete_confirmation_checks_the_current_name() {
    let mut s = state();
    send(&mut s, [ch('d')]);
    send(&mut s, typed("Billing export"));
    // Renamed before any reload told the dialog.
    s.regions[0].apps[0].client_name = AppName::parse("Invoices").unwrap();
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert!(fx.is_empty(), "the old name deletes nothing: {fx:?}");
    let Some(Popup::DeleteConfirm { name, error, .. }) = &s.popup else {
        panic!("still open: {:?}", s.popup)
    };
    assert_eq!(name, "Invoices", "shows the current name");
    assert!(error.is_some());
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("Invoices"));
    let fx = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(
        fx,
        vec![Effect::Delete {
            region: 0,
            id: id(1),
            name: "Invoices".into()
        }]
    );
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
fn only_the_secret_copy_finishing_delivers_the_secret() {
    let mut s = with_fresh_secret();
    send(&mut s, [ch('y'), ch('c')]);
    send(
        &mut s,
        [Msg::Copied {
            what: "Client ID",
            result: Ok(CopyInfo::plain("OSC 52")),
        }],
    );
    send(&mut s, [ch('q')]);
    assert!(!s.quit, "the client ID is not the secret");
    send(
        &mut s,
        [
            key(KeyCode::Esc),
            Msg::Copied {
                what: "Client secret",
                result: Ok(CopyInfo::plain("OSC 52")),
            },
            ch('q'),
        ],
    );
    assert!(s.quit);
}
