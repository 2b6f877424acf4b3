//! The statements writes are made of, each inside the caller's transaction.
//! The same steps, with the same meaning, as the embedded store's.

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;

use super::DbResult;
use super::rows::{from_millis, millis};
use crate::model::{Access, ClientId, Grant, Region, SecretUsage};
use crate::registry::RegistryError;

use crate::registry::embedded::PREVIOUS_SECRETS_KEPT;

pub async fn write_grants(tx: &Transaction<'_>, id: &ClientId, grants: &[Grant]) -> DbResult<()> {
    let upsert = tx
        .prepare_cached(
            "INSERT INTO keyward.grants (client_id, scope, access) VALUES ($1, $2, $3)
             ON CONFLICT (client_id, scope) DO UPDATE SET access = excluded.access",
        )
        .await?;
    let remove = tx
        .prepare_cached("DELETE FROM keyward.grants WHERE client_id = $1 AND scope = $2")
        .await?;
    for g in grants {
        if g.access == Access::None {
            tx.execute(&remove, &[&id.as_str(), &g.scope.as_str()])
                .await?;
        } else {
            tx.execute(
                &upsert,
                &[&id.as_str(), &g.scope.as_str(), &g.access.as_str()],
            )
            .await?;
        }
    }
    Ok(())
}

/// Keeps the hash of `id`'s current secret as a previous one, replaced at
/// `now`, and drops all but the newest [`PREVIOUS_SECRETS_KEPT`].
pub async fn keep_previous_secret(
    tx: &Transaction<'_>,
    region: &Region,
    id: &ClientId,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let keep = tx
        .prepare_cached(
            "INSERT INTO keyward.previous_secrets (client_id, secret_hash, replaced_at)
             SELECT client_id, secret_hash, $1 FROM keyward.applications WHERE client_id = $2 AND region = $3",
        )
        .await?;
    tx.execute(&keep, &[&millis(now), &id.as_str(), &region.as_str()])
        .await?;
    let trim = tx
        .prepare_cached(
            "DELETE FROM keyward.previous_secrets WHERE client_id = $1 AND id NOT IN
                (SELECT id FROM keyward.previous_secrets WHERE client_id = $1
                 ORDER BY replaced_at DESC, id DESC LIMIT $2)",
        )
        .await?;
    tx.execute(&trim, &[&id.as_str(), &PREVIOUS_SECRETS_KEPT])
        .await?;
    Ok(())
}

/// Keeps the hash of `id`'s retiring secret among its previous ones, and
/// drops the secret and its usage record.
pub async fn drop_retiring(
    tx: &Transaction<'_>,
    id: &ClientId,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let keep = tx
        .prepare_cached(
            "INSERT INTO keyward.previous_secrets (client_id, secret_hash, replaced_at)
             SELECT client_id, secret_hash, least(expires_at, $2) FROM keyward.retiring_secrets WHERE client_id = $1",
        )
        .await?;
    tx.execute(&keep, &[&id.as_str(), &millis(now)]).await?;
    let usage = tx
        .prepare_cached(
            "DELETE FROM keyward.secret_usage WHERE client_id = $1 AND secret_id IN
                (SELECT secret_id FROM keyward.retiring_secrets WHERE client_id = $1)",
        )
        .await?;
    tx.execute(&usage, &[&id.as_str()]).await?;
    let drop = tx
        .prepare_cached("DELETE FROM keyward.retiring_secrets WHERE client_id = $1")
        .await?;
    tx.execute(&drop, &[&id.as_str()]).await?;
    Ok(())
}

/// Refuses a rotation while a retiring secret still works; drops one that
/// has expired.
pub async fn make_room_for_rotation(
    tx: &Transaction<'_>,
    id: &ClientId,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let stmt = tx
        .prepare_cached("SELECT expires_at FROM keyward.retiring_secrets WHERE client_id = $1")
        .await?;
    if let Some(row) = tx.query_opt(&stmt, &[&id.as_str()]).await? {
        let expires_at = from_millis(row.try_get(0)?)?;
        if now < expires_at {
            return Err(RegistryError::AlreadyRetiring {
                client_id: id.clone(),
                until: crate::model::wire::rfc3339(expires_at),
            }
            .into());
        }
        drop_retiring(tx, id, now).await?;
    }
    Ok(())
}

/// Moves `id`'s current secret to `retiring_secrets`, working until `until`.
pub async fn retire_current(
    tx: &Transaction<'_>,
    id: &ClientId,
    until: DateTime<Utc>,
) -> DbResult<()> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO keyward.retiring_secrets (client_id, secret_id, secret_hash, created_at, expires_at)
             SELECT client_id, secret_id, secret_hash, secret_created_at, $2 FROM keyward.applications WHERE client_id = $1",
        )
        .await?;
    tx.execute(&stmt, &[&id.as_str(), &millis(until)]).await?;
    Ok(())
}

