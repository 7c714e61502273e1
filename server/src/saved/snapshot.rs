//! A version's complete gene list: canonical JSON, compressed, with the SHA-256 of the JSON, so
//! "show / diff / restore / export version N" are exact and verifiable.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use shared::saved::{SavedGene, canonical_json};

use crate::crypto::sha256_hex;
use crate::error::{AppError, AppResult, OrInternal};

/// `panel_versions.snapshot_format` of what [`encode`] writes.
pub const FORMAT: i32 = 1;

/// Refuse to inflate more than this (a corrupt or hostile blob).
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// (compressed canonical JSON, SHA-256 hex of the JSON).
pub fn encode(genes: &[SavedGene]) -> AppResult<(Vec<u8>, String)> {
    let json = canonical_json(genes);
    let hash = sha256_hex(&json);
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(&json).or_internal("snapshot compress")?;
    Ok((encoder.finish().or_internal("snapshot compress")?, hash))
}

/// The gene list of a stored snapshot, checked against its hash.
pub fn decode(blob: &[u8], hash: Option<&str>) -> AppResult<Vec<SavedGene>> {
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
    serde_json::from_slice(&json).or_internal("snapshot decode")
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
