//! The full-screen UI, in the Elm architecture: [`state`] is plain data,
//! [`update`] turns a message into state changes and effects (pure), [`view`]
//! draws the state, and [`run`] is the thin loop that feeds terminal events,
//! timer ticks and finished registry calls in as messages.

pub mod copy;
pub mod effect;
pub mod filter;
pub mod msg;
pub mod state;
mod terminal;
pub mod token;
pub mod update;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::cli::Context;
use crate::model::Region;
use crate::registry::Registry;
use effect::Effect;
use msg::Msg;
use state::{RegionTab, State};

/// `embedded (…/keyward.db)` becomes `embedded`: the tab has no room for a path.
fn short_location(location: &str) -> String {
    location
        .split_once(" (")
        .map_or(location, |(head, _)| head)
        .to_owned()
}

/// Runs the UI until the user quits or the terminal goes away.
#[allow(clippy::too_many_lines)] // split in the TUI architecture work
pub async fn run(ctx: &Context, region: Option<Region>) -> anyhow::Result<()> {
    let registries: Vec<Arc<dyn Registry>> = ctx.registries()?.into_iter().map(Arc::from).collect();
    let active = match &region {
        Some(r) => {
            ctx.region_config(r)?;
            registries
                .iter()
                .position(|reg| reg.region() == r)
                .unwrap_or(0)
        }
        None => 0,
    };
    let vias: Vec<token::TokenVia> = ctx
        .config
        .regions
        .iter()
        .zip(&registries)
        .map(|(rc, reg)| token::TokenVia::for_region(rc, reg, &ctx.paths.data_dir))
        .collect();
    let tabs = ctx
        .config
        .regions
        .iter()
        .zip(&registries)
        .zip(&vias)
        .map(|((rc, reg), via)| RegionTab {
            region: rc.region.clone(),
            name: rc.name.clone(),
            location: short_location(&reg.location()),
            apps: Vec::new(),
            loaded: false,
            token_via: via.label(),
            fingerprint: None,
        })
        .collect();
    let mut state = State::new(
        tabs,
        active,
        ctx.catalog.clone(),
        Utc::now(),
        ctx.config.secret_visible_for.as_secs(),
    );
    state.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());

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
    let size = term.size()?;
    state.size = (size.width, size.height);

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let clipboard = Arc::new(crate::clipboard::Clipboard::new(
        ctx.config.clipboard.clone(),
        crate::clipboard::Environment::from_env(),
    ));
    let (clip_tx, mut clip_rx) = mpsc::unbounded_channel::<copy::ClipboardDone>();
    let mut events = EventStream::new();
    // Others (the CLI, a server) write to the same registries: look every
    // POLL while idle. Cheap, as the registry's fingerprint answers first.
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    state.pending += 1;
    spawn(&registries, Effect::Load { region: active }, &tx);

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
        state.now = Utc::now();
        for msg in msgs {
            debug_panic_on_request(&msg);
            for effect in update::update(&mut state, msg) {
                match effect {
                    Effect::Copy { what, text } => {
                        copy::start_copy(&clipboard, what, text, &clip_tx)
                    }
                    Effect::ClearClipboard => copy::start_clear(&clipboard, &clip_tx),
                    Effect::TestToken {
                        region,
                        id,
                        secret,
                        scopes,
                    } => {
                        let Some(via) = vias.get(region).cloned() else {
                            continue;
                        };
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            let result = token::test(via, id.clone(), secret, scopes).await;
                            let _ = tx.send(Msg::TokenTested { id, result });
                        });
                    }
                    other => spawn(&registries, other, &tx),
                }
            }
            if state.quit {
                break;
            }
        }
    }
    copy::clear_on_quit(&clipboard, term.backend_mut());
    Ok(())
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
/// opened.
fn burst_msgs(events: Vec<Event>) -> Vec<Msg> {
    let mut first_key = true;
    events
        .into_iter()
        .filter_map(|ev| match ev {
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

/// Runs a registry call in the background; its result comes back as a message.
fn spawn(registries: &[Arc<dyn Registry>], effect: Effect, tx: &mpsc::UnboundedSender<Msg>) {
    let tx = tx.clone();
    let reg = |i: usize| registries.get(i).cloned();
    let err = |e: crate::registry::RegistryError| crate::text::printable(&e.to_string());
    match effect {
        Effect::Load { region } => {
            let Some(r) = reg(region) else { return };
            tokio::spawn(async move {
                let result = r.list().await.map_err(err);
                let _ = tx.send(Msg::Loaded { region, result });
            });
        }
        Effect::Refresh { region, known } => {
            let Some(r) = reg(region) else { return };
            tokio::spawn(async move {
                let msg = match r.fingerprint().await {
                    Err(e) => Msg::Refreshed {
                        region,
                        fingerprint: None,
                        result: Err(err(e)),
                    },
                    Ok(Some(fp)) if known.as_ref() == Some(&fp) => Msg::Refreshed {
                        region,
                        fingerprint: Some(fp),
                        result: Ok(None),
                    },
                    // Taken before the list: a change made in between shows
                    // as a new fingerprint at the next poll, never as a miss.
                    Ok(fingerprint) => Msg::Refreshed {
                        region,
                        fingerprint,
                        result: r.list().await.map(Some).map_err(err),
                    },
                };
                let _ = tx.send(msg);
            });
        }
        Effect::Create { region, new } => {
            let Some(r) = reg(region) else { return };
            tokio::spawn(async move {
                let result = r.create(new).await.map_err(err);
                let _ = tx.send(Msg::Created { region, result });
            });
        }
        Effect::Rename { region, id, name } => {
            let Some(r) = reg(region) else { return };
            tokio::spawn(async move {
                let result = r.rename(&id, name).await.map_err(err);
                let _ = tx.send(Msg::Updated {
                    region,
                    what: "Renamed to",
                    result,
                });
            });
        }
        Effect::SetAccess {
            region,
            id,
            changes,
        } => {
            let Some(r) = reg(region) else { return };
            tokio::spawn(async move {
                let result = r.set_access(&id, changes).await.map_err(err);
                let _ = tx.send(Msg::Updated {
                    region,
                    what: "Scopes saved for",
                    result,
                });
            });
        }
        Effect::ResetSecret { region, id } => {
            let Some(r) = reg(region) else { return };
            tokio::spawn(async move {
                let result = r.reset_secret(&id).await.map_err(err);
                let _ = tx.send(Msg::SecretReset { region, result });
            });
        }
        Effect::Delete { region, id, name } => {
            let Some(r) = reg(region) else { return };
            tokio::spawn(async move {
                let result = r.delete(&id).await.map_err(err);
                let _ = tx.send(Msg::Deleted {
                    region,
                    id,
                    name,
                    result,
                });
            });
        }
        // Handled by the loop itself, which owns the terminal and the token vias.
        Effect::Copy { .. } | Effect::ClearClipboard | Effect::TestToken { .. } => {}
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod snapshots;
#[cfg(test)]
mod update_tests;

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
