//! The README's pictures (`assets/screenshots/*.svg`): a few screens, each
//! reached by sending the real `update` real messages from the fixtures'
//! state, drawn by the real `view` and turned into SVG by `svg.rs`. The clock,
//! IDs and secrets are the fixtures', so the bytes are the same on every run.
//!
//! The test fails when a committed picture is not what the UI draws now;
//! `scripts/screenshots` runs it with `KEYWARD_WRITE_SCREENSHOTS=1` to write
//! them instead (as insta's `INSTA_UPDATE` does for the text snapshots).

use std::path::PathBuf;

use chrono::Duration;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::fixtures::*;
use super::msg::Msg;
use super::state::State;
use super::svg::buffer_to_svg;
use super::update::update;
use super::view::view;
use crate::model::audit::events;
use crate::model::{Access, Actor, Application, AuditEvent, NewAuditEvent, Via};

/// Wide enough for the list and the details side by side, short enough that
/// the picture is not mostly empty rows.
const SIZE: (u16, u16) = (120, 32);

/// One picture: its file name in `assets/screenshots/`, the title on its
/// window bar, and how to reach the screen from the fixtures' state.
struct Screen {
    file: &'static str,
    title: &'static str,
    reach: fn(&mut State),
}

const SCREENS: [Screen; 4] = [
    Screen {
        file: "main.svg",
        title: "keyward — applications",
        reach: main_screen,
    },
    Screen {
        file: "rotation.svg",
        title: "keyward — R: a new client secret",
        reach: rotation_dialog,
    },
    Screen {
        file: "matrix.svg",
        title: "keyward — S, m: applications × scopes",
        reach: scope_matrix,
    },
    Screen {
        file: "audit.svg",
        title: "keyward — L: the region's audit log",
        reach: audit_log,
    },
];

fn send(s: &mut State, msgs: impl IntoIterator<Item = Msg>) {
    for m in msgs {
        update(s, m);
    }
}

/// The applications the region holds, used at varied times, as a region in
/// use looks (the fixtures' fourth, with a name of wide characters, is for
/// the tests; a README picture shows a name a reader would give).
fn region_in_use() -> Vec<Application> {
    let mut apps = sample_apps();
    apps[3] = app(
        3,
        "Backup monitor",
        &[
            ("backup:jobs", Access::Read),
            ("backup:computers", Access::Read),
        ],
    );
    let ago = [Some(90), Some(40), Some(86_400 * 120), None];
    for (a, secs) in apps.iter_mut().zip(ago) {
        a.last_used_at = secs.map(|secs| t0() - Duration::seconds(secs));
    }
    // By name, as the registry lists them.
    apps.sort_by_key(|a| a.client_name.as_str().to_lowercase());
    apps
}

/// The UI as it starts: the first region's applications arrive.
fn loaded(s: &mut State, apps: Vec<Application>) {
    send(
        s,
        [Msg::Loaded {
            region: 0,
            result: Ok(apps),
        }],
    );
}

/// Payroll sync just added: selected, its new secret's window beginning.
fn main_screen(s: &mut State) {
    let mut apps = region_in_use();
    let at = apps.iter().position(|a| a.client_id == id(0)).unwrap();
    let mut payroll = apps.remove(at);
    payroll.last_used_at = None;
    loaded(s, apps);
    send(
        s,
        [Msg::Created {
            region: 0,
            result: Ok(issued(payroll, 15 * 60)),
        }],
    );
}

/// `R` on Billing export: rotate (routine) or reset (a leak).
fn rotation_dialog(s: &mut State) {
    loaded(s, region_in_use());
    send(s, [key(KeyCode::Down), ch('R')]);
}

fn scope_matrix(s: &mut State) {
    loaded(s, region_in_use());
    send(s, [ch('S'), ch('m'), key(KeyCode::Down)]);
}

