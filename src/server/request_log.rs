//! What `keyward serve` writes about requests: bounded, whatever the rate.
//!
//! A line per request lets anyone who can reach the token endpoint decide how
//! fast the log grows: a flood of bad credentials at tens of thousands of
//! requests a second writes megabytes a second and drowns the lines an
//! operator needs. So by default requests are counted, not logged:
//!
//! - Every summary interval (`log_summary_seconds`, default 10) one line says
//!   how many requests the interval had, how many tokens the region issued,
//!   how many were refused and how many failed on the server's side.
//! - Refused authentication (wrong or unknown credentials, a replaced secret,
//!   throttled) is counted per client ID and per address. The first refusal
//!   of a client ID or an address that was not refused that way in this
//!   interval or the one before is logged at once, so a misconfigured platform
//!   shows up with its first failure. At most [`NAMED_BURST`] such lines of a
//!   kind are written at once and one a second after that; the rest are
//!   counted. An interval with refusals ends with one line: totals, how many
//!   client IDs and addresses, and the top [`TOP`] of each.
//! - A server error (5xx) is logged at once, within the same budget.
//!
//! Per-request lines (every request, every token issued, every refusal) are
//! at DEBUG under the target [`REQUESTS_TARGET`]: `keyward serve
//! --log-requests`, or a filter such as `RUST_LOG=info,keyward::requests=debug`,
//! turns them on.
//!
//! Bounds: the tables keep at most [`MAX_TRACKED`] client IDs and addresses
//! per interval (the interval before is kept to tell who started), each
//! client ID cut to [`ID_CHARS`] characters; keys that find no room are
//! counted, and the summary says "at least".

use std::borrow::{Borrow, Cow};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use crate::config::RequestLogSettings;

use super::AppState;

/// The `tracing` target of per-request lines.
pub const REQUESTS_TARGET: &str = "keyward::requests";
/// Most client IDs, and most addresses, one interval tracks.
pub const MAX_TRACKED: usize = 10_000;
/// How many client IDs and addresses a summary names.
pub const TOP: usize = 5;
/// A logged client ID is cut to this many characters (with `…`).
pub const ID_CHARS: usize = 64;
/// Lines of one kind that may be written at once ...
pub const NAMED_BURST: u32 = 10;
/// ... and then one every this long.
const NAMED_EVERY: Duration = Duration::from_secs(1);

/// Why a request's client authentication was refused.
#[derive(Clone, Copy, Debug)]
pub enum Refusal {
    /// Unknown client ID, or a secret that never was the client's.
    Failed,
    /// A secret the client had before a reset (a pod that missed it).
    Replaced,
    /// Over the client ID's failure limit: `wait` until it may try again.
    ThrottledClient { wait: Duration },
    /// Over the address's failure limit.
    ThrottledAddress { wait: Duration },
}

/// The kinds a summary counts apart; also the index of each in [`Counts`].
const FAILED: usize = 0;
const REPLACED: usize = 1;
const THROTTLED: usize = 2;
/// The budget index of server errors (they are not counted per key).
const SERVER_ERROR: usize = 3;

impl Refusal {
    fn kind(self) -> usize {
        match self {
            Refusal::Failed => FAILED,
            Refusal::Replaced => REPLACED,
            Refusal::ThrottledClient { .. } | Refusal::ThrottledAddress { .. } => THROTTLED,
        }
    }
}

/// Refusals of one key in one interval, by kind.
#[derive(Clone, Copy, Default)]
struct Counts([u64; 3]);

impl Counts {
    fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

/// Refusals per key (client ID or address) in this interval and the last.
struct Tally<K> {
    current: HashMap<K, Counts>,
    previous: HashMap<K, Counts>,
    /// Refusals whose key found no room in `current`, by kind.
    untracked: [u64; 3],
}

impl<K: Hash + Eq> Tally<K> {
    fn new() -> Self {
        Tally {
            current: HashMap::new(),
            previous: HashMap::new(),
            untracked: [0; 3],
        }
    }

