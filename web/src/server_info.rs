//! The server's facts (`serverInfo`), loaded once per visit and shared by every part of the
//! page that shows them: the home page, the footer and the connectivity banner.

use leptos::prelude::*;

use crate::api::{ApiError, graphql};
use crate::queries::{ServerInfo, server_info};

/// What `serverInfo` returns.
pub type ServerFacts = server_info::ServerInfoServerInfo;

/// The shared `serverInfo` resource, provided as context by the app shell.
#[derive(Clone, Copy)]
pub struct ServerInfoResource(pub LocalResource<Result<ServerFacts, ApiError>>);

impl ServerInfoResource {
    /// Starts loading the server facts and provides them to every component below.
    pub fn provide() -> Self {
        let resource = Self(LocalResource::new(|| async {
            graphql::<ServerInfo>(server_info::Variables)
                .await
                .map(|data| data.server_info)
        }));
        provide_context(resource);
        resource
    }

    /// Loads the facts again (after a failure).
    pub fn refetch(&self) {
        self.0.refetch();
    }
}

/// The server facts resource provided by [`ServerInfoResource::provide`].
pub fn use_server_info() -> ServerInfoResource {
    expect_context::<ServerInfoResource>()
}
