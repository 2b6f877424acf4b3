//! The `keyward.signing_keys` table (schema v2): each region's token-signing
//! keys, sealed (see `registry::signing`), the same columns as the embedded
//! store's. Statements run on the caller's client or transaction.

use deadpool_postgres::GenericClient;

use super::DbResult;
use super::rows::{from_millis, millis};
use crate::model::Region;
use crate::oauth::ring::{KeyInfo, Rotation};
use crate::registry::signing::StoredKey;

/// The region's keys as stored.
pub async fn read(client: &impl GenericClient, region: &Region) -> DbResult<Vec<StoredKey>> {
    let stmt = client
        .prepare_cached(
            "SELECT kid, sealed_key, created_at, signs_from, retired_at, published_until
             FROM keyward.signing_keys WHERE region = $1",
        )
        .await?;
    let optional = |ms: Option<i64>| ms.map(from_millis).transpose();
    client
        .query(&stmt, &[&region.as_str()])
        .await?
        .iter()
        .map(|r| {
            Ok(StoredKey {
                info: KeyInfo {
                    kid: r.try_get(0)?,
                    created_at: from_millis(r.try_get(2)?)?,
                    signs_from: from_millis(r.try_get(3)?)?,
                    retired_at: optional(r.try_get(4)?)?,
                    published_until: optional(r.try_get(5)?)?,
                },
                sealed: r.try_get(1)?,
            })
        })
        .collect()
}

pub async fn insert(client: &impl GenericClient, region: &Region, key: &StoredKey) -> DbResult<()> {
    let i = &key.info;
    let stmt = client
        .prepare_cached(
            "INSERT INTO keyward.signing_keys
             (region, kid, sealed_key, created_at, signs_from, retired_at, published_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .await?;
    client
        .execute(
            &stmt,
            &[
                &region.as_str(),
                &i.kid,
                &key.sealed,
                &millis(i.created_at),
                &millis(i.signs_from),
                &i.retired_at.map(millis),
                &i.published_until.map(millis),
            ],
        )
        .await?;
    Ok(())
}

/// Writes `rotation`, whose new key is `new`.
pub async fn rotate(
    client: &impl GenericClient,
    region: &Region,
    rotation: &Rotation,
    new: &StoredKey,
) -> DbResult<()> {
    let retire = client
        .prepare_cached(
            "UPDATE keyward.signing_keys SET retired_at = $3, published_until = $4
             WHERE region = $1 AND kid = $2",
        )
        .await?;
    for r in &rotation.retire {
        client
            .execute(
                &retire,
                &[
                    &region.as_str(),
                    &r.kid,
                    &millis(r.retired_at),
                    &millis(r.published_until),
                ],
            )
            .await?;
    }
    let remove = client
        .prepare_cached("DELETE FROM keyward.signing_keys WHERE region = $1 AND kid = $2")
        .await?;
    for kid in &rotation.remove {
        client.execute(&remove, &[&region.as_str(), kid]).await?;
    }
    insert(client, region, new).await
}
