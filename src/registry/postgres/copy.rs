//! Writing a whole region copied from another store (`RegionSnapshot`):
//! one transaction holding the region's write lock, with bulk inserts
//! (`unnest` arrays, `CHUNK` rows a statement).
//!
//! The secret hashes are copied as they are, so no secret changes: that is
//! right only when the database's key for the region is the key they were
//! made with, which is checked (and recorded, for a region new there). A
//! region that already has applications (or an audit log) is refused, with
//! nothing written: a copy never merges.

use deadpool_postgres::Transaction;

use super::{DbError, DbResult, PostgresRegistry, SchemaError, describe, schema, storage_error};
use crate::model::Region;
use crate::registry::RegistryError;
use crate::registry::snapshot::{CopyReport, RegionSnapshot};

/// Rows per statement: a few big statements (one round trip each) rather
/// than one per row.
const CHUNK: usize = 5_000;

/// Why a copy was refused or failed. Nothing was written in any case: the
/// copy is one transaction.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "region {region} in {location} already uses another secret.key than the one the copied secret hashes were made with (the copy's key fingerprint {ours}, the database's {theirs}), so no copied secret would verify there; nothing was copied"
    )]
    KeyMismatch {
        region: Region,
        location: String,
        ours: String,
        theirs: String,
    },
    #[error(
        "region {region} in {location} already has {count} application(s); a copy never merges into a region, so nothing was copied"
    )]
    NotEmpty {
        region: Region,
        location: String,
        count: i64,
    },
    #[error(
        "region {region} in {location} has no applications but an audit log of {events} event(s) (or a prune checkpoint), and the copied log cannot follow another; nothing was copied"
    )]
    AuditLogNotEmpty {
        region: Region,
        location: String,
        events: i64,
    },
    #[error(
        "region {region} in {location} already has {keys} token-signing key(s) (a server ran there before the copy), and the copied keys cannot join them; nothing was copied"
    )]
    SigningKeysPresent {
        region: Region,
        location: String,
        keys: i64,
    },
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// A step's failure: a refusal, or the database's error.
enum Step {
    Refused(CopyError),
    Db(DbError),
}

impl From<DbError> for Step {
    fn from(e: DbError) -> Self {
        Step::Db(e)
    }
}

