//! Snapshots in the API's own JSON layout: the bundled one (real responses from the
//! fixtures, embedded in the binary), one read from `PANELAPP_SNAPSHOT=DIR`, and writing one
//! (`panelmerge panelapp snapshot --out DIR`).
//!
//! ```text
//! manifest.json            {"format": 1, "sources": {"uk": {"date": "2026-03-02"}, ...}}
//! <uk|au>/panels.json      every panel summary as one DRF page
//! <uk|au>/signedoff.json   the signed-off list as one DRF page
//! <uk|au>/panels/<id>.json panel details as `/panels/<id>/` returns them
//! ```

mod bundled;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use serde_json::json;
use shared::Source;

use shared::panelapp::{Page, RawSummary};

/// One snapshot, in memory (details stay unparsed until asked for).
#[derive(Debug, Default)]
pub struct Snapshot {
    /// "bundled" or the directory.
    pub label: String,
    files: HashMap<String, Cow<'static, [u8]>>,
}

impl Snapshot {
    /// The snapshot shipped in the binary.
    pub fn bundled() -> Self {
        Self {
            label: "bundled".to_owned(),
            files: bundled::FILES
                .iter()
                .map(|(path, body)| ((*path).to_owned(), Cow::Borrowed(body.as_bytes())))
                .collect(),
        }
    }

    /// A snapshot directory written by `panelmerge panelapp snapshot`.
    pub fn read_dir(dir: &Path) -> std::io::Result<Self> {
        let mut files = HashMap::new();
        let mut read = |rel: String| -> std::io::Result<()> {
            let path = dir.join(&rel);
            if path.is_file() {
                files.insert(rel, Cow::Owned(std::fs::read(path)?));
            }
            Ok(())
        };
        read("manifest.json".to_owned())?;
        for src in ["uk", "au"] {
            read(format!("{src}/panels.json"))?;
            read(format!("{src}/signedoff.json"))?;
            let details = dir.join(src).join("panels");
            if details.is_dir() {
                for entry in std::fs::read_dir(details)?.flatten() {
                    let name = entry.file_name().to_string_lossy().to_string();
                    if name.ends_with(".json") {
                        read(format!("{src}/panels/{name}"))?;
                    }
                }
            }
        }
        if !files.contains_key("uk/panels.json") && !files.contains_key("au/panels.json") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} holds no PanelApp snapshot", dir.display()),
            ));
        }
        Ok(Self {
            label: dir.display().to_string(),
            files,
        })
    }

    /// The date the data of `source` was captured (YYYY-MM-DD or RFC 3339).
    pub fn date(&self, source: Source) -> Option<String> {
        let manifest: serde_json::Value =
            serde_json::from_slice(self.files.get("manifest.json")?).ok()?;
        manifest["sources"][source.prefix()]["date"]
            .as_str()
            .map(str::to_owned)
    }

    fn page(&self, rel: &str) -> Option<Vec<RawSummary>> {
        let page: Page<RawSummary> = serde_json::from_slice(self.files.get(rel)?).ok()?;
        Some(page.results)
    }

    /// Panel summaries of `source`.
    pub fn panels(&self, source: Source) -> Option<Vec<RawSummary>> {
        self.page(&format!("{}/panels.json", source.prefix()))
    }

    pub fn signed_off(&self, source: Source) -> Vec<RawSummary> {
        self.page(&format!("{}/signedoff.json", source.prefix()))
            .unwrap_or_default()
    }

    /// The raw detail body of a panel.
    pub fn detail(&self, source: Source, id: u32) -> Option<&[u8]> {
        self.files
            .get(&format!("{}/panels/{id}.json", source.prefix()))
            .map(|c| c.as_ref())
    }

    /// Whether the snapshot holds `source` in full: its catalogue and the detail of every
    /// panel in it (a written snapshot records this in its manifest; it is checked here
    /// either way). The bundled snapshot holds a few details only.
    pub fn complete(&self, source: Source) -> bool {
        self.panels(source).is_some_and(|panels| {
            !panels.is_empty() && panels.iter().all(|p| self.detail(source, p.id).is_some())
        })
    }

    /// Every `(source, id)` with a detail.
    pub fn detail_ids(&self) -> Vec<(Source, u32)> {
        let mut ids: Vec<_> = self
            .files
            .keys()
            .filter_map(|k| {
                let (src, rest) = k.split_once("/panels/")?;
                let source = Source::ALL.iter().copied().find(|s| s.prefix() == src)?;
                Some((source, rest.strip_suffix(".json")?.parse().ok()?))
            })
            .collect();
        ids.sort();
        ids
    }
}

