//! A region's token-signing keys over time: which one signs at a moment,
//! which ones the JWKS publishes, and what a rotation changes. Plain data
//! and pure functions of an explicit `now`; the stores keep the keys
//! (encrypted, see `sealing.rs`) and the server re-reads them.
//!
//! A key's life:
//! - `next`: made by a rotation, published in the JWKS at once, not signing
//!   until `signs_from` (the rotation's time plus the publish delay), so
//!   resource servers that cache the JWKS hold it before they see a token
//!   it signed;
//! - `active`: signing, from `signs_from` until `retired_at` (the moment the
//!   next key starts signing);
//! - `retired`: no longer signing, still published until `published_until`
//!   (`retired_at` plus the token lifetime and a margin for clocks), when
//!   every token it signed has expired; then it leaves the JWKS, and the
//!   next rotation deletes it.
//!
//! Servers re-read the ring every [`RELOAD_EVERY`], so a rotation made by
//! another process (`keyward keys rotate`, another replica) reaches every
//! server without a restart. That is safe because the publish delay is
//! longer than the reload period (a shorter one is refused): each server has
//! published the new key before any server signs with it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::SigningKeys;

/// How often a server re-reads its region's keys from the store.
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// The shortest publish delay: two reload periods, so every server has
/// re-read the ring, and published the new key, before it signs.
pub const MIN_PUBLISH_DELAY: Duration = Duration::from_secs(2 * RELOAD_EVERY.as_secs());

/// The publish delay unless `signing_key_publish_delay_seconds` says.
pub const DEFAULT_PUBLISH_DELAY: Duration = Duration::from_secs(600);

/// The longest publish delay the config or a rotation may ask for: 7 days.
pub const MAX_PUBLISH_DELAY: Duration = Duration::from_secs(7 * 86_400);

/// Added to a retired key's last token expiry before it leaves the JWKS:
/// a replica whose clock runs behind may sign with it a little later, and
/// a resource server whose clock runs behind accepts a token a little longer.
pub const CLOCK_MARGIN: chrono::Duration = chrono::Duration::seconds(60);

/// The longest `Cache-Control: max-age` of the JWKS and the metadata.
pub const MAX_CACHE_AGE: Duration = Duration::from_secs(300);

/// The `max-age` of the JWKS and the metadata for a publish delay: at most
/// half of what is left of the delay once every server has reloaded, so a
/// cache that fetched the JWKS just before a rotation reached a server has
/// refetched it, twice, before the new key signs.
pub fn cache_max_age(publish_delay: Duration) -> Duration {
    Duration::from_secs(publish_delay.saturating_sub(RELOAD_EVERY).as_secs() / 2).min(MAX_CACHE_AGE)
}

/// Whether `delay` is a publish delay servers can honour; the error says the
/// range.
pub fn check_publish_delay(delay: Duration) -> Result<(), String> {
    if delay < MIN_PUBLISH_DELAY || delay > MAX_PUBLISH_DELAY {
        return Err(format!(
            "the publish delay of a signing key must be {}s to 7d (servers re-read their keys every {}s; got {}s)",
            MIN_PUBLISH_DELAY.as_secs(),
            RELOAD_EVERY.as_secs(),
            delay.as_secs()
        ));
    }
    Ok(())
}

/// Where a key is in its life at some moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Published, signing from `signs_from`.
    Next,
    /// Signing.
    Active,
    /// Published until `published_until`, no longer signing.
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Next => "next",
            KeyState::Active => "active",
            KeyState::Retired => "retired",
        }
    }
}

/// One key's identity and times: what the stores keep beside the sealed
/// private key, and what `keyward keys list` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub kid: String,
    pub created_at: DateTime<Utc>,
    pub signs_from: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    pub published_until: Option<DateTime<Utc>>,
}

impl KeyInfo {
    /// The first key of a region: signing at once (nothing to publish it
    /// ahead of), never retiring until a rotation says.
    pub fn first(kid: String, now: DateTime<Utc>) -> Self {
        KeyInfo {
            kid,
            created_at: now,
            signs_from: now,
            retired_at: None,
            published_until: None,
        }
    }

