//! Every typed GraphQL operation of the web app, generated at compile time by `graphql_client`
//! from its document in `web/graphql/` and the committed `schema.graphql`. One struct per
//! document, named after the operation, with a snake_case module of the same name beside it
//! (`SavedPanel` and `saved_panel::Variables`, `saved_panel::ResponseData`).
//!
//! Closed sets are the `shared` enums (`extern_enums`), so the pages match on the types the
//! server uses; the scalars are declared once, below.

// Closed sets shared with the server: the generated code uses these instead of its own copies.
pub use shared::panelapp::DataOrigin;
pub use shared::saved::GeneField;
pub use shared::upload::{DiagnosticKind, UploadFormat};
pub use shared::{
    AuditAction, AuditResourceKind, CacheBackend, Confidence, DatabaseBackend, EntityType,
    Environment, ExportColumn, ExportFormat, MailKind, MailStatus, MessageType, PanelScope,
    PanelSort, PanelStatus, Role, SavedPanelChangeKind, SavedPanelSourceType, SharePermission,
    ShareTarget, TeamRole, TokenScope, UnverifiedReason, VerificationStatus, Visibility,
};

/// `PanelSource` is the shared `Source`.
pub type PanelSource = shared::Source;
/// The `DateTime` scalar: an RFC 3339 instant in UTC, formatted for people by [`crate::time`].
pub type DateTime = String;
/// The `Date` scalar (`YYYY-MM-DD`).
pub type Date = String;
/// The `Upload` scalar: `null` in the operation, the file travels as a multipart part.
pub type Upload = Option<()>;

/// Declares operations: `Name: "graphql/path.graphql";`, with `skip_serializing_none` after
/// the path for operations whose absent variables must not be sent as `null` (arguments where
/// `null` means "remove").
macro_rules! operations {
    ($($(#[doc = $doc:tt])* $name:ident: $path:tt $(, $flag:ident)?;)*) => {$(
        $(#[doc = $doc])*
        #[derive(graphql_client::GraphQLQuery)]
        #[graphql(
            schema_path = "../schema.graphql",
            query_path = $path,
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone",
            extern_enums(
                "AuditAction",
                "AuditResourceKind",
                "CacheBackend",
                "Confidence",
                "DataOrigin",
                "DatabaseBackend",
                "DiagnosticKind",
                "EntityType",
                "Environment",
                "ExportColumn",
                "ExportFormat",
                "GeneField",
                "MailKind",
                "MailStatus",
                "MessageType",
                "PanelScope",
                "PanelSort",
                "PanelSource",
                "PanelStatus",
                "Role",
                "SavedPanelChangeKind",
                "SavedPanelSourceType",
                "SharePermission",
                "ShareTarget",
                "TeamRole",
                "TokenScope",
                "UnverifiedReason",
                "UploadFormat",
                "VerificationStatus",
                "Visibility"
            )
            $(, $flag)?
        )]
        pub struct $name;
    )*};
}

