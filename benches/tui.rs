//! The UI at 100,000 applications: one frame of the main screen at 120x40
//! (target ≤ 2 ms) and one filter keystroke (target ≤ 16 ms). Baselines in the
//! same run: drawing an empty 120x40 frame, and a plain substring scan of the
//! same 100,000 names.

// Test code: a failed unwrap is a failed test, and that is what it should be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keyward::catalog::Catalog;
use keyward::model::{Access, AppName, Application, ClientId, Grant, Region, ScopeId};
use keyward::tui::msg::Msg;
use keyward::tui::state::{RegionTab, State};
use keyward::tui::{update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const N: usize = 100_000;

fn apps() -> Vec<Application> {
    let now = Utc::now();
    let scopes = [
        "ess:account",
        "forensics:account",
        "audit:logs",
        "backup:jobs",
    ];
    let mut apps: Vec<Application> = (0..N)
        .map(|i| Application {
            client_id: ClientId::generate(),
            client_name: AppName::parse(&format!("Application {i:06}")).unwrap(),
            region: Region::new("us").unwrap(),
            grants: vec![Grant::new(
                ScopeId::parse(scopes[i % scopes.len()]).unwrap(),
                Access::Read,
            )],
            admin: false,
            created_at: now,
            updated_at: now,
            secret_issued_at: now,
            last_used_at: None,
            secrets: Vec::new(),
            lifecycle: Default::default(),
        })
        .collect();
    apps.sort_by(|a, b| a.client_name.cmp(&b.client_name));
    apps
}

fn state() -> State {
    let tab = |id: &str, apps| RegionTab {
        region: Region::new(id).unwrap(),
        name: id.to_uppercase(),
        location: "embedded".into(),
        token_via: "local".into(),
        fingerprint: None,
        apps,
        loaded: true,
        read_only: None,
    };
    let mut s = State::new(
        vec![tab("us", apps()), tab("uk", Vec::new())],
        0,
        Arc::new(Catalog::builtin()),
        Utc::now(),
        900,
    );
    s.size = (120, 40);
    s.refilter(None);
    s
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn bench(c: &mut Criterion) {
    let mut s = state();
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();

    let mut g = c.benchmark_group("frame_120x40");
    g.bench_function("baseline_empty_frame", |b| {
        b.iter(|| {
            term.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))
                .unwrap();
        })
    });
    g.bench_function("main_screen_100k_apps", |b| {
        b.iter(|| {
            term.draw(|f| view::view(black_box(&s), f)).unwrap();
        })
    });
    g.finish();

    let names: Vec<String> = s.regions[0]
        .apps
        .iter()
        .map(|a| a.client_name.to_string())
        .collect();
    let mut g = c.benchmark_group("filter_100k");
    g.bench_function("baseline_substring_scan", |b| {
        b.iter(|| {
            names
                .iter()
                .filter(|n| n.contains(black_box("9 9")))
                .count()
        })
    });
    update::update(&mut s, key(KeyCode::Char('/')));
    update::update(&mut s, key(KeyCode::Char('9')));
    // Each iteration types one character and deletes it: two keystrokes.
    g.bench_function("two_keystrokes", |b| {
        b.iter(|| {
            update::update(&mut s, key(KeyCode::Char('9')));
            update::update(&mut s, key(KeyCode::Backspace));
        })
    });
    g.finish();
    assert!(!s.list.visible.is_empty());
}

criterion_group!(benches, bench);
criterion_main!(benches);
