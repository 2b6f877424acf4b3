//! The full-screen UI, in the Elm architecture: [`state`] is plain data,
//! [`update`] turns a message into state changes and effects (pure), [`view`]
//! draws the state, and [`run`] is the thin loop that feeds terminal events,
//! timer ticks and finished registry calls in as messages.
//!
//! Below both `update` and `view`, which never import each other: [`keys`],
//! the one table of key bindings (dispatch, footer and help read it), and
//! [`layout`], the screen's geometry. The loop runs effects through
//! `effects`. The UI starts from a [`Setup`] and knows nothing of the CLI.

pub mod copy;
pub mod effect;
mod effects;
pub mod filter;
pub mod formats;
pub mod keys;
pub mod layout;
pub mod msg;
pub mod palette;
pub mod state;
mod terminal;
pub mod token;
pub mod update;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{Offset as _, Utc};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::catalog::Catalog;
use crate::config::RegionConfig;
use crate::registry::Registry;
use effects::Effects;
use msg::Msg;
use state::{RegionTab, State};

/// `embedded (…/keyward.db)` becomes `embedded`: the tab has no room for a path.
fn short_location(location: &str) -> String {
    location
        .split_once(" (")
        .map_or(location, |(head, _)| head)
        .to_owned()
}

/// What the UI starts from, built by whoever launches it (the CLI): the UI
/// knows nothing of command lines or config files.
pub struct Setup {
    /// Each configured region and its registry, in config order.
    pub regions: Vec<(RegionConfig, Arc<dyn Registry>)>,
    /// The region the UI opens on: an index into `regions`.
    pub active: usize,
    pub catalog: Arc<Catalog>,
    /// How long a new secret can be seen and copied.
    pub secret_visible_for: Duration,
    /// How long a rotation lets the previous secret work (`rotation_grace`).
    pub rotation_grace: chrono::Duration,
    /// How many days a deleted application stays in the trash (`trash_days`).
    pub trash_days: u32,
    pub clipboard: crate::clipboard::Settings,
    /// `keyward --read-only`: every region only reads.
    pub read_only: bool,
    /// The variable names of the copy formats' environment lines.
    pub copy: crate::config::CopySettings,
}

/// Runs the UI until the user quits or the terminal goes away.
pub async fn run(setup: Setup) -> anyhow::Result<()> {
    let (mut state, vias) = initial_state(&setup);
    use std::io::IsTerminal as _;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the full-screen UI needs a terminal; in scripts use the `keyward apps` commands (see `keyward --help`)"
        );
    }
    // Signals are set up before the screen changes, so a failure leaves it alone.
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot watch for SIGTERM")?;
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("cannot watch for SIGHUP")?;
    let (mut term, _guard) = terminal::setup().context("cannot set up the terminal")?;
    terminal::end_when_hung_up();
    let size = term.size()?;
    state.size = (size.width, size.height);

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let (clip_tx, mut clip_rx) = mpsc::unbounded_channel::<copy::ClipboardDone>();
    let effects = Effects {
        registries: setup.regions.iter().map(|(_, reg)| reg.clone()).collect(),
        vias,
        clipboard: Arc::new(crate::clipboard::Clipboard::new(
            setup.clipboard.clone(),
            crate::clipboard::Environment::from_env(),
        )),
        tx,
        clip_tx,
    };
    let mut events = EventStream::new();
    // Others (the CLI, a server) write to the same registries: look every
    // POLL while idle. Cheap, as the registry's fingerprint answers first.
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    update::start(&mut state)
        .into_iter()
        .for_each(|e| effects.run(e));
    loop {
        if state.dirty {
            state.dirty = false;
            term.draw(|f| view::view(&state, f))?;
        }
        if state.quit {
            break;
        }
        let msgs = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(first)) => {
                    let burst = read_burst(first).context("cannot read the terminal")?;
                    burst_msgs(burst)
                }
                Some(Err(e)) => return Err(e).context("cannot read the terminal"),
                None => break,
            },
            Some(m) = rx.recv() => vec![m],
            // Between frames: a clipboard escape never lands inside a drawn frame.
            Some(done) = clip_rx.recv() => vec![copy::finish(done, term.backend_mut())],
            _ = tick.tick(), if state.needs_tick() => vec![Msg::Tick],
            _ = poll.tick() => vec![Msg::Poll],
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        };
        // The local zone with the clock, so a change of offset (summer time)
        // shows at the next event.
        let local = chrono::Local::now();
        state.now = local.with_timezone(&Utc);
        state.utc_offset = local.offset().fix();
        for msg in msgs {
            debug_panic_on_request(&msg);
            update::update(&mut state, msg)
                .into_iter()
                .for_each(|e| effects.run(e));
            if state.quit {
                break;
            }
        }
    }
    copy::clear_on_quit(&effects.clipboard, term.backend_mut());
    Ok(())
}

