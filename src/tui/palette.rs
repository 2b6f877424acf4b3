//! The command palette (`:`): its commands, as one table of data, and the
//! candidates a prompt offers. Pure, shared by `update` (Tab, Enter) and
//! `view` (the list under the prompt), as the filter is.
//!
//! A command never acts by itself: it maps to the [`Action`] of a key (so
//! `:rotate` opens the very dialog `R` opens, guard included) or to a plain
//! change of what is shown (a region, a selection, the order).

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::keys::Action;
use super::state::State;
use crate::model::{AppOrder, ClientId};

/// What a command's argument names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    None,
    /// A region's id or tab name: `uk`.
    Region,
    /// An application of the active region, by name (fuzzy) or client ID.
    App,
    /// An order of the list: `last-used`.
    Order,
}

/// What running a command does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    /// What the key of this action does on the main screen.
    Key(Action),
    /// The scope browser, on its matrix.
    Matrix,
    /// Switch to the region named by the argument.
    Region,
    /// Select the application named by the argument.
    App,
    /// Order the list as the argument says.
    Sort,
}

/// One command of the palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command {
    pub name: &'static str,
    pub arg: Arg,
    pub help: &'static str,
    pub run: Run,
}

impl Command {
    /// How help and the list write it: `:region <id>`.
    pub fn usage(&self) -> String {
        match self.arg {
            Arg::None => format!(":{}", self.name),
            Arg::Region => format!(":{} <id>", self.name),
            Arg::App => format!(":{} <name>", self.name),
            Arg::Order => format!(":{} <field>", self.name),
        }
    }
}

const fn command(name: &'static str, arg: Arg, help: &'static str, run: Run) -> Command {
    Command {
        name,
        arg,
        help,
        run,
    }
}

/// Every command, in the order an empty prompt lists them.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    command("region", Arg::Region, "switch to a region's tab", Run::Region),
    command("app", Arg::App, "select an application by name", Run::App),
    command("scopes", Arg::None, "the selected application's scope editor", Run::Key(Action::EditScopes)),
    command("matrix", Arg::None, "the matrix of applications by scopes", Run::Matrix),
    command("audit", Arg::None, "the region's audit log (as L)", Run::Key(Action::RegionLog)),
    command("log", Arg::None, "the selected application's audit log (as l)", Run::Key(Action::AppLog)),
    command("add", Arg::None, "add an application", Run::Key(Action::Add)),
    command("rename", Arg::None, "rename the selected application (as e)", Run::Key(Action::Rename)),
    command("show", Arg::None, "show or hide the new secret while it may be seen (as v)", Run::Key(Action::ShowSecret)),
    command("copy-id", Arg::None, "copy the client ID (as c)", Run::Key(Action::CopyId)),
    command("copy-secret", Arg::None, "copy the new secret while it may be seen (as y)", Run::Key(Action::CopySecret)),
    command("copy-as", Arg::None, "copy both as env lines or a curl command (as Y)", Run::Key(Action::CopyAs)),
    command("token", Arg::None, "test a token for the selected application (as t)", Run::Key(Action::TestToken)),
    command("rotate", Arg::None, "new secret dialog (as R): Enter rotates", Run::Key(Action::NewSecret)),
    command("reset", Arg::None, "new secret dialog (as R): ! resets now", Run::Key(Action::NewSecret)),
    command("retire", Arg::None, "end the retiring secret now (as x; asks)", Run::Key(Action::Retire)),
    command("delete", Arg::None, "move the selected application to the trash (as d; asks)", Run::Key(Action::Delete)),
    command("suspend", Arg::None, "suspend the selected application (as z; asks)", Run::Key(Action::Suspend)),
    command("resume", Arg::None, "resume the selected application (as z; asks)", Run::Key(Action::Suspend)),
    command("trash", Arg::None, "the region's trash: u restores, P purges (as T)", Run::Key(Action::Trash)),
    command("sort", Arg::Order, "order the list (as o)", Run::Sort),
    command("browse", Arg::None, "the scope browser (as S)", Run::Key(Action::Browse)),
    command("filter", Arg::None, "filter the list by name, ID or scope: (as /)", Run::Key(Action::Filter)),
    command("reload", Arg::None, "read the region again (as r)", Run::Key(Action::Reload)),
    command("help", Arg::None, "the keys (as ?)", Run::Key(Action::Help)),
    command("quit", Arg::None, "quit (as q; asks if a new secret is unseen)", Run::Key(Action::Quit)),
];

