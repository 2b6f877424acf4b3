//! The JSON form of an application, shared by `--json` output, export/import and
//! the admin API. Field names follow RFC 7591 where it has one.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use serde::de::IgnoredAny;

use super::{AppName, Application, Grant, SecretInfo, SecretReveal, SecretState};

/// An application as JSON. `client_secret` and `client_secret_visible_until` are
/// present only while the secret may still be shown. Its `Debug` redacts the
/// secret, like `ClientSecret`'s.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
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
    /// When any of its secrets last got a token; `null` if never (as far as
    /// the usage records go). Optional on input: older servers do not send it.
    #[serde(default)]
    pub last_used_at: Option<String>,
    /// The current secret, then the retiring one while it works. Optional on
    /// input: older servers do not send it.
    #[serde(default)]
    pub secrets: Vec<SecretRecord>,
    /// When it was suspended (it gets no token until resumed); absent when
    /// it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_at: Option<String>,
    /// When it was moved to the trash; present only for trashed ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// When a trashed application is gone for good unless restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purge_after: Option<String>,
}

/// One secret as JSON: never the secret, only what it is and its use.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SecretRecord {
    pub secret_id: String,
    pub state: SecretState,
    pub created_at: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub last_used_at: Option<String>,
    #[serde(default)]
    pub last_used_from: Option<String>,
}

impl SecretRecord {
    pub fn new(s: &SecretInfo) -> Self {
        SecretRecord {
            secret_id: s.secret_id.clone(),
            state: s.state,
            created_at: rfc3339(s.created_at),
            expires_at: s.expires_at.map(rfc3339),
            last_used_at: s.last_used_at.map(rfc3339),
            last_used_from: s.last_used_from.clone(),
        }
    }

    /// The secret this describes; the error names the bad field.
    pub fn info(&self) -> Result<SecretInfo, String> {
        let time = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| format!("bad time in a secret: {e}"))
        };
        let valid_id = self.secret_id.len() == super::SECRET_ID_LEN
            && self.secret_id.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid_id {
            return Err("bad secret_id".into());
        }
        Ok(SecretInfo {
            secret_id: self.secret_id.clone(),
            state: self.state,
            created_at: time(&self.created_at)?,
            expires_at: self.expires_at.as_deref().map(time).transpose()?,
            last_used_at: self.last_used_at.as_deref().map(time).transpose()?,
            last_used_from: self
                .last_used_from
                .as_deref()
                .map(|a| crate::text::printable_truncated(a, 64)),
        })
    }
}

impl std::fmt::Debug for ApplicationRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationRecord")
            .field("client_id", &self.client_id)
            .field("client_name", &self.client_name)
            .field("region", &self.region)
            .field("scopes", &self.scopes)
            .field("admin", &self.admin)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "client_secret_visible_until",
                &self.client_secret_visible_until,
            )
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("last_used_at", &self.last_used_at)
            .field("secrets", &self.secrets)
            .field("suspended_at", &self.suspended_at)
            .field("deleted_at", &self.deleted_at)
            .field("purge_after", &self.purge_after)
            .finish()
    }
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
            last_used_at: app.last_used_at.map(rfc3339),
            secrets: app.secrets.iter().map(SecretRecord::new).collect(),
            suspended_at: app.lifecycle.suspended_at.map(rfc3339),
            deleted_at: app.lifecycle.deleted_at.map(rfc3339),
            purge_after: app.lifecycle.purge_after.map(rfc3339),
        }
    }
}

/// One line of `keyward apps import` input. Export writes more fields than
/// import needs; those are accepted and ignored, so an export can be imported
/// into another region. Any other field is an error, so a typo is not ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportRecord {
    client_name: String,
    #[serde(default)]
    scopes: Vec<Grant>,
    #[serde(default)]
    admin: bool,
    #[serde(default, rename = "client_id")]
    _client_id: Option<IgnoredAny>,
    #[serde(default, rename = "region")]
    _region: Option<IgnoredAny>,
    #[serde(default, rename = "scope")]
    _scope: Option<IgnoredAny>,
    #[serde(default, rename = "created_at")]
    _created_at: Option<IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    _updated_at: Option<IgnoredAny>,
    #[serde(default, rename = "client_secret_issued_at")]
    _secret_issued_at: Option<IgnoredAny>,
    #[serde(default, rename = "last_used_at")]
    _last_used_at: Option<IgnoredAny>,
    #[serde(default, rename = "secrets")]
    _secrets: Option<IgnoredAny>,
    #[serde(default, rename = "suspended_at")]
    _suspended_at: Option<IgnoredAny>,
}

