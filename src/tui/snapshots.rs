//! Every screen and dialog, drawn into ratatui's `TestBackend` at 80x24 and
//! 120x40 and compared with the committed insta snapshots. The clock is the
//! fixture's, so countdowns are stable.

use chrono::Duration;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::fixtures::*;
use super::msg::{CallError, Msg};
use super::state::State;
use super::update::update;
use super::view::view;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn render(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(s, f)).unwrap();
    t.backend().to_string()
}

/// Builds the state at each size (sizes change paging), then snapshots it.
fn check(name: &str, build: impl Fn(&mut State)) {
    for (w, h) in SIZES {
        let mut s = state();
        s.size = (w, h);
        build(&mut s);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(&s, w, h));
    }
}

fn send(s: &mut State, msgs: impl IntoIterator<Item = Msg>) {
    for m in msgs {
        update(s, m);
    }
}

#[test]
fn main_with_countdown() {
    check("main_countdown", |s| {
        s.reveals.insert(id(0), reveal(0, 14 * 60 + 7));
        send(s, [key(KeyCode::Down)]);
    });
}

#[test]
fn main_secret_shown() {
    check("main_secret_shown", |s| {
        s.reveals.insert(id(0), reveal(0, 61));
        send(s, [key(KeyCode::Down), ch('v')]);
    });
}

#[test]
fn copy_formats() {
    check("copy_formats", |s| {
        s.reveals.insert(id(0), reveal(0, 61));
        send(s, [key(KeyCode::Down), ch('Y')]);
    });
}

#[test]
fn read_only_region() {
    check("read_only", |s| {
        s.regions[0].read_only = Some(crate::model::ReadOnly::Flag);
        send(s, [key(KeyCode::Down), ch('a')]);
    });
}

#[test]
fn main_secret_hidden() {
    check("main_secret_hidden", |s| {
        send(s, [key(KeyCode::End)]);
    });
}

#[test]
fn first_run_greeting() {
    for (w, h) in SIZES {
        let s = empty_state();
        insta::assert_snapshot!(format!("first_run_{w}x{h}"), render(&s, w, h));
    }
}

#[test]
fn loading_region() {
    check("loading", |s| {
        send(s, [key(KeyCode::Tab)]);
    });
}

#[test]
fn filter() {
    check("filter", |s| {
        send(s, [ch('/'), ch('p'), ch('a'), ch('y')]);
    });
}

#[test]
fn error_status() {
    check("error_status", |s| {
        s.pending = 2;
        send(
            s,
            [Msg::Loaded {
                region: 1,
                result: Err(CallError::Failed(
                    "storage error in keyward.db: disk I/O error".into(),
                )),
            }],
        );
    });
}

#[test]
fn add_dialog() {
    check("add", |s| {
        send(s, [ch('a'), ch('N'), ch('e'), ch('w'), key(KeyCode::Tab)]);
        send(
            s,
            [key(KeyCode::Down), key(KeyCode::Right), key(KeyCode::Right)],
        );
    });
}

#[test]
fn rename_dialog() {
    check("rename", |s| send(s, [ch('e')]));
}

#[test]
fn scope_editor() {
    check("scopes", |s| {
        send(
            s,
            [
                key(KeyCode::Down),
                ch('s'),
                key(KeyCode::Down),
                key(KeyCode::Right),
            ],
        );
    });
}

#[test]
fn new_secret_dialog() {
    check("new_secret", |s| send(s, [key(KeyCode::Down), ch('R')]));
    // While an old secret still works, rotating would be refused: it says so.
    check("new_secret_refused", |s| {
        with_retiring(s);
        send(s, [ch('R')]);
    });
}

/// Billing export (selected) rotated an hour ago: its old secret works for
/// 23:12:04 more and was last used two minutes ago.
fn with_retiring(s: &mut State) {
    let i = s.list.visible[s.list.selected];
    let a = s.regions[0].apps[i].clone();
    s.regions[0].apps[i] = rotated(a, 23 * 3600 + 12 * 60 + 4, Some((120, "203.0.113.7")));
}

