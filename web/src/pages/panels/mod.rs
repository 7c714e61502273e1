//! The panel browser (issue 3): search both PanelApp catalogues, open a panel and see its
//! entities, add panels to the workbench.

pub mod gene_search;
pub mod search;
pub mod view;

pub use search::PanelSearchPage;
pub use view::PanelViewPage;

use shared::Source;

/// `uk` / `au` in the panel page's path.
pub fn source_from_path(segment: &str) -> Option<Source> {
    match segment.to_ascii_lowercase().as_str() {
        "uk" => Some(Source::Uk),
        "au" => Some(Source::Au),
        _ => None,
    }
}

/// The panel page of a panel.
pub fn panel_href(source: Source, id: i64) -> String {
    format!("/panels/{}/{id}", source.prefix())
}
