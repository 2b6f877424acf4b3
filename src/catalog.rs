//! The scope catalog: which scopes a region can grant, grouped by product, and at
//! which access levels. Built in from `assets/scopes.toml`; a `scopes.toml` in the
//! config directory replaces it.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::model::{ADMIN_READ_SCOPE, ADMIN_SCOPE, Access, Application, Grant, ScopeId};

/// The catalog compiled into the binary.
pub const BUILTIN_TOML: &str = include_str!("../assets/scopes.toml");
/// How the built-in catalog is named in messages.
const BUILTIN_FILE: &str = "built-in scopes.toml";

/// One grantable scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScopeDef {
    pub id: ScopeId,
    pub title: String,
    pub description: String,
    /// The levels an application may hold, always starting with `none`, ascending.
    pub access: Vec<Access>,
}

impl ScopeDef {
    pub fn offers(&self, access: Access) -> bool {
        self.access.contains(&access)
    }
}

/// A product's scopes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScopeGroup {
    pub id: String,
    pub title: String,
    pub scopes: Vec<ScopeDef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    groups: Vec<ScopeGroup>,
    /// Where it came from: `built-in` or a file path, for messages.
    source: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: line {line}, column {column}: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("cannot read the scope catalog {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
}

/// Why a grant does not fit the catalog. Messages list what is valid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    #[error("unknown scope '{scope}'; valid scopes: {valid}")]
    UnknownScope { scope: String, valid: String },
    #[error("scope '{scope}' does not offer '{access}' access; it offers: {offered}")]
    AccessNotOffered {
        scope: String,
        access: Access,
        offered: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    group: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    scope: Vec<RawScope>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    id: Spanned<String>,
    title: String,
    description: String,
    access: Spanned<Vec<String>>,
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, column)
}

impl Catalog {
    /// The built-in catalog, for tests, benchmarks and embedders; the program
    /// itself reads it through [`Catalog::load`], which returns any error.
    #[allow(clippy::expect_used)] // A compiled-in asset: builtin_catalog_is_valid_and_rich proves it parses.
    pub fn builtin() -> Self {
        Catalog::parse(BUILTIN_TOML, BUILTIN_FILE).expect("built-in catalog is valid")
    }

