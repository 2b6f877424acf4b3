//! The embedded store's side of rotation and usage: the retiring secret (in
//! `retiring_secrets`, a credential, written through the change counter) and
//! usage records (in `secret_usage` and `app_usage`, written without it, so
//! they never empty the token endpoint's cache).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{DbResult, from_millis, millis};
use crate::model::{Application, ClientId, SecretInfo, SecretState, SecretUsage};
use crate::registry::RegistryError;

/// The retiring secret as the token endpoint needs it.
#[derive(Clone)]
pub struct RetiringHash {
    pub secret_id: String,
    pub secret_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
}

/// `id`'s retiring secret, expired or not. One primary-key read, made for
/// unknown client IDs too, so both cost the same.
pub fn read_retiring_hash(
    conn: &Connection,
    id: &ClientId,
) -> rusqlite::Result<Option<RetiringHash>> {
    conn.prepare_cached(
        "SELECT secret_id, secret_hash, expires_at FROM retiring_secrets WHERE client_id = ?1",
    )?
    .query_row([id.as_str()], |r| {
        Ok(RetiringHash {
            secret_id: r.get(0)?,
            secret_hash: r.get(1)?,
            expires_at: from_millis(r.get(2)?)?,
        })
    })
    .optional()
}

/// Keeps the hash of `id`'s retiring secret among its previous ones (so a pod
/// still using it is told, not counted as noise), and drops the secret and
/// its usage record. Part of a reset's, a rotation's or a retirement's
/// transaction.
pub fn drop_retiring(tx: &Connection, id: &ClientId, now: DateTime<Utc>) -> rusqlite::Result<bool> {
    tx.prepare_cached(
        "INSERT INTO previous_secrets (client_id, secret_hash, replaced_at)
         SELECT client_id, secret_hash, min(expires_at, ?2) FROM retiring_secrets WHERE client_id = ?1",
    )?
    .execute(params![id.as_str(), millis(now)])?;
    tx.prepare_cached(
        "DELETE FROM secret_usage WHERE client_id = ?1 AND secret_id IN
            (SELECT secret_id FROM retiring_secrets WHERE client_id = ?1)",
    )?
    .execute([id.as_str()])?;
    let n = tx
        .prepare_cached("DELETE FROM retiring_secrets WHERE client_id = ?1")?
        .execute([id.as_str()])?;
    Ok(n == 1)
}

/// Refuses a rotation while a retiring secret still works; drops one that
/// has expired.
pub fn make_room_for_rotation(tx: &Connection, id: &ClientId, now: DateTime<Utc>) -> DbResult<()> {
    if let Some(r) = read_retiring_hash(tx, id)? {
        if now < r.expires_at {
            return Err(RegistryError::AlreadyRetiring {
                client_id: id.clone(),
                until: crate::model::wire::rfc3339(r.expires_at),
            }
            .into());
        }
        drop_retiring(tx, id, now)?;
    }
    Ok(())
}

/// Moves `id`'s current secret to `retiring_secrets`, working until `until`.
pub fn retire_current(
    tx: &Connection,
    id: &ClientId,
    until: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO retiring_secrets (client_id, secret_id, secret_hash, created_at, expires_at)
         SELECT client_id, secret_id, secret_hash, secret_created_at, ?2 FROM applications WHERE client_id = ?1",
    )?
    .execute(params![id.as_str(), millis(until)])?;
    Ok(())
}

/// What an application's row does not hold: its retiring secret (while it
/// works) and the usage of each secret.
#[derive(Default)]
struct Extras {
    retiring: Option<SecretInfo>,
    usage: HashMap<String, (DateTime<Utc>, Option<String>)>,
    last_used_at: Option<DateTime<Utc>>,
}

/// Which applications to read extras for: one, or a region's.
pub enum Which<'a> {
    One(&'a str),
    Region(&'a str),
}

impl Which<'_> {
    /// `FROM {table} t ...` picking the rows of these applications. For a
    /// region, the (small) usage and retiring tables are scanned and each
    /// row's application looked up by key, rather than listing the region.
    fn from(&self, table: &str) -> String {
        match self {
            Which::One(_) => format!("FROM {table} t WHERE t.client_id = ?1"),
            Which::Region(_) => format!(
                "FROM {table} t JOIN applications a ON a.client_id = t.client_id WHERE a.region = ?1"
            ),
        }
    }

    fn param(&self) -> &str {
        match self {
            Which::One(s) | Which::Region(s) => s,
        }
    }
}

