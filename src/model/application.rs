use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ADMIN_READ_SCOPE, ADMIN_SCOPE, ClientId, Grant, Region, oauth_scopes};

/// Longest name, in characters, after trimming.
pub const NAME_MAX_CHARS: usize = 64;

/// An application's display name: 1 to 64 characters after trimming, with no
/// control characters (so no escape sequence can reach a terminal) and no
/// invisible bidirectional overrides (so a name cannot pretend to be another).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppName(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("the application name is empty: give 1 to {NAME_MAX_CHARS} characters")]
    Empty,
    #[error("the application name is {0} characters long: use at most {NAME_MAX_CHARS} characters")]
    TooLong(usize),
    #[error(
        "the application name contains a control character ({0}): use printable characters only"
    )]
    ControlCharacter(String),
    #[error(
        "the application name contains an invisible character ({0}), which would let it pass for another name: remove it"
    )]
    InvisibleCharacter(String),
}

/// Invisible characters that a name could hide to look like another name:
/// Unicode's format characters (general category Cf: the soft hyphen, zero
/// width space and joiners, word joiner, bidi marks, tag characters, ...), the
/// Hangul fillers (which draw as blanks), the combining grapheme joiner, the
/// Mongolian vowel separator and the blank Braille pattern. (Variation
/// selectors are allowed, as emoji need them, and ignored when names are
/// compared; see [`AppName::duplicate_key`].)
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        // Cf, as of Unicode 16.
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
            // Not Cf, but drawn as nothing or as a blank.
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

const ZERO_WIDTH_JOINER: char = '\u{200D}';

/// Part of an emoji sequence (a pictograph, a skin tone, a variation
/// selector): what a zero width joiner may legitimately join (👨‍👩‍👧). Between
/// letters a joiner would only hide.
fn is_emoji_part(c: char) -> bool {
    is_variation_selector(c) || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace())
}

/// Variation selectors: they pick a glyph's style, never which character it is.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{180B}'..='\u{180D}' | '\u{180F}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Characters that reorder text invisibly (Unicode bidi embeddings, overrides and
/// isolates) or break lines; legitimate right-to-left names do not need them.
fn is_invisible_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

impl AppName {
    /// A new name, from a person or a file: every rule applies.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let name = Self::parse_stored(s)?;
        let chars: Vec<char> = name.0.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let joins_emoji = c == ZERO_WIDTH_JOINER
                && i > 0
                && chars.get(i + 1).is_some_and(|&next| is_emoji_part(next))
                && is_emoji_part(chars[i - 1]);
            if is_invisible(c) && !joins_emoji {
                return Err(NameError::InvisibleCharacter(
                    c.escape_unicode().to_string(),
                ));
            }
        }
        Ok(name)
    }

    /// A name read back from storage, saved under the rules of its time: the
    /// invisible characters refused since are let through, so that existing
    /// applications still load (and can be renamed).
    pub fn parse_stored(s: &str) -> Result<Self, NameError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        if let Some(c) = s
            .chars()
            .find(|&c| c.is_control() || is_invisible_control(c))
        {
            return Err(NameError::ControlCharacter(c.escape_unicode().to_string()));
        }
        let n = s.chars().count();
        if n > NAME_MAX_CHARS {
            return Err(NameError::TooLong(n));
        }
        Ok(AppName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What two names must not share in one region: the name after Unicode
    /// compatibility normalisation (NFKC: fullwidth `Ａ` is `A`, `ﬁ` is `fi`),
    /// case folding, without variation selectors, and with each run of white
    /// space as one space. Names equal here look alike to a person.
    pub fn duplicate_key(&self) -> String {
        duplicate_key(&self.0)
    }
}

/// See [`AppName::duplicate_key`]; also for names read back from storage.
pub fn duplicate_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = name
        .nfkc()
        .filter(|&c| !is_variation_selector(c) && c != ZERO_WIDTH_JOINER)
        .flat_map(char::to_lowercase)
        .collect::<String>()
        // Full case folding where lower-casing differs from it.
        .replace('ß', "ss")
        .replace('ς', "σ");
    // Lower-casing can un-normalise (e.g. a precomposed capital), so once more.
    let normal: String = folded.nfkc().collect();
    normal.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl TryFrom<String> for AppName {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        AppName::parse(&value)
    }
}

impl From<AppName> for String {
    fn from(n: AppName) -> String {
        n.0
    }
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registered application as the registry knows it. The secret is not here:
/// registries keep only its hash, and the plaintext travels as a `SecretReveal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub client_id: ClientId,
    pub client_name: AppName,
    pub region: Region,
    /// Sorted by scope id; never holds `Access::None`.
    pub grants: Vec<Grant>,
    /// Holds `keyward:admin`, which opens the admin API.
    pub admin: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the secret was last reset (or the application created): tokens
    /// issued before it are void. A rotation does not move it (a rotation
    /// ends no token); the current secret's own `created_at` in `secrets`
    /// says when it was made.
    pub secret_issued_at: DateTime<Utc>,
    /// When any of its secrets last got a token, as far as usage records go.
    pub last_used_at: Option<DateTime<Utc>>,
    /// The current secret first, then the retiring one if it still works.
    /// Empty where a registry does not tell (an older server).
    pub secrets: Vec<super::SecretInfo>,
    /// Suspended, or in the trash: what the token service refuses.
    pub lifecycle: Lifecycle,
}

/// Where an application stands besides its credentials. A suspended one keeps
/// its secrets and gets no token until resumed; a deleted one sits in the
/// trash (no token either) until `purge_after`, when it is gone for good
/// unless restored first, its secret unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub suspended_at: Option<DateTime<Utc>>,
    /// When it was moved to the trash; `None` for a live application.
    pub deleted_at: Option<DateTime<Utc>>,
    /// When a trashed application is gone for good.
    pub purge_after: Option<DateTime<Utc>>,
}

