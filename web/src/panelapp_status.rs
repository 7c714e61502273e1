//! Where the PanelApp data comes from (`DataOrigin`), and the staleness banner's wording: the
//! server says whether an answer was fetched live, cached, cached past its time to live, or
//! taken from a snapshot; the last two are worth a word to the reader.

use shared::Source;

pub use shared::panelapp::DataOrigin;

/// One PanelApp instance's state as `serverInfo.panelApp` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceStatus {
    pub source: Source,
    pub origin: Option<DataOrigin>,
    /// When the data was fetched (or captured), RFC 3339.
    pub data_date: Option<String>,
    /// Capture date of the snapshot the server falls back to.
    pub snapshot_date: Option<String>,
}

/// The banner text when PanelApp data is not current, or `None` when it is.
pub fn staleness_message(instances: &[InstanceStatus], snapshot_only: bool) -> Option<String> {
    let stale: Vec<String> = instances
        .iter()
        .filter_map(|i| {
            let origin = i.origin.filter(|o| o.is_stale() || snapshot_only)?;
            let date = match origin {
                DataOrigin::Snapshot => i.snapshot_date.clone().or_else(|| i.data_date.clone()),
                _ => i.data_date.clone(),
            }
            .map(|d| d.get(..10).unwrap_or(&d).to_owned());
            let how = match origin {
                DataOrigin::Snapshot => "a snapshot",
                _ => "saved data",
            };
            Some(match date {
                Some(date) => format!("{} from {how} of {date}", i.source.display_name()),
                None => format!("{} from {how}", i.source.display_name()),
            })
        })
        .collect();
    if stale.is_empty() {
        return snapshot_only.then(|| {
            "This server shows PanelApp data from a snapshot only; newer panel versions may exist."
                .to_owned()
        });
    }
    Some(format!(
        "PanelApp could not be reached, so panels may be out of date: {}.",
        stale.join("; ")
    ))
}

/// A notice for search results whose answer was not fetched from PanelApp recently.
pub fn results_notice(origin: DataOrigin, data_date: Option<&str>) -> Option<String> {
    if !origin.is_stale() {
        return None;
    }
    let what = if origin == DataOrigin::Snapshot {
        "a snapshot"
    } else {
        "saved data"
    };
    let when = data_date
        .map(|d| format!(" of {}", d.get(..10).unwrap_or(d)))
        .unwrap_or_default();
    Some(format!(
        "These results come from {what}{when}; PanelApp could not be asked just now."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(source: Source, origin: Option<DataOrigin>) -> InstanceStatus {
        InstanceStatus {
            source,
            origin,
            data_date: Some("2026-11-20T08:00:00Z".into()),
            snapshot_date: Some("2026-06-01".into()),
        }
    }

    #[test]
    fn live_and_cached_data_need_no_banner() {
        let ok = [
            instance(Source::Uk, Some(DataOrigin::Live)),
            instance(Source::Au, Some(DataOrigin::Cache)),
        ];
        assert_eq!(staleness_message(&ok, false), None);
        assert_eq!(
            staleness_message(&[instance(Source::Uk, None)], false),
            None
        );
    }

    #[test]
    fn stale_and_snapshot_data_are_named_with_their_dates() {
        let stale = [
            instance(Source::Uk, Some(DataOrigin::StaleCache)),
            instance(Source::Au, Some(DataOrigin::Snapshot)),
        ];
        let message = staleness_message(&stale, false).unwrap();
        assert!(message.contains("saved data of 2026-11-20"), "{message}");
        assert!(message.contains("a snapshot of 2026-06-01"), "{message}");
    }

    #[test]
    fn a_snapshot_only_server_says_so() {
        let message = staleness_message(&[instance(Source::Uk, None)], true).unwrap();
        assert!(message.contains("snapshot only"), "{message}");
        assert_eq!(
            results_notice(DataOrigin::Live, Some("2026-11-20T08:00:00Z")),
            None
        );
        assert!(
            results_notice(DataOrigin::StaleCache, Some("2026-11-20T08:00:00Z"))
                .unwrap()
                .contains("saved data of 2026-11-20")
        );
    }
}
