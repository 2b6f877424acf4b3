//! The `/` filter: names match fuzzily (nucleo), client IDs only by prefix.
//! A client ID is random, so scattered characters of it match almost any
//! query: `/admin` would list applications that have nothing to do with it.
//! A word `unused:90d` keeps only applications that got no token for that
//! long (or never), as `keyward apps list --unused-for 90d` does; a word
//! `scope:forensics:account:write` keeps those that hold that OAuth scope
//! (`scope:forensics:account`: any access), as `--scope` does.
//! What passes is in the list's order (`o`), best text match first.

use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::catalog::Catalog;
use crate::model::{AppOrder, Application, DurationError};

/// How a query's usage word starts.
pub const UNUSED: &str = "unused:";
/// How a query's scope word starts.
pub const SCOPE: &str = "scope:";

/// A query taken apart: the text names and IDs are matched against, and the
/// `unused:` word's duration if it has one.
#[derive(Debug, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub unused_for: Option<Result<chrono::Duration, DurationError>>,
    /// The scopes of `scope:` words, each of which must be held (an empty
    /// one, half typed, holds nothing).
    pub scopes: Vec<String>,
}

/// `word` without `head` (compared ignoring case), if it starts with it.
fn after<'a>(word: &'a str, head: &str) -> Option<&'a str> {
    word.get(..head.len())
        .filter(|h| h.eq_ignore_ascii_case(head))
        .map(|_| &word[head.len()..])
}

impl Query {
    pub fn parse(query: &str) -> Query {
        let mut text = Vec::new();
        let mut unused_for = None;
        let mut scopes = Vec::new();
        for word in query.split_whitespace() {
            if let Some(d) = after(word, UNUSED) {
                unused_for = Some(crate::model::parse_duration(d));
            } else if let Some(scope) = after(word, SCOPE) {
                scopes.push(scope.to_owned());
            } else {
                text.push(word);
            }
        }
        Query {
            text: text.join(" "),
            unused_for,
            scopes,
        }
    }
}

/// Whether `app` got no token since `now - d` (or never): the CLI's rule.
fn unused_for(app: &Application, d: chrono::Duration, now: DateTime<Utc>) -> bool {
    app.last_used_at.is_none_or(|at| at <= now - d)
}

/// Indices of the applications that match `query`, in `order`; with text to
/// match, best match first and ties in `order`. A client ID that starts with
/// the query ranks above every name match: it can only be that application.
/// An `unused:` word that is not a duration matches nothing (the list says
/// why), rather than everything; so does an empty `scope:`.
pub fn matching(
    apps: &[Application],
    query: &str,
    order: AppOrder,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Vec<usize> {
    let query = Query::parse(query);
    let kept = |a: &Application| {
        let used = match &query.unused_for {
            None => true,
            Some(Ok(d)) => unused_for(a, *d, now),
            Some(Err(_)) => false,
        };
        used && query.scopes.iter().all(|s| catalog.holds(a, s))
    };
    let mut ordered: Vec<usize> = (0..apps.len()).filter(|&i| kept(&apps[i])).collect();
    if order != AppOrder::Name {
        // Stable: ties keep the registry's order, by name.
        ordered.sort_by(|&a, &b| order.compare(&apps[a], &apps[b]));
    }
    if query.text.is_empty() {
        return ordered;
    }
    let pattern = Pattern::parse(&query.text, CaseMatching::Ignore, Normalization::Smart);
    let id_prefix = query.text.trim();
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = ordered
        .into_iter()
        .filter_map(|i| {
            let a = &apps[i];
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
    // Stable: equal scores keep the list's order.
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
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
    use super::Query;
    use crate::catalog::Catalog;
    use crate::model::{AppOrder, Application};
    use crate::tui::fixtures::{app, id, t0};

    fn matching(
        apps: &[Application],
        query: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<usize> {
        super::matching(apps, query, AppOrder::Name, &Catalog::builtin(), now)
    }

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

    #[test]
    fn scope_words_keep_what_holds_the_scope_write_holding_read() {
        use crate::model::Access::{Read, Write};
        let apps = vec![
            app(0, "Billing export", &[("ess:account", Read)]),
            app(1, "Payroll sync", &[("forensics:account", Write)]),
            app(2, "SIEM forwarder", &[("forensics:account", Read)]),
        ];
        assert_eq!(
            matching(&apps, "scope:forensics:account:write", t0()),
            vec![1]
        );
        assert_eq!(
            matching(&apps, "scope:forensics:account:read", t0()),
            vec![1, 2]
        );
        assert_eq!(matching(&apps, "SCOPE:forensics:account", t0()), vec![1, 2]);
        assert_eq!(
            matching(&apps, "scope:ess:account si", t0()),
            Vec::<usize>::new()
        );
        assert_eq!(matching(&apps, "scope:forensics:account si", t0()), vec![2]);
        assert_eq!(
            matching(&apps, "scope:ess:account scope:forensics:account", t0()),
            Vec::<usize>::new(),
            "every scope word must hold"
        );
        assert!(matching(&apps, "scope:", t0()).is_empty(), "half typed");
        assert_eq!(Query::parse("pay scope:a:b").scopes, vec!["a:b"]);
    }

    #[test]
    fn what_passes_comes_in_the_lists_order_best_text_match_first() {
        let mut apps = vec![
            app(0, "Billing export", &[]),
            app(1, "Payroll archive", &[]),
            app(2, "Payroll sync", &[]),
        ];
        apps[0].last_used_at = Some(t0());
        apps[2].last_used_at = Some(t0() - chrono::Duration::days(1));
        let by = |q: &str| super::matching(&apps, q, AppOrder::LastUsed, &Catalog::builtin(), t0());
        assert_eq!(by(""), vec![0, 2, 1]);
        assert_eq!(by("unused:1h"), vec![2, 1]);
        // Both names match `payroll` equally: the order breaks the tie.
        assert_eq!(by("payroll"), vec![2, 1]);
    }
}
