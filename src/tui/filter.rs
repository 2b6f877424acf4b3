//! The `/` filter: names match fuzzily (nucleo), client IDs only by prefix.
//! A client ID is random, so scattered characters of it match almost any
//! query: `/admin` would list applications that have nothing to do with it.
//! A word `unused:90d` keeps only applications that got no token for that
//! long (or never), as `keyward apps list --unused-for 90d` does.

use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::model::{Application, DurationError};

/// How a query's usage word starts.
pub const UNUSED: &str = "unused:";

/// A query taken apart: the text names and IDs are matched against, and the
/// `unused:` word's duration if it has one.
#[derive(Debug, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub unused_for: Option<Result<chrono::Duration, DurationError>>,
}

impl Query {
    pub fn parse(query: &str) -> Query {
        let mut text = Vec::new();
        let mut unused_for = None;
        for word in query.split_whitespace() {
            match word.get(..UNUSED.len()) {
                Some(head) if head.eq_ignore_ascii_case(UNUSED) => {
                    unused_for = Some(crate::model::parse_duration(&word[UNUSED.len()..]));
                }
                _ => text.push(word),
            }
        }
        Query {
            text: text.join(" "),
            unused_for,
        }
    }
}

/// Whether `app` got no token since `now - d` (or never): the CLI's rule.
fn unused_for(app: &Application, d: chrono::Duration, now: DateTime<Utc>) -> bool {
    app.last_used_at.is_none_or(|at| at <= now - d)
}

/// Indices of the applications that match `query`, best match first; ties keep
/// the list's (name) order. A client ID that starts with the query ranks above
/// every name match: it can only be that application. An `unused:` word that
/// is not a duration matches nothing (the list says why), rather than
/// everything.
pub fn matching(apps: &[Application], query: &str, now: DateTime<Utc>) -> Vec<usize> {
    let query = Query::parse(query);
    let kept = |a: &Application| match &query.unused_for {
        None => true,
        Some(Ok(d)) => unused_for(a, *d, now),
        Some(Err(_)) => false,
    };
    if query.text.is_empty() {
        return (0..apps.len()).filter(|&i| kept(&apps[i])).collect();
    }
    let pattern = Pattern::parse(&query.text, CaseMatching::Ignore, Normalization::Smart);
    let id_prefix = query.text.trim();
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = apps
        .iter()
        .enumerate()
        .filter(|(_, a)| kept(a))
        .filter_map(|(i, a)| {
            if id_starts_with(a.client_id.as_str(), id_prefix) {
                return Some((u32::MAX, i));
            }
            pattern
                .score(
                    Utf32Str::new(a.client_name.as_str(), &mut buf),
                    &mut matcher,
                )
                .map(|s| (s, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

/// Case-insensitive, as IDs are read off screens and typed back.
fn id_starts_with(id: &str, prefix: &str) -> bool {
    !prefix.is_empty()
        && id.len() >= prefix.len()
        && id
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::{Query, matching};
    use crate::tui::fixtures::{app, id, t0};

    #[test]
    fn names_match_fuzzily_and_client_ids_only_by_prefix() {
        // id(n) is `9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Q` plus a letter: it holds
        // a, d, m, i and n scattered, which once matched `admin`.
        let apps = vec![
            app(0, "Billing export", &[]),
            app(1, "Keyward admin", &[]),
            app(2, "Payroll sync", &[]),
        ];
        assert_eq!(matching(&apps, "admin", t0()), vec![1]);
        assert_eq!(matching(&apps, "kwadm", t0()), vec![1], "names stay fuzzy");

        let whole = id(2).to_string();
        assert_eq!(
            matching(&apps, &whole[..6], t0()),
            vec![0, 1, 2],
            "a shared prefix"
        );
        assert_eq!(matching(&apps, &whole, t0()), vec![2]);
        assert_eq!(matching(&apps, &whole.to_lowercase(), t0()), vec![2]);
        // Characters from the middle of an ID match nothing.
        assert!(matching(&apps, &whole[10..16], t0()).is_empty());
    }

    #[test]
    fn unused_keeps_what_got_no_token_for_that_long_or_never() {
        let used = |n, name, days_ago: i64| {
            let mut a = app(n, name, &[]);
            a.last_used_at = Some(t0() - chrono::Duration::days(days_ago));
            a
        };
        let apps = vec![
            used(0, "Billing export", 100),
            app(1, "Keyward admin", &[]),
            used(2, "Payroll sync", 3),
            used(3, "Payroll archive", 90),
        ];
        assert_eq!(matching(&apps, "unused:90d", t0()), vec![0, 1, 3]);
        assert_eq!(matching(&apps, "UNUSED:2d", t0()), vec![0, 1, 2, 3]);
        assert_eq!(matching(&apps, "unused:4d pay", t0()), vec![3]);
        assert_eq!(matching(&apps, "pay unused:1d", t0()).len(), 2);
        // Half typed, or without a unit: nothing, rather than everything.
        assert!(matching(&apps, "unused:9", t0()).is_empty());
        assert!(matching(&apps, "unused:", t0()).is_empty());
        let q = Query::parse("  pay  unused:90x ");
        assert_eq!(q.text, "pay");
        assert!(matches!(q.unused_for, Some(Err(_))));
    }
}
