//! The `/` filter: fuzzy matching of names and client IDs with nucleo.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::model::Application;

/// Indices of the applications that match `query`, best match first; ties keep
/// the list's (name) order.
pub fn matching(apps: &[Application], query: &str) -> Vec<usize> {
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = apps
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let name = pattern.score(
                Utf32Str::new(a.client_name.as_str(), &mut buf),
                &mut matcher,
            );
            let id = pattern.score(Utf32Str::new(a.client_id.as_str(), &mut buf), &mut matcher);
            name.max(id).map(|s| (s, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}