// The app shell, accounts, profile and admin pages.
operations! {
    /// `query ServerInfo` — version and backends of the server (home page, footer).
    ServerInfo: "graphql/server_info.graphql";
    /// `query Me` — the logged-in user (the current-user context).
    Me: "graphql/me.graphql";
    /// `mutation Login` — by username or e-mail.
    Login: "graphql/login.graphql";
    /// `mutation Register` — creates an account and logs it in.
    Register: "graphql/register.graphql";
    /// `mutation Logout` — ends the current session.
    Logout: "graphql/logout.graphql";
    /// `mutation UpdateProfile` — names, organisation, zone, clock.
    UpdateProfile: "graphql/update_profile.graphql";
    /// `query Timezones` — every IANA zone, for the picker.
    Timezones: "graphql/timezones.graphql";
    /// `mutation ChangePassword` — ends the other sessions.
    ChangePassword: "graphql/change_password.graphql";
    /// `query MySessions` — the caller's live sessions.
    MySessions: "graphql/my_sessions.graphql";
    /// `mutation RevokeSession`.
    RevokeSession: "graphql/revoke_session.graphql";
    /// `query ApiTokens` — the caller's tokens (never their secrets).
    ApiTokens: "graphql/api_tokens.graphql";
    /// `mutation CreateApiToken` — the secret is in this answer only.
    CreateApiToken: "graphql/create_api_token.graphql";
    /// `mutation RevokeApiToken`.
    RevokeApiToken: "graphql/revoke_api_token.graphql";
    /// `query Users` — accounts (admins).
    Users: "graphql/users.graphql";
    /// `mutation SetUserRole` (admins).
    SetUserRole: "graphql/set_user_role.graphql";
    /// `mutation SetUserActive` (admins).
    SetUserActive: "graphql/set_user_active.graphql";
    /// `mutation UnlockUser` (admins).
    UnlockUser: "graphql/unlock_user.graphql";
    /// `mutation ResetUserPassword` — a temporary password (admins).
    ResetUserPassword: "graphql/reset_user_password.graphql";
    /// `mutation UnblockIp` (admins).
    UnblockIp: "graphql/unblock_ip.graphql";
    /// `query PanelAppAdminStatus` — each PanelApp instance's data origin, dates and gene directory
    /// (admins' PanelApp page).
    PanelAppAdminStatus: "graphql/panelapp_admin_status.graphql";
    /// `mutation RefreshPanelApp` (admins).
    RefreshPanelApp: "graphql/refresh_panel_app.graphql";
    /// `query AllAdminMessages` — every announcement (admins).
    AllAdminMessages: "graphql/all_admin_messages.graphql";
    /// `mutation CreateAdminMessage` (admins).
    CreateAdminMessage: "graphql/create_admin_message.graphql";
    /// `mutation UpdateAdminMessage` (admins).
    UpdateAdminMessage: "graphql/update_admin_message.graphql";
    /// `mutation SetAdminMessageActive` (admins).
    SetAdminMessageActive: "graphql/set_admin_message_active.graphql";
    /// `mutation DeleteAdminMessage` (admins).
    DeleteAdminMessage: "graphql/delete_admin_message.graphql";
    /// `query AuditLog` — filtered, cursor-paginated (admins).
    AuditLog: "graphql/audit_log.graphql";
    /// `mutation PurgeAuditLog` — retention purge (admins).
    PurgeAuditLog: "graphql/purge_audit_log.graphql";
    /// `subscription AuditEvents` — the live audit feed (admins).
    AuditEvents: "graphql/audit_events.graphql";
    /// `subscription AdminMessagesLive` — the live banner list.
    AdminMessagesLive: "graphql/admin_messages_live.graphql";
    /// `mutation RequestPasswordReset` — sends a reset link, if the account exists.
    RequestPasswordReset: "graphql/request_password_reset.graphql";
    /// `mutation ResetPassword` — a new password with an e-mailed link.
    ResetPassword: "graphql/reset_password.graphql";
    /// `mutation VerifyEmail` — confirms an address with its link.
    VerifyEmail: "graphql/verify_email.graphql";
    /// `mutation RequestEmailVerification` — a new verification link.
    RequestEmailVerification: "graphql/request_email_verification.graphql";
    /// `mutation RequestEmailChange` — a confirmation link to a new address.
    RequestEmailChange: "graphql/request_email_change.graphql";
    /// `mutation ConfirmEmailChange` — the new address is in force.
    ConfirmEmailChange: "graphql/confirm_email_change.graphql";
    /// `mutation UndoEmailChange` — the old address is back.
    UndoEmailChange: "graphql/undo_email_change.graphql";
    /// `mutation UpdateMailPreferences` — which notices come by e-mail.
    UpdateMailPreferences: "graphql/update_mail_preferences.graphql";
    /// `mutation SetUserVerified` — an address marked confirmed or not (admins).
    SetUserVerified: "graphql/set_user_verified.graphql";
    /// `mutation RetryMail` — sends a failed e-mail again (admins).
    RetryMail: "graphql/retry_mail.graphql";
    /// `query MailOutbox` — the e-mail queue and how mail leaves (admins).
    MailOutbox: "graphql/mail_outbox.graphql";
}

