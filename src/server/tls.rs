//! TLS for `keyward serve --tls-cert FILE --tls-key FILE`, with rustls.
//!
//! - TLS 1.2 and 1.3 only, with the aws-lc-rs provider the rest of the build
//!   uses; HTTP/1.1 is offered by ALPN.
//! - The certificate file is a PEM chain (the server's certificate first),
//!   the key file one PEM private key (PKCS#8, PKCS#1 or SEC1).
//! - `SIGHUP` reloads both files. Each new connection takes the pair in use
//!   when it arrives; open connections keep theirs, so a reload drops none. A
//!   new pair that cannot be read or does not match is refused with a log
//!   line, and the old pair stays in use.
//!
//! Errors name the files, never their contents: the key file is a secret.
//! A key file that group or others can read or write is refused, at start
//! and on reload, like the data dir's key files (`fs.rs`): whoever could read
//! it may hold a copy, so tightening the mode quietly would hide that.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// Where the certificate chain and its key are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read a PEM certificate chain from {path}: {message}")]
    Certificate { path: String, message: String },
    #[error("cannot read a PEM private key from {path}: {message}")]
    Key { path: String, message: String },
    /// The key file is open to group or others (see `fs::ExposedError`).
    #[error("{0}")]
    KeyExposed(String),
    #[error("the certificate in {cert} and the key in {key} cannot be used together: {message}")]
    Pair {
        cert: String,
        key: String,
        message: String,
    },
}

/// Builds the server's TLS configuration from the two files.
pub fn load(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_path = files.cert.display().to_string();
    let key_path = files.key.display().to_string();
    let cert_error = |message: String| TlsError::Certificate {
        path: cert_path.clone(),
        message,
    };
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| cert_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error("it holds no certificate".to_owned()));
    }
    refuse_exposed_key(files, &key_path)?;
    // The error of a key file never quotes it.
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| TlsError::Key {
        path: key_path.clone(),
        message: pem_error(&e),
    })?;
    let pair = |e: rustls::Error| TlsError::Pair {
        cert: cert_path.clone(),
        key: key_path.clone(),
        message: e.to_string(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(pair)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(pair)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What to do about a TLS key others could read.
const KEY_ADVICE: &str =
    "Anyone who could read it may hold a copy: if in doubt, make a new key and certificate. ";

/// Fails when group or others may read or write the key file, before it is read.
fn refuse_exposed_key(files: &TlsFiles, key_path: &str) -> Result<(), TlsError> {
    let meta = std::fs::metadata(&files.key).map_err(|e| TlsError::Key {
        path: key_path.to_owned(),
        message: e.to_string(),
    })?;
    crate::fs::refuse_exposed(&files.key, &meta, "the TLS key file", KEY_ADVICE)
        .map_err(|e| TlsError::KeyExposed(e.to_string()))
}

/// What went wrong reading a PEM key, in words that quote none of it.
fn pem_error(e: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error;
    match e {
        Error::NoItemsFound => "it holds no private key".to_owned(),
        Error::Io(io) => io.to_string(),
        _ => "it is not a PEM private key".to_owned(),
    }
}

/// The pair in use, swapped whole on reload.
pub struct Tls {
    files: TlsFiles,
    config: RwLock<Arc<ServerConfig>>,
}

impl Tls {
    /// Loads the pair; fails when it cannot be used.
    pub fn open(files: TlsFiles) -> Result<Self, TlsError> {
        let config = load(&files)?;
        Ok(Tls {
            files,
            config: RwLock::new(config),
        })
    }

    /// An acceptor for one new connection, with the pair in use now.
    pub fn acceptor(&self) -> TlsAcceptor {
        // A poisoned lock still holds a whole, valid configuration.
        let config = self.config.read().unwrap_or_else(|p| p.into_inner());
        TlsAcceptor::from(config.clone())
    }

    /// Reads the files again and uses the new pair for new connections; on
    /// failure the old pair stays in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = load(&self.files)?;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(())
    }
}

/// Reloads `tls` on every `SIGHUP` received on `hangups`, logging the outcome.
/// The signal stream is made by the caller before serving starts, so a
/// `SIGHUP` that arrives early is not the default action (ending the process).
pub async fn reload_on_hangup(tls: Arc<Tls>, mut hangups: tokio::signal::unix::Signal) {
    while hangups.recv().await.is_some() {
        match tls.reload() {
            Ok(()) => tracing::info!(
                cert = %tls.files.cert.display(),
                "SIGHUP: reloaded the TLS certificate and key for new connections"
            ),
            Err(e) => tracing::warn!(
                error = %e,
                "SIGHUP: the new TLS certificate and key are refused; the old ones stay in use"
            ),
        }
    }
}
