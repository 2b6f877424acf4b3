//! Versioned migrations for the PostgreSQL store, in the `keyward` schema so
//! the database may hold other things too. Each entry moves the schema one
//! version up, recorded in `keyward.schema_migrations`; entries are never
//! edited once released. Times are milliseconds since the epoch, as in the
//! embedded store, so both give back exactly what they were given.

use tokio_postgres::Client;

const MIGRATIONS: &[&str] = &[
    // v1: everything the embedded store has at its v5, with the same meaning
    // (see `embedded::schema`); a `region` column lets regions share a
    // database. `region_keys` holds each region's `secret.key` fingerprint.
    "CREATE TABLE keyward.applications (
        client_id         TEXT PRIMARY KEY,
        region            TEXT NOT NULL,
        client_name       TEXT NOT NULL,
        name_key          TEXT NOT NULL,
        secret_hash       BYTEA NOT NULL,
        secret_id         TEXT NOT NULL,
        secret_issued_at  BIGINT NOT NULL,
        secret_created_at BIGINT NOT NULL,
        admin             BOOLEAN NOT NULL DEFAULT FALSE,
        created_at        BIGINT NOT NULL,
        updated_at        BIGINT NOT NULL
    );
    CREATE INDEX applications_region_name_key ON keyward.applications (region, name_key);
    CREATE TABLE keyward.grants (
        client_id TEXT NOT NULL REFERENCES keyward.applications (client_id) ON DELETE CASCADE,
        scope     TEXT NOT NULL,
        access    TEXT NOT NULL CHECK (access IN ('read', 'write')),
        PRIMARY KEY (client_id, scope)
    );
    CREATE TABLE keyward.previous_secrets (
        id          BIGSERIAL PRIMARY KEY,
        client_id   TEXT NOT NULL REFERENCES keyward.applications (client_id) ON DELETE CASCADE,
        secret_hash BYTEA NOT NULL,
        replaced_at BIGINT NOT NULL
    );
    CREATE INDEX previous_secrets_client ON keyward.previous_secrets (client_id, replaced_at);
    CREATE TABLE keyward.retiring_secrets (
        client_id   TEXT PRIMARY KEY REFERENCES keyward.applications (client_id) ON DELETE CASCADE,
        secret_id   TEXT NOT NULL,
        secret_hash BYTEA NOT NULL,
        created_at  BIGINT NOT NULL,
        expires_at  BIGINT NOT NULL
    );
    CREATE TABLE keyward.secret_usage (
        client_id      TEXT NOT NULL REFERENCES keyward.applications (client_id) ON DELETE CASCADE,
        secret_id      TEXT NOT NULL,
        last_used_at   BIGINT NOT NULL,
        last_used_from TEXT,
        PRIMARY KEY (client_id, secret_id)
    );
    CREATE TABLE keyward.app_usage (
        client_id    TEXT PRIMARY KEY REFERENCES keyward.applications (client_id) ON DELETE CASCADE,
        last_used_at BIGINT NOT NULL
    );
    CREATE TABLE keyward.region_keys (
        region          TEXT PRIMARY KEY,
        key_fingerprint TEXT NOT NULL
    );",
    // v2: the audit log (as the embedded store's v6: one hash chain per
    // region, append-only for everyone but a prune, which sets
    // `keyward.audit_prune` for its own transaction), and the change
    // counter that lets replicas cache credentials: every transaction that
    // changes a credential table moves `changes.generation` once (statement
    // triggers, so a change made around Keyward, with psql, counts too) and
    // NOTIFYs `keyward_changes` with the new value, delivered at commit.
    // Usage and the audit log are not credentials: no trigger there.
    "CREATE TABLE keyward.audit_events (
        region    TEXT NOT NULL,
        seq       BIGINT NOT NULL,
        at        BIGINT NOT NULL,
        action    TEXT NOT NULL,
        client_id TEXT,
        body      TEXT NOT NULL,
        hash      TEXT NOT NULL,
        PRIMARY KEY (region, seq)
    );
    CREATE INDEX audit_events_client ON keyward.audit_events (region, client_id, seq);
    CREATE TABLE keyward.audit_checkpoints (
        region    TEXT PRIMARY KEY,
        seq       BIGINT NOT NULL,
        hash      TEXT NOT NULL,
        pruned_at BIGINT NOT NULL
    );
    CREATE FUNCTION keyward.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND current_setting('keyward.audit_prune', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: only keyward audit prune removes them';
    END $$;
    CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON keyward.audit_events
        FOR EACH ROW EXECUTE FUNCTION keyward.audit_append_only();
    CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON keyward.audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION keyward.audit_append_only();
    CREATE TABLE keyward.changes (
        one        BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
        generation BIGINT NOT NULL,
        last_txid  BIGINT
    );
    INSERT INTO keyward.changes (generation) VALUES (0);
    CREATE FUNCTION keyward.note_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        moved BIGINT;
    BEGIN
        UPDATE keyward.changes SET generation = generation + 1, last_txid = txid_current()
            WHERE last_txid IS DISTINCT FROM txid_current()
            RETURNING generation INTO moved;
        IF moved IS NOT NULL THEN
            PERFORM pg_notify('keyward_changes', moved::text);
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER note_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON keyward.applications
        FOR EACH STATEMENT EXECUTE FUNCTION keyward.note_change();
    CREATE TRIGGER note_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON keyward.grants
        FOR EACH STATEMENT EXECUTE FUNCTION keyward.note_change();
    CREATE TRIGGER note_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON keyward.retiring_secrets
        FOR EACH STATEMENT EXECUTE FUNCTION keyward.note_change();
    CREATE TRIGGER note_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON keyward.previous_secrets
        FOR EACH STATEMENT EXECUTE FUNCTION keyward.note_change();",
    // v3: each region's token-signing keys, as in the embedded store's v7
    // (`oauth::ring`): the private key sealed with AES-256-GCM under a key
    // derived from `secret.key` (`oauth::sealing`), which every replica of
    // the region holds, so each signs with, and publishes, the same keys.
    // Not a credential table: no `note_change` trigger (servers re-read the
    // keys every second, and a rotation must not empty the token cache).
    "CREATE TABLE keyward.signing_keys (
        region          TEXT NOT NULL,
        kid             TEXT NOT NULL,
        sealed_key      BYTEA NOT NULL,
        created_at      BIGINT NOT NULL,
        signs_from      BIGINT NOT NULL,
        retired_at      BIGINT,
        published_until BIGINT,
        PRIMARY KEY (region, kid)
    );",
    // v4: the lifecycle, as the embedded store's v8 (see its `trash.rs`):
    // a suspended application keeps its row and secrets and gets no token;
    // a deleted one stays, in the trash, until `purge_after`. Columns of
    // `keyward.applications`, whose `note_change` trigger already moves the
    // change counter and NOTIFYs the replicas for every change to them.
    "ALTER TABLE keyward.applications ADD COLUMN suspended_at BIGINT;
    ALTER TABLE keyward.applications ADD COLUMN deleted_at BIGINT;
    ALTER TABLE keyward.applications ADD COLUMN purge_after BIGINT;
    CREATE INDEX applications_trash ON keyward.applications (region, purge_after)
        WHERE deleted_at IS NOT NULL;",
];

