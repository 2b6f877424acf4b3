//! The PostgreSQL registry: several `keyward serve` replicas (and the CLI and
//! the TUI) share one database. Several regions may share it too: every row
//! names its region.
//!
//! - The driver is tokio-postgres with a deadpool pool: async all the way
//!   (no blocking pool), with a per-connection cache of prepared statements,
//!   so the token path is one round trip once warm.
//! - Migrations run under an advisory lock; a build older than the schema
//!   refuses to start (`schema.rs`).
//! - Every write is one transaction, which first takes the region's
//!   transaction-scoped advisory lock: a region's writers take turns, as
//!   SQLite's write lock makes them, so the look-alike name check cannot race.
//! - Secret hashes are keyed by the data dir's `secret.key`, as in the
//!   embedded store. The database keeps each region's key fingerprint, and a
//!   replica holding another key is refused at start.
//! - Plaintext secrets inside their window stay in this process's memory
//!   (`RevealCache`), never in the database.

mod audit;
mod changes;
mod copy;
mod rows;
mod schema;
mod signing_keys;
mod trash;
mod url;
mod writes;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode;

pub use copy::CopyError;
pub use schema::{SchemaError, known_version as schema_version};
pub use url::{DatabaseUrl, UrlError, load_database_url};

use self::rows::{app_from_row_at, from_millis, load_app, millis};
use super::embedded::{AuthCache, KnownClient, RetiringHash, RevealCache, SecretHasher};
use super::{Issued, Registry, RegistryError, Result, signing};
use crate::catalog::Catalog;
use crate::model::audit::{Verified, events};
use crate::model::{
    Actor, AppName, Application, AuditEvent, AuditQuery, ChainHead, ClientId, ClientSecret, Grant,
    NewApplication, NewAuditEvent, Region, SecretInfo, SecretReveal, SecretState, SecretUsage,
};

/// Connections one process keeps to the database.
const POOL_SIZE: usize = 16;
/// How long a request waits for a connection (or for one to be made)
/// before it fails, so none hangs while the database is away.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

struct Inner {
    pool: Pool,
    url: DatabaseUrl,
    data_dir: PathBuf,
    /// Set once the schema is current and the key checked (see
    /// [`PostgresRegistry::ready`]); until then every call tries again.
    ready: tokio::sync::OnceCell<()>,
    hasher: SecretHasher,
    reveals: RevealCache,
    catalog: Arc<Catalog>,
    window: chrono::Duration,
    /// What the token path read, kept while `watch` vouches for it.
    cache: Arc<AuthCache>,
    watch: Arc<changes::ChangeWatch>,
    /// Whether the LISTEN connection was started.
    listening: AtomicBool,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    /// How long a deleted application stays in the trash, in seconds.
    trash_seconds: std::sync::atomic::AtomicI64,
}

/// One region in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresRegistry {
    inner: Arc<Inner>,
    region: Region,
    /// Who the audit log says made this registry's changes.
    actor: Arc<Actor>,
}

/// What a database step can fail with.
pub(crate) enum DbError {
    Domain(RegistryError),
    Postgres(tokio_postgres::Error),
    Pool(deadpool_postgres::PoolError),
    Data(String),
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        DbError::Postgres(e)
    }
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        DbError::Pool(e)
    }
}

impl From<RegistryError> for DbError {
    fn from(e: RegistryError) -> Self {
        DbError::Domain(e)
    }
}

pub(crate) type DbResult<T> = std::result::Result<T, DbError>;

/// The driver's message, with the server's own words when it sent some.
fn describe_postgres(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

fn describe(e: &DbError) -> String {
    use deadpool_postgres::PoolError;
    match e {
        DbError::Domain(d) => d.to_string(),
        DbError::Postgres(p) => describe_postgres(p),
        DbError::Pool(PoolError::Timeout(_)) => format!(
            "the database did not answer within {}s; check that it is running and reachable",
            POOL_TIMEOUT.as_secs()
        ),
        DbError::Pool(PoolError::Backend(p)) => describe_postgres(p),
        DbError::Pool(other) => other.to_string(),
        DbError::Data(d) => format!("unexpected data in the database: {d}"),
    }
}

/// Whether `e` says the database cannot be reached right now (down,
/// restarting, refusing connections, a connection cut), as opposed to a
/// refused statement: callers may try again shortly.
fn is_unavailable(e: &DbError) -> bool {
    use deadpool_postgres::PoolError;
    fn lost(p: &tokio_postgres::Error) -> bool {
        if p.is_closed() {
            return true;
        }
        match p.code() {
            // Class 08: connection exceptions; 53300: too many connections
            // (replicas reconnecting at once); 57P01-57P03: the server is
            // shutting down, crashed, or not accepting connections yet;
            // 25006: read-only after a failover; 40001/40P01: a
            // serialization failure or deadlock, worth one more try.
            Some(code) => {
                let code = code.code();
                code.starts_with("08")
                    || matches!(
                        code,
                        "53300" | "57P01" | "57P02" | "57P03" | "25006" | "40001" | "40P01"
                    )
            }
            // No SQLSTATE: unavailable only when the socket failed (refused,
            // reset, timed out). The driver's own errors (a row count or a
            // type it did not expect) are storage errors: retrying will not
            // help, and a 503 would hide them.
            None => std::error::Error::source(p).is_some_and(|s| s.is::<std::io::Error>()),
        }
    }
    match e {
        DbError::Pool(
            PoolError::Timeout(_) | PoolError::Closed | PoolError::NoRuntimeSpecified,
        ) => true,
        DbError::Pool(PoolError::Backend(p)) | DbError::Postgres(p) => lost(p),
        _ => false,
    }
}

/// The error a caller sees for `e`: unavailable (try again) or storage.
fn registry_error(url: &DatabaseUrl, e: DbError) -> RegistryError {
    match e {
        DbError::Domain(d) => d,
        other if is_unavailable(&other) => RegistryError::Unavailable {
            location: url.display(),
            message: url.scrub(&describe(&other)),
        },
        other => storage_error(url, &describe(&other)),
    }
}

fn storage_error(url: &DatabaseUrl, message: &str) -> RegistryError {
    RegistryError::Storage {
        location: url.display(),
        message: url.scrub(message),
    }
}

fn build_pool(url: &DatabaseUrl) -> Result<Pool> {
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let config = url.config().clone();
    let manager = match url.ssl_mode() {
        SslMode::Disable => Manager::from_config(config, NoTls, manager_config),
        _ => {
            let tls = url::tls_connector().map_err(|e| storage_error(url, &e.to_string()))?;
            Manager::from_config(config, tls, manager_config)
        }
    };
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_TIMEOUT))
        .create_timeout(Some(POOL_TIMEOUT))
        .recycle_timeout(Some(POOL_TIMEOUT))
        .build()
        .map_err(|e| storage_error(url, &e.to_string()))
}