    /// The catalog from `config_dir/scopes.toml` if that file exists, else the built-in one.
    pub fn load(config_dir: &Path) -> Result<Self, CatalogError> {
        let path = config_dir.join("scopes.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Catalog::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Catalog::parse(BUILTIN_TOML, BUILTIN_FILE)
            }
            Err(source) => Err(CatalogError::Read {
                file: path.display().to_string(),
                source,
            }),
        }
    }

    /// Parses and checks a catalog. `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, CatalogError> {
        let invalid = |span: Option<Range<usize>>, message: String| {
            let (line, column) = line_column(text, span.map_or(0, |s| s.start));
            CatalogError::Invalid {
                file: file.to_owned(),
                line,
                column,
                message: crate::text::printable(&message),
            }
        };
        let raw: RawCatalog =
            toml::from_str(text).map_err(|e| invalid(e.span(), e.message().trim().to_owned()))?;
        if raw.group.is_empty() {
            return Err(invalid(None, "the catalog has no [[group]]".into()));
        }
        let mut seen_groups = HashSet::new();
        let mut seen_scopes = HashSet::new();
        let mut groups = Vec::with_capacity(raw.group.len());
        for g in raw.group {
            let span = g.id.span();
            let gid = g.id.into_inner();
            if gid.trim().is_empty() {
                return Err(invalid(Some(span), "a group id is empty".into()));
            }
            if !seen_groups.insert(gid.clone()) {
                return Err(invalid(Some(span), format!("group '{gid}' appears twice")));
            }
            let mut scopes = Vec::with_capacity(g.scope.len());
            for s in g.scope {
                let span = s.id.span();
                let id = ScopeId::parse(s.id.get_ref())
                    .map_err(|e| invalid(Some(span.clone()), e.to_string()))?;
                if id.as_str() == ADMIN_SCOPE {
                    return Err(invalid(
                        Some(span),
                        format!(
                            "'{ADMIN_SCOPE}' is reserved for the admin API and cannot be in the catalog"
                        ),
                    ));
                }
                if !seen_scopes.insert(id.clone()) {
                    return Err(invalid(Some(span), format!("scope '{id}' appears twice")));
                }
                let access_span = s.access.span();
                let mut access = vec![Access::None];
                for a in s.access.into_inner() {
                    let level: Access = a.parse().map_err(|e: crate::model::AccessError| {
                        invalid(Some(access_span.clone()), e.to_string())
                    })?;
                    access.push(level);
                }
                access.sort();
                access.dedup();
                if access.len() == 1 {
                    return Err(invalid(
                        Some(access_span),
                        format!("scope '{id}' offers no access: list \"read\", \"write\" or both"),
                    ));
                }
                // The file is input like any other: nothing in it may drive
                // the terminal that shows the catalog (the UI, `keyward scopes`).
                scopes.push(ScopeDef {
                    id,
                    title: crate::text::one_line(&s.title).into_owned(),
                    description: crate::text::one_line(&s.description).into_owned(),
                    access,
                });
            }
            groups.push(ScopeGroup {
                id: gid,
                title: crate::text::one_line(&g.title).into_owned(),
                scopes,
            });
        }
        Ok(Catalog {
            groups,
            source: file.to_owned(),
        })
    }

    pub fn groups(&self) -> &[ScopeGroup] {
        &self.groups
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every scope, in catalog order.
    pub fn scopes(&self) -> impl Iterator<Item = &ScopeDef> {
        self.groups.iter().flat_map(|g| g.scopes.iter())
    }

    pub fn get(&self, id: &ScopeId) -> Option<&ScopeDef> {
        self.scopes().find(|s| &s.id == id)
    }

    /// The group a scope belongs to.
    pub fn group_of(&self, id: &ScopeId) -> Option<&ScopeGroup> {
        self.groups
            .iter()
            .find(|g| g.scopes.iter().any(|s| &s.id == id))
    }

    /// Why a held grant no longer fits the catalog, if it does not: its scope
    /// was removed (retired), or no longer offers that level. Such a grant
    /// stays stored until someone removes it, but grants nothing.
    pub fn retired(&self, grant: &Grant) -> Option<&'static str> {
        match self.get(&grant.scope) {
            None => Some("retired: not in the catalog"),
            Some(def) if !def.offers(grant.access) => {
                Some("retired: the catalog no longer offers this level")
            }
            Some(_) => None,
        }
    }

    /// What `grant` is worth under this catalog: the highest level the scope
    /// still offers up to the one granted, `none` for a retired scope.
    pub fn effective_access(&self, grant: &Grant) -> Access {
        self.get(&grant.scope).map_or(Access::None, |def| {
            def.access
                .iter()
                .copied()
                .filter(|a| *a <= grant.access)
                .max()
                .unwrap_or(Access::None)
        })
    }

    /// The OAuth scope strings `app` may have in a token now: its grants as far
    /// as this catalog still offers them, plus `keyward:admin` and `keyward:admin:read`
    /// for an admin client. A token never carries a scope the current catalog does not offer.
    pub fn oauth_scopes(&self, app: &Application) -> Vec<String> {
        let offered: Vec<Grant> = app
            .grants
            .iter()
            .map(|g| Grant::new(g.scope.clone(), self.effective_access(g)))
            .collect();
        let mut scopes = crate::model::oauth_scopes(&offered);
        if app.admin {
            scopes.push(ADMIN_SCOPE.to_owned());
            scopes.push(ADMIN_READ_SCOPE.to_owned());
            scopes.sort();
        }
        scopes
    }

    /// Whether `app` holds `wanted` now: an OAuth scope string
    /// (`forensics:account:read`, which `write` holds too) or a scope id
    /// (`forensics:account`: any access), or a product (`forensics`: any of
    /// its scopes). What the `/scope:` filter and
    /// `keyward apps list --scope` find by; case does not matter.
    pub fn holds(&self, app: &Application, wanted: &str) -> bool {
        let wanted = wanted.trim().to_ascii_lowercase();
        !wanted.is_empty()
            && self.oauth_scopes(app).iter().any(|held| {
                held.strip_prefix(wanted.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
            })
    }

    /// Checks that a grant names a known scope at a level it offers. Setting
    /// `none` is always allowed, so a grant of a retired scope can be removed.
    pub fn check(&self, grant: &Grant) -> Result<(), GrantError> {
        if grant.access == Access::None {
            return Ok(());
        }
        let Some(def) = self.get(&grant.scope) else {
            return Err(GrantError::UnknownScope {
                scope: grant.scope.to_string(),
                valid: self
                    .scopes()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        if !def.offers(grant.access) {
            return Err(GrantError::AccessNotOffered {
                scope: grant.scope.to_string(),
                access: grant.access,
                offered: def
                    .access
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_valid_and_rich() {
        let c = Catalog::builtin();
        assert!(c.groups().len() >= 4);
        assert!(c.scopes().count() >= 12);
        let ess = c.get(&ScopeId::parse("ess:account").unwrap()).unwrap();
        assert_eq!(ess.access, vec![Access::None, Access::Read]);
        let f = c
            .get(&ScopeId::parse("forensics:account").unwrap())
            .unwrap();
        assert_eq!(f.access, vec![Access::None, Access::Read, Access::Write]);
    }

    #[test]
    fn check_lists_valid_choices() {
        let c = Catalog::builtin();
        let g = Grant::parse_assignment("nope:thing=read").unwrap();
        let e = c.check(&g).unwrap_err().to_string();
        assert!(
            e.contains("ess:account") && e.contains("forensics:account"),
            "{e}"
        );
        let g = Grant::parse_assignment("ess:account=write").unwrap();
        let e = c.check(&g).unwrap_err().to_string();
        assert!(e.contains("offers: none, read"), "{e}");
    }

    #[test]
    fn broken_files_name_line_and_problem() {
        let text = "[[group]]\nid = \"a\"\ntitle = \"A\"\n\n[[group.scope]]\nid = \"a:b\"\ntitle = \"t\"\ndescription = \"d\"\naccess = [\"read\", \"admin\"]\n";
        let e = Catalog::parse(text, "scopes.toml").unwrap_err().to_string();
        assert!(e.starts_with("scopes.toml: line 9,"), "{e}");
        assert!(e.contains("'admin' is not an access level"), "{e}");

        let e = Catalog::parse("[[group]]\nid = \"a\"\ntitle = ", "f.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f.toml: line 3,"), "{e}");

        let dup = "[[group]]\nid=\"a\"\ntitle=\"A\"\n[[group.scope]]\nid=\"a:b\"\ntitle=\"t\"\ndescription=\"d\"\naccess=[\"read\"]\n[[group.scope]]\nid=\"a:b\"\ntitle=\"t\"\ndescription=\"d\"\naccess=[\"read\"]\n";
        let e = Catalog::parse(dup, "f.toml").unwrap_err().to_string();
        assert!(e.contains("line 10") && e.contains("appears twice"), "{e}");
    }

    #[test]
    fn titles_and_descriptions_cannot_drive_a_terminal() {
        let text = "[[group]]\nid=\"a\"\ntitle=\"G\\u001b]0;x\\u0007\"\n[[group.scope]]\nid=\"a:b\"\ntitle=\"T\\u202Eevil\"\ndescription=\"line\\nbreak \\u001b[2J\"\naccess=[\"read\"]\n";
        let c = Catalog::parse(text, "f.toml").unwrap();
        let s = c.scopes().next().unwrap();
        assert_eq!(s.title, "Tevil");
        assert_eq!(s.description, "line break \\u{1b}[2J");
        assert_eq!(c.groups()[0].title, "G\\u{1b}]0;x\\u{7}");
    }

    #[test]
    fn retired_grants_grant_nothing_and_can_always_be_removed() {
        let text = "[[group]]\nid=\"a\"\ntitle=\"A\"\n[[group.scope]]\nid=\"a:kept\"\ntitle=\"t\"\ndescription=\"d\"\naccess=[\"read\"]\n";
        let c = Catalog::parse(text, "f").unwrap();
        let grant = |s: &str| Grant::parse_assignment(s).unwrap();
        assert_eq!(
            c.retired(&grant("a:gone=read")),
            Some("retired: not in the catalog")
        );
        assert!(c.retired(&grant("a:kept=write")).is_some());
        assert_eq!(c.retired(&grant("a:kept=read")), None);
        assert_eq!(c.effective_access(&grant("a:kept=write")), Access::Read);
        assert_eq!(c.effective_access(&grant("a:gone=write")), Access::None);
        assert!(
            c.check(&grant("a:gone=none")).is_ok(),
            "removing is allowed"
        );
        assert!(c.check(&grant("a:gone=read")).is_err());
        let now = chrono::Utc::now();
        let app = Application {
            client_id: crate::model::ClientId::generate(),
            client_name: crate::model::AppName::parse("A").unwrap(),
            region: crate::model::Region::new("us").unwrap(),
            grants: vec![grant("a:gone=write"), grant("a:kept=write")],
            admin: true,
            created_at: now,
            updated_at: now,
            secret_issued_at: now,
            last_used_at: None,
            secrets: Vec::new(),
            lifecycle: Default::default(),
        };
        assert_eq!(
            c.oauth_scopes(&app),
            vec!["a:kept:read", ADMIN_SCOPE, ADMIN_READ_SCOPE]
        );
    }

    #[test]
    fn holds_finds_oauth_scopes_and_scope_ids_write_holding_read() {
        let c = Catalog::builtin();
        let grant = |s: &str| Grant::parse_assignment(s).unwrap();
        let now = chrono::Utc::now();
        let app = Application {
            client_id: crate::model::ClientId::generate(),
            client_name: crate::model::AppName::parse("A").unwrap(),
            region: crate::model::Region::new("us").unwrap(),
            grants: vec![grant("ess:account=read"), grant("forensics:account=write")],
            admin: false,
            created_at: now,
            updated_at: now,
            secret_issued_at: now,
            last_used_at: None,
            secrets: Vec::new(),
            lifecycle: Default::default(),
        };
        for held in [
            "forensics:account:write",
            "forensics:account:read",
            "Forensics:Account",
            "ess:account",
            " ess:account:read ",
            "forensics",
        ] {
            assert!(c.holds(&app, held), "{held}");
        }
        for not in [
            "ess:account:write",
            "ess:acc",
            "es",
            "",
            "forensics:account:",
        ] {
            assert!(!c.holds(&app, not), "{not}");
        }
    }

    #[test]
    fn admin_scope_is_reserved() {
        let text = "[[group]]\nid=\"k\"\ntitle=\"K\"\n[[group.scope]]\nid=\"keyward:admin\"\ntitle=\"t\"\ndescription=\"d\"\naccess=[\"read\"]\n";
        assert!(
            Catalog::parse(text, "f")
                .unwrap_err()
                .to_string()
                .contains("reserved")
        );
    }
}
