//! Facts about the server: `serverInfo`.

use async_graphql::{Context, Object, SimpleObject};

use super::context::ContextExt;

/// Facts about this server: version, which database and cache it uses.
#[derive(SimpleObject)]
pub struct ServerInfo {
    /// Server version (Cargo package version).
    pub version: String,
    /// Database backend: "sqlite" or "postgres".
    pub database: String,
    /// Cache / session / pub-sub backend: "redis" or "memory".
    pub cache: String,
    /// "development" or "production".
    pub environment: String,
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
            database: crate::db::backend_name(&state.db).to_owned(),
            cache: state.backends.kind.to_owned(),
            environment: state.settings.environment.as_str().to_owned(),
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
