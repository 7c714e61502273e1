//! The merge engine: panel selections and uploaded lists → one row per gene with every source
//! that lists it, the conflicts between them, per-source counts and the overlap.
//!
//! Pure and deterministic: the result does not depend on the order of the inputs (sources are
//! put in a canonical order: panels by instance, id and version, then uploads by name and id),
//! selecting the same panel version twice takes the union of both filters, and the same upload
//! twice counts once. The browser runs this same code for instant previews.
//!
//! ```
//! use shared::merge::{merge, PanelSelection, SelectionFilter};
//! use shared::upload::{GeneList, ListGene};
//! use shared::GeneSymbol;
//!
//! let list = GeneList {
//!     id: "u1".into(),
//!     name: "My genes".into(),
//!     genes: vec![ListGene::new(GeneSymbol::parse("brca1").unwrap(), None)],
//! };
//! let lists = [list];
//! let result = merge(&[], &lists);
//! assert_eq!(result.total, 1);
//! assert_eq!(result.genes[0].symbol, "BRCA1");
//! assert_eq!(result.genes[0].sources[0].list_type, "User upload");
//! # let _ = (PanelSelection::new, SelectionFilter::green);
//! ```

mod engine;
mod overlap;
mod row;
mod types;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use engine::merge;
pub(crate) use overlap::compute as compute_overlap;
pub use types::{
    Conflict, ConflictKind, GeneKey, GeneSource, MergeResult, MergedGene, Overlap, OverlapSet,
    OwnedMergeResult, PanelSelection, SelectionFilter, SourceKind, SourceSummary,
};
