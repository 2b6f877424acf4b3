//! Versioned migrations, tracked in `PRAGMA user_version`. Each entry moves the
//! schema one version up; entries are never edited once released.

use rusqlite::{Connection, TransactionBehavior};

use super::generation::Generation;

const MIGRATIONS: &[&str] = &[
    // v1: applications and their scope grants.
    "CREATE TABLE applications (
        client_id        TEXT PRIMARY KEY NOT NULL,
        region           TEXT NOT NULL,
        client_name      TEXT NOT NULL,
        secret_hash      BLOB NOT NULL,
        secret_issued_at INTEGER NOT NULL,
        admin            INTEGER NOT NULL DEFAULT 0,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX applications_region_name
        ON applications (region, client_name COLLATE NOCASE);
    CREATE TABLE grants (
        client_id TEXT NOT NULL REFERENCES applications (client_id) ON DELETE CASCADE,
        scope     TEXT NOT NULL,
        access    TEXT NOT NULL CHECK (access IN ('read', 'write')),
        PRIMARY KEY (client_id, scope)
    ) WITHOUT ROWID;",
    // v2: every change to the two tables calls a function that only this
    // build's write path registers (`MARKED_WRITE_FUNCTION`). A write that
    // would not move the shared generation counter (an older Keyward still
    // running, or another SQLite tool) fails instead of leaving a running
    // server with a stale answer; the new version number makes older builds
    // refuse to open the data dir at all.
    "CREATE TRIGGER applications_insert AFTER INSERT ON applications
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER applications_update AFTER UPDATE ON applications
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER applications_delete AFTER DELETE ON applications
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER grants_insert AFTER INSERT ON grants
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER grants_update AFTER UPDATE ON grants
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER grants_delete AFTER DELETE ON grants
        BEGIN SELECT keyward_marked_write(); END;",
    // v3: the key under which names must be unique in a region, so that names
    // that only look alike (case, fullwidth forms, ...) count as the same; see
    // `AppName::duplicate_key`. Filled by a function only this build
    // registers (`NAME_KEY_FUNCTION`). Not a UNIQUE index: names that were
    // accepted before may share a key, and they must still load. The writer
    // checks the key inside its write transaction instead.
    "ALTER TABLE applications ADD COLUMN name_key TEXT;
    UPDATE applications SET name_key = keyward_name_key(client_name);
    CREATE INDEX applications_region_name_key ON applications (region, name_key);",
    // v4: the hashes of a client's last few secrets, written by a reset in its
    // own transaction, so the token endpoint can tell a secret that was
    // replaced (old pods still running) from noise, and not throttle the
    // current secret for it. Bounded per client by the reset
    // (`PREVIOUS_SECRETS_KEPT`).
    "CREATE TABLE previous_secrets (
        client_id   TEXT NOT NULL REFERENCES applications (client_id) ON DELETE CASCADE,
        secret_hash BLOB NOT NULL,
        replaced_at INTEGER NOT NULL
    );
    CREATE INDEX previous_secrets_client ON previous_secrets (client_id, replaced_at);
    CREATE TRIGGER previous_secrets_insert AFTER INSERT ON previous_secrets
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER previous_secrets_delete AFTER DELETE ON previous_secrets
        BEGIN SELECT keyward_marked_write(); END;",
    // v5: rotation and usage. `secret_issued_at` keeps its meaning for
    // tokens (those issued before it are void: creation or the last reset);
    // `secret_created_at` is when the current secret was made (a rotation
    // too). Each secret gets an ID (random, never derived
    // from the secret: `SECRET_ID_FUNCTION`): the current one's sits beside its
    // hash in `applications`, which the token endpoint already reads. A
    // rotation moves the current hash to `retiring_secrets` with a deadline;
    // its primary key makes "at most one retiring secret" a rule of the
    // schema. Both are credentials, so their writes go through the change
    // counter like the others. Usage is not: `secret_usage` and `app_usage`
    // have no triggers, so recording it never moves the counter and never
    // empties a cache of credentials.
    "ALTER TABLE applications ADD COLUMN secret_id TEXT;
    ALTER TABLE applications ADD COLUMN secret_created_at INTEGER;
    UPDATE applications SET secret_id = keyward_secret_id(), secret_created_at = secret_issued_at;
    CREATE TABLE retiring_secrets (
        client_id   TEXT PRIMARY KEY NOT NULL REFERENCES applications (client_id) ON DELETE CASCADE,
        secret_id   TEXT NOT NULL,
        secret_hash BLOB NOT NULL,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TRIGGER retiring_secrets_insert AFTER INSERT ON retiring_secrets
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER retiring_secrets_update AFTER UPDATE ON retiring_secrets
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER retiring_secrets_delete AFTER DELETE ON retiring_secrets
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TABLE secret_usage (
        client_id      TEXT NOT NULL REFERENCES applications (client_id) ON DELETE CASCADE,
        secret_id      TEXT NOT NULL,
        last_used_at   INTEGER NOT NULL,
        last_used_from TEXT,
        PRIMARY KEY (client_id, secret_id)
    ) WITHOUT ROWID;
    CREATE TABLE app_usage (
        client_id    TEXT PRIMARY KEY NOT NULL REFERENCES applications (client_id) ON DELETE CASCADE,
        last_used_at INTEGER NOT NULL
    ) WITHOUT ROWID;",
    // v6: the audit log (`audit.rs`): one hash chain per region, appended in
    // the transaction of each change. `body` is the event's canonical JSON,
    // which its `hash` covers; the other columns are copies for filtering.
    // A rowid table (rows of half a kilobyte are what WITHOUT ROWID is not
    // for): appends go to the end of the table and of a small unique index.
    // Append-only: UPDATE is refused, and DELETE (of events or of the prune
    // checkpoint) needs a function only a prune of this build enables. The
    // log is not a credential: no marked-write triggers, so security events
    // from the token service never empty its cache.
    "CREATE TABLE audit_events (
        region    TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        at        INTEGER NOT NULL,
        action    TEXT NOT NULL,
        client_id TEXT,
        body      TEXT NOT NULL,
        hash      TEXT NOT NULL,
        UNIQUE (region, seq)
    );
    CREATE INDEX audit_events_client ON audit_events (region, client_id, seq);
    CREATE TABLE audit_checkpoints (
        region    TEXT PRIMARY KEY NOT NULL,
        seq       INTEGER NOT NULL,
        hash      TEXT NOT NULL,
        pruned_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TRIGGER audit_events_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    CREATE TRIGGER audit_events_delete BEFORE DELETE ON audit_events
        BEGIN SELECT keyward_audit_prune(); END;
    CREATE TRIGGER audit_checkpoints_insert BEFORE INSERT ON audit_checkpoints
        BEGIN SELECT keyward_audit_prune(); END;
    CREATE TRIGGER audit_checkpoints_update BEFORE UPDATE ON audit_checkpoints
        BEGIN SELECT keyward_audit_prune(); END;
    CREATE TRIGGER audit_checkpoints_delete BEFORE DELETE ON audit_checkpoints
        BEGIN SELECT keyward_audit_prune(); END;",
    // v7: each region's token-signing keys (`oauth::ring`), the private key
    // sealed with AES-256-GCM under a key derived from `secret.key`
    // (`oauth::sealing`); times in milliseconds. Servers re-read them, and
    // only this build's writer may change them (marked writes), like the
    // credentials.
    "CREATE TABLE signing_keys (
        region          TEXT NOT NULL,
        kid             TEXT NOT NULL,
        sealed_key      BLOB NOT NULL,
        created_at      INTEGER NOT NULL,
        signs_from      INTEGER NOT NULL,
        retired_at      INTEGER,
        published_until INTEGER,
        PRIMARY KEY (region, kid)
    ) WITHOUT ROWID;
    CREATE TRIGGER signing_keys_insert AFTER INSERT ON signing_keys
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER signing_keys_update AFTER UPDATE ON signing_keys
        BEGIN SELECT keyward_marked_write(); END;
    CREATE TRIGGER signing_keys_delete AFTER DELETE ON signing_keys
        BEGIN SELECT keyward_marked_write(); END;",
    // v8: the lifecycle (`trash.rs`). A suspended application keeps its row
    // and secrets and gets no token; a deleted one stays in the table, in
    // the trash, until `purge_after` (reads treat it as gone from then on,
    // and the next write of its region removes it). Columns of
    // `applications`, so the marked-write triggers already cover them: a
    // suspension or a delete moves the change counter like a reset. A
    // trashed application's name is free for a new one: the unique name
    // index covers live rows only.
    "ALTER TABLE applications ADD COLUMN suspended_at INTEGER;
    ALTER TABLE applications ADD COLUMN deleted_at INTEGER;
    ALTER TABLE applications ADD COLUMN purge_after INTEGER;
    DROP INDEX applications_region_name;
    CREATE UNIQUE INDEX applications_region_name
        ON applications (region, client_name COLLATE NOCASE) WHERE deleted_at IS NULL;
    CREATE INDEX applications_trash ON applications (region, purge_after)
        WHERE deleted_at IS NOT NULL;",
];

