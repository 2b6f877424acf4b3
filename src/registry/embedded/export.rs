//! Reading a whole region as rows (`RegionSnapshot`), for moving it to
//! another store. One read transaction, so the tables agree with each other
//! even while another process writes; writers are not held up (WAL).

use rusqlite::{Connection, OptionalExtension};

use super::{EmbeddedRegistry, Result};
use crate::model::Region;
use crate::registry::snapshot::{
    AppRow, AppUsageRow, AuditCheckpointRow, AuditEventRow, GrantRow, PreviousSecretRow,
    RegionSnapshot, RetiringSecretRow, SecretHash, SecretUsageRow,
};

/// `FROM table t` limited to the region's applications.
fn of_region(table: &str) -> String {
    format!("FROM {table} t JOIN applications a ON a.client_id = t.client_id WHERE a.region = ?1")
}

fn read_apps(conn: &Connection, region: &Region) -> rusqlite::Result<Vec<AppRow>> {
    let mut stmt = conn.prepare(
        "SELECT client_id, client_name, name_key, secret_hash, secret_id, secret_issued_at,
                secret_created_at, admin, created_at, updated_at, suspended_at, deleted_at, purge_after
         FROM applications WHERE region = ?1 ORDER BY client_id",
    )?;
    let rows = stmt.query_map([region.as_str()], |r| {
        let client_name: String = r.get(1)?;
        // Rows from before v3 filled it are filled by the migration; a NULL
        // left by another tool gets the key this build would give.
        let name_key: Option<String> = r.get(2)?;
        let secret_issued_at: i64 = r.get(5)?;
        Ok(AppRow {
            client_id: r.get(0)?,
            name_key: name_key.unwrap_or_else(|| crate::model::duplicate_key(&client_name)),
            client_name,
            secret_hash: SecretHash(r.get(3)?),
            secret_id: r.get(4)?,
            secret_issued_at,
            secret_created_at: r.get::<_, Option<i64>>(6)?.unwrap_or(secret_issued_at),
            admin: r.get(7)?,
            created_at: r.get(8)?,
            updated_at: r.get(9)?,
            suspended_at: r.get(10)?,
            deleted_at: r.get(11)?,
            purge_after: r.get(12)?,
        })
    })?;
    rows.collect()
}

fn read_grants(conn: &Connection, region: &Region) -> rusqlite::Result<Vec<GrantRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT t.client_id, t.scope, t.access {} ORDER BY t.client_id, t.scope",
        of_region("grants")
    ))?;
    let rows = stmt.query_map([region.as_str()], |r| {
        Ok(GrantRow {
            client_id: r.get(0)?,
            scope: r.get(1)?,
            access: r.get(2)?,
        })
    })?;
    rows.collect()
}

fn read_previous(conn: &Connection, region: &Region) -> rusqlite::Result<Vec<PreviousSecretRow>> {
    // In rowid order: the trim after a reset breaks ties in `replaced_at`
    // by it, and the target's serial ID takes its place.
    let mut stmt = conn.prepare(&format!(
        "SELECT t.client_id, t.secret_hash, t.replaced_at {} ORDER BY t.rowid",
        of_region("previous_secrets")
    ))?;
    let rows = stmt.query_map([region.as_str()], |r| {
        Ok(PreviousSecretRow {
            client_id: r.get(0)?,
            secret_hash: SecretHash(r.get(1)?),
            replaced_at: r.get(2)?,
        })
    })?;
    rows.collect()
}

fn read_retiring(conn: &Connection, region: &Region) -> rusqlite::Result<Vec<RetiringSecretRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT t.client_id, t.secret_id, t.secret_hash, t.created_at, t.expires_at {}
         ORDER BY t.client_id",
        of_region("retiring_secrets")
    ))?;
    let rows = stmt.query_map([region.as_str()], |r| {
        Ok(RetiringSecretRow {
            client_id: r.get(0)?,
            secret_id: r.get(1)?,
            secret_hash: SecretHash(r.get(2)?),
            created_at: r.get(3)?,
            expires_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

fn read_secret_usage(conn: &Connection, region: &Region) -> rusqlite::Result<Vec<SecretUsageRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT t.client_id, t.secret_id, t.last_used_at, t.last_used_from {}
         ORDER BY t.client_id, t.secret_id",
        of_region("secret_usage")
    ))?;
    let rows = stmt.query_map([region.as_str()], |r| {
        Ok(SecretUsageRow {
            client_id: r.get(0)?,
            secret_id: r.get(1)?,
            last_used_at: r.get(2)?,
            last_used_from: r.get(3)?,
        })
    })?;
    rows.collect()
}

fn read_app_usage(conn: &Connection, region: &Region) -> rusqlite::Result<Vec<AppUsageRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT t.client_id, t.last_used_at {} ORDER BY t.client_id",
        of_region("app_usage")
    ))?;
    let rows = stmt.query_map([region.as_str()], |r| {
        Ok(AppUsageRow {
            client_id: r.get(0)?,
            last_used_at: r.get(1)?,
        })
    })?;
    rows.collect()
}

fn read_audit_events(conn: &Connection, region: &Region) -> rusqlite::Result<Vec<AuditEventRow>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, action, client_id, body, hash FROM audit_events
         WHERE region = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([region.as_str()], |r| {
        Ok(AuditEventRow {
            seq: r.get(0)?,
            at: r.get(1)?,
            action: r.get(2)?,
            client_id: r.get(3)?,
            body: r.get(4)?,
            hash: r.get(5)?,
        })
    })?;
    rows.collect()
}

fn read_audit_checkpoint(
    conn: &Connection,
    region: &Region,
) -> rusqlite::Result<Option<AuditCheckpointRow>> {
    conn.query_row(
        "SELECT seq, hash, pruned_at FROM audit_checkpoints WHERE region = ?1",
        [region.as_str()],
        |r| {
            Ok(AuditCheckpointRow {
                seq: r.get(0)?,
                hash: r.get(1)?,
                pruned_at: r.get(2)?,
            })
        },
    )
    .optional()
}

impl EmbeddedRegistry {
    /// Every row of this region: applications with their secret hashes,
    /// grants, previous and retiring secrets, usage, and the audit log
    /// with its prune checkpoint. Read in one
    /// transaction, so the rows are one consistent moment of the region.
    pub async fn export_region(&self) -> Result<RegionSnapshot> {
        self.with_reader(|conn, inner, region| {
            let tx = conn.unchecked_transaction()?;
            let snapshot = RegionSnapshot {
                region: region.clone(),
                key_fingerprint: inner.hasher.key_fingerprint(),
                applications: read_apps(&tx, region)?,
                grants: read_grants(&tx, region)?,
                previous_secrets: read_previous(&tx, region)?,
                retiring_secrets: read_retiring(&tx, region)?,
                secret_usage: read_secret_usage(&tx, region)?,
                app_usage: read_app_usage(&tx, region)?,
                audit_events: read_audit_events(&tx, region)?,
                audit_checkpoint: read_audit_checkpoint(&tx, region)?,
                signing_keys: super::signing_keys::read(&tx, region)?,
            };
            tx.commit()?;
            Ok(snapshot)
        })
        .await
    }
}
