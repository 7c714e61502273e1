//! The site header: brand, main navigation and the account menu.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use shared::Role;

use crate::api::graphql;
use crate::auth::use_current_user;
use crate::queries::{Logout, logout};

/// One entry of the main navigation.
struct NavLink {
    href: &'static str,
    label: &'static str,
    /// Active only on exactly this path (needed for "/", which prefixes every path).
    exact: bool,
}

/// The main navigation, in display order. Add a page here when its route exists in
/// [`crate::app::App`]; links to pages that do not exist yet are not shown.
const NAV_LINKS: &[NavLink] = &[
    NavLink {
        href: "/",
        label: "Home",
        exact: true,
    },
    NavLink {
        href: "/panels",
        label: "Panels",
        exact: false,
    },
    NavLink {
        href: "/workbench",
        label: "Workbench",
        exact: false,
    },
    NavLink {
        href: "/saved",
        label: "My panels",
        exact: false,
    },
];

/// The site header. The active link gets `aria-current="page"` from the router.
#[component]
pub fn Header() -> impl IntoView {
    let links = NAV_LINKS
        .iter()
        .map(|link| {
            view! {
                <li>
                    <A href=link.href exact=link.exact>
                        {link.label}
                    </A>
                </li>
            }
        })
        .collect_view();
    view! {
        <header class="site-header">
            <div class="container header-inner">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "PanelMerge"
                </a>
                <nav class="main-nav" aria-label="Main">
                    <ul>{links}</ul>
                </nav>
                <AccountMenu />
            </div>
        </header>
    }
}

/// Log in / register for visitors; the user's name, admin link and log out for users.
#[component]
fn AccountMenu() -> impl IntoView {
    let user = use_current_user();
    let navigate = use_navigate();
    let log_out = Action::new_local(move |(): &()| async move {
        // Forget the user even if the server can not be reached: the cookie is HttpOnly and
        // the next `me` tells the truth.
        let _ = graphql::<Logout>(logout::Variables).await;
        user.clear();
        user.reload().await;
    });
    Effect::new(move |previous: Option<bool>| {
        let pending = log_out.pending().get();
        if previous == Some(true) && !pending {
            navigate("/", Default::default());
        }
        pending
    });
    move || match user.me() {
        None => view! {
            <nav class="account-nav" aria-label="Account">
                <ul>
                    <li><A href="/login">"Log in"</A></li>
                    <li><A href="/register">"Register"</A></li>
                </ul>
            </nav>
        }
        .into_any(),
        Some(me) => {
            let admin = (me.role == Role::Admin).then(|| {
                view! { <li><A href="/admin">"Admin"</A></li> }
            });
            view! {
                <nav class="account-nav" aria-label="Account">
                    <ul>
                        {admin}
                        <li>
                            <A href="/profile" attr:id="account-name">
                                {me.username}
                            </A>
                        </li>
                        <li>
                            <button
                                type="button"
                                class="link-button"
                                id="logout"
                                on:click=move |_| {
                                    log_out.dispatch(());
                                }
                            >
                                "Log out"
                            </button>
                        </li>
                    </ul>
                </nav>
            }
            .into_any()
        }
    }
}