/// The schema version this build writes.
pub fn known_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The SQL function the v3 migration fills `name_key` with.
pub const NAME_KEY_FUNCTION: &str = "keyward_name_key";

/// Registers [`NAME_KEY_FUNCTION`] on `conn`, which the v3 migration needs.
pub fn register_name_key(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        NAME_KEY_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let name: String = ctx.get(0)?;
            Ok(crate::model::duplicate_key(&name))
        },
    )
}

/// The SQL function the v5 migration fills `secret_id` with.
pub const SECRET_ID_FUNCTION: &str = "keyward_secret_id";

/// Registers [`SECRET_ID_FUNCTION`] on `conn`, which the v5 migration needs:
/// a new random secret ID per call (so not deterministic).
pub fn register_secret_id(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(SECRET_ID_FUNCTION, 0, FunctionFlags::SQLITE_UTF8, |_| {
        Ok(crate::model::new_secret_id())
    })
}

/// The SQL function the v2 triggers call; see [`register_marked_write`].
pub const MARKED_WRITE_FUNCTION: &str = "keyward_marked_write";

/// Lets `conn` change the tables: registers the function the triggers call.
/// Only connections whose writes go through the generation protocol (the
/// store's writer) may do this.
pub fn register_marked_write(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        MARKED_WRITE_FUNCTION,
        0,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |_| Ok(rusqlite::types::Null),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "the data dir was written by a newer Keyward (schema version {found}, this build knows up to {known}): upgrade Keyward"
    )]
    TooNew { found: i64, known: i64 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Brings the schema up to date in one transaction. Two processes opening a new
/// data dir at once are serialised by the immediate (write) lock. A migration
/// is a write like any other: it moves the generation counter.
pub fn migrate(conn: &mut Connection, generation: &Generation) -> Result<(), SchemaError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(SchemaError::TooNew { found, known });
    }
    if found == known {
        return Ok(());
    }
    let mark = generation.begin_write();
    let outcome = (|| {
        for sql in &MIGRATIONS[found as usize..] {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", known)?;
        tx.commit()
    })();
    generation.end_write(mark);
    Ok(outcome?)
}
