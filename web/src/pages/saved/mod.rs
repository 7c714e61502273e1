//! Saved panels (issue 6): My panels, a new panel, the panel page (genes with edit mode,
//! versions, diff, sharing, downloads), teams, and the page a share link opens.

pub mod comments;
pub mod common;
pub mod create;
pub mod export;
pub mod genes;
pub mod history;
pub mod labels;
pub mod list;
pub mod panel;
pub mod share;
pub mod shared_link;
pub mod teams;
pub mod templates;
pub mod upstream;

pub use create::NewSavedPanelPage;
pub use list::SavedPanelsPage;
pub use panel::SavedPanelPage;
pub use shared_link::SharedPanelPage;
pub use teams::{TeamPage, TeamsPage};
pub use templates::TemplatesPage;
