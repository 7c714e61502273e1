//! Workbooks (XLSX, XLS), zip bombs and lying extensions.

use std::io::Write;

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use shared::upload::{DiagnosticKind, UploadFormat, UploadRejection};

use super::super::*;
use super::{find, parse, symbols, with};
use crate::genelists::upload::test_support;

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[test]
fn zip_bombs_are_refused_by_declared_and_by_actual_size() {
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let bomb = zip_with(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", &zeros),
    ]);
    assert!(bomb.len() < 20_000, "compresses well: {}", bomb.len());
    let limits = UploadLimits {
        max_uncompressed: 1024 * 1024,
        ..UploadLimits::default()
    };
    let err = parse_upload(&bomb, "a.xlsx", &ParseOptions::default(), &limits, None).unwrap_err();
    assert_eq!(err.reason, UploadRejection::ZipBomb);
    assert_eq!(err.limit, Some(1024 * 1024));

    // The same archive lying about its size in both headers: declared 1 KB, inflates to 2 MB.
    let mut liar = bomb.clone();
    let declared = 1024u32.to_le_bytes();
    let mut patched = 0;
    for i in 0..liar.len().saturating_sub(4) {
        let sig = &liar[i..i + 4];
        let offset = if sig == b"PK\x03\x04" {
            Some(22)
        } else if sig == b"PK\x01\x02" {
            Some(24)
        } else {
            None
        };
        if let Some(offset) = offset {
            let name_at = if sig == b"PK\x03\x04" { 30 } else { 46 };
            if liar[i + name_at..].starts_with(b"xl/worksheets/sheet1.xml") {
                liar[i + offset..i + offset + 4].copy_from_slice(&declared);
                patched += 1;
            }
        }
    }
    assert_eq!(patched, 2);
    let err = parse_upload(&liar, "a.xlsx", &ParseOptions::default(), &limits, None).unwrap_err();
    assert!(
        matches!(
            err.reason,
            UploadRejection::ZipBomb | UploadRejection::Unreadable
        ),
        "a lying archive never inflates past its declared size: {err:?}"
    );

    let not_a_workbook = zip_with(&[("word/document.xml", b"<doc/>")]);
    assert_eq!(
        parse(&not_a_workbook, "a.xlsx").unwrap_err().reason,
        UploadRejection::NotAWorkbook
    );
}

pub(crate) fn sample_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let summary = book.add_worksheet().set_name("Summary").unwrap();
    summary.write_string(0, 0, "Total").unwrap();
    summary.write_number(1, 0, 5).unwrap();
    let panel = book.add_worksheet().set_name("Panel").unwrap();
    panel.write_string(0, 0, "Notes").unwrap();
    panel.write_string(0, 1, "HGNC_symbol").unwrap();
    panel.write_string(1, 1, "BRCA1").unwrap();
    let date = ExcelDateTime::from_ymd(2019, 9, 2).unwrap();
    panel
        .write_datetime_with_format(2, 1, &date, &Format::new().set_num_format("d-mmm"))
        .unwrap();
    panel.write_number(3, 1, 37136).unwrap();
    panel
        .write_formula(4, 1, Formula::new("=UPPER(\"brca2\")").set_result("BRCA2"))
        .unwrap();
    panel.write_string(5, 1, "=cmd|' /C calc'!A0").unwrap();
    panel.write_number(6, 1, 2.31e13).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn xlsx_sheets_dates_serials_and_formulas() {
    let bytes = sample_xlsx();
    let p = parse(&bytes, "lab.xlsx").unwrap();
    assert_eq!(p.format, UploadFormat::Xlsx);
    assert_eq!(
        p.sheet.as_deref(),
        Some("Panel"),
        "the first sheet with a gene column"
    );
    assert_eq!(p.sheets, ["Summary", "Panel"]);
    assert_eq!(p.column.as_deref(), Some("HGNC_symbol"));
    assert_eq!(symbols(&p), ["BRCA1", "SEPTIN2", "BRCA2"]);
    assert_eq!(p.genes[1].row, Some(3));
    let dates = find(&p, DiagnosticKind::ExcelDate);
    assert_eq!(dates.len(), 2, "{:?}", p.diagnostics);
    assert_eq!(dates[0].value, "2019-09-02");
    let formulas = find(&p, DiagnosticKind::Formula);
    assert_eq!(formulas.len(), 2, "{:?}", p.diagnostics);
    assert!(formulas[0].message.contains("computed value BRCA2"));
    assert_eq!(find(&p, DiagnosticKind::ExcelNumber).len(), 1);

    // A named sheet is read even when its lone column has no gene header.
    let p = with(&bytes, None, Some("summary")).unwrap();
    assert_eq!(symbols(&p), ["TOTAL"]);
    assert_eq!(find(&p, DiagnosticKind::ExcelNumber)[0].value, "5");
    let p = with(&bytes, Some("Total"), Some("Summary"));
    assert_eq!(
        p.unwrap_err().reason,
        UploadRejection::NoGenes,
        "5 is a number, not a gene"
    );
    let err = with(&bytes, None, Some("Nope")).unwrap_err();
    assert_eq!(err.reason, UploadRejection::UnknownSheet);
    assert!(err.message.contains("Summary, Panel"));
}