impl PostgresRegistry {
    /// Connects, brings the schema up to date (under an advisory lock) and
    /// checks that `data_dir`'s `secret.key` is the key `region` uses in this
    /// database (recording it if the region is new there). `window` is how
    /// long new secrets stay visible.
    pub async fn open(
        url: &DatabaseUrl,
        data_dir: &Path,
        region: Region,
        catalog: Arc<Catalog>,
        window: Duration,
    ) -> Result<Self> {
        let registry = Self::connect(url, data_dir, region, catalog, window)?;
        registry.ready().await?;
        Ok(registry)
    }

    /// Like [`PostgresRegistry::open`], without waiting for the database:
    /// the schema and key checks run on the first call that needs the
    /// database (for callers that cannot wait here, like the CLI's context).
    pub fn connect(
        url: &DatabaseUrl,
        data_dir: &Path,
        region: Region,
        catalog: Arc<Catalog>,
        window: Duration,
    ) -> Result<Self> {
        let hasher = super::embedded::open_hasher(data_dir)?;
        let window = chrono::Duration::from_std(window)
            .map_err(|_| RegistryError::InvalidInput("the secret window is too long".into()))?;
        Ok(PostgresRegistry {
            inner: Arc::new(Inner {
                pool: build_pool(url)?,
                url: url.clone(),
                data_dir: data_dir.to_owned(),
                ready: tokio::sync::OnceCell::new(),
                hasher,
                reveals: RevealCache::default(),
                catalog,
                window,
                cache: Arc::default(),
                watch: Arc::default(),
                listening: AtomicBool::new(false),
                cache_hits: AtomicU64::new(0),
                cache_misses: AtomicU64::new(0),
                trash_seconds: std::sync::atomic::AtomicI64::new(
                    i64::from(crate::model::DEFAULT_TRASH_DAYS) * 86_400,
                ),
            }),
            region,
            actor: Arc::new(super::local_actor(crate::model::Via::Cli)),
        })
    }

    /// This registry, its changes recorded in the audit log as made by
    /// `actor` (the default is this OS user on the command line).
    pub fn with_actor(mut self, actor: Actor) -> Self {
        self.actor = Arc::new(actor);
        self
    }

    /// How long applications deleted from now on stay in the trash (the
    /// config's `trash_days`; 7 days unless set).
    pub fn with_trash_period(self, period: chrono::Duration) -> Self {
        self.inner
            .trash_seconds
            .store(period.num_seconds().max(0), Ordering::Relaxed);
        self
    }

    fn trash_period(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.inner.trash_seconds.load(Ordering::Relaxed))
    }

    /// Migrates and checks the key, once per process and region; a failure
    /// (the database away, a key that differs) is tried again next call.
    async fn ready(&self) -> Result<()> {
        let inner = &*self.inner;
        let url = &inner.url;
        let fail = |e: DbError| registry_error(url, e);
        inner
            .ready
            .get_or_try_init(|| async {
                let mut client = inner.pool.get().await.map_err(|e| fail(e.into()))?;
                schema::migrate(&mut client).await.map_err(|e| match e {
                    SchemaError::Postgres(p) => fail(p.into()),
                    too_new => storage_error(url, &too_new.to_string()),
                })?;
                check_key(&client, &self.region, &inner.hasher, &inner.data_dir)
                    .await
                    .map_err(fail)
            })
            .await?;
        Ok(())
    }

    fn fail(&self, e: DbError) -> RegistryError {
        registry_error(&self.inner.url, e)
    }

    /// A pooled connection, once the schema and key are known good.
    async fn client(&self) -> DbResult<Object> {
        self.ready().await?;
        Ok(self.inner.pool.get().await?)
    }

    fn not_found(&self, id: &ClientId) -> RegistryError {
        RegistryError::NotFound {
            client_id: id.clone(),
            region: self.region.clone(),
        }
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

    /// Starts a write: a transaction holding the region's advisory lock until
    /// it commits or rolls back (dropping it unfinished rolls back).
    async fn begin_write<'a>(
        &self,
        client: &'a mut Object,
    ) -> DbResult<deadpool_postgres::Transaction<'a>> {
        let tx = client.transaction().await?;
        let lock = tx
            .prepare_cached(
                "SELECT pg_advisory_xact_lock(hashtextextended('keyward.region.' || $1, 0))",
            )
            .await?;
        tx.execute(&lock, &[&self.region.as_str()]).await?;
        // Trashed applications past their period are already gone to every
        // read; each write of the region removes them for good.
        trash::purge_expired(&tx, &self.region, &self.actor, now_ms()).await?;
        Ok(tx)
    }

    /// The region's keys, its first one made if it has none, inside `tx`
    /// (which holds the region's write lock).
    async fn first_signing_key(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> DbResult<crate::oauth::KeyRing> {
        let sealer = self.inner.hasher.sealer();
        let stored = signing_keys::read(tx, &self.region).await?;
        if let Some(ring) = signing::open_ring(&self.region, sealer, stored)? {
            return Ok(ring);
        }
        let first = signing::first_key(&self.inner.data_dir, &self.region, sealer, now_ms())?;
        signing_keys::insert(tx, &self.region, &first).await?;
        let stored = signing_keys::read(tx, &self.region).await?;
        signing::open_ring(&self.region, sealer, stored)?
            .ok_or_else(|| DbError::Data("the first signing key was not stored".into()))
    }

    /// The new current secret of `id`, after a reset or rotation wrote it.
    fn issue(&self, application: Application, secret: ClientSecret, now: DateTime<Utc>) -> Issued {
        let reveal = SecretReveal {
            client_id: application.client_id.clone(),
            secret,
            visible_until: now + self.inner.window,
        };
        self.inner.reveals.insert(reveal.clone());
        Issued {
            application,
            reveal,
        }
    }
}

