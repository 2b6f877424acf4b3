//! An application's lifecycle in the PostgreSQL store: suspension, and the
//! trash (delete, restore, purge), with the embedded store's meaning (see
//! its `trash.rs`). Columns of `keyward.applications`, so every change here
//! moves `keyward.changes.generation` and NOTIFYs the replicas through the
//! table's `note_change` trigger. Each step runs inside the caller's write
//! transaction, which holds the region's lock.

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;

use super::rows::{APP_COLUMNS, app_from_row_at, grant, load_app, millis, name_taken};
use super::{DbResult, audit};
use crate::model::audit::events;
use crate::model::{Actor, Application, ClientId, Region};
use crate::registry::RegistryError;

/// Rows in the trash whose period has not ended at parameter `$n`.
fn trashed(n: usize) -> String {
    format!("deleted_at IS NOT NULL AND purge_after > ${n}")
}

async fn add_grants(tx: &Transaction<'_>, app: &mut Application) -> DbResult<()> {
    let stmt = tx
        .prepare_cached(
            "SELECT scope, access FROM keyward.grants WHERE client_id = $1 ORDER BY scope",
        )
        .await?;
    for row in tx.query(&stmt, &[&app.client_id.as_str()]).await? {
        app.grants.push(grant(row.try_get(0)?, row.try_get(1)?)?);
    }
    Ok(())
}

/// The trashed application `id`, if its period has not ended at `now`.
async fn load_trashed(
    tx: &Transaction<'_>,
    region: &Region,
    id: &ClientId,
    now: DateTime<Utc>,
) -> DbResult<Option<Application>> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT {APP_COLUMNS} FROM keyward.applications WHERE client_id = $1 AND region = $2 AND {}",
            trashed(3)
        ))
        .await?;
    let Some(row) = tx
        .query_opt(&stmt, &[&id.as_str(), &region.as_str(), &millis(now)])
        .await?
    else {
        return Ok(None);
    };
    let mut app = app_from_row_at(&row, 0)?;
    add_grants(tx, &mut app).await?;
    Ok(Some(app))
}

/// The region's trash at `now`, sorted by name as the list is.
pub async fn list(
    tx: &Transaction<'_>,
    region: &Region,
    now: DateTime<Utc>,
) -> DbResult<Vec<Application>> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT {APP_COLUMNS} FROM keyward.applications WHERE region = $1 AND {}",
            trashed(2)
        ))
        .await?;
    let mut apps = Vec::new();
    for row in tx.query(&stmt, &[&region.as_str(), &millis(now)]).await? {
        let mut app = app_from_row_at(&row, 0)?;
        add_grants(tx, &mut app).await?;
        apps.push(app);
    }
    apps.sort_by(|a, b| {
        let fold = |s: &str| s.to_ascii_lowercase();
        fold(a.client_name.as_str())
            .cmp(&fold(b.client_name.as_str()))
            .then_with(|| a.client_id.as_str().cmp(b.client_id.as_str()))
    });
    Ok(apps)
}

/// Why `id` cannot be restored or purged: it is live, or unknown here.
async fn not_in_trash(
    tx: &Transaction<'_>,
    region: &Region,
    id: &ClientId,
) -> DbResult<RegistryError> {
    let client_id = id.clone();
    let region = region.clone();
    Ok(match load_app(tx, &region, id).await? {
        Some(_) => RegistryError::NotInTrash { client_id, region },
        None => RegistryError::NotFound { client_id, region },
    })
}

/// Moves a live application to the trash until now + `period`.
pub async fn move_to_trash(
    tx: &Transaction<'_>,
    region: &Region,
    actor: &Actor,
    id: &ClientId,
    period: chrono::Duration,
) -> DbResult<Option<Application>> {
    let Some(mut app) = load_app(tx, region, id).await? else {
        return Ok(None);
    };
    let now = super::now_ms();
    let purge_after = now + period;
    let stmt = tx
        .prepare_cached(
            "UPDATE keyward.applications SET deleted_at = $1, purge_after = $2, updated_at = $1
             WHERE client_id = $3 AND region = $4",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &millis(now),
            &millis(purge_after),
            &id.as_str(),
            &region.as_str(),
        ],
    )
    .await?;
    audit::append(tx, region, actor, events::deleted(&app, purge_after, now)).await?;
    app.updated_at = now;
    app.lifecycle.deleted_at = Some(now);
    app.lifecycle.purge_after = Some(purge_after);
    Ok(Some(app))
}

