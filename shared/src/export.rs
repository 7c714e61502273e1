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

closed_enum! {
    /// A column of the combined list (CSV, TSV and the XLSX `Combined list` sheet), for export
    /// templates that choose and order them. The three Flask columns come first, then ours,
    /// then the lab's own columns of a saved panel.
    pub enum ExportColumn ("export column") {
        /// `GeneSymbol`: the gene symbol, or the STR / region name.
        GeneSymbol = "GENE_SYMBOL",
        /// `Panel(s)`: the labels of the sources listing the row.
        Panels = "PANELS",
        /// `List type(s)`: Green, Amber, Red, Grey or User upload, per source.
        ListTypes = "LIST_TYPES",
        /// `HGNC ID`.
        HgncId = "HGNC_ID",
        /// `Entity type`: gene, str or region.
        EntityType = "ENTITY_TYPE",
        /// `Confidence level(s)`: PanelApp's level (3 to 0) per source, n/a for uploads.
        ConfidenceLevels = "CONFIDENCE_LEVELS",
        /// `Mode(s) of inheritance`.
        ModesOfInheritance = "MODES_OF_INHERITANCE",
        /// `Panel version(s)`.
        PanelVersions = "PANEL_VERSIONS",
        /// `Sources`: how many sources list the row.
        Sources = "SOURCES",
        /// `Conflicts`.
        Conflicts = "CONFLICTS",
        /// `Verification`: whether the symbol is a verified HGNC symbol.
        Verification = "VERIFICATION",
        /// `Lab rating`: a saved panel's own rating of the gene (empty in merge exports).
        LabRating = "LAB_RATING",
        /// `Lab mode of inheritance` (saved panels; empty in merge exports).
        LabModeOfInheritance = "LAB_MODE_OF_INHERITANCE",
        /// `Lab notes` (saved panels; empty in merge exports).
        LabNotes = "LAB_NOTES",
    }
}

impl ExportColumn {
    /// The column's position in the full combined list (with the lab's columns).
    pub fn position(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }

    /// The column's header in the file.
    pub const fn header(self) -> &'static str {
        match self {
            Self::GeneSymbol => "GeneSymbol",
            Self::Panels => "Panel(s)",
            Self::ListTypes => "List type(s)",
            Self::HgncId => "HGNC ID",
            Self::EntityType => "Entity type",
            Self::ConfidenceLevels => "Confidence level(s)",
            Self::ModesOfInheritance => "Mode(s) of inheritance",
            Self::PanelVersions => "Panel version(s)",
            Self::Sources => "Sources",
            Self::Conflicts => "Conflicts",
            Self::Verification => "Verification",
            Self::LabRating => "Lab rating",
            Self::LabModeOfInheritance => "Lab mode of inheritance",
            Self::LabNotes => "Lab notes",
        }
    }

    /// Whether the format writes a combined list whose columns a template may choose.
    pub const fn chosen_in(format: ExportFormat) -> bool {
        matches!(
            format,
            ExportFormat::Xlsx | ExportFormat::Csv | ExportFormat::Tsv
        )
    }
}

/// The export settings an export template keeps (issue 14.5): the format, the combined list's
/// columns, which rows to keep, and the format's options. Exports given a template use them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportSettings {
    pub format: ExportFormat,
    /// The combined list's columns in this order; empty: every column, as without a template.
    pub columns: Vec<ExportColumn>,
    /// Rows kept by rating (the lab's own rating of a saved panel's gene, else the best rating
    /// any source gives); empty: every rating.
    pub ratings: Vec<crate::Confidence>,
    /// Keep rows no source rates (genes only in uploads or added by hand).
    pub include_unrated: bool,
    /// Rows kept by entity type; empty: genes, STRs and regions.
    pub entity_types: Vec<crate::EntityType>,
    /// XLSX: one sheet per source; XLSX_FLASK: Flask's "original panels" sheets.
    pub per_source_sheets: bool,
    /// BED: `chr1` rather than `1`.
    pub chr_prefix: bool,
}

/// A setting that can not be used, with the (GraphQL) name of its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    pub field: &'static str,
    pub message: String,
}