/// Records `region`'s key fingerprint if it has none, and refuses a key that
/// differs from the recorded one.
async fn check_key(
    client: &Object,
    region: &Region,
    hasher: &SecretHasher,
    data_dir: &Path,
) -> DbResult<()> {
    let mine = hasher.key_fingerprint();
    client
        .execute(
            "INSERT INTO keyward.region_keys (region, key_fingerprint) VALUES ($1, $2)
             ON CONFLICT (region) DO NOTHING",
            &[&region.as_str(), &mine],
        )
        .await?;
    let recorded: String = client
        .query_one(
            "SELECT key_fingerprint FROM keyward.region_keys WHERE region = $1",
            &[&region.as_str()],
        )
        .await?
        .try_get(0)?;
    if recorded == mine {
        return Ok(());
    }
    Err(RegistryError::InvalidInput(format!(
        "the hashing key {} is not the key region {region} uses in its database, so no secret would verify: every replica of a region must hold the same key. Copy secret.key (mode 0600) from the data dir of a replica that already serves region {region}",
        data_dir.join(super::embedded::HASHING_KEY_FILE).display()
    ))
    .into())
}

/// A read-only transaction that sees one snapshot, for reads of several
/// statements.
async fn read_snapshot(client: &mut Object) -> DbResult<deadpool_postgres::Transaction<'_>> {
    Ok(client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?)
}

/// How far this machine's clock may be from the database's for a signing
/// key rotation, whose times every replica then acts on.
const MAX_CLOCK_SKEW: chrono::Duration = chrono::Duration::seconds(30);

/// The database's clock, for times every replica acts on (a signing key's
/// `signs_from`, `published_until`): a rotation run from a machine whose
/// clock is off must not make a key sign before caches know it, or drop one
/// whose tokens still live. A local clock far from it is refused.
async fn database_now(tx: &deadpool_postgres::Transaction<'_>) -> DbResult<DateTime<Utc>> {
    let ms: i64 = tx
        .query_one(
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT",
            &[],
        )
        .await?
        .try_get(0)?;
    let theirs = from_millis(ms)?;
    let skew = Utc::now() - theirs;
    if skew.abs() > MAX_CLOCK_SKEW {
        return Err(RegistryError::InvalidInput(format!(
            "this machine's clock is {} s off the database's; a key rotation's times must agree on every replica: set the clock right (NTP) and rotate again",
            skew.num_seconds()
        ))
        .into());
    }
    Ok(theirs)
}

/// Now, truncated to milliseconds as stored, so what a write returns equals
/// what a later read gives.
fn now_ms() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

/// The token path's one statement: the change counter (column 0), and the
/// client's row (`APP_COLUMNS`, from column 7), its grants as two arrays and
/// its retiring secret, all NULL for an unknown client. One snapshot, so the
/// row is exactly what that generation held.
const KNOWN_CLIENT_SQL: &str = "SELECT c.generation, k.* FROM keyward.changes c LEFT JOIN LATERAL (
     SELECT a.secret_hash AS current_hash,
        array(SELECT g.scope FROM keyward.grants g WHERE g.client_id = a.client_id ORDER BY g.scope) AS scopes,
        array(SELECT g.access FROM keyward.grants g WHERE g.client_id = a.client_id ORDER BY g.scope) AS access,
        r.secret_id AS retiring_id, r.secret_hash AS retiring_hash, r.expires_at,
        a.client_id, a.client_name, a.region, a.admin, a.created_at, a.updated_at, a.secret_issued_at, a.secret_id, a.secret_created_at, a.suspended_at, a.deleted_at, a.purge_after
     FROM keyward.applications a
     LEFT JOIN keyward.retiring_secrets r ON r.client_id = a.client_id
     WHERE a.client_id = $1 AND a.region = $2 AND a.deleted_at IS NULL
   ) k ON TRUE";

