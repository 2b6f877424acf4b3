//! Secrets at rest: a keyed hash, HMAC-SHA256 with a key kept in the data dir.
//! The same key, `secret.key`, is the root of the signing keys' encryption
//! (through HKDF with a label of its own; see `oauth::sealing`).
//!
//! Secrets are 48 random characters (~285 bits), so a slow password hash would
//! add nothing but cost; a keyed hash also means a stolen database alone does
//! not allow offline guessing.

use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::fs::{ExposedError, KeyFile, load_or_create_key};
use crate::model::{ClientId, ClientSecret};

pub const KEY_FILE: &str = "secret.key";
const KEY_LEN: usize = 32;
/// The hashing key's file, as messages name it.
pub const HASHING_KEY: KeyFile = KeyFile {
    what: "the hashing key",
    advice: "Whoever read it can check guessed secrets against a copy of the database. ",
};

pub struct SecretHasher {
    /// HMAC state with the key already absorbed; cloned for every hash.
    keyed: Hmac<Sha256>,
    /// Encrypts the region's signing keys, with a key derived from this one.
    sealer: crate::oauth::sealing::KeySealer,
}

#[derive(Debug, thiserror::Error)]
pub enum HasherError {
    #[error("{}", describe_io(path, source))]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the hashing key {path} is damaged (expected {KEY_LEN} bytes, found {found}); restore it from a backup, or move the data dir aside to start afresh"
    )]
    Damaged { path: String, found: usize },
    #[error(transparent)]
    Sealer(#[from] crate::oauth::sealing::SealError),
}

/// The I/O error, or just the refusal when the key file is exposed (its
/// message names the file already).
fn describe_io(path: &str, source: &std::io::Error) -> String {
    match ExposedError::find(source) {
        Some(exposed) => exposed.to_string(),
        None => format!("cannot read or create the hashing key {path}: {source}"),
    }
}

impl SecretHasher {
    /// Loads the key from `data_dir`, creating it (0600) on first use.
    pub fn open(data_dir: &Path) -> Result<Self, HasherError> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| HasherError::Io {
            path: path.display().to_string(),
            source,
        };
        // An exposed key is refused before it is read; see `crate::fs`.
        let key = load_or_create_key(&path, KEY_LEN, HASHING_KEY).map_err(io)?;
        if key.len() != KEY_LEN {
            return Err(HasherError::Damaged {
                path: path.display().to_string(),
                found: key.len(),
            });
        }
        SecretHasher::from_key(&key)
    }

    fn from_key(key: &[u8]) -> Result<Self, HasherError> {
        // HMAC accepts keys of any length, so this cannot fail for our 32 bytes.
        let keyed = match Hmac::<Sha256>::new_from_slice(key) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        Ok(SecretHasher {
            keyed,
            sealer: crate::oauth::sealing::KeySealer::from_root_key(key)?,
        })
    }

    /// What seals and opens the signing keys stored under this key.
    pub fn sealer(&self) -> &crate::oauth::sealing::KeySealer {
        &self.sealer
    }

    fn mac(&self, id: &ClientId, secret: &ClientSecret) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        // The client ID is bound in, so a hash copied to another row is useless.
        mac.update(id.as_str().as_bytes());
        mac.update(&[0]);
        mac.update(secret.expose().as_bytes());
        mac
    }

    pub fn hash(&self, id: &ClientId, secret: &ClientSecret) -> Vec<u8> {
        self.mac(id, secret).finalize().into_bytes().to_vec()
    }

    /// A fingerprint of the key, safe to store beside the hashes: an HMAC of
    /// a fixed label, so it tells whether two replicas hold the same key
    /// without helping anyone guess it. A shared store (PostgreSQL) keeps it
    /// and refuses a replica whose key differs.
    pub fn key_fingerprint(&self) -> String {
        let mut mac = self.keyed.clone();
        mac.update(b"keyward secret.key fingerprint v1");
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Constant-time check of `secret` against a stored hash.
    pub fn verify(&self, id: &ClientId, secret: &ClientSecret, stored: &[u8]) -> bool {
        self.mac(id, secret).verify_slice(stored).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_secret_for_the_right_id() {
        let h = SecretHasher::from_key(&[7; KEY_LEN]).unwrap();
        let id = ClientId::generate();
        let s = ClientSecret::generate();
        let stored = h.hash(&id, &s);
        assert!(h.verify(&id, &s, &stored));
        assert!(!h.verify(&id, &ClientSecret::generate(), &stored));
        assert!(!h.verify(&ClientId::generate(), &s, &stored));
        assert!(!h.verify(&id, &s, &stored[..16]));
    }

    #[test]
    fn key_file_is_created_once_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let id = ClientId::generate();
        let s = ClientSecret::generate();
        let a = SecretHasher::open(dir.path()).unwrap().hash(&id, &s);
        let b = SecretHasher::open(dir.path()).unwrap().hash(&id, &s);
        assert_eq!(a, b, "the second open reuses the key");
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn damaged_key_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        // Private, as Keyward makes it: what is tested is the length.
        std::fs::set_permissions(
            dir.path().join(KEY_FILE),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        let e = SecretHasher::open(dir.path()).err().unwrap().to_string();
        assert!(e.contains("damaged") && e.contains("found 5"), "{e}");
    }
}