// Saved panels, sharing and teams (`web/graphql/saved/`).
operations! {
    /// `query SavedPanels` — one page of My panels.
    SavedPanels: "graphql/saved/saved_panels.graphql", skip_serializing_none;
    /// `query SavedPanel` — the panel page.
    SavedPanel: "graphql/saved/saved_panel.graphql", skip_serializing_none;
    /// `query SavedPanelShares` — the share dialog's list.
    SavedPanelShares: "graphql/saved/saved_panel_shares.graphql", skip_serializing_none;
    /// `query SavedPanelDiff` — the diff view.
    SavedPanelDiff: "graphql/saved/saved_panel_diff.graphql", skip_serializing_none;
    /// `query SharedPanel` — the page a share link opens.
    SharedPanel: "graphql/saved/shared_panel.graphql", skip_serializing_none;
    /// `mutation CreateSavedPanel`.
    CreateSavedPanel: "graphql/saved/create_saved_panel.graphql", skip_serializing_none;
    /// `mutation UpdateSavedPanel` — one edit, one version.
    UpdateSavedPanel: "graphql/saved/update_saved_panel.graphql", skip_serializing_none;
    /// `mutation RestoreVersion`.
    RestoreVersion: "graphql/saved/restore_version.graphql", skip_serializing_none;
    /// `mutation SetSavedPanelStatus`.
    SetSavedPanelStatus: "graphql/saved/set_saved_panel_status.graphql", skip_serializing_none;
    /// `mutation SharePanel`.
    SharePanel: "graphql/saved/share_panel.graphql", skip_serializing_none;
    /// `mutation RevokeShare`.
    RevokeShare: "graphql/saved/revoke_share.graphql", skip_serializing_none;
    /// `mutation ReissueShareLink`.
    ReissueShareLink: "graphql/saved/reissue_share_link.graphql", skip_serializing_none;
    /// `query ShareableUsers` — the share dialog's person picker.
    ShareableUsers: "graphql/saved/shareable_users.graphql", skip_serializing_none;
    /// `mutation ExportSavedPanel` — a signed download link.
    ExportSavedPanel: "graphql/saved/export_saved_panel.graphql", skip_serializing_none;
    /// `query MyTeams`.
    MyTeams: "graphql/saved/my_teams.graphql", skip_serializing_none;
    /// `mutation CreateTeam`.
    CreateTeam: "graphql/saved/create_team.graphql", skip_serializing_none;
    /// `mutation AddTeamMember`.
    AddTeamMember: "graphql/saved/add_team_member.graphql", skip_serializing_none;
    /// `mutation RemoveTeamMember`.
    RemoveTeamMember: "graphql/saved/remove_team_member.graphql", skip_serializing_none;
    /// `mutation DeleteTeam`.
    DeleteTeam: "graphql/saved/delete_team.graphql", skip_serializing_none;
    /// `query SavedPanelUpstream` — the PanelApp sources checked upstream (loaded apart from the page).
    SavedPanelUpstream: "graphql/saved/saved_panel_upstream.graphql", skip_serializing_none;
    /// `mutation ApplyUpstreamUpdate` — takes the pending PanelApp updates as one version.
    ApplyUpstreamUpdate: "graphql/saved/apply_upstream_update.graphql", skip_serializing_none;
    /// `query SavedPanelComments` — the comments on a panel.
    SavedPanelComments: "graphql/saved/saved_panel_comments.graphql", skip_serializing_none;
    /// `mutation CommentOnPanel` — adds a comment.
    CommentOnPanel: "graphql/saved/comment_on_panel.graphql", skip_serializing_none;
    /// `subscription SavedPanelChanged` — a saved panel's changes, live.
    SavedPanelChanged: "graphql/saved/saved_panel_changed.graphql", skip_serializing_none;
    /// `query SavedPanelVersionAuthor` — who saved one version.
    SavedPanelVersionAuthor: "graphql/saved/saved_panel_version_author.graphql", skip_serializing_none;
    /// `mutation ExportSavedPanels` — one zip of several panels (bulk export).
    ExportSavedPanels: "graphql/saved/export_saved_panels.graphql", skip_serializing_none;
    /// `mutation ArchiveSavedPanels` — bulk archive, all or nothing.
    ArchiveSavedPanels: "graphql/saved/archive_saved_panels.graphql", skip_serializing_none;
    /// `mutation DeleteSavedPanels` — bulk delete (soft), all or nothing.
    DeleteSavedPanels: "graphql/saved/delete_saved_panels.graphql", skip_serializing_none;
    /// `mutation TagSavedPanels` — bulk tag, all or nothing.
    TagSavedPanels: "graphql/saved/tag_saved_panels.graphql", skip_serializing_none;
    /// `query Team` — one team's members and panels (the team page).
    Team: "graphql/saved/team.graphql", skip_serializing_none;
    /// `query VersionLabels` — a panel's version labels.
    VersionLabels: "graphql/saved/version_labels.graphql", skip_serializing_none;
    /// `mutation LabelVersion`.
    LabelVersion: "graphql/saved/label_version.graphql", skip_serializing_none;
    /// `mutation RemoveVersionLabel`.
    RemoveVersionLabel: "graphql/saved/remove_version_label.graphql", skip_serializing_none;
}

