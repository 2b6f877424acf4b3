//! The audit log in the PostgreSQL store: `keyward.audit_events`, one hash
//! chain per region (see `model::audit`), appended inside the transaction of
//! the change it records, as in the embedded store. Appends hold the
//! region's write lock (`begin_write`), so two replicas can never both take
//! the same `seq`.
//!
//! The table is append-only: a trigger refuses UPDATE, TRUNCATE, and DELETE
//! unless the transaction set `keyward.audit_prune` (only [`prune`] does). A
//! role that may drop triggers can still rewrite the table, which is what
//! the chain is for: `verify` finds the first event edited, removed, added
//! or moved.

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;

use super::{DbError, DbResult};
use crate::model::audit::{GENESIS_HASH, Verified, verify_stored};
use crate::model::{Actor, AuditEvent, AuditQuery, ChainHead, NewAuditEvent, Region};

fn seq_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn sql_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Events per INSERT when appending many (an import): a few statements for
/// 100,000 events instead of 100,000 round trips.
const EVENTS_PER_INSERT: usize = 5_000;

/// Appends `events`, in order, after the region's head: chained one by one,
/// written with one INSERT per `EVENTS_PER_INSERT`. Inside the caller's
/// write transaction, which holds the region's lock.
pub async fn append_many(
    tx: &Transaction<'_>,
    region: &Region,
    actor: &Actor,
    events: Vec<NewAuditEvent>,
) -> DbResult<()> {
    let mut head = head(tx, region).await?.unwrap_or_else(genesis);
    let stmt = tx
        .prepare_cached(
            "INSERT INTO keyward.audit_events (region, seq, at, action, client_id, body, hash)
             SELECT $1, * FROM unnest($2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[])",
        )
        .await?;
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let (mut seqs, mut ats, mut actions, mut ids, mut bodies, mut hashes) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for new in events.by_ref().take(EVENTS_PER_INSERT) {
            let at = new.at.timestamp_millis();
            let (event, canonical) =
                AuditEvent::chain(new, region.as_str(), actor, head.seq, &head.hash)
                    .map_err(|e| DbError::Data(e.to_string()))?;
            seqs.push(sql_seq(event.body.seq));
            ats.push(at);
            actions.push(event.body.action.as_str());
            ids.push(event.body.client_id.clone());
            bodies.push(canonical);
            head = ChainHead {
                seq: event.body.seq,
                hash: event.hash.clone(),
            };
            hashes.push(event.hash);
        }
        tx.execute(
            &stmt,
            &[
                &region.as_str(),
                &seqs,
                &ats,
                &actions,
                &ids,
                &bodies,
                &hashes,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Appends one event; for a single change.
pub async fn append(
    tx: &Transaction<'_>,
    region: &Region,
    actor: &Actor,
    new: NewAuditEvent,
) -> DbResult<()> {
    append_many(tx, region, actor, vec![new]).await
}

fn genesis() -> ChainHead {
    ChainHead {
        seq: 0,
        hash: GENESIS_HASH.to_owned(),
    }
}

async fn checkpoint(tx: &Transaction<'_>, region: &Region) -> DbResult<Option<ChainHead>> {
    let stmt = tx
        .prepare_cached("SELECT seq, hash FROM keyward.audit_checkpoints WHERE region = $1")
        .await?;
    let row = tx.query_opt(&stmt, &[&region.as_str()]).await?;
    Ok(match row {
        Some(r) => Some(ChainHead {
            seq: seq_of(r.try_get(0)?),
            hash: r.try_get(1)?,
        }),
        None => None,
    })
}

/// The newest event's seq and hash, else the checkpoint's.
pub async fn head(tx: &Transaction<'_>, region: &Region) -> DbResult<Option<ChainHead>> {
    let stmt = tx
        .prepare_cached(
            "SELECT seq, hash FROM keyward.audit_events WHERE region = $1 ORDER BY seq DESC LIMIT 1",
        )
        .await?;
    match tx.query_opt(&stmt, &[&region.as_str()]).await? {
        Some(r) => Ok(Some(ChainHead {
            seq: seq_of(r.try_get(0)?),
            hash: r.try_get(1)?,
        })),
        None => checkpoint(tx, region).await,
    }
}

/// The events `q` asks for.
pub async fn query(
    tx: &Transaction<'_>,
    region: &Region,
    q: &AuditQuery,
) -> DbResult<Vec<AuditEvent>> {
    let order = if q.oldest_first { "ASC" } else { "DESC" };
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT body, hash FROM keyward.audit_events
             WHERE region = $1
               AND ($2::TEXT IS NULL OR client_id = $2)
               AND ($3::TEXT IS NULL OR action = $3)
               AND ($4::BIGINT IS NULL OR at >= $4)
               AND ($5::BIGINT IS NULL OR seq < $5)
               AND ($6::BIGINT IS NULL OR seq > $6)
             ORDER BY seq {order} LIMIT $7"
        ))
        .await?;
    let rows = tx
        .query(
            &stmt,
            &[
                &region.as_str(),
                &q.client_id,
                &q.action.map(|a| a.as_str()),
                &q.since.map(|t| t.timestamp_millis()),
                &q.before_seq.map(sql_seq),
                &q.after_seq.map(sql_seq),
                &i64::try_from(q.limit).unwrap_or(i64::MAX),
            ],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let body: String = row.try_get(0)?;
        let hash: String = row.try_get(1)?;
        // An event whose body no longer parses was tampered with: reading
        // skips it, and `verify` names it.
        if let Ok(body) = serde_json::from_str(&body) {
            out.push(AuditEvent { body, hash });
        }
    }
    Ok(out)
}

/// Walks the region's chain from its checkpoint; see `Registry::verify_audit`.
/// The caller's transaction is one snapshot, so a concurrent append or
/// prune cannot make a sound chain look broken.
pub async fn verify(
    tx: &Transaction<'_>,
    region: &Region,
    expect: Option<&ChainHead>,
) -> DbResult<Verified> {
    let start = checkpoint(tx, region).await?;
    let stmt = tx
        .prepare_cached(
            "SELECT seq, body, hash FROM keyward.audit_events WHERE region = $1 ORDER BY seq",
        )
        .await?;
    let mut rows = Vec::new();
    for r in tx.query(&stmt, &[&region.as_str()]).await? {
        rows.push((seq_of(r.try_get(0)?), r.try_get(1)?, r.try_get(2)?));
    }
    Ok(verify_stored(start, &rows, expect))
}

/// Removes the region's events older than `before`, keeping the chain's last
/// removed link as the checkpoint. Inside the caller's write transaction,
/// which this marks as a prune for the append-only trigger.
pub async fn prune(tx: &Transaction<'_>, region: &Region, before: DateTime<Utc>) -> DbResult<u64> {
    let last = tx
        .query_opt(
            "SELECT seq, hash FROM keyward.audit_events WHERE region = $1 AND at < $2
             ORDER BY seq DESC LIMIT 1",
            &[&region.as_str(), &before.timestamp_millis()],
        )
        .await?;
    let Some(last) = last else {
        return Ok(0);
    };
    let (seq, hash): (i64, String) = (last.try_get(0)?, last.try_get(1)?);
    tx.execute("SELECT set_config('keyward.audit_prune', 'on', true)", &[])
        .await?;
    // Everything up to the newest old event goes, so the rest stays one
    // unbroken chain from the checkpoint.
    let removed = tx
        .execute(
            "DELETE FROM keyward.audit_events WHERE region = $1 AND seq <= $2",
            &[&region.as_str(), &seq],
        )
        .await?;
    tx.execute("SELECT set_config('keyward.audit_prune', 'off', true)", &[])
        .await?;
    tx.execute(
        "INSERT INTO keyward.audit_checkpoints (region, seq, hash, pruned_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (region) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at",
        &[&region.as_str(), &seq, &hash, &Utc::now().timestamp_millis()],
    )
    .await?;
    Ok(removed)
}
