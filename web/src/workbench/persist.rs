//! Keeps the workbench across reloads, new tabs and typed URLs (issue 17.5). The browser's
//! local storage holds what was chosen — each panel's source, id, exact version, evidence
//! levels and entity types; the uploads left out of the merge; and a digest of each uploaded
//! file's content — and the panels are read again by their exact version on the next visit.
//! The uploads themselves live on the server (by id) and are listed again by `uploads`.
//!
//! What is remembered stays small: entries about uploads no longer on the workbench are dropped
//! once the uploads are listed again, and every list is capped (oldest dropped first). Logged
//! in, the same choices are also kept in the account (see `sync`).

use serde::{Deserialize, Serialize};
use shared::merge::SelectionFilter;
use shared::{Confidence, EntityType, Source};

use super::ChosenPanel;

const STORAGE_KEY: &str = "panelmerge.workbench";

/// Most panels remembered (the account keeps as many).
pub const MAX_PANELS: usize = 100;
/// Most uploads remembered as left out (the account keeps as many).
pub const MAX_LEFT_OUT: usize = 500;
/// Most file digests remembered (one per upload on the workbench; the oldest go first).
pub const MAX_DIGESTS: usize = 100;

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
    /// When the visitor last changed the panels or what is left out (milliseconds since
    /// 1970); decides, against the account's copy, whose choices win.
    #[serde(default)]
    pub changed_at: f64,
}

impl Stored {
    /// Keeps the lists within their caps, dropping the oldest entries first (entries are
    /// appended as they come, so the oldest are at the front).
    pub fn cap(&mut self) {
        fn keep_last<T>(list: &mut Vec<T>, max: usize) {
            if list.len() > max {
                list.drain(..list.len() - max);
            }
        }
        keep_last(&mut self.panels, MAX_PANELS);
        keep_last(&mut self.left_out, MAX_LEFT_OUT);
        keep_last(&mut self.digests, MAX_DIGESTS);
    }

    /// Forgets what is remembered about uploads that are not on the workbench any more
    /// (removed, expired, or another visitor's), given the ids of those that are.
    pub fn prune_uploads(&mut self, live: &[String]) {
        self.left_out.retain(|id| live.contains(id));
        self.digests.retain(|d| live.contains(&d.upload));
    }
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

/// Changes what is remembered (read, change, write: another tab's changes are kept). A change
/// of the panels or of what is left out is stamped with the time.
pub fn update(change: impl FnOnce(&mut Stored)) {
    let mut stored = load();
    let before = (stored.panels.clone(), stored.left_out.clone());
    change(&mut stored);
    stored.cap();
    if (&stored.panels, &stored.left_out) != (&before.0, &before.1) {
        stored.changed_at = js_sys::Date::now();
    }
    write(&stored);
}

/// Forgets what is remembered about uploads that are gone, given those listed now (not a
/// change of the visitor's, so not stamped).
pub fn prune(live: &[String]) {
    let mut stored = load();
    stored.prune_uploads(live);
    write(&stored);
}

/// Replaces what is remembered as it is (its `changed_at` too).
pub fn write(stored: &Stored) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(stored)) {
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
            changed_at: 1.0,
        };
        let json = serde_json::to_string(&stored).unwrap();
        assert_eq!(serde_json::from_str::<Stored>(&json).unwrap(), stored);
        assert_eq!(
            serde_json::from_str::<Stored>("{}").unwrap(),
            Stored::default()
        );
    }

    fn digest_of(upload: &str) -> StoredDigest {
        StoredDigest {
            upload: upload.to_owned(),
            filename: format!("{upload}.csv"),
            digest: "0-0".to_owned(),
        }
    }

    #[test]
    fn old_entries_are_dropped_first_and_gone_uploads_forgotten() {
        let mut stored = Stored {
            digests: (0..MAX_DIGESTS + 5)
                .map(|i| digest_of(&format!("u{i}")))
                .collect(),
            left_out: vec!["u1".to_owned(), "gone".to_owned()],
            ..Stored::default()
        };
        stored.cap();
        assert_eq!(stored.digests.len(), MAX_DIGESTS);
        assert_eq!(stored.digests[0].upload, "u5", "the oldest five went");
        stored.prune_uploads(&["u1".to_owned(), "u7".to_owned()]);
        assert_eq!(stored.left_out, ["u1"]);
        let kept: Vec<&str> = stored.digests.iter().map(|d| d.upload.as_str()).collect();
        assert_eq!(kept, ["u7"]);
    }
}
