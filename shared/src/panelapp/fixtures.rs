//! The bundled PanelApp fixtures (`tests/fixtures/panelapp`), read with the production parser
//! ([`parse_panel`]) for tests and benchmarks. Files only: the browser benchmark embeds the
//! same files and calls [`parse_panel`] itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use super::parse_panel;
use crate::{PanelData, Source};

/// Directory of the bundled PanelApp fixtures (`tests/fixtures/panelapp`).
pub fn fixture_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("fixtures")
        .join("panelapp")
}

/// Reads and parses one fixture file, e.g. `uk_panel_635_v2.18.json`; panics naming the file
/// when it can not be read or parsed.
pub fn fixture_panel(file: &str, source: Source) -> PanelData {
    let path = fixture_dir().join(file);
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    parse_panel(&body, source).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Every UK panel-detail fixture (`uk_panel_*.json`), parsed, by file name.
pub fn all_uk_panels() -> Vec<PanelData> {
    let mut files: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("uk_panel_") && n.ends_with(".json"))
        .collect();
    files.sort();
    files.iter().map(|f| fixture_panel(f, Source::Uk)).collect()
}

/// `base` repeated under new ids (10,000 apart per copy) until the panels hold at least
/// `target` entities: the large merge input of the benchmarks.
pub fn repeated(base: &[PanelData], target: usize) -> Vec<PanelData> {
    let mut out = Vec::new();
    let mut total = 0;
    let mut copy = 0u32;
    // A base without entities could never reach the target: one copy is all it gets.
    while total < target && (copy == 0 || total > 0) {
        for panel in base {
            let mut p = panel.clone();
            p.id += 10_000 * copy;
            total += p.entities.len();
            out.push(p);
        }
        copy += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_uk_fixture_parses_with_the_production_reader() {
        let panels = all_uk_panels();
        assert_eq!(panels.len(), 16);
        let total: usize = panels.iter().map(|p| p.entities.len()).sum();
        assert_eq!(total, 2678, "every gene, STR and region of the 16 files");
    }

    #[test]
    fn repeated_reaches_the_target_under_new_ids() {
        let base = vec![fixture_panel("uk_panel_635_v2.18.json", Source::Uk)];
        let n = base[0].entities.len();
        let copies = repeated(&base, 3 * n);
        assert_eq!(copies.len(), 3);
        assert_eq!(
            copies.iter().map(|p| p.id).collect::<Vec<_>>(),
            [635, 10_635, 20_635]
        );
        assert_eq!(repeated(&[], 10).len(), 0);
    }
}
