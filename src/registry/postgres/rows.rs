//! Reading applications from the PostgreSQL store: the row shapes and the
//! reads that several operations share. All of them run inside a
//! transaction (a write's, or a read's), except the token path's one query.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use tokio_postgres::Row;

use super::DbResult;
use crate::model::{
    Access, AppName, Application, ClientId, Grant, Region, ScopeId, SecretInfo, SecretState,
};

/// Row shape of `applications`, without grants (as in the embedded store).
pub const APP_COLUMNS: &str = "client_id, client_name, region, admin, created_at, updated_at, secret_issued_at, secret_id, secret_created_at, suspended_at, deleted_at, purge_after";

/// The rows reads see as applications: not in the trash (see `trash.rs`).
pub const LIVE: &str = "deleted_at IS NULL";

pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_millis(ms: i64) -> DbResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| super::DbError::Data("timestamp out of range".into()))
}

fn data(e: impl std::fmt::Display) -> super::DbError {
    super::DbError::Data(e.to_string())
}

/// An application from `APP_COLUMNS` starting at column `at`: its current
/// secret only, no grants, no usage.
pub fn app_from_row_at(row: &Row, at: usize) -> DbResult<Application> {
    let id: String = row.try_get(at)?;
    let name: String = row.try_get(at + 1)?;
    let region: String = row.try_get(at + 2)?;
    Ok(Application {
        client_id: ClientId::parse(&id).map_err(data)?,
        client_name: AppName::parse_stored(&name).map_err(data)?,
        region: Region::new(&region).map_err(data)?,
        grants: Vec::new(),
        admin: row.try_get(at + 3)?,
        created_at: from_millis(row.try_get(at + 4)?)?,
        updated_at: from_millis(row.try_get(at + 5)?)?,
        secret_issued_at: from_millis(row.try_get(at + 6)?)?,
        last_used_at: None,
        secrets: vec![SecretInfo {
            secret_id: row.try_get(at + 7)?,
            state: SecretState::Current,
            created_at: from_millis(row.try_get(at + 8)?)?,
            expires_at: None,
            last_used_at: None,
            last_used_from: None,
        }],
        lifecycle: crate::model::Lifecycle {
            suspended_at: optional_time(row.try_get(at + 9)?)?,
            deleted_at: optional_time(row.try_get(at + 10)?)?,
            purge_after: optional_time(row.try_get(at + 11)?)?,
        },
    })
}

fn optional_time(ms: Option<i64>) -> DbResult<Option<DateTime<Utc>>> {
    ms.map(from_millis).transpose()
}

pub fn grant(scope: &str, access: &str) -> DbResult<Grant> {
    let access: Access = access.parse().map_err(data)?;
    Ok(Grant::new(ScopeId::parse(scope).map_err(data)?, access))
}

/// The application `id` of `region`, complete (grants, retiring secret,
/// usage), or `None`.
pub async fn load_app(
    tx: &Transaction<'_>,
    region: &Region,
    id: &ClientId,
) -> DbResult<Option<Application>> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT {APP_COLUMNS} FROM keyward.applications WHERE client_id = $1 AND region = $2 AND {LIVE}"
        ))
        .await?;
    let Some(row) = tx
        .query_opt(&stmt, &[&id.as_str(), &region.as_str()])
        .await?
    else {
        return Ok(None);
    };
    let mut app = app_from_row_at(&row, 0)?;
    let stmt = tx
        .prepare_cached(
            "SELECT scope, access FROM keyward.grants WHERE client_id = $1 ORDER BY scope",
        )
        .await?;
    for row in tx.query(&stmt, &[&id.as_str()]).await? {
        app.grants.push(grant(row.try_get(0)?, row.try_get(1)?)?);
    }
    add_extras(tx, std::slice::from_mut(&mut app), Which::One(id)).await?;
    Ok(Some(app))
}

/// Which applications to read extras for: one, or a region's.
#[derive(Clone, Copy)]
pub enum Which<'a> {
    One(&'a ClientId),
    Region(&'a Region),
}

impl Which<'_> {
    fn from(&self, table: &str) -> String {
        match self {
            Which::One(_) => format!("FROM keyward.{table} t WHERE t.client_id = $1"),
            Which::Region(_) => format!(
                "FROM keyward.{table} t JOIN keyward.applications a ON a.client_id = t.client_id WHERE a.region = $1"
            ),
        }
    }

    fn param(&self) -> &str {
        match self {
            Which::One(id) => id.as_str(),
            Which::Region(r) => r.as_str(),
        }
    }
}

/// What an application's row does not hold.
#[derive(Default)]
struct Extras {
    retiring: Option<SecretInfo>,
    usage: HashMap<String, (DateTime<Utc>, Option<String>)>,
    last_used_at: Option<DateTime<Utc>>,
}

