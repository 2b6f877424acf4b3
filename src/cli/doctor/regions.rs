//! The config file, the scope catalog, and each region's backend: an embedded
//! one opens, a remote one answers `/healthz` and gives its admin client a
//! token (which is never shown), a PostgreSQL one connects and has a schema
//! and a key this build can use.

use std::sync::Arc;
use std::time::Duration;

use super::Check;
use super::files::DataDir;
use crate::catalog::Catalog;
use crate::config::{Backend, Config, Paths, PostgresConfig, RegionConfig, RemoteConfig};
use crate::model::ADMIN_SCOPE;
use crate::registry::Registry;
use crate::registry::embedded::{DB_FILE, EmbeddedStore};

/// How long one request to a remote region may take.
const REMOTE_TIMEOUT: Duration = Duration::from_secs(10);

/// Appends the config's and the catalog's checks; returns both when they load.
pub fn check_config(paths: &Paths, checks: &mut Vec<Check>) -> Option<(Config, Catalog)> {
    let file = paths.config_file.display().to_string();
    let mut config = match Config::load(&paths.config_file) {
        Ok(config) => config,
        Err(e) => {
            checks.push(
                Check::fail("config", e.to_string())
                    .fix("correct it (the README's Files section shows every key)"),
            );
            return None;
        }
    };
    let found = if paths.config_file.exists() {
        format!("{file} parses")
    } else {
        format!("no file at {file}: the defaults")
    };
    checks.push(Check::ok(
        "config",
        format!("{found}; regions {}", config.region_list()),
    ));
    if let Err(e) = config.apply_env(std::env::var("KEYWARD_CLIPBOARD").ok().as_deref()) {
        checks.push(Check::fail("KEYWARD_CLIPBOARD", e.to_string()));
        return None;
    }
    match Catalog::load(paths.config_dir()) {
        Ok(catalog) => {
            checks.push(Check::ok(
                "scope catalog",
                format!("{}, {} scopes", catalog.source(), catalog.scopes().count()),
            ));
            Some((config, catalog))
        }
        Err(e) => {
            checks.push(
                Check::fail("scope catalog", e.to_string())
                    .fix("correct it, or move it away to use the built-in catalog"),
            );
            None
        }
    }
}

/// Appends one line per region, in config order.
pub async fn check_regions(
    config: &Config,
    catalog: &Catalog,
    paths: &Paths,
    data_dir: DataDir,
    checks: &mut Vec<Check>,
) {
    let catalog = Arc::new(catalog.clone());
    // Opened once, by the first embedded region: they share the data dir.
    let mut store: Option<Result<EmbeddedStore, String>> = None;
    for rc in &config.regions {
        let name = format!("region {}", rc.region);
        let check = match &rc.backend {
            Backend::Embedded => match not_opened(&name, data_dir, paths) {
                Some(check) => check,
                None => {
                    let opened = store.get_or_insert_with(|| {
                        EmbeddedStore::open(
                            &paths.data_dir,
                            catalog.clone(),
                            config.secret_visible_for,
                        )
                        .map_err(|e| super::super::advice::error_line(&e.into()))
                    });
                    embedded(name, rc, opened).await
                }
            },
            Backend::Remote(remote) => check_remote(name, rc, remote).await,
            Backend::Postgres(pg) => check_postgres(name, rc, pg, paths, data_dir).await,
        };
        checks.push(check);
    }
}

/// The line for an embedded region whose data dir is better not opened:
/// not made yet (opening would make it; the doctor only reads), or with a
/// problem reported above.
fn not_opened(name: &str, data_dir: DataDir, paths: &Paths) -> Option<Check> {
    match data_dir {
        DataDir::Missing => Some(Check::ok(
            name,
            "embedded; the data dir is not made yet, so there is nothing to open",
        )),
        // Counted once, above: a warning here, not a second failure.
        DataDir::Broken => Some(
            Check::warn(name, "embedded; not opened, as the data dir has a problem")
                .fix("fix the data dir first (above)"),
        ),
        DataDir::Healthy if !paths.data_dir.join(DB_FILE).exists() => Some(Check::ok(
            name,
            "embedded; no database yet: the first command that touches applications makes it",
        )),
        DataDir::Healthy => None,
    }
}

async fn embedded(name: String, rc: &RegionConfig, store: &Result<EmbeddedStore, String>) -> Check {
    let store = match store {
        Ok(store) => store,
        Err(e) => return Check::fail(name, format!("embedded; does not open: {e}")),
    };
    match store.registry(rc.region.clone()).list().await {
        Ok(apps) => Check::ok(
            name,
            format!(
                "embedded, {}: opens, {} application{}",
                store.db_path().display(),
                apps.len(),
                if apps.len() == 1 { "" } else { "s" }
            ),
        ),
        Err(e) => Check::fail(
            name,
            format!(
                "embedded; cannot read: {}",
                super::super::advice::error_line(&e.into())
            ),
        ),
    }
}

