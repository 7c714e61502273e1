//! Typed GraphQL operations of the workbench and the panel browser
//! (`web/graphql/workbench/*.graphql`, `web/graphql/panels/*.graphql`).

use graphql_client::GraphQLQuery;

pub use shared::upload::{DiagnosticKind, UploadFormat};
pub use shared::{
    Confidence, EntityType, ExportFormat, PanelStatus, UnverifiedReason, VerificationStatus,
    Visibility,
};

/// `PanelSource` is the shared `Source`.
pub type PanelSource = shared::Source;
/// The `Upload` scalar: `null` in the operation, the file travels as a multipart part.
pub type Upload = Option<()>;
pub use shared::panelapp::DataOrigin;
/// The `DateTime` scalar: an RFC 3339 string.
pub type DateTime = String;

/// `query PanelDetail` — one PanelApp panel with its entities.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/workbench/panel_detail.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct PanelDetail;

/// `query Uploads` — the visitor's uploaded lists.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/workbench/uploads.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility",
        "UploadFormat"
    )
)]
pub struct Uploads;

/// `mutation UploadGeneList` — sent as a multipart request.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/workbench/upload_gene_list.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility",
        "UploadFormat"
    )
)]
pub struct UploadGeneList;

/// `mutation RemoveUpload`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/workbench/remove_upload.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct RemoveUpload;

/// `mutation ExportMerge` — a signed download link.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/workbench/export_merge.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct ExportMerge;

/// `mutation SaveMerge` — the merged list as a saved panel.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/workbench/save_merge.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct SaveMerge;

/// `query Panels` — the PanelApp catalogue search.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/panels/panels.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct Panels;

/// `query GeneLookup` — the panels listing a gene, and how each instance answered.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/panels/gene_lookup.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct GeneLookup;

/// `query PanelsByGene` — the panels of both instances listing a gene (the picker).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/panels/panels_by_gene.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct PanelsByGene;

/// `query GeneSuggestions` — gene symbols for the autocomplete.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/panels/gene_suggestions.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct GeneSuggestions;

/// `query AccountWorkbench` — the workbench kept in the account.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/workbench/workbench.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct AccountWorkbench;

/// `mutation SaveWorkbench` — keeps the workbench in the account.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/workbench/save_workbench.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "DataOrigin",
        "DiagnosticKind",
        "EntityType",
        "ExportFormat",
        "PanelSource",
        "PanelStatus",
        "Visibility"
    )
)]
pub struct SaveWorkbench;
