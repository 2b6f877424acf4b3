//! Where Keyward keeps things, and what the user configured.
//!
//! Directories come from the `directories` crate (XDG on Linux) unless
//! `--data-dir`/`KEYWARD_DATA_DIR` or `--config`/`KEYWARD_CONFIG` say otherwise.
//! The config file is optional: without it there are two embedded regions, `us`
//! and `uk`.

mod settings;

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use settings::{
    BadCidr, ClipboardMode, ClipboardSettings, ConnectionSettings, CopySettings,
    DEFAULT_CLEAR_AFTER, MAX_CONNECTIONS_LIMIT, RequestLogSettings, ThrottleSettings,
    is_shell_variable, parse_cidr,
};

use crate::catalog::line_column;
use crate::model::Region;

/// Seconds a new secret stays visible by default: 15 minutes.
pub const DEFAULT_SECRET_VISIBLE_SECONDS: u64 = 15 * 60;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: line {line}, column {column}: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Semantic { file: String, message: String },
    #[error("cannot read the config file {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error(
        "the config file {file} is not UTF-8 text (is it a binary file?): it should be TOML, see the README"
    )]
    NotText { file: String },
    #[error(
        "cannot find a home directory for the data and config dirs: set KEYWARD_DATA_DIR and KEYWARD_CONFIG, or pass --data-dir and --config"
    )]
    NoHome,
}

/// The data dir, the config file and the directory beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub config_file: PathBuf,
}

impl Paths {
    /// Resolves the directories: explicit values win, then the platform defaults.
    pub fn resolve(
        data_dir: Option<PathBuf>,
        config_file: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let project =
            || directories::ProjectDirs::from("", "", "keyward").ok_or(ConfigError::NoHome);
        let data_dir = match data_dir {
            Some(d) => d,
            None => project()?.data_dir().to_path_buf(),
        };
        let config_file = match config_file {
            Some(f) => f,
            None => project()?.config_dir().join("config.toml"),
        };
        Ok(Paths {
            data_dir,
            config_file,
        })
    }

    /// The directory holding the config file (and an optional `scopes.toml`).
    pub fn config_dir(&self) -> &Path {
        self.config_file.parent().unwrap_or(Path::new("."))
    }
}

/// Where a region's applications live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The SQLite file in the data dir.
    Embedded,
    /// Another `keyward serve`, reached through its admin API.
    Remote(RemoteConfig),
    /// A PostgreSQL database, shared by replicas (and by regions).
    Postgres(PostgresConfig),
}

/// A region kept in PostgreSQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresConfig {
    /// Where the database URL comes from: it holds a password, so never the
    /// config file.
    pub url: SecretSource,
}

