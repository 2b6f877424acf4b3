//! Test data shared by the `update` tests and the view snapshots: a fixed clock,
//! a few applications, a region that has not loaded yet.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Msg;
use super::state::{RegionTab, State};
use crate::catalog::Catalog;
use crate::model::{
    Access, AppName, Application, ClientId, ClientSecret, Grant, Region, ScopeId, SecretInfo,
    SecretReveal, SecretState,
};
use crate::registry::Issued;

pub const SECRET: &str = "Sx7q2LmN9pQ4rT6vW8yZ1aB3cD5eF7gH9jK2mN4pQ6rS8tV0";

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 40, 0).unwrap()
}

pub fn id(n: u8) -> ClientId {
    let base = "9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Q";
    ClientId::parse(&format!("{base}{}", (b'a' + n) as char)).unwrap()
}

pub fn app(n: u8, name: &str, grants: &[(&str, Access)]) -> Application {
    let created = Utc
        .with_ymd_and_hms(2026, 11, 20 + (n as u32 % 3), 9, 12, 0)
        .unwrap();
    Application {
        client_id: id(n),
        client_name: AppName::parse(name).unwrap(),
        region: Region::new("us").unwrap(),
        grants: grants
            .iter()
            .map(|(s, a)| Grant::new(ScopeId::parse(s).unwrap(), *a))
            .collect(),
        admin: false,
        created_at: created,
        updated_at: created + Duration::minutes(28),
        secret_issued_at: created,
        last_used_at: None,
        secrets: Vec::new(),
        lifecycle: Default::default(),
    }
}

/// A secret's description: `secret_id`, made at `created`.
pub fn secret(secret_id: &str, state: SecretState, created: DateTime<Utc>) -> SecretInfo {
    SecretInfo {
        secret_id: secret_id.to_owned(),
        state,
        created_at: created,
        expires_at: None,
        last_used_at: None,
        last_used_from: None,
    }
}

/// `a` with one secret, `secret_id`, current since it was made.
pub fn with_current(mut a: Application, secret_id: &str) -> Application {
    a.secrets = vec![secret(secret_id, SecretState::Current, a.created_at)];
    a
}

/// `a` rotated an hour before the fixture's clock: a current secret
/// `New00001`, and its first one, `Old00001`, retiring until `until_secs`
/// after the clock, last used `used` (seconds before the clock, and from
/// where).
pub fn rotated(a: Application, until_secs: i64, used: Option<(i64, &str)>) -> Application {
    let mut a = with_current(a, "Old00001");
    let mut old = a.secrets.remove(0);
    old.state = SecretState::Retiring;
    old.expires_at = Some(t0() + Duration::seconds(until_secs));
    if let Some((ago, from)) = used {
        old.last_used_at = Some(t0() - Duration::seconds(ago));
        old.last_used_from = Some(from.to_owned());
        a.last_used_at = old.last_used_at;
    }
    let current = secret("New00001", SecretState::Current, t0() - Duration::hours(1));
    a.secrets = vec![current, old];
    a
}

pub fn reveal(n: u8, left: i64) -> SecretReveal {
    SecretReveal {
        client_id: id(n),
        secret: ClientSecret::from_string(SECRET.into()),
        visible_until: t0() + Duration::seconds(left),
    }
}

pub fn issued(a: Application, left: i64) -> Issued {
    let n = a.client_id.as_str().as_bytes()[31] - b'a';
    Issued {
        application: a,
        reveal: reveal(n, left),
    }
}

pub fn sample_apps() -> Vec<Application> {
    use Access::*;
    vec![
        app(
            1,
            "Billing export",
            &[("account:billing", Read), ("ess:account", Read)],
        ),
        app(
            0,
            "Payroll sync",
            &[
                ("ess:account", Read),
                ("forensics:account", Write),
                ("audit:logs", Read),
            ],
        ),
        app(
            2,
            "SIEM forwarder",
            &[
                ("audit:logs", Write),
                ("ess:account", Read),
                ("forensics:account", Read),
                ("threat:logs", Read),
                ("backup:computers", Read),
            ],
        ),
        app(3, "日本語アプリ 🔑 keys", &[("threat:intel", Write)]),
    ]
}

fn tab(id: &str, apps: Vec<Application>, loaded: bool) -> RegionTab {
    RegionTab {
        read_only: None,
        region: Region::new(id).unwrap(),
        name: id.to_ascii_uppercase(),
        location: if id == "uk" {
            "https://uk.tokens.example".into()
        } else {
            "embedded".into()
        },
        token_via: if id == "uk" {
            "https://uk.tokens.example/oauth2/token".into()
        } else {
            "local".into()
        },
        apps,
        loaded,
        fingerprint: None,
    }
}

/// US with four applications (the first selected), UK not loaded yet.
pub fn state() -> State {
    let mut apps = sample_apps();
    apps.sort_by_key(|a| a.client_name.as_str().to_lowercase());
    State::new(
        vec![tab("us", apps, true), tab("uk", Vec::new(), false)],
        0,
        Arc::new(Catalog::builtin()),
        t0(),
        900,
    )
}

/// A first run: both regions empty.
pub fn empty_state() -> State {
    State::new(
        vec![tab("us", Vec::new(), true), tab("uk", Vec::new(), false)],
        0,
        Arc::new(Catalog::builtin()),
        t0(),
        900,
    )
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// A key that came in the same read as the key before it.
pub fn burst(c: char) -> Msg {
    Msg::BurstKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// How crossterm reports Esc and `c` arriving in one read.
pub fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

/// `n` audit events about application 0 ("Payroll sync"), newest first, the
/// first a reset by alice in the TUI, a minute apart from t0 back.
pub fn audit_events(n: usize) -> Vec<crate::model::AuditEvent> {
    use crate::model::audit::{GENESIS_HASH, change};
    use crate::model::{Actor, AuditAction, AuditEvent, NewAuditEvent, Via};
    let alice = Actor::local(Via::Tui, Some("alice".into()), Some("ops-1".into()));
    let mut prev = (0, GENESIS_HASH.to_owned());
    let mut out = Vec::new();
    for i in 0..n {
        let minutes_ago = (n - 1 - i) as i64;
        let (action, changes) = if i + 1 == n {
            (AuditAction::ResetSecret, serde_json::json!({}))
        } else {
            (
                AuditAction::Rename,
                serde_json::json!({ "client_name": change(format!("Payroll v{i}"), format!("Payroll v{}", i + 1)) }),
            )
        };
        let (event, _) = AuditEvent::chain(
            NewAuditEvent {
                at: t0() - chrono::Duration::minutes(minutes_ago),
                action,
                client_id: Some(id(0).to_string()),
                client_name: Some("Payroll sync".into()),
                changes,
            },
            "us",
            &alice,
            prev.0,
            &prev.1,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        prev = (event.body.seq, event.hash.clone());
        out.push(event);
    }
    out.reverse();
    out
}