    pub fn state(&self, now: DateTime<Utc>) -> KeyState {
        if now < self.signs_from {
            KeyState::Next
        } else if self.retired_at.is_some_and(|r| r <= now) {
            KeyState::Retired
        } else {
            KeyState::Active
        }
    }

    /// Whether it may sign at `now`.
    pub fn signs(&self, now: DateTime<Utc>) -> bool {
        self.state(now) == KeyState::Active
    }

    /// Whether the JWKS holds it at `now`.
    pub fn published(&self, now: DateTime<Utc>) -> bool {
        self.published_until.is_none_or(|u| now < u)
    }
}

/// A key of the ring with its private half.
#[derive(Clone, Debug)]
pub struct RingKey {
    pub info: KeyInfo,
    pub keys: Arc<SigningKeys>,
}

/// A region's keys. Never empty.
#[derive(Clone, Debug)]
pub struct KeyRing {
    /// Oldest `signs_from` first.
    keys: Vec<RingKey>,
}

impl KeyRing {
    /// The ring of `keys`; `None` when there are none.
    pub fn new(mut keys: Vec<RingKey>) -> Option<Self> {
        if keys.is_empty() {
            return None;
        }
        keys.sort_by(|a, b| {
            (a.info.signs_from, &a.info.kid).cmp(&(b.info.signs_from, &b.info.kid))
        });
        Some(KeyRing { keys })
    }

    /// A ring of one key that signs from the beginning of time and never
    /// retires: for a server whose registry keeps no keys.
    pub fn single(keys: SigningKeys) -> Self {
        KeyRing {
            keys: vec![RingKey {
                info: KeyInfo::first(keys.kid().to_owned(), DateTime::UNIX_EPOCH),
                keys: Arc::new(keys),
            }],
        }
    }

    /// Every key, oldest `signs_from` first.
    pub fn keys(&self) -> &[RingKey] {
        &self.keys
    }

    pub fn infos(&self) -> Vec<KeyInfo> {
        self.keys.iter().map(|k| k.info.clone()).collect()
    }

    /// The key that signs at `now`: of the active ones, the one that started
    /// last. A ring whose keys are all waiting or retired (which no rotation
    /// makes) still signs, with the newest key that has started, else the
    /// oldest.
    pub fn signing_key(&self, now: DateTime<Utc>) -> &RingKey {
        &self.keys[self.signing_index(now)]
    }

    /// The index in [`KeyRing::keys`] of [`KeyRing::signing_key`].
    pub fn signing_index(&self, now: DateTime<Utc>) -> usize {
        let last = |f: &dyn Fn(&RingKey) -> bool| self.keys.iter().rposition(f);
        last(&|k| k.info.signs(now))
            .or_else(|| last(&|k| k.info.signs_from <= now))
            .unwrap_or(0)
    }

    /// The keys the JWKS holds at `now`: the newest first.
    pub fn published(&self, now: DateTime<Utc>) -> impl Iterator<Item = &RingKey> {
        self.keys
            .iter()
            .rev()
            .filter(move |k| k.info.published(now))
    }

    /// The published key `kid` at `now`: a token it signed verifies.
    pub fn find(&self, kid: &str, now: DateTime<Utc>) -> Option<&RingKey> {
        self.published(now).find(|k| k.info.kid == kid)
    }

    /// The JWK Set (RFC 7517, RFC 8037) at `now`.
    pub fn jwks(&self, now: DateTime<Utc>) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self.published(now).map(|k| k.keys.jwk()).collect();
        serde_json::json!({ "keys": keys })
    }
}

/// A rotation the ring cannot take now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyWaiting {
    pub kid: String,
    pub signs_from: DateTime<Utc>,
}

/// A key that stops signing when the new one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retirement {
    pub kid: String,
    pub retired_at: DateTime<Utc>,
    pub published_until: DateTime<Utc>,
}

/// What a rotation writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub new: KeyInfo,
    pub retire: Vec<Retirement>,
    /// Keys no longer published: deleted with their private halves.
    pub remove: Vec<String>,
}

