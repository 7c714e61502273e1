//! Roles in the UI (issue 14.4): what the caller's role allows, mirroring the server's
//! authorisation table (`server/src/auth/permissions.rs`, `docs/permissions.md`), so a page
//! hides or disables what the caller may not do and says why. The server decides; this only
//! keeps the app from offering what it would refuse.

use shared::Role;

/// The account-wide actions the app offers controls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Upload a gene list (anonymous visitors too; not a VIEWER account).
    Upload,
    /// Create a saved panel (from genes, an upload or the workbench).
    CreatePanel,
    /// Create teams and manage their members.
    ManageTeams,
    /// Keep export templates of your own (create, change, delete, share with a team).
    KeepTemplates,
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Viewer => 0,
        Role::User => 1,
        Role::Editor => 2,
        Role::Admin => 3,
    }
}

/// `Ok` when `role` (`None`: a visitor) may do `act`; otherwise why not, in words for the page.
pub fn may(role: Option<Role>, act: Act) -> Result<(), &'static str> {
    let (anonymous, min) = match act {
        Act::Upload => (true, Role::User),
        Act::CreatePanel | Act::ManageTeams | Act::KeepTemplates => (false, Role::User),
    };
    match role {
        None if anonymous => Ok(()),
        None => Err("Log in to do this."),
        Some(role) if rank(role) >= rank(min) => Ok(()),
        Some(_) => Err(match act {
            Act::Upload => {
                "Your account has the Viewer role: you can browse, merge and download, but not \
                 upload gene lists. Ask an administrator for the User role."
            }
            Act::CreatePanel => {
                "Your account has the Viewer role: you can read panels shared with you, but not \
                 save panels of your own. Ask an administrator for the User role."
            }
            Act::ManageTeams => {
                "Your account has the Viewer role: you can see your teams, but not create or \
                 manage them. Ask an administrator for the User role."
            }
            Act::KeepTemplates => {
                "Your account has the Viewer role: you can download with your teams' export \
                 templates, but not keep templates of your own. Ask an administrator for the \
                 User role."
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_the_server_for_the_app_controls() {
        assert!(
            may(None, Act::Upload).is_ok(),
            "visitors upload ephemeral lists"
        );
        assert!(may(Some(Role::Viewer), Act::Upload).is_err());
        assert!(may(Some(Role::User), Act::Upload).is_ok());
        assert!(may(None, Act::CreatePanel).is_err());
        assert!(may(Some(Role::Viewer), Act::CreatePanel).is_err());
        assert!(may(Some(Role::Editor), Act::CreatePanel).is_ok());
        assert!(may(Some(Role::Viewer), Act::ManageTeams).is_err());
        assert!(may(Some(Role::Admin), Act::ManageTeams).is_ok());
        assert!(may(Some(Role::Viewer), Act::KeepTemplates).is_err());
        assert!(may(Some(Role::User), Act::KeepTemplates).is_ok());
    }
}

/// `children` when the caller may do `act`; otherwise a notice saying why (with a login link
/// for a visitor). `id` names the notice for tests and links.
#[leptos::component]
pub fn IfAllowed(
    act: Act,
    id: &'static str,
    children: leptos::children::ChildrenFn,
) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let user = crate::auth::use_current_user();
    let refusal = Memo::new(move |_| may(user.me().map(|m| m.role), act).err());
    let fallback = move || {
        view! {
            <p class="notice role-notice" role="note" id=id>
                {move || refusal.get().unwrap_or_default()}
                {move || {
                    user.me().is_none().then(|| view! { " " <a href="/login">"Log in"</a> })
                }}
            </p>
        }
    };
    view! {
        <Show when=move || refusal.get().is_none() fallback=fallback>
            {children()}
        </Show>
    }
}
