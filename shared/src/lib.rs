//! Types and pure logic shared by the PanelMerge server and the web app.
//!
//! Everything here is serde-only and builds for `wasm32-unknown-unknown`. Server-side derives
//! (sea-orm column types, async-graphql enums) sit behind the `sea-orm` and `graphql` features.

#[macro_use]
mod macros;

pub mod enums;
pub mod error;
pub mod export;
pub mod gene;
pub mod listing;
pub mod merge;
pub mod panel;
pub mod panel_data;
pub mod panelapp;
pub mod saved;
pub mod saved_merge;
pub mod server;
pub mod upload;

pub use enums::*;
pub use error::{ErrorCode, ParseError};
pub use export::{Assembly, ExportColumn, ExportFormat, ExportSettings};
pub use gene::{GeneSymbol, HgncId, UnverifiedReason, Verification, VerificationStatus};
pub use listing::{PanelScope, PanelSort, ShareTarget};
pub use panel::{PanelRef, PanelVersion};
pub use panel_data::{ConfidenceCounts, EntityDetails, Locus, PanelData, PanelEntity};
pub use server::{CacheBackend, DatabaseBackend, Environment};