/// The rotation of `existing` at `now` to a new key `new_kid`: published
/// now, signing from `now + publish_delay`; every key not yet retiring
/// retires then and stays published until the tokens it signed (living
/// `token_lifetime`) have expired. Refused while a key waits to sign: a
/// second rotation would retire it before it ever signed.
pub fn plan_rotation(
    existing: &[KeyInfo],
    new_kid: String,
    now: DateTime<Utc>,
    publish_delay: chrono::Duration,
    token_lifetime: chrono::Duration,
) -> Result<Rotation, KeyWaiting> {
    if let Some(waiting) = existing.iter().find(|k| k.state(now) == KeyState::Next) {
        return Err(KeyWaiting {
            kid: waiting.kid.clone(),
            signs_from: waiting.signs_from,
        });
    }
    let signs_from = now + publish_delay;
    let published_until = signs_from + token_lifetime + CLOCK_MARGIN;
    let retire = existing
        .iter()
        .filter(|k| k.retired_at.is_none())
        .map(|k| Retirement {
            kid: k.kid.clone(),
            retired_at: signs_from,
            published_until,
        })
        .collect();
    let remove = existing
        .iter()
        .filter(|k| !k.published(now))
        .map(|k| k.kid.clone())
        .collect();
    Ok(Rotation {
        new: KeyInfo {
            kid: new_kid,
            created_at: now,
            signs_from,
            retired_at: None,
            published_until: None,
        },
        retire,
        remove,
    })
}

