//! GraphQL inputs of merges and exports, parsed into domain types once.

use async_graphql::{ID, InputObject};
use shared::merge::SelectionFilter;
use shared::{Confidence, EntityType, PanelVersion, Source};

use crate::error::{AppError, AppResult};
use crate::services::merge::{MergeRequest, PanelRequest};

/// One panel of a merge and what to take from it.
#[derive(InputObject)]
pub struct PanelSelection {
    /// The PanelApp instance.
    pub source: Source,
    /// The panel's id in that instance; VALIDATION (`field: panels[i].id`) when not positive.
    pub id: i32,
    /// "major.minor"; the current version when omitted.
    pub version: Option<String>,
    /// Evidence levels to take (at least one).
    pub confidence: Vec<Confidence>,
    /// Entity types to take; all of them (genes, STRs, regions) when omitted.
    pub types: Option<Vec<EntityType>>,
}

/// What to merge: panel selections and the caller's uploads (by id).
#[derive(InputObject)]
pub struct MergeInput {
    /// The panels to merge, each with what to take from it (at most 50).
    pub panels: Vec<PanelSelection>,
    /// Ids of your uploads to merge (at most 50); NOT_FOUND (`upload`) for an id that is not one of
    /// yours.
    pub uploads: Option<Vec<ID>>,
}

impl PanelSelection {
    fn parse(self, index: usize) -> AppResult<PanelRequest> {
        let field = |name: &str| format!("panels[{index}].{name}");
        let id = u32::try_from(self.id)
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| AppError::invalid_field(&field("id"), "must be a positive number"))?;
        let version = self
            .version
            .as_deref()
            .map(PanelVersion::parse)
            .transpose()
            .map_err(|e| AppError::invalid_field(&field("version"), e.to_string()))?;
        if self.confidence.is_empty() {
            return Err(AppError::invalid_field(
                &field("confidence"),
                "choose at least one evidence level",
            ));
        }
        let types = self.types.unwrap_or_else(|| EntityType::ALL.to_vec());
        if types.is_empty() {
            return Err(AppError::invalid_field(
                &field("types"),
                "choose at least one entity type (or omit the field for all)",
            ));
        }
        Ok(PanelRequest {
            source: self.source,
            id,
            version,
            filter: SelectionFilter::new(&self.confidence, &types),
        })
    }
}

impl MergeInput {
    pub fn parse(self) -> AppResult<MergeRequest> {
        let panels = self
            .panels
            .into_iter()
            .enumerate()
            .map(|(i, p)| p.parse(i))
            .collect::<AppResult<Vec<_>>>()?;
        let uploads = self
            .uploads
            .unwrap_or_default()
            .iter()
            .map(|id| crate::graphql::node::key_id(id, crate::graphql::node::Kind::UploadedList))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(MergeRequest { panels, uploads })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(id: i32, version: Option<&str>, confidence: Vec<Confidence>) -> PanelSelection {
        PanelSelection {
            source: Source::Uk,
            id,
            version: version.map(str::to_owned),
            confidence,
            types: None,
        }
    }

    #[test]
    fn selections_parse_into_filters() {
        let input = MergeInput {
            panels: vec![selection(
                402,
                Some("8.125"),
                vec![Confidence::Amber, Confidence::Green],
            )],
            uploads: Some(vec![ID(" abc ".into())]),
        };
        let request = input.parse().unwrap();
        assert_eq!(request.panels[0].version, Some(PanelVersion::new(8, 125)));
        assert_eq!(
            request.panels[0].filter,
            SelectionFilter::new(&[Confidence::Green, Confidence::Amber], EntityType::ALL)
        );
        assert_eq!(request.uploads, ["abc"]);
    }

    #[test]
    fn bad_selections_name_the_field() {
        let cases = [
            (selection(0, None, vec![Confidence::Green]), "panels[0].id"),
            (
                selection(1, Some("6.x"), vec![Confidence::Green]),
                "panels[0].version",
            ),
            (selection(1, None, vec![]), "panels[0].confidence"),
        ];
        for (panel, field) in cases {
            let err = MergeInput {
                panels: vec![panel],
                uploads: None,
            }
            .parse()
            .unwrap_err();
            assert_eq!(err.extensions["field"], field);
        }
    }
}
