//! Versioned migrations, tracked in `PRAGMA user_version`. Each entry moves the
//! schema one version up; entries are never edited once released.

use rusqlite::{Connection, TransactionBehavior};

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
];

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
/// data dir at once are serialised by the immediate (write) lock.
pub fn migrate(conn: &mut Connection) -> Result<(), SchemaError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(SchemaError::TooNew { found, known });
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    if found < known {
        tx.pragma_update(None, "user_version", known)?;
    }
    tx.commit()?;
    Ok(())
}
