//! PanelApp panel references and versions.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ParseError, Source};

/// A PanelApp panel: ids are per instance, so the key is `(source, id)`. Written `uk-402`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PanelRef {
    pub source: Source,
    pub id: u32,
}

impl PanelRef {
    pub const fn new(source: Source, id: u32) -> Self {
        Self { source, id }
    }

    /// Parses `uk-402`, `UK:402`, `au 3149` or `AUS-3149`.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let trimmed = input.trim();
        let invalid = |reason| ParseError::Invalid {
            what: "panel reference",
            value: trimmed.to_owned(),
            reason,
        };
        let split = trimmed
            .find(['-', ':', ' ', '_'])
            .ok_or_else(|| invalid("expected <source>-<id>, for example uk-402"))?;
        let (prefix, rest) = trimmed.split_at(split);
        let source = match prefix.to_ascii_lowercase().as_str() {
            "uk" | "gb" | "ge" => Source::Uk,
            "au" | "aus" => Source::Au,
            _ => return Err(invalid("the source must be uk or au")),
        };
        let digits = rest[1..].trim();
        let id = digits
            .parse::<u32>()
            .ok()
            .filter(|id| *id > 0 && digits.chars().all(|c| c.is_ascii_digit()))
            .ok_or_else(|| invalid("the panel id must be a positive whole number"))?;
        Ok(Self { source, id })
    }

    /// Parses `uk-402@8.125` into the panel and its version (the `@version` part is optional).
    pub fn parse_versioned(input: &str) -> Result<(Self, Option<PanelVersion>), ParseError> {
        match input.split_once('@') {
            Some((panel, version)) => {
                Ok((Self::parse(panel)?, Some(PanelVersion::parse(version)?)))
            }
            None => Ok((Self::parse(input)?, None)),
        }
    }
}

impl fmt::Display for PanelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.source.prefix(), self.id)
    }
}

impl FromStr for PanelRef {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PanelRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PanelRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A PanelApp version "major.minor", compared per component: "6.20" > "6.9", "6.20" != "6.2".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PanelVersion {
    pub major: u32,
    pub minor: u32,
}

impl PanelVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// Parses "8.125". A bare "3" means "3.0"; anything else is refused.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let trimmed = input.trim();
        let invalid = |reason| ParseError::Invalid {
            what: "panel version",
            value: trimmed.to_owned(),
            reason,
        };
        if trimmed.is_empty() {
            return Err(ParseError::Empty {
                what: "panel version",
            });
        }
        let number = |part: &str| {
            if part.is_empty() || !part.chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid("expected major.minor, for example 8.125"));
            }
            part.parse::<u32>()
                .map_err(|_| invalid("version number too large"))
        };
        match trimmed.split_once('.') {
            Some((major, minor)) => Ok(Self {
                major: number(major)?,
                minor: number(minor)?,
            }),
            None => Ok(Self {
                major: number(trimmed)?,
                minor: 0,
            }),
        }
    }
}

impl Ord for PanelVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor).cmp(&(other.major, other.minor))
    }
}

impl PartialOrd for PanelVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for PanelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for PanelVersion {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PanelVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PanelVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn versions_compare_per_component() {
        let v = |s| PanelVersion::parse(s).unwrap();
        assert!(v("6.20") > v("6.9"));
        assert!(v("6.20") > v("6.2"));
        assert_ne!(v("6.20"), v("6.2"));
        assert!(v("8.125") > v("8.99"));
        assert!(v("10.0") > v("9.999"));
        assert_eq!(v("3"), v("3.0"));
        assert_eq!(v("6.20").to_string(), "6.20");
        assert_eq!(v("1.124").to_string(), "1.124");
    }

    #[test]
    fn bad_versions_are_refused() {
        for bad in [
            "",
            "a.b",
            "1.",
            ".1",
            "1.2.3",
            "-1.0",
            "1.-2",
            "1,2",
            "99999999999.1",
        ] {
            assert!(
                PanelVersion::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn panel_refs_parse_common_spellings() {
        let uk402 = PanelRef::new(Source::Uk, 402);
        assert_eq!(PanelRef::parse("uk-402").unwrap(), uk402);
        assert_eq!(PanelRef::parse("UK:402").unwrap(), uk402);
        assert_eq!(PanelRef::parse("gb 402").unwrap(), uk402);
        assert_eq!(
            PanelRef::parse("AUS-3149").unwrap(),
            PanelRef::new(Source::Au, 3149)
        );
        assert_eq!(uk402.to_string(), "uk-402");
        for bad in ["402", "fr-1", "uk-", "uk-0", "uk-4o2", "uk--1"] {
            assert!(PanelRef::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn versioned_refs_parse() {
        let (panel, version) = PanelRef::parse_versioned("uk-402@8.125").unwrap();
        assert_eq!(panel, PanelRef::new(Source::Uk, 402));
        assert_eq!(version, Some(PanelVersion::new(8, 125)));
        assert_eq!(PanelRef::parse_versioned("au-3149").unwrap().1, None);
        assert!(PanelRef::parse_versioned("uk-402@x").is_err());
    }

    #[test]
    fn serde_uses_the_string_forms() {
        let json = serde_json::to_string(&PanelVersion::new(6, 20)).unwrap();
        assert_eq!(json, "\"6.20\"");
        let back: PanelVersion = serde_json::from_str(&json).unwrap();
        assert_eq!(back, PanelVersion::new(6, 20));
        let r: PanelRef = serde_json::from_str("\"au-3149\"").unwrap();
        assert_eq!(r, PanelRef::new(Source::Au, 3149));
    }

    proptest! {
        #[test]
        fn version_order_matches_numeric_tuple_order(a in 0u32..1000, b in 0u32..1000, c in 0u32..1000, d in 0u32..1000) {
            let x = PanelVersion::parse(&format!("{a}.{b}")).unwrap();
            let y = PanelVersion::parse(&format!("{c}.{d}")).unwrap();
            prop_assert_eq!(x.cmp(&y), (a, b).cmp(&(c, d)));
            prop_assert_eq!(PanelVersion::parse(&x.to_string()).unwrap(), x);
        }
    }
}
