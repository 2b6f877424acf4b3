//! The command palette (`:`): typing narrows the candidates, ↑↓ choose, Tab
//! completes, Enter runs the chosen one (or says why nothing can run), Esc
//! closes. A command runs what its key would, so dangerous ones open the
//! same guarded confirmations.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::edit::edit_text;
use super::{jump_to, main_screen};
use crate::tui::effect::Effect;
use crate::tui::keys::Action;
use crate::tui::palette::{self, Arg, Candidate, Pick, Run};
use crate::tui::state::{Palette, Popup, State};

pub(super) fn on_key(
    state: &mut State,
    mut p: Palette,
    (action, key): (Option<Action>, KeyEvent),
    effects: &mut Vec<Effect>,
) -> Option<Popup> {
    let count = palette::candidates(state, &p.input.text).len();
    match action {
        Some(Action::Cancel) => return None,
        Some(Action::Up) => p.selected = p.selected.saturating_sub(1),
        Some(Action::Down) => p.selected = (p.selected + 1).min(count.saturating_sub(1)),
        Some(Action::Complete) => {
            if let Some(c) = chosen(state, &p) {
                complete(&mut p, &c);
            }
        }
        Some(Action::RunCommand) => return run(state, p, effects),
        _ => {
            if edit_text(&mut p.input, action, key) {
                p.selected = 0;
                p.error = None;
            }
        }
    }
    Some(Popup::Palette(p))
}

/// The candidate the cursor is on.
fn chosen(state: &State, p: &Palette) -> Option<Candidate> {
    let mut all = palette::candidates(state, &p.input.text);
    let i = p.selected.min(all.len().checked_sub(1)?);
    Some(all.swap_remove(i))
}

fn complete(p: &mut Palette, c: &Candidate) {
    p.input.text.clone_from(&c.complete);
    p.selected = 0;
    p.error = None;
}

/// Enter: runs the chosen candidate; a command still missing its argument
/// is completed instead, and nothing to run leaves the palette open saying
/// why.
fn run(state: &mut State, mut p: Palette, effects: &mut Vec<Effect>) -> Option<Popup> {
    let Some(c) = chosen(state, &p) else {
        p.error = Some(palette::why_not(state, &p.input.text));
        return Some(Popup::Palette(p));
    };
    match c.pick {
        Pick::Command(cmd) if cmd.arg != Arg::None => {
            complete(&mut p, &c);
            Some(Popup::Palette(p))
        }
        Pick::Command(cmd) => {
            run_command(state, cmd.run, effects);
            // What the command opened (a dialog, help) is the popup now.
            state.popup.take()
        }
        Pick::Region(i) => {
            main_screen::switch_region(state, i, effects);
            None
        }
        Pick::App(id) => {
            jump_to(state, id);
            None
        }
        Pick::Order(order) => {
            main_screen::set_order(state, order);
            None
        }
    }
}

/// Runs a command that takes no argument, as its key would on the main
/// screen (the palette is already closed).
fn run_command(state: &mut State, run: Run, effects: &mut Vec<Effect>) {
    match run {
        Run::Key(action) => {
            // Only the digit keys read the key itself; no command maps to them.
            let key = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
            main_screen::on_key(state, Some(action), key, effects);
            state.dirty = true;
        }
        Run::Matrix => main_screen::open_browser(state, true),
        // These take an argument: chosen as their own candidates.
        Run::Region | Run::App | Run::Sort => {}
    }
}
