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

/// A readable name for the `database` fact.
pub fn database_label(database: &str) -> String {
    match database {
        "sqlite" => "SQLite".to_owned(),
        "postgres" => "PostgreSQL".to_owned(),
        other => other.to_owned(),
    }
}

/// A readable name for the `cache` fact.
pub fn cache_label(cache: &str) -> String {
    match cache {
        "redis" => "Redis".to_owned(),
        "memory" => "In-process memory".to_owned(),
        other => other.to_owned(),
    }
}

/// A readable name for the `environment` fact.
pub fn environment_label(environment: &str) -> String {
    match environment {
        "development" => "Development".to_owned(),
        "production" => "Production".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_backends_get_their_proper_names() {
        assert_eq!(database_label("postgres"), "PostgreSQL");
        assert_eq!(database_label("sqlite"), "SQLite");
        assert_eq!(cache_label("redis"), "Redis");
        assert_eq!(cache_label("memory"), "In-process memory");
        assert_eq!(environment_label("production"), "Production");
    }

    #[test]
    fn unknown_values_are_shown_as_sent() {
        assert_eq!(database_label("mysql"), "mysql");
        assert_eq!(cache_label("valkey"), "valkey");
        assert_eq!(environment_label("staging"), "staging");
    }
}
