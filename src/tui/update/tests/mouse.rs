//! The mouse in popups: the wheel in the scope grid, the browser and the
//! matrix; clicks on the quit dialog's buttons and the palette's candidates.

use super::*;
use crate::tui::layout;
use ratatui::layout::Rect;

const LEFT: MouseEventKind = MouseEventKind::Down(MouseButton::Left);

fn screen(s: &State) -> Rect {
    Rect::new(0, 0, s.size.0, s.size.1)
}

#[test]
fn the_wheel_moves_in_the_scope_grid_but_never_changes_access() {
    let mut s = state();
    send(&mut s, [ch('s')]);
    let before = s.popup.clone();
    send(&mut s, [mouse(MouseEventKind::ScrollDown, 40, 10)]);
    send(&mut s, [mouse(MouseEventKind::ScrollDown, 40, 10)]);
    send(&mut s, [mouse(MouseEventKind::ScrollUp, 40, 10)]);
    send(&mut s, [mouse(MouseEventKind::ScrollRight, 40, 10)]);
    let Some(Popup::Scopes { grid, .. }) = &s.popup else {
        panic!("{:?}", s.popup)
    };
    assert_eq!(grid.cursor, 1);
    assert!(
        grid.changes().is_empty(),
        "a sideways wheel is no access change"
    );
    assert_ne!(s.popup, before);
}

#[test]
fn the_wheel_scrolls_the_matrix_down_and_sideways() {
    let mut s = state();
    send(&mut s, [ch('S'), ch('m')]);
    send(&mut s, [mouse(MouseEventKind::ScrollDown, 40, 10)]);
    send(&mut s, [mouse(MouseEventKind::ScrollRight, 40, 10)]);
    send(&mut s, [mouse(MouseEventKind::ScrollRight, 40, 10)]);
    send(&mut s, [mouse(MouseEventKind::ScrollLeft, 40, 10)]);
    let Some(Popup::Browser(b)) = &s.popup else {
        panic!("{:?}", s.popup)
    };
    assert!(b.matrix);
    assert_eq!((b.app, b.column), (1, 1));
    // Shift with the wheel goes sideways too.
    send(
        &mut s,
        [Msg::Mouse(crossterm::event::MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 40,
            row: 10,
            modifiers: KeyModifiers::SHIFT,
        })],
    );
    assert!(matches!(&s.popup, Some(Popup::Browser(b)) if (b.app, b.column) == (1, 2)));
    // In the list view the wheel moves among the scopes.
    let mut s = state();
    send(&mut s, [ch('S'), mouse(MouseEventKind::ScrollDown, 40, 10)]);
    assert!(matches!(&s.popup, Some(Popup::Browser(b)) if b.scope == 1));
}

#[test]
fn the_wheel_is_no_answer_to_a_dangerous_confirmation() {
    let mut s = state();
    send(&mut s, [ch('R')]);
    let fx = send(
        &mut s,
        [
            mouse(MouseEventKind::ScrollDown, 40, 10),
            mouse(MouseEventKind::ScrollUp, 40, 10),
        ],
    );
    assert!(fx.is_empty());
    assert!(
        matches!(s.popup, Some(Popup::NewSecret { .. })),
        "still asking"
    );
}

#[test]
fn the_quit_dialogs_buttons_stay_or_quit() {
    let mut s = with_fresh_secret();
    send(&mut s, [ch('q')]);
    let [quit, stay] = layout::quit_buttons(screen(&s));
    send(&mut s, [mouse(LEFT, quit.x + quit.width, quit.y + 1)]);
    assert!(matches!(s.popup, Some(Popup::QuitConfirm { .. })), "a miss");
    send(&mut s, [mouse(LEFT, stay.x + 2, stay.y)]);
    assert!(s.popup.is_none() && !s.quit);
    assert!(status_text(&s).starts_with("Not quitting"));

    send(&mut s, [ch('q')]);
    send(&mut s, [mouse(LEFT, quit.x, quit.y)]);
    assert!(s.quit);
}

#[test]
fn a_click_on_a_palette_candidate_runs_it() {
    let mut s = state();
    send(&mut s, [ch(':')]);
    send(&mut s, typed("app "));
    // The rows under the prompt: the first candidate is one row below it.
    let all = crate::tui::palette::candidates(&s, "app ");
    let r = layout::palette_area(screen(&s), 1 + all.len().min(layout::PALETTE_ROWS) as u16);
    send(&mut s, [mouse(LEFT, r.x + 4, r.y + 2 + 2)]);
    assert!(s.popup.is_none());
    assert_eq!(selected_name(&s), all[2].label);
    // Outside the rows, nothing happens.
    let mut s = state();
    send(&mut s, [ch(':'), mouse(LEFT, 0, 23)]);
    assert!(matches!(s.popup, Some(Popup::Palette(_))));
}
