//! The embedded registry: one SQLite file in the data dir holds every embedded
//! region. Nothing to install or start.
//!
//! SQLite runs in WAL mode with a busy timeout, so the TUI, CLI processes and a
//! server can share a data dir. Every write is one immediate transaction, and
//! `synchronous = FULL` makes an acknowledged write survive a crash.

mod audit;
mod auth_cache;
mod export;
mod generation;
mod hasher;
mod reveals;
mod rotation;
mod schema;
mod signing_keys;
mod trash;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

pub use generation::GENERATION_FILE;
pub use hasher::{HASHING_KEY, KEY_FILE as HASHING_KEY_FILE, SecretHasher};
pub use schema::MARKED_WRITE_FUNCTION;

use crate::model::audit::events;

pub(crate) use self::auth_cache::{AuthCache, KnownClient};
use self::generation::Generation;
pub(crate) use self::reveals::RevealCache;
pub(crate) use self::rotation::RetiringHash;
use super::{Issued, Registry, RegistryError, Result, signing};
use crate::catalog::Catalog;
use crate::fs::{ExposedError, create_private_dir, create_private_file};
use crate::model::{
    Access, Actor, AppName, Application, AuditEvent, AuditQuery, ChainBreak, ChainHead, ClientId,
    ClientSecret, Grant, NewApplication, NewAuditEvent, Region, ScopeId, SecretReveal,
};

/// The database file's name inside the data dir.
pub const DB_FILE: &str = "keyward.db";

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle read connections kept for reuse. Readers never wait for the writer in
/// WAL mode, so token checks go on while a write is in progress.
const MAX_IDLE_READERS: usize = 8;

struct Inner {
    db_path: PathBuf,
    /// Set when the data dir is not writable by this process: reads work,
    /// and every write is refused with this message.
    read_only: Option<String>,
    /// How read connections open the database (see [`ReadMode`]).
    read_mode: ReadMode,
    /// The one connection that writes; SQLite allows one writer at a time anyway.
    writer: Mutex<Connection>,
    /// Read connections, opened on demand.
    idle_readers: Mutex<Vec<Connection>>,
    hasher: SecretHasher,
    reveals: RevealCache,
    /// Moves on with every write from any process on this data dir.
    generation: Generation,
    /// The token endpoint's reads, valid while `generation` stands still.
    auth_cache: AuthCache,
    catalog: Arc<Catalog>,
    window: chrono::Duration,
    /// Lets the audit tables' DELETE trigger through during a prune.
    pruning: audit::Pruning,
    /// How long a deleted application stays in the trash, in seconds.
    trash_seconds: std::sync::atomic::AtomicI64,
}

