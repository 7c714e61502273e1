//! The site header: brand and main navigation.

use leptos::prelude::*;
use leptos_router::components::A;

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
            </div>
        </header>
    }
}