#[test]
fn xls_workbooks_are_read_too() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/uploads/genes.xls");
    let bytes = std::fs::read(path).unwrap();
    let p = parse(&bytes, "genes.xls").unwrap();
    assert_eq!(p.format, UploadFormat::Xls);
    assert_eq!(p.sheet.as_deref(), Some("Genes"));
    assert_eq!(symbols(&p), ["BRCA1", "TP53", "SEPTIN2"]);
    assert_eq!(
        find(&p, DiagnosticKind::ExcelDate)[0].suggestion.as_deref(),
        Some("SEPTIN2")
    );
}

#[test]
fn lying_extensions_are_read_by_content_and_reported() {
    let p = parse(b"Gene\nBRCA1\n", "genes.xlsx").unwrap();
    assert_eq!(p.format, UploadFormat::Text);
    assert_eq!(find(&p, DiagnosticKind::FormatMismatch).len(), 1);
    let p = parse(&sample_xlsx(), "genes.csv").unwrap();
    assert_eq!(p.format, UploadFormat::Xlsx);
    assert_eq!(find(&p, DiagnosticKind::FormatMismatch).len(), 1);
    let p = parse(b"Gene\nBRCA1\n", "genes.tsv").unwrap();
    assert!(
        find(&p, DiagnosticKind::FormatMismatch).is_empty(),
        "text is text"
    );
}

/// A few kilobytes whose two cells, `A1` and `XFD1048576`, span the whole sheet.
pub(crate) fn far_apart_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "BRCA1").unwrap();
    sheet.write_number(1_048_575, 16_383, 1).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn far_apart_xlsx_cells_are_refused_before_the_rectangle_is_built() {
    let bytes = far_apart_xlsx();
    assert!(bytes.len() < 10_000, "{}", bytes.len());
    let err = parse(&bytes, "far.xlsx").unwrap_err();
    assert_eq!(err.reason, UploadRejection::SheetTooLarge, "{err:?}");
    assert_eq!(
        err.message,
        "the sheet spans 1,048,576 rows × 16,384 columns; at most 2,000,000 cells are read"
    );
    assert_eq!(err.limit, Some(MAX_CELLS));
    assert_eq!(err.sheets, ["Sheet1"]);
}

#[test]
fn far_apart_xls_cells_are_refused_before_calamine_reads_them() {
    let err = parse(&test_support::far_apart_xls(), "far.xls").unwrap_err();
    assert_eq!(err.reason, UploadRejection::SheetTooLarge, "{err:?}");
    assert_eq!(
        err.message,
        "the sheet spans 65,536 rows × 65,536 columns; at most 2,000,000 cells are read"
    );
    // A DIMENSIONS record claiming the whole sheet is refused even without far cells.
    let claims = test_support::xls(
        "Genes",
        &[((0, 0), test_support::XlsValue::Text("BRCA1"))],
        Some((u32::MAX, 256)),
    );
    let err = parse(&claims, "claims.xls").unwrap_err();
    assert_eq!(err.reason, UploadRejection::SheetTooLarge, "{err:?}");
    assert!(
        err.message
            .starts_with("the sheet declares that it spans 4,294,967,295 rows × 256 columns"),
        "{}",
        err.message
    );
}

#[test]
fn hand_built_xls_is_read_through_the_rewrapped_container() {
    use test_support::XlsValue::{Number, Text};
    let bytes = test_support::xls(
        "Panel",
        &[
            ((0, 0), Text("Gene")),
            ((0, 1), Text("Score")),
            ((1, 0), Text("brca1")),
            ((1, 1), Number(3.0)),
            ((3, 0), Text("TP53")),
        ],
        Some((4, 2)),
    );
    let p = parse(&bytes, "panel.xls").unwrap();
    assert_eq!(p.format, UploadFormat::Xls);
    assert_eq!(p.sheet.as_deref(), Some("Panel"));
    assert_eq!(p.columns, ["Gene", "Score"]);
    assert_eq!(symbols(&p), ["BRCA1", "TP53"]);
    assert_eq!(p.rows, 3, "the blank row 3 is a row");
}