/// A region served by another `keyward serve`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteConfig {
    /// The server's base URL, e.g. `https://uk.tokens.example`.
    pub url: String,
    /// The admin client's ID.
    pub client_id: String,
    /// Where the admin client's secret comes from: never the config file.
    pub secret: SecretSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// The name of an environment variable.
    Env(String),
    /// A file readable only by its owner (mode 0600 or stricter).
    File(PathBuf),
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Embedded => f.write_str("embedded"),
            Backend::Remote(r) => f.write_str(&crate::text::redact_url(&r.url)),
            Backend::Postgres(_) => f.write_str("postgres"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionConfig {
    pub region: Region,
    /// Shown on the region's tab; defaults to the id in capitals.
    pub name: String,
    pub backend: Backend,
    /// Where the TUI's token test (`t`) asks for a token. `None` means the
    /// remote server's `/oauth2/token`, or for an embedded region a token minted
    /// in-process on the data dir's key.
    pub token_url: Option<String>,
    /// `read_only = true`: the CLI and the UI refuse every change here.
    pub read_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub regions: Vec<RegionConfig>,
    /// How long a new secret can be seen and copied.
    pub secret_visible_for: Duration,
    pub clipboard: ClipboardSettings,
    /// Failed-authentication limits of `keyward serve`.
    pub throttle: ThrottleSettings,
    /// `keyward serve`'s connection cap and header-read timeout.
    pub connections: ConnectionSettings,
    /// How long a rotated-out secret keeps working unless a rotation says
    /// (`rotation_grace`, 0s to 30d).
    pub rotation_grace: chrono::Duration,
    /// How often `keyward serve` writes secret usage (`usage_flush_seconds`;
    /// 0 turns recording off).
    pub usage_flush: Option<Duration>,
    /// How often `keyward serve` summarises requests in its log.
    pub request_log: RequestLogSettings,
    /// How long a new token-signing key is published before it signs
    /// (`signing_key_publish_delay_seconds`; see `oauth::ring`).
    pub signing_key_publish_delay: Duration,
    /// The proxies `keyward serve` trusts (`trusted_proxy`), used when the
    /// command line names none with `--trusted-proxy`.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The variable names of the UI's copy formats (`[copy]`).
    pub copy: CopySettings,
    /// How many days a deleted application stays in the trash (`trash_days`,
    /// 1 to 365).
    pub trash_days: u32,
}

/// How often `keyward serve` writes what it noted of secret usage, unless
/// `usage_flush_seconds` says otherwise.
pub const DEFAULT_USAGE_FLUSH: Duration = Duration::from_secs(5);

impl Default for Config {
    fn default() -> Self {
        let region = |id: &'static str| RegionConfig {
            region: Region::builtin(id),
            name: id.to_ascii_uppercase(),
            backend: Backend::Embedded,
            token_url: None,
            read_only: false,
        };
        Config {
            regions: vec![region("us"), region("uk")],
            secret_visible_for: Duration::from_secs(DEFAULT_SECRET_VISIBLE_SECONDS),
            clipboard: ClipboardSettings::default(),
            throttle: ThrottleSettings::default(),
            connections: ConnectionSettings::default(),
            rotation_grace: crate::model::DEFAULT_ROTATION_GRACE,
            usage_flush: Some(DEFAULT_USAGE_FLUSH),
            request_log: RequestLogSettings::default(),
            signing_key_publish_delay: crate::oauth::ring::DEFAULT_PUBLISH_DELAY,
            trusted_proxies: Vec::new(),
            copy: CopySettings::default(),
            trash_days: crate::model::DEFAULT_TRASH_DAYS,
        }
    }
}

impl Config {
    /// `trash_days` as a duration, for the stores.
    pub fn trash_period(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.trash_days))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    secret_visible_seconds: Option<u64>,
    clipboard: Option<ClipboardMode>,
    clipboard_clear_after: Option<u64>,
    clipboard_clear_client_id: Option<bool>,
    clipboard_passthrough: Option<bool>,
    throttle_client_failures: Option<u32>,
    throttle_address_failures: Option<u32>,
    throttle_window_seconds: Option<u64>,
    max_connections: Option<usize>,
    header_read_timeout_seconds: Option<u64>,
    rotation_grace: Option<String>,
    usage_flush_seconds: Option<u64>,
    log_summary_seconds: Option<u64>,
    signing_key_publish_delay_seconds: Option<u64>,
    trusted_proxy: Option<OneOrMany>,
    copy: Option<RawCopy>,
    trash_days: Option<u32>,
    #[serde(default)]
    region: Vec<RawRegion>,
}

/// `[copy]`: the variable names of the UI's copy formats.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCopy {
    client_id_env: Option<String>,
    client_secret_env: Option<String>,
}

/// A key that takes one string or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    id: toml::Spanned<String>,
    name: Option<String>,
    url: Option<toml::Spanned<String>>,
    client_id: Option<String>,
    client_secret_env: Option<String>,
    client_secret_file: Option<PathBuf>,
    token_url: Option<toml::Spanned<String>>,
    read_only: Option<bool>,
    database_url_env: Option<String>,
    database_url_file: Option<PathBuf>,
    /// Refused with advice: the URL holds the database password.
    database_url: Option<toml::Spanned<toml::Value>>,
    /// Refused with advice: a secret never belongs in the config file.
    client_secret: Option<toml::Spanned<toml::Value>>,
}

/// The config text and its file name, for errors that point into it.
struct Source<'a> {
    text: &'a str,
    file: &'a str,
}

impl Source<'_> {
    /// An error at a place in the file (the start when `span` is unknown).
    fn invalid(&self, span: Option<std::ops::Range<usize>>, message: String) -> ConfigError {
        let (line, column) = line_column(self.text, span.map_or(0, |s| s.start));
        ConfigError::Invalid {
            file: self.file.to_owned(),
            line,
            column,
            message: crate::text::printable(&message),
        }
    }

    /// An error about a value, named by its key in the message.
    fn semantic(&self, message: String) -> ConfigError {
        ConfigError::Semantic {
            file: self.file.to_owned(),
            message,
        }
    }
}

