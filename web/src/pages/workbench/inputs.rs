//! The server's `MergeInput` for what is on the workbench (exports and "save as panel").

use crate::queries::{export_merge, save_merge};
use crate::workbench::{ChosenPanel, ChosenUpload};

macro_rules! merge_input {
    ($name:ident, $module:ident) => {
        /// The `MergeInput` of the chosen panels (exact versions) and included uploads.
        pub fn $name(panels: &[ChosenPanel], uploads: &[ChosenUpload]) -> $module::MergeInput {
            $module::MergeInput {
                panels: panels
                    .iter()
                    .map(|p| $module::PanelSelection {
                        source: p.data.source,
                        id: i64::from(p.data.id),
                        version: Some(p.data.version.to_string()),
                        confidence: p.filter.confidence.clone(),
                        types: Some(p.filter.types.clone()),
                    })
                    .collect(),
                uploads: Some(
                    uploads
                        .iter()
                        .filter(|u| u.included)
                        .map(|u| u.list.id.clone())
                        .collect(),
                ),
            }
        }
    };
}

merge_input!(export_input, export_merge);
merge_input!(save_input, save_merge);
