//! The audit log in the embedded store: `audit_events`, one hash chain per
//! region (see `model::audit`), appended inside the transaction of the change
//! it records, so a change without its event, or an event without its change,
//! cannot commit.
//!
//! The table is append-only for this build: a trigger refuses every UPDATE,
//! and DELETE works only while [`Pruning`] is held by `prune`. Another SQLite
//! tool can drop the triggers, which is what the chain is for: `verify` finds
//! the first event edited, removed, added or moved.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::model::audit::{GENESIS_HASH, Verified, verify_stored};
use crate::model::{Actor, AuditEvent, AuditQuery, ChainHead, NewAuditEvent, Region};

/// The SQL function the audit tables' DELETE triggers call; it fails unless
/// a prune is under way on this connection's store.
pub const PRUNE_FUNCTION: &str = "keyward_audit_prune";

/// Set while `prune` runs, so the DELETE trigger lets it through.
#[derive(Clone, Default)]
pub struct Pruning(Arc<AtomicBool>);

/// Registers [`PRUNE_FUNCTION`] on the writer.
pub fn register_prune(conn: &Connection, pruning: &Pruning) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flag = pruning.0.clone();
    conn.create_scalar_function(PRUNE_FUNCTION, 0, FunctionFlags::SQLITE_UTF8, move |_| {
        if flag.load(Ordering::SeqCst) {
            Ok(rusqlite::types::Null)
        } else {
            Err(rusqlite::Error::UserFunctionError(
                "audit events are append-only: only `keyward audit prune` removes them".into(),
            ))
        }
    })
}

fn encode(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// Appends events to one region's chain inside the caller's transaction.
pub struct ChainWriter<'a> {
    region: &'a Region,
    actor: &'a Actor,
    head: ChainHead,
}

impl<'a> ChainWriter<'a> {
    /// Starts after the region's current head. Inside the write transaction,
    /// so no other writer can append in between.
    pub fn open(conn: &Connection, region: &'a Region, actor: &'a Actor) -> rusqlite::Result<Self> {
        let head = head(conn, region)?.unwrap_or_else(genesis);
        Ok(ChainWriter {
            region,
            actor,
            head,
        })
    }

    pub fn append(&mut self, conn: &Connection, new: NewAuditEvent) -> rusqlite::Result<()> {
        let at = new.at.timestamp_millis();
        let (event, canonical) = AuditEvent::chain(
            new,
            self.region.as_str(),
            self.actor,
            self.head.seq,
            &self.head.hash,
        )
        .map_err(encode)?;
        let seq = i64::try_from(event.body.seq)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        conn.prepare_cached(
            "INSERT INTO audit_events (region, seq, at, action, client_id, body, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            self.region.as_str(),
            seq,
            at,
            event.body.action.as_str(),
            event.body.client_id,
            canonical,
            event.hash
        ])?;
        self.head = ChainHead {
            seq: event.body.seq,
            hash: event.hash,
        };
        Ok(())
    }
}

/// Appends one event; for a single change.
pub fn append(
    conn: &Connection,
    region: &Region,
    actor: &Actor,
    new: NewAuditEvent,
) -> rusqlite::Result<()> {
    ChainWriter::open(conn, region, actor)?.append(conn, new)
}

fn genesis() -> ChainHead {
    ChainHead {
        seq: 0,
        hash: GENESIS_HASH.to_owned(),
    }
}

fn checkpoint(conn: &Connection, region: &Region) -> rusqlite::Result<Option<ChainHead>> {
    conn.prepare_cached("SELECT seq, hash FROM audit_checkpoints WHERE region = ?1")?
        .query_row([region.as_str()], |r| {
            Ok(ChainHead {
                seq: r.get::<_, i64>(0)?.max(0) as u64,
                hash: r.get(1)?,
            })
        })
        .optional()
}

/// The newest event's seq and hash, else the checkpoint's.
pub fn head(conn: &Connection, region: &Region) -> rusqlite::Result<Option<ChainHead>> {
    let newest = conn
        .prepare_cached(
            "SELECT seq, hash FROM audit_events WHERE region = ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([region.as_str()], |r| {
            Ok(ChainHead {
                seq: r.get::<_, i64>(0)?.max(0) as u64,
                hash: r.get(1)?,
            })
        })
        .optional()?;
    match newest {
        Some(h) => Ok(Some(h)),
        None => checkpoint(conn, region),
    }
}

/// The events `q` asks for.
pub fn query(
    conn: &Connection,
    region: &Region,
    q: &AuditQuery,
) -> rusqlite::Result<Vec<AuditEvent>> {
    let order = if q.oldest_first { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT body, hash FROM audit_events
         WHERE region = ?1
           AND (?2 IS NULL OR client_id = ?2)
           AND (?3 IS NULL OR action = ?3)
           AND (?4 IS NULL OR at >= ?4)
           AND (?5 IS NULL OR seq < ?5)
           AND (?6 IS NULL OR seq > ?6)
         ORDER BY seq {order} LIMIT ?7"
    );
    let seq = |s: Option<u64>| s.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            region.as_str(),
            q.client_id,
            q.action.map(|a| a.as_str()),
            q.since.map(|t| t.timestamp_millis()),
            seq(q.before_seq),
            seq(q.after_seq),
            i64::try_from(q.limit).unwrap_or(i64::MAX),
        ],
        |r| {
            let body: String = r.get(0)?;
            let hash: String = r.get(1)?;
            Ok((body, hash))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (body, hash) = row?;
        // An event whose body no longer parses was tampered with: reading
        // skips it, and `verify` names it.
        if let Ok(body) = serde_json::from_str(&body) {
            out.push(AuditEvent { body, hash });
        }
    }
    Ok(out)
}

/// Walks the region's chain from its checkpoint; see `Registry::verify_audit`.
pub fn verify(
    conn: &Connection,
    region: &Region,
    expect: Option<&ChainHead>,
) -> rusqlite::Result<Verified> {
    let start = checkpoint(conn, region)?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, body, hash FROM audit_events WHERE region = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([region.as_str()], |r| {
        Ok((
            r.get::<_, i64>(0)?.max(0) as u64,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(verify_stored(start, &rows, expect))
}

/// Removes the region's events older than `before`, keeping the chain's
/// last removed link as the checkpoint. Inside the caller's transaction.
pub fn prune(
    conn: &Connection,
    region: &Region,
    pruning: &Pruning,
    before: DateTime<Utc>,
) -> rusqlite::Result<u64> {
    let last = conn
        .prepare_cached(
            "SELECT seq, hash FROM audit_events WHERE region = ?1 AND at < ?2
             ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![region.as_str(), before.timestamp_millis()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?;
    let Some((seq, hash)) = last else {
        return Ok(0);
    };
    pruning.0.store(true, Ordering::SeqCst);
    let outcome = (|| {
        // Everything up to the newest old event goes, so the rest stays one
        // unbroken chain from the checkpoint.
        let removed = conn.execute(
            "DELETE FROM audit_events WHERE region = ?1 AND seq <= ?2",
            params![region.as_str(), seq],
        )?;
        conn.execute(
            "INSERT INTO audit_checkpoints (region, seq, hash, pruned_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (region) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at",
            params![region.as_str(), seq, hash, Utc::now().timestamp_millis()],
        )?;
        Ok(removed as u64)
    })();
    pruning.0.store(false, Ordering::SeqCst);
    outcome
}