impl Inner {
    /// Runs `f` on an idle read connection (opening one if none is idle) and
    /// keeps the connection for the next reader.
    fn with_pooled_reader<T>(&self, f: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<T> {
        let idle = self
            .idle_readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        let conn = match idle {
            Some(c) => c,
            None => open_reader(&self.db_path, self.read_mode)?,
        };
        let out = f(&conn);
        let mut idle = self.idle_readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }
}

/// The open data dir. Hand out one [`EmbeddedRegistry`] per region with
/// [`EmbeddedStore::registry`]; they share the connection and the reveal cache.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

/// One region of an [`EmbeddedStore`].
#[derive(Clone)]
pub struct EmbeddedRegistry {
    inner: Arc<Inner>,
    region: Region,
    /// Who the audit log says made this registry's changes.
    actor: Arc<Actor>,
}

fn storage(db_path: &Path, e: impl std::fmt::Display) -> RegistryError {
    RegistryError::Storage {
        location: db_path.display().to_string(),
        message: e.to_string(),
    }
}

/// Opens (creating if needed) `data_dir` (0700) and its hashing key (0600),
/// with the embedded store's errors: for stores that keep their rows
/// elsewhere (PostgreSQL) but hash secrets with this data dir's key.
pub(crate) fn open_hasher(data_dir: &Path) -> Result<SecretHasher> {
    create_private_dir(data_dir).map_err(|e| match ExposedError::find(&e) {
        Some(exposed) => RegistryError::InvalidInput(exposed.to_string()),
        None => storage(
            data_dir,
            format!("cannot create the data dir: {e}; choose another with --data-dir"),
        ),
    })?;
    SecretHasher::open(data_dir).map_err(|e| match &e {
        hasher::HasherError::Io { source, .. } if ExposedError::find(source).is_some() => {
            RegistryError::InvalidInput(e.to_string())
        }
        _ => storage(data_dir, e),
    })
}

impl EmbeddedStore {
    /// Opens (creating if needed) the data dir: the directory 0700, the database
    /// and the hashing key 0600. `window` is how long new secrets stay visible.
    pub fn open(data_dir: &Path, catalog: Arc<Catalog>, window: Duration) -> Result<Self> {
        let db_path = data_dir.join(DB_FILE);
        if db_path.exists() && !dir_is_writable(data_dir) {
            return Self::open_read_only(data_dir, catalog, window);
        }
        let hasher = open_hasher(data_dir)?;
        // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm
        // files the database file's mode.
        create_private_file(&db_path).map_err(|e| storage(&db_path, e))?;
        let generation =
            Generation::open(data_dir).map_err(|e| storage(&data_dir.join(GENERATION_FILE), e))?;
        let mut conn = Connection::open(&db_path).map_err(|e| storage(&db_path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| storage(&db_path, e))?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
            .map_err(|e| storage(&db_path, e))?;
        // This is the store's one writer, and every write it makes goes
        // through `with_write`, which moves the generation counter.
        schema::register_marked_write(&conn).map_err(|e| storage(&db_path, e))?;
        schema::register_name_key(&conn).map_err(|e| storage(&db_path, e))?;
        schema::register_secret_id(&conn).map_err(|e| storage(&db_path, e))?;
        let pruning = audit::Pruning::default();
        audit::register_prune(&conn, &pruning).map_err(|e| storage(&db_path, e))?;
        // Switching a new database to WAL needs an exclusive lock, and SQLite
        // reports a clash there without consulting the busy handler, so several
        // processes starting on a new data dir at once retry it here.
        let mode: String =
            retry_busy(|| conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)))
                .map_err(|e| storage(&db_path, describe_sqlite(&e)))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(storage(
                &db_path,
                format!(
                    "cannot switch to WAL mode (got {mode}); is the data dir on a network file system?"
                ),
            ));
        }
        retry_busy(|| match schema::migrate(&mut conn, &generation) {
            Err(schema::SchemaError::Sqlite(e)) => Err(e),
            other => Ok(other),
        })
        .map_err(|e| storage(&db_path, describe_sqlite(&e)))?
        .map_err(|e| storage(&db_path, e))?;
        let window = chrono::Duration::from_std(window)
            .map_err(|_| RegistryError::InvalidInput("the secret window is too long".into()))?;
        Ok(EmbeddedStore {
            inner: Arc::new(Inner {
                db_path,
                read_only: None,
                read_mode: ReadMode::Shared,
                writer: Mutex::new(conn),
                idle_readers: Mutex::new(Vec::new()),
                hasher,
                reveals: RevealCache::default(),
                generation,
                auth_cache: AuthCache::default(),
                catalog,
                window,
                pruning,
                trash_seconds: trash::default_seconds(),
            }),
        })
    }

    /// Opens a data dir this process cannot write (`chmod 500`, a read-only
    /// mount, another user's): nothing is created or changed, reads work, and
    /// writes are refused with a message that says why.
    fn open_read_only(data_dir: &Path, catalog: Arc<Catalog>, window: Duration) -> Result<Self> {
        let db_path = data_dir.join(DB_FILE);
        let hasher = SecretHasher::open(data_dir).map_err(|e| storage(data_dir, e))?;
        let generation = Generation::unshared(data_dir).map_err(|e| storage(data_dir, e))?;
        let read_mode =
            ReadMode::choose(&db_path).map_err(|e| storage(&db_path, describe_sqlite(&e)))?;
        let conn = open_reader(&db_path, read_mode).map_err(|e| storage(&db_path, e))?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| storage(&db_path, describe_sqlite(&e)))?;
        let known = schema::known_version();
        if found > known {
            return Err(storage(
                &db_path,
                schema::SchemaError::TooNew { found, known },
            ));
        }
        if found == 0 {
            return Err(storage(
                &db_path,
                "the database is empty and the data dir is not writable by this user, so it cannot be set up",
            ));
        }
        let window = chrono::Duration::from_std(window)
            .map_err(|_| RegistryError::InvalidInput("the secret window is too long".into()))?;
        Ok(EmbeddedStore {
            inner: Arc::new(Inner {
                db_path,
                read_only: Some(format!(
                    "the data dir {} is not writable by this user: reading works, but changes need write access (check its owner and mode with `ls -ld`)",
                    data_dir.display()
                )),
                read_mode,
                writer: Mutex::new(conn),
                idle_readers: Mutex::new(Vec::new()),
                hasher,
                reveals: RevealCache::default(),
                generation,
                auth_cache: AuthCache::default(),
                catalog,
                window,
                pruning: audit::Pruning::default(),
                trash_seconds: trash::default_seconds(),
            }),
        })
    }

    /// One region, its changes recorded as made on the command line by this
    /// process's user (see [`EmbeddedStore::registry_as`]).
    pub fn registry(&self, region: Region) -> EmbeddedRegistry {
        self.registry_as(region, super::local_actor(crate::model::Via::Cli))
    }

    /// One region, its changes recorded in the audit log as made by `actor`.
    pub fn registry_as(&self, region: Region, actor: Actor) -> EmbeddedRegistry {
        EmbeddedRegistry {
            inner: self.inner.clone(),
            region,
            actor: Arc::new(actor),
        }
    }

    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    /// How long applications deleted from now on stay in the trash (the
    /// config's `trash_days`; 7 days unless set). Shared by every region.
    pub fn set_trash_period(&self, period: chrono::Duration) {
        self.inner.trash_seconds.store(
            period.num_seconds().max(0),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            "timestamp out of range".into(),
        )
    })
}