#[test]
fn both_secrets_in_the_details() {
    // Right after the rotation: the new secret counting down its window,
    // the old one its grace.
    check("rotated_fresh", |s| {
        with_retiring(s);
        s.reveals.insert(id(1), reveal(1, 14 * 60 + 7));
    });
    // Later: the old one never used since the rotation, a long IPv6 address
    // on another application.
    check("rotated_unused", |s| {
        with_retiring(s);
        let i = s.list.visible[s.list.selected];
        s.regions[0].apps[i].secrets[1].last_used_at = None;
        s.regions[0].apps[i].secrets[1].last_used_from = None;
    });
    check("rotated_ipv6", |s| {
        let i = s.list.visible[2];
        let a = s.regions[0].apps[i].clone();
        s.regions[0].apps[i] =
            rotated(a, 40, Some((1800, "2001:db8:85a3:1234:5678:8a2e:370:7334")));
        send(s, [key(KeyCode::Down), key(KeyCode::Down)]);
    });
}

#[test]
fn retire_confirm() {
    check("retire", |s| {
        with_retiring(s);
        send(s, [ch('x')]);
    });
}

fn with_suspended(s: &mut State) {
    let i = s.list.visible[s.list.selected];
    s.regions[0].apps[i].lifecycle.suspended_at = Some(t0() - Duration::minutes(30));
}

#[test]
fn suspend_confirm() {
    check("suspend", |s| send(s, [ch('z')]));
    check("resume", |s| {
        with_suspended(s);
        send(s, [ch('z')]);
    });
}

#[test]
fn trash_with_a_purge_asked() {
    check("trash", |s| {
        send(s, [ch('T')]);
        let mut apps = vec![s.regions[0].apps[0].clone(), s.regions[0].apps[2].clone()];
        for a in &mut apps {
            a.lifecycle.deleted_at = Some(t0() - Duration::days(1));
            a.lifecycle.purge_after = Some(t0() + Duration::days(6));
        }
        send(
            s,
            [Msg::TrashLoaded {
                region: 0,
                result: Ok(apps),
            }],
        );
        send(s, [key(KeyCode::Down), ch('P')]);
    });
}

#[test]
fn a_suspended_application_is_marked_in_the_list_and_the_details() {
    check("suspended", with_suspended);
    for (w, h) in SIZES {
        let mut s = state();
        s.size = (w, h);
        with_suspended(&mut s);
        let all = rows(&buffer(&s, w, h)).join("\n");
        assert!(all.contains("▶ ⏸ "), "{all}");
        assert!(all.contains("SUSPENDED since"), "{all}");
    }
}

#[test]
fn the_list_says_when_each_was_last_used_and_filters_the_unused() {
    check("unused_filter", |s| {
        let used = [Some(86_400 * 100), None, Some(90), Some(86_400 * 3)];
        for (a, ago) in s.regions[0].apps.iter_mut().zip(used) {
            a.last_used_at = ago.map(|secs| t0() - Duration::seconds(secs));
        }
        send(s, [ch('/')]);
        send(s, "unused:2d".chars().map(ch));
    });
    let mut s = state();
    s.size = (120, 40);
    send(&mut s, [ch('/')]);
    send(&mut s, "unused:90".chars().map(ch));
    let screen = render(&s, 120, 40);
    assert!(screen.contains("unused:N needs a unit"), "{screen}");
}

#[test]
fn delete_confirm() {
    check("delete", |s| send(s, [ch('d'), ch('B'), ch('i'), ch('l')]));
}

#[test]
fn help() {
    check("help", |s| send(s, [ch('?')]));
}

