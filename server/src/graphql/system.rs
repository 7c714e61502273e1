//! Facts about the server: `serverInfo`.

use async_graphql::{Context, Object, SimpleObject};

use super::context::ContextExt;

/// Facts about this server: version, which database and cache it uses.
#[derive(SimpleObject)]
pub struct ServerInfo {
    /// Server version (Cargo package version).
    pub version: String,
    /// Database backend.
    pub database: shared::DatabaseBackend,
    /// Cache / session / pub-sub backend.
    pub cache: shared::CacheBackend,
    /// How the server runs (`APP_ENV`).
    pub environment: shared::Environment,
    /// Where each PanelApp instance's data comes from (origin, data date, snapshot date),
    /// for the staleness banner.
    pub panel_app: Vec<super::panelapp::PanelAppStatusOut>,
    /// True when `PANELAPP_SNAPSHOT` makes this server serve a snapshot only.
    pub panel_app_snapshot_only: bool,
}

#[derive(Default)]
pub struct SystemQuery;

#[Object]
impl SystemQuery {
    /// Facts about this server.
    async fn server_info(&self, ctx: &Context<'_>) -> ServerInfo {
        let state = ctx.state();
        ServerInfo {
            version: crate::VERSION.to_owned(),
            database: state.database_backend(),
            cache: state.backends.kind,
            environment: state.settings.environment,
            panel_app: state
                .panelapp
                .status()
                .into_iter()
                .map(Into::into)
                .collect(),
            panel_app_snapshot_only: state.panelapp.snapshot_only(),
        }
    }
}