/// The schema version this build writes.
pub fn known_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The advisory lock key every replica takes to migrate: any fixed number,
/// the same in every build.
const MIGRATION_LOCK: i64 = 0x6b65_7977_6172_6400; // "keyward\0"

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "the database has schema version {found}, written by a newer Keyward; this build knows up to version {known}: upgrade Keyward to a release that knows schema version {found}"
    )]
    TooNew { found: i64, known: i64 },
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
}

/// Brings the schema up to date in one transaction, under an advisory lock:
/// replicas that start together take turns, and the later ones find the work
/// done. A database whose version is newer than this build's is refused.
pub async fn migrate(client: &mut Client) -> Result<(), SchemaError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS keyward;
         CREATE TABLE IF NOT EXISTS keyward.schema_migrations (
            version    BIGINT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );",
    )
    .await?;
    let found: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM keyward.schema_migrations",
            &[],
        )
        .await?
        .try_get(0)?;
    let known = known_version();
    if found > known {
        return Err(SchemaError::TooNew { found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql).await?;
        let version = i as i64 + 1;
        tx.execute(
            "INSERT INTO keyward.schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The schema version the database is at (0 if Keyward never ran there).
pub async fn current_version(client: &Client) -> Result<i64, tokio_postgres::Error> {
    // Two statements: one naming a table that does not exist would not parse.
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('keyward.schema_migrations') IS NOT NULL",
            &[],
        )
        .await?
        .try_get(0)?;
    if !exists {
        return Ok(0);
    }
    client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM keyward.schema_migrations",
            &[],
        )
        .await?
        .try_get(0)
}