impl From<tokio_postgres::Error> for Step {
    fn from(e: tokio_postgres::Error) -> Self {
        Step::Db(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for Step {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Step::Db(e.into())
    }
}

impl PostgresRegistry {
    /// Writes `snapshot` (a region read from another store) into this
    /// region, in one transaction that holds the region's write lock.
    /// Refused, with nothing written, when the snapshot is of another region
    /// or made under another key, when the database records another key for
    /// the region, or when the region already has applications. `progress`
    /// is told how many applications are written so far.
    pub async fn import_region(
        &self,
        snapshot: &RegionSnapshot,
        mut progress: impl FnMut(usize),
    ) -> Result<CopyReport, CopyError> {
        let ours = self.inner.hasher.key_fingerprint();
        if snapshot.region != self.region {
            return Err(RegistryError::InvalidInput(format!(
                "cannot copy region {} into region {}: a region keeps its name",
                snapshot.region, self.region
            ))
            .into());
        }
        if snapshot.key_fingerprint != ours {
            return Err(RegistryError::InvalidInput(
                "the copied secret hashes were made with another secret.key than this data dir's"
                    .into(),
            )
            .into());
        }
        let out: Result<CopyReport, Step> = async {
            let mut client = self.inner.pool.get().await?;
            schema::migrate(&mut client).await.map_err(|e| match e {
                SchemaError::Postgres(p) => Step::Db(p.into()),
                too_new => {
                    Step::Refused(storage_error(&self.inner.url, &too_new.to_string()).into())
                }
            })?;
            let tx = self.begin_write(&mut client).await?;
            self.claim_region(&tx, &ours).await?;
            if !snapshot.signing_keys.is_empty() {
                self.claim_signing_keys(&tx).await?;
            }
            write_snapshot(&tx, snapshot, &mut progress).await?;
            for key in &snapshot.signing_keys {
                super::signing_keys::insert(&tx, &self.region, key).await?;
            }
            self.commit_change(tx).await?;
            Ok(snapshot.counts())
        }
        .await;
        out.map_err(|e| match e {
            Step::Refused(r) => r,
            Step::Db(DbError::Domain(d)) => d.into(),
            Step::Db(other) => storage_error(&self.inner.url, &describe(&other)).into(),
        })
    }

    /// Inside the write lock: refuses a region that has signing keys of its
    /// own already, which the copied ones could not join (two rings).
    async fn claim_signing_keys(&self, tx: &Transaction<'_>) -> Result<(), Step> {
        let keys: i64 = tx
            .query_one(
                "SELECT count(*) FROM keyward.signing_keys WHERE region = $1",
                &[&self.region.as_str()],
            )
            .await?
            .try_get(0)?;
        if keys > 0 {
            return Err(Step::Refused(CopyError::SigningKeysPresent {
                region: self.region.clone(),
                location: self.inner.url.display(),
                keys,
            }));
        }
        Ok(())
    }

    /// Inside the write lock: records this data dir's key for the region if
    /// it has none, and refuses another key or a region with applications.
    async fn claim_region(&self, tx: &Transaction<'_>, ours: &str) -> Result<(), Step> {
        let region = self.region.as_str();
        tx.execute(
            "INSERT INTO keyward.region_keys (region, key_fingerprint) VALUES ($1, $2)
             ON CONFLICT (region) DO NOTHING",
            &[&region, &ours],
        )
        .await?;
        let theirs: String = tx
            .query_one(
                "SELECT key_fingerprint FROM keyward.region_keys WHERE region = $1",
                &[&region],
            )
            .await?
            .try_get(0)?;
        if theirs != ours {
            return Err(Step::Refused(CopyError::KeyMismatch {
                region: self.region.clone(),
                location: self.inner.url.display(),
                ours: ours.to_owned(),
                theirs,
            }));
        }
        let count: i64 = tx
            .query_one(
                "SELECT count(*) FROM keyward.applications WHERE region = $1",
                &[&region],
            )
            .await?
            .try_get(0)?;
        if count > 0 {
            return Err(Step::Refused(CopyError::NotEmpty {
                region: self.region.clone(),
                location: self.inner.url.display(),
                count,
            }));
        }
        let events: i64 = tx
            .query_one(
                "SELECT (SELECT count(*) FROM keyward.audit_events WHERE region = $1)
                      + (SELECT count(*) FROM keyward.audit_checkpoints WHERE region = $1)",
                &[&region],
            )
            .await?
            .try_get(0)?;
        if events > 0 {
            return Err(Step::Refused(CopyError::AuditLogNotEmpty {
                region: self.region.clone(),
                location: self.inner.url.display(),
                events,
            }));
        }
        Ok(())
    }
}

/// Every table's rows, applications first (the others refer to them).
async fn write_snapshot(
    tx: &Transaction<'_>,
    snapshot: &RegionSnapshot,
    progress: &mut impl FnMut(usize),
) -> DbResult<()> {
    write_applications(tx, snapshot, progress).await?;
    write_grants(tx, snapshot).await?;
    write_secrets(tx, snapshot).await?;
    write_usage(tx, snapshot).await?;
    write_audit(tx, snapshot).await
}

async fn write_applications(
    tx: &Transaction<'_>,
    snapshot: &RegionSnapshot,
    progress: &mut impl FnMut(usize),
) -> DbResult<()> {
    let stmt = tx
        .prepare(
            "INSERT INTO keyward.applications (client_id, region, client_name, name_key, secret_hash,
                secret_id, secret_issued_at, secret_created_at, admin, created_at, updated_at,
                suspended_at, deleted_at, purge_after)
             SELECT id, $2, name, key, hash, sid, issued, made, adm, created, updated, susp, del, purge
             FROM unnest($1::text[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::int8[],
                         $8::int8[], $9::bool[], $10::int8[], $11::int8[], $12::int8[], $13::int8[],
                         $14::int8[])
                AS t (id, name, key, hash, sid, issued, made, adm, created, updated, susp, del, purge)",
        )
        .await?;
    let region = snapshot.region.as_str();
    let mut done = 0;
    for chunk in snapshot.applications.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|a| a.client_id.as_str()).collect();
        let names: Vec<&str> = chunk.iter().map(|a| a.client_name.as_str()).collect();
        let keys: Vec<&str> = chunk.iter().map(|a| a.name_key.as_str()).collect();
        let hashes: Vec<&[u8]> = chunk.iter().map(|a| a.secret_hash.0.as_slice()).collect();
        let secret_ids: Vec<&str> = chunk.iter().map(|a| a.secret_id.as_str()).collect();
        let issued: Vec<i64> = chunk.iter().map(|a| a.secret_issued_at).collect();
        let made: Vec<i64> = chunk.iter().map(|a| a.secret_created_at).collect();
        let admins: Vec<bool> = chunk.iter().map(|a| a.admin).collect();
        let created: Vec<i64> = chunk.iter().map(|a| a.created_at).collect();
        let updated: Vec<i64> = chunk.iter().map(|a| a.updated_at).collect();
        let suspended: Vec<Option<i64>> = chunk.iter().map(|a| a.suspended_at).collect();
        let deleted: Vec<Option<i64>> = chunk.iter().map(|a| a.deleted_at).collect();
        let purge: Vec<Option<i64>> = chunk.iter().map(|a| a.purge_after).collect();
        tx.execute(
            &stmt,
            &[
                &ids,
                &region,
                &names,
                &keys,
                &hashes,
                &secret_ids,
                &issued,
                &made,
                &admins,
                &created,
                &updated,
                &suspended,
                &deleted,
                &purge,
            ],
        )
        .await?;
        done += chunk.len();
        progress(done);
    }
    Ok(())
}

