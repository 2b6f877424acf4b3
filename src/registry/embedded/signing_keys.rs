//! The `signing_keys` table (schema v7): each region's token-signing keys,
//! sealed (see `registry::signing`). Reads and writes inside the caller's
//! transaction; writes only through `with_write`, which moves the change
//! counter.

use rusqlite::{Connection, params};

use super::{from_millis, millis};
use crate::model::Region;
use crate::oauth::ring::{KeyInfo, Rotation};
use crate::registry::signing::StoredKey;

/// The region's keys as stored.
pub fn read(conn: &Connection, region: &Region) -> rusqlite::Result<Vec<StoredKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kid, sealed_key, created_at, signs_from, retired_at, published_until
         FROM signing_keys WHERE region = ?1",
    )?;
    let optional = |ms: Option<i64>| ms.map(from_millis).transpose();
    let rows = stmt.query_map([region.as_str()], |r| {
        Ok(StoredKey {
            info: KeyInfo {
                kid: r.get(0)?,
                created_at: from_millis(r.get(2)?)?,
                signs_from: from_millis(r.get(3)?)?,
                retired_at: optional(r.get(4)?)?,
                published_until: optional(r.get(5)?)?,
            },
            sealed: r.get(1)?,
        })
    })?;
    rows.collect()
}

pub fn insert(conn: &Connection, region: &Region, key: &StoredKey) -> rusqlite::Result<()> {
    let i = &key.info;
    conn.prepare_cached(
        "INSERT INTO signing_keys
         (region, kid, sealed_key, created_at, signs_from, retired_at, published_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        region.as_str(),
        i.kid,
        key.sealed,
        millis(i.created_at),
        millis(i.signs_from),
        i.retired_at.map(millis),
        i.published_until.map(millis),
    ])?;
    Ok(())
}

/// Writes `rotation`, whose new key is `new`.
pub fn rotate(
    conn: &Connection,
    region: &Region,
    rotation: &Rotation,
    new: &StoredKey,
) -> rusqlite::Result<()> {
    let mut retire = conn.prepare_cached(
        "UPDATE signing_keys SET retired_at = ?3, published_until = ?4
         WHERE region = ?1 AND kid = ?2",
    )?;
    for r in &rotation.retire {
        retire.execute(params![
            region.as_str(),
            r.kid,
            millis(r.retired_at),
            millis(r.published_until)
        ])?;
    }
    let mut remove =
        conn.prepare_cached("DELETE FROM signing_keys WHERE region = ?1 AND kid = ?2")?;
    for kid in &rotation.remove {
        remove.execute(params![region.as_str(), kid])?;
    }
    insert(conn, region, new)
}
