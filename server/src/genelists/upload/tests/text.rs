//! Text uploads: CSV, TSV and one symbol per line.

use shared::upload::{DiagnosticKind, UploadFormat, UploadRejection};
use shared::{GeneSymbol, HgncId};

use super::super::*;
use super::{find, kinds, parse, symbols, with};

#[test]
fn csv_with_bom_crlf_quotes_blank_rows_case_and_repeats() {
    let csv = "\u{feff}Gene,Notes\r\n\"brca1 \",x\r\n\r\n,\r\nTP53,y\r\nBRCA1,again\r\n";
    let p = parse(csv.as_bytes(), "genes.csv").unwrap();
    assert_eq!(p.format, UploadFormat::Csv);
    assert_eq!(p.column.as_deref(), Some("Gene"));
    assert_eq!(p.columns, ["Gene", "Notes"]);
    assert_eq!(symbols(&p), ["BRCA1", "TP53"]);
    assert_eq!(p.genes[0].row, Some(2));
    let normalised = find(&p, DiagnosticKind::Normalised);
    assert_eq!(normalised[0].row, Some(2));
    assert_eq!(normalised[0].value, "brca1 ");
    let dup = find(&p, DiagnosticKind::Duplicate);
    assert_eq!(dup[0].row, Some(6));
    assert!(dup[0].message.contains("row 2"), "{}", dup[0].message);
    assert!(kinds(&p).contains(&DiagnosticKind::BlankRows));
    assert!(
        kinds(&p).contains(&DiagnosticKind::Unchecked),
        "no resolver was given"
    );
}

#[test]
fn header_spellings_tabs_semicolons_and_plain_lists() {
    for header in [
        "Gene Symbol",
        "gene_symbol",
        "GENESYMBOL",
        "HGNC Symbol",
        "entity name",
        " Genes ",
    ] {
        let tsv = format!("Score\t{header}\n1\tPKD1\n");
        let p = parse(tsv.as_bytes(), "x.tsv").unwrap();
        assert_eq!(p.format, UploadFormat::Tsv);
        assert_eq!(symbols(&p), ["PKD1"], "{header}");
    }
    let p = parse(b"Symbol;Note\nPKD2;x\n", "x.csv").unwrap();
    assert_eq!(symbols(&p), ["PKD2"]);
    let p = parse(b"BRCA1\nTP53\n\n  brca2\n", "list.txt").unwrap();
    assert_eq!(p.format, UploadFormat::Text);
    assert_eq!(p.column, None);
    assert_eq!(symbols(&p), ["BRCA1", "TP53", "BRCA2"]);
    let p = parse(b"Genes of interest\nBRCA1\n", "list.txt").unwrap();
    assert_eq!(symbols(&p), ["BRCA1"]);
    let p = parse(b"Exported 2025-01-01\n\nGene,Note\nATM,x\n", "x.csv").unwrap();
    assert_eq!(symbols(&p), ["ATM"]);
    assert_eq!(find(&p, DiagnosticKind::BlankRows)[0].row, Some(1));
}

#[test]
fn missing_ambiguous_and_chosen_columns() {
    let err = parse(b"Name,Notes\nBRCA1,x\n", "x.csv").unwrap_err();
    assert_eq!(err.reason, UploadRejection::NoGeneColumn);
    assert_eq!(err.columns, ["Name", "Notes"]);
    assert!(err.message.contains("Name, Notes"), "{}", err.message);
    let p = with(b"Name,Notes\nBRCA1,x\n", Some("name"), None).unwrap();
    assert_eq!(symbols(&p), ["BRCA1"]);
    let p = with(b"Name,Notes\nBRCA1,x\n", Some("1"), None).unwrap();
    assert_eq!(symbols(&p), ["BRCA1"]);

    let err = parse(b"Gene,Symbol\nA1,B1\n", "x.csv").unwrap_err();
    assert_eq!(err.reason, UploadRejection::AmbiguousGeneColumn);
    assert!(err.message.contains("Gene, Symbol"), "{}", err.message);
    let p = with(b"Gene,Symbol\nA1,B1\n", Some(" SYMBOL "), None).unwrap();
    assert_eq!(symbols(&p), ["B1"]);

    let err = with(b"Gene\nA1\n", Some("Nope"), None).unwrap_err();
    assert_eq!(err.reason, UploadRejection::UnknownColumn);
    assert_eq!(err.columns, ["Gene"]);
}

