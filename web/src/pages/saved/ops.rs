//! Typed GraphQL operations of the saved-panel pages (`web/graphql/saved/*.graphql`).
//!
//! Closed sets are the `shared` enums (`extern_enums`), so the pages match on the same types
//! the server uses.

use graphql_client::GraphQLQuery;

pub use shared::saved::GeneField;
pub use shared::{
    Confidence, EntityType, ExportFormat, PanelScope, PanelSort, PanelStatus, SavedPanelChangeKind,
    SavedPanelSourceType, SharePermission, ShareTarget, TeamRole, UnverifiedReason,
    VerificationStatus, Visibility,
};

/// The `DateTime` scalar: an RFC 3339 string.
pub type DateTime = String;

/// `query SavedPanels` — one page of My panels.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/saved_panels.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SavedPanels;

/// `query SavedPanel` — the panel page.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/saved_panel.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "SavedPanelSourceType",
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SavedPanel;

/// `query SavedPanelShares` — the share dialog's list.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/saved_panel_shares.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SavedPanelShares;

/// `query SavedPanelDiff` — the diff view.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/saved_panel_diff.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "GeneField",
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SavedPanelDiff;

/// `query SharedPanel` — the page a share link opens.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/shared_panel.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SharedPanel;

/// `mutation CreateSavedPanel`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/create_saved_panel.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct CreateSavedPanel;

/// `mutation UpdateSavedPanel` — one edit, one version.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/update_saved_panel.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct UpdateSavedPanel;

/// `mutation RestoreVersion`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/restore_version.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct RestoreVersion;

/// `mutation SetSavedPanelStatus`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/set_saved_panel_status.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SetSavedPanelStatus;

/// `mutation SharePanel`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/share_panel.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SharePanel;

/// `mutation RevokeShare`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/revoke_share.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct RevokeShare;

/// `mutation ReissueShareLink`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/reissue_share_link.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct ReissueShareLink;

/// `query ShareableUsers` — the share dialog's person picker.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/shareable_users.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct ShareableUsers;

/// `mutation ExportSavedPanel` — a signed download link.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/export_saved_panel.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct ExportSavedPanel;

/// `query MyTeams`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/my_teams.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct MyTeams;

/// `mutation CreateTeam`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/create_team.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct CreateTeam;

/// `mutation AddTeamMember`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/add_team_member.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct AddTeamMember;

/// `mutation RemoveTeamMember`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/remove_team_member.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct RemoveTeamMember;

/// `mutation DeleteTeam`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/delete_team.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct DeleteTeam;

/// `query SavedPanelUpstream` — the PanelApp sources checked upstream (loaded apart from the page).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/saved_panel_upstream.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "GeneField",
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SavedPanelUpstream;

/// `mutation ApplyUpstreamUpdate` — takes the pending PanelApp updates as one version.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/apply_upstream_update.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct ApplyUpstreamUpdate;

/// `query SavedPanelComments` — the comments on a panel.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/saved_panel_comments.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SavedPanelComments;

/// `mutation CommentOnPanel` — adds a comment.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/comment_on_panel.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct CommentOnPanel;

/// `subscription SavedPanelChanged` — a saved panel's changes, live.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/saved_panel_changed.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "SavedPanelSourceType",
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget",
        "SavedPanelChangeKind"
    )
)]
pub struct SavedPanelChanged;

/// `query SavedPanelVersionAuthor` — who saved one version.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/saved_panel_version_author.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "SavedPanelSourceType",
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct SavedPanelVersionAuthor;

/// `mutation ExportSavedPanels` — one zip of several panels (bulk export).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/export_saved_panels.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct ExportSavedPanels;

/// `mutation ArchiveSavedPanels` — bulk archive, all or nothing.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/archive_saved_panels.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct ArchiveSavedPanels;

/// `mutation DeleteSavedPanels` — bulk delete (soft), all or nothing.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/delete_saved_panels.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct DeleteSavedPanels;

/// `mutation TagSavedPanels` — bulk tag, all or nothing.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/tag_saved_panels.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct TagSavedPanels;

/// `query Team` — one team's members and panels (the team page).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/team.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct Team;

/// `query VersionLabels` — a panel's version labels.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/version_labels.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct VersionLabels;

/// `mutation LabelVersion`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/label_version.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct LabelVersion;

/// `mutation RemoveVersionLabel`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/saved/remove_version_label.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    extern_enums(
        "Confidence",
        "UnverifiedReason",
        "VerificationStatus",
        "EntityType",
        "ExportFormat",
        "PanelStatus",
        "SharePermission",
        "TeamRole",
        "Visibility",
        "PanelScope",
        "PanelSort",
        "ShareTarget"
    )
)]
pub struct RemoveVersionLabel;