impl Rotation {
    /// `existing` with this rotation applied: what the store holds after it.
    pub fn apply(&self, existing: &[KeyInfo]) -> Vec<KeyInfo> {
        let mut out: Vec<KeyInfo> = existing
            .iter()
            .filter(|k| !self.remove.contains(&k.kid))
            .cloned()
            .map(|mut k| {
                if let Some(r) = self.retire.iter().find(|r| r.kid == k.kid) {
                    k.retired_at = Some(r.retired_at);
                    k.published_until = Some(r.published_until);
                }
                k
            })
            .collect();
        out.push(self.new.clone());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    const LIFETIME: chrono::Duration = chrono::Duration::seconds(3600);
    const DELAY: chrono::Duration = chrono::Duration::seconds(600);

    fn key(seed: u8) -> Arc<SigningKeys> {
        Arc::new(SigningKeys::from_seed(&[seed; 32]).unwrap())
    }

    fn ring(infos: &[KeyInfo]) -> KeyRing {
        let keys = infos
            .iter()
            .map(|info| RingKey {
                info: info.clone(),
                keys: key(info.kid.as_bytes()[0]),
            })
            .collect();
        KeyRing::new(keys).unwrap()
    }

    fn kids<'a>(it: impl Iterator<Item = &'a RingKey>) -> Vec<&'a str> {
        it.map(|k| k.info.kid.as_str()).collect()
    }

    /// A rotation at 100 s with a 600 s delay: the new key is published at
    /// once, signs from 700 s; the old one signs until then and is
    /// published until 700 s + 1 h + the margin, then leaves.
    #[test]
    fn a_rotation_publishes_first_signs_later_and_retires_after_the_tokens_expire() {
        let first = KeyInfo::first("a".into(), at(0));
        let plan = plan_rotation(
            std::slice::from_ref(&first),
            "b".into(),
            at(100),
            DELAY,
            LIFETIME,
        )
        .unwrap();
        assert_eq!(plan.new.signs_from, at(700));
        assert_eq!(
            plan.retire,
            vec![Retirement {
                kid: "a".into(),
                retired_at: at(700),
                published_until: at(700 + 3600 + 60),
            }]
        );
        assert!(plan.remove.is_empty());
        let r = ring(&plan.apply(&[first]));

        // Before the delay: the old key signs, both are published.
        for now in [at(100), at(699)] {
            assert_eq!(r.signing_key(now).info.kid, "a");
            assert_eq!(kids(r.published(now)), ["b", "a"]);
        }
        let states =
            |now| -> Vec<KeyState> { r.keys().iter().map(|k| k.info.state(now)).collect() };
        assert_eq!(states(at(699)), [KeyState::Active, KeyState::Next]);
        // From signs_from: the new one signs, the old one is still published.
        for now in [at(700), at(700 + 3600 + 59)] {
            assert_eq!(r.signing_key(now).info.kid, "b");
            assert_eq!(kids(r.published(now)), ["b", "a"]);
            assert!(r.find("a", now).is_some());
        }
        assert_eq!(states(at(700)), [KeyState::Retired, KeyState::Active]);
        // Every token the old key signed has expired: it leaves.
        let gone = at(700 + 3600 + 60);
        assert_eq!(kids(r.published(gone)), ["b"]);
        assert!(r.find("a", gone).is_none());
        assert_eq!(r.jwks(gone)["keys"].as_array().unwrap().len(), 1);
        assert_eq!(r.jwks(at(700))["keys"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn a_second_rotation_waits_for_the_next_key_to_sign() {
        let first = KeyInfo::first("a".into(), at(0));
        let plan = plan_rotation(
            std::slice::from_ref(&first),
            "b".into(),
            at(100),
            DELAY,
            LIFETIME,
        )
        .unwrap();
        let after = plan.apply(&[first]);
        assert_eq!(
            plan_rotation(&after, "c".into(), at(699), DELAY, LIFETIME),
            Err(KeyWaiting {
                kid: "b".into(),
                signs_from: at(700)
            })
        );
        // Once b signs, it retires in turn; a is published until its own
        // end and is not retired again.
        let plan = plan_rotation(&after, "c".into(), at(800), DELAY, LIFETIME).unwrap();
        assert_eq!(plan.retire.len(), 1);
        assert_eq!(plan.retire[0].kid, "b");
        assert_eq!(plan.retire[0].retired_at, at(1400));
        assert!(plan.remove.is_empty());
        // Long after, a rotation deletes the keys no longer published.
        let later = plan.apply(&after);
        let plan = plan_rotation(&later, "d".into(), at(10_000), DELAY, LIFETIME).unwrap();
        assert_eq!(plan.remove, ["a", "b"]);
        let kept: Vec<String> = plan.apply(&later).into_iter().map(|k| k.kid).collect();
        assert_eq!(kept, ["c", "d"]);
    }

    #[test]
    fn a_ring_always_signs() {
        let waiting = KeyInfo {
            kid: "w".into(),
            created_at: at(0),
            signs_from: at(100),
            retired_at: None,
            published_until: None,
        };
        let retired = KeyInfo {
            kid: "r".into(),
            created_at: at(0),
            signs_from: at(0),
            retired_at: Some(at(10)),
            published_until: Some(at(20)),
        };
        let r = ring(&[waiting.clone(), retired]);
        assert_eq!(r.signing_key(at(50)).info.kid, "r");
        assert_eq!(r.signing_key(at(200)).info.kid, "w");
        let only_waiting = ring(&[waiting]);
        assert_eq!(only_waiting.signing_key(at(0)).info.kid, "w");
        assert!(KeyRing::new(Vec::new()).is_none());
        let single = KeyRing::single(SigningKeys::from_seed(&[3; 32]).unwrap());
        assert_eq!(
            single.jwks(at(0)),
            SigningKeys::from_seed(&[3; 32]).unwrap().jwks()
        );
    }

    #[test]
    fn cache_age_and_delay_limits() {
        assert_eq!(
            cache_max_age(DEFAULT_PUBLISH_DELAY),
            Duration::from_secs(299)
        );
        assert_eq!(cache_max_age(Duration::from_secs(3600)), MAX_CACHE_AGE);
        assert_eq!(
            cache_max_age(Duration::from_secs(21)),
            Duration::from_secs(10)
        );
        assert_eq!(cache_max_age(MIN_PUBLISH_DELAY), Duration::ZERO);
        for delay in [MIN_PUBLISH_DELAY, DEFAULT_PUBLISH_DELAY, MAX_PUBLISH_DELAY] {
            assert!(check_publish_delay(delay).is_ok());
            // Every server has reloaded and every cache has refetched,
            // twice, before the new key signs.
            assert!(RELOAD_EVERY + 2 * cache_max_age(delay) <= delay);
        }
        assert!(MIN_PUBLISH_DELAY > RELOAD_EVERY);
        let e = check_publish_delay(RELOAD_EVERY).unwrap_err();
        assert!(e.contains("2s to 7d"), "{e}");
        assert!(check_publish_delay(MAX_PUBLISH_DELAY + Duration::from_secs(1)).is_err());
    }
}