fn conversion(e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

/// Row shape of `applications`, without grants.
const APP_COLUMNS: &str = "client_id, client_name, region, admin, created_at, updated_at, secret_issued_at, secret_id, secret_created_at, suspended_at, deleted_at, purge_after";

/// The rows reads see as applications: not in the trash. (A trashed row
/// past its period is invisible to every read, the trash's included; see
/// `trash.rs`.)
const LIVE: &str = "deleted_at IS NULL";

fn app_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Application> {
    app_from_row_at(row, 0)
}

/// An application from `APP_COLUMNS` starting at column `at`.
fn app_from_row_at(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Application> {
    let id: String = row.get(at)?;
    let name: String = row.get(at + 1)?;
    let region: String = row.get(at + 2)?;
    Ok(Application {
        client_id: ClientId::parse(&id).map_err(conversion)?,
        client_name: AppName::parse_stored(&name).map_err(conversion)?,
        region: Region::new(&region).map_err(conversion)?,
        grants: Vec::new(),
        admin: row.get(at + 3)?,
        created_at: from_millis(row.get(at + 4)?)?,
        updated_at: from_millis(row.get(at + 5)?)?,
        secret_issued_at: from_millis(row.get(at + 6)?)?,
        last_used_at: None,
        secrets: vec![crate::model::SecretInfo {
            secret_id: row.get(at + 7)?,
            state: crate::model::SecretState::Current,
            created_at: from_millis(row.get(at + 8)?)?,
            expires_at: None,
            last_used_at: None,
            last_used_from: None,
        }],
        lifecycle: crate::model::Lifecycle {
            suspended_at: optional_time(row.get(at + 9)?)?,
            deleted_at: optional_time(row.get(at + 10)?)?,
            purge_after: optional_time(row.get(at + 11)?)?,
        },
    })
}

fn optional_time(ms: Option<i64>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    ms.map(from_millis).transpose()
}

fn grant_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Grant)> {
    let id: String = row.get(0)?;
    let scope: String = row.get(1)?;
    let access: String = row.get(2)?;
    let access: Access = access.parse().map_err(conversion)?;
    Ok((
        id,
        Grant::new(ScopeId::parse(&scope).map_err(conversion)?, access),
    ))
}

/// What a blocking database call can fail with: a domain error or SQLite's.
enum DbError {
    Domain(RegistryError),
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

impl From<RegistryError> for DbError {
    fn from(e: RegistryError) -> Self {
        DbError::Domain(e)
    }
}

type DbResult<T> = std::result::Result<T, DbError>;

impl EmbeddedRegistry {
    /// Runs `f` inside one immediate transaction on the writer connection, on
    /// the blocking pool so callers never block an async task (or a TUI frame)
    /// on disk I/O. The transaction commits if `f` succeeds and rolls back
    /// otherwise, and the shared generation counter says a write is under way
    /// from the moment the write lock is held until the commit or rollback.
    async fn with_write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Inner, &Region) -> DbResult<T> + Send + 'static,
    {
        if let Some(why) = &self.inner.read_only {
            return Err(storage(&self.inner.db_path, why));
        }
        let actor = self.actor.clone();
        self.on_blocking_pool(move |inner, region| {
            // A transaction rolls back on drop, so a panic elsewhere cannot
            // leave the connection mid-transaction.
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mark = inner.generation.begin_write();
            // Trashed applications past their period are already gone to
            // every read; each write of the region removes them for good.
            let f = move |tx: &Connection, inner: &Inner, region: &Region| {
                trash::purge_expired(tx, region, &actor, now_ms())?;
                f(tx, inner, region)
            };
            // On an error the closure below, which owns `tx`, is dropped
            // unused, and that rolls back before the write is marked ended.
            // (If `f` panics the counter stays odd: safe, with the cache off
            // until the next write ends.)
            let outcome = f(&tx, inner, region).and_then(|out| {
                tx.commit()?;
                Ok(out)
            });
            inner.generation.end_write(mark);
            outcome
        })
        .await
    }

    /// Runs a read-only `f` on a pooled read connection.
    async fn with_reader<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Inner, &Region) -> DbResult<T> + Send + 'static,
    {
        self.on_blocking_pool(move |inner, region| {
            inner.with_pooled_reader(|conn| f(conn, inner, region))
        })
        .await
    }

    /// Runs a read-only `f` on a pooled read connection on the calling thread.
    ///
    /// Only for the token endpoint's one indexed read: with the database in
    /// WAL mode and its pages in the OS cache that read takes microseconds,
    /// less than handing it to the blocking pool and back (two thread
    /// switches), which profiling showed to be most of a token's cost.
    fn with_reader_inline<T>(
        &self,
        f: impl FnOnce(&Connection, &Inner, &Region) -> DbResult<T>,
    ) -> Result<T> {
        let inner = &*self.inner;
        let run = || inner.with_pooled_reader(|conn| f(conn, inner, &self.region));
        run().map_err(|e| match e {
            DbError::Domain(d) => d,
            DbError::Sqlite(s) => storage(&inner.db_path, describe_sqlite(&s)),
        })
    }

    async fn on_blocking_pool<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner, &Region) -> DbResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        let region = self.region.clone();
        let outcome = tokio::task::spawn_blocking(move || f(&inner, &region))
            .await
            .map_err(|e| storage(&self.inner.db_path, format!("internal task failed: {e}")))?;
        outcome.map_err(|e| match e {
            DbError::Domain(d) => d,
            DbError::Sqlite(s) => storage(&self.inner.db_path, describe_sqlite(&s)),
        })
    }

    /// What the store knows about `id` for the token endpoint: from the
    /// cache while the generation stands still, else one read (kept if no
    /// write began or ended during it).
    fn known_client(&self, id: &ClientId) -> Result<Option<KnownClient>> {
        let inner = &*self.inner;
        let seen = inner.generation.stable();
        match seen {
            Some(g) => {
                // Counts a hit or a miss itself.
                if let Some(known) = inner.auth_cache.get(g, &self.region, id) {
                    return Ok(known);
                }
            }
            // A write under way: the store is read, a miss.
            None => inner.auth_cache.count(false),
        }
        let known =
            self.with_reader_inline(|conn, _, region| Ok(read_known_client(conn, region, id)?))?;
        if let Some(g) = seen
            && inner.generation.stable() == Some(g)
        {
            inner.auth_cache.put(g, &self.region, id, known.clone());
        }
        Ok(known)
    }

    fn not_found(&self, id: &ClientId) -> RegistryError {
        RegistryError::NotFound {
            client_id: id.clone(),
            region: self.region.clone(),
        }
    }

    async fn set_suspended(&self, id: &ClientId, suspended: bool) -> Result<Application> {
        let key = id.clone();
        let actor = self.actor.clone();
        self.with_write(move |tx, _, region| {
            Ok(trash::set_suspended(tx, region, &actor, &key, suspended)?)
        })
        .await?
        .ok_or_else(|| self.not_found(id))
    }

    fn check_grants(&self, grants: &[Grant]) -> Result<()> {
        crate::model::check_no_conflicts(grants)
            .map_err(|e| RegistryError::InvalidInput(e.to_string()))?;
        for g in grants {
            self.inner
                .catalog
                .check(g)
                .map_err(|e| RegistryError::InvalidInput(e.to_string()))?;
        }
        Ok(())
    }
}

/// How read connections open the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReadMode {
    /// Read-only, sharing the WAL index with writers: the normal case.
    Shared,
    /// SQLite's `immutable`: for a data dir this process cannot write, where
    /// no writer has the WAL index open, so SQLite could neither create nor
    /// use it. Reads see the database file as it is; a write made meanwhile
    /// by another user may not be seen until the next command.
    Immutable,
}