async fn read_extras(tx: &Transaction<'_>, which: Which<'_>) -> DbResult<HashMap<String, Extras>> {
    let now = Utc::now();
    let mut out: HashMap<String, Extras> = HashMap::new();
    let param = which.param();
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT t.client_id, t.secret_id, t.created_at, t.expires_at {}",
            which.from("retiring_secrets")
        ))
        .await?;
    for r in tx.query(&stmt, &[&param]).await? {
        let expires_at = from_millis(r.try_get(3)?)?;
        // An expired retiring secret works no more: it is not shown.
        if now < expires_at {
            out.entry(r.try_get(0)?).or_default().retiring = Some(SecretInfo {
                secret_id: r.try_get(1)?,
                state: SecretState::Retiring,
                created_at: from_millis(r.try_get(2)?)?,
                expires_at: Some(expires_at),
                last_used_at: None,
                last_used_from: None,
            });
        }
    }
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT t.client_id, t.secret_id, t.last_used_at, t.last_used_from {}",
            which.from("secret_usage")
        ))
        .await?;
    for r in tx.query(&stmt, &[&param]).await? {
        let used = (from_millis(r.try_get(2)?)?, r.try_get(3)?);
        out.entry(r.try_get(0)?)
            .or_default()
            .usage
            .insert(r.try_get(1)?, used);
    }
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT t.client_id, t.last_used_at {}",
            which.from("app_usage")
        ))
        .await?;
    for r in tx.query(&stmt, &[&param]).await? {
        out.entry(r.try_get(0)?).or_default().last_used_at = Some(from_millis(r.try_get(1)?)?);
    }
    Ok(out)
}

/// Completes applications read from their rows with the retiring secret and
/// the usage records.
pub async fn add_extras(
    tx: &Transaction<'_>,
    apps: &mut [Application],
    which: Which<'_>,
) -> DbResult<()> {
    let mut extras = read_extras(tx, which).await?;
    for app in apps {
        let Some(mut e) = extras.remove(app.client_id.as_str()) else {
            continue;
        };
        app.last_used_at = e.last_used_at;
        app.secrets.extend(e.retiring.take());
        for s in &mut app.secrets {
            if let Some((at, from)) = e.usage.remove(&s.secret_id) {
                s.last_used_at = Some(at);
                s.last_used_from = from;
            }
        }
    }
    Ok(())
}

/// All applications of `region`, complete, sorted by name as the embedded
/// store sorts them (ASCII case folded, then by client ID), whatever the
/// database's collation.
pub async fn list_apps(tx: &Transaction<'_>, region: &Region) -> DbResult<Vec<Application>> {
    let mut grants: HashMap<String, Vec<Grant>> = HashMap::new();
    let stmt = tx
        .prepare_cached(
            "SELECT g.client_id, g.scope, g.access FROM keyward.grants g
             JOIN keyward.applications a ON a.client_id = g.client_id
             WHERE a.region = $1 ORDER BY g.client_id, g.scope",
        )
        .await?;
    for row in tx.query(&stmt, &[&region.as_str()]).await? {
        grants
            .entry(row.try_get(0)?)
            .or_default()
            .push(grant(row.try_get(1)?, row.try_get(2)?)?);
    }
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT {APP_COLUMNS} FROM keyward.applications WHERE region = $1 AND {LIVE}"
        ))
        .await?;
    let mut apps = Vec::new();
    for row in tx.query(&stmt, &[&region.as_str()]).await? {
        let mut app = app_from_row_at(&row, 0)?;
        app.grants = grants.remove(app.client_id.as_str()).unwrap_or_default();
        apps.push(app);
    }
    apps.sort_by(|a, b| {
        let fold = |s: &str| {
            s.bytes()
                .map(|c| c.to_ascii_lowercase())
                .collect::<Vec<u8>>()
        };
        fold(a.client_name.as_str())
            .cmp(&fold(b.client_name.as_str()))
            .then_with(|| a.client_id.as_str().cmp(b.client_id.as_str()))
    });
    add_extras(tx, &mut apps, Which::Region(region)).await?;
    Ok(apps)
}

/// Whether another application in `region` has a name that looks like this
/// one. Called inside the region's write lock, so no other writer can slip a
/// look-alike in between.
pub async fn name_taken(
    tx: &Transaction<'_>,
    region: &Region,
    name: &AppName,
    except: Option<&ClientId>,
) -> DbResult<bool> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT client_id FROM keyward.applications WHERE region = $1 AND name_key = $2 AND {LIVE}"
        ))
        .await?;
    let rows = tx
        .query(&stmt, &[&region.as_str(), &name.duplicate_key()])
        .await?;
    for row in rows {
        let other: String = row.try_get(0)?;
        if Some(other.as_str()) != except.map(ClientId::as_str) {
            return Ok(true);
        }
    }
    Ok(false)
}
