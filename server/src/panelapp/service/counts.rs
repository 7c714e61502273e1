//! Entities per evidence level (green / amber / red / grey) of every panel whose detail was
//! read, for the result lists: a small index per source (panel id → the newest version seen
//! and its counts), kept in this process's memory for listing without I/O and in the shared
//! cache (Redis, or memory plus disk) so that restarts and other instances have it too.
//!
//! Counts are only shown for the version a catalogue lists: an entry for an older version
//! stays hidden until the new version's detail is read.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use shared::{ConfidenceCounts, PanelData, PanelVersion, Source};

use super::{INVALIDATION_POLL, PREFIX, PanelAppService, lock};
use shared::panelapp::parse_panel;

/// One panel's counts, for one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct CountsEntry {
    pub version: PanelVersion,
    pub counts: ConfidenceCounts,
}

/// Panel id → counts of the newest version seen.
pub(super) type CountsIndex = HashMap<u32, CountsEntry>;

/// Counts of the panels a snapshot holds details of, by source and id.
pub(super) type SnapshotCounts = HashMap<(Source, u32), CountsEntry>;

fn counts_key(source: Source) -> String {
    format!("{PREFIX}counts:{}", source.prefix())
}

/// Adds `entry` for `id` unless an entry for a newer (or the same) version is there.
fn merge_entry(index: &mut CountsIndex, id: u32, entry: CountsEntry) -> bool {
    match index.get(&id) {
        Some(held) if held.version >= entry.version => false,
        _ => {
            index.insert(id, entry);
            true
        }
    }
}

impl PanelAppService {
    /// Entities per evidence level of panel `id` at `version`, when its detail was read here,
    /// by another instance, or before a restart (memory only: listing does no I/O for it).
    /// `from_snapshot`: the listing comes from the snapshot, whose details count too.
    pub fn known_counts(
        &self,
        source: Source,
        id: u32,
        version: PanelVersion,
        from_snapshot: bool,
    ) -> Option<ConfidenceCounts> {
        let held = lock(&self.counts)
            .get(&source)
            .and_then(|index| index.get(&id).copied());
        if let Some(e) = held
            && e.version == version
        {
            return Some(e.counts);
        }
        if from_snapshot {
            // Counted on first use: most servers never list from the snapshot.
            return self
                .snapshot_counts
                .get_or_init(|| self.count_snapshot())
                .get(&(source, id))
                .filter(|e| e.version == version)
                .map(|e| e.counts);
        }
        None
    }

    /// Records the counts of a panel detail just read; the shared index is updated in the
    /// background.
    pub(super) fn note_counts(&self, data: &PanelData) {
        if self.snapshot_only {
            return;
        }
        let entry = CountsEntry {
            version: data.version,
            counts: data.counts(),
        };
        let added = merge_entry(
            lock(&self.counts).entry(data.source).or_default(),
            data.id,
            entry,
        );
        if added {
            self.bump_generation();
            lock(&self.counts_dirty).insert(data.source);
            self.counts_wake.notify_one();
        }
    }

    /// Writes the counts this process learnt since the last write into the shared index
    /// (merged with what other instances wrote, under a lease when Redis is shared).
    pub(super) async fn flush_counts(&self, source: Source) {
        let _one_writer = self.counts_flush.lock().await;
        lock(&self.counts_dirty).remove(&source);
        let key = counts_key(source);
        let write = async {
            let stored = self.stored_counts(source).await.unwrap_or_default();
            let merged = self.absorb_counts(source, stored);
            if let Ok(bytes) = serde_json::to_vec(&merged) {
                self.store.put(&key, &bytes).await;
            }
            Ok(())
        };
        let no_result = || async { None::<()> };
        if let Err(e) = self.across_instances(&key, no_result, write).await {
            tracing::warn!(error = %e.message, "PanelApp counts index not written");
        }
    }

    /// Writes every source with unwritten counts.
    pub(super) async fn flush_dirty_counts(&self) {
        let dirty: Vec<Source> = lock(&self.counts_dirty).iter().copied().collect();
        for source in dirty {
            self.flush_counts(source).await;
        }
    }

    async fn stored_counts(&self, source: Source) -> Option<CountsIndex> {
        let bytes = self.store.get(&counts_key(source)).await?;
        match serde_json::from_slice(&bytes) {
            Ok(index) => Some(index),
            Err(e) => {
                tracing::warn!(error = %e, "unreadable PanelApp counts index ignored");
                None
            }
        }
    }

    /// Adds the shared index's entries (start-up, a new catalogue, or now and then while
    /// listing: other instances keep adding to it).
    pub(super) async fn load_counts(&self, source: Source) {
        lock(&self.counts_read).insert(source, Instant::now());
        if let Some(stored) = self.stored_counts(source).await {
            self.absorb_counts(source, stored);
        }
    }

    /// Merges `stored` entries into this process's index of `source`; returns the result.
    fn absorb_counts(&self, source: Source, stored: CountsIndex) -> CountsIndex {
        let mut all = lock(&self.counts);
        let here = all.entry(source).or_default();
        let mut changed = false;
        for (id, entry) in stored {
            changed |= merge_entry(here, id, entry);
        }
        if changed {
            self.bump_generation();
        }
        here.clone()
    }

    /// Reads the shared index again when the last read is older than [`INVALIDATION_POLL`]
    /// (one read per source at most that often, whatever the number of listings).
    pub(super) async fn follow_counts(self: &Arc<Self>, source: Source) {
        if self.snapshot_only {
            return;
        }
        let due = lock(&self.counts_read)
            .get(&source)
            .is_none_or(|t| t.elapsed() >= INVALIDATION_POLL);
        if due {
            self.load_counts(source).await;
        }
    }

    /// Counts every panel detail the snapshot holds.
    fn count_snapshot(&self) -> SnapshotCounts {
        self.snapshot
            .detail_ids()
            .into_iter()
            .filter_map(|(source, id)| parse_panel(self.snapshot.detail(source, id)?, source).ok())
            .map(|data| {
                let entry = CountsEntry {
                    version: data.version,
                    counts: data.counts(),
                };
                ((data.source, data.id), entry)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: &str, green: u32) -> CountsEntry {
        CountsEntry {
            version: PanelVersion::parse(version).unwrap_or(PanelVersion::new(0, 0)),
            counts: ConfidenceCounts {
                green,
                ..ConfidenceCounts::default()
            },
        }
    }

    #[test]
    fn the_newest_version_wins_whatever_the_order() {
        let mut index = CountsIndex::new();
        assert!(merge_entry(&mut index, 1, entry("1.9", 3)));
        assert!(merge_entry(&mut index, 1, entry("1.10", 4)), "1.10 > 1.9");
        assert!(
            !merge_entry(&mut index, 1, entry("1.9", 3)),
            "older: kept out"
        );
        assert!(
            !merge_entry(&mut index, 1, entry("1.10", 4)),
            "same: no change"
        );
        assert_eq!(index[&1], entry("1.10", 4));
    }
}
