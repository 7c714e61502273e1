//! Download formats of a merged list.

closed_enum! {
    /// What a merged list can be downloaded as.
    pub enum ExportFormat ("export format") {
        /// Excel workbook: the `Combined list` (one row per gene by HGNC id, with HGNC id, entity
        /// type, ratings, modes of inheritance, panel versions, sources and conflicts), optional
        /// per-source sheets, and a `Provenance` sheet (every source's instance, id, version, data
        /// date and origin).
        Xlsx = "XLSX",
        /// The workbook of the Flask version's "Generate" (v1.5): its `Combined list` and
        /// "original panels" sheets, nothing more, for scripts that read those files.
        XlsxFlask = "XLSX_FLASK",
        /// The combined list as CSV (RFC 4180 quoting, UTF-8), formula-like cells prefixed with
        /// `'`.
        Csv = "CSV",
        /// The combined list as tab-separated text (tabs and line breaks inside values become
        /// spaces).
        Tsv = "TSV",
        /// The whole merge result as JSON (`total`, `sources`, `genes` with every source and
        /// conflict, `overlap`) plus `provenance`.
        Json = "JSON",
        /// BED of GRCh37 coordinates: 0-based half-open, sorted by chromosome then start; entities
        /// without GRCh37 coordinates are listed in `#` header lines (and in
        /// `Download.withoutCoordinates`).
        BedGrch37 = "BED_GRCH37",
        /// BED of GRCh38 coordinates, as BED_GRCH37.
        BedGrch38 = "BED_GRCH38",
    }
}

/// A genome assembly of BED exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Assembly {
    GRCh37,
    GRCh38,
}

impl Assembly {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GRCh37 => "GRCh37",
            Self::GRCh38 => "GRCh38",
        }
    }
}

impl ExportFormat {
    /// File extension, without the dot (BED files name their assembly: `GRCh38.bed`).
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Xlsx | Self::XlsxFlask => "xlsx",
            Self::Csv => "csv",
            Self::Tsv => "tsv",
            Self::Json => "json",
            Self::BedGrch37 => "GRCh37.bed",
            Self::BedGrch38 => "GRCh38.bed",
        }
    }

    /// The `Content-Type` of the download.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Xlsx | Self::XlsxFlask => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            Self::Csv => "text/csv; charset=utf-8",
            Self::Tsv => "text/tab-separated-values; charset=utf-8",
            Self::Json => "application/json",
            Self::BedGrch37 | Self::BedGrch38 => "text/plain; charset=utf-8",
        }
    }

    /// The assembly of a BED format.
    pub const fn assembly(self) -> Option<Assembly> {
        match self {
            Self::BedGrch37 => Some(Assembly::GRCh37),
            Self::BedGrch38 => Some(Assembly::GRCh38),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_names_and_extensions() {
        let names: Vec<_> = ExportFormat::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "XLSX",
                "XLSX_FLASK",
                "CSV",
                "TSV",
                "JSON",
                "BED_GRCH37",
                "BED_GRCH38"
            ]
        );
        assert_eq!(ExportFormat::BedGrch38.extension(), "GRCh38.bed");
        assert_eq!(ExportFormat::BedGrch37.assembly(), Some(Assembly::GRCh37));
        assert_eq!(ExportFormat::Csv.assembly(), None);
    }
}