/// What one source contributes to a written snapshot.
pub struct SourceDump {
    pub source: Source,
    pub date: String,
    pub panels: Vec<RawSummary>,
    pub signed_off: Vec<RawSummary>,
    /// `(id, raw detail body)`.
    pub details: Vec<(u32, Vec<u8>)>,
}

impl SourceDump {
    /// Whether every panel of the catalogue has its detail.
    pub fn complete(&self) -> bool {
        !self.panels.is_empty()
            && self
                .panels
                .iter()
                .all(|p| self.details.iter().any(|(id, _)| *id == p.id))
    }
}

/// Writes a snapshot directory.
pub fn write(dir: &Path, dumps: &[SourceDump]) -> std::io::Result<()> {
    let page = |items: &[RawSummary]| json!({ "count": items.len(), "next": null, "previous": null, "results": items });
    let mut sources = serde_json::Map::new();
    for d in dumps {
        let root = dir.join(d.source.prefix());
        std::fs::create_dir_all(root.join("panels"))?;
        std::fs::write(root.join("panels.json"), page(&d.panels).to_string())?;
        std::fs::write(root.join("signedoff.json"), page(&d.signed_off).to_string())?;
        for (id, body) in &d.details {
            std::fs::write(root.join("panels").join(format!("{id}.json")), body)?;
        }
        sources.insert(
            d.source.prefix().to_owned(),
            json!({
                "date": d.date,
                "panels": d.panels.len(),
                "details": d.details.len(),
                "complete": d.complete(),
            }),
        );
    }
    let manifest =
        json!({ "format": 1, "origin": "panelmerge panelapp snapshot", "sources": sources });
    std::fs::write(dir.join("manifest.json"), manifest.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_snapshot_is_complete() {
        let s = Snapshot::bundled();
        assert_eq!(s.panels(Source::Uk).unwrap().len(), 439);
        assert_eq!(s.panels(Source::Au).unwrap().len(), 3);
        assert_eq!(s.date(Source::Uk).as_deref(), Some("2026-03-02"));
        assert!(s.detail(Source::Uk, 402).is_some());
        assert!(s.detail(Source::Au, 3149).is_some());
        assert!(s.detail_ids().contains(&(Source::Uk, 82)));
        assert!(!s.complete(Source::Uk), "16 details of 439 panels");
        assert!(!s.complete(Source::Au));
    }

    #[test]
    fn written_snapshots_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let b = Snapshot::bundled();
        let dump = SourceDump {
            source: Source::Uk,
            date: "2026-01-01".to_owned(),
            panels: b.panels(Source::Uk).unwrap(),
            signed_off: b.signed_off(Source::Uk),
            details: vec![(402, b.detail(Source::Uk, 402).unwrap().to_vec())],
        };
        write(dir.path(), &[dump]).unwrap();
        let back = Snapshot::read_dir(dir.path()).unwrap();
        assert_eq!(back.panels(Source::Uk).unwrap().len(), 439);
        assert_eq!(back.date(Source::Uk).as_deref(), Some("2026-01-01"));
        assert!(back.panels(Source::Au).is_none());
        assert_eq!(back.detail_ids(), [(Source::Uk, 402)]);
        assert!(!back.complete(Source::Uk));
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["sources"]["uk"]["complete"], false);
    }

    #[test]
    fn a_snapshot_with_every_detail_is_complete() {
        let dir = tempfile::tempdir().unwrap();
        let b = Snapshot::bundled();
        // The UK catalogue cut down to the panels whose details the bundled snapshot has.
        let with_detail: Vec<_> = b
            .panels(Source::Uk)
            .unwrap()
            .into_iter()
            .filter(|p| b.detail(Source::Uk, p.id).is_some())
            .collect();
        let details = with_detail
            .iter()
            .map(|p| (p.id, b.detail(Source::Uk, p.id).unwrap().to_vec()))
            .collect();
        let dump = SourceDump {
            source: Source::Uk,
            date: "2026-01-01".to_owned(),
            panels: with_detail,
            signed_off: Vec::new(),
            details,
        };
        assert!(dump.complete());
        write(dir.path(), &[dump]).unwrap();
        let back = Snapshot::read_dir(dir.path()).unwrap();
        assert!(back.complete(Source::Uk));
        assert!(!back.complete(Source::Au), "absent");
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["sources"]["uk"]["complete"], true);
    }
}
