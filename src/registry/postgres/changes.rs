//! What lets a replica keep what it read about clients without ever serving
//! a stale answer for long: the database's change counter
//! (`keyward.changes.generation`, moved once by every transaction that
//! touches a credential table, by trigger) and a LISTEN connection that
//! hears each new value at commit (`NOTIFY keyward_changes`).
//!
//! - The watch vouches for a generation only while its LISTEN connection is
//!   up. It reads the counter after every (re)connect, after LISTEN, so no
//!   change can slip between the two.
//! - A change made by this process raises a floor: the cache stays off here
//!   until the listener has heard of that change, so the process that made
//!   a change refuses the old secret on its very next request.
//! - While the connection is down, or a heartbeat goes unanswered, the watch
//!   vouches for nothing, and every request reads the database.
//! - Another replica's change reaches this one when its NOTIFY does: a
//!   round trip, well under the contract's one second.
//! - The heartbeat reads the counter itself, so a notification that never
//!   comes (a LISTEN through a pooler in transaction mode, a lost message)
//!   delays a change by one heartbeat at most. A counter that went back (a
//!   restored or replaced database) empties the cache.
//! - A change made with the triggers switched off (`session_replication_role
//!   = replica`, as `pg_restore` and logical replication run) moves no
//!   counter: the cache is emptied every `REFRESH_EVERY`, which bounds how
//!   long such a change goes unseen.

use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio_postgres::AsyncMessage;

use super::url::DatabaseUrl;

/// The channel the schema's trigger notifies.
pub const CHANNEL: &str = "keyward_changes";
/// `confirmed` while nothing is vouched for.
const NOT_LISTENING: u64 = u64::MAX;
/// How often an idle LISTEN connection proves it is still alive, and how
/// long it may take: a connection that died silently (a network cut) turns
/// the cache off within about a second.
const HEARTBEAT_EVERY: Duration = Duration::from_millis(500);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long a connection attempt may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How often everything kept is dropped whatever the counter says: the bound
/// on a change that moved no counter (triggers switched off).
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// Waits between reconnects, doubling up to the last.
const RECONNECT_WAITS: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(300),
    Duration::from_millis(1000),
];

/// The generation this process may trust, if any.
#[derive(Debug)]
pub struct ChangeWatch {
    /// The newest generation the LISTEN connection has vouched for, or
    /// `NOT_LISTENING`.
    confirmed: AtomicU64,
    /// The generation this process's newest write committed.
    floor: AtomicU64,
}

impl Default for ChangeWatch {
    fn default() -> Self {
        ChangeWatch {
            confirmed: AtomicU64::new(NOT_LISTENING),
            floor: AtomicU64::new(0),
        }
    }
}

impl ChangeWatch {
    /// The generation a cached answer must carry to be used now; `None`
    /// while not listening, or while this process's own newest write has
    /// not been heard of yet.
    pub fn trusted(&self) -> Option<u64> {
        let confirmed = self.confirmed.load(Ordering::SeqCst);
        let floor = self.floor.load(Ordering::SeqCst);
        (confirmed != NOT_LISTENING && confirmed >= floor).then_some(confirmed)
    }

    /// This process committed a change that moved the counter to `generation`.
    pub fn wrote(&self, generation: u64) {
        self.floor.fetch_max(generation, Ordering::SeqCst);
    }

    /// The listener heard of (or read) `generation`. A payload no counter
    /// could have (anyone may NOTIFY the channel) is ignored.
    fn heard(&self, generation: u64) {
        if generation == NOT_LISTENING {
            return;
        }
        // Only forward, and never while not listening: a connection that
        // (re)starts reads the counter itself.
        let _ = self
            .confirmed
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                (now != NOT_LISTENING && generation > now).then_some(generation)
            });
    }

    /// Starts from `generation` after a (re)connect.
    fn listening_from(&self, generation: u64) {
        self.confirmed
            .store(generation.min(NOT_LISTENING - 1), Ordering::SeqCst);
    }

    /// What the listener vouches for now, `None` while not listening.
    fn confirmed(&self) -> Option<u64> {
        let c = self.confirmed.load(Ordering::SeqCst);
        (c != NOT_LISTENING).then_some(c)
    }

    fn deaf(&self) {
        self.confirmed.store(NOT_LISTENING, Ordering::SeqCst);
    }
}

/// What the listener looks after: the watch it vouches through, and the
/// cache it empties when the counter cannot be trusted to have moved.
pub struct Watched {
    pub watch: Weak<ChangeWatch>,
    pub cache: Weak<super::AuthCache>,
}

/// Keeps a LISTEN connection to `url` for `watched` until the registry is
/// dropped, reconnecting after every failure. Spawn it once per registry.
pub async fn listen(url: DatabaseUrl, watched: Watched) {
    let mut failures = 0usize;
    // The highest counter seen: a lower one later is another timeline.
    let mut highest: Option<u64> = None;
    loop {
        let outcome = listen_once(&url, &watched, &mut highest).await;
        match watched.watch.upgrade() {
            Some(w) => w.deaf(),
            None => return,
        }
        failures = match outcome {
            Outcome::WasListening => 0,
            Outcome::Failed => failures + 1,
            Outcome::Dropped => return,
        };
        let wait = RECONNECT_WAITS[failures.min(RECONNECT_WAITS.len() - 1)];
        tokio::time::sleep(wait).await;
    }
}

enum Outcome {
    /// It got as far as listening, then the connection failed.
    WasListening,
    Failed,
    /// The registry is gone: stop.
    Dropped,
}

