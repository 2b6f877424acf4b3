//! The database URL: a secret (it holds the password), so it is never shown,
//! logged or put in an error. People see [`DatabaseUrl::display`]:
//! `postgres://user@host:port/db`.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};
use zeroize::Zeroizing;

/// How long connecting may take when the URL does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A parsed `postgres://` URL.
#[derive(Clone)]
pub struct DatabaseUrl {
    config: tokio_postgres::Config,
    /// The password, kept only to scrub it from messages that might echo it.
    password: Option<Arc<Zeroizing<String>>>,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.display()).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    #[error(
        "the database URL is not valid ({reason}); it must look like postgres://user:password@host:port/db?sslmode=require"
    )]
    Invalid { reason: String },
    #[error("cannot set up TLS to the database: {0}")]
    Tls(String),
}

impl DatabaseUrl {
    /// Parses a URL (or a libpq key=value string). The message of a bad one
    /// never repeats it.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let text = text.trim();
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Err(UrlError::Invalid {
                reason: "it does not start with postgres://".into(),
            });
        }
        let mut config: tokio_postgres::Config = text.parse().map_err(|e| {
            let reason = scrub_text(&format!("{e}"), text);
            UrlError::Invalid { reason }
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("keyward");
        }
        let password = config
            .get_password()
            .map(|p| Arc::new(Zeroizing::new(String::from_utf8_lossy(p).into_owned())));
        Ok(DatabaseUrl { config, password })
    }

    /// `postgres://user@host:port/db`: the URL without its password or options.
    pub fn display(&self) -> String {
        let user = self.config.get_user().unwrap_or("");
        let host = self
            .config
            .get_hosts()
            .first()
            .map(|h| match h {
                Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            })
            .unwrap_or_else(|| "localhost".into());
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let db = self.config.get_dbname().unwrap_or(user);
        let at = if user.is_empty() {
            String::new()
        } else {
            format!("{user}@")
        };
        format!("postgres://{at}{host}:{port}/{db}")
    }

    /// Removes the password from `message` wherever it appears: a last line
    /// of defence for messages from the driver or the server.
    pub fn scrub(&self, message: &str) -> String {
        match &self.password {
            Some(p) if !p.is_empty() => message.replace(p.as_str(), "***"),
            _ => message.to_string(),
        }
    }

    pub fn ssl_mode(&self) -> SslMode {
        self.config.get_ssl_mode()
    }

    pub(super) fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// The same server, another database (for tests and tools that make one
    /// database per run).
    pub fn with_dbname(&self, db: &str) -> DatabaseUrl {
        let mut config = self.config.clone();
        config.dbname(db);
        DatabaseUrl {
            config,
            password: self.password.clone(),
        }
    }
}

/// Reads a region's database URL from where the config says
/// (`database_url_env` or `database_url_file`). A file must be readable by
/// its owner only: a URL with a password that others can read is refused.
pub fn load_database_url(
    region: &crate::model::Region,
    source: &crate::config::SecretSource,
) -> Result<DatabaseUrl, crate::registry::RegistryError> {
    use crate::config::SecretSource;
    use std::os::unix::fs::PermissionsExt;
    let invalid =
        |m: String| crate::registry::RegistryError::InvalidInput(format!("region {region}: {m}"));
    let text = Zeroizing::new(match source {
        SecretSource::Env(var) => std::env::var(var).map_err(|_| {
            invalid(format!(
                "the environment variable {var} (database_url_env) is not set; set it to the database URL, postgres://user:password@host:port/db"
            ))
        })?,
        SecretSource::File(path) => {
            let cannot =
                |e: std::io::Error| invalid(format!("cannot read database_url_file {}: {e}", path.display()));
            let mode = std::fs::metadata(path).map_err(cannot)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(invalid(format!(
                    "database_url_file {} has mode {:o}, readable by others, and the URL holds the database password: run `chmod 600 {}`",
                    path.display(),
                    mode & 0o777,
                    path.display()
                )));
            }
            std::fs::read_to_string(path).map_err(cannot)?
        }
    });
    DatabaseUrl::parse(&text).map_err(|e| invalid(e.to_string()))
}

/// `message` without the password part of `url`, for errors raised before
/// the URL parsed.
fn scrub_text(message: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p);
    match password {
        Some(p) if !p.is_empty() => message.replace(p, "***"),
        _ => message.to_string(),
    }
}

/// The TLS connector for `sslmode=prefer` and `require`: rustls with the
/// platform's verifier (the system's trusted roots), so `require` also
/// checks the server's certificate.
pub(super) fn tls_connector() -> Result<tokio_postgres_rustls::MakeRustlsConnect, UrlError> {
    use rustls_platform_verifier::ConfigVerifierExt;
    let config =
        rustls::ClientConfig::with_platform_verifier().map_err(|e| UrlError::Tls(e.to_string()))?;
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_debug_hide_the_password() {
        let url =
            DatabaseUrl::parse("postgres://kw:s3cr3t-pw@db.example:6543/keyward?sslmode=require")
                .unwrap();
        assert_eq!(url.display(), "postgres://kw@db.example:6543/keyward");
        assert!(!format!("{url:?}").contains("s3cr3t-pw"));
        assert_eq!(url.ssl_mode(), SslMode::Require);
        assert_eq!(url.scrub("oops s3cr3t-pw"), "oops ***");
    }

    #[test]
    fn ssl_modes_parse() {
        for (mode, want) in [
            ("disable", SslMode::Disable),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
        ] {
            let url = DatabaseUrl::parse(&format!("postgres://u:p@h/db?sslmode={mode}")).unwrap();
            assert_eq!(url.ssl_mode(), want);
        }
    }

    #[test]
    fn a_bad_url_is_refused_without_repeating_it() {
        for bad in [
            "mysql://u:hunter2pw@h/db",
            "postgres://u:hunter2pw@h/db?sslmode=bogus",
            "postgres://u:hunter2pw@h:notaport/db",
        ] {
            let e = DatabaseUrl::parse(bad).unwrap_err().to_string();
            assert!(!e.contains("hunter2pw"), "{e}");
            assert!(e.contains("postgres://user:password@host"), "{e}");
        }
    }
}