impl ReadMode {
    /// `Shared` if a read works that way, else `Immutable`.
    fn choose(db_path: &Path) -> rusqlite::Result<ReadMode> {
        let shared = open_reader(db_path, ReadMode::Shared).and_then(|c| {
            c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
        });
        match shared {
            Ok(_) => Ok(ReadMode::Shared),
            Err(_) => {
                let conn = open_reader(db_path, ReadMode::Immutable)?;
                conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })?;
                Ok(ReadMode::Immutable)
            }
        }
    }
}

/// A connection for reads only. The database is already in WAL mode, which
/// SQLite keeps in the file.
fn open_reader(db_path: &Path, mode: ReadMode) -> rusqlite::Result<Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match mode {
        ReadMode::Shared => Connection::open_with_flags(db_path, flags)?,
        ReadMode::Immutable => Connection::open_with_flags(
            format!("file:{}?immutable=1", uri_path(db_path)),
            flags | OpenFlags::SQLITE_OPEN_URI,
        )?,
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// `path` for a `file:` URI: the characters URIs give a meaning escaped.
fn uri_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether this process may create files in `dir`: tried, not computed from
/// the mode bits, which root, ACLs and read-only mounts all overrule.
fn dir_is_writable(dir: &Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    let probe = dir.join(format!(".keyward-write-probe.{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ),
    }
}

/// Runs `f` again while SQLite says busy, for up to [`BUSY_TIMEOUT`].
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match f() {
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// SQLite's message plus what to do about the common cases.
fn describe_sqlite(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "{e}: another process kept the database busy for over {}s; try again",
            BUSY_TIMEOUT.as_secs()
        ),
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
            format!("{e}: check that the data dir is writable by this user")
        }
        Some(ErrorCode::DiskFull) => format!("{e}: free some disk space and try again"),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            format!("{e}: the database is damaged; restore the data dir from a backup")
        }
        _ => e.to_string(),
    }
}

fn load_grants(conn: &Connection, id: &str) -> rusqlite::Result<Vec<Grant>> {
    // Sorted here rather than with ORDER BY, which makes SQLite re-plan the
    // statement for every client ID (see `authenticate`).
    let mut stmt =
        conn.prepare_cached("SELECT client_id, scope, access FROM grants WHERE client_id = ?1")?;
    let rows = stmt.query_map([id], grant_from_row)?;
    let mut grants = rows
        .map(|r| r.map(|(_, g)| g))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    grants.sort_by(|a, b| a.scope.cmp(&b.scope));
    Ok(grants)
}

/// The application behind `id` with its secret's hash, grants included even
/// when the caller's secret turns out wrong, so every answer costs the same.
fn read_known_client(
    conn: &Connection,
    region: &Region,
    id: &ClientId,
) -> rusqlite::Result<Option<KnownClient>> {
    // Two plain primary-key reads. (A single LEFT JOIN, or an ORDER BY, makes
    // SQLite re-plan the statement for every new binding, which measured three
    // times slower than both reads together.)
    let row = conn
        .prepare_cached(&format!(
            "SELECT secret_hash, {APP_COLUMNS} FROM applications WHERE client_id = ?1 AND region = ?2 AND {LIVE}"
        ))?
        .query_row(params![id.as_str(), region.as_str()], |r| {
            let hash: Vec<u8> = r.get(0)?;
            Ok((hash, app_from_row_at(r, 1)?))
        })
        .optional()?;
    // The grants and the retiring secret are read for an unknown ID too, so
    // the two cost the same.
    let grants = load_grants(conn, id.as_str())?;
    let retiring = rotation::read_retiring_hash(conn, id)?;
    let Some((secret_hash, mut app)) = row else {
        return Ok(None);
    };
    app.grants = grants;
    Ok(Some(KnownClient {
        secret_hash,
        retiring,
        app,
    }))
}

fn load_app(
    conn: &Connection,
    region: &Region,
    id: &ClientId,
) -> rusqlite::Result<Option<Application>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM applications WHERE client_id = ?1 AND region = ?2 AND {LIVE}"
    ))?;
    let Some(mut app) = stmt
        .query_row(params![id.as_str(), region.as_str()], app_from_row)
        .optional()?
    else {
        return Ok(None);
    };
    app.grants = load_grants(conn, id.as_str())?;
    rotation::add_extras(
        conn,
        std::slice::from_mut(&mut app),
        &rotation::Which::One(id.as_str()),
    )?;
    Ok(Some(app))
}

/// Whether another application in `region` has a name that looks like this
/// one (the same `AppName::duplicate_key`). Called inside the write
/// transaction, so no other writer can slip a look-alike in between.
fn name_taken(
    conn: &Connection,
    region: &Region,
    name: &AppName,
    except: Option<&ClientId>,
) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT client_id FROM applications WHERE region = ?1 AND name_key = ?2 AND {LIVE}"
    ))?;
    let others = stmt
        .query_map(params![region.as_str(), name.duplicate_key()], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(others
        .iter()
        .any(|o| Some(o.as_str()) != except.map(ClientId::as_str)))
}

fn write_grants(conn: &Connection, id: &ClientId, grants: &[Grant]) -> rusqlite::Result<()> {
    let mut upsert = conn.prepare_cached(
        "INSERT INTO grants (client_id, scope, access) VALUES (?1, ?2, ?3)
         ON CONFLICT (client_id, scope) DO UPDATE SET access = excluded.access",
    )?;
    let mut remove =
        conn.prepare_cached("DELETE FROM grants WHERE client_id = ?1 AND scope = ?2")?;
    for g in grants {
        if g.access == Access::None {
            remove.execute(params![id.as_str(), g.scope.as_str()])?;
        } else {
            upsert.execute(params![id.as_str(), g.scope.as_str(), g.access.as_str()])?;
        }
    }
    Ok(())
}

/// How many replaced secrets' hashes a client keeps (see `replaced_at`).
pub const PREVIOUS_SECRETS_KEPT: i64 = 3;