#[test]
fn scope_browser() {
    check("browser", |s| {
        send(
            s,
            [
                ch('S'),
                key(KeyCode::Down),
                key(KeyCode::Down),
                key(KeyCode::Down),
            ],
        );
        send(
            s,
            [key(KeyCode::Down), key(KeyCode::Down), key(KeyCode::Down)],
        );
        send(
            s,
            [key(KeyCode::Down), key(KeyCode::Down), key(KeyCode::Down)],
        );
        send(s, [key(KeyCode::Down), key(KeyCode::Tab)]);
    });
}

#[test]
fn scope_matrix() {
    check("matrix", |s| {
        send(s, [ch('S'), ch('m'), key(KeyCode::Down)])
    });
}

#[test]
fn narrow_terminal_degrades() {
    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 300));
    for (w, h) in [(60, 20), (40, 12)] {
        s.size = (w, h);
        insta::assert_snapshot!(format!("narrow_{w}x{h}"), render(&s, w, h));
    }
    // Tiny sizes must not panic.
    for (w, h) in [(1, 1), (10, 3), (20, 2)] {
        render(&s, w, h);
    }
}

#[test]
fn after_the_window_the_secret_is_gone_from_the_screen() {
    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 10));
    s.unmasked = true;
    assert!(render(&s, 120, 40).contains(SECRET));
    s.now = t0() + Duration::seconds(10);
    update(&mut s, Msg::Tick);
    let screen = render(&s, 120, 40);
    assert!(!screen.contains(&SECRET[..8]));
    assert!(screen.contains("hidden"));
}

/// Speed is measured in `benches/tui.rs`; this checks that a huge list still
/// draws the right rows (the view formats only the rows on screen).
#[test]
fn a_hundred_thousand_apps_draw_the_rows_on_screen() {
    let mut s = state();
    let apps: Vec<_> = (0..100_000)
        .map(|i| app(0, &format!("application {i:06}"), &[]))
        .collect();
    s.regions[0].apps = apps;
    s.refilter(None);
    s.size = (120, 40);
    update(&mut s, key(KeyCode::End));
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| view(&s, f)).unwrap();
    let screen = t.backend().to_string();
    assert!(
        screen.contains("application 099999"),
        "the last row is drawn"
    );
    assert!(
        !screen.contains("application 000000"),
        "the first is scrolled away"
    );
    assert!(screen.contains("Applications (100000)"), "{screen}");
}

#[test]
fn no_color_draws_without_colours() {
    use ratatui::style::Color;
    let mut s = state();
    s.reveals.insert(id(1), reveal(1, 300));
    s.pending = 1;
    let draw = |s: &State| {
        let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
        t.draw(|f| view(s, f)).unwrap();
        t.backend().buffer().clone()
    };
    let coloured = draw(&s);
    assert!(coloured.content().iter().any(|c| c.fg != Color::Reset));
    s.no_color = true;
    for (name, msgs) in [
        ("main", vec![]),
        ("add", vec![ch('a'), key(KeyCode::Tab)]),
        ("browser", vec![key(KeyCode::Esc), ch('S')]),
    ] {
        send(&mut s, msgs);
        let plain = draw(&s);
        assert!(
            plain
                .content()
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
            "{name} uses colour under NO_COLOR"
        );
    }
}

#[test]
fn audit_log() {
    check("audit_app", |s| {
        send(s, [key(KeyCode::Down), ch('l')]);
        let client_id = Some(s.selected_app().unwrap().client_id.clone());
        send(
            s,
            [Msg::AuditLoaded {
                region: 0,
                client_id,
                result: Ok(audit_events(3)),
            }],
        );
    });
    check("audit_region_scrolled", |s| {
        send(s, [ch('L')]);
        send(
            s,
            [Msg::AuditLoaded {
                region: 0,
                client_id: None,
                result: Ok(audit_events(60)),
            }],
        );
        send(s, [key(KeyCode::PageDown)]);
    });
}