/// A number the file may set from `min` (1 unless said) up to `max`.
struct Limit<T> {
    key: &'static str,
    min: T,
    max: T,
    default: T,
    /// After the range in the message, for a key whose name has no unit.
    unit: &'static str,
    /// After the default in the message.
    advice: &'static str,
}

impl<T: Copy + PartialOrd + From<u8> + Display> Limit<T> {
    fn new(key: &'static str, max: T, default: T) -> Self {
        Limit {
            key,
            min: T::from(1),
            max,
            default,
            unit: "",
            advice: "",
        }
    }

    /// `value` if it is in range; else `key = value: use min to max (the default is …)`.
    fn check(&self, value: T, source: &Source) -> Result<T, ConfigError> {
        if value >= self.min && value <= self.max {
            return Ok(value);
        }
        let Limit {
            key,
            min,
            max,
            default,
            unit,
            advice,
        } = self;
        Err(source.semantic(format!(
            "{key} = {value}: use {min} to {max}{unit} (the default is {default}){advice}"
        )))
    }
}

/// The `[[region]]` tables, in order; a region may appear once.
fn parse_regions(raw: Vec<RawRegion>, source: &Source) -> Result<Vec<RegionConfig>, ConfigError> {
    let mut regions: Vec<RegionConfig> = Vec::new();
    for r in raw {
        let span = r.id.span();
        let region = Region::new(r.id.get_ref())
            .map_err(|e| source.invalid(Some(span.clone()), e.to_string()))?;
        if regions.iter().any(|x| x.region == region) {
            return Err(source.invalid(Some(span), format!("region '{region}' appears twice")));
        }
        regions.push(parse_region(r, region, source)?);
    }
    Ok(regions)
}

/// One `[[region]]` table whose id is `region`.
fn parse_region(
    mut r: RawRegion,
    region: Region,
    source: &Source,
) -> Result<RegionConfig, ConfigError> {
    let name = match &r.name {
        Some(n) if !n.trim().is_empty() => crate::text::printable(n.trim()),
        _ => region.label(),
    };
    if let Some(secret) = &r.client_secret {
        return Err(source.invalid(
            Some(secret.span()),
            format!(
                "region '{region}': client_secret must not be in the config file; use client_secret_env = \"VAR\" or client_secret_file = \"/path\" (mode 0600)"
            ),
        ));
    }
    // A table with several mistakes reports the backend's first.
    let token_url = r.token_url.take();
    let read_only = r.read_only.unwrap_or(false);
    let backend = backend(r, &region, source)?;
    let token_url = match &token_url {
        None => None,
        Some(u) => Some(http_url(u, &region, "token_url", source)?),
    };
    Ok(RegionConfig {
        region,
        name,
        backend,
        token_url,
        read_only,
    })
}

/// Embedded without a `url`; with one, a remote region and its admin client;
/// with `database_url_env` or `database_url_file`, PostgreSQL.
fn backend(r: RawRegion, region: &Region, source: &Source) -> Result<Backend, ConfigError> {
    let span = r.id.span();
    if let Some(url) = &r.database_url {
        return Err(source.invalid(
            Some(url.span()),
            format!(
                "region '{region}': database_url must not be in the config file (it holds the password); use database_url_env = \"VAR\" or database_url_file = \"/path\" (mode 0600)"
            ),
        ));
    }
    if r.database_url_env.is_some() || r.database_url_file.is_some() {
        return postgres_backend(r, region, source);
    }
    let Some(url) = &r.url else {
        if r.client_id.is_some() || r.client_secret_env.is_some() || r.client_secret_file.is_some()
        {
            return Err(source.invalid(
                Some(span),
                format!("region '{region}': client_id and client_secret_* need a url"),
            ));
        }
        return Ok(Backend::Embedded);
    };
    let url = http_url(url, region, "url", source)?
        .trim_end_matches('/')
        .to_owned();
    let client_id = r.client_id.ok_or_else(|| {
        source.invalid(
            Some(span.clone()),
            format!("region '{region}': a remote region needs client_id (an admin client of that server)"),
        )
    })?;
    let secret = match (r.client_secret_env, r.client_secret_file) {
        (Some(var), None) => SecretSource::Env(var),
        (None, Some(file)) => SecretSource::File(file),
        _ => {
            return Err(source.invalid(
                Some(span),
                format!(
                    "region '{region}': give exactly one of client_secret_env = \"VAR\" or client_secret_file = \"/path\""
                ),
            ));
        }
    };
    Ok(Backend::Remote(RemoteConfig {
        url,
        client_id,
        secret,
    }))
}

