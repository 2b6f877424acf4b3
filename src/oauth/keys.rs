//! One token-signing key: Ed25519. EdDSA signs in microseconds, which keeps
//! the token endpoint fast, and verifiers only need the public key from the
//! JWKS.
//!
//! A region's keys live in its store, encrypted (see `ring.rs` and
//! `sealing.rs`). The key file in the data dir, [`KEY_FILE`], is what
//! Keyward used before: a store with no key for a region imports it once
//! ([`read_key_file`]), so tokens issued before the upgrade keep verifying.
//! A server in front of a remote region, which has no store of its own,
//! still signs with it ([`SigningKeys::load_or_create`]).
//!
//! Signing goes through aws-lc-rs (already in the build for TLS) rather than a
//! pure-Rust Ed25519: its assembly-optimised base-point multiplication signs in
//! half the time on x86-64, and the signature is the token endpoint's largest
//! cost (see BENCHMARKS.md).

use std::path::{Path, PathBuf};

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::Digest as _;
use zeroize::Zeroizing;

use crate::fs::{ExposedError, KeyFile, create_private_dir, load_or_create_key};

/// The key file in the data dir: the 32-byte Ed25519 seed.
pub const KEY_FILE: &str = "token-signing.ed25519";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{}", describe_io(path, source))]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the token signing key {path} is damaged (expected 32 bytes); move it away to generate a new one (tokens already issued stop verifying)"
    )]
    Damaged { path: String },
    #[error(
        "the token signing key was refused by the crypto library ({0}); move the key file {KEY_FILE} out of the data dir to generate a new one (tokens already issued stop verifying)"
    )]
    Refused(String),
}

/// The I/O error, or just the refusal when the key or the data dir is exposed
/// (its message names the file already).
fn describe_io(path: &str, source: &std::io::Error) -> String {
    match ExposedError::find(source) {
        Some(exposed) => exposed.to_string(),
        None => format!("cannot read or write the token signing key {path}: {source}"),
    }
}

/// The key file, refused unread if group or others can reach it: anyone who
/// read it can sign admin tokens.
/// The signing key's file, as messages name it.
pub const SIGNING_KEY: KeyFile = KeyFile {
    what: "the token signing key",
    advice: "Whoever read it can sign tokens, admin tokens included: move it away so a new one is generated (tokens already issued stop verifying). ",
};

/// The signing key with its public identity.
pub struct SigningKeys {
    signing: Ed25519KeyPair,
    /// The raw 32-byte public key (RFC 8032).
    public: [u8; 32],
    kid: String,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// Loads the key from `data_dir`, generating it on first start. Concurrent
    /// first starts agree on one key: the first atomic write wins and the
    /// others read it.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        let path = data_dir.join(KEY_FILE);
        let io = |path: &PathBuf, source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        create_private_dir(data_dir).map_err(|e| io(&path, e))?;
        let bytes = load_or_create_key(&path, 32, SIGNING_KEY).map_err(|e| io(&path, e))?;
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(bytes.as_slice().try_into().map_err(|_| KeyError::Damaged {
                path: path.display().to_string(),
            })?);
        Self::from_seed(&seed)
    }

    /// A new key from the OS CSPRNG, and its seed (to be stored sealed).
    pub fn generate() -> Result<(Self, Zeroizing<[u8; 32]>), KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        aws_lc_rs::rand::fill(seed.as_mut_slice())
            .map_err(|_| KeyError::Refused("the OS random number generator failed".into()))?;
        Ok((Self::from_seed(&seed)?, seed))
    }

    /// The key for a 32-byte seed. Every 32-byte string is a valid Ed25519
    /// seed (RFC 8032 §5.1.5), so the error is only the library refusing it.
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self, KeyError> {
        let refused = |e: &dyn std::fmt::Display| KeyError::Refused(e.to_string());
        let signing = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| refused(&e))?;
        let public: [u8; 32] = signing
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|e| refused(&e))?;
        // RFC 7638 thumbprint of the public JWK: stable, and tells keys apart.
        let x = URL_SAFE_NO_PAD.encode(public);
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()));
        Ok(SigningKeys {
            signing,
            public,
            kid,
        })
    }

    /// The key ID: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> aws_lc_rs::signature::Signature {
        self.signing.sign(message)
    }

    /// The raw public key (RFC 8032), as published in the JWKS.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public
    }

    /// The public key as a JWK (RFC 7517, RFC 8037).
    pub fn jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.public),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
        })
    }

    /// The public key alone as a JWK Set.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.jwk()] })
    }
}