    /// Counts one refusal of `key`; true if `key` was not refused this way in
    /// this interval or the last (it started now).
    fn record<Q>(&mut self, key: &Q, kind: usize, owned: impl FnOnce(&Q) -> K) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let before = self.previous.get(key).is_some_and(|c| c.0[kind] > 0);
        if let Some(c) = self.current.get_mut(key) {
            c.0[kind] += 1;
            return c.0[kind] == 1 && !before;
        }
        if self.current.len() >= MAX_TRACKED {
            self.untracked[kind] += 1;
            return false;
        }
        let mut counts = Counts::default();
        counts.0[kind] = 1;
        self.current.insert(owned(key), counts);
        !before
    }

    /// `1 address`, `10,000+ client IDs`: how many keys had refusals of `kind`.
    fn keys(&self, kind: usize, one: &str, many: &str) -> String {
        let n = self.current.values().filter(|c| c.0[kind] > 0).count() as u64;
        let more = if self.untracked[kind] > 0 { "+" } else { "" };
        let noun = if n == 1 && more.is_empty() { one } else { many };
        format!("{}{more} {noun}", grouped(n))
    }

    /// The [`TOP`] keys with the most refusals, most first.
    fn top(&self) -> Vec<(&K, u64)> {
        let mut all: Vec<(&K, u64)> = self.current.iter().map(|(k, c)| (k, c.total())).collect();
        let by_count = |a: &(&K, u64), b: &(&K, u64)| b.1.cmp(&a.1);
        if all.len() > TOP {
            all.select_nth_unstable_by(TOP, by_count);
            all.truncate(TOP);
        }
        all.sort_by(by_count);
        all
    }

    /// Starts a new interval; the one that ends is kept to tell who started.
    fn rotate(&mut self) {
        self.previous = std::mem::take(&mut self.current);
        self.untracked = [0; 3];
    }
}

/// Lines of one kind allowed now: [`NAMED_BURST`] at once, refilled one per
/// [`NAMED_EVERY`].
#[derive(Clone, Copy)]
struct Budget {
    left: u32,
    refilled: Instant,
}

impl Budget {
    fn new(now: Instant) -> Self {
        Budget {
            left: NAMED_BURST,
            refilled: now,
        }
    }

    fn take(&mut self, now: Instant) -> bool {
        let earned =
            now.saturating_duration_since(self.refilled).as_millis() / NAMED_EVERY.as_millis();
        if earned > 0 {
            self.left = NAMED_BURST.min(self.left.saturating_add(earned as u32));
            self.refilled += NAMED_EVERY * earned as u32;
        }
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        true
    }
}

/// The refusals of the current interval.
struct Window {
    started: Instant,
    refused: [u64; 3],
    clients: Tally<Box<str>>,
    addresses: Tally<IpAddr>,
    /// Client IDs or addresses that started being refused without a line.
    unnamed: u64,
    budgets: [Budget; 4],
}

/// Counts requests and refusals, and writes the lines described above.
pub struct RequestLog {
    settings: RequestLogSettings,
    requests: AtomicU64,
    tokens: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    window: Mutex<Window>,
}

/// `412,318`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `1 request`, `2,001 requests`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

/// A client ID as logged: control characters made visible, cut to
/// [`ID_CHARS`] characters. Borrowed when it is already fit (always, for IDs
/// the parser accepted that are not too long).
pub fn shown_client_id(id: &str) -> Cow<'_, str> {
    if id.len() <= ID_CHARS && !id.chars().any(char::is_control) {
        Cow::Borrowed(id)
    } else {
        Cow::Owned(crate::text::printable_truncated(id, ID_CHARS))
    }
}

fn shown_addr(addr: Option<IpAddr>) -> String {
    addr.map_or_else(|| "-".to_owned(), |a| a.to_string())
}

