//! The orders an application list can take: the TUI's `o` key and
//! `keyward apps list --sort` offer the same ones, defined here once.

use std::cmp::{Ordering, Reverse};

use chrono::{DateTime, Utc};

use super::Application;

/// How a list of applications is ordered. Ties keep the order they came in
/// (the registry's: by name), so the result never depends on the sort's
/// whims.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum AppOrder {
    /// By name, case-insensitively (the registry's order)
    #[default]
    Name,
    /// Newest first
    Created,
    /// Most recently changed first
    Updated,
    /// The oldest current secret first: the next to rotate
    SecretAge,
    /// Most recently used first; never used last
    LastUsed,
}

impl AppOrder {
    pub const ALL: [AppOrder; 5] = [
        AppOrder::Name,
        AppOrder::Created,
        AppOrder::Updated,
        AppOrder::SecretAge,
        AppOrder::LastUsed,
    ];

    /// The name on the command line and in the TUI's `:sort`: `secret-age`.
    pub fn as_str(self) -> &'static str {
        match self {
            AppOrder::Name => "name",
            AppOrder::Created => "created",
            AppOrder::Updated => "updated",
            AppOrder::SecretAge => "secret-age",
            AppOrder::LastUsed => "last-used",
        }
    }

    /// How a title says it: `by last used`.
    pub fn words(self) -> &'static str {
        match self {
            AppOrder::Name => "by name",
            AppOrder::Created => "by created",
            AppOrder::Updated => "by updated",
            AppOrder::SecretAge => "by secret age",
            AppOrder::LastUsed => "by last used",
        }
    }

    /// The order after this one, round.
    pub fn next(self) -> AppOrder {
        let i = Self::ALL.iter().position(|o| *o == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The order named `s` (`secret-age`, also `secret_age` or `secret age`).
    pub fn parse(s: &str) -> Option<AppOrder> {
        let wanted = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Self::ALL.into_iter().find(|o| o.as_str() == wanted)
    }

    /// How `a` and `b` compare in this order (`Equal` for a tie).
    pub fn compare(self, a: &Application, b: &Application) -> Ordering {
        match self {
            AppOrder::Name => a
                .client_name
                .as_str()
                .to_lowercase()
                .cmp(&b.client_name.as_str().to_lowercase()),
            AppOrder::Created => b.created_at.cmp(&a.created_at),
            AppOrder::Updated => b.updated_at.cmp(&a.updated_at),
            AppOrder::SecretAge => secret_made(a).cmp(&secret_made(b)),
            // `None` (never used) sorts after every time.
            AppOrder::LastUsed => Reverse(a.last_used_at).cmp(&Reverse(b.last_used_at)),
        }
    }

    /// Sorts `apps` in this order, stably.
    pub fn sort(self, apps: &mut [Application]) {
        apps.sort_by(|a, b| self.compare(a, b));
    }
}

/// When `app`'s current secret was made: its own `created_at` when the
/// registry describes its secrets (a rotation does not move
/// `secret_issued_at`), else the last reset.
pub fn secret_made(app: &Application) -> DateTime<Utc> {
    app.current_secret()
        .map_or(app.secret_issued_at, |s| s.created_at)
}

impl std::fmt::Display for AppOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::model::{AppName, ClientId, Region, SecretInfo, SecretState};

    fn app(name: &str, n: i64) -> Application {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap() + Duration::days(n);
        Application {
            client_id: ClientId::parse(&format!("9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Q{n}")).unwrap(),
            client_name: AppName::parse(name).unwrap(),
            region: Region::new("us").unwrap(),
            grants: Vec::new(),
            admin: false,
            created_at: t,
            updated_at: t,
            secret_issued_at: t,
            last_used_at: None,
            secrets: Vec::new(),
            lifecycle: Default::default(),
        }
    }

    fn names(apps: &[Application]) -> Vec<&str> {
        apps.iter().map(|a| a.client_name.as_str()).collect()
    }

    #[test]
    fn each_order_sorts_as_its_words_say_and_ties_keep_their_place() {
        let mut apps = vec![app("b", 1), app("A", 3), app("c", 2)];
        // `c` was updated last; `b`'s secret was rotated after `A`'s reset.
        apps[2].updated_at += Duration::days(10);
        apps[0].secrets = vec![SecretInfo {
            secret_id: "Rot00001".into(),
            state: SecretState::Current,
            created_at: apps[0].created_at + Duration::days(5),
            expires_at: None,
            last_used_at: None,
            last_used_from: None,
        }];
        apps[1].last_used_at = Some(apps[1].created_at);
        apps[0].last_used_at = Some(apps[1].created_at + Duration::hours(1));
        let sorted = |o: AppOrder| {
            let mut v = apps.clone();
            o.sort(&mut v);
            names(&v).join(" ")
        };
        assert_eq!(sorted(AppOrder::Name), "A b c");
        assert_eq!(sorted(AppOrder::Created), "A c b");
        assert_eq!(sorted(AppOrder::Updated), "c A b");
        assert_eq!(sorted(AppOrder::SecretAge), "c A b", "b's secret is newest");
        assert_eq!(sorted(AppOrder::LastUsed), "b A c", "never used last");
    }

    #[test]
    fn orders_go_round_and_parse_their_names() {
        let mut o = AppOrder::default();
        let mut seen = Vec::new();
        for _ in 0..AppOrder::ALL.len() {
            seen.push(o);
            o = o.next();
        }
        assert_eq!(seen, AppOrder::ALL);
        assert_eq!(o, AppOrder::Name);
        for o in AppOrder::ALL {
            assert_eq!(AppOrder::parse(o.as_str()), Some(o));
            assert_eq!(o.to_string(), o.as_str());
        }
        assert_eq!(AppOrder::parse(" Secret_Age"), Some(AppOrder::SecretAge));
        assert_eq!(AppOrder::parse("size"), None);
        // The command line's names are the same as the TUI's.
        use clap::ValueEnum as _;
        for o in AppOrder::ALL {
            let v = o.to_possible_value().unwrap();
            assert_eq!(v.get_name(), o.as_str());
            assert!(v.get_help().is_some(), "{o} has no help text");
        }
    }
}
