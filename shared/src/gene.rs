//! Gene identifiers that parse once and are trusted afterwards.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ParseError;

/// Longest gene symbol accepted. Real HGNC symbols stay well below this.
pub const MAX_SYMBOL_LEN: usize = 40;

/// An HGNC-style gene symbol: trimmed, upper-cased, letters, digits and `-`, `_`, `.`, `@`.
///
/// Upper-casing is what makes `brca1`, `BRCA1 ` and `Brca1` one gene in merges and uploads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GeneSymbol(String);

impl GeneSymbol {
    /// Parses user or upstream input into a symbol.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let trimmed = input.trim().trim_matches('\u{feff}').trim();
        if trimmed.is_empty() {
            return Err(ParseError::Empty {
                what: "gene symbol",
            });
        }
        let len = trimmed.chars().count();
        if len > MAX_SYMBOL_LEN {
            return Err(ParseError::TooLong {
                what: "gene symbol",
                value: trimmed.to_owned(),
                len,
                max: MAX_SYMBOL_LEN,
            });
        }
        let upper = trimmed.to_ascii_uppercase();
        let mut chars = upper.chars();
        if !chars.next().is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Err(ParseError::Invalid {
                what: "gene symbol",
                value: trimmed.to_owned(),
                reason: "must start with a letter or digit",
            });
        }
        if !upper
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
        {
            return Err(ParseError::Invalid {
                what: "gene symbol",
                value: trimmed.to_owned(),
                reason: "only letters, digits, '-', '_', '.' and '@' are allowed",
            });
        }
        Ok(Self(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for GeneSymbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for GeneSymbol {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for GeneSymbol {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for GeneSymbol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for GeneSymbol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// An HGNC identifier, shown as `HGNC:1100`. Accepts `HGNC:1100`, `hgnc:1100` or `1100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HgncId(u32);

impl HgncId {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ParseError::Empty { what: "HGNC id" });
        }
        let digits = match trimmed.get(..5) {
            Some(prefix) if prefix.eq_ignore_ascii_case("HGNC:") => &trimmed[5..],
            _ => trimmed,
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ParseError::Invalid {
                what: "HGNC id",
                value: trimmed.to_owned(),
                reason: "expected HGNC:<number>",
            });
        }
        match digits.parse::<u32>() {
            Ok(0) | Err(_) => Err(ParseError::Invalid {
                what: "HGNC id",
                value: trimmed.to_owned(),
                reason: "the number must be between 1 and 4294967295",
            }),
            Ok(n) => Ok(Self(n)),
        }
    }

    pub const fn number(self) -> u32 {
        self.0
    }
}

impl fmt::Display for HgncId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HGNC:{}", self.0)
    }
}

impl FromStr for HgncId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for HgncId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HgncId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

closed_enum! {
    /// Whether a gene symbol is confirmed as a current HGNC symbol: the same three words in
    /// uploads, merges, saved panels, exports, the API and the browser.
    pub enum VerificationStatus ("verification status") {
        /// A current HGNC symbol: listed by a PanelApp panel, or found in the gene directory.
        Verified = "VERIFIED",
        /// An alias or previous symbol, replaced by the current HGNC symbol (the note says
        /// which, e.g. `MLL2 → KMT2D (previous symbol)`).
        AliasMapped = "ALIAS_MAPPED",
        /// Not confirmed: unknown to HGNC as far as the complete gene directory knows, or not
        /// (yet) in an incomplete one. Check it before using the list.
        Unverified = "UNVERIFIED",
    }
}

closed_enum! {
    /// Why a symbol is UNVERIFIED.
    pub enum UnverifiedReason ("unverified reason") {
        /// The gene directory holds every panel of every PanelApp instance and does not know
        /// the symbol as a current symbol, alias or previous symbol.
        UnknownToHgnc = "UNKNOWN_TO_HGNC",
        /// The gene directory does not hold every panel yet (the background sync has not
        /// finished): the symbol may be real.
        DirectoryIncomplete = "DIRECTORY_INCOMPLETE",
    }
}

impl UnverifiedReason {
    /// The reason in words, for notes and exports.
    pub fn describe(self, symbol: &str) -> String {
        match self {
            Self::UnknownToHgnc => format!(
                "{symbol} is not a known HGNC symbol, alias or previous symbol (the gene \
                 directory is complete)"
            ),
            Self::DirectoryIncomplete => format!(
                "{symbol} is not in the gene directory, which does not hold every PanelApp \
                 panel yet; it may be real"
            ),
        }
    }
}

