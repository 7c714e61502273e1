//! The GraphQL schema: one module per domain, merged into single query, mutation and
//! subscription roots by [`build_schema`], which `serve`, `schema` and the tests all call.

pub mod accounts;
pub mod admin;
pub mod audit;
mod audit_ext;
pub mod context;
#[cfg(test)]
mod cost_tests;
pub mod export_templates;
pub mod gene_directory;
pub mod genelists;
mod guard;
pub mod live;
pub mod mail;
pub mod messages;
pub mod node;
pub mod paging;
pub mod panelapp;
mod plain;
mod public;
pub mod saved;
pub mod scalars;
pub mod system;
pub mod teams;
pub mod workbench;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::config::GraphqlLimits;
use crate::state::AppState;

pub use audit_ext::{AUDITED_ON_FETCH, mutation_action};
pub use context::{ContextExt, RequestContext, Transport};
pub use guard::{request_census, too_expensive};
pub use public::is_public_catalogue_query;

/// Everything that can be read: PanelApp panels and genes, merges, uploads, saved panels,
/// teams, the account, and (for admins) users and the audit trail.
#[derive(MergedObject, Default)]
pub struct Query(
    system::SystemQuery,
    accounts::AccountsQuery,
    audit::AuditQueryRoot,
    admin::AdminQuery,
    messages::MessagesQuery,
    saved::SavedPanelQuery,
    teams::TeamsQuery,
    export_templates::ExportTemplatesQuery,
    genelists::GeneListsQuery,
    panelapp::PanelAppQuery,
    gene_directory::GeneDirectoryQuery,
    workbench::WorkbenchQuery,
    node::NodeQuery,
    mail::MailQuery,
);

/// Everything that changes something: accounts and tokens, uploads and exports, saved panels,
/// shares and comments, teams, and site administration. Each is audited.
#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountsMutation,
    audit::AuditMutation,
    admin::AdminMutation,
    messages::MessagesMutation,
    saved::SavedPanelMutation,
    saved::SavedPanelBulkMutation,
    teams::TeamsMutation,
    export_templates::ExportTemplatesMutation,
    genelists::GeneListsMutation,
    panelapp::PanelAppMutation,
    workbench::WorkbenchMutation,
    mail::MailMutation,
);

/// Live updates over the WebSocket (`graphql-transport-ws`): banners, saved-panel changes and
/// (for admins) the audit feed.
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    messages::MessagesSubscription,
    live::LiveSubscription,
    saved::SavedPanelSubscription,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits and extensions, without runtime data.
pub fn schema_builder(limits: &GraphqlLimits) -> SchemaBuilder<Query, Mutation, Subscription> {
    let mut builder = paging::describe_connections(Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    ))
    .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
        scalars::DATE_TIME_DESCRIPTION,
    )
    .override_input_type_description::<chrono::DateTime<chrono::Utc>>(
        scalars::DATE_TIME_DESCRIPTION,
    )
    .limit_recursive_depth(64)
    .limit_directives(16)
    .extension(guard::RequestGuard {
        max_depth: limits.max_depth,
        max_complexity: limits.max_complexity,
        max_aliases: limits.max_aliases,
        max_expensive: limits.max_expensive,
        max_values: limits.max_values,
    })
    // No `async_graphql::extensions::Tracing`: it opens a span around every field, which
    // cost more than resolving the fields of a catalogue page (BENCHMARKS.md, issue 18); each
    // request has its `http` span (router), and errors are logged where they are coded.
    .extension(audit_ext::AuditEveryOperation);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    builder
}

/// The executable schema for a running server.
pub fn build_schema(state: AppState) -> AppSchema {
    schema_builder(&state.settings.graphql).data(state).finish()
}

/// The documented default limits (what `schema.graphql` and the web app are checked against).
pub(crate) fn default_limits() -> GraphqlLimits {
    GraphqlLimits {
        max_depth: 12,
        max_complexity: 2500,
        max_aliases: 50,
        max_batch: 10,
        max_page_size: 100,
        max_expensive: 3,
        max_values: 200_000,
        introspection: true,
        graphiql: false,
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema_builder(&default_limits()).finish().sdl()
}
