//! One module per page. A page is added by writing its module here, its `<Route>` in
//! [`crate::app::App`] and, if it belongs in the main navigation, its link in
//! `components::header::NAV_LINKS`.

pub mod account_access;
pub mod admin;
pub mod email;
pub mod home;
pub mod login;
pub mod not_found;
pub mod panels;
pub mod profile;
pub mod profile_mail;
pub mod saved;
pub mod workbench;

pub use admin::{
    AdminAuditPage, AdminLivePage, AdminMailPage, AdminMessagesPage, AdminPanelAppPage,
    AdminSecurityPage, AdminServerPage, AdminUsersPage,
};
pub use email::{
    ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage, UndoEmailChangePage, VerifyEmailPage,
};
pub use home::HomePage;
pub use login::{LoginPage, RegisterPage};
pub use not_found::NotFoundPage;
pub use panels::{PanelSearchPage, PanelViewPage};
pub use profile::ProfilePage;
pub use saved::{
    NewSavedPanelPage, SavedPanelPage, SavedPanelsPage, SharedPanelPage, TeamPage, TeamsPage,
    TemplatesPage,
};
pub use workbench::WorkbenchPage;
