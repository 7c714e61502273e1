//! `/admin/*`: the admin console (admin role only; the routes are guarded in the app shell).

pub mod audit;
pub mod live;
pub mod mail;
pub mod messages;
pub mod panelapp;
pub mod security;
pub mod server;
pub mod users;

use leptos::prelude::*;
use leptos_router::components::A;

pub use audit::AdminAuditPage;
pub use live::AdminLivePage;
pub use mail::AdminMailPage;
pub use messages::AdminMessagesPage;
pub use panelapp::AdminPanelAppPage;
pub use security::AdminSecurityPage;
pub use server::AdminServerPage;
pub use users::AdminUsersPage;

/// The admin console's own navigation, above each admin page.
#[component]
pub fn AdminNav() -> impl IntoView {
    view! {
        <nav class="admin-nav" aria-label="Admin">
            <ul>
                <li><A href="/admin/users">"Users"</A></li>
                <li><A href="/admin/messages">"Messages"</A></li>
                <li><A href="/admin/audit">"Audit log"</A></li>
                <li><A href="/admin/live">"Live feed"</A></li>
                <li><A href="/admin/security">"Security"</A></li>
                <li><A href="/admin/mail">"E-mail"</A></li>
                <li><A href="/admin/panelapp">"PanelApp"</A></li>
                <li><A href="/admin/server">"Server"</A></li>
            </ul>
        </nav>
    }
}

/// A readable name for an audit action ("ACCOUNT_LOCKOUT" → "Account lockout").
pub fn action_label(action: shared::AuditAction) -> String {
    let text = action.as_str().replace('_', " ").to_lowercase();
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}