/// The seed in `data_dir`'s [`KEY_FILE`] if there is one, read with the same
/// checks as [`SigningKeys::load_or_create`] (refused unread when exposed),
/// and nothing is created.
pub fn read_key_file(data_dir: &Path) -> Result<Option<Zeroizing<[u8; 32]>>, KeyError> {
    use std::io::Read as _;
    let path = data_dir.join(KEY_FILE);
    let io = |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let meta = file.metadata().map_err(io)?;
    crate::fs::refuse_exposed(&path, &meta, SIGNING_KEY.what, SIGNING_KEY.advice).map_err(io)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(32));
    file.read_to_end(&mut bytes).map_err(io)?;
    let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| KeyError::Damaged {
        path: path.display().to_string(),
    })?;
    Ok(Some(Zeroizing::new(seed)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_once_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let a = SigningKeys::load_or_create(dir.path()).unwrap();
        let b = SigningKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(a.kid(), b.kid());
        assert_eq!(a.jwks(), b.jwks());
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let seed = std::fs::read(dir.path().join(KEY_FILE)).unwrap();
        let debug = format!("{a:?}");
        assert!(!debug.contains(&format!("{seed:?}")), "{debug}");
        assert!(!debug.contains(&URL_SAFE_NO_PAD.encode(&seed)), "{debug}");
    }

    /// RFC 8032 §7.1, TEST 1: a seed file keeps its public key, kid and
    /// signatures whatever library signs.
    #[test]
    fn rfc8032_known_answer() {
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let seed: [u8; 32] =
            hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .try_into()
                .unwrap();
        let keys = SigningKeys::from_seed(&seed).unwrap();
        assert_eq!(
            keys.public_key().to_vec(),
            hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        );
        assert_eq!(
            keys.sign(b"").as_ref().to_vec(),
            hex(concat!(
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555",
                "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
            ))
        );
    }

    #[test]
    fn the_key_file_is_read_only_if_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_key_file(dir.path()).unwrap().is_none());
        assert!(!dir.path().join(KEY_FILE).exists(), "nothing is created");
        let made = SigningKeys::load_or_create(dir.path()).unwrap();
        let seed = read_key_file(dir.path()).unwrap().unwrap();
        assert_eq!(SigningKeys::from_seed(&seed).unwrap().kid(), made.kid());
        std::fs::set_permissions(dir.path().join(KEY_FILE), PermissionsExt::from_mode(0o644))
            .unwrap();
        let e = read_key_file(dir.path()).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
    }

    #[test]
    fn generated_keys_differ() {
        let (a, seed) = SigningKeys::generate().unwrap();
        let (b, _) = SigningKeys::generate().unwrap();
        assert_ne!(a.kid(), b.kid());
        assert_eq!(SigningKeys::from_seed(&seed).unwrap().kid(), a.kid());
    }

    #[test]
    fn damaged_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        // Private, as Keyward makes them: what is tested is the length.
        for (path, mode) in [
            (dir.path().join(KEY_FILE), 0o600),
            (dir.path().into(), 0o700),
        ] {
            std::fs::set_permissions(path, PermissionsExt::from_mode(mode)).unwrap();
        }
        let e = SigningKeys::load_or_create(dir.path()).unwrap_err();
        assert!(e.to_string().contains("damaged"), "{e}");
    }

    #[test]
    fn an_exposed_key_is_refused_unread_and_left_as_found() {
        let dir = tempfile::tempdir().unwrap();
        SigningKeys::load_or_create(dir.path()).unwrap();
        let key = dir.path().join(KEY_FILE);
        std::fs::set_permissions(&key, PermissionsExt::from_mode(0o640)).unwrap();
        let e = SigningKeys::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("mode 640") && e.contains("chmod 600"), "{e}");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}