/// The state the UI opens with, and each region's token route (by tab).
fn initial_state(setup: &Setup) -> (State, Vec<token::TokenVia>) {
    let vias: Vec<token::TokenVia> = setup
        .regions
        .iter()
        .map(|(rc, reg)| token::TokenVia::for_region(rc, reg))
        .collect();
    let tabs = setup
        .regions
        .iter()
        .zip(&vias)
        .map(|((rc, reg), via)| RegionTab {
            region: rc.region.clone(),
            name: rc.name.clone(),
            location: short_location(&reg.location()),
            apps: Vec::new(),
            loaded: false,
            token_via: via.label(),
            fingerprint: None,
            read_only: if setup.read_only {
                Some(crate::model::ReadOnly::Flag)
            } else {
                rc.read_only.then_some(crate::model::ReadOnly::Config)
            },
        })
        .collect();
    let mut state = State::new(
        tabs,
        setup.active,
        setup.catalog.clone(),
        Utc::now(),
        setup.secret_visible_for.as_secs(),
    );
    state.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    state.rotation_grace = setup.rotation_grace;
    state.copy_names = setup.copy.clone();
    state.trash_days = setup.trash_days;
    state.utc_offset = chrono::Local::now().offset().fix();
    (state, vias)
}

/// Test builds only: with `KEYWARD_DEBUG_PANIC` set, F12 panics, so the leak
/// scan can check that a panic prints no secret the UI holds. Release builds
/// have no such key.
#[cfg(debug_assertions)]
fn debug_panic_on_request(msg: &Msg) {
    if let Msg::Key(k) | Msg::BurstKey(k) = msg
        && k.code == crossterm::event::KeyCode::F(12)
        && std::env::var_os("KEYWARD_DEBUG_PANIC").is_some()
    {
        panic!("KEYWARD_DEBUG_PANIC: a panic on request");
    }
}

#[cfg(not(debug_assertions))]
fn debug_panic_on_request(_: &Msg) {}

/// Most events taken as one burst, so a flood cannot hold the loop.
const BURST_MAX: usize = 1024;

/// `first` and every event already waiting behind it: what one read of the
/// terminal brought (a paste sent as keys, keys typed faster than the UI
/// reads). Non-blocking; the stream and these calls share crossterm's reader.
fn read_burst(first: Event) -> std::io::Result<Vec<Event>> {
    let mut burst = vec![first];
    while burst.len() < BURST_MAX && crossterm::event::poll(Duration::ZERO)? {
        burst.push(crossterm::event::read()?);
    }
    Ok(burst)
}

/// The messages of one burst: its first key starts a new input burst, the
/// keys after it are marked as its own, so they never confirm a dialog it
/// opened. A click that is not the burst's first event is dropped for the
/// same reason (a click read together with the `q` that opened the quit
/// dialog must not answer it); the wheel stays, as it answers nothing.
fn burst_msgs(events: Vec<Event>) -> Vec<Msg> {
    use crossterm::event::MouseEventKind;
    let mut first_key = true;
    events
        .into_iter()
        .enumerate()
        .filter_map(|(i, ev)| match ev {
            Event::Mouse(m)
                if i > 0
                    && matches!(
                        m.kind,
                        MouseEventKind::Down(_) | MouseEventKind::Up(_) | MouseEventKind::Drag(_)
                    ) =>
            {
                None
            }
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                let msg = if first_key {
                    Msg::Key(k)
                } else {
                    Msg::BurstKey(k)
                };
                first_key = false;
                Some(msg)
            }
            Event::Mouse(m) => Some(Msg::Mouse(m)),
            Event::Resize(w, h) => Some(Msg::Resize(w, h)),
            Event::Paste(text) => Some(Msg::Paste(text)),
            _ => None,
        })
        .collect()
}

/// How often the UI looks for changes made by other processes.
const POLL: Duration = Duration::from_secs(10);

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod screenshots;
#[cfg(test)]
mod snapshots;
#[cfg(test)]
mod svg;

#[cfg(test)]
mod burst_tests {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

    use super::{Msg, burst_msgs};

    #[test]
    fn keys_after_the_first_of_a_read_are_marked_as_its_burst() {
        let k = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        let msgs = burst_msgs(vec![
            k('R'),
            Event::Paste("x".into()),
            k('e'),
            Event::Resize(80, 24),
            k('y'),
        ]);
        let kinds: Vec<&str> = msgs
            .iter()
            .map(|m| match m {
                Msg::Key(_) => "key",
                Msg::BurstKey(_) => "burst",
                Msg::Paste(_) => "paste",
                Msg::Resize(..) => "resize",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["key", "paste", "burst", "resize", "burst"]);
    }
}

#[cfg(test)]
mod click_burst_tests {
    use super::*;
    use crossterm::event::{
        KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
    };

    fn click(kind: MouseEventKind) -> Event {
        Event::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    }

    /// A click read together with the key that opened a dialog never
    /// answers it; the wheel, which answers nothing, still scrolls.
    #[test]
    fn a_click_after_the_first_event_of_a_read_is_dropped() {
        let q = Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
        let msgs = burst_msgs(vec![
            q,
            click(MouseEventKind::Down(MouseButton::Left)),
            click(MouseEventKind::ScrollDown),
        ]);
        assert!(
            matches!(msgs.as_slice(), [Msg::Key(_), Msg::Mouse(m)] if m.kind == MouseEventKind::ScrollDown)
        );
        let alone = burst_msgs(vec![click(MouseEventKind::Down(MouseButton::Left))]);
        assert!(matches!(alone.as_slice(), [Msg::Mouse(_)]));
    }
}