/// A PostgreSQL region: the URL loads, the database answers, its schema is
/// one this build knows, and the region's key is this data dir's. Reads
/// only: the doctor migrates nothing and makes no key.
async fn check_postgres(
    name: String,
    rc: &RegionConfig,
    pg: &PostgresConfig,
    paths: &Paths,
    data_dir: DataDir,
) -> Check {
    use crate::registry::postgres::{inspect, load_database_url, schema_version};
    let url = match load_database_url(&rc.region, &pg.url) {
        Ok(url) => url,
        Err(e) => return Check::fail(name, format!("postgres: {e}")),
    };
    let shown = url.display();
    let key_file = paths
        .data_dir
        .join(crate::registry::embedded::HASHING_KEY_FILE);
    let hasher = match data_dir {
        DataDir::Healthy if key_file.exists() => {
            crate::registry::embedded::SecretHasher::open(&paths.data_dir).ok()
        }
        _ => None,
    };
    let found = match inspect(&url, &rc.region, hasher.as_ref()).await {
        Ok(found) => found,
        Err(e) => {
            return Check::fail(name, format!("postgres {shown}: {e}"))
                .fix("is PostgreSQL running there, and is the URL (and its password) right?");
        }
    };
    let known = schema_version();
    if found.schema_version > known {
        return Check::fail(
            name,
            format!(
                "postgres {shown}: schema version {}, newer than this build knows ({known})",
                found.schema_version
            ),
        )
        .fix("upgrade Keyward to the release the other replicas run");
    }
    if found.key_matches == Some(false) {
        return Check::fail(
            name,
            format!("postgres {shown}: this data dir's secret.key is not the region's key"),
        )
        .fix("copy secret.key (mode 0600) from the data dir of a replica that serves this region");
    }
    let state = match found.schema_version {
        0 => "answers; not set up yet: the first command that touches applications does it"
            .to_string(),
        v if v < known => {
            format!("answers; schema version {v}: the next command migrates it to {known}")
        }
        v => format!("answers; schema version {v}"),
    };
    Check::ok(name, format!("postgres {shown}: {state}"))
}

/// `/healthz`, then a token for the admin client.
async fn check_remote(name: String, rc: &RegionConfig, remote: &RemoteConfig) -> Check {
    let shown = crate::text::redact_url(&remote.url).into_owned();
    let http = match reqwest::Client::builder()
        .timeout(REMOTE_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("keyward/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(http) => http,
        Err(e) => return Check::fail(name, format!("cannot set up HTTP: {}", e.without_url())),
    };
    let reached = http.get(format!("{}/healthz", remote.url)).send().await;
    match reached {
        Ok(reply) if reply.status().is_success() => {}
        Ok(reply) => {
            return Check::fail(
                name,
                format!("{shown} answers /healthz with {}", reply.status().as_u16()),
            )
            .fix("check that url in the config points at a `keyward serve`");
        }
        Err(e) => {
            let why = crate::text::redact_urls_in(&causes(&e.without_url()));
            return Check::fail(name, format!("{shown} does not answer /healthz: {why}"))
                .fix("is `keyward serve` running there, and is url in the config right?");
        }
    }
    let secret = match crate::registry::remote::load_secret(&rc.region, &remote.secret) {
        Ok(secret) => secret,
        Err(e) => return Check::fail(name, format!("{shown} answers, but {e}")),
    };
    let habits = crate::oauth::client::Habits::rfc6749(&format!("{}/oauth2/token", remote.url));
    let scopes = [ADMIN_SCOPE.to_owned()];
    match crate::oauth::client::request_token(&http, &habits, &remote.client_id, &secret, &scopes)
        .await
    {
        Ok(_token) => Check::ok(
            name,
            format!(
                "remote {shown}: answers, and the admin client {} gets a token",
                crate::text::printable(&remote.client_id)
            ),
        ),
        Err(e) => Check::fail(
            name,
            format!(
                "{shown} answers, but no token for the admin client {}: {e}",
                crate::text::printable(&remote.client_id)
            ),
        )
        .fix(format!(
            "check client_id and its secret, and that the client holds {ADMIN_SCOPE}"
        )),
    }
}

/// `e` and its sources, `outer: cause: cause`, leaving out a cause its parent
/// already says (reqwest's own message is only "error sending request").
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut line = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}
