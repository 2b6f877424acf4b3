//! The `/` filter: names match fuzzily (nucleo), client IDs only by prefix.
//! A client ID is random, so scattered characters of it match almost any
//! query: `/admin` would list applications that have nothing to do with it.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::model::Application;

/// Indices of the applications that match `query`, best match first; ties keep
/// the list's (name) order. A client ID that starts with the query ranks above
/// every name match: it can only be that application.
pub fn matching(apps: &[Application], query: &str) -> Vec<usize> {
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let id_prefix = query.trim();
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = apps
        .iter()
        .enumerate()
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
    use super::matching;
    use crate::tui::fixtures::{app, id};

    #[test]
    fn names_match_fuzzily_and_client_ids_only_by_prefix() {
        // id(n) is `9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Q` plus a letter: it holds
        // a, d, m, i and n scattered, which once matched `admin`.
        let apps = vec![
            app(0, "Billing export", &[]),
            app(1, "Keyward admin", &[]),
            app(2, "Payroll sync", &[]),
        ];
        assert_eq!(matching(&apps, "admin"), vec![1]);
        assert_eq!(matching(&apps, "kwadm"), vec![1], "names stay fuzzy");

        let whole = id(2).to_string();
        assert_eq!(
            matching(&apps, &whole[..6]),
            vec![0, 1, 2],
            "a shared prefix"
        );
        assert_eq!(matching(&apps, &whole), vec![2]);
        assert_eq!(matching(&apps, &whole.to_lowercase()), vec![2]);
        // Characters from the middle of an ID match nothing.
        assert!(matching(&apps, &whole[10..16]).is_empty());
    }
}
