//! PanelMerge server: GraphQL API (HTTP and WebSocket), CLI, PanelApp client, security and
//! exports. `main.rs` is a shim over [`cli::run`]; tests start [`Application`] directly.

pub mod app;
pub mod auth;
pub mod backend;
pub mod backup;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod events;
pub mod failpoint;
pub mod flask_import;
pub mod genelists;
pub mod graphql;
pub mod http;
pub mod logging;
pub mod mail;
pub mod paging;
pub mod panelapp;
pub mod saved;
pub mod services;
pub mod shutdown;
pub mod state;

pub use app::Application;
pub use config::Settings;
pub use state::AppState;

/// The server version (the Cargo package version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Installs ring as the process-wide rustls crypto provider (no aws-lc build). Idempotent.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
