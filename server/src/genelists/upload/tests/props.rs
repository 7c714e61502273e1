//! Property tests over every upload parser: arbitrary bytes and mutated valid files give a
//! result or a clear error, never a panic, and never allocate past a bound.
//!
//! Memory: every limit is checked before the allocation it guards, so a file that would
//! need the dense rectangle of far-apart cells is refused instead; a missed check aborts
//! the test process (an allocation failure is not a panic), failing the run. The limits
//! used here are small so that each case is cheap.

use std::io::{Read, Write};

use proptest::prelude::*;
use shared::upload::UploadRejection;

use super::super::*;
use super::workbook::{far_apart_xlsx, sample_xlsx};
use crate::genelists::upload::test_support::{self, XlsValue};

/// Small limits, so that "bounded" can be checked tightly.
fn limits() -> UploadLimits {
    UploadLimits {
        max_bytes: 1024 * 1024,
        max_uncompressed: 4 * 1024 * 1024,
        max_rows: 5_000,
        max_cells: 20_000,
        max_text_bytes: 1024 * 1024,
        max_cell_chars: 32_767,
        max_diagnostics: 200,
    }
}

/// Reads `bytes` as `name` and checks the outcome: a result, or an error with a message.
fn read(bytes: &[u8], name: &str) -> Result<ParsedUpload, UploadError> {
    let outcome = parse_upload(bytes, name, &ParseOptions::default(), &limits(), None);
    if let Err(e) = &outcome {
        assert!(!e.message.trim().is_empty(), "{e:?}");
    }
    outcome
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], keep: Option<usize>) -> Vec<u8> {
    if !bytes.is_empty() {
        for &(at, value) in edits {
            let at = at % bytes.len();
            bytes[at] = value;
        }
    }
    if let Some(keep) = keep {
        bytes.truncate(keep % (bytes.len() + 1));
    }
    bytes
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

fn sample_biff() -> Vec<u8> {
    test_support::biff_stream(
        "Genes",
        &[
            ((0, 0), XlsValue::Text("Gene")),
            ((1, 0), XlsValue::Text("BRCA1")),
            ((2, 0), XlsValue::Number(37136.0)),
            ((3, 1), XlsValue::Text("note")),
        ],
        Some((4, 2)),
    )
}

fn fixture_xls() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/uploads/genes.xls");
    std::fs::read(path).unwrap()
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8)>> {
    prop::collection::vec((any::<usize>(), any::<u8>()), 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_under_any_name(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
        name in prop::sample::select(vec!["a.csv", "a.tsv", "a.txt", "a.xlsx", "a.xls", "a"]),
    ) {
        let _ = read(&bytes, name);
    }

    #[test]
    fn arbitrary_text_as_csv_tsv_and_lists(
        text in "[A-Za-z0-9 ,;\t\"\r\n=+@-]{0,2000}",
    ) {
        let _ = read(text.as_bytes(), "genes.csv");
    }

    #[test]
    fn arbitrary_bytes_behind_each_magic_number(
        magic in prop::sample::select(vec![
            &b"PK\x03\x04"[..],
            &b"PK\x05\x06"[..],
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..],
            &[0xEF, 0xBB, 0xBF][..],
            &[0xFF, 0xFE][..],
            &[0xFE, 0xFF][..],
        ]),
        rest in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&rest);
        let _ = read(&bytes, "upload");
    }

}

proptest! {
    // Each case re-zips a workbook: fewer cases keep the suite fast.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_xlsx_files(
        which in 0usize..2,
        entry in any::<usize>(),
        changes in edits(),
        keep in prop::option::of(any::<usize>()),
    ) {
        let original = if which == 0 { sample_xlsx() } else { far_apart_xlsx() };
        // Mutate one part's XML (what calamine parses), and re-zip it.
        let mut entries = unzip(&original);
        let at = entry % entries.len();
        entries[at].1 = mutate(std::mem::take(&mut entries[at].1), &changes, keep);
        let _ = read(&rezip(&entries), "a.xlsx");
        // And the archive itself.
        let _ = read(&mutate(original, &changes, keep), "a.xlsx");
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn mutated_xls_streams_and_files(
        changes in edits(),
        keep in prop::option::of(any::<usize>()),
        which in 0usize..3,
    ) {
        // The record stream, in a sound container: exercises the record checks and calamine.
        let stream = match which {
            0 => sample_biff(),
            1 => test_support::biff_stream(
                "Far",
                &[((0, 0), XlsValue::Text("BRCA1")), ((9, 9), XlsValue::Number(1.0))],
                None,
            ),
            _ => super::super::cfb::workbook_stream(&fixture_xls()).unwrap(),
        };
        let mutated = mutate(stream, &changes, keep);
        let _ = read(&super::super::cfb::container(&mutated), "a.xls");
        // The compound file: exercises the container reader.
        let file = if which == 2 { fixture_xls() } else { test_support::far_apart_xls() };
        let _ = read(&mutate(file, &changes, keep), "a.xls");
    }

    #[test]
    fn container_and_record_checks_alone(
        changes in edits(),
        keep in prop::option::of(any::<usize>()),
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        // Outside the reader's panic guard: these are ours and must not panic at all.
        let file = mutate(fixture_xls(), &changes, keep);
        if let Ok(stream) = super::super::cfb::workbook_stream(&file) {
            let _ = super::super::biff::check(&stream, &limits());
        }
        let _ = super::super::cfb::workbook_stream(&bytes);
        let _ = super::super::biff::check(&bytes, &limits());
        let _ = super::super::biff::check(&mutate(sample_biff(), &changes, keep), &limits());
        let _ = super::super::detect::sniff(&bytes);
    }

    #[test]
    fn mutated_text_files(
        changes in edits(),
        keep in prop::option::of(any::<usize>()),
    ) {
        let csv = b"Title\n\nGene,Score\nBRCA1,1\n\"TP53\",2\r\nSEPT2,3\n".to_vec();
        let _ = read(&mutate(csv, &changes, keep), "a.csv");
    }
}

#[test]
fn valid_samples_read_within_the_bound() {
    assert!(read(&sample_xlsx(), "a.xlsx").is_ok());
    assert!(read(&fixture_xls(), "a.xls").is_ok());
    assert!(
        read(
            &test_support::xls("Genes", &[((0, 0), XlsValue::Text("BRCA1"))], None),
            "a.xls"
        )
        .is_ok()
    );
    let far = read(&far_apart_xlsx(), "a.xlsx").unwrap_err();
    assert_eq!(far.reason, UploadRejection::SheetTooLarge);
    let far = read(&test_support::far_apart_xls(), "a.xls").unwrap_err();
    assert_eq!(far.reason, UploadRejection::SheetTooLarge);
}
