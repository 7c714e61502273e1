//! Where an answer's PanelApp data came from: the same enum for the server that knows and the
//! web app that tells the reader.

closed_enum! {
    /// Where an answer's PanelApp data came from.
    pub enum DataOrigin ("data origin") {
        /// Fetched from PanelApp for this request.
        Live = "LIVE",
        /// From the cache, within its time to live.
        Cache = "CACHE",
        /// From the cache, older than its time to live (PanelApp could not be asked or is being
        /// asked in the background).
        StaleCache = "STALE_CACHE",
        /// From a snapshot (the bundled one, or `PANELAPP_SNAPSHOT`).
        Snapshot = "SNAPSHOT",
        /// No answer: PanelApp could not be reached and nothing was cached.
        Unavailable = "UNAVAILABLE",
    }
}

impl DataOrigin {
    /// The word a provenance label starts with (`"live"`, `"stale cache 2026-03-01"`,
    /// `"snapshot 2026-03-01"`), as saved versions record it.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Cache => "cache",
            Self::StaleCache => "stale cache",
            Self::Snapshot => "snapshot",
            Self::Unavailable => "unavailable",
        }
    }

    /// The origin a provenance label starts with; `None` for labels of uploads and others.
    pub fn from_label(label: &str) -> Option<Self> {
        let label = label.trim();
        [Self::StaleCache, Self::Live, Self::Cache, Self::Snapshot]
            .into_iter()
            .find(|o| label.starts_with(o.label()))
    }

    /// Where the data came from, in words for the admin's PanelApp page.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Live => "PanelApp, just now",
            Self::Cache => "cache, fresh",
            Self::StaleCache => "cache, past its time to live",
            Self::Snapshot => "snapshot",
            Self::Unavailable => "unavailable",
        }
    }

    /// Older than the server would like: a cache past its time to live, or a snapshot.
    pub const fn is_stale(self) -> bool {
        matches!(self, Self::StaleCache | Self::Snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_only_old_data_is_stale() {
        for origin in [
            DataOrigin::Live,
            DataOrigin::Cache,
            DataOrigin::StaleCache,
            DataOrigin::Snapshot,
        ] {
            assert_eq!(DataOrigin::from_label(origin.label()), Some(origin));
        }
        assert_eq!(
            DataOrigin::from_label("snapshot 2026-03-01"),
            Some(DataOrigin::Snapshot)
        );
        assert_eq!(DataOrigin::from_label("upload"), None);
        assert_eq!(DataOrigin::ALL.iter().filter(|o| o.is_stale()).count(), 2);
        assert_eq!(DataOrigin::StaleCache.as_str(), "STALE_CACHE");
        let described: std::collections::BTreeSet<_> =
            DataOrigin::ALL.iter().map(|o| o.describe()).collect();
        assert_eq!(described.len(), DataOrigin::ALL.len());
    }
}
