//! Entities per evidence level (green / amber / red / grey) of every panel whose detail was
//! read, for the result lists: a small index per source (panel id → the newest version seen
//! and its counts), kept in this process's memory for listing without I/O and in the shared
//! cache (Redis, or memory plus disk) so that restarts and other instances have it too.
//!
//! Counts are only shown for the version a catalogue lists: an entry for an older version
//! stays hidden until the new version's detail is read.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use tokio::sync::Notify;

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

/// This process's book of counts: the index per source, which sources have entries the shared
/// cache has not seen yet, when the shared index was last read, and the snapshot's own counts.
/// No I/O: [`PanelAppService`] moves entries between it and the shared cache.
#[derive(Default)]
pub(super) struct Counts {
    /// Panel id → counts of the newest version seen, per source.
    memory: Mutex<HashMap<Source, CountsIndex>>,
    /// Sources with entries learnt since they were last written to the shared cache.
    dirty: Mutex<HashSet<Source>>,
    /// When each source's shared index was last read.
    read: Mutex<HashMap<Source, Instant>>,
    /// One write to the shared cache at a time.
    flush: tokio::sync::Mutex<()>,
    /// Wakes the background writer.
    wake: Arc<Notify>,
    /// Counts of the snapshot's panel details (computed on the first snapshot listing).
    snapshot: OnceLock<SnapshotCounts>,
}

impl Counts {
    /// The counts held for panel `id` of `source` at exactly `version`.
    pub fn known(
        &self,
        source: Source,
        id: u32,
        version: PanelVersion,
    ) -> Option<ConfidenceCounts> {
        lock(&self.memory)
            .get(&source)
            .and_then(|index| index.get(&id))
            .filter(|e| e.version == version)
            .map(|e| e.counts)
    }

    /// The counts of a panel the snapshot holds the detail of, at exactly `version`; the
    /// snapshot's details are counted with `count` on first use.
    pub fn in_snapshot(
        &self,
        source: Source,
        id: u32,
        version: PanelVersion,
        count: impl FnOnce() -> SnapshotCounts,
    ) -> Option<ConfidenceCounts> {
        self.snapshot
            .get_or_init(count)
            .get(&(source, id))
            .filter(|e| e.version == version)
            .map(|e| e.counts)
    }

    /// Records the counts of a panel detail just read. True when this is news (a panel not
    /// held, or a newer version): the source is then marked unwritten and the writer woken.
    pub fn note(&self, data: &PanelData) -> bool {
        let entry = CountsEntry {
            version: data.version,
            counts: data.counts(),
        };
        let added = merge_entry(
            lock(&self.memory).entry(data.source).or_default(),
            data.id,
            entry,
        );
        if added {
            lock(&self.dirty).insert(data.source);
            self.wake.notify_one();
        }
        added
    }

    /// Merges `stored` entries (the shared index) into the index of `source`. Returns the
    /// merged index and whether anything was new here.
    pub fn absorb(&self, source: Source, stored: CountsIndex) -> (CountsIndex, bool) {
        let mut all = lock(&self.memory);
        let here = all.entry(source).or_default();
        let mut changed = false;
        for (id, entry) in stored {
            changed |= merge_entry(here, id, entry);
        }
        (here.clone(), changed)
    }

    /// Sources with entries not yet written to the shared cache.
    pub fn dirty(&self) -> Vec<Source> {
        lock(&self.dirty).iter().copied().collect()
    }

    /// Whether the shared index of `source` is due to be read again (never read, or longer
    /// than `every` ago).
    pub fn read_due(&self, source: Source, every: std::time::Duration) -> bool {
        lock(&self.read)
            .get(&source)
            .is_none_or(|t| t.elapsed() >= every)
    }

    fn mark_read(&self, source: Source) {
        lock(&self.read).insert(source, Instant::now());
    }