#[test]
fn excel_mangled_values_are_flagged_with_the_probable_gene() {
    let text = "Gene\n2-Sep\n1-Mar\nSep-02\n02-Sep-2019\n37136\n2.31E+13\n5-Jan\n1-Dec\n";
    let p = parse(text.as_bytes(), "x.csv").unwrap();
    assert_eq!(symbols(&p), ["SEPTIN2", "MARCHF1", "DELEC1"]);
    let dates = find(&p, DiagnosticKind::ExcelDate);
    let suggested: Vec<Option<&str>> = dates.iter().map(|d| d.suggestion.as_deref()).collect();
    assert_eq!(
        suggested,
        [
            Some("SEPTIN2"),
            Some("MARCHF1"),
            Some("SEPTIN2"),
            Some("SEPTIN2"),
            Some("SEPTIN2"),
            None,
            Some("DELEC1")
        ]
    );
    assert!(dates[0].message.contains("SEPT2"), "{}", dates[0].message);
    assert!(dates[4].message.contains("serial"), "{}", dates[4].message);
    let numbers = find(&p, DiagnosticKind::ExcelNumber);
    assert_eq!(numbers.len(), 1);
    assert_eq!(numbers[0].value, "2.31E+13");
    assert_eq!(numbers[0].row, Some(7));
    assert_eq!(find(&p, DiagnosticKind::Duplicate).len(), 3);
}

#[test]
fn formula_cells_are_never_genes() {
    let text = "Gene\nBRCA1\n=HYPERLINK(\"http://evil\",\"x\")\n+SUM(1)\n@cmd\n-2+3\n\"=1+1\"\n";
    let p = parse(text.as_bytes(), "x.csv").unwrap();
    assert_eq!(symbols(&p), ["BRCA1"]);
    let formulas = find(&p, DiagnosticKind::Formula);
    assert_eq!(formulas.len(), 5);
    assert!(formulas.iter().all(|d| d.row.is_some()));
}

#[test]
fn the_resolver_maps_aliases_and_flags_unknown_symbols() {
    let resolver = |s: &str| -> Option<(GeneSymbol, HgncId)> {
        let (current, id) = match s {
            "AARS" | "AARS1" => ("AARS1", 20),
            "BRCA1" => ("BRCA1", 1100),
            "SEPTIN2" => ("SEPTIN2", 7729),
            _ => return None,
        };
        Some((
            GeneSymbol::parse(current).ok()?,
            HgncId::parse(&id.to_string()).ok()?,
        ))
    };
    let options = ParseOptions::default();
    let text = "Gene\naars\nBRCA1\nFOO1\n2-Sep\nAARS1\n";
    let p = parse_upload(
        text.as_bytes(),
        "x.csv",
        &options,
        &UploadLimits::default(),
        Some(&resolver),
    )
    .unwrap();
    assert_eq!(symbols(&p), ["AARS1", "BRCA1", "FOO1", "SEPTIN2"]);
    assert_eq!(p.genes[0].hgnc_id.map(HgncId::number), Some(20));
    assert_eq!(p.genes[2].hgnc_id, None);
    let alias = find(&p, DiagnosticKind::Alias);
    assert_eq!(alias[0].suggestion.as_deref(), Some("AARS1"));
    let unverified = find(&p, DiagnosticKind::Unverified);
    assert_eq!(unverified[0].value, "FOO1");
    assert_eq!(
        unverified[0].reason,
        Some(shared::UnverifiedReason::UnknownToHgnc),
        "a resolver is complete unless it says otherwise"
    );
    assert_eq!(
        p.genes[2].verification().status,
        shared::VerificationStatus::Unverified
    );
    assert_eq!(
        alias[0].message, "AARS → AARS1 (alias)",
        "the mapping and its reason"
    );
    assert_eq!(
        find(&p, DiagnosticKind::Duplicate)[0].row,
        Some(6),
        "AARS1 after aars"
    );
    assert!(!kinds(&p).contains(&DiagnosticKind::Unchecked));
}