impl PostgresRegistry {
    /// The client behind `id`, its grants and its retiring secret. Kept
    /// while the LISTEN connection vouches that nothing changed since it
    /// was read (see `changes.rs`); otherwise one statement, so one round
    /// trip once the connection has it prepared.
    async fn known_client(&self, id: &ClientId) -> DbResult<Option<KnownClient>> {
        let inner = &*self.inner;
        self.start_listening();
        if let Some(generation) = inner.watch.trusted()
            && let Some(kept) = inner.cache.get(generation, &self.region, id)
        {
            inner.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(kept);
        }
        inner.cache_misses.fetch_add(1, Ordering::Relaxed);
        let (generation, known) = self.read_known_client(id).await?;
        // Kept only if what was read is what the listener vouches for now:
        // a newer change heard meanwhile makes it stale at once.
        if inner.watch.trusted() == Some(generation) {
            inner.cache.put(generation, &self.region, id, known.clone());
        }
        Ok(known)
    }

    async fn read_known_client(&self, id: &ClientId) -> DbResult<(u64, Option<KnownClient>)> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(KNOWN_CLIENT_SQL).await?;
        let row = client
            .query_one(&stmt, &[&id.as_str(), &self.region.as_str()])
            .await?;
        let generation = u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0);
        if row.try_get::<_, Option<String>>(7)?.is_none() {
            return Ok((generation, None));
        }
        let mut app = app_from_row_at(&row, 7)?;
        let scopes: Vec<String> = row.try_get(2)?;
        let access: Vec<String> = row.try_get(3)?;
        for (s, a) in scopes.iter().zip(&access) {
            app.grants.push(rows::grant(s, a)?);
        }
        let retiring = match row.try_get::<_, Option<String>>(4)? {
            Some(secret_id) => Some(RetiringHash {
                secret_id,
                secret_hash: row.try_get(5)?,
                expires_at: from_millis(row.try_get(6)?)?,
            }),
            None => None,
        };
        let known = KnownClient {
            secret_hash: row.try_get(1)?,
            retiring,
            app,
        };
        Ok((generation, Some(known)))
    }

    /// Starts this registry's LISTEN connection, once, on first use by the
    /// token path (a CLI command that never authenticates opens none).
    fn start_listening(&self) {
        let inner = &*self.inner;
        // A plain read first: the token path runs this on every request,
        // and a swap would write the shared flag each time.
        if inner.listening.load(Ordering::Relaxed) || inner.listening.swap(true, Ordering::SeqCst) {
            return;
        }
        let watched = changes::Watched {
            watch: Arc::downgrade(&inner.watch),
            cache: Arc::downgrade(&inner.cache),
        };
        tokio::spawn(changes::listen(inner.url.clone(), watched));
    }

    /// Commits a write that changed credentials, and raises this process's
    /// floor to the generation it made: its cache stays off until the
    /// listener hears of it, so this process never answers from before its
    /// own change.
    async fn commit_change(&self, tx: deadpool_postgres::Transaction<'_>) -> DbResult<()> {
        let stmt = tx
            .prepare_cached("SELECT generation FROM keyward.changes")
            .await?;
        let generation: i64 = tx.query_one(&stmt, &[]).await?.try_get(0)?;
        tx.commit().await?;
        self.inner
            .watch
            .wrote(u64::try_from(generation).unwrap_or(0));
        Ok(())
    }

    /// Times the token path answered from memory, and read the database.
    pub fn auth_cache_counts(&self) -> (u64, u64) {
        (
            self.inner.cache_hits.load(Ordering::Relaxed),
            self.inner.cache_misses.load(Ordering::Relaxed),
        )
    }
}

/// Which of `known`'s secrets `secret` is, if any: the current one, or the
/// retiring one before its deadline. Both compared in constant time.
fn matching_secret(
    hasher: &SecretHasher,
    id: &ClientId,
    secret: &ClientSecret,
    known: Option<&KnownClient>,
    now: DateTime<Utc>,
) -> Option<String> {
    use subtle::ConstantTimeEq;
    // Hashed even for an unknown ID, so timing does not tell the two apart.
    let presented = hasher.hash(id, secret);
    let dummy = [0u8; 32];
    let current_hash = known.map_or(&dummy[..], |k| k.secret_hash.as_slice());
    let retiring_hash = known
        .and_then(|k| k.retiring.as_ref())
        .map_or(&dummy[..], |r| r.secret_hash.as_slice());
    let current: bool = presented.ct_eq(current_hash).into();
    let retiring: bool = presented.ct_eq(retiring_hash).into();
    let known = known?;
    if current {
        return known.app.current_secret().map(|s| s.secret_id.clone());
    }
    let r = known.retiring.as_ref()?;
    (retiring && now < r.expires_at).then(|| r.secret_id.clone())
}

#[async_trait]
impl Registry for PostgresRegistry {
    fn region(&self) -> &Region {
        &self.region
    }

    /// The token path's cache (`known_client`), for metrics.
    fn auth_cache_counts(&self) -> Option<crate::registry::AuthCacheCounts> {
        // The inherent method of the same name.
        let (hits, misses) = PostgresRegistry::auth_cache_counts(self);
        Some(crate::registry::AuthCacheCounts { hits, misses })
    }

    fn location(&self) -> String {
        self.inner.url.display()
    }

    fn catalog(&self) -> Option<Arc<Catalog>> {
        Some(self.inner.catalog.clone())
    }