/// Keeps the hash of `id`'s current secret as a previous one, replaced at
/// `now`, and drops all but the newest [`PREVIOUS_SECRETS_KEPT`]. Part of the
/// reset's transaction.
fn keep_previous_secret(
    tx: &Connection,
    region: &Region,
    id: &ClientId,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO previous_secrets (client_id, secret_hash, replaced_at)
         SELECT client_id, secret_hash, ?1 FROM applications WHERE client_id = ?2 AND region = ?3",
    )?
    .execute(params![millis(now), id.as_str(), region.as_str()])?;
    tx.prepare_cached(
        "DELETE FROM previous_secrets WHERE client_id = ?1 AND rowid NOT IN
            (SELECT rowid FROM previous_secrets WHERE client_id = ?1
             ORDER BY replaced_at DESC, rowid DESC LIMIT ?2)",
    )?
    .execute(params![id.as_str(), PREVIOUS_SECRETS_KEPT])?;
    Ok(())
}

/// Inserts one new application; the caller owns the transaction.
fn insert_app(
    conn: &Connection,
    inner: &Inner,
    region: &Region,
    new: NewApplication,
    now: DateTime<Utc>,
) -> DbResult<Issued> {
    if name_taken(conn, region, &new.client_name, None)? {
        return Err(RegistryError::DuplicateName {
            name: new.client_name.to_string(),
            region: region.clone(),
        }
        .into());
    }
    let client_id = ClientId::generate();
    let secret = ClientSecret::generate();
    let hash = inner.hasher.hash(&client_id, &secret);
    let secret_id = crate::model::new_secret_id();
    let grants = crate::model::normalize_grants(new.grants);
    conn.prepare_cached(
        "INSERT INTO applications (client_id, region, client_name, secret_hash, secret_issued_at, admin, created_at, updated_at, name_key, secret_id, secret_created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?5, ?7, ?8, ?5)",
    )?
    .execute(params![
        client_id.as_str(),
        region.as_str(),
        new.client_name.as_str(),
        hash,
        millis(now),
        new.admin,
        new.client_name.duplicate_key(),
        secret_id
    ])?;
    write_grants(conn, &client_id, &grants)?;
    let reveal = SecretReveal {
        client_id: client_id.clone(),
        secret,
        visible_until: now + inner.window,
    };
    Ok(Issued {
        application: Application {
            client_id,
            client_name: new.client_name,
            region: region.clone(),
            grants,
            admin: new.admin,
            created_at: now,
            updated_at: now,
            secret_issued_at: now,
            last_used_at: None,
            secrets: vec![crate::model::SecretInfo {
                secret_id,
                state: crate::model::SecretState::Current,
                created_at: now,
                expires_at: None,
                last_used_at: None,
                last_used_from: None,
            }],
            lifecycle: crate::model::Lifecycle::default(),
        },
        reveal,
    })
}

/// Which of `known`'s secrets `secret` is, if any: the current one, or the
/// retiring one while `now` is before its deadline. One keyed hash, compared
/// in constant time with both stored hashes (with a dummy when there is no
/// retiring secret), so the time taken does not say which matched.
fn matching_secret(
    hasher: &SecretHasher,
    id: &ClientId,
    secret: &ClientSecret,
    known: &KnownClient,
    now: DateTime<Utc>,
) -> Option<String> {
    use subtle::ConstantTimeEq;
    let presented = hasher.hash(id, secret);
    let current: bool = presented.ct_eq(&known.secret_hash).into();
    let dummy = [0u8; 32];
    let retiring_hash = known
        .retiring
        .as_ref()
        .map_or(&dummy[..], |r| r.secret_hash.as_slice());
    let retiring: bool = presented.ct_eq(retiring_hash).into();
    if current {
        return known.app.current_secret().map(|s| s.secret_id.clone());
    }
    let r = known.retiring.as_ref()?;
    (retiring && now < r.expires_at).then(|| r.secret_id.clone())
}

/// Timestamps are stored in milliseconds; truncate so what we return equals what
/// a later read gives.
/// The region's keys, its first one made if it has none (inside the
/// caller's write transaction).
fn first_signing_key(
    tx: &Connection,
    inner: &Inner,
    region: &Region,
) -> DbResult<crate::oauth::KeyRing> {
    let sealer = inner.hasher.sealer();
    if let Some(ring) = signing::open_ring(region, sealer, signing_keys::read(tx, region)?)? {
        return Ok(ring);
    }
    let data_dir = inner.db_path.parent().unwrap_or(Path::new("."));
    let first = signing::first_key(data_dir, region, sealer, now_ms())?;
    signing_keys::insert(tx, region, &first)?;
    signing::open_ring(region, sealer, signing_keys::read(tx, region)?)?
        .ok_or_else(|| storage(&inner.db_path, "the first signing key was not stored").into())
}

fn now_ms() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

#[async_trait]
impl Registry for EmbeddedRegistry {
    fn region(&self) -> &Region {
        &self.region
    }

    fn location(&self) -> String {
        format!("embedded ({})", self.inner.db_path.display())
    }

    fn catalog(&self) -> Option<Arc<Catalog>> {
        Some(self.inner.catalog.clone())
    }

    /// The token path's cache (`auth_cache.rs`), shared by every region of
    /// this store.
    fn auth_cache_counts(&self) -> Option<crate::registry::AuthCacheCounts> {
        let (hits, misses) = self.inner.auth_cache.counts();
        Some(crate::registry::AuthCacheCounts { hits, misses })
    }

