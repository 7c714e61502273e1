//! Keeps the workbench across reloads, new tabs and typed URLs (issue 17.5). The browser's
//! local storage holds what was chosen — each panel's source, id, exact version, evidence
//! levels and entity types; the uploads left out of the merge; and a digest of each uploaded
//! file's content — and the panels are read again by their exact version on the next visit.
//! The uploads themselves live on the server (by id) and are listed again by `uploads`.

use serde::{Deserialize, Serialize};
use shared::merge::SelectionFilter;
use shared::{Confidence, EntityType, Source};

use super::state::ChosenPanel;

const STORAGE_KEY: &str = "panelmerge.workbench";

/// One panel as remembered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPanel {
    pub source: Source,
    pub id: u32,
    pub version: String,
    pub levels: Vec<Confidence>,
    pub types: Vec<EntityType>,
}

impl StoredPanel {
    pub fn of(chosen: &ChosenPanel) -> Self {
        Self {
            source: chosen.data.source,
            id: chosen.data.id,
            version: chosen.data.version.to_string(),
            levels: chosen.filter.confidence.clone(),
            types: chosen.filter.types.clone(),
        }
    }

    pub fn filter(&self) -> SelectionFilter {
        SelectionFilter::new(&self.levels, &self.types)
    }

    /// "PanelApp UK panel 402 v8.125".
    pub fn label(&self) -> String {
        format!(
            "{} panel {} v{}",
            self.source.display_name(),
            self.id,
            self.version
        )
    }
}

/// An uploaded file's name and content digest, by upload id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDigest {
    pub upload: String,
    pub filename: String,
    pub digest: String,
}

/// Everything remembered about the workbench.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    #[serde(default)]
    pub panels: Vec<StoredPanel>,
    /// Upload ids the visitor left out of the merge.
    #[serde(default)]
    pub left_out: Vec<String>,
    #[serde(default)]
    pub digests: Vec<StoredDigest>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What was remembered; nothing when storage is unavailable or unreadable.
pub fn load() -> Stored {
    storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Changes what is remembered (read, change, write: another tab's changes are kept).
pub fn update(change: impl FnOnce(&mut Stored)) {
    let mut stored = load();
    change(&mut stored);
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(&stored)) {
        // A full or disabled storage only costs the memory across reloads.
        let _ = storage.set_item(STORAGE_KEY, &json);
    }
}

/// A 64-bit FNV-1a digest of a file's bytes, in hex: tells an identical re-upload apart from
/// a changed file of the same name (not a security measure).
pub fn digest(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}-{}", bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_tell_identical_and_changed_files_apart() {
        assert_eq!(digest(b"gene\nBRCA1\n"), digest(b"gene\nBRCA1\n"));
        assert_ne!(digest(b"gene\nBRCA1\n"), digest(b"gene\nBRCA2\n"));
        assert!(digest(b"").ends_with("-0"));
    }

    #[test]
    fn stored_state_round_trips_and_tolerates_missing_fields() {
        let stored = Stored {
            panels: vec![StoredPanel {
                source: Source::Uk,
                id: 402,
                version: "8.125".to_owned(),
                levels: vec![Confidence::Green, Confidence::Amber],
                types: vec![EntityType::Gene],
            }],
            left_out: vec!["u1".to_owned()],
            digests: Vec::new(),
        };
        let json = serde_json::to_string(&stored).unwrap();
        assert_eq!(serde_json::from_str::<Stored>(&json).unwrap(), stored);
        assert_eq!(
            serde_json::from_str::<Stored>("{}").unwrap(),
            Stored::default()
        );
    }
}