/// What choosing a candidate does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    /// A command: run it, or, when it takes an argument, complete to it.
    Command(&'static Command),
    Region(usize),
    App(ClientId),
    Order(AppOrder),
}

/// One line of the list under the prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// What it is: `:region <id>`, `uk`, `Payroll sync`.
    pub label: String,
    /// A few words on it.
    pub help: String,
    /// The prompt's text after Tab.
    pub complete: String,
    pub pick: Pick,
}

/// The most application names offered for a prompt with no command.
const APPS_OFFERED: usize = 20;

/// Which candidates the list under the prompt shows: the first, and how
/// many, keeping the chosen one in the window.
pub fn window(selected: usize, len: usize) -> (usize, usize) {
    let shown = len.min(crate::tui::layout::PALETTE_ROWS);
    let first = selected
        .saturating_sub(crate::tui::layout::PALETTE_ROWS - 1)
        .min(len - shown);
    (first, shown)
}

/// The command named exactly `name`, ignoring case.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// The prompt's text taken apart: the command word, and the argument when a
/// space follows the command word.
fn split(input: &str) -> (&str, Option<&str>) {
    let input = input.trim_start().trim_start_matches(':');
    match input.split_once(char::is_whitespace) {
        Some((head, rest)) => (head, Some(rest.trim())),
        None => (input, None),
    }
}

/// The candidates for `input`, best first.
pub fn candidates(state: &State, input: &str) -> Vec<Candidate> {
    match split(input) {
        (head, None) => {
            let mut out: Vec<Candidate> = ranked(COMMANDS.iter().map(|c| c.name), head)
                .into_iter()
                .map(|i| command_candidate(&COMMANDS[i]))
                .collect();
            if !head.is_empty() {
                out.extend(app_candidates(state, head).into_iter().take(APPS_OFFERED));
            }
            out
        }
        (head, Some(arg)) => match find(head) {
            Some(c) if c.arg == Arg::None => vec![command_candidate(c)],
            Some(c) => argument_candidates(state, c, arg),
            None => Vec::new(),
        },
    }
}

fn command_candidate(c: &'static Command) -> Candidate {
    Candidate {
        label: c.usage(),
        help: c.help.to_owned(),
        complete: if c.arg == Arg::None {
            c.name.to_owned()
        } else {
            format!("{} ", c.name)
        },
        pick: Pick::Command(c),
    }
}

fn argument_candidates(state: &State, c: &'static Command, arg: &str) -> Vec<Candidate> {
    match c.arg {
        Arg::None => vec![command_candidate(c)],
        Arg::Region => {
            let names = state
                .regions
                .iter()
                .map(|r| format!("{} {}", r.region.as_str(), r.name));
            ranked(names, arg)
                .into_iter()
                .map(|i| {
                    let r = &state.regions[i];
                    Candidate {
                        label: r.region.as_str().to_owned(),
                        help: format!("{} · {}", r.name, r.location),
                        complete: format!("{} {}", c.name, r.region.as_str()),
                        pick: Pick::Region(i),
                    }
                })
                .collect()
        }
        Arg::App => app_candidates(state, arg)
            .into_iter()
            .map(|mut cand| {
                cand.complete = format!("{} {}", c.name, cand.label);
                cand
            })
            .collect(),
        Arg::Order => ranked(AppOrder::ALL.iter().map(|o| o.as_str()), arg)
            .into_iter()
            .map(|i| {
                let o = AppOrder::ALL[i];
                Candidate {
                    label: o.as_str().to_owned(),
                    help: o.words().to_owned(),
                    complete: format!("{} {}", c.name, o.as_str()),
                    pick: Pick::Order(o),
                }
            })
            .collect(),
    }
}

