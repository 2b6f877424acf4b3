//! The JSON form of an application, shared by `--json` output, export/import and
//! the admin API. Field names follow RFC 7591 where it has one.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{Application, Grant, SecretReveal};

/// An application as JSON. `client_secret` and `client_secret_visible_until` are
/// present only while the secret may still be shown.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApplicationRecord {
    pub client_id: String,
    pub client_name: String,
    pub region: String,
    pub scopes: Vec<Grant>,
    /// RFC 7591 `scope`: the OAuth scope strings, space-separated.
    pub scope: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_visible_until: Option<String>,
    pub client_secret_issued_at: String,
    pub created_at: String,
    pub updated_at: String,
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl ApplicationRecord {
    /// The record of `app`, with the secret only if `reveal` is given and still
    /// open at `now`.
    pub fn new(app: &Application, reveal: Option<&SecretReveal>, now: DateTime<Utc>) -> Self {
        let reveal = reveal.filter(|r| r.client_id == app.client_id && r.is_visible_at(now));
        ApplicationRecord {
            client_id: app.client_id.to_string(),
            client_name: app.client_name.to_string(),
            region: app.region.to_string(),
            scopes: app.grants.clone(),
            scope: app.oauth_scopes().join(" "),
            admin: app.admin,
            client_secret: reveal.map(|r| r.secret.expose().to_owned()),
            client_secret_visible_until: reveal.map(|r| rfc3339(r.visible_until)),
            client_secret_issued_at: rfc3339(app.secret_issued_at),
            created_at: rfc3339(app.created_at),
            updated_at: rfc3339(app.updated_at),
        }
    }
}