    async fn fingerprint(&self) -> Result<Option<String>> {
        let out: DbResult<String> = async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT count(*), coalesce(max(updated_at), 0) FROM keyward.applications WHERE region = $1 AND deleted_at IS NULL",
                )
                .await?;
            let row = client.query_one(&stmt, &[&self.region.as_str()]).await?;
            let (n, latest): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            Ok(format!("{n}:{latest}"))
        }
        .await;
        out.map(Some).map_err(|e| self.fail(e))
    }

    async fn list(&self) -> Result<Vec<Application>> {
        let out: DbResult<Vec<Application>> = async {
            let mut client = self.client().await?;
            // One snapshot for the several reads.
            let tx = read_snapshot(&mut client).await?;
            let apps = rows::list_apps(&tx, &self.region).await?;
            tx.commit().await?;
            Ok(apps)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn get(&self, id: &ClientId) -> Result<Application> {
        let out: DbResult<Option<Application>> = async {
            let mut client = self.client().await?;
            let tx = read_snapshot(&mut client).await?;
            let app = load_app(&tx, &self.region, id).await?;
            tx.commit().await?;
            Ok(app)
        }
        .await;
        out.map_err(|e| self.fail(e))?
            .ok_or_else(|| self.not_found(id))
    }

    async fn create(&self, new: NewApplication) -> Result<Issued> {
        let mut issued = self.create_many(vec![new]).await?;
        issued
            .pop()
            .ok_or_else(|| storage_error(&self.inner.url, "no application was created"))
    }

    async fn create_many(&self, new: Vec<NewApplication>) -> Result<Vec<Issued>> {
        for n in &new {
            self.check_grants(&n.grants)?;
        }
        let out: DbResult<Vec<Issued>> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let now = now_ms();
            let (rows, issued) = self.new_rows(&tx, new, now).await?;
            writes::insert_apps(&tx, &self.region, &rows, now).await?;
            let created = issued
                .iter()
                .map(|i| events::created(&i.application, now))
                .collect();
            audit::append_many(&tx, &self.region, &self.actor, created).await?;
            self.commit_change(tx).await?;
            Ok(issued)
        }
        .await;
        let issued = out.map_err(|e| self.fail(e))?;
        for i in &issued {
            self.inner.reveals.insert(i.reveal.clone());
        }
        Ok(issued)
    }

    async fn rename(&self, id: &ClientId, name: AppName) -> Result<Application> {
        let out: DbResult<Option<Application>> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let Some(before) = load_app(&tx, &self.region, id).await? else {
                return Ok(None);
            };
            // The same name: no change, so nothing to write or record.
            if before.client_name == name {
                return Ok(Some(before));
            }
            if rows::name_taken(&tx, &self.region, &name, Some(id)).await? {
                return Err(RegistryError::DuplicateName {
                    name: name.to_string(),
                    region: self.region.clone(),
                }
                .into());
            }
            let stmt = tx
                .prepare_cached(
                    "UPDATE keyward.applications SET client_name = $1, name_key = $2, updated_at = $3
                     WHERE client_id = $4 AND region = $5",
                )
                .await?;
            let now = now_ms();
            tx.execute(
                &stmt,
                &[
                    &name.as_str(),
                    &name.duplicate_key(),
                    &millis(now),
                    &id.as_str(),
                    &self.region.as_str(),
                ],
            )
            .await?;
            let app = load_app(&tx, &self.region, id).await?;
            if let Some(app) = &app {
                let event = events::renamed(before.client_name.as_str(), app, now);
                audit::append(&tx, &self.region, &self.actor, event).await?;
            }
            self.commit_change(tx).await?;
            Ok(app)
        }
        .await;
        out.map_err(|e| self.fail(e))?
            .ok_or_else(|| self.not_found(id))
    }

    async fn set_access(&self, id: &ClientId, changes: Vec<Grant>) -> Result<Application> {
        self.check_grants(&changes)?;
        let out: DbResult<Option<Application>> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let Some(before) = load_app(&tx, &self.region, id).await? else {
                return Ok(None);
            };
            let now = now_ms();
            writes::write_grants(&tx, id, &changes).await?;
            let Some(mut app) = load_app(&tx, &self.region, id).await? else {
                return Ok(None);
            };
            // Grants that were already so change nothing: no event, and
            // `updated_at` stays.
            if let Some(event) = events::scopes_set(&before.grants, &app, now) {
                self.touch(&tx, id, now).await?;
                app.updated_at = now;
                audit::append(&tx, &self.region, &self.actor, event).await?;
            }
            self.commit_change(tx).await?;
            Ok(Some(app))
        }
        .await;
        out.map_err(|e| self.fail(e))?
            .ok_or_else(|| self.not_found(id))
    }

    async fn reset_secret(&self, id: &ClientId) -> Result<Issued> {
        let secret = ClientSecret::generate();
        let now = now_ms();
        let out: DbResult<Option<Application>> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let Some(before) = load_app(&tx, &self.region, id).await? else {
                return Ok(None);
            };
            writes::keep_previous_secret(&tx, &self.region, id, now).await?;
            // A reset is for a leak: the retiring secret dies too.
            writes::drop_retiring(&tx, id, now).await?;
            let usage = tx
                .prepare_cached("DELETE FROM keyward.secret_usage WHERE client_id = $1")
                .await?;
            tx.execute(&usage, &[&id.as_str()]).await?;
            let stmt = tx
                .prepare_cached(
                    "UPDATE keyward.applications SET secret_hash = $1, secret_issued_at = $2,
                        secret_created_at = $2, updated_at = $2, secret_id = $3
                     WHERE client_id = $4 AND region = $5",
                )
                .await?;
            let changed = tx
                .execute(
                    &stmt,
                    &[
                        &self.inner.hasher.hash(id, &secret),
                        &millis(now),
                        &crate::model::new_secret_id(),
                        &id.as_str(),
                        &self.region.as_str(),
                    ],
                )
                .await?;
            if changed != 1 {
                return Ok(None);
            }
            let app = load_app(&tx, &self.region, id).await?;
            if let Some(app) = &app {
                let event = events::secret_reset(&before, app, now);
                audit::append(&tx, &self.region, &self.actor, event).await?;
            }
            self.commit_change(tx).await?;
            Ok(app)
        }
        .await;
        let app = out
            .map_err(|e| self.fail(e))?
            .ok_or_else(|| self.not_found(id))?;
        Ok(self.issue(app, secret, now))
    }

    async fn rotate_secret(&self, id: &ClientId, grace: chrono::Duration) -> Result<Issued> {
        crate::model::check_grace(grace).map_err(RegistryError::InvalidInput)?;
        let secret = ClientSecret::generate();
        let now = now_ms();
        let out: DbResult<Option<Application>> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let Some(before) = load_app(&tx, &self.region, id).await? else {
                return Ok(None);
            };
            writes::make_room_for_rotation(&tx, id, now).await?;
            writes::retire_current(&tx, id, now + grace).await?;
            // `secret_issued_at` stays: tokens issued before a rotation
            // remain valid (only a reset voids them).
            let stmt = tx
                .prepare_cached(
                    "UPDATE keyward.applications SET secret_hash = $1, secret_created_at = $2,
                        updated_at = $2, secret_id = $3
                     WHERE client_id = $4",
                )
                .await?;
            tx.execute(
                &stmt,
                &[
                    &self.inner.hasher.hash(id, &secret),
                    &millis(now),
                    &crate::model::new_secret_id(),
                    &id.as_str(),
                ],
            )
            .await?;
            let app = load_app(&tx, &self.region, id).await?;
            if let Some(app) = &app {
                let event = events::secret_rotated(&before, app, grace, now);
                audit::append(&tx, &self.region, &self.actor, event).await?;
            }
            self.commit_change(tx).await?;
            Ok(app)
        }
        .await;
        let app = out
            .map_err(|e| self.fail(e))?
            .ok_or_else(|| self.not_found(id))?;
        Ok(self.issue(app, secret, now))
    }

    async fn retire_secret(&self, id: &ClientId) -> Result<Application> {
        let out: DbResult<Option<Application>> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let Some(app) = load_app(&tx, &self.region, id).await? else {
                return Ok(None);
            };
            if app.retiring_secret().is_none() {
                return Err(RegistryError::NothingToRetire {
                    client_id: id.clone(),
                }
                .into());
            }
            let now = now_ms();
            let event = events::secret_retired(&app, now);
            audit::append(&tx, &self.region, &self.actor, event).await?;
            writes::drop_retiring(&tx, id, now).await?;
            self.touch(&tx, id, now).await?;
            let app = load_app(&tx, &self.region, id).await?;
            self.commit_change(tx).await?;
            Ok(app)
        }
        .await;
        out.map_err(|e| self.fail(e))?
            .ok_or_else(|| self.not_found(id))
    }

    /// One transaction. It holds the region's write lock, so a delete
    /// cannot land between its "does the secret still exist" check and its
    /// insert (which would fail the whole batch on the foreign key). Usage
    /// is still not a change to credentials: when the change counter comes
    /// (with the cross-replica cache), usage must not move it.
    /// One read; a region with no key gets its first in a write
    /// transaction under the region's advisory lock, which reads again
    /// first: replicas starting together agree on one first key.
    async fn signing_keys(&self) -> Result<crate::oauth::KeyRing> {
        let out: DbResult<crate::oauth::KeyRing> = async {
            let mut client = self.client().await?;
            let sealer = self.inner.hasher.sealer();
            let stored = signing_keys::read(&client, &self.region).await?;
            if let Some(ring) = signing::open_ring(&self.region, sealer, stored)? {
                return Ok(ring);
            }
            let tx = self.begin_write(&mut client).await?;
            let ring = self.first_signing_key(&tx).await?;
            tx.commit().await?;
            Ok(ring)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn rotate_signing_key(
        &self,
        publish_delay: Duration,
    ) -> Result<(crate::oauth::KeyInfo, crate::oauth::KeyRing)> {
        let delay = signing::publish_delay(publish_delay)?;
        let out: DbResult<_> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            self.first_signing_key(&tx).await?;
            let sealer = self.inner.hasher.sealer();
            let before: Vec<crate::oauth::KeyInfo> = signing_keys::read(&tx, &self.region)
                .await?
                .into_iter()
                .map(|k| k.info)
                .collect();
            let now = database_now(&tx).await?;
            let (kid, sealed) = signing::new_key(&self.region, sealer)?;
            let rotation = crate::oauth::ring::plan_rotation(
                &before,
                kid,
                now,
                delay,
                signing::token_lifetime(),
            )
            .map_err(|w| signing::waiting(&self.region, w))?;
            let new = signing::StoredKey {
                info: rotation.new.clone(),
                sealed,
            };
            signing_keys::rotate(&tx, &self.region, &rotation, &new).await?;
            let event = signing::rotated_event(&before, &rotation, now);
            audit::append(&tx, &self.region, &self.actor, event).await?;
            let stored = signing_keys::read(&tx, &self.region).await?;
            let ring = signing::open_ring(&self.region, sealer, stored)?
                .ok_or_else(|| DbError::Data("the signing keys vanished".into()))?;
            tx.commit().await?;
            Ok((rotation.new, ring))
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn record_usage(&self, batch: Vec<SecretUsage>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let out: DbResult<()> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            writes::write_usage(&tx, &batch).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    fn acting_as(&self, actor: Actor) -> Option<Arc<dyn Registry>> {
        Some(Arc::new(self.clone().with_actor(actor)))
    }

    async fn audit(&self, query: AuditQuery) -> Result<Vec<AuditEvent>> {
        let out: DbResult<Vec<AuditEvent>> = async {
            let mut client = self.client().await?;
            let tx = read_snapshot(&mut client).await?;
            let events = audit::query(&tx, &self.region, &query).await?;
            tx.commit().await?;
            Ok(events)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    /// Takes the region's write lock (the chain's next `seq` must be ours
    /// alone) but moves no change counter: the log is not a credential.
    async fn record_security_event(&self, event: NewAuditEvent) -> Result<()> {
        let out: DbResult<()> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            audit::append(&tx, &self.region, &self.actor, event).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn audit_head(&self) -> Result<Option<ChainHead>> {
        let out: DbResult<Option<ChainHead>> = async {
            let mut client = self.client().await?;
            let tx = read_snapshot(&mut client).await?;
            let head = audit::head(&tx, &self.region).await?;
            tx.commit().await?;
            Ok(head)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn verify_audit(&self, expect: Option<ChainHead>) -> Result<Verified> {
        let out: DbResult<Verified> = async {
            let mut client = self.client().await?;
            let tx = read_snapshot(&mut client).await?;
            let verified = audit::verify(&tx, &self.region, expect.as_ref()).await?;
            tx.commit().await?;
            Ok(verified)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        let out: DbResult<u64> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let removed = audit::prune(&tx, &self.region, before).await?;
            tx.commit().await?;
            Ok(removed)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn delete(&self, id: &ClientId) -> Result<Application> {
        let period = self.trash_period();
        let out: DbResult<Option<Application>> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let app = trash::move_to_trash(&tx, &self.region, &self.actor, id, period).await?;
            self.commit_change(tx).await?;
            Ok(app)
        }
        .await;
        let app = out.map_err(|e| self.fail(e))?;
        self.inner.reveals.remove(id);
        app.ok_or_else(|| self.not_found(id))
    }

    async fn suspend(&self, id: &ClientId) -> Result<Application> {
        self.set_suspended(id, true).await
    }

    async fn resume(&self, id: &ClientId) -> Result<Application> {
        self.set_suspended(id, false).await
    }

    async fn list_deleted(&self) -> Result<Vec<Application>> {
        let out: DbResult<Vec<Application>> = async {
            let mut client = self.client().await?;
            let tx = read_snapshot(&mut client).await?;
            let apps = trash::list(&tx, &self.region, now_ms()).await?;
            tx.commit().await?;
            Ok(apps)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn restore(&self, id: &ClientId) -> Result<Application> {
        let out: DbResult<Application> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let app = trash::restore(&tx, &self.region, &self.actor, id).await?;
            self.commit_change(tx).await?;
            Ok(app)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }

    async fn purge(&self, id: &ClientId) -> Result<()> {
        let out: DbResult<()> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            trash::purge(&tx, &self.region, &self.actor, id).await?;
            self.commit_change(tx).await?;
            Ok(())
        }
        .await;
        out.map_err(|e| self.fail(e))
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

    async fn verify_secret(&self, id: &ClientId, secret: &ClientSecret) -> Result<bool> {
        let known = self.known_client(id).await.map_err(|e| self.fail(e))?;
        let Some(known) = known else {
            // Hashed anyway, so timing does not tell an unknown ID apart.
            matching_secret(&self.inner.hasher, id, secret, None, Utc::now());
            return Ok(false);
        };
        use subtle::ConstantTimeEq;
        let presented = self.inner.hasher.hash(id, secret);
        Ok(presented.ct_eq(&known.secret_hash).into())
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

    /// The token endpoint's path: one query (see `known_client`). The
    /// retiring secret's deadline is checked against the clock here.
    async fn authenticate_secret(
        &self,
        id: &ClientId,
        secret: &ClientSecret,
    ) -> Result<Option<(Application, Option<String>)>> {
        let known = self.known_client(id).await.map_err(|e| self.fail(e))?;
        let matched = matching_secret(&self.inner.hasher, id, secret, known.as_ref(), Utc::now());
        // A suspended client's right secret gets what a wrong one gets.
        Ok(matched.and_then(|m| {
            known
                .filter(|k| !k.app.is_suspended())
                .map(|k| (k.app, Some(m)))
        }))
    }

    async fn replaced_at(
        &self,
        id: &ClientId,
        secret: &ClientSecret,
    ) -> Result<Option<DateTime<Utc>>> {
        let out: DbResult<Option<DateTime<Utc>>> = async {
            let client = self.client().await?;
            // An expired retiring secret counts as replaced at its deadline.
            let stmt = client
                .prepare_cached(
                    "SELECT p.secret_hash, p.replaced_at FROM keyward.previous_secrets p
                     JOIN keyward.applications a ON a.client_id = p.client_id
                     WHERE p.client_id = $1 AND a.region = $2 AND a.deleted_at IS NULL
                     UNION ALL
                     SELECT r.secret_hash, r.expires_at FROM keyward.retiring_secrets r
                     JOIN keyward.applications a ON a.client_id = r.client_id
                     WHERE r.client_id = $1 AND a.region = $2 AND a.deleted_at IS NULL AND r.expires_at <= $3
                     ORDER BY 2 DESC",
                )
                .await?;
            let rows = client
                .query(
                    &stmt,
                    &[&id.as_str(), &self.region.as_str(), &millis(Utc::now())],
                )
                .await?;
            for row in rows {
                let hash: Vec<u8> = row.try_get(0)?;
                if self.inner.hasher.verify(id, secret, &hash) {
                    return Ok(Some(from_millis(row.try_get(1)?)?));
                }
            }
            Ok(None)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }
}

impl PostgresRegistry {
    async fn set_suspended(&self, id: &ClientId, suspended: bool) -> Result<Application> {
        let out: DbResult<Option<Application>> = async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let app = trash::set_suspended(&tx, &self.region, &self.actor, id, suspended).await?;
            self.commit_change(tx).await?;
            Ok(app)
        }
        .await;
        out.map_err(|e| self.fail(e))?
            .ok_or_else(|| self.not_found(id))
    }

    /// Moves `id`'s `updated_at` to `now`; whether it exists in this region.
    async fn touch(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        id: &ClientId,
        now: DateTime<Utc>,
    ) -> DbResult<bool> {
        let stmt = tx
            .prepare_cached(
                "UPDATE keyward.applications SET updated_at = $1 WHERE client_id = $2 AND region = $3",
            )
            .await?;
        let n = tx
            .execute(&stmt, &[&millis(now), &id.as_str(), &self.region.as_str()])
            .await?;
        Ok(n == 1)
    }

    /// The rows of new applications and what each caller gets back, after
    /// checking, in order, that no name looks like one the region has or one
    /// earlier in the batch (the first clash is the error, as in the
    /// embedded store). One query for all the names; the caller holds the
    /// region's write lock.
    async fn new_rows(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        new: Vec<NewApplication>,
        now: DateTime<Utc>,
    ) -> DbResult<(Vec<writes::NewRow>, Vec<Issued>)> {
        let keys: Vec<String> = new.iter().map(|n| n.client_name.duplicate_key()).collect();
        let mut taken = writes::taken_name_keys(tx, &self.region, &keys).await?;
        let mut rows = Vec::with_capacity(new.len());
        let mut issued = Vec::with_capacity(new.len());
        for (n, key) in new.into_iter().zip(keys) {
            if !taken.insert(key.clone()) {
                return Err(RegistryError::DuplicateName {
                    name: n.client_name.to_string(),
                    region: self.region.clone(),
                }
                .into());
            }
            let client_id = ClientId::generate();
            let secret = ClientSecret::generate();
            let secret_id = crate::model::new_secret_id();
            let grants = crate::model::normalize_grants(n.grants);
            rows.push(writes::NewRow {
                client_id: client_id.clone(),
                name: n.client_name.as_str().to_owned(),
                name_key: key,
                secret_hash: self.inner.hasher.hash(&client_id, &secret),
                secret_id: secret_id.clone(),
                admin: n.admin,
                grants: grants.clone(),
            });
            issued.push(Issued {
                application: Application {
                    client_id: client_id.clone(),
                    client_name: n.client_name,
                    region: self.region.clone(),
                    grants,
                    admin: n.admin,
                    created_at: now,
                    updated_at: now,
                    secret_issued_at: now,
                    last_used_at: None,
                    secrets: vec![SecretInfo {
                        secret_id,
                        state: SecretState::Current,
                        created_at: now,
                        expires_at: None,
                        last_used_at: None,
                        last_used_from: None,
                    }],
                    lifecycle: crate::model::Lifecycle::default(),
                },
                reveal: SecretReveal {
                    client_id,
                    secret,
                    visible_until: now + self.inner.window,
                },
            });
        }
        Ok((rows, issued))
    }

    /// The schema version of the database (for `keyward doctor`).
    pub async fn database_schema_version(&self) -> Result<i64> {
        let out: DbResult<i64> = async {
            let client = self.client().await?;
            Ok(schema::current_version(&client).await?)
        }
        .await;
        out.map_err(|e| self.fail(e))
    }
}

/// What `keyward doctor` learns from a database without changing it.
pub struct Inspection {
    /// The schema version found (0: Keyward never ran there).
    pub schema_version: i64,
    /// Whether the region's recorded key is the data dir's: `None` when
    /// either is missing (nothing to compare).
    pub key_matches: Option<bool>,
}

/// Connects once and reads the schema version and the region's key
/// fingerprint: no migration, nothing written. `hasher` is the data dir's
/// key when it exists.
pub async fn inspect(
    url: &DatabaseUrl,
    region: &Region,
    hasher: Option<&SecretHasher>,
) -> Result<Inspection> {
    let pool = build_pool(url)?;
    let out: DbResult<Inspection> = async {
        let client = pool.get().await?;
        let schema_version = schema::current_version(&client).await?;
        let key_matches = match hasher {
            Some(h) if schema_version > 0 => client
                .query_opt(
                    "SELECT key_fingerprint FROM keyward.region_keys WHERE region = $1",
                    &[&region.as_str()],
                )
                .await?
                .map(|row| row.try_get::<_, String>(0))
                .transpose()?
                .map(|recorded| recorded == h.key_fingerprint()),
            _ => None,
        };
        Ok(Inspection {
            schema_version,
            key_matches,
        })
    }
    .await;
    out.map_err(|e| storage_error(url, &describe(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token path reads the application's columns in `APP_COLUMNS`'s
    /// order, from column 6.
    #[test]
    fn the_token_query_reads_the_app_columns() {
        let prefixed: Vec<String> = rows::APP_COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect();
        let wanted = format!("r.expires_at,\n        {}\n", prefixed.join(", "));
        assert!(KNOWN_CLIENT_SQL.contains(&wanted), "{KNOWN_CLIENT_SQL}");
    }

    #[test]
    fn a_storage_error_never_holds_the_password() {
        let url = DatabaseUrl::parse("postgres://kw:pa55-w0rd-x@127.0.0.1:1/db").unwrap();
        let e = storage_error(&url, "server said pa55-w0rd-x is wrong").to_string();
        assert!(!e.contains("pa55-w0rd-x"), "{e}");
        assert!(e.contains("postgres://kw@127.0.0.1:1/db"), "{e}");
    }
}