fn lock(m: &Mutex<Window>) -> std::sync::MutexGuard<'_, Window> {
    // Every critical section leaves the counts whole, and logging must not panic.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RequestLog {
    pub fn new(settings: RequestLogSettings) -> Self {
        let now = Instant::now();
        RequestLog {
            settings,
            requests: AtomicU64::new(0),
            tokens: AtomicU64::new(0),
            client_errors: AtomicU64::new(0),
            server_errors: AtomicU64::new(0),
            window: Mutex::new(Window {
                started: now,
                refused: [0; 3],
                clients: Tally::new(),
                addresses: Tally::new(),
                unnamed: 0,
                budgets: [Budget::new(now); 4],
            }),
        }
    }

    pub fn summary_every(&self) -> Duration {
        self.settings.summary_every
    }

    /// Counts a finished request; true if it is a server error that may be
    /// logged on its own line.
    pub fn request_done(&self, status: u16) -> bool {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if status >= 500 {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
            return lock(&self.window).budgets[SERVER_ERROR].take(Instant::now());
        }
        if status >= 400 {
            self.client_errors.fetch_add(1, Ordering::Relaxed);
        }
        false
    }

    pub fn token_issued(&self) {
        self.tokens.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a refusal; true if it gets its own line now (its client ID or
    /// address started being refused this way, and the budget allows). A
    /// throttled request is new only if what is throttled is: a flood of new
    /// client IDs from a throttled address is one address.
    fn record_refusal(&self, refusal: Refusal, client_id: &str, addr: Option<IpAddr>) -> bool {
        let kind = refusal.kind();
        let shown = shown_client_id(client_id);
        let mut w = lock(&self.window);
        w.refused[kind] += 1;
        let client_started = w
            .clients
            .record(shown.as_ref(), kind, |id: &str| Box::from(id));
        let address_started = addr.is_some_and(|a| w.addresses.record(&a, kind, |a| *a));
        let started = match refusal {
            Refusal::ThrottledAddress { .. } => address_started,
            Refusal::ThrottledClient { .. } => client_started,
            Refusal::Failed | Refusal::Replaced => client_started || address_started,
        };
        if !started {
            return false;
        }
        let named = w.budgets[kind].take(Instant::now());
        if !named {
            w.unnamed += 1;
        }
        named
    }

    /// Writes the summary of the interval that ends now (nothing if it was
    /// quiet) and starts the next.
    pub fn summarise(&self, region: &crate::model::Region) {
        let requests = self.requests.swap(0, Ordering::Relaxed);
        let tokens = self.tokens.swap(0, Ordering::Relaxed);
        let refused = self.client_errors.swap(0, Ordering::Relaxed);
        let errors = self.server_errors.swap(0, Ordering::Relaxed);
        let (secs, refusals) = {
            let mut w = lock(&self.window);
            let secs = w.started.elapsed().as_secs_f64();
            let refusals = refusal_summary(&w);
            w.clients.rotate();
            w.addresses.rotate();
            w.refused = [0; 3];
            w.unnamed = 0;
            w.started = Instant::now();
            (secs, refusals)
        };
        let secs = format!("{secs:.0}");
        if requests > 0 {
            tracing::info!(
                %region, requests, tokens_issued = tokens, refused, server_errors = errors,
                "in the last {secs} s: {}; region {region} issued {} tokens; {} refused; {} server errors",
                counted(requests, "request", "requests"), grouped(tokens), grouped(refused), grouped(errors)
            );
        }
        if let Some((counts, text)) = refusals {
            tracing::warn!(
                failed = counts[FAILED],
                replaced = counts[REPLACED],
                throttled = counts[THROTTLED],
                "refused authentication in the last {secs} s: {text}"
            );
        }
    }
}

/// `throttled 412,318 requests from 3 addresses and 10,000+ client IDs; …;
/// top addresses: …; top client IDs: …`, or `None` if nothing was refused.
fn refusal_summary(w: &Window) -> Option<([u64; 3], String)> {
    if w.refused.iter().all(|&n| n == 0) {
        return None;
    }
    let mut parts = Vec::new();
    for (kind, what) in [
        (THROTTLED, "throttled"),
        (FAILED, "failed"),
        (REPLACED, "failed with a replaced secret"),
    ] {
        let n = w.refused[kind];
        if n > 0 {
            parts.push(format!(
                "{what} {} from {} and {}",
                counted(n, "request", "requests"),
                w.addresses.keys(kind, "address", "addresses"),
                w.clients.keys(kind, "client ID", "client IDs"),
            ));
        }
    }
    let named = |top: Vec<(String, u64)>| {
        top.into_iter()
            .map(|(k, n)| format!("{k} ({})", grouped(n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let addresses: Vec<_> = w
        .addresses
        .top()
        .into_iter()
        .map(|(a, n)| (a.to_string(), n))
        .collect();
    if !addresses.is_empty() {
        parts.push(format!("top addresses: {}", named(addresses)));
    }
    let clients: Vec<_> = w
        .clients
        .top()
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect();
    if !clients.is_empty() {
        parts.push(format!("top client IDs: {}", named(clients)));
    }
    if w.unnamed > 0 {
        parts.push(format!(
            "{} more client IDs or addresses started failing without a line of their own",
            grouped(w.unnamed)
        ));
    }
    Some((w.refused, parts.join("; ")))
}

/// Counts a refused client authentication and logs it: at DEBUG per request,
/// and on its own line when its client ID or address started being refused.
/// The line carries the failures the throttle counts for the client ID and
/// the address so far.
pub(super) fn refused(state: &AppState, refusal: Refusal, client_id: &str, addr: Option<IpAddr>) {
    let shown = shown_client_id(client_id);
    let address = shown_addr(addr);
    tracing::debug!(target: REQUESTS_TARGET, client_id = %shown, addr = %address, ?refusal, "client authentication refused");
    if !state.request_log.record_refusal(refusal, client_id, addr) {
        return;
    }
    let (client_failures, address_failures) =
        state.throttle.failures(client_id, addr, Instant::now());
    let more = "more are counted in the summary";
    match refusal {
        Refusal::Failed => tracing::info!(
            client_id = %shown, addr = %address, client_failures, address_failures,
            "client authentication failed; {more}"
        ),
        Refusal::Replaced => tracing::info!(
            client_id = %shown, addr = %address, client_failures, address_failures,
            "client authentication failed: a replaced secret; {more}"
        ),
        Refusal::ThrottledClient { wait } | Refusal::ThrottledAddress { wait } => {
            let by = if matches!(refusal, Refusal::ThrottledClient { .. }) {
                "client"
            } else {
                "address"
            };
            tracing::warn!(
                client_id = %shown, addr = %address, client_failures, address_failures,
                retry_after_secs = wait.as_secs().max(1),
                "authentication throttled ({by}); {more}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THROTTLED_BY_ADDRESS: Refusal = Refusal::ThrottledAddress {
        wait: Duration::from_secs(1),
    };

    fn log() -> RequestLog {
        RequestLog::new(RequestLogSettings::default())
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(412_318), "412,318");
        assert_eq!(grouped(12_345_678), "12,345,678");
    }

    #[test]
    fn long_or_odd_client_ids_are_cut_and_cleaned() {
        assert!(matches!(shown_client_id("abc"), Cow::Borrowed("abc")));
        let long = "x".repeat(200);
        let shown = shown_client_id(&long);
        assert_eq!(shown.chars().count(), ID_CHARS);
        assert!(shown.ends_with('…'));
        assert_eq!(shown_client_id("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    }

    #[test]
    fn a_key_is_named_when_it_starts_and_again_only_after_a_quiet_interval() {
        let log = log();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(
            log.record_refusal(Refusal::Failed, "a", Some(ip)),
            "the first failure"
        );
        assert!(
            !log.record_refusal(Refusal::Failed, "a", Some(ip)),
            "counted only"
        );
        assert!(
            log.record_refusal(Refusal::Failed, "b", Some(ip)),
            "a new client ID from a known address"
        );
        assert!(
            log.record_refusal(THROTTLED_BY_ADDRESS, "a", Some(ip)),
            "started being throttled"
        );
        assert!(
            !log.record_refusal(THROTTLED_BY_ADDRESS, "c", Some(ip)),
            "a new client ID from an address already throttled"
        );
        let region = crate::model::Region::new("us").unwrap();
        log.summarise(&region);
        assert!(
            !log.record_refusal(Refusal::Failed, "a", Some(ip)),
            "still failing from the interval before"
        );
        log.summarise(&region);
        log.summarise(&region);
        assert!(
            log.record_refusal(Refusal::Failed, "a", Some(ip)),
            "failing again after a quiet interval"
        );
    }

    #[test]
    fn named_lines_have_a_budget_and_the_rest_are_counted() {
        let log = log();
        let named = (0..1_000)
            .filter(|i| log.record_refusal(Refusal::Failed, &format!("guess{i}"), None))
            .count();
        assert_eq!(named, NAMED_BURST as usize);
        let w = lock(&log.window);
        assert_eq!(w.unnamed, 1_000 - u64::from(NAMED_BURST));
        assert_eq!(w.refused[FAILED], 1_000);
        // Another kind has its own budget: a flood of failures does not hide
        // the moment its address starts being throttled.
        drop(w);
        let by_client = Refusal::ThrottledClient {
            wait: Duration::from_secs(1),
        };
        assert!(log.record_refusal(by_client, "guess0", None));
    }

    #[test]
    fn the_budget_refills_one_a_second_up_to_the_burst() {
        let start = Instant::now();
        let mut b = Budget::new(start);
        for _ in 0..NAMED_BURST {
            assert!(b.take(start));
        }
        assert!(!b.take(start));
        assert!(!b.take(start + Duration::from_millis(900)));
        assert!(b.take(start + Duration::from_millis(1_100)));
        assert!(!b.take(start + Duration::from_millis(1_500)));
        let later = start + Duration::from_secs(3_600);
        let taken = (0..100).filter(|_| b.take(later)).count();
        assert_eq!(taken, NAMED_BURST as usize);
    }

    #[test]
    fn the_summary_counts_everything_and_names_a_bounded_few() {
        let log = log();
        let attacker: IpAddr = "10.0.0.9".parse().unwrap();
        for _ in 0..3 {
            log.record_refusal(
                Refusal::Failed,
                &"p".repeat(300),
                Some("10.0.0.2".parse().unwrap()),
            );
        }
        let n = MAX_TRACKED + 500;
        for i in 0..n {
            log.record_refusal(THROTTLED_BY_ADDRESS, &format!("guess{i}"), Some(attacker));
        }
        let w = lock(&log.window);
        assert_eq!(w.clients.current.len(), MAX_TRACKED, "bounded");
        let (counts, text) = refusal_summary(&w).unwrap();
        assert_eq!(counts, [3, 0, n as u64]);
        assert!(
            text.starts_with(
                "throttled 10,500 requests from 1 address and 9,999+ client IDs; \
                 failed 3 requests from 1 address and 1 client ID; \
                 top addresses: 10.0.0.9 (10,500), 10.0.0.2 (3); top client IDs: "
            ),
            "{text}"
        );
        let clients = text.split("top client IDs: ").nth(1).unwrap();
        let clients = clients.split("; ").next().unwrap();
        assert_eq!(clients.split(", ").count(), TOP, "{clients}");
        assert!(
            clients.starts_with(&format!("{}… (3)", "p".repeat(ID_CHARS - 1))),
            "{clients}"
        );
        assert!(text.len() < 2_000, "{} bytes", text.len());
    }
}
