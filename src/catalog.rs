//! The scope catalog: which scopes a region can grant, grouped by product, and at
//! which access levels. Built in from `assets/scopes.toml`; a `scopes.toml` in the
//! config directory replaces it.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::model::{ADMIN_SCOPE, Access, Grant, ScopeId};

/// The catalog compiled into the binary.
pub const BUILTIN_TOML: &str = include_str!("../assets/scopes.toml");

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
    /// The built-in catalog.
    pub fn builtin() -> Self {
        // The built-in file is part of the binary and covered by a unit test, so a
        // parse failure here is a build defect, never a runtime condition.
        Catalog::parse(BUILTIN_TOML, "built-in scopes.toml").expect("built-in catalog is valid")
    }

    /// The catalog from `config_dir/scopes.toml` if that file exists, else the built-in one.
    pub fn load(config_dir: &Path) -> Result<Self, CatalogError> {
        let path = config_dir.join("scopes.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Catalog::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Catalog::builtin()),
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

    /// Checks that a grant names a known scope at a level it offers.
    pub fn check(&self, grant: &Grant) -> Result<(), GrantError> {
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
