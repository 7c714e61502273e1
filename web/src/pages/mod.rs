//! One module per page. A page is added by writing its module here, its `<Route>` in
//! [`crate::app::App`] and, if it belongs in the main navigation, its link in
//! `components::header::NAV_LINKS`.

pub mod admin;
pub mod email;
pub mod home;
pub mod login;
pub mod not_found;
pub mod panels;
pub mod profile;
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("the pages folder is read") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// What a page shares with another lives in `components` (or a module of the app such as
    /// `workbench`), so a page can change or move without breaking another: no page names
    /// another page's module, by `crate::pages::` or by climbing out of its own with `super::`.
    #[test]
    fn pages_do_not_import_other_pages() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
        let mut files = Vec::new();
        sources(&root, &mut files);
        assert!(files.len() > 20, "the pages are found");
        let mut crossings = Vec::new();
        for path in files {
            let place = path.strip_prefix(&root).expect("below the pages folder");
            if place == Path::new("mod.rs") {
                continue;
            }
            let page = place
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .map(|c| c.trim_end_matches(".rs").to_owned())
                .expect("a page name");
            // `super::` leaves the page from a page's own top file; `super::super::` from a
            // file inside a page's folder.
            let leaving = if place.components().count() == 1 || place.ends_with("mod.rs") {
                "super::"
            } else {
                "super::super::"
            };
            let code = std::fs::read_to_string(&path).expect("a page file is read");
            let code = code.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code.lines() {
                let own = format!("crate::pages::{page}");
                let names_other = line
                    .match_indices("crate::pages::")
                    .any(|(at, _)| !line[at..].starts_with(&own));
                let climbs_out = line.contains(leaving) && !line.contains("use super::*");
                if names_other || climbs_out {
                    crossings.push(format!("{}: {}", place.display(), line.trim()));
                }
            }
        }
        assert!(
            crossings.is_empty(),
            "pages import other pages:\n{}",
            crossings.join("\n")
        );
    }
}
