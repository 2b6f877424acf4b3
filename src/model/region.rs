use std::fmt;

use serde::{Deserialize, Serialize};

/// One token service, e.g. `us` or `uk`: lowercase letters, digits and `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid region '{0}': use 1 to 32 lowercase letters, digits or '-' (for example 'us' or 'uk')"
)]
pub struct RegionError(pub String);

impl Region {
    pub fn new(id: &str) -> Result<Self, RegionError> {
        let id = id.trim().to_ascii_lowercase();
        let ok = !id.is_empty()
            && id.len() <= 32
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Region(id))
        } else {
            Err(RegionError(crate::text::printable(&id)))
        }
    }

    /// A region id written in the source, such as the defaults `us` and `uk`.
    pub(crate) fn builtin(id: &'static str) -> Self {
        debug_assert!(Region::new(id).is_ok(), "{id} is a valid region id");
        Region(id.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The label shown on a tab: `US`, `UK`.
    pub fn label(&self) -> String {
        self.0.to_ascii_uppercase()
    }
}

impl TryFrom<String> for Region {
    type Error = RegionError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Region::new(&value)
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        r.0
    }
}

impl std::str::FromStr for Region {
    type Err = RegionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::new(s)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes() {
        assert_eq!(Region::new(" US ").unwrap().as_str(), "us");
        assert_eq!(Region::new("eu-west").unwrap().label(), "EU-WEST");
    }

    #[test]
    fn rejects_odd_ids() {
        for bad in ["", "u s", "us!", "ü", &"a".repeat(33)] {
            assert!(Region::new(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
