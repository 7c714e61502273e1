//! A version's complete gene list: canonical JSON, compressed, with the SHA-256 of the JSON, so
//! "show / diff / restore / export version N" are exact and verifiable.
//!
//! Format 1 is the JSON array of genes. Format 2 (versions whose genes came from sources) is
//! `{"genes": [...], "sources": [...]}`: the genes (each with what every source said about it
//! and its conflicts) and the version's sources (the merge's summary of each, how its data
//! was obtained), so an export of the version is the export of the merge it was saved from.
//! Both are read; the hash covers the whole JSON either way.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::{Deserialize, Serialize};
use shared::saved::{SavedGene, canonical, canonical_json};
use shared::saved_merge::SavedSource;

use crate::crypto::sha256_hex;
use crate::error::{AppError, AppResult, OrInternal};

/// `panel_versions.snapshot_format` of a genes-only snapshot.
pub const FORMAT: i32 = 1;
/// `panel_versions.snapshot_format` of a snapshot with the version's sources.
pub const FORMAT_WITH_SOURCES: i32 = 2;

/// A decoded snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionSnapshot {
    pub genes: Vec<SavedGene>,
    /// Empty for versions saved before sources were recorded.
    #[serde(default)]
    pub sources: Vec<SavedSource>,
}

/// (compressed canonical JSON, SHA-256 hex of the JSON, format) of a version with its
/// sources; without sources it is the genes-only format 1.
pub fn encode_with_sources(
    genes: &[SavedGene],
    sources: &[SavedSource],
) -> AppResult<(Vec<u8>, String, i32)> {
    if sources.is_empty() {
        let (blob, hash) = encode(genes)?;
        return Ok((blob, hash, FORMAT));
    }
    let json = serde_json::to_vec(&VersionSnapshot {
        genes: canonical(genes),
        sources: sources.to_vec(),
    })
    .or_internal("snapshot encode")?;
    let (blob, hash) = compress(&json)?;
    Ok((blob, hash, FORMAT_WITH_SOURCES))
}

fn compress(json: &[u8]) -> AppResult<(Vec<u8>, String)> {
    let hash = sha256_hex(json);
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(json).or_internal("snapshot compress")?;
    Ok((encoder.finish().or_internal("snapshot compress")?, hash))
}

/// Refuse to inflate more than this (a corrupt or hostile blob).
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// (compressed canonical JSON, SHA-256 hex of the JSON).
pub fn encode(genes: &[SavedGene]) -> AppResult<(Vec<u8>, String)> {
    compress(&canonical_json(genes))
}

/// The gene list of a stored snapshot, checked against its hash.
pub fn decode(blob: &[u8], hash: Option<&str>) -> AppResult<Vec<SavedGene>> {
    Ok(decode_full(blob, hash)?.genes)
}

/// The genes and sources of a stored snapshot (either format), checked against its hash.
pub fn decode_full(blob: &[u8], hash: Option<&str>) -> AppResult<VersionSnapshot> {
    let mut json = Vec::new();
    DeflateDecoder::new(blob)
        .take(MAX_INFLATED)
        .read_to_end(&mut json)
        .or_internal("snapshot inflate")?;
    if let Some(expected) = hash
        && sha256_hex(&json) != expected
    {
        return Err(AppError::internal(
            "a version snapshot does not match its hash",
        ));
    }
    match json.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice(&json).or_internal("snapshot decode"),
        _ => Ok(VersionSnapshot {
            genes: serde_json::from_slice(&json).or_internal("snapshot decode")?,
            sources: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::GeneSymbol;

    #[test]
    fn snapshots_round_trip_and_detect_corruption() {
        let genes: Vec<SavedGene> = ["TP53", "BRCA1"]
            .iter()
            .map(|s| SavedGene::new(GeneSymbol::parse(s).unwrap()))
            .collect();
        let (blob, hash) = encode(&genes).unwrap();
        let back = decode(&blob, Some(&hash)).unwrap();
        assert_eq!(
            back.iter().map(|g| g.symbol.as_str()).collect::<Vec<_>>(),
            ["BRCA1", "TP53"]
        );
        let (again, same) = encode(&back).unwrap();
        assert_eq!(same, hash, "canonical: equal lists, equal hashes");
        assert_eq!(again, blob);
        assert!(decode(&blob, Some(&"0".repeat(64))).is_err());
        assert!(decode(b"not deflate", None).is_err());
    }
}