/// Writes a batch of uses: for each secret and each application, the latest
/// use wins; uses of secrets that are gone are dropped. Usage is not a
/// change to credentials.
pub async fn write_usage(tx: &Transaction<'_>, batch: &[SecretUsage]) -> DbResult<()> {
    let secret = tx
        .prepare_cached(
            "INSERT INTO keyward.secret_usage (client_id, secret_id, last_used_at, last_used_from)
             SELECT $1, $2, $3, $4 WHERE
                EXISTS (SELECT 1 FROM keyward.applications WHERE client_id = $1 AND secret_id = $2)
                OR EXISTS (SELECT 1 FROM keyward.retiring_secrets WHERE client_id = $1 AND secret_id = $2)
             ON CONFLICT (client_id, secret_id) DO UPDATE
                SET last_used_at = excluded.last_used_at, last_used_from = excluded.last_used_from
                WHERE excluded.last_used_at >= keyward.secret_usage.last_used_at",
        )
        .await?;
    let app = tx
        .prepare_cached(
            "INSERT INTO keyward.app_usage (client_id, last_used_at)
             SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM keyward.applications WHERE client_id = $1)
             ON CONFLICT (client_id) DO UPDATE
                SET last_used_at = greatest(keyward.app_usage.last_used_at, excluded.last_used_at)",
        )
        .await?;
    for u in batch {
        let at = millis(u.at);
        tx.execute(
            &secret,
            &[&u.client_id.as_str(), &u.secret_id, &at, &u.from],
        )
        .await?;
        tx.execute(&app, &[&u.client_id.as_str(), &at]).await?;
    }
    Ok(())
}

/// A new application's row, ready to insert.
pub struct NewRow {
    pub client_id: ClientId,
    pub name: String,
    pub name_key: String,
    pub secret_hash: Vec<u8>,
    pub secret_id: String,
    pub admin: bool,
    pub grants: Vec<Grant>,
}

/// Rows per statement when inserting many: large imports go in a few big
/// statements (one round trip each) rather than one per application.
const INSERT_CHUNK: usize = 5_000;

/// The name keys among `keys` that `region` already uses: one query.
pub async fn taken_name_keys(
    tx: &Transaction<'_>,
    region: &Region,
    keys: &[String],
) -> DbResult<std::collections::HashSet<String>> {
    let stmt = tx
        .prepare_cached(
            "SELECT name_key FROM keyward.applications WHERE region = $1 AND name_key = ANY($2) AND deleted_at IS NULL",
        )
        .await?;
    let mut taken = std::collections::HashSet::new();
    for row in tx.query(&stmt, &[&region.as_str(), &keys]).await? {
        taken.insert(row.try_get(0)?);
    }
    Ok(taken)
}

/// Inserts new applications and their grants, `INSERT_CHUNK` rows per
/// statement; the caller owns the transaction and has checked the names.
pub async fn insert_apps(
    tx: &Transaction<'_>,
    region: &Region,
    rows: &[NewRow],
    now: DateTime<Utc>,
) -> DbResult<()> {
    let apps = tx
        .prepare_cached(
            "INSERT INTO keyward.applications (client_id, region, client_name, name_key, secret_hash,
                secret_id, secret_issued_at, secret_created_at, admin, created_at, updated_at)
             SELECT id, $2, name, key, hash, sid, $3, $3, adm, $3, $3
             FROM unnest($1::text[], $4::text[], $5::text[], $6::bytea[], $7::text[], $8::bool[])
                AS t (id, name, key, hash, sid, adm)",
        )
        .await?;
    let grants = tx
        .prepare_cached(
            "INSERT INTO keyward.grants (client_id, scope, access)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[])",
        )
        .await?;
    let at = millis(now);
    for chunk in rows.chunks(INSERT_CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.client_id.as_str()).collect();
        let names: Vec<&str> = chunk.iter().map(|r| r.name.as_str()).collect();
        let keys: Vec<&str> = chunk.iter().map(|r| r.name_key.as_str()).collect();
        let hashes: Vec<&[u8]> = chunk.iter().map(|r| r.secret_hash.as_slice()).collect();
        let secret_ids: Vec<&str> = chunk.iter().map(|r| r.secret_id.as_str()).collect();
        let admins: Vec<bool> = chunk.iter().map(|r| r.admin).collect();
        tx.execute(
            &apps,
            &[
                &ids,
                &region.as_str(),
                &at,
                &names,
                &keys,
                &hashes,
                &secret_ids,
                &admins,
            ],
        )
        .await?;
        let (mut g_ids, mut g_scopes, mut g_access) = (Vec::new(), Vec::new(), Vec::new());
        for r in chunk {
            for g in r.grants.iter().filter(|g| g.access != Access::None) {
                g_ids.push(r.client_id.as_str());
                g_scopes.push(g.scope.as_str());
                g_access.push(g.access.as_str());
            }
        }
        if !g_ids.is_empty() {
            tx.execute(&grants, &[&g_ids, &g_scopes, &g_access]).await?;
        }
    }
    Ok(())
}