/// A PostgreSQL region: exactly one of `database_url_env` and
/// `database_url_file`, and nothing of a remote region's.
fn postgres_backend(
    r: RawRegion,
    region: &Region,
    source: &Source,
) -> Result<Backend, ConfigError> {
    let span = r.id.span();
    if r.url.is_some()
        || r.client_id.is_some()
        || r.client_secret_env.is_some()
        || r.client_secret_file.is_some()
    {
        return Err(source.invalid(
            Some(span),
            format!(
                "region '{region}': a PostgreSQL region (database_url_*) takes no url or client_*: those are for a remote region"
            ),
        ));
    }
    let url = match (r.database_url_env, r.database_url_file) {
        (Some(var), None) => SecretSource::Env(var),
        (None, Some(file)) => SecretSource::File(file),
        _ => {
            return Err(source.invalid(
                Some(span),
                format!(
                    "region '{region}': give exactly one of database_url_env = \"VAR\" or database_url_file = \"/path\""
                ),
            ));
        }
    };
    Ok(Backend::Postgres(PostgresConfig { url }))
}

/// The trimmed value of `key`, which must be an http:// or https:// URL.
fn http_url(
    value: &toml::Spanned<String>,
    region: &Region,
    key: &str,
    source: &Source,
) -> Result<String, ConfigError> {
    let url = value.get_ref().trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(source.invalid(
            Some(value.span()),
            format!("region '{region}': {key} must start with http:// or https://"),
        ));
    }
    Ok(url.to_owned())
}

