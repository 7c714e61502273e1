//! PanelApp as both sides read it: the API v1 response bodies and the one parser that turns
//! them into [`PanelData`](crate::PanelData) (the server's client and snapshot, the merge
//! engine's tests and every benchmark use it), and where an answer's data came from.

#[cfg(any(test, feature = "test-fixtures"))]
pub mod fixtures;
mod models;
mod origin;

pub use models::*;
pub use origin::DataOrigin;
