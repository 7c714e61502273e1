//! The current user: loaded once per visit (`me`), provided to every page, reloaded after
//! login, logout and profile changes; and the guards that keep visitors and non-admins out of
//! pages that are not theirs.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use shared::Role;

use crate::api::{ApiError, graphql};
use crate::components::Loading;
use crate::queries::{Me, me};

/// The logged-in user as `me` returns it.
pub type MeUser = me::MeMe;

/// The current user, provided as context by the app shell.
///
/// `None` while the first `me` is in flight; then the user (or `None` for a visitor), or why it
/// could not be loaded.
#[derive(Debug, Clone, Copy)]
pub struct CurrentUser(RwSignal<Option<Result<Option<MeUser>, ApiError>>>);

impl CurrentUser {
    /// Starts loading the current user and provides it to every component below.
    pub fn provide() -> Self {
        let user = Self(RwSignal::new(None));
        provide_context(user);
        leptos::task::spawn_local(async move { user.reload().await });
        user
    }

    /// Asks the server who is logged in now (after login, logout, a profile change).
    pub async fn reload(&self) {
        let result = graphql::<Me>(me::Variables).await.map(|data| data.me);
        self.0.set(Some(result));
    }

    /// Forgets the user at once (logout), before the server confirms.
    pub fn clear(&self) {
        self.0.set(Some(Ok(None)));
    }

    /// The logged-in user, if any (tracked).
    pub fn me(&self) -> Option<MeUser> {
        self.0.with(|state| {
            state
                .as_ref()
                .and_then(|r| r.as_ref().ok())
                .cloned()
                .flatten()
        })
    }

    /// The logged-in user, if any, without subscribing to changes.
    pub fn me_untracked(&self) -> Option<MeUser> {
        self.0.with_untracked(|state| {
            state
                .as_ref()
                .and_then(|r| r.as_ref().ok())
                .cloned()
                .flatten()
        })
    }

    /// What the guards need to know (tracked).
    fn access(&self) -> Access {
        self.0.with(|state| match state {
            None => Access::Loading,
            Some(Err(error)) => Access::Failed(error.to_string()),
            Some(Ok(None)) => Access::Visitor,
            Some(Ok(Some(me))) if me.role == Role::Admin => Access::Admin,
            Some(Ok(Some(_))) => Access::User,
        })
    }
}

/// The current user provided by [`CurrentUser::provide`].
pub fn use_current_user() -> CurrentUser {
    expect_context::<CurrentUser>()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Access {
    Loading,
    Failed(String),
    Visitor,
    User,
    Admin,
}

/// `/login?next=<path>`: the login page, returning to `path` afterwards.
pub fn login_path(next: &str) -> String {
    format!("/login?next={}", js_sys::encode_uri_component(next))
}

/// Where to go after logging in: `next` when it is a path of this site, else the profile.
pub fn safe_next(next: Option<String>) -> String {
    // "//host" and "/\host" are other sites to a browser.
    next.filter(|next| next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\"))
        .unwrap_or_else(|| "/profile".to_owned())
}

/// Shows `children` to logged-in users (admins only with `admin`); sends visitors to the login
/// page with the way back, and tells non-admins they may not enter.
#[component]
pub fn RequireUser(
    /// Only admins may see the page.
    #[prop(optional)]
    admin: bool,
    children: ChildrenFn,
) -> impl IntoView {
    let user = use_current_user();
    let access = Memo::new(move |_| user.access());
    let location = use_location();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if access.try_get() == Some(Access::Visitor) {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            navigate(
                &login_path(&here),
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
    });
    // `try_get`: logging out re-runs this while the redirect disposes the page.
    move || match access.try_get().unwrap_or(Access::Loading) {
        Access::Loading | Access::Visitor => {
            view! { <Loading label="Checking your account…" /> }.into_any()
        }
        Access::Failed(message) => view! {
            <div class="error-view" role="alert">
                <p class="error-title">"Your account could not be checked."</p>
                <p>{message}</p>
            </div>
        }
        .into_any(),
        Access::User if admin => view! {
            <div class="error-view" role="alert" id="access-denied">
                <p class="error-title">"This page is for administrators."</p>
                <p>"Your account does not have the admin role."</p>
            </div>
        }
        .into_any(),
        // Only a change of access re-renders the page, not every reload of the user.
        Access::User | Access::Admin => untrack(|| children()).into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_followed_after_login() {
        assert_eq!(safe_next(Some("/admin/live".into())), "/admin/live");
        assert_eq!(safe_next(Some("/profile?tab=1".into())), "/profile?tab=1");
        assert_eq!(safe_next(Some("//evil.example/".into())), "/profile");
        assert_eq!(safe_next(Some("https://evil.example/".into())), "/profile");
        assert_eq!(safe_next(Some("/\\evil.example/".into())), "/profile");
        assert_eq!(safe_next(None), "/profile");
    }
}