// The workbench and the panel browser (`web/graphql/workbench/`, `web/graphql/panels/`).
operations! {
    /// `query PanelDetail` — one PanelApp panel with its entities.
    PanelDetail: "graphql/workbench/panel_detail.graphql", skip_serializing_none;
    /// `query Uploads` — the visitor's uploaded lists.
    Uploads: "graphql/workbench/uploads.graphql", skip_serializing_none;
    /// `mutation UploadGeneList` — sent as a multipart request.
    UploadGeneList: "graphql/workbench/upload_gene_list.graphql", skip_serializing_none;
    /// `mutation RemoveUpload`.
    RemoveUpload: "graphql/workbench/remove_upload.graphql", skip_serializing_none;
    /// `mutation ExportMerge` — a signed download link.
    ExportMerge: "graphql/workbench/export_merge.graphql", skip_serializing_none;
    /// `mutation SaveMerge` — the merged list as a saved panel.
    SaveMerge: "graphql/workbench/save_merge.graphql", skip_serializing_none;
    /// `query Panels` — the PanelApp catalogue search.
    Panels: "graphql/panels/panels.graphql", skip_serializing_none;
    /// `query GeneLookup` — the panels listing a gene, and how each instance answered.
    GeneLookup: "graphql/panels/gene_lookup.graphql", skip_serializing_none;
    /// `query PanelsByGene` — the panels of both instances listing a gene (the picker).
    PanelsByGene: "graphql/panels/panels_by_gene.graphql", skip_serializing_none;
    /// `query GeneSuggestions` — gene symbols for the autocomplete.
    GeneSuggestions: "graphql/panels/gene_suggestions.graphql", skip_serializing_none;
    /// `query AccountWorkbench` — the workbench kept in the account.
    AccountWorkbench: "graphql/workbench/workbench.graphql", skip_serializing_none;
    /// `mutation SaveWorkbench` — keeps the workbench in the account.
    SaveWorkbench: "graphql/workbench/save_workbench.graphql", skip_serializing_none;
}

// Export templates (`web/graphql/templates/`).
operations! {
    /// `query ExportTemplates` — the templates the caller may apply.
    ExportTemplates: "graphql/templates/export_templates.graphql";
    /// `mutation CreateExportTemplate`.
    CreateExportTemplate: "graphql/templates/create_export_template.graphql", skip_serializing_none;
    /// `mutation UpdateExportTemplate`.
    UpdateExportTemplate: "graphql/templates/update_export_template.graphql";
    /// `mutation DeleteExportTemplate`.
    DeleteExportTemplate: "graphql/templates/delete_export_template.graphql";
    /// `mutation ExportSavedPanelWithTemplate`.
    ExportSavedPanelWithTemplate: "graphql/templates/export_with_template.graphql", skip_serializing_none;
    /// `mutation ExportSavedPanelsWithTemplate`.
    ExportSavedPanelsWithTemplate: "graphql/templates/export_many_with_template.graphql", skip_serializing_none;
}