#[test]
fn token_panel() {
    use super::state::{TokenFailure, TokenShown};
    check("token_pending", |s| {
        s.reveals.insert(id(0), reveal(0, 600));
        send(s, [key(KeyCode::Down), ch('t')]);
    });
    check("token_ok", |s| {
        s.reveals.insert(id(0), reveal(0, 600));
        send(s, [key(KeyCode::Down), ch('t')]);
        let exp = t0() + Duration::seconds(3600);
        let iat = t0();
        let stamp = |t: chrono::DateTime<chrono::Utc>| {
            format!("{} ({})", t.timestamp(), t.format("%Y-%m-%d %H:%M:%S UTC"))
        };
        send(
            s,
            [Msg::TokenTested {
                id: id(0),
                result: Ok(TokenShown {
                    prefix: "eyJhbGciOiJF…".into(),
                    token_type: Some("Bearer".into()),
                    scope: Some(
                        "audit:logs:read ess:account:read forensics:account:read forensics:account:write"
                            .into(),
                    ),
                    claims: vec![
                        ("iss".into(), "urn:keyward:local:us".into()),
                        ("sub".into(), id(0).to_string()),
                        ("aud".into(), "keyward:us".into()),
                        ("exp".into(), stamp(exp)),
                        ("iat".into(), stamp(iat)),
                        ("jti".into(), "Qm3x9TzP0aLk2Vb7Hc4Ns1".into()),
                        (
                            "scope".into(),
                            "audit:logs:read ess:account:read forensics:account:read forensics:account:write"
                                .into(),
                        ),
                    ],
                    expires_at: Some(exp),
                }),
            }],
        );
        // A few seconds later the countdown has moved.
        s.now = t0() + Duration::seconds(2);
        send(s, [Msg::Tick]);
    });
    check("token_error", |s| {
        s.reveals.insert(id(0), reveal(0, 600));
        s.regions[0].token_via = "http://127.0.0.1:8080/oauth2/token".into();
        send(s, [key(KeyCode::Down), ch('t')]);
        send(
            s,
            [Msg::TokenTested {
                id: id(0),
                result: Err(TokenFailure {
                    error: "invalid_client".into(),
                    description: Some("client authentication failed (HTTP 401)".into()),
                }),
            }],
        );
    });
}

/// A scopes.toml a hostile or careless hand wrote: a title change, a colour
/// reset, a screen clear, a bell, C1 controls and bidi overrides in its titles
/// and descriptions. TOML's `\u001b` escapes put the raw bytes in the strings.
pub const HOSTILE_SCOPES: &str = r#"
[[group]]
id = "evil"
title = "Evil \u001b]0;pwned\u0007 group"

[[group.scope]]
id = "evil:title"
title = "Title \u001b]2;owned\u0007 change"
description = "Colour \u001b[0m\u001b[41mreset\u001b[0m, clear \u001b[2J\u001b[H, bell \u0007, C1 \u009b31m, line\nbreak, tab\there."
access = ["read", "write"]

[[group.scope]]
id = "evil:bidi"
title = "Bidi \u202Eesrever\u202C \u2066isolate\u2069"
description = "txt.exe\u202Egpj. looks like a picture; \u200Fmarks\u200E too."
access = ["read"]
"#;

/// Names at the edge of what a name may be: right-to-left scripts, wide
/// characters, emoji sequences, and a 64-character word with no space.
fn hostile_state(s: &mut State) {
    use crate::catalog::Catalog;
    use crate::model::Access::{Read, Write};
    s.catalog = std::sync::Arc::new(Catalog::parse(HOSTILE_SCOPES, "scopes.toml").unwrap());
    let mut apps = vec![
        app(
            0,
            "ThisIsASixtyFourCharacterApplicationNameWithoutAnySpacesAtAll123",
            &[("evil:title", Write)],
        ),
        app(1, "שלום עולם sync", &[("evil:bidi", Read)]),
        app(2, "مزامنة الرواتب 2", &[("evil:title", Read)]),
        app(3, "👨‍👩‍👧 family 🇯🇵 flags ✅", &[]),
        app(
            4,
            "全角アプリケーション名前テスト長い名前",
            &[("evil:title", Read)],
        ),
    ];
    apps.sort_by_key(|a| a.client_name.as_str().to_lowercase());
    s.regions[0].apps = apps;
    s.refilter(None);
}