/// What an import line looks like, for error messages.
pub const IMPORT_LINE_EXAMPLE: &str =
    r#"{"client_name": "Payroll sync", "scopes": [{"scope": "ess:account", "access": "read"}]}"#;

/// serde_json's message for `e` in words for people: without the "at line 1
/// column 2" (each import line is one line; the column is given separately)
/// and without internal type names.
fn describe_json_error(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&position).unwrap_or(&message);
    let message = message.replace("struct ImportRecord", "an object with a client_name");
    let message = match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("not valid JSON ({message}, at column {})", e.column())
        }
        _ => format!("{message} (at column {})", e.column()),
    };
    crate::text::printable(&message)
}

/// Parses one import line into a name and grants. The grants are not yet
/// checked against a catalog; that is the caller's job. The error says what a
/// line should look like.
pub fn parse_import_line(line: &str) -> Result<(AppName, Vec<Grant>), String> {
    // serde would read `[...]` as a struct's fields in order, with a baffling
    // message; a line that is not an object is said to be so.
    if !line.trim_start().starts_with('{') {
        return Err(format!(
            "not a JSON object; each line should be one JSON object like {IMPORT_LINE_EXAMPLE}"
        ));
    }
    let rec: ImportRecord = serde_json::from_str(line).map_err(|e| {
        format!(
            "{}; each line should be one JSON object like {IMPORT_LINE_EXAMPLE}",
            describe_json_error(&e)
        )
    })?;
    if rec.admin {
        return Err("admin clients are made only with `keyward apps add --admin`".into());
    }
    let name = AppName::parse(&rec.client_name).map_err(|e| e.to_string())?;
    super::check_no_conflicts(&rec.scopes).map_err(|e| e.to_string())?;
    Ok((name, rec.scopes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secret() {
        let r = ApplicationRecord {
            client_id: "id".into(),
            client_name: "n".into(),
            region: "us".into(),
            scopes: vec![],
            scope: String::new(),
            admin: false,
            client_secret: Some("s3cr3t-value".into()),
            client_secret_visible_until: None,
            client_secret_issued_at: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            last_used_at: None,
            secrets: Vec::new(),
            suspended_at: None,
            deleted_at: None,
            purge_after: None,
        };
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("s3cr3t-value") && shown.contains("redacted"),
            "{shown}"
        );
    }

    #[test]
    fn import_lines() {
        let (name, grants) = parse_import_line(
            r#"{"client_name":" A ","scopes":[{"scope":"ess:account","access":"read"}]}"#,
        )
        .unwrap();
        assert_eq!(name.as_str(), "A");
        assert_eq!(grants.len(), 1);
        // What export writes is accepted.
        assert!(parse_import_line(r#"{"client_id":"x","client_name":"B","region":"us","scopes":[],"scope":"","created_at":"t","updated_at":"t","client_secret_issued_at":"t"}"#).is_ok());
        // And what it writes since rotation came.
        assert!(parse_import_line(r#"{"client_name":"B","last_used_at":null,"secrets":[{"secret_id":"abcdEFG1","state":"current","created_at":"t"}]}"#).is_ok());
        for bad in [
            r#"{"client_name":"A","scope_list":[]}"#,
            r#"{"client_name":""}"#,
            r#"{"client_name":"A","admin":true}"#,
            r#"{"client_name":"A","scopes":[{"scope":"Bad","access":"read"}]}"#,
            r#"{"client_name":"A","scopes":[{"scope":"a:b","access":"all"}]}"#,
            "not json",
            r#"{"client_name":"A","scopes":[{"scope":"a:b","access":"read"},{"scope":"a:b","access":"write"}]}"#,
        ] {
            assert!(parse_import_line(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn import_errors_say_what_a_line_looks_like() {
        for (bad, says) in [
            ("{1}", "not valid JSON (key must be a string, at column 2)"),
            ("[]", "not a JSON object"),
            (r#""x""#, "not a JSON object"),
            (
                r#"{"client_name": 1}"#,
                "invalid type: integer `1`, expected a string (at column",
            ),
            (r#"{"scopes":[]}"#, "missing field `client_name`"),
        ] {
            let e = parse_import_line(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
            assert!(e.contains(IMPORT_LINE_EXAMPLE), "{bad}: {e}");
            assert!(
                !e.contains("ImportRecord") && !e.contains(" at line "),
                "{e}"
            );
        }
        let e = parse_import_line(
            r#"{"client_name":"A","scopes":[{"scope":"a:b","access":"read"},{"scope":"a:b","access":"write"}]}"#,
        )
        .unwrap_err();
        assert!(e.contains("'a:b' is given twice"), "{e}");
    }
}