    /// The count and the latest `updated_at` of the region's applications:
    /// an add or delete changes the count, and every other write (rename,
    /// scopes, secret reset) moves `updated_at` to now, past the latest. One
    /// indexed aggregate instead of the two full reads `list` makes.
    async fn fingerprint(&self) -> Result<Option<String>> {
        self.with_reader(|conn, _, region| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT count(*), coalesce(max(updated_at), 0) FROM applications WHERE region = ?1 AND {LIVE}"
            ))?;
            let (n, latest): (i64, i64) =
                stmt.query_row([region.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(Some(format!("{n}:{latest}")))
        })
        .await
    }

    async fn list(&self) -> Result<Vec<Application>> {
        self.with_reader(|conn, _, region| {
            let mut grants: HashMap<String, Vec<Grant>> = HashMap::new();
            let mut stmt = conn.prepare_cached(
                "SELECT g.client_id, g.scope, g.access FROM grants g
                 JOIN applications a ON a.client_id = g.client_id
                 WHERE a.region = ?1 ORDER BY g.client_id, g.scope",
            )?;
            for row in stmt.query_map([region.as_str()], grant_from_row)? {
                let (id, g) = row?;
                grants.entry(id).or_default().push(g);
            }
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {APP_COLUMNS} FROM applications WHERE region = ?1 AND {LIVE}
                 ORDER BY client_name COLLATE NOCASE, client_id"
            ))?;
            let apps = stmt
                .query_map([region.as_str()], app_from_row)?
                .map(|r| {
                    r.map(|mut app| {
                        app.grants = grants.remove(app.client_id.as_str()).unwrap_or_default();
                        app
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut apps = apps;
            rotation::add_extras(conn, &mut apps, &rotation::Which::Region(region.as_str()))?;
            Ok(apps)
        })
        .await
    }

    async fn get(&self, id: &ClientId) -> Result<Application> {
        let key = id.clone();
        self.with_reader(move |conn, _, region| Ok(load_app(conn, region, &key)?))
            .await?
            .ok_or_else(|| self.not_found(id))
    }

    async fn create(&self, new: NewApplication) -> Result<Issued> {
        let mut issued = self.create_many(vec![new]).await?;
        issued
            .pop()
            .ok_or_else(|| storage(&self.inner.db_path, "no application was created"))
    }

    async fn create_many(&self, new: Vec<NewApplication>) -> Result<Vec<Issued>> {
        for n in &new {
            self.check_grants(&n.grants)?;
        }
        let actor = self.actor.clone();
        let issued = self
            .with_write(move |tx, inner, region| {
                let now = now_ms();
                let mut log = audit::ChainWriter::open(tx, region, &actor)?;
                let mut out = Vec::with_capacity(new.len());
                for n in new {
                    let issued = insert_app(tx, inner, region, n, now)?;
                    log.append(tx, events::created(&issued.application, now))?;
                    out.push(issued);
                }
                Ok(out)
            })
            .await?;
        for i in &issued {
            self.inner.reveals.insert(i.reveal.clone());
        }
        Ok(issued)
    }

    async fn rename(&self, id: &ClientId, name: AppName) -> Result<Application> {
        let key = id.clone();
        let actor = self.actor.clone();
        self.with_write(move |tx, _, region| {
            let Some(before) = load_app(tx, region, &key)? else {
                return Ok(None);
            };
            // The same name: no change, so nothing to write or record.
            if before.client_name == name {
                return Ok(Some(before));
            }
            if name_taken(tx, region, &name, Some(&key))? {
                return Err(RegistryError::DuplicateName {
                    name: name.to_string(),
                    region: region.clone(),
                }
                .into());
            }
            let now = now_ms();
            tx.execute(
                "UPDATE applications SET client_name = ?1, name_key = ?5, updated_at = ?2 WHERE client_id = ?3 AND region = ?4",
                params![name.as_str(), millis(now), key.as_str(), region.as_str(), name.duplicate_key()],
            )?;
            let app = load_app(tx, region, &key)?;
            if let Some(app) = &app {
                let event = events::renamed(before.client_name.as_str(), app, now);
                audit::append(tx, region, &actor, event)?;
            }
            Ok(app)
        })
        .await?
        .ok_or_else(|| self.not_found(id))
    }

    async fn set_access(&self, id: &ClientId, changes: Vec<Grant>) -> Result<Application> {
        self.check_grants(&changes)?;
        let key = id.clone();
        let actor = self.actor.clone();
        self.with_write(move |tx, _, region| {
            let Some(before) = load_app(tx, region, &key)? else {
                return Ok(None);
            };
            let now = now_ms();
            write_grants(tx, &key, &changes)?;
            let Some(mut app) = load_app(tx, region, &key)? else {
                return Ok(None);
            };
            // Grants that were already so change nothing: no event, and
            // `updated_at` stays.
            if let Some(event) = events::scopes_set(&before.grants, &app, now) {
                tx.execute(
                    "UPDATE applications SET updated_at = ?1 WHERE client_id = ?2 AND region = ?3",
                    params![millis(now), key.as_str(), region.as_str()],
                )?;
                app.updated_at = now;
                audit::append(tx, region, &actor, event)?;
            }
            Ok(Some(app))
        })
        .await?
        .ok_or_else(|| self.not_found(id))
    }

    async fn reset_secret(&self, id: &ClientId) -> Result<Issued> {
        let key = id.clone();
        let actor = self.actor.clone();
        let issued = self
            .with_write(move |tx, inner, region| {
                let Some(before) = load_app(tx, region, &key)? else {
                    return Ok(None);
                };
                let now = now_ms();
                let secret = ClientSecret::generate();
                keep_previous_secret(tx, region, &key, now)?;
                // A reset is for a leak: the retiring secret dies too.
                rotation::drop_retiring(tx, &key, now)?;
                tx.prepare_cached("DELETE FROM secret_usage WHERE client_id = ?1")?
                    .execute([key.as_str()])?;
                let changed = tx.execute(
                    "UPDATE applications SET secret_hash = ?1, secret_issued_at = ?2, secret_created_at = ?2, updated_at = ?2, secret_id = ?5
                     WHERE client_id = ?3 AND region = ?4",
                    params![inner.hasher.hash(&key, &secret), millis(now), key.as_str(), region.as_str(), crate::model::new_secret_id()],
                )?;
                if changed != 1 {
                    return Ok(None);
                }
                let app = load_app(tx, region, &key)?;
                if let Some(app) = &app {
                    audit::append(tx, region, &actor, events::secret_reset(&before, app, now))?;
                }
                Ok(app.map(|application| Issued {
                    application,
                    reveal: SecretReveal {
                        client_id: key,
                        secret,
                        visible_until: now + inner.window,
                    },
                }))
            })
            .await?
            .ok_or_else(|| self.not_found(id))?;
        self.inner.reveals.insert(issued.reveal.clone());
        Ok(issued)
    }

    async fn rotate_secret(&self, id: &ClientId, grace: chrono::Duration) -> Result<Issued> {
        crate::model::check_grace(grace).map_err(RegistryError::InvalidInput)?;
        let key = id.clone();
        let actor = self.actor.clone();
        let issued = self
            .with_write(move |tx, inner, region| {
                let Some(before) = load_app(tx, region, &key)? else {
                    return Ok(None);
                };
                let now = now_ms();
                rotation::make_room_for_rotation(tx, &key, now)?;
                rotation::retire_current(tx, &key, now + grace)?;
                let secret = ClientSecret::generate();
                // `secret_issued_at` stays: tokens issued before a rotation
                // remain valid (only a reset voids them).
                tx.execute(
                    "UPDATE applications SET secret_hash = ?1, secret_created_at = ?2, updated_at = ?2, secret_id = ?4
                     WHERE client_id = ?3",
                    params![inner.hasher.hash(&key, &secret), millis(now), key.as_str(), crate::model::new_secret_id()],
                )?;
                let app = load_app(tx, region, &key)?;
                if let Some(app) = &app {
                    let event = events::secret_rotated(&before, app, grace, now);
                    audit::append(tx, region, &actor, event)?;
                }
                Ok(app.map(|application| Issued {
                    application,
                    reveal: SecretReveal {
                        client_id: key,
                        secret,
                        visible_until: now + inner.window,
                    },
                }))
            })
            .await?
            .ok_or_else(|| self.not_found(id))?;
        self.inner.reveals.insert(issued.reveal.clone());
        Ok(issued)
    }

    async fn retire_secret(&self, id: &ClientId) -> Result<Application> {
        let key = id.clone();
        let actor = self.actor.clone();
        self.with_write(move |tx, _, region| {
            let Some(app) = load_app(tx, region, &key)? else {
                return Ok(None);
            };
            if app.retiring_secret().is_none() {
                return Err(RegistryError::NothingToRetire { client_id: key }.into());
            }
            let now = now_ms();
            audit::append(tx, region, &actor, events::secret_retired(&app, now))?;
            rotation::drop_retiring(tx, &key, now)?;
            tx.execute(
                "UPDATE applications SET updated_at = ?1 WHERE client_id = ?2",
                params![millis(now), key.as_str()],
            )?;
            Ok(load_app(tx, region, &key)?)
        })
        .await?
        .ok_or_else(|| self.not_found(id))
    }

    /// One transaction on the writer connection that does NOT move the
    /// change counter: the usage tables have no triggers, and usage is not a
    /// credential, so the token endpoint's cache stays valid.
    async fn record_usage(&self, batch: Vec<crate::model::SecretUsage>) -> Result<()> {
        if batch.is_empty() || self.inner.read_only.is_some() {
            return Ok(());
        }
        self.on_blocking_pool(move |inner, _| {
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            rotation::write_usage(&tx, &batch)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    fn acting_as(&self, actor: Actor) -> Option<Arc<dyn Registry>> {
        Some(Arc::new(EmbeddedRegistry {
            inner: self.inner.clone(),
            region: self.region.clone(),
            actor: Arc::new(actor),
        }))
    }

    /// Read on the blocking pool; a region with no key gets its first in one
    /// write transaction (SQLite's write lock: concurrent first calls, from
    /// any process, agree on one key).
    async fn signing_keys(&self) -> Result<crate::oauth::KeyRing> {
        let found = self
            .with_reader(|conn, inner, region| {
                let stored = signing_keys::read(conn, region)?;
                Ok(signing::open_ring(region, inner.hasher.sealer(), stored)?)
            })
            .await?;
        if let Some(ring) = found {
            return Ok(ring);
        }
        self.with_write(first_signing_key).await
    }

    async fn rotate_signing_key(
        &self,
        publish_delay: Duration,
    ) -> Result<(crate::oauth::KeyInfo, crate::oauth::KeyRing)> {
        let delay = signing::publish_delay(publish_delay)?;
        let actor = self.actor.clone();
        self.with_write(move |tx, inner, region| {
            first_signing_key(tx, inner, region)?;
            let sealer = inner.hasher.sealer();
            let before: Vec<crate::oauth::KeyInfo> = signing_keys::read(tx, region)?
                .into_iter()
                .map(|k| k.info)
                .collect();
            let now = now_ms();
            let (kid, sealed) = signing::new_key(region, sealer)?;
            let rotation = crate::oauth::ring::plan_rotation(
                &before,
                kid,
                now,
                delay,
                signing::token_lifetime(),
            )
            .map_err(|w| signing::waiting(region, w))?;
            let new = signing::StoredKey {
                info: rotation.new.clone(),
                sealed,
            };
            signing_keys::rotate(tx, region, &rotation, &new)?;
            audit::append(
                tx,
                region,
                &actor,
                signing::rotated_event(&before, &rotation, now),
            )?;
            let stored = signing_keys::read(tx, region)?;
            let ring = signing::open_ring(region, sealer, stored)?
                .ok_or_else(|| storage(&inner.db_path, "the signing keys vanished"))?;
            Ok((rotation.new, ring))
        })
        .await
    }

    async fn audit(&self, query: AuditQuery) -> Result<Vec<AuditEvent>> {
        self.with_reader(move |conn, _, region| Ok(audit::query(conn, region, &query)?))
            .await
    }

    /// Like `record_usage`, a write that does not move the change counter:
    /// the log is not a credential.
    async fn record_security_event(&self, event: NewAuditEvent) -> Result<()> {
        if self.inner.read_only.is_some() {
            return Ok(());
        }
        let actor = self.actor.clone();
        self.on_blocking_pool(move |inner, region| {
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            audit::append(&tx, region, &actor, event)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn audit_head(&self) -> Result<Option<ChainHead>> {
        self.with_reader(|conn, _, region| Ok(audit::head(conn, region)?))
            .await
    }

    async fn verify_audit(
        &self,
        expect: Option<ChainHead>,
    ) -> Result<std::result::Result<(u64, Option<ChainHead>), ChainBreak>> {
        self.with_reader(move |conn, _, region| Ok(audit::verify(conn, region, expect.as_ref())?))
            .await
    }

    /// Not through `with_write`: the log is not a credential, so a prune
    /// leaves the token endpoint's cache alone.
    async fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        if let Some(why) = &self.inner.read_only {
            return Err(storage(&self.inner.db_path, why));
        }
        self.on_blocking_pool(move |inner, region| {
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let removed = audit::prune(&tx, region, &inner.pruning, before)?;
            tx.commit()?;
            Ok(removed)
        })
        .await
    }

    async fn delete(&self, id: &ClientId) -> Result<Application> {
        let key = id.clone();
        let actor = self.actor.clone();
        let app = self
            .with_write(move |tx, inner, region| {
                let period = trash::period(inner);
                Ok(trash::move_to_trash(tx, region, &actor, &key, period)?)
            })
            .await?
            .ok_or_else(|| self.not_found(id))?;
        self.inner.reveals.remove(id);
        Ok(app)
    }

    async fn suspend(&self, id: &ClientId) -> Result<Application> {
        self.set_suspended(id, true).await
    }

    async fn resume(&self, id: &ClientId) -> Result<Application> {
        self.set_suspended(id, false).await
    }

    async fn list_deleted(&self) -> Result<Vec<Application>> {
        self.with_reader(|conn, _, region| Ok(trash::list(conn, region, now_ms())?))
            .await
    }

    async fn restore(&self, id: &ClientId) -> Result<Application> {
        let key = id.clone();
        let actor = self.actor.clone();
        self.with_write(move |tx, _, region| trash::restore(tx, region, &actor, &key))
            .await
    }

    async fn purge(&self, id: &ClientId) -> Result<()> {
        let key = id.clone();
        let actor = self.actor.clone();
        self.with_write(move |tx, _, region| trash::purge(tx, region, &actor, &key))
            .await
    }

    async fn reveal(&self, id: &ClientId) -> Result<SecretReveal> {
        // Make sure the application exists here before saying anything about it.
        self.get(id).await?;
        let closed = || RegistryError::RevealWindowClosed {
            client_id: id.clone(),
        };
        let reveal = self.inner.reveals.get(id).ok_or_else(closed)?;
        // Another process may have reset the secret since: then ours is dead.
        if self.verify_secret(id, &reveal.secret).await? {
            Ok(reveal)
        } else {
            self.inner.reveals.remove(id);
            Err(closed())
        }
    }

    async fn authenticate(
        &self,
        id: &ClientId,
        secret: &ClientSecret,
    ) -> Result<Option<Application>> {
        Ok(self
            .authenticate_secret(id, secret)
            .await?
            .map(|(app, _)| app))
    }

    /// Answers from the cache while nothing on the data dir has changed since
    /// the last read, and from the store otherwise; see `auth_cache.rs`. The
    /// retiring secret's deadline is checked here, on every request, against
    /// the clock: it needs no write to take effect.
    async fn authenticate_secret(
        &self,
        id: &ClientId,
        secret: &ClientSecret,
    ) -> Result<Option<(Application, Option<String>)>> {
        let known = self.known_client(id)?;
        Ok(known.and_then(|k| {
            let matched = matching_secret(&self.inner.hasher, id, secret, &k, Utc::now())?;
            // A suspended client's right secret gets what a wrong one gets.
            (!k.app.is_suspended()).then_some((k.app, Some(matched)))
        }))
    }

    async fn replaced_at(
        &self,
        id: &ClientId,
        secret: &ClientSecret,
    ) -> Result<Option<DateTime<Utc>>> {
        let key = id.clone();
        let secret = secret.clone();
        self.with_reader(move |conn, inner, region| {
            // An expired retiring secret counts as replaced at its deadline.
            let mut stmt = conn.prepare_cached(
                "SELECT p.secret_hash, p.replaced_at FROM previous_secrets p
                 JOIN applications a ON a.client_id = p.client_id
                 WHERE p.client_id = ?1 AND a.region = ?2 AND a.deleted_at IS NULL
                 UNION ALL
                 SELECT r.secret_hash, r.expires_at FROM retiring_secrets r
                 JOIN applications a ON a.client_id = r.client_id
                 WHERE r.client_id = ?1 AND a.region = ?2 AND a.deleted_at IS NULL AND r.expires_at <= ?3
                 ORDER BY 2 DESC",
            )?;
            let now = millis(Utc::now());
            let rows = stmt.query_map(params![key.as_str(), region.as_str(), now], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (hash, at) = row?;
                if inner.hasher.verify(&key, &secret, &hash) {
                    return Ok(Some(from_millis(at)?));
                }
            }
            Ok(None)
        })
        .await
    }

    async fn verify_secret(&self, id: &ClientId, secret: &ClientSecret) -> Result<bool> {
        let key = id.clone();
        let secret = secret.clone();
        self.with_reader(move |conn, inner, region| {
            let stored: Option<Vec<u8>> = conn
                .prepare_cached(&format!(
                    "SELECT secret_hash FROM applications WHERE client_id = ?1 AND region = ?2 AND {LIVE}"
                ))?
                .query_row(params![key.as_str(), region.as_str()], |r| r.get(0))
                .optional()?;
            // Hash even for an unknown ID, so timing does not tell the two apart.
            let ok = inner
                .hasher
                .verify(&key, &secret, stored.as_deref().unwrap_or(&[0u8; 32]));
            Ok(stored.is_some() && ok)
        })
        .await
    }
}