#[test]
fn rows_and_cells_are_limited_while_the_sheet_is_read() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Gene").unwrap();
    for row in 1..=50 {
        sheet.write_string(row, 0, "BRCA1").unwrap();
        sheet.write_string(row, 3, "x").unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let limits = UploadLimits {
        max_rows: 20,
        ..UploadLimits::default()
    };
    let err = parse_upload(&bytes, "a.xlsx", &ParseOptions::default(), &limits, None).unwrap_err();
    assert_eq!(err.reason, UploadRejection::TooManyRows);
    assert_eq!(err.limit, Some(20));
    let limits = UploadLimits {
        max_cells: 100,
        ..UploadLimits::default()
    };
    let err = parse_upload(&bytes, "a.xlsx", &ParseOptions::default(), &limits, None).unwrap_err();
    assert_eq!(err.reason, UploadRejection::SheetTooLarge);
    assert_eq!(
        err.message,
        "the sheet spans 26 rows × 4 columns; at most 100 cells are read"
    );
}

#[test]
fn one_long_shared_string_in_many_cells_is_bounded_by_the_text_limit() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let long = "A".repeat(30_000);
    sheet.write_string(0, 0, "Gene").unwrap();
    for row in 1..200 {
        sheet.write_string(row, 0, &long).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let limits = UploadLimits {
        max_text_bytes: 1024 * 1024,
        ..UploadLimits::default()
    };
    let err = parse_upload(&bytes, "a.xlsx", &ParseOptions::default(), &limits, None).unwrap_err();
    assert_eq!(err.reason, UploadRejection::SheetTooLarge, "{err:?}");
    assert!(
        err.message.contains("1,048,576 bytes of text"),
        "{}",
        err.message
    );

    // XLS: one long label copied into many cells through the shared string table is
    // counted the same way (here through LABEL records, each with its own copy).
    let cells: Vec<_> = (1..200u16)
        .map(|row| ((row, 0), test_support::XlsValue::Text(&long[..8000])))
        .collect();
    let bytes = test_support::xls("Genes", &cells, None);
    let err = parse_upload(&bytes, "a.xls", &ParseOptions::default(), &limits, None).unwrap_err();
    assert_eq!(err.reason, UploadRejection::SheetTooLarge, "{err:?}");
}

#[test]
fn sheets_that_share_their_data_are_not_read_over_and_over() {
    // XLS: 2,000 sheets whose records are all the same 1,000 rows.
    let names: Vec<String> = (0..2000).map(|i| format!("S{i}")).collect();
    let cells: Vec<_> = (0..1000u16)
        .map(|row| ((row, 1), test_support::XlsValue::Text("note")))
        .collect();
    let bytes = test_support::xls(&names.join("|"), &cells, None);
    let err = parse(&bytes, "a.xls").unwrap_err();
    assert_eq!(err.reason, UploadRejection::Unreadable, "{err:?}");
    assert!(
        err.message.contains("its sheets overlap"),
        "{}",
        err.message
    );

    // XLSX: 300 sheets naming the same part.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("S0").unwrap();
    for row in 0..3000 {
        sheet.write_string(row, 1, "note").unwrap();
    }
    let original = book.save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&original[..])).unwrap();
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        let name = entry.name().unwrap().into_owned();
        if name == "xl/workbook.xml" {
            let text = String::from_utf8(data).unwrap();
            let one = r#"<sheet name="S0" sheetId="1" r:id="rId1"/>"#;
            assert!(text.contains(one), "{text}");
            let many: String = (0..300)
                .map(|i| format!(r#"<sheet name="S{i}" sheetId="{}" r:id="rId1"/>"#, i + 1))
                .collect();
            data = text.replace(one, &many).into_bytes();
        }
        entries.push((name, data));
    }
    let bytes = zip_with(
        &entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect::<Vec<_>>(),
    );
    let err = parse(&bytes, "a.xlsx").unwrap_err();
    assert_eq!(err.reason, UploadRejection::SheetTooLarge, "{err:?}");
    assert!(
        err.message
            .starts_with("reading the workbook's sheets took more than"),
        "{}",
        err.message
    );
}
