//! Token-signing keys at rest: each private key (its 32-byte Ed25519 seed)
//! is stored encrypted with AES-256-GCM under a key derived with HKDF-SHA256
//! from the data dir's `secret.key`, with an info label of its own, so the
//! key that hashes secrets is never used as is for anything else.
//!
//! Every region's replicas hold the same `secret.key` (the PostgreSQL store
//! refuses one that differs), so each can decrypt the keys the others made.
//! The region and the key's ID are the associated data: a sealed key copied
//! to another row or region does not open. A random 96-bit nonce per seal is
//! safe for the few keys a region ever has.
//!
//! What is stored: a version byte, the nonce, the ciphertext and the tag.

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
use zeroize::Zeroizing;

/// HKDF's info label for this use of `secret.key`.
const INFO: &[u8] = b"keyward token-signing key encryption v1";
/// The first byte of a sealed key: the format above.
const VERSION: u8 = 1;
const SEED_LEN: usize = 32;
const TAG_LEN: usize = 16;
/// The length of a sealed seed.
pub const SEALED_LEN: usize = 1 + NONCE_LEN + SEED_LEN + TAG_LEN;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The tag did not verify: another `secret.key`, or a damaged or moved row.
    #[error(
        "the token-signing key {kid} of region {region} cannot be decrypted: this data dir's secret.key is not the one it was encrypted with (or the stored key is damaged). Every replica of a region must hold the same secret.key: copy it (mode 0600) from the data dir of a replica that serves region {region}"
    )]
    WrongKey { region: String, kid: String },
    #[error("the crypto library refused to {0} a token-signing key")]
    Refused(&'static str),
}

/// Seals and opens signing keys with the key derived from `secret.key`.
pub struct KeySealer {
    key: RandomizedNonceKey,
}

impl std::fmt::Debug for KeySealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySealer").finish_non_exhaustive()
    }
}

fn aad(region: &str, kid: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + region.len() + kid.len());
    aad.extend_from_slice(b"keyward signing key\0");
    aad.extend_from_slice(region.as_bytes());
    aad.push(0);
    aad.extend_from_slice(kid.as_bytes());
    aad
}

impl KeySealer {
    /// The sealer for the data dir key `root` (the bytes of `secret.key`).
    pub fn from_root_key(root: &[u8]) -> Result<Self, SealError> {
        let prk = Salt::new(HKDF_SHA256, &[]).extract(root);
        let okm = prk
            .expand(&[INFO], &AES_256_GCM)
            .map_err(|_| SealError::Refused("derive"))?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        okm.fill(bytes.as_mut_slice())
            .map_err(|_| SealError::Refused("derive"))?;
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes.as_slice())
            .map_err(|_| SealError::Refused("derive"))?;
        Ok(KeySealer { key })
    }

    /// `seed` encrypted for region `region` and key ID `kid`.
    pub fn seal(&self, region: &str, kid: &str, seed: &[u8; 32]) -> Result<Vec<u8>, SealError> {
        let mut in_out = Zeroizing::new(Vec::with_capacity(SEED_LEN + TAG_LEN));
        in_out.extend_from_slice(seed);
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(aad(region, kid)), &mut *in_out)
            .map_err(|_| SealError::Refused("encrypt"))?;
        let mut sealed = Vec::with_capacity(SEALED_LEN);
        sealed.push(VERSION);
        sealed.extend_from_slice(nonce.as_ref());
        sealed.extend_from_slice(&in_out);
        Ok(sealed)
    }

    /// The seed in `sealed`, if it was sealed with this key for `region` and
    /// `kid`; [`SealError::WrongKey`] otherwise, never a panic.
    pub fn open(
        &self,
        region: &str,
        kid: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, SealError> {
        let wrong = || SealError::WrongKey {
            region: region.to_owned(),
            kid: kid.to_owned(),
        };
        if sealed.len() != SEALED_LEN || sealed.first() != Some(&VERSION) {
            return Err(wrong());
        }
        let (nonce, body) = sealed[1..].split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| wrong())?;
        let mut in_out = Zeroizing::new(body.to_vec());
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad(region, kid)), in_out.as_mut_slice())
            .map_err(|_| wrong())?;
        let mut seed = Zeroizing::new([0u8; 32]);
        if plain.len() != SEED_LEN {
            return Err(wrong());
        }
        seed.copy_from_slice(plain);
        Ok(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_for_its_region_kid_and_key() {
        let sealer = KeySealer::from_root_key(&[1u8; 32]).unwrap();
        let seed = [9u8; 32];
        let sealed = sealer.seal("us", "kid1", &seed).unwrap();
        assert_eq!(sealed.len(), SEALED_LEN);
        assert!(
            !sealed.windows(8).any(|w| w == &seed[..8]),
            "the seed shows in the sealed bytes"
        );
        assert_eq!(*sealer.open("us", "kid1", &sealed).unwrap(), seed);
        // Each seal has its own nonce.
        assert_ne!(sealer.seal("us", "kid1", &seed).unwrap(), sealed);
        for (region, kid) in [("uk", "kid1"), ("us", "kid2")] {
            assert!(matches!(
                sealer.open(region, kid, &sealed),
                Err(SealError::WrongKey { .. })
            ));
        }
        let other = KeySealer::from_root_key(&[2u8; 32]).unwrap();
        let e = other.open("us", "kid1", &sealed).unwrap_err();
        assert!(e.to_string().contains("secret.key"), "{e}");
        // Damaged or cut short: an error, never a panic.
        for bad in [
            Vec::new(),
            vec![VERSION],
            sealed[..SEALED_LEN - 1].to_vec(),
            {
                let mut b = sealed.clone();
                b[20] ^= 1;
                b
            },
            {
                let mut b = sealed.clone();
                b[0] = 2;
                b
            },
        ] {
            assert!(sealer.open("us", "kid1", &bad).is_err());
        }
    }

    #[test]
    fn the_debug_form_shows_nothing() {
        let sealer = KeySealer::from_root_key(&[1u8; 32]).unwrap();
        assert_eq!(format!("{sealer:?}"), "KeySealer { .. }");
    }
}
