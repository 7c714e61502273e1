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
        }
    }
}
