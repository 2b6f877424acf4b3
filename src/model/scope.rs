use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The scope that opens the admin API. Kept out of the catalog's groups: it is
/// granted only with `keyward apps add --admin` on the server's data dir.
pub const ADMIN_SCOPE: &str = "keyward:admin";

/// The admin API's read-only scope: list and show applications, the scope
/// catalog and the audit log; every change and a secret's reveal are 403.
/// Every admin client holds it beside [`ADMIN_SCOPE`]; a token asked for with
/// `scope=keyward:admin:read` carries it alone, for whatever only reads (a
/// dashboard, an auditor's read-only region).
pub const ADMIN_READ_SCOPE: &str = "keyward:admin:read";

/// The catalog scope whose `read` grant lets a client introspect other clients'
/// tokens (a resource server). It is not in the built-in catalog: a deployment
/// that wants it adds it to its `scopes.toml`. Without it a client may
/// introspect only its own tokens; admin clients may introspect any.
pub const INTROSPECT_SCOPE: &str = "keyward:introspect";

/// A scope id in the vendor's `<product>:<resource>` form, e.g. `forensics:account`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScopeId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "'{0}' is not a scope id: scope ids look like '<product>:<resource>' in lowercase letters, digits, '_' or '-' (for example 'forensics:account')"
)]
pub struct ScopeIdError(pub String);

fn is_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 48
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl ScopeId {
    pub fn parse(s: &str) -> Result<Self, ScopeIdError> {
        let s = s.trim();
        match s.split_once(':') {
            Some((product, resource)) if is_part(product) && is_part(resource) => {
                Ok(ScopeId(s.to_owned()))
            }
            _ => Err(ScopeIdError(crate::text::printable_truncated(s, 60))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The product part, `forensics` in `forensics:account`.
    pub fn product(&self) -> &str {
        self.0.split(':').next().unwrap_or_default()
    }
}

impl TryFrom<String> for ScopeId {
    type Error = ScopeIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ScopeId::parse(&value)
    }
}

impl From<ScopeId> for String {
    fn from(s: ScopeId) -> String {
        s.0
    }
}

impl FromStr for ScopeId {
    type Err = ScopeIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScopeId::parse(s)
    }
}

impl fmt::Display for ScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How much of a scope an application holds. Ordered: write implies read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    None,
    Read,
    Write,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not an access level: use none, read or write")]
pub struct AccessError(pub String);

impl Access {
    pub const ALL: [Access; 3] = [Access::None, Access::Read, Access::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Access::None => "none",
            Access::Read => "read",
            Access::Write => "write",
        }
    }

    /// The OAuth scope suffixes this level holds: write holds read too.
    pub fn oauth_suffixes(self) -> &'static [&'static str] {
        match self {
            Access::None => &[],
            Access::Read => &["read"],
            Access::Write => &["read", "write"],
        }
    }
}

impl FromStr for Access {
    type Err = AccessError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Access::None),
            "read" => Ok(Access::Read),
            "write" => Ok(Access::Write),
            _ => Err(AccessError(crate::text::printable_truncated(s, 20))),
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One scope at one access level, as held by an application.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub scope: ScopeId,
    pub access: Access,
}

impl Grant {
    pub fn new(scope: ScopeId, access: Access) -> Self {
        Grant { scope, access }
    }

    /// Parses `SCOPE=ACCESS`, the command line's form.
    pub fn parse_assignment(s: &str) -> Result<Self, String> {
        let (scope, access) = s.split_once('=').ok_or_else(|| {
            format!(
                "'{}' is not SCOPE=ACCESS (for example forensics:account=read)",
                crate::text::printable_truncated(s, 60)
            )
        })?;
        Ok(Grant {
            scope: scope.parse().map_err(|e: ScopeIdError| e.to_string())?,
            access: access.parse().map_err(|e: AccessError| e.to_string())?,
        })
    }
}

/// Two grants of one scope at different access levels.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "the scope '{scope}' is given twice, as {first} and as {second}: give each scope once, with the access you mean"
)]
pub struct ConflictingGrants {
    pub scope: ScopeId,
    pub first: Access,
    pub second: Access,
}

/// Refuses a list that gives one scope two different access levels (which
/// one was meant cannot be known, so last-wins would be a guess). The same
/// grant given twice is accepted: it is unambiguous.
pub fn check_no_conflicts(grants: &[Grant]) -> Result<(), ConflictingGrants> {
    let mut seen: std::collections::HashMap<&ScopeId, Access> = std::collections::HashMap::new();
    for g in grants {
        match seen.insert(&g.scope, g.access) {
            Some(first) if first != g.access => {
                return Err(ConflictingGrants {
                    scope: g.scope.clone(),
                    first,
                    second: g.access,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// The OAuth scope strings that grants hold, sorted and without duplicates:
/// `read` on `x:y` holds `x:y:read`; `write` holds `x:y:read` and `x:y:write`.
pub fn oauth_scopes<'a>(grants: impl IntoIterator<Item = &'a Grant>) -> Vec<String> {
    let mut out: Vec<String> = grants
        .into_iter()
        .flat_map(|g| {
            g.access
                .oauth_suffixes()
                .iter()
                .map(move |suffix| format!("{}:{suffix}", g.scope))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(s: &str) -> Grant {
        Grant::parse_assignment(s).unwrap()
    }

    #[test]
    fn conflicting_duplicates_are_refused_identical_ones_accepted() {
        let e = check_no_conflicts(&[grant("a:b=read"), grant("c:d=read"), grant("a:b=write")])
            .unwrap_err();
        assert_eq!(e.scope.as_str(), "a:b");
        assert!(e.to_string().contains("'a:b'"), "{e}");
        assert!(check_no_conflicts(&[grant("a:b=none"), grant("a:b=read")]).is_err());
        assert!(check_no_conflicts(&[grant("a:b=read"), grant("a:b=read")]).is_ok());
        assert!(check_no_conflicts(&[]).is_ok());
    }

    #[test]
    fn write_implies_read() {
        assert!(Access::Write > Access::Read && Access::Read > Access::None);
        assert_eq!(
            oauth_scopes(&[grant("forensics:account=write"), grant("ess:account=read")]),
            vec![
                "ess:account:read",
                "forensics:account:read",
                "forensics:account:write"
            ]
        );
        assert!(oauth_scopes(&[grant("ess:account=none")]).is_empty());
    }

    #[test]
    fn scope_ids() {
        assert_eq!(ScopeId::parse("ess:account").unwrap().product(), "ess");
        for bad in ["ess", "ess:", ":x", "Ess:account", "a:b:c", "a b:c"] {
            assert!(ScopeId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn assignment_errors_say_what_is_valid() {
        let e = Grant::parse_assignment("ess:account=admin").unwrap_err();
        assert!(e.contains("none, read or write"), "{e}");
        let e = Grant::parse_assignment("ess:account").unwrap_err();
        assert!(e.contains("SCOPE=ACCESS"), "{e}");
    }
}