    /// What the background writer waits on.
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
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
        self.counts.known(source, id, version).or_else(|| {
            // Counted on first use: most servers never list from the snapshot.
            from_snapshot
                .then(|| {
                    self.counts
                        .in_snapshot(source, id, version, || self.count_snapshot())
                })
                .flatten()
        })
    }

    /// Records the counts of a panel detail just read; the shared index is updated in the
    /// background.
    pub(super) fn note_counts(&self, data: &PanelData) {
        if !self.snapshot_only && self.counts.note(data) {
            self.bump_generation();
        }
    }

    /// Writes the counts this process learnt since the last write into the shared index
    /// (merged with what other instances wrote, under a lease when Redis is shared).
    pub(super) async fn flush_counts(&self, source: Source) {
        let _one_writer = self.counts.flush.lock().await;
        lock(&self.counts.dirty).remove(&source);
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
        if let Err(e) = self
            .leases
            .around(&self.store, &key, no_result, write)
            .await
        {
            tracing::warn!(error = %e.message, "PanelApp counts index not written");
        }
    }

    /// Writes every source with unwritten counts.
    pub(super) async fn flush_dirty_counts(&self) {
        for source in self.counts.dirty() {
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
        self.counts.mark_read(source);
        if let Some(stored) = self.stored_counts(source).await {
            self.absorb_counts(source, stored);
        }
    }

    /// Merges `stored` entries into this process's index of `source`; returns the result.
    fn absorb_counts(&self, source: Source, stored: CountsIndex) -> CountsIndex {
        let (merged, changed) = self.counts.absorb(source, stored);
        if changed {
            self.bump_generation();
        }
        merged
    }

    /// Reads the shared index again when the last read is older than [`INVALIDATION_POLL`]
    /// (one read per source at most that often, whatever the number of listings).
    pub(super) async fn follow_counts(self: &Arc<Self>, source: Source) {
        if !self.snapshot_only && self.counts.read_due(source, INVALIDATION_POLL) {
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

    fn panel(id: u32, version: &str) -> PanelData {
        let version = PanelVersion::parse(version).unwrap_or(PanelVersion::new(0, 0));
        PanelData::bare(Source::Uk, id, "Counted", version)
    }

    #[test]
    fn the_book_holds_the_newest_version_and_marks_news_for_the_writer() {
        let book = Counts::default();
        let v = |s: &str| PanelVersion::parse(s).unwrap_or(PanelVersion::new(0, 0));
        assert_eq!(book.known(Source::Uk, 7, v("1.2")), None);
        assert!(book.dirty().is_empty());
        assert!(book.note(&panel(7, "1.2")), "news");
        assert_eq!(book.dirty(), vec![Source::Uk], "unwritten");
        assert_eq!(
            book.known(Source::Uk, 7, v("1.2")),
            Some(ConfidenceCounts::default())
        );
        assert_eq!(
            book.known(Source::Uk, 7, v("1.3")),
            None,
            "only that version"
        );
        assert_eq!(
            book.known(Source::Au, 7, v("1.2")),
            None,
            "only that source"
        );
        assert!(!book.note(&panel(7, "1.2")), "seen already");
        assert!(!book.note(&panel(7, "1.1")), "older");

        // The shared index brings a newer version of 7 and panel 8; ours stays for 9.
        book.note(&panel(9, "2.0"));
        let mut stored = CountsIndex::new();
        stored.insert(7, entry("1.3", 5));
        stored.insert(8, entry("0.4", 1));
        let (merged, changed) = book.absorb(Source::Uk, stored.clone());
        assert!(changed);
        assert_eq!(merged.len(), 3);
        assert_eq!(
            book.known(Source::Uk, 7, v("1.3")).map(|c| c.green),
            Some(5)
        );
        assert_eq!(
            book.known(Source::Uk, 9, v("2.0")),
            Some(ConfidenceCounts::default())
        );
        let (_, again) = book.absorb(Source::Uk, stored);
        assert!(!again, "nothing new the second time");
    }

    #[test]
    fn reads_of_the_shared_index_are_due_once_per_interval() {
        let book = Counts::default();
        let every = std::time::Duration::from_secs(3600);
        assert!(book.read_due(Source::Uk, every), "never read");
        book.mark_read(Source::Uk);
        assert!(!book.read_due(Source::Uk, every));
        assert!(book.read_due(Source::Au, every), "per source");
        assert!(book.read_due(Source::Uk, std::time::Duration::ZERO));
    }

    #[test]
    fn snapshot_counts_are_counted_once() {
        let book = Counts::default();
        let mut counted = 0;
        let v = PanelVersion::new(1, 0);
        for _ in 0..3 {
            let found = book.in_snapshot(Source::Uk, 3, v, || {
                counted += 1;
                let mut all = SnapshotCounts::new();
                all.insert(
                    (Source::Uk, 3),
                    CountsEntry {
                        version: v,
                        counts: ConfidenceCounts::default(),
                    },
                );
                all
            });
            assert_eq!(found, Some(ConfidenceCounts::default()));
        }
        assert_eq!(counted, 1);
        assert_eq!(
            book.in_snapshot(Source::Uk, 4, v, SnapshotCounts::new),
            None
        );
    }
}