/// How a symbol was checked against the gene directory, kept with the gene wherever it goes
/// (upload, merge, saved panel version, export).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Verification {
    pub status: VerificationStatus,
    /// Set for [`VerificationStatus::Unverified`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnverifiedReason>,
    /// What was done or found, in words: `MLL2 → KMT2D (previous symbol)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Verification {
    pub const fn verified() -> Self {
        Self {
            status: VerificationStatus::Verified,
            reason: None,
            note: None,
        }
    }

    /// `written` replaced by `current`; `previous` tells a previous symbol from an alias.
    pub fn mapped(written: &str, current: &str, previous: bool) -> Self {
        let what = if previous { "previous symbol" } else { "alias" };
        Self {
            status: VerificationStatus::AliasMapped,
            reason: None,
            note: Some(format!("{written} → {current} ({what})")),
        }
    }

    pub fn unverified(symbol: &str, reason: UnverifiedReason) -> Self {
        Self {
            status: VerificationStatus::Unverified,
            reason: Some(reason),
            note: Some(reason.describe(symbol)),
        }
    }

    /// For records made before verification was kept: an HGNC id means the symbol was
    /// resolved.
    pub fn inferred(hgnc_known: bool) -> Self {
        if hgnc_known {
            Self::verified()
        } else {
            Self {
                status: VerificationStatus::Unverified,
                reason: None,
                note: Some("not checked against the gene directory".to_owned()),
            }
        }
    }

    /// `VERIFIED`, or the status with its note, as exports write it.
    pub fn export_text(&self) -> String {
        match (&self.status, &self.note) {
            (VerificationStatus::Verified, _) | (_, None) => self.status.as_str().to_owned(),
            (status, Some(note)) => format!("{status}: {note}"),
        }
    }

    /// The better of two: verified before mapped before unverified.
    pub fn best(self, other: Self) -> Self {
        let rank = |v: &Self| match v.status {
            VerificationStatus::Verified => 0,
            VerificationStatus::AliasMapped => 1,
            VerificationStatus::Unverified => 2,
        };
        if rank(&other) < rank(&self) {
            other
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_trimmed_and_upper_cased() {
        assert_eq!(GeneSymbol::parse("  brca1 ").unwrap().as_str(), "BRCA1");
        assert_eq!(GeneSymbol::parse("\u{feff}Tp53").unwrap().as_str(), "TP53");
        assert_eq!(GeneSymbol::parse("HLA-DRB1").unwrap().as_str(), "HLA-DRB1");
        assert_eq!(GeneSymbol::parse("C9orf72").unwrap().as_str(), "C9ORF72");
        assert_eq!(GeneSymbol::parse("7SK").unwrap().as_str(), "7SK");
    }

    #[test]
    fn bad_symbols_say_why() {
        assert_eq!(
            GeneSymbol::parse("   "),
            Err(ParseError::Empty {
                what: "gene symbol"
            })
        );
        let err = GeneSymbol::parse("BRCA 1").unwrap_err().to_string();
        assert!(err.contains("only letters"), "{err}");
        let err = GeneSymbol::parse("-ABC").unwrap_err().to_string();
        assert!(err.contains("must start"), "{err}");
        let long = "A".repeat(MAX_SYMBOL_LEN + 1);
        assert!(matches!(
            GeneSymbol::parse(&long),
            Err(ParseError::TooLong { .. })
        ));
        assert!(GeneSymbol::parse("=cmd|' /C calc'!A0").is_err());
    }

    #[test]
    fn symbol_serde_round_trip_normalises() {
        let s: GeneSymbol = serde_json::from_str("\" pkd1\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"PKD1\"");
        assert!(serde_json::from_str::<GeneSymbol>("\"\"").is_err());
    }

    #[test]
    fn hgnc_ids_accept_common_spellings() {
        assert_eq!(HgncId::parse("HGNC:1100").unwrap().number(), 1100);
        assert_eq!(HgncId::parse("hgnc:1100").unwrap().to_string(), "HGNC:1100");
        assert_eq!(
            HgncId::parse(" 1100 ").unwrap(),
            HgncId::parse("HGNC:1100").unwrap()
        );
        assert!(HgncId::parse("HGNC:").is_err());
        assert!(HgncId::parse("HGNC:12a").is_err());
        assert!(HgncId::parse("HGNC:0").is_err());
        assert!(HgncId::parse("HGNC:99999999999").is_err());
        assert!(HgncId::parse("").is_err());
    }

    #[test]
    fn hgnc_serde_round_trip() {
        let id: HgncId = serde_json::from_str("\"HGNC:583\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"HGNC:583\"");
    }
}