impl ExportSettings {
    /// The settings of an export without a template, in `format`.
    pub fn plain(format: ExportFormat) -> Self {
        Self {
            format,
            columns: Vec::new(),
            ratings: Vec::new(),
            include_unrated: true,
            entity_types: Vec::new(),
            per_source_sheets: format == ExportFormat::XlsxFlask,
            chr_prefix: true,
        }
    }

    /// Checks that the settings make sense together: columns only for XLSX, CSV and TSV, each
    /// once and with GENE_SYMBOL among them; per-source sheets only for the workbooks; some
    /// rows kept.
    pub fn check(&self) -> Result<(), SettingError> {
        let error = |field, message: String| Err(SettingError { field, message });
        if !self.columns.is_empty() {
            if !ExportColumn::chosen_in(self.format) {
                return error(
                    "columns",
                    format!(
                        "{} files have a fixed layout: columns can be chosen for XLSX, CSV and TSV only",
                        self.format
                    ),
                );
            }
            for (i, column) in self.columns.iter().enumerate() {
                if self.columns[..i].contains(column) {
                    return error("columns", format!("{column} is chosen twice"));
                }
            }
            if !self.columns.contains(&ExportColumn::GeneSymbol) {
                return error(
                    "columns",
                    "GENE_SYMBOL must be one of the columns".to_owned(),
                );
            }
        }
        if self.per_source_sheets
            && !matches!(self.format, ExportFormat::Xlsx | ExportFormat::XlsxFlask)
        {
            return error(
                "perSourceSheets",
                format!(
                    "{} files have no sheets: per-source sheets need XLSX or XLSX_FLASK",
                    self.format
                ),
            );
        }
        for (i, rating) in self.ratings.iter().enumerate() {
            if self.ratings[..i].contains(rating) {
                return error("ratings", format!("{rating} is chosen twice"));
            }
        }
        for (i, kind) in self.entity_types.iter().enumerate() {
            if self.entity_types[..i].contains(kind) {
                return error("entityTypes", format!("{kind} is chosen twice"));
            }
        }
        Ok(())
    }

    /// Whether a row of `entity_type` rated `rating` (`None`: no source rates it) is kept.
    pub fn keeps(&self, entity_type: crate::EntityType, rating: Option<crate::Confidence>) -> bool {
        let type_ok = self.entity_types.is_empty() || self.entity_types.contains(&entity_type);
        let rating_ok = match rating {
            Some(r) => self.ratings.is_empty() || self.ratings.contains(&r),
            None => self.include_unrated,
        };
        type_ok && rating_ok
    }

    /// Whether the settings drop no rows.
    pub fn keeps_everything(&self) -> bool {
        self.ratings.is_empty() && self.include_unrated && self.entity_types.is_empty()
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

    #[test]
    fn template_settings_are_checked_field_by_field() {
        use crate::{Confidence, EntityType};
        assert_eq!(ExportColumn::ALL.len(), 14);
        assert_eq!(ExportColumn::LabNotes.position(), 13);
        let mut s = ExportSettings::plain(ExportFormat::Csv);
        assert_eq!(s.check(), Ok(()));
        s.columns = vec![ExportColumn::HgncId];
        assert_eq!(s.check().map_err(|e| e.field), Err("columns"));
        s.columns = vec![ExportColumn::GeneSymbol, ExportColumn::GeneSymbol];
        assert_eq!(s.check().map_err(|e| e.field), Err("columns"));
        s.columns = vec![ExportColumn::GeneSymbol, ExportColumn::HgncId];
        assert_eq!(s.check(), Ok(()));
        s.format = ExportFormat::Json;
        assert_eq!(s.check().map_err(|e| e.field), Err("columns"));
        s.columns.clear();
        s.per_source_sheets = true;
        assert_eq!(s.check().map_err(|e| e.field), Err("perSourceSheets"));
        s.format = ExportFormat::Xlsx;
        assert_eq!(s.check(), Ok(()));
        s.ratings = vec![Confidence::Green];
        s.include_unrated = false;
        assert!(s.keeps(EntityType::Gene, Some(Confidence::Green)));
        assert!(!s.keeps(EntityType::Gene, Some(Confidence::Amber)));
        assert!(!s.keeps(EntityType::Gene, None));
        s.entity_types = vec![EntityType::Str];
        assert!(!s.keeps(EntityType::Gene, Some(Confidence::Green)));
        assert!(!s.keeps_everything());
    }
}