fn read_extras(
    conn: &Connection,
    which: &Which<'_>,
    now: DateTime<Utc>,
) -> rusqlite::Result<HashMap<String, Extras>> {
    let mut out: HashMap<String, Extras> = HashMap::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT t.client_id, t.secret_id, t.created_at, t.expires_at {}",
        which.from("retiring_secrets")
    ))?;
    let mut rows = stmt.query([which.param()])?;
    while let Some(r) = rows.next()? {
        let expires_at = from_millis(r.get(3)?)?;
        // An expired retiring secret works no more: it is not shown.
        if now < expires_at {
            out.entry(r.get(0)?).or_default().retiring = Some(SecretInfo {
                secret_id: r.get(1)?,
                state: SecretState::Retiring,
                created_at: from_millis(r.get(2)?)?,
                expires_at: Some(expires_at),
                last_used_at: None,
                last_used_from: None,
            });
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT t.client_id, t.secret_id, t.last_used_at, t.last_used_from {}",
        which.from("secret_usage")
    ))?;
    let mut rows = stmt.query([which.param()])?;
    while let Some(r) = rows.next()? {
        let used = (from_millis(r.get(2)?)?, r.get(3)?);
        out.entry(r.get(0)?)
            .or_default()
            .usage
            .insert(r.get(1)?, used);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT t.client_id, t.last_used_at {}",
        which.from("app_usage")
    ))?;
    let mut rows = stmt.query([which.param()])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?).or_default().last_used_at = Some(from_millis(r.get(1)?)?);
    }
    Ok(out)
}

/// Completes applications read from their rows (which hold the current
/// secret) with the retiring secret and the usage records.
pub fn add_extras(
    conn: &Connection,
    apps: &mut [Application],
    which: &Which<'_>,
) -> rusqlite::Result<()> {
    let mut extras = read_extras(conn, which, Utc::now())?;
    for app in apps {
        let Some(mut e) = extras.remove(app.client_id.as_str()) else {
            continue;
        };
        app.last_used_at = e.last_used_at;
        app.secrets.extend(e.retiring.take());
        for s in &mut app.secrets {
            if let Some((at, from)) = e.usage.remove(&s.secret_id) {
                s.last_used_at = Some(at);
                s.last_used_from = from;
            }
        }
    }
    Ok(())
}

/// Writes a batch of uses: for each secret and each application, the latest
/// use wins. Uses of secrets that are gone (reset, retired, deleted) are
/// dropped. The caller owns the transaction, which must not move the change
/// counter: usage is not a change to credentials.
pub fn write_usage(tx: &Connection, batch: &[SecretUsage]) -> rusqlite::Result<()> {
    let mut secret = tx.prepare_cached(
        "INSERT INTO secret_usage (client_id, secret_id, last_used_at, last_used_from)
         SELECT ?1, ?2, ?3, ?4 WHERE
            EXISTS (SELECT 1 FROM applications WHERE client_id = ?1 AND secret_id = ?2)
            OR EXISTS (SELECT 1 FROM retiring_secrets WHERE client_id = ?1 AND secret_id = ?2)
         ON CONFLICT (client_id, secret_id) DO UPDATE
            SET last_used_at = excluded.last_used_at, last_used_from = excluded.last_used_from
            WHERE excluded.last_used_at >= secret_usage.last_used_at",
    )?;
    let mut app = tx.prepare_cached(
        "INSERT INTO app_usage (client_id, last_used_at)
         SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM applications WHERE client_id = ?1)
         ON CONFLICT (client_id) DO UPDATE SET last_used_at = max(last_used_at, excluded.last_used_at)",
    )?;
    for u in batch {
        let at = millis(u.at);
        secret.execute(params![u.client_id.as_str(), u.secret_id, at, u.from])?;
        app.execute(params![u.client_id.as_str(), at])?;
    }
    Ok(())
}