async fn write_grants(tx: &Transaction<'_>, snapshot: &RegionSnapshot) -> DbResult<()> {
    let stmt = tx
        .prepare(
            "INSERT INTO keyward.grants (client_id, scope, access)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[])",
        )
        .await?;
    for chunk in snapshot.grants.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|g| g.client_id.as_str()).collect();
        let scopes: Vec<&str> = chunk.iter().map(|g| g.scope.as_str()).collect();
        let access: Vec<&str> = chunk.iter().map(|g| g.access.as_str()).collect();
        tx.execute(&stmt, &[&ids, &scopes, &access]).await?;
    }
    Ok(())
}

/// Previous secrets (in their order, which the serial ID keeps) and
/// retiring secrets with their deadlines.
async fn write_secrets(tx: &Transaction<'_>, snapshot: &RegionSnapshot) -> DbResult<()> {
    let previous = tx
        .prepare(
            "INSERT INTO keyward.previous_secrets (client_id, secret_hash, replaced_at)
             SELECT id, hash, at FROM unnest($1::text[], $2::bytea[], $3::int8[])
                WITH ORDINALITY AS t (id, hash, at, n)
             ORDER BY n",
        )
        .await?;
    for chunk in snapshot.previous_secrets.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|p| p.client_id.as_str()).collect();
        let hashes: Vec<&[u8]> = chunk.iter().map(|p| p.secret_hash.0.as_slice()).collect();
        let at: Vec<i64> = chunk.iter().map(|p| p.replaced_at).collect();
        tx.execute(&previous, &[&ids, &hashes, &at]).await?;
    }
    let retiring = tx
        .prepare(
            "INSERT INTO keyward.retiring_secrets (client_id, secret_id, secret_hash, created_at, expires_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int8[], $5::int8[])",
        )
        .await?;
    for chunk in snapshot.retiring_secrets.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.client_id.as_str()).collect();
        let secret_ids: Vec<&str> = chunk.iter().map(|r| r.secret_id.as_str()).collect();
        let hashes: Vec<&[u8]> = chunk.iter().map(|r| r.secret_hash.0.as_slice()).collect();
        let created: Vec<i64> = chunk.iter().map(|r| r.created_at).collect();
        let expires: Vec<i64> = chunk.iter().map(|r| r.expires_at).collect();
        tx.execute(&retiring, &[&ids, &secret_ids, &hashes, &created, &expires])
            .await?;
    }
    Ok(())
}

async fn write_usage(tx: &Transaction<'_>, snapshot: &RegionSnapshot) -> DbResult<()> {
    let secrets = tx
        .prepare(
            "INSERT INTO keyward.secret_usage (client_id, secret_id, last_used_at, last_used_from)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[])",
        )
        .await?;
    for chunk in snapshot.secret_usage.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|u| u.client_id.as_str()).collect();
        let secret_ids: Vec<&str> = chunk.iter().map(|u| u.secret_id.as_str()).collect();
        let at: Vec<i64> = chunk.iter().map(|u| u.last_used_at).collect();
        let from: Vec<Option<&str>> = chunk.iter().map(|u| u.last_used_from.as_deref()).collect();
        tx.execute(&secrets, &[&ids, &secret_ids, &at, &from])
            .await?;
    }
    let apps = tx
        .prepare(
            "INSERT INTO keyward.app_usage (client_id, last_used_at)
             SELECT * FROM unnest($1::text[], $2::int8[])",
        )
        .await?;
    for chunk in snapshot.app_usage.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|u| u.client_id.as_str()).collect();
        let at: Vec<i64> = chunk.iter().map(|u| u.last_used_at).collect();
        tx.execute(&apps, &[&ids, &at]).await?;
    }
    Ok(())
}

/// The audit log verbatim: each body is the JSON its hash covers, and the
/// checkpoint is where a pruned chain starts, so `audit verify` passes on
/// the copy exactly when it passed on the original.
async fn write_audit(tx: &Transaction<'_>, snapshot: &RegionSnapshot) -> DbResult<()> {
    let region = snapshot.region.as_str();
    let events = tx
        .prepare(
            "INSERT INTO keyward.audit_events (region, seq, at, action, client_id, body, hash)
             SELECT $1, * FROM unnest($2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[])",
        )
        .await?;
    for chunk in snapshot.audit_events.chunks(CHUNK) {
        let seqs: Vec<i64> = chunk.iter().map(|e| e.seq).collect();
        let at: Vec<i64> = chunk.iter().map(|e| e.at).collect();
        let actions: Vec<&str> = chunk.iter().map(|e| e.action.as_str()).collect();
        let ids: Vec<Option<&str>> = chunk.iter().map(|e| e.client_id.as_deref()).collect();
        let bodies: Vec<&str> = chunk.iter().map(|e| e.body.as_str()).collect();
        let hashes: Vec<&str> = chunk.iter().map(|e| e.hash.as_str()).collect();
        tx.execute(
            &events,
            &[&region, &seqs, &at, &actions, &ids, &bodies, &hashes],
        )
        .await?;
    }
    if let Some(c) = &snapshot.audit_checkpoint {
        tx.execute(
            "INSERT INTO keyward.audit_checkpoints (region, seq, hash, pruned_at)
             VALUES ($1, $2, $3, $4)",
            &[&region, &c.seq, &c.hash, &c.pruned_at],
        )
        .await?;
    }
    Ok(())
}