#[test]
fn hostile_names_keep_the_layout() {
    check("hostile_main", |s| {
        hostile_state(s);
        s.status = Some(super::state::Status {
            kind: super::state::StatusKind::Error,
            text: "from a server: \u{1b}]0;title\u{7}\u{1b}[2J\u{202E}desrever".into(),
        });
    });
}

#[test]
fn hostile_catalog_is_shown_inert() {
    check("hostile_browser", |s| {
        hostile_state(s);
        send(s, [ch('S')]);
    });
    check("hostile_editor", |s| {
        hostile_state(s);
        send(s, [ch('s')]);
    });
}

#[test]
fn no_control_or_bidi_character_reaches_a_cell() {
    for (w, h) in SIZES {
        for keys in [vec![], vec![ch('S')], vec![ch('s')], vec![ch('S'), ch('m')]] {
            let mut s = state();
            s.size = (w, h);
            hostile_state(&mut s);
            send(&mut s, keys);
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| {
                view(&s, f);
            })
            .unwrap();
            for cell in t.backend().buffer().content.iter() {
                assert!(
                    !cell
                        .symbol()
                        .chars()
                        .any(|c| c.is_control() || crate::text::is_invisible_format(c)),
                    "{:?}",
                    cell.symbol()
                );
            }
        }
    }
    // The scrub itself, on text drawn raw.
    let mut t = Terminal::new(TestBackend::new(20, 1)).unwrap();
    t.draw(|f| {
        f.render_widget(
            ratatui::widgets::Paragraph::new("a\u{1b}[31mb\u{202E}c\u{9b}d"),
            f.area(),
        );
        super::view::scrub_for_tests(f.buffer_mut());
    })
    .unwrap();
    let row: String = t
        .backend()
        .buffer()
        .content
        .iter()
        .map(|c| c.symbol().to_owned())
        .collect();
    assert!(
        !row.chars()
            .any(|c| c.is_control() || crate::text::is_invisible_format(c)),
        "{row:?}"
    );
}

fn buffer(s: &State, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(s, f)).unwrap();
    t.backend().buffer().clone()
}

/// The screen's rows as text, a wide character's hidden cell left out.
fn rows(buf: &ratatui::buffer::Buffer) -> Vec<String> {
    let w = buf.area.width as usize;
    buf.content
        .chunks(w)
        .map(|row| {
            let mut text = String::new();
            let mut skip = 0;
            for cell in row {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                skip = unicode_width::UnicodeWidthStr::width(cell.symbol()).saturating_sub(1);
                text.push_str(cell.symbol());
            }
            text
        })
        .collect()
}

const LONG_ERROR: &str = "storage error in /home/operator/.local/share/keyward/keyward.db: \
    database is locked (another keyward process holds a write transaction; it is retried \
    for 5 s before giving up, so check for a stuck `keyward apps import` or a server \
    started by hand)";

#[test]
fn a_long_error_wraps_in_the_status_area() {
    check("error_long", |s| {
        send(
            s,
            [Msg::Loaded {
                region: 1,
                result: Err(CallError::Failed(LONG_ERROR.into())),
            }],
        );
    });
    // Every word of it is on screen, and the footer's keys are still there.
    for (w, h) in SIZES {
        let mut s = state();
        s.size = (w, h);
        send(
            &mut s,
            [Msg::Loaded {
                region: 1,
                result: Err(CallError::Failed(LONG_ERROR.into())),
            }],
        );
        let screen = rows(&buffer(&s, w, h)).join("\n");
        for word in LONG_ERROR.split_whitespace() {
            assert!(
                screen.contains(word),
                "{word} is missing at {w}x{h}:\n{screen}"
            );
        }
        assert!(screen.contains("a add"), "the footer shows:\n{screen}");
        assert!(screen.contains("(Esc dismisses)"), "{screen}");
    }
}