impl Config {
    /// Reads `file` if it exists; a missing file means the defaults.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        match std::fs::read_to_string(file) {
            Ok(text) => Config::parse(&text, &file.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) if source.kind() == std::io::ErrorKind::InvalidData => {
                Err(ConfigError::NotText {
                    file: file.display().to_string(),
                })
            }
            Err(source) => Err(ConfigError::Read {
                file: file.display().to_string(),
                source,
            }),
        }
    }

    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let source = Source { text, file };
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| source.invalid(e.span(), e.message().trim().to_owned()))?;
        let mut config = Config::default();
        config.apply_numbers(&raw, &source)?;
        config.apply_rotation(&raw, &source)?;
        config.apply_switches(&raw);
        config.apply_trusted_proxies(&raw, &source)?;
        config.apply_copy(&raw, &source)?;
        if !raw.region.is_empty() {
            config.regions = parse_regions(raw.region, &source)?;
        }
        Ok(config)
    }

    /// The numbers that have a range, each checked against it.
    fn apply_numbers(&mut self, raw: &RawConfig, source: &Source) -> Result<(), ConfigError> {
        let defaults = Config::default();
        let seconds = |d: Duration| d.as_secs();
        if let Some(secs) = raw.secret_visible_seconds {
            let limit = Limit::new(
                "secret_visible_seconds",
                86_400,
                DEFAULT_SECRET_VISIBLE_SECONDS,
            );
            self.secret_visible_for = Duration::from_secs(limit.check(secs, source)?);
        }
        if let Some(secs) = raw.clipboard_clear_after {
            let limit = Limit {
                unit: " seconds",
                ..Limit::new(
                    "clipboard_clear_after",
                    3600,
                    seconds(defaults.clipboard.clear_after),
                )
            };
            self.clipboard.clear_after = Duration::from_secs(limit.check(secs, source)?);
        }
        if let Some(secs) = raw.throttle_window_seconds {
            let limit = Limit::new(
                "throttle_window_seconds",
                86_400,
                seconds(defaults.throttle.window),
            );
            self.throttle.window = Duration::from_secs(limit.check(secs, source)?);
        }
        if let Some(n) = raw.max_connections {
            let limit = Limit {
                advice: "; keep it below the open-file limit (`ulimit -n`)",
                ..Limit::new(
                    "max_connections",
                    MAX_CONNECTIONS_LIMIT,
                    defaults.connections.max_connections,
                )
            };
            self.connections.max_connections = limit.check(n, source)?;
        }
        if let Some(secs) = raw.header_read_timeout_seconds {
            let limit = Limit::new(
                "header_read_timeout_seconds",
                3600,
                seconds(defaults.connections.header_read_timeout),
            );
            self.connections.header_read_timeout = Duration::from_secs(limit.check(secs, source)?);
        }
        if let Some(secs) = raw.log_summary_seconds {
            let limit = Limit::new(
                "log_summary_seconds",
                3600,
                seconds(defaults.request_log.summary_every),
            );
            self.request_log.summary_every = Duration::from_secs(limit.check(secs, source)?);
        }
        if let Some(secs) = raw.signing_key_publish_delay_seconds {
            use crate::oauth::ring::{MAX_PUBLISH_DELAY, MIN_PUBLISH_DELAY};
            // Servers re-read their keys every few seconds: a shorter delay
            // could let a key sign before every server publishes it.
            let limit = Limit {
                min: MIN_PUBLISH_DELAY.as_secs(),
                advice: "; servers re-read their keys every second, and caches may keep the JWKS for up to half the delay",
                ..Limit::new(
                    "signing_key_publish_delay_seconds",
                    MAX_PUBLISH_DELAY.as_secs(),
                    seconds(defaults.signing_key_publish_delay),
                )
            };
            self.signing_key_publish_delay = Duration::from_secs(limit.check(secs, source)?);
        }
        if let Some(days) = raw.trash_days {
            let limit = Limit {
                unit: " days",
                ..Limit::new("trash_days", 365, defaults.trash_days)
            };
            self.trash_days = limit.check(days, source)?;
        }
        Ok(())
    }

    /// `rotation_grace` and `usage_flush_seconds`.
    fn apply_rotation(&mut self, raw: &RawConfig, source: &Source) -> Result<(), ConfigError> {
        if let Some(text) = &raw.rotation_grace {
            let grace = crate::model::parse_duration(text)
                .map_err(|e| source.semantic(format!("rotation_grace: {e}")))?;
            crate::model::check_grace(grace).map_err(|e| {
                source.semantic(format!(
                    "rotation_grace = \"{text}\": {e} (the default is 24h)"
                ))
            })?;
            self.rotation_grace = grace;
        }
        if let Some(secs) = raw.usage_flush_seconds {
            if secs > 3600 {
                return Err(source.semantic(format!(
                    "usage_flush_seconds = {secs}: use 1 to 3600, or 0 to record no usage (the default is {})",
                    DEFAULT_USAGE_FLUSH.as_secs()
                )));
            }
            self.usage_flush = (secs > 0).then(|| Duration::from_secs(secs));
        }
        Ok(())
    }

    /// `trusted_proxy = ["10.0.0.0/8", …]` (or one string): each must be a
    /// CIDR or an address, as for `--trusted-proxy`.
    fn apply_trusted_proxies(
        &mut self,
        raw: &RawConfig,
        source: &Source,
    ) -> Result<(), ConfigError> {
        let texts: &[String] = match &raw.trusted_proxy {
            None => return Ok(()),
            Some(OneOrMany::One(one)) => std::slice::from_ref(one),
            Some(OneOrMany::Many(many)) => many,
        };
        self.trusted_proxies = texts
            .iter()
            .map(|text| {
                parse_cidr(text).map_err(|e| {
                    source.semantic(format!(
                        "trusted_proxy: {e} (list the CIDRs of the proxies in front of keyward serve)"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    /// `[copy]`: each name must be a shell variable's, so a copied line is
    /// one assignment and nothing else.
    fn apply_copy(&mut self, raw: &RawConfig, source: &Source) -> Result<(), ConfigError> {
        let Some(copy) = &raw.copy else {
            return Ok(());
        };
        let defaults = CopySettings::default();
        for (key, value, slot, default) in [
            (
                "client_id_env",
                &copy.client_id_env,
                &mut self.copy.client_id_env,
                &defaults.client_id_env,
            ),
            (
                "client_secret_env",
                &copy.client_secret_env,
                &mut self.copy.client_secret_env,
                &defaults.client_secret_env,
            ),
        ] {
            let Some(name) = value else { continue };
            if !settings::is_shell_variable(name) {
                return Err(source.semantic(format!(
                    "[copy] {key} = \"{}\": not a shell variable name; use letters, digits and _, not starting with a digit (the default is {default})",
                    crate::text::printable_truncated(name, 64)
                )));
            }
            *slot = name.clone();
        }
        Ok(())
    }

    /// The settings any value of their type is right for.
    fn apply_switches(&mut self, raw: &RawConfig) {
        if let Some(mode) = raw.clipboard {
            self.clipboard.mode = mode;
        }
        if let Some(b) = raw.clipboard_clear_client_id {
            self.clipboard.clear_client_id = b;
        }
        if let Some(b) = raw.clipboard_passthrough {
            self.clipboard.passthrough = b;
        }
        if let Some(n) = raw.throttle_client_failures {
            self.throttle.client_failures = n;
        }
        if let Some(n) = raw.throttle_address_failures {
            self.throttle.address_failures = n;
        }
    }

    /// Applies `KEYWARD_CLIPBOARD`, which overrides the file's `clipboard`.
    pub fn apply_env(&mut self, clipboard_env: Option<&str>) -> Result<(), ConfigError> {
        if let Some(v) = clipboard_env.filter(|v| !v.trim().is_empty()) {
            self.clipboard.mode = v.parse().map_err(|message| ConfigError::Semantic {
                file: "KEYWARD_CLIPBOARD".into(),
                message,
            })?;
        }
        Ok(())
    }

    pub fn region(&self, region: &Region) -> Option<&RegionConfig> {
        self.regions.iter().find(|r| &r.region == region)
    }

    /// `us, uk`: for error messages.
    pub fn region_list(&self) -> String {
        self.regions
            .iter()
            .map(|r| r.region.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_regions_and_copy_names() {
        let c = Config::parse(
            "[copy]\nclient_id_env = \"PAY_ID\"\nclient_secret_env = \"_PAY_SECRET2\"\n[[region]]\nid = \"us\"\nread_only = true\n[[region]]\nid = \"uk\"\n",
            "c.toml",
        )
        .unwrap();
        assert!(c.regions[0].read_only);
        assert!(!c.regions[1].read_only);
        assert_eq!(c.copy.client_id_env, "PAY_ID");
        assert_eq!(c.copy.client_secret_env, "_PAY_SECRET2");
        assert_eq!(Config::default().copy.client_id_env, "KEYWARD_CLIENT_ID");
        assert!(!Config::default().regions[0].read_only);
        for bad in ["1ID", "ID;rm -rf ~", "A B", "", "ID=x", "Ü"] {
            let text = format!("[copy]\nclient_secret_env = {bad:?}\n");
            let e = Config::parse(&text, "c.toml").unwrap_err().to_string();
            assert!(
                e.contains("client_secret_env") && e.contains("not a shell variable name"),
                "{bad:?}: {e}"
            );
        }
        let e = Config::parse("[copy]\nclient_env = \"X\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("client_env"), "{e}");
    }

    #[test]
    fn defaults_are_us_and_uk_embedded() {
        let c = Config::parse("", "c.toml").unwrap();
        assert_eq!(c.region_list(), "us, uk");
        assert!(c.regions.iter().all(|r| r.backend == Backend::Embedded));
        assert_eq!(c.secret_visible_for, Duration::from_secs(900));
    }

    #[test]
    fn regions_and_window_from_file() {
        let c = Config::parse(
            "secret_visible_seconds = 60\n[[region]]\nid = \"eu\"\nname = \"Europe\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.region_list(), "eu");
        assert_eq!(c.regions[0].name, "Europe");
        assert_eq!(c.secret_visible_for, Duration::from_secs(60));
    }

    #[test]
    fn clipboard_settings_and_env_override() {
        let mut c = Config::parse(
            "clipboard = \"system\"\nclipboard_clear_after = 5\nclipboard_clear_client_id = true\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.clipboard.mode, ClipboardMode::System);
        assert_eq!(c.clipboard.clear_after, Duration::from_secs(5));
        assert!(c.clipboard.clear_client_id);
        c.apply_env(Some("osc52")).unwrap();
        assert_eq!(c.clipboard.mode, ClipboardMode::Osc52);
        assert!(
            c.apply_env(Some("nope"))
                .unwrap_err()
                .to_string()
                .contains("KEYWARD_CLIPBOARD")
        );
        let e = Config::parse("clipboard = \"nope\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml: line 1,"), "{e}");
    }

    #[test]
    fn remote_regions() {
        let c = Config::parse(
            "[[region]]\nid = \"uk\"\nurl = \"http://127.0.0.1:9/\"\nclient_id = \"abc\"\nclient_secret_env = \"UK_SECRET\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(
            c.regions[0].backend,
            Backend::Remote(RemoteConfig {
                url: "http://127.0.0.1:9".into(),
                client_id: "abc".into(),
                secret: SecretSource::Env("UK_SECRET".into()),
            })
        );
        for (bad, why) in [
            (
                "url = \"http://x\"\nclient_id = \"a\"\nclient_secret = \"s3cr3t\"\n",
                "must not be in the config file",
            ),
            ("url = \"http://x\"\nclient_id = \"a\"\n", "exactly one of"),
            (
                "url = \"ftp://x\"\nclient_id = \"a\"\nclient_secret_env = \"V\"\n",
                "http://",
            ),
            (
                "url = \"http://x\"\nclient_secret_env = \"V\"\n",
                "needs client_id",
            ),
            ("client_id = \"a\"\n", "need a url"),
        ] {
            let e = Config::parse(&format!("[[region]]\nid = \"uk\"\n{bad}"), "c.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(why), "{e}");
            assert!(!e.contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn postgres_regions() {
        let c = Config::parse(
            "[[region]]\nid = \"us\"\ndatabase_url_env = \"US_DB\"\n[[region]]\nid = \"eu\"\ndatabase_url_file = \"/etc/keyward/eu.url\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(
            c.regions[0].backend,
            Backend::Postgres(PostgresConfig {
                url: SecretSource::Env("US_DB".into())
            })
        );
        assert_eq!(
            c.regions[1].backend,
            Backend::Postgres(PostgresConfig {
                url: SecretSource::File("/etc/keyward/eu.url".into())
            })
        );
        for (body, want) in [
            (
                "database_url = \"postgres://u:hunter2@h/db\"\n",
                "must not be in the config file",
            ),
            (
                "database_url_env = \"A\"\ndatabase_url_file = \"/b\"\n",
                "exactly one of database_url_env",
            ),
            (
                "database_url_env = \"A\"\nurl = \"http://x\"\n",
                "takes no url or client_*",
            ),
        ] {
            let e = Config::parse(&format!("[[region]]\nid = \"us\"\n{body}"), "c.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{body}: {e}");
        }
    }

    #[test]
    fn token_url_for_the_tui_token_test() {
        let c = Config::parse(
            "[[region]]\nid = \"us\"\ntoken_url = \"https://login.bts.barracudanetworks.com/token\"\n[[region]]\nid = \"uk\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.regions[0].backend, Backend::Embedded);
        assert_eq!(
            c.regions[0].token_url.as_deref(),
            Some("https://login.bts.barracudanetworks.com/token")
        );
        assert_eq!(c.regions[1].token_url, None);
        let e = Config::parse("[[region]]\nid = \"us\"\ntoken_url = \"x\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("token_url must start with http"), "{e}");
    }

    #[test]
    fn connection_limits_from_file() {
        let c = Config::parse(
            "max_connections = 64\nheader_read_timeout_seconds = 2\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.connections.max_connections, 64);
        assert_eq!(c.connections.header_read_timeout, Duration::from_secs(2));
        let d = Config::parse("", "c.toml").unwrap();
        assert_eq!(d.connections, ConnectionSettings::default());
        for bad in ["max_connections = 0", "header_read_timeout_seconds = 0"] {
            let e = Config::parse(bad, "c.toml").unwrap_err().to_string();
            assert!(e.contains("use 1 to"), "{e}");
        }
    }

    /// One range check serves every number; each message keeps its key's
    /// range, default, unit and advice.
    #[test]
    fn out_of_range_numbers_say_what_is_allowed() {
        for (line, expected) in [
            (
                "secret_visible_seconds = 86401",
                "c.toml: secret_visible_seconds = 86401: use 1 to 86400 (the default is 900)",
            ),
            (
                "clipboard_clear_after = 0",
                "c.toml: clipboard_clear_after = 0: use 1 to 3600 seconds (the default is 45)",
            ),
            (
                "throttle_window_seconds = 0",
                "c.toml: throttle_window_seconds = 0: use 1 to 86400 (the default is 60)",
            ),
            (
                "max_connections = 1000001",
                "c.toml: max_connections = 1000001: use 1 to 1000000 (the default is 1024); keep it below the open-file limit (`ulimit -n`)",
            ),
            (
                "header_read_timeout_seconds = 3601",
                "c.toml: header_read_timeout_seconds = 3601: use 1 to 3600 (the default is 10)",
            ),
            (
                "log_summary_seconds = 0",
                "c.toml: log_summary_seconds = 0: use 1 to 3600 (the default is 10)",
            ),
            (
                "signing_key_publish_delay_seconds = 1",
                "c.toml: signing_key_publish_delay_seconds = 1: use 2 to 604800 (the default is 600); servers re-read their keys every second, and caches may keep the JWKS for up to half the delay",
            ),
        ] {
            let e = Config::parse(line, "c.toml").unwrap_err().to_string();
            assert_eq!(e, expected);
        }
        let edges = "secret_visible_seconds = 86400\nclipboard_clear_after = 1\nthrottle_window_seconds = 86400\nmax_connections = 1000000\nheader_read_timeout_seconds = 3600\nlog_summary_seconds = 3600\n";
        let c = Config::parse(edges, "c.toml").unwrap();
        assert_eq!(c.secret_visible_for, Duration::from_secs(86_400));
        assert_eq!(c.clipboard.clear_after, Duration::from_secs(1));
        assert_eq!(c.throttle.window, Duration::from_secs(86_400));
        assert_eq!(c.connections.max_connections, 1_000_000);
        assert_eq!(c.connections.header_read_timeout, Duration::from_secs(3600));
        assert_eq!(c.request_log.summary_every, Duration::from_secs(3600));
    }

    #[test]
    fn signing_key_publish_delay() {
        let d = Config::parse("", "c.toml").unwrap();
        assert_eq!(d.signing_key_publish_delay, Duration::from_secs(600));
        for (secs, ok) in [(2, true), (604_800, true), (1, false), (604_801, false)] {
            let c = Config::parse(
                &format!("signing_key_publish_delay_seconds = {secs}"),
                "c.toml",
            );
            assert_eq!(c.is_ok(), ok, "{secs}");
            if let Ok(c) = c {
                assert_eq!(c.signing_key_publish_delay, Duration::from_secs(secs));
            }
        }
    }

    /// A region table with several mistakes reports the same one as before
    /// the parser was split: the backend's before the token URL's.
    #[test]
    fn a_region_reports_its_backend_mistake_first() {
        let e = Config::parse(
            "[[region]]\nid = \"uk\"\nurl = \"ftp://x\"\ntoken_url = \"nope\"\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("region 'uk': url must start with http://"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Config::parse("\n\nunknown_key = 1\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml: line 3,"), "{e}");
        let e = Config::parse("[[region]]\nid = \"u s\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("c.toml: line 2,") && e.contains("invalid region"),
            "{e}"
        );
        let e = Config::parse("secret_visible_seconds = 0\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 to 86400"), "{e}");
    }

    #[test]
    fn trusted_proxies_from_file_and_bad_cidrs_name_the_key() {
        let c = Config::parse("trusted_proxy = [\"10.0.0.0/8\", \"fd00::1\"]\n", "c.toml").unwrap();
        assert_eq!(
            c.trusted_proxies,
            vec![
                "10.0.0.0/8".parse::<ipnet::IpNet>().unwrap(),
                "fd00::1/128".parse().unwrap()
            ]
        );
        let one = Config::parse("trusted_proxy = \"192.0.2.7\"\n", "c.toml").unwrap();
        assert_eq!(
            one.trusted_proxies,
            vec!["192.0.2.7/32".parse::<ipnet::IpNet>().unwrap()]
        );
        assert!(Config::default().trusted_proxies.is_empty());
        let err = Config::parse(
            "trusted_proxy = [\"10.0.0.0/8\", \"10.0.0.0/33\"]\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("c.toml")
                && err.contains("trusted_proxy: '10.0.0.0/33' is not an address or a CIDR"),
            "{err}"
        );
    }

    #[test]
    fn trash_days_in_range() {
        assert_eq!(Config::parse("", "t").unwrap().trash_days, 7);
        let c = Config::parse("trash_days = 30", "t").unwrap();
        assert_eq!(c.trash_period(), chrono::Duration::days(30));
        for bad in ["trash_days = 0", "trash_days = 366"] {
            let e = Config::parse(bad, "t").unwrap_err().to_string();
            assert!(e.contains("use 1 to 365 days (the default is 7)"), "{e}");
        }
    }

    #[test]
    fn rotation_grace_and_usage_flush() {
        let c = Config::parse("", "t").unwrap();
        assert_eq!(c.rotation_grace, chrono::Duration::hours(24));
        assert_eq!(c.usage_flush, Some(Duration::from_secs(5)));
        let c = Config::parse("rotation_grace = \"7d\"\nusage_flush_seconds = 0", "t").unwrap();
        assert_eq!(c.rotation_grace, chrono::Duration::days(7));
        assert_eq!(c.usage_flush, None);
        for (bad, says) in [
            ("rotation_grace = \"31d\"", "0s to 30d"),
            ("rotation_grace = \"soon\"", "30s, 15m, 24h, 7d"),
            ("usage_flush_seconds = 7200", "1 to 3600"),
        ] {
            let e = Config::parse(bad, "t").unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
