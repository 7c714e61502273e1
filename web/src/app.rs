//! The app shell: shared state, layout and routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use shared::MessageType;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, MouseEvent};

use crate::auth::{CurrentUser, RequireUser};
use crate::components::{Banner, BannerArea, Banners, Footer, Header, LiveAdminMessages};
use crate::pages::{
    AdminAuditPage, AdminLivePage, AdminMailPage, AdminMessagesPage, AdminPanelAppPage,
    AdminSecurityPage, AdminServerPage, AdminUsersPage, ConfirmEmailPage, ForgotPasswordPage,
    HomePage, LoginPage, NewSavedPanelPage, NotFoundPage, PanelSearchPage, PanelViewPage,
    ProfilePage, RegisterPage, ResetPasswordPage, SavedPanelPage, SavedPanelsPage, SharedPanelPage,
    TeamPage, TeamsPage, TemplatesPage, UndoEmailChangePage, VerifyEmailPage, WorkbenchPage,
};
use crate::panelapp_status::{InstanceStatus, staleness_message};
use crate::server_info::ServerInfoResource;

/// Key of the banner shown while the server can not be reached.
const SERVER_UNREACHABLE: &str = "server-unreachable";
/// Key of the banner shown while PanelApp data comes from a stale cache or a snapshot.
const PANELAPP_STALE: &str = "panelapp-stale";

/// The whole app: header, banners, the routed page and the footer.
#[component]
pub fn App() -> impl IntoView {
    let banners = Banners::provide();
    let server = ServerInfoResource::provide();
    CurrentUser::provide();
    crate::workbench::Workbench::provide();
    crate::leave_guard::install();

    // The server facts double as a connectivity probe: when they can not be fetched at all,
    // every page says so, not only the pages that happen to show them.
    Effect::new(move |_| match server.0.get() {
        Some(Err(error)) if error.is_connectivity() => banners.show(
            SERVER_UNREACHABLE,
            Banner {
                kind: MessageType::Warning,
                text: "PanelMerge can not reach its server right now. Pages that need data will \
                       not work until it is back."
                    .to_owned(),
                dismissible: false,
            },
        ),
        Some(_) => banners.dismiss(SERVER_UNREACHABLE),
        None => {}
    });
    // PanelApp data older than the server would like (stale cache, snapshot) is said once, on
    // every page.
    Effect::new(move |_| {
        if let Some(Ok(info)) = server.0.get() {
            let instances: Vec<InstanceStatus> = info
                .panel_app
                .into_iter()
                .map(|p| InstanceStatus {
                    source: p.source,
                    origin: p.data_origin,
                    data_date: p.data_date,
                    snapshot_date: p.snapshot_date,
                })
                .collect();
            match staleness_message(&instances, info.panel_app_snapshot_only) {
                Some(text) => banners.show(
                    PANELAPP_STALE,
                    Banner {
                        kind: MessageType::Warning,
                        text,
                        dismissible: false,
                    },
                ),
                None => banners.dismiss(PANELAPP_STALE),
            }
        }
    });

    view! {
        <Router>
            <a class="skip-link" href="#main" on:click=skip_to_main>
                "Skip to main content"
            </a>
            <Header />
            <LiveAdminMessages />
            <BannerArea />
            <main id="main" class="container page" tabindex="-1">
                // New pages: add the module under `pages/`, the route here, and (for top-level
                // pages) the link in `components::header::NAV_LINKS`.
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/register") view=RegisterPage />
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                    <Route path=path!("/reset-password") view=ResetPasswordPage />
                    <Route path=path!("/verify-email") view=VerifyEmailPage />
                    <Route path=path!("/confirm-email") view=ConfirmEmailPage />
                    <Route path=path!("/undo-email-change") view=UndoEmailChangePage />
                    <Route
                        path=path!("/profile")
                        view=|| view! { <RequireUser><ProfilePage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin")
                        view=|| view! { <RequireUser admin=true><AdminUsersPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin/users")
                        view=|| view! { <RequireUser admin=true><AdminUsersPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin/messages")
                        view=|| view! { <RequireUser admin=true><AdminMessagesPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin/audit")
                        view=|| view! { <RequireUser admin=true><AdminAuditPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin/live")
                        view=|| view! { <RequireUser admin=true><AdminLivePage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin/security")
                        view=|| view! { <RequireUser admin=true><AdminSecurityPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin/mail")
                        view=|| view! { <RequireUser admin=true><AdminMailPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin/panelapp")
                        view=|| view! { <RequireUser admin=true><AdminPanelAppPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/admin/server")
                        view=|| view! { <RequireUser admin=true><AdminServerPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/saved")
                        view=|| view! { <RequireUser><SavedPanelsPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/saved/new")
                        view=|| view! { <RequireUser><NewSavedPanelPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/saved/:id")
                        view=|| view! { <RequireUser><SavedPanelPage /></RequireUser> }
                    />
                    <Route path=path!("/shared/:token") view=SharedPanelPage />
                    <Route
                        path=path!("/teams")
                        view=|| view! { <RequireUser><TeamsPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/templates")
                        view=|| view! { <RequireUser><TemplatesPage /></RequireUser> }
                    />
                    <Route
                        path=path!("/teams/:id")
                        view=|| view! { <RequireUser><TeamPage /></RequireUser> }
                    />
                    <Route path=path!("/workbench") view=WorkbenchPage />
                    <Route path=path!("/panels") view=PanelSearchPage />
                    <Route path=path!("/panels/:source/:id") view=PanelViewPage />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

/// The skip link moves keyboard focus to the page content. The router would otherwise take the
/// click as a navigation to `/#main` and only scroll, leaving focus in the header.
fn skip_to_main(event: MouseEvent) {
    event.prevent_default();
    if let Some(main) = document()
        .get_element_by_id("main")
        .and_then(|element| element.dyn_into::<HtmlElement>().ok())
    {
        // Focusing can only fail for elements that are not focusable; `main` has tabindex -1.
        let _ = main.focus();
    }
}
