//! The site footer: the server's version and where the panel data comes from.

use leptos::prelude::*;

use crate::server_info::use_server_info;

/// The site footer. Shows "PanelMerge v<version>" once `serverInfo` has loaded, with the bare
/// version in `#server-version`; just "PanelMerge" while loading or when the server is away.
#[component]
pub fn Footer() -> impl IntoView {
    let server = use_server_info();
    let version = move || {
        server.0.get().and_then(Result::ok).map(|facts| {
            view! {
                " v"
                <span id="server-version">{facts.version}</span>
            }
        })
    };
    view! {
        <footer class="site-footer">
            <div class="container footer-inner">
                <p class="footer-version">"PanelMerge" {version}</p>
                <p class="footer-sources">
                    "Panel data from "
                    <a href="https://panelapp.genomicsengland.co.uk/" rel="external">
                        "Genomics England PanelApp"
                    </a> " and " <a href="https://panelapp-aus.org/" rel="external">
                        "PanelApp Australia"
                    </a> "."
                </p>
            </div>
        </footer>
    }
}