/// `L`, and the registry's answer: a week of changes by different people and
/// through different ways in.
fn audit_log(s: &mut State) {
    loaded(s, region_in_use());
    send(s, [ch('L')]);
    send(
        s,
        [Msg::AuditLoaded {
            region: 0,
            client_id: None,
            result: Ok(a_week_of_changes()),
        }],
    );
}

/// Newest first, as the registry answers.
fn a_week_of_changes() -> Vec<AuditEvent> {
    use Access::*;
    let alice = Actor::local(Via::Tui, Some("alice".into()), Some("ops-1".into()));
    let bob = Actor::local(Via::Cli, Some("bob".into()), Some("build-7".into()));
    let api = Actor::api(id(9).as_str(), Some("10.0.4.21".into()));
    let apps = sample_apps();
    let (billing, payroll, siem) = (&apps[0], &apps[1], &apps[2]);
    let payroll_before = app(0, "Payroll", &[("ess:account", Read)]);
    let rotated_billing = with_current(billing.clone(), "New00001");
    let ago = |hours: i64| t0() - Duration::hours(hours);
    let changes: Vec<(NewAuditEvent, &Actor)> = vec![
        (events::created(billing, ago(160)), &bob),
        (events::created(&payroll_before, ago(150)), &alice),
        (events::created(siem, ago(120)), &api),
        (events::renamed("Payroll", payroll, ago(97)), &alice),
        (
            events::scopes_set(&payroll_before.grants, payroll, ago(96)).unwrap(),
            &alice,
        ),
        (
            events::secret_rotated(
                &with_current(billing.clone(), "Old00001"),
                &rotated_billing,
                Duration::hours(24),
                ago(30),
            ),
            &alice,
        ),
        (events::secret_retired(&rotated_billing, ago(8)), &bob),
        (events::secret_reset(siem, siem, ago(2)), &api),
    ];
    let mut prev = (0, crate::model::audit::GENESIS_HASH.to_owned());
    let mut out = Vec::new();
    for (change, actor) in changes {
        let (event, _) = AuditEvent::chain(change, "us", actor, prev.0, &prev.1).unwrap();
        prev = (event.body.seq, event.hash.clone());
        out.push(event);
    }
    out.reverse();
    out
}

fn render(screen: &Screen) -> Buffer {
    let (w, h) = SIZE;
    let mut s = empty_state();
    s.size = SIZE;
    (screen.reach)(&mut s);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(&s, f)).unwrap();
    t.backend().buffer().clone()
}

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/screenshots")
}

#[test]
fn the_committed_screenshots_are_what_the_ui_draws() {
    let write = std::env::var_os("KEYWARD_WRITE_SCREENSHOTS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for screen in &SCREENS {
        let svg = buffer_to_svg(&render(screen), Some(screen.title));
        let path = assets().join(screen.file);
        if write {
            std::fs::create_dir_all(assets()).unwrap();
            std::fs::write(&path, svg).unwrap();
            println!("wrote assets/screenshots/{}", screen.file);
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            stale.push(format!("assets/screenshots/{}", screen.file));
        }
    }
    assert!(
        stale.is_empty(),
        "stale screenshots, not what the UI draws now: {}. Run scripts/screenshots and commit the result",
        stale.join(", ")
    );
}

/// The pictures show what they claim to, so a change that moved a screen
/// elsewhere cannot pass by rewriting them.
#[test]
fn each_picture_shows_its_screen() {
    let text = |file: &str| {
        let screen = SCREENS.iter().find(|s| s.file == file).unwrap();
        let b = render(screen);
        b.content.iter().map(|c| c.symbol()).collect::<String>()
    };
    assert!(text("main.svg").contains("visible 15:00"));
    assert!(text("rotation.svg").contains("New client secret?"));
    assert!(text("matrix.svg").contains("Scopes × applications"));
    assert!(text("audit.svg").contains("rotated secret of Billing export"));
    // The secret is masked on every picture.
    for screen in &SCREENS {
        assert!(!text(screen.file).contains(SECRET), "{}", screen.file);
    }
}
