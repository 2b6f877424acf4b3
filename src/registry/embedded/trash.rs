//! An application's lifecycle in the embedded store: suspension, and the
//! trash (delete, restore, purge).
//!
//! Both are columns of `applications` (schema v8), so every change here is a
//! marked write that moves the change counter: the token path's cache, in
//! this process and every other on the data dir, drops what it kept, and
//! the very next request is refused. A trashed row is filtered out of every
//! read of applications (`LIVE`); one past its `purge_after` is filtered out
//! of the trash's reads too, by time, so it is gone at once without a write.
//! The next write of its region removes it for good ([`purge_expired`]),
//! with an audit event like any other removal.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    APP_COLUMNS, DbResult, Inner, app_from_row, audit, load_app, load_grants, millis, name_taken,
};
use crate::model::audit::events;
use crate::model::{Actor, Application, ClientId, Region};
use crate::registry::RegistryError;

/// The trash period unless the config sets `trash_days`.
pub fn default_seconds() -> AtomicI64 {
    AtomicI64::new(i64::from(crate::model::DEFAULT_TRASH_DAYS) * 86_400)
}

pub fn period(inner: &Inner) -> chrono::Duration {
    chrono::Duration::seconds(inner.trash_seconds.load(Ordering::Relaxed))
}

/// Rows in the trash whose period has not ended at parameter `?n`.
fn trashed(n: usize) -> String {
    format!("deleted_at IS NOT NULL AND purge_after > ?{n}")
}

/// The trashed application `id`, if its period has not ended at `now`.
fn load_trashed(
    conn: &Connection,
    region: &Region,
    id: &ClientId,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<Application>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM applications WHERE client_id = ?1 AND region = ?2 AND {}",
        trashed(3)
    ))?;
    let Some(mut app) = stmt
        .query_row(
            params![id.as_str(), region.as_str(), millis(now)],
            app_from_row,
        )
        .optional()?
    else {
        return Ok(None);
    };
    app.grants = load_grants(conn, id.as_str())?;
    Ok(Some(app))
}

/// The region's trash at `now`, sorted by name like the list.
pub fn list(
    conn: &Connection,
    region: &Region,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<Application>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM applications WHERE region = ?1 AND {}
         ORDER BY client_name COLLATE NOCASE, client_id",
        trashed(2)
    ))?;
    let mut apps = stmt
        .query_map(params![region.as_str(), millis(now)], app_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for app in &mut apps {
        app.grants = load_grants(conn, app.client_id.as_str())?;
    }
    Ok(apps)
}

/// Why `id` cannot be restored or purged: it is live, or unknown here.
fn not_in_trash(conn: &Connection, region: &Region, id: &ClientId) -> DbResult<RegistryError> {
    let client_id = id.clone();
    let region = region.clone();
    Ok(match load_app(conn, &region, id)? {
        Some(_) => RegistryError::NotInTrash { client_id, region },
        None => RegistryError::NotFound { client_id, region },
    })
}

/// Moves a live application to the trash until now + `period`.
pub fn move_to_trash(
    tx: &Connection,
    region: &Region,
    actor: &Actor,
    id: &ClientId,
    period: chrono::Duration,
) -> rusqlite::Result<Option<Application>> {
    let Some(mut app) = load_app(tx, region, id)? else {
        return Ok(None);
    };
    let now = super::now_ms();
    let purge_after = now + period;
    tx.execute(
        "UPDATE applications SET deleted_at = ?1, purge_after = ?2, updated_at = ?1
         WHERE client_id = ?3 AND region = ?4",
        params![
            millis(now),
            millis(purge_after),
            id.as_str(),
            region.as_str()
        ],
    )?;
    audit::append(tx, region, actor, events::deleted(&app, purge_after, now))?;
    app.updated_at = now;
    app.lifecycle.deleted_at = Some(now);
    app.lifecycle.purge_after = Some(purge_after);
    Ok(Some(app))
}

/// Suspends or resumes a live application; no change, no write, no event.
pub fn set_suspended(
    tx: &Connection,
    region: &Region,
    actor: &Actor,
    id: &ClientId,
    suspended: bool,
) -> rusqlite::Result<Option<Application>> {
    let Some(before) = load_app(tx, region, id)? else {
        return Ok(None);
    };
    if before.is_suspended() == suspended {
        return Ok(Some(before));
    }
    let now = super::now_ms();
    tx.execute(
        "UPDATE applications SET suspended_at = ?1, updated_at = ?2
         WHERE client_id = ?3 AND region = ?4",
        params![
            suspended.then(|| millis(now)),
            millis(now),
            id.as_str(),
            region.as_str()
        ],
    )?;
    let event = if suspended {
        events::suspended(&before, now)
    } else {
        events::resumed(&before, now)
    };
    audit::append(tx, region, actor, event)?;
    load_app(tx, region, id)
}

/// Brings `id` back from the trash, its secrets as they were.
pub fn restore(
    tx: &Connection,
    region: &Region,
    actor: &Actor,
    id: &ClientId,
) -> DbResult<Application> {
    let now = super::now_ms();
    let Some(trashed) = load_trashed(tx, region, id, now)? else {
        return Err(not_in_trash(tx, region, id)?.into());
    };
    if name_taken(tx, region, &trashed.client_name, Some(id))? {
        return Err(RegistryError::RestoreNameTaken {
            name: trashed.client_name.to_string(),
            region: region.clone(),
        }
        .into());
    }
    tx.execute(
        "UPDATE applications SET deleted_at = NULL, purge_after = NULL, updated_at = ?1
         WHERE client_id = ?2 AND region = ?3",
        params![millis(now), id.as_str(), region.as_str()],
    )?;
    audit::append(tx, region, actor, events::restored(&trashed, now))?;
    load_app(tx, region, id)?.ok_or_else(|| {
        RegistryError::NotFound {
            client_id: id.clone(),
            region: region.clone(),
        }
        .into()
    })
}

/// Removes a trashed application for good, on request.
pub fn purge(tx: &Connection, region: &Region, actor: &Actor, id: &ClientId) -> DbResult<()> {
    let now = super::now_ms();
    let Some(trashed) = load_trashed(tx, region, id, now)? else {
        return Err(not_in_trash(tx, region, id)?.into());
    };
    remove(tx, region, actor, &trashed, false, now)?;
    Ok(())
}

fn remove(
    tx: &Connection,
    region: &Region,
    actor: &Actor,
    app: &Application,
    expired: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM applications WHERE client_id = ?1 AND region = ?2",
        params![app.client_id.as_str(), region.as_str()],
    )?;
    audit::append(tx, region, actor, events::purged(app, expired, now))
}

/// Removes, for good, the region's trashed applications whose period ended
/// by `now`, each with its audit event. Part of every write of the region.
pub fn purge_expired(
    tx: &Connection,
    region: &Region,
    actor: &Actor,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM applications
         WHERE region = ?1 AND deleted_at IS NOT NULL AND purge_after <= ?2"
    ))?;
    let expired = stmt
        .query_map(params![region.as_str(), millis(now)], app_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for mut app in expired {
        app.grants = load_grants(tx, app.client_id.as_str())?;
        remove(tx, region, actor, &app, true, now)?;
    }
    Ok(())
}
