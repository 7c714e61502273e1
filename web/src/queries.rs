//! Typed GraphQL operations, generated at compile time from `web/graphql/*.graphql` and the
//! committed `schema.graphql`. One struct per operation file; the struct name is the operation
//! name, and `graphql_client` generates a snake_case module of the same name next to it.

use graphql_client::GraphQLQuery;

/// `query ServerInfo` — version and backends of the server (home page, footer).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/server_info.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct ServerInfo;