/// Suspends or resumes a live application; no change, no write, no event.
pub async fn set_suspended(
    tx: &Transaction<'_>,
    region: &Region,
    actor: &Actor,
    id: &ClientId,
    suspended: bool,
) -> DbResult<Option<Application>> {
    let Some(before) = load_app(tx, region, id).await? else {
        return Ok(None);
    };
    if before.is_suspended() == suspended {
        return Ok(Some(before));
    }
    let now = super::now_ms();
    let stmt = tx
        .prepare_cached(
            "UPDATE keyward.applications SET suspended_at = $1, updated_at = $2
             WHERE client_id = $3 AND region = $4",
        )
        .await?;
    let at = suspended.then(|| millis(now));
    tx.execute(&stmt, &[&at, &millis(now), &id.as_str(), &region.as_str()])
        .await?;
    let event = if suspended {
        events::suspended(&before, now)
    } else {
        events::resumed(&before, now)
    };
    audit::append(tx, region, actor, event).await?;
    load_app(tx, region, id).await
}

/// Brings `id` back from the trash, its secrets as they were.
pub async fn restore(
    tx: &Transaction<'_>,
    region: &Region,
    actor: &Actor,
    id: &ClientId,
) -> DbResult<Application> {
    let now = super::now_ms();
    let Some(trashed) = load_trashed(tx, region, id, now).await? else {
        return Err(not_in_trash(tx, region, id).await?.into());
    };
    if name_taken(tx, region, &trashed.client_name, Some(id)).await? {
        return Err(RegistryError::RestoreNameTaken {
            name: trashed.client_name.to_string(),
            region: region.clone(),
        }
        .into());
    }
    let stmt = tx
        .prepare_cached(
            "UPDATE keyward.applications SET deleted_at = NULL, purge_after = NULL, updated_at = $1
             WHERE client_id = $2 AND region = $3",
        )
        .await?;
    tx.execute(&stmt, &[&millis(now), &id.as_str(), &region.as_str()])
        .await?;
    audit::append(tx, region, actor, events::restored(&trashed, now)).await?;
    load_app(tx, region, id).await?.ok_or_else(|| {
        RegistryError::NotFound {
            client_id: id.clone(),
            region: region.clone(),
        }
        .into()
    })
}

/// Removes a trashed application for good, on request.
pub async fn purge(
    tx: &Transaction<'_>,
    region: &Region,
    actor: &Actor,
    id: &ClientId,
) -> DbResult<()> {
    let now = super::now_ms();
    let Some(trashed) = load_trashed(tx, region, id, now).await? else {
        return Err(not_in_trash(tx, region, id).await?.into());
    };
    remove(tx, region, actor, &trashed, false, now).await
}

async fn remove(
    tx: &Transaction<'_>,
    region: &Region,
    actor: &Actor,
    app: &Application,
    expired: bool,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let stmt = tx
        .prepare_cached("DELETE FROM keyward.applications WHERE client_id = $1 AND region = $2")
        .await?;
    tx.execute(&stmt, &[&app.client_id.as_str(), &region.as_str()])
        .await?;
    audit::append(tx, region, actor, events::purged(app, expired, now)).await
}

/// Removes, for good, the region's trashed applications whose period ended
/// by `now`, each with its audit event. Part of every write of the region.
pub async fn purge_expired(
    tx: &Transaction<'_>,
    region: &Region,
    actor: &Actor,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT {APP_COLUMNS} FROM keyward.applications
             WHERE region = $1 AND deleted_at IS NOT NULL AND purge_after <= $2"
        ))
        .await?;
    for row in tx.query(&stmt, &[&region.as_str(), &millis(now)]).await? {
        let mut app = app_from_row_at(&row, 0)?;
        add_grants(tx, &mut app).await?;
        remove(tx, region, actor, &app, true, now).await?;
    }
    Ok(())
}