#[test]
fn an_error_too_long_for_the_status_area_is_cut_with_an_ellipsis() {
    let mut s = state();
    let text = "word ".repeat(400);
    send(
        &mut s,
        [Msg::Loaded {
            region: 1,
            result: Err(CallError::Failed(text)),
        }],
    );
    let screen = rows(&buffer(&s, 80, 24));
    let status: Vec<&String> = screen.iter().filter(|r| r.contains("word")).collect();
    assert_eq!(status.len(), 8, "a third of 24 rows at most: {screen:#?}");
    assert!(status[7].trim_end().ends_with('…'), "{screen:#?}");
    assert!(
        screen[15].contains("a add"),
        "the footer stays: {screen:#?}"
    );
}

#[test]
fn the_secret_and_the_client_id_each_stay_on_one_line() {
    // The snapshots: main_secret_shown_*.
    for (w, h) in SIZES.into_iter().chain([(80, 30), (100, 30), (50, 30)]) {
        let mut s = state();
        s.size = (w, h);
        s.reveals.insert(id(0), reveal(0, 61));
        send(&mut s, [key(KeyCode::Down), ch('v')]);
        let screen = rows(&buffer(&s, w, h));
        let whole = |v: &str| screen.iter().any(|r| r.contains(v));
        assert!(
            whole(SECRET),
            "the secret on one line at {w}x{h}: {screen:#?}"
        );
        assert!(
            whole(id(0).as_str()),
            "the client ID on one line at {w}x{h}: {screen:#?}"
        );
    }
}

/// An admin application, selected.
fn with_admin(s: &mut State) {
    let mut admin = app(4, "Ops automation", &[]);
    admin.admin = true;
    s.regions[0].apps.insert(3, admin);
    s.refilter(None);
    send(s, [key(KeyCode::End), key(KeyCode::Up)]);
}

#[test]
fn an_admin_client_is_marked_in_the_list_and_the_details() {
    check("admin", with_admin);
    for (w, h) in SIZES {
        let mut s = state();
        s.size = (w, h);
        with_admin(&mut s);
        let screen = rows(&buffer(&s, w, h));
        let row = screen.iter().find(|r| r.starts_with("│▶")).unwrap();
        assert!(row.contains("Ops automation"), "{row}");
        assert!(row.contains("admin") && !row.contains("0 sc"), "{row}");
        let all = screen.join("\n");
        assert!(all.contains("Admin client"), "{all}");
        assert!(!all.contains("none yet"), "{all}");
    }
}

#[test]
fn help_fits_between_the_header_and_the_footer() {
    let mut s = state();
    s.size = (80, 24);
    send(&mut s, [ch('?')]);
    let screen = rows(&buffer(&s, 80, 24));
    assert!(
        screen[22].contains("Esc/q close"),
        "the footer: {screen:#?}"
    );
    let all = screen.join("\n");
    for what in [
        "move in the list (wheel scrolls, click selects)",
        "reload (others' changes also show within 10 s)",
        "quit from anywhere",
        "then never again.",
    ] {
        assert!(all.contains(what), "{what} is cut: {screen:#?}");
    }
}

#[test]
fn the_scope_grid_and_the_matrix_say_there_is_more() {
    let mut s = state();
    s.size = (80, 24);
    send(&mut s, [ch('a'), key(KeyCode::Tab)]);
    let all = rows(&buffer(&s, 80, 24)).join("\n");
    assert!(all.contains("↓ 5 more"), "{all}");
    send(&mut s, [key(KeyCode::End)]);
    let screen = rows(&buffer(&s, 80, 24));
    let marks: Vec<&String> = screen.iter().filter(|r| r.contains(" more ")).collect();
    assert_eq!(marks.len(), 1, "{screen:#?}");
    assert!(
        marks[0].contains("↑ 4 more") && !marks[0].contains("↓ "),
        "{screen:#?}"
    );

    let mut s = state();
    s.size = (80, 24);
    send(&mut s, [ch('S'), ch('m')]);
    let all = rows(&buffer(&s, 80, 24)).join("\n");
    assert!(all.contains("→ 11 more"), "{all}");
    for _ in 0..6 {
        send(&mut s, [key(KeyCode::Right)]);
    }
    let all = rows(&buffer(&s, 80, 24)).join("\n");
    assert!(
        all.contains("← 2 more") && all.contains("→ 9 more"),
        "{all}"
    );
}