/// The active region's applications that match `query` as the `/` filter
/// would (names fuzzily, client IDs by prefix), in the list's order.
fn app_candidates(state: &State, query: &str) -> Vec<Candidate> {
    let apps = state.apps();
    super::filter::matching(apps, query, state.order, &state.catalog, state.now)
        .into_iter()
        .filter_map(|i| apps.get(i))
        .map(|a| Candidate {
            label: a.client_name.to_string(),
            help: format!("application {}", a.client_id.short()),
            complete: format!("app {}", a.client_name),
            pick: Pick::App(a.client_id.clone()),
        })
        .collect()
}

/// Indices of `items` that match `query` fuzzily, best first, ties in their
/// own order; every item when the query is empty.
fn ranked<S: AsRef<str>>(items: impl Iterator<Item = S>, query: &str) -> Vec<usize> {
    let items: Vec<S> = items.collect();
    if query.trim().is_empty() {
        return (0..items.len()).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            pattern
                .score(Utf32Str::new(s.as_ref(), &mut buf), &mut matcher)
                .map(|score| (score, i))
        })
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().map(|(_, i)| i).collect()
}

/// Why Enter found nothing to run for `input`, in words that say what would.
pub fn why_not(state: &State, input: &str) -> String {
    let (head, arg) = split(input);
    let Some(c) = find(head) else {
        return format!(
            "Unknown command :{}; Tab lists the commands",
            crate::text::printable_truncated(head, 24)
        );
    };
    let arg = crate::text::printable_truncated(arg.unwrap_or_default(), 32);
    match c.arg {
        Arg::Region => {
            let ids: Vec<&str> = state.regions.iter().map(|r| r.region.as_str()).collect();
            format!("No region {arg}: the regions are {}", ids.join(", "))
        }
        Arg::App => format!("No application here matches {arg}"),
        Arg::Order => {
            let names: Vec<&str> = AppOrder::ALL.iter().map(|o| o.as_str()).collect();
            format!("No order {arg}: sort by {}", names.join(", "))
        }
        Arg::None => format!(":{} takes no argument", c.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures::state;

    fn labels(input: &str) -> Vec<String> {
        candidates(&state(), input)
            .into_iter()
            .map(|c| c.label)
            .collect()
    }

    #[test]
    fn every_command_is_unique_and_maps_to_an_action_with_a_key() {
        for (i, c) in COMMANDS.iter().enumerate() {
            assert!(!c.help.is_empty() && !c.name.is_empty());
            assert!(
                COMMANDS[i + 1..].iter().all(|d| d.name != c.name),
                "{} twice",
                c.name
            );
            if let Run::Key(action) = c.run {
                assert!(
                    crate::tui::keys::BINDINGS
                        .iter()
                        .any(|b| b.place == crate::tui::keys::Place::Main && b.action == action),
                    "{} maps to {action:?}, which no main-screen key does",
                    c.name
                );
            }
        }
    }

    #[test]
    fn an_empty_prompt_lists_the_commands_and_typing_narrows_them() {
        assert_eq!(labels("").len(), COMMANDS.len());
        assert_eq!(labels(":").len(), COMMANDS.len());
        assert_eq!(labels("reg")[0], ":region <id>");
        assert_eq!(labels("srt")[0], ":sort <field>");
        // Applications' names are candidates too.
        assert!(labels("payroll").contains(&"Payroll sync".to_owned()));
        assert!(labels("zzzz").is_empty());
    }

    #[test]
    fn arguments_are_regions_applications_or_orders() {
        let s = state();
        let c = candidates(&s, "region uk");
        assert_eq!(c[0].pick, Pick::Region(1));
        assert_eq!(c[0].complete, "region uk");
        let c = candidates(&s, "app pay");
        assert_eq!(c[0].label, "Payroll sync");
        assert_eq!(c[0].complete, "app Payroll sync");
        let c = candidates(&s, ":sort last");
        assert_eq!(c[0].pick, Pick::Order(AppOrder::LastUsed));
        assert!(candidates(&s, "nosuch thing").is_empty());
        assert_eq!(candidates(&s, "help ").len(), 1);
    }

    #[test]
    fn why_not_says_what_would_work() {
        let s = state();
        assert!(why_not(&s, "bogus").starts_with("Unknown command :bogus"));
        assert_eq!(
            why_not(&s, "region mars"),
            "No region mars: the regions are us, uk"
        );
        assert!(why_not(&s, "sort size").contains("last-used"));
        assert!(why_not(&s, "app zzz").contains("zzz"));
    }
}
