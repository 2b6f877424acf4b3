//! What the embedded and the PostgreSQL stores share about signing keys:
//! rows in, a decrypted ring out; a region's first key; a new sealed key.
//! Both keep the same columns (`kid`, `sealed_key`, times in milliseconds)
//! and call these inside their own transactions. The rules of the ring are
//! in `oauth::ring`, the encryption in `oauth::sealing`.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::{RegistryError, Result};
use crate::model::Region;
use crate::oauth::ring::{KeyInfo, KeyRing, KeyWaiting, RingKey};
use crate::oauth::sealing::KeySealer;
use crate::oauth::{KeyError, SigningKeys};

/// A key as a store keeps it: its times and its sealed private half.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub info: KeyInfo,
    pub sealed: Vec<u8>,
}

/// Sealed or not, a private key's bytes are never printed.
impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("info", &self.info)
            .field("sealed", &"<redacted>")
            .finish()
    }
}

/// The ring of `stored`, each key decrypted and checked against its kid;
/// `None` when there are none. A key that does not open (another
/// `secret.key`) is an error that says so, never a panic.
pub fn open_ring(
    region: &Region,
    sealer: &KeySealer,
    stored: Vec<StoredKey>,
) -> Result<Option<KeyRing>> {
    let keys = stored
        .into_iter()
        .map(|s| {
            let seed = sealer
                .open(region.as_str(), &s.info.kid, &s.sealed)
                .map_err(|e| RegistryError::InvalidInput(e.to_string()))?;
            let keys = SigningKeys::from_seed(&seed).map_err(key_error)?;
            if keys.kid() != s.info.kid {
                return Err(RegistryError::InvalidInput(format!(
                    "the token-signing key {} of region {region} is damaged: its private key is another key's",
                    s.info.kid
                )));
            }
            Ok(RingKey {
                info: s.info,
                keys: Arc::new(keys),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(KeyRing::new(keys))
}

fn key_error(e: KeyError) -> RegistryError {
    RegistryError::InvalidInput(e.to_string())
}

/// A new key for `region`, sealed: its kid and what to store.
pub fn new_key(region: &Region, sealer: &KeySealer) -> Result<(String, Vec<u8>)> {
    let (keys, seed) = SigningKeys::generate().map_err(key_error)?;
    seal(region, sealer, &keys, &seed)
}

fn seal(
    region: &Region,
    sealer: &KeySealer,
    keys: &SigningKeys,
    seed: &Zeroizing<[u8; 32]>,
) -> Result<(String, Vec<u8>)> {
    let sealed = sealer
        .seal(region.as_str(), keys.kid(), seed)
        .map_err(|e| RegistryError::InvalidInput(e.to_string()))?;
    Ok((keys.kid().to_owned(), sealed))
}

/// `region`'s first key, signing from `now`: the data dir's old key file
/// when there is one (tokens it signed before the upgrade keep verifying,
/// and a region moved from the embedded store to PostgreSQL keeps its key),
/// else a new key. The file is only read.
pub fn first_key(
    data_dir: &Path,
    region: &Region,
    sealer: &KeySealer,
    now: DateTime<Utc>,
) -> Result<StoredKey> {
    let (kid, sealed) = match crate::oauth::keys::read_key_file(data_dir).map_err(key_error)? {
        Some(seed) => {
            let keys = SigningKeys::from_seed(&seed).map_err(key_error)?;
            tracing::info!(%region, kid = keys.kid(), "the data dir's token-signing key file is now this region's first key");
            seal(region, sealer, &keys, &seed)?
        }
        None => new_key(region, sealer)?,
    };
    Ok(StoredKey {
        info: KeyInfo::first(kid, now),
        sealed,
    })
}

/// The token lifetime a retired key stays published for.
pub fn token_lifetime() -> chrono::Duration {
    chrono::Duration::seconds(crate::oauth::TOKEN_LIFETIME_SECS)
}

/// `delay` if servers can honour it (see `oauth::ring::check_publish_delay`).
pub fn publish_delay(delay: std::time::Duration) -> Result<chrono::Duration> {
    crate::oauth::ring::check_publish_delay(delay).map_err(RegistryError::InvalidInput)?;
    chrono::Duration::from_std(delay)
        .map_err(|_| RegistryError::InvalidInput("the publish delay is too long".into()))
}

pub fn waiting(region: &Region, w: KeyWaiting) -> RegistryError {
    RegistryError::KeyWaiting {
        region: region.clone(),
        kid: w.kid,
        signs_from: w
            .signs_from
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// The audit event of a rotation: no application is involved, so no client
/// ID; the kids and times are public.
pub fn rotated_event(
    before: &[KeyInfo],
    rotation: &crate::oauth::ring::Rotation,
    now: DateTime<Utc>,
) -> crate::model::NewAuditEvent {
    use crate::model::audit::change;
    let signing = before
        .iter()
        .filter(|k| k.signs(now))
        .max_by_key(|k| k.signs_from)
        .map(|k| k.kid.clone());
    let secs = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    crate::model::NewAuditEvent {
        at: now,
        action: crate::model::AuditAction::RotateSigningKey,
        client_id: None,
        client_name: None,
        changes: serde_json::json!({
            "signing_kid": change(signing, &rotation.new.kid),
            "signs_from": change(None::<String>, secs(rotation.new.signs_from)),
            "retired": rotation.retire.iter().map(|r| &r.kid).collect::<Vec<_>>(),
            "removed": &rotation.remove,
        }),
    }
}