/// Where a popup titled `title` has its top-left corner.
fn popup_corner(buf: &ratatui::buffer::Buffer, title: &str) -> Option<(u16, u16)> {
    let rows = rows(buf);
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s) as u16;
    rows.iter().enumerate().find_map(|(y, row)| {
        let at = row.find(&format!("┌{title}"))?;
        Some((width(&row[..at]), y as u16))
    })
}

/// A wide character just left of a popup covers two cells: drawn as is, its
/// right half swallowed the popup's left border.
#[test]
fn popups_over_wide_characters_keep_their_left_border() {
    let popups = [
        ('?', " Keys "),
        ('a', " Add an application "),
        ('e', " Rename "),
        ('R', " New client secret? "),
        ('x', " Retire the old secret? "),
        ('d', " Delete application? "),
        ('s', " Scopes of "),
        ('t', " Token test"),
    ];
    for (w, h) in SIZES.into_iter().chain([(60, 20), (90, 30), (100, 30)]) {
        for hostile in [false, true] {
            for (key, title) in popups {
                let mut s = state();
                s.size = (w, h);
                if hostile {
                    hostile_state(&mut s);
                }
                with_retiring(&mut s);
                s.reveals
                    .insert(s.selected_app().unwrap().client_id.clone(), reveal(0, 600));
                send(&mut s, [ch(key)]);
                let buf = buffer(&s, w, h);
                let (x, y0) = popup_corner(&buf, title)
                    .unwrap_or_else(|| panic!("{title} at {w}x{h}: {:#?}", rows(&buf)));
                for y in y0 + 1..h {
                    match buf[(x, y)].symbol() {
                        "│" => {}
                        "└" => break,
                        other => panic!(
                            "{title} at {w}x{h}: {other:?} at ({x}, {y}): {:#?}",
                            rows(&buf)
                        ),
                    }
                }
            }
        }
    }
}

/// The add dialog is a little narrower than an 80-column screen: the columns
/// beside it are cleared, not left showing pieces of the screen behind.
#[test]
fn no_stray_characters_beside_the_add_dialog() {
    let mut s = state();
    s.size = (80, 24);
    send(&mut s, [ch('a')]);
    let buf = buffer(&s, 80, 24);
    for y in 2..20 {
        for x in [1, 78] {
            let sym = buf[(x, y)].symbol();
            assert_eq!(sym, " ", "({x}, {y}) shows {sym:?}");
        }
    }
}

#[test]
fn quit_confirm() {
    check("quit_confirm", |s| {
        s.reveals.insert(id(1), reveal(1, 600));
        send(s, [ch('q')]);
        assert!(!s.quit);
    });
}

#[test]
fn palette_empty_lists_the_commands() {
    check("palette_empty", |s| send(s, [ch(':')]));
}

#[test]
fn palette_with_candidates_and_an_error() {
    check("palette_candidates", |s| {
        send(s, [ch(':'), ch('a'), ch('p'), ch('p'), ch(' '), ch('s')]);
        send(s, [key(KeyCode::Down)]);
    });
    check("palette_unknown", |s| {
        send(s, [ch(':'), ch('z'), ch('z'), key(KeyCode::Enter)]);
    });
}

#[test]
fn sorted_list_says_its_order() {
    check("sorted_by_last_used", |s| {
        s.regions[0].apps[2].last_used_at = Some(t0() - Duration::hours(2));
        s.refilter(None);
        send(s, [ch('o'), ch('o'), ch('o'), ch('o')]);
    });
}