#[test]
fn split_cells_encodings_and_invalid_values() {
    let p = parse(b"Gene\n\"BRCA1, BRCA2\"\nBRCA 1 (x)\n", "x.csv").unwrap();
    assert_eq!(symbols(&p), ["BRCA1", "BRCA2"]);
    assert_eq!(find(&p, DiagnosticKind::Split).len(), 1);
    assert_eq!(find(&p, DiagnosticKind::InvalidSymbol).len(), 1);

    let latin1 = b"Gene;Note\nBRCA1;caf\xe9\n";
    let p = parse(latin1, "x.csv").unwrap();
    assert!(kinds(&p).contains(&DiagnosticKind::Encoding));

    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "Gene\tNote\r\nPKD1\tx\r\n".encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let p = parse(&utf16, "unicode.txt").unwrap();
    assert_eq!(symbols(&p), ["PKD1"]);
}

#[test]
fn hostile_and_empty_files_are_refused_with_a_reason() {
    let garbage: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(
        parse(&garbage, "genes.xlsx").unwrap_err().reason,
        UploadRejection::UnsupportedContent
    );
    assert_eq!(
        parse(b"", "genes.csv").unwrap_err().reason,
        UploadRejection::EmptyFile
    );
    assert_eq!(
        parse(b" \r\n\t\n", "genes.csv").unwrap_err().reason,
        UploadRejection::EmptyFile
    );
    let err = parse(b"Gene\n=1+1\n", "x.csv").unwrap_err();
    assert_eq!(err.reason, UploadRejection::NoGenes);

    let small = UploadLimits {
        max_bytes: 10,
        ..UploadLimits::default()
    };
    let err = parse_upload(
        b"Gene\nBRCA1\nTP53\n",
        "x.csv",
        &ParseOptions::default(),
        &small,
        None,
    )
    .unwrap_err();
    assert_eq!(err.reason, UploadRejection::FileTooLarge);
    assert_eq!(err.limit, Some(10));

    let rows = UploadLimits {
        max_rows: 3,
        ..UploadLimits::default()
    };
    let err = parse_upload(
        b"Gene\nA1\nA2\nA3\nA4\n",
        "x.csv",
        &ParseOptions::default(),
        &rows,
        None,
    )
    .unwrap_err();
    assert_eq!(err.reason, UploadRejection::TooManyRows);
    assert!(
        parse_upload(
            b"Gene\nA1\nA2\nA3\n",
            "x.csv",
            &ParseOptions::default(),
            &rows,
            None
        )
        .is_ok()
    );

    let cells = UploadLimits {
        max_cell_chars: 8,
        ..UploadLimits::default()
    };
    let err = parse_upload(
        b"Gene,Note\nA1,123456789\n",
        "x.csv",
        &ParseOptions::default(),
        &cells,
        None,
    )
    .unwrap_err();
    assert_eq!(err.reason, UploadRejection::CellTooLong);
    assert_eq!(err.row, Some(2));
}

#[test]
fn diagnostics_are_capped_and_summarised() {
    let mut text = String::from("Gene\n");
    for _ in 0..50 {
        text.push_str("brca1\n");
    }
    let limits = UploadLimits {
        max_diagnostics: 10,
        ..UploadLimits::default()
    };
    let p = parse_upload(
        text.as_bytes(),
        "x.csv",
        &ParseOptions::default(),
        &limits,
        None,
    )
    .unwrap();
    let truncated = find(&p, DiagnosticKind::Truncated);
    assert_eq!(truncated.len(), 1);
    assert!(
        truncated[0].message.starts_with("89 more"),
        "{}",
        truncated[0].message
    );
}