/// How long a deleted application stays in the trash unless `trash_days`
/// says otherwise.
pub const DEFAULT_TRASH_DAYS: u32 = 7;

impl Application {
    /// The OAuth scope strings this application may request, sorted.
    pub fn oauth_scopes(&self) -> Vec<String> {
        let mut scopes = oauth_scopes(&self.grants);
        if self.admin {
            scopes.push(ADMIN_SCOPE.to_owned());
            scopes.push(ADMIN_READ_SCOPE.to_owned());
            scopes.sort();
        }
        scopes
    }

    /// The retiring secret, if there is one.
    pub fn retiring_secret(&self) -> Option<&super::SecretInfo> {
        self.secrets
            .iter()
            .find(|s| s.state == super::SecretState::Retiring)
    }

    /// The current secret's description, if the registry gave one.
    pub fn current_secret(&self) -> Option<&super::SecretInfo> {
        self.secrets
            .iter()
            .find(|s| s.state == super::SecretState::Current)
    }

    /// Suspended: it keeps its secrets but gets no token.
    pub fn is_suspended(&self) -> bool {
        self.lifecycle.suspended_at.is_some()
    }

    /// In the trash (deleted, not yet purged).
    pub fn is_trashed(&self) -> bool {
        self.lifecycle.deleted_at.is_some()
    }

    /// The access held on one scope (`None` when not granted).
    pub fn access_to(&self, scope: &super::ScopeId) -> super::Access {
        self.grants
            .iter()
            .find(|g| &g.scope == scope)
            .map_or(super::Access::None, |g| g.access)
    }
}

/// What it takes to register an application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApplication {
    pub client_name: AppName,
    pub grants: Vec<Grant>,
    pub admin: bool,
}

/// Normalises a list of grants: the last assignment of a scope wins, `none` is
/// dropped, the result is sorted by scope id.
pub(crate) fn normalize_grants(grants: impl IntoIterator<Item = Grant>) -> Vec<Grant> {
    let mut map = std::collections::BTreeMap::new();
    for g in grants {
        map.insert(g.scope, g.access);
    }
    map.into_iter()
        .filter(|(_, a)| *a != super::Access::None)
        .map(|(scope, access)| Grant { scope, access })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Access;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            AppName::parse("  Payroll sync ").unwrap().as_str(),
            "Payroll sync"
        );
        assert_eq!(AppName::parse("   "), Err(NameError::Empty));
        assert!(AppName::parse(&"é".repeat(64)).is_ok());
        assert_eq!(AppName::parse(&"x".repeat(65)), Err(NameError::TooLong(65)));
    }

    #[test]
    fn names_reject_control_characters() {
        for bad in [
            "a\u{1b}[31mb",
            "a\nb",
            "a\tb",
            "a\u{7f}",
            "a\u{9b}b",
            "a\u{202E}b",
        ] {
            assert!(
                matches!(AppName::parse(bad), Err(NameError::ControlCharacter(_))),
                "{bad:?}"
            );
        }
        // Wide characters, emoji and right-to-left text are names like any other.
        for good in ["日本語アプリ", "🔑 keys", "تطبيق"] {
            assert!(AppName::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn names_reject_invisible_characters() {
        for bad in [
            "Pay\u{00AD}roll",
            "Pay\u{200B}roll",
            "Pay\u{2060}roll",
            "Pay\u{3164}roll",
            "\u{115F}Payroll",
            "Payroll\u{FFA0}",
            "Pay\u{E0020}roll",
        ] {
            let e = AppName::parse(bad).unwrap_err();
            assert!(
                matches!(e, NameError::InvisibleCharacter(_)),
                "{bad:?}: {e}"
            );
            assert!(e.to_string().contains("invisible"), "{e}");
        }
        // Emoji with a variation selector or joined into one are names like
        // any other; a joiner between letters is not.
        assert!(AppName::parse("\u{2601}\u{FE0F} sync").is_ok());
        assert!(AppName::parse("👨\u{200D}👩\u{200D}👧 family").is_ok());
        assert!(AppName::parse("❤\u{FE0F}\u{200D}🔥").is_ok());
        for bad in ["Pay\u{200D}roll", "\u{200D}👧", "👧\u{200D}", "👧\u{200D}a"] {
            assert!(
                matches!(AppName::parse(bad), Err(NameError::InvisibleCharacter(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn look_alike_names_have_one_duplicate_key() {
        let key = |s: &str| AppName::parse(s).unwrap().duplicate_key();
        let payroll = key("Payroll sync");
        for same in [
            "payroll sync",
            "PAYROLL SYNC",
            "Ｐａｙｒｏｌｌ ｓｙｎｃ",
            "Payroll\u{3000}sync",
            "Payroll  sync",
            "Payroll\u{00A0}sync",
        ] {
            assert_eq!(key(same), payroll, "{same:?}");
        }
        assert_eq!(key("Straße"), key("STRASSE"));
        assert_eq!(key("\u{2601}\u{FE0F}"), key("\u{2601}"));
        assert_eq!(key("👨\u{200D}👩"), key("👨👩"));
        assert_ne!(key("Payroll sync 2"), payroll);
        assert_ne!(key("Payrol sync"), payroll);
    }

    #[test]
    fn normalize_keeps_last_and_drops_none() {
        let g = |s: &str| Grant::parse_assignment(s).unwrap();
        let out = normalize_grants([g("b:x=read"), g("a:x=write"), g("b:x=write"), g("c:x=none")]);
        assert_eq!(out, vec![g("a:x=write"), g("b:x=write")]);
        assert!(out.iter().all(|g| g.access != Access::None));
    }
}