/// Reads the counter on `client`.
async fn read_generation(client: &tokio_postgres::Client) -> Result<u64, tokio_postgres::Error> {
    let generation: i64 = client
        .query_one("SELECT generation FROM keyward.changes", &[])
        .await?
        .try_get(0)?;
    Ok(u64::try_from(generation).unwrap_or(0))
}

/// Empties the cache when `generation` is below the highest seen (another
/// timeline: a restore, a failover that lost commits, a new database).
fn check_timeline(watched: &Watched, highest: &mut Option<u64>, generation: u64) {
    if highest.is_some_and(|h| generation < h)
        && let Some(cache) = watched.cache.upgrade()
    {
        cache.clear();
    }
    *highest = Some(highest.map_or(generation, |h| h.max(generation)));
}

/// One connection's life: LISTEN, read the counter, then follow it (by
/// notification, and by reading it at every heartbeat) until the connection
/// fails or the registry is dropped.
async fn listen_once(url: &DatabaseUrl, watched: &Watched, highest: &mut Option<u64>) -> Outcome {
    let Ok((client, mut heard)) = connect(url).await else {
        return Outcome::Failed;
    };
    if client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .is_err()
    {
        return Outcome::Failed;
    }
    let Ok(generation) = read_generation(&client).await else {
        return Outcome::Failed;
    };
    check_timeline(watched, highest, generation);
    match watched.watch.upgrade() {
        Some(w) => w.listening_from(generation),
        None => return Outcome::Dropped,
    }
    let mut beat = tokio::time::interval(HEARTBEAT_EVERY);
    let mut refresh = tokio::time::interval(REFRESH_EVERY);
    refresh.tick().await;
    loop {
        tokio::select! {
            payload = heard.recv() => {
                // The connection closed, or said something unreadable.
                let Some(generation) = payload.and_then(|p| p.parse::<u64>().ok()) else {
                    return Outcome::WasListening;
                };
                match watched.watch.upgrade() {
                    Some(w) => w.heard(generation),
                    None => return Outcome::Dropped,
                }
            }
            _ = beat.tick() => {
                let read = tokio::time::timeout(HEARTBEAT_TIMEOUT, read_generation(&client)).await;
                let Ok(Ok(generation)) = read else {
                    return Outcome::WasListening;
                };
                let Some(w) = watched.watch.upgrade() else {
                    return Outcome::Dropped;
                };
                // Above what the database holds: a forged notification, or
                // another timeline. Start again from what it holds.
                if w.confirmed().is_some_and(|c| c > generation) {
                    check_timeline(watched, highest, generation);
                    return Outcome::WasListening;
                }
                w.heard(generation);
            }
            _ = refresh.tick() => {
                if let Some(cache) = watched.cache.upgrade() {
                    cache.clear();
                }
            }
        }
    }
}

/// A connection of its own (not the pool's: it must stay on LISTEN), whose
/// notifications arrive on the receiver. The receiver closes when the
/// connection does.
async fn connect(
    url: &DatabaseUrl,
) -> Result<
    (
        tokio_postgres::Client,
        tokio::sync::mpsc::UnboundedReceiver<String>,
    ),
    String,
> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let mut config = url.config().clone();
    config.connect_timeout(CONNECT_TIMEOUT);
    let client = match url.ssl_mode() {
        tokio_postgres::config::SslMode::Disable => {
            let (client, connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(forward(connection, sender));
            client
        }
        _ => {
            let tls = super::url::tls_connector().map_err(|e| e.to_string())?;
            let (client, connection) =
                url.config().connect(tls).await.map_err(|e| e.to_string())?;
            tokio::spawn(forward(connection, sender));
            client
        }
    };
    Ok((client, receiver))
}

/// Drives `connection`, sending each notification's payload on.
async fn forward<S, T>(
    mut connection: tokio_postgres::Connection<S, T>,
    sender: tokio::sync::mpsc::UnboundedSender<String>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    while let Some(message) = messages.next().await {
        match message {
            Ok(AsyncMessage::Notification(n)) => {
                if sender.send(n.payload().to_owned()).is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_trusted_until_listening() {
        let w = ChangeWatch::default();
        assert_eq!(w.trusted(), None);
        w.heard(4);
        assert_eq!(w.trusted(), None, "a notification alone starts nothing");
        w.listening_from(4);
        assert_eq!(w.trusted(), Some(4));
        w.deaf();
        assert_eq!(w.trusted(), None);
        w.listening_from(7);
        assert_eq!(w.trusted(), Some(7));
    }

    #[test]
    fn a_forged_notification_of_the_sentinel_changes_nothing() {
        let w = ChangeWatch::default();
        w.listening_from(5);
        w.heard(u64::MAX);
        assert_eq!(w.trusted(), Some(5));
        w.heard(6);
        assert_eq!(w.trusted(), Some(6));
    }

    #[test]
    fn generations_only_move_forward_while_listening() {
        let w = ChangeWatch::default();
        w.listening_from(5);
        w.heard(3);
        assert_eq!(
            w.trusted(),
            Some(5),
            "a late notification of an older change"
        );
        w.heard(6);
        assert_eq!(w.trusted(), Some(6));
    }

    #[test]
    fn a_change_of_our_own_turns_the_cache_off_until_it_is_heard() {
        let w = ChangeWatch::default();
        w.listening_from(5);
        w.wrote(6);
        assert_eq!(w.trusted(), None);
        w.heard(6);
        assert_eq!(w.trusted(), Some(6));
        // Someone else's newer change heard first also covers ours.
        w.wrote(8);
        w.heard(9);
        assert_eq!(w.trusted(), Some(9));
    }
}
