//! PanelMerge web app: a Leptos client-side app compiled to wasm32 and served by Trunk.

mod api;
mod app;
mod auth;
mod components;
mod leave_guard;
mod pages;
mod panelapp_status;
mod queries;
mod roles;
mod server_info;
mod time;
mod words;
mod workbench;
mod ws;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
