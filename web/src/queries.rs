//! Typed GraphQL operations, generated at compile time from `web/graphql/*.graphql` and the
//! committed `schema.graphql`. One struct per operation file; the struct name is the operation
//! name, and `graphql_client` generates a snake_case module of the same name next to it.

use graphql_client::GraphQLQuery;

// Closed sets shared with the server: the generated code uses these instead of its own copies.
pub use shared::{
    AuditAction, CacheBackend, DatabaseBackend, Environment, MailKind, MailStatus, MessageType,
    Role, TokenScope,
};

pub use shared::panelapp::DataOrigin;
/// `PanelSource` is the shared `Source`.
pub type PanelSource = shared::Source;

/// The `DateTime` scalar: an RFC 3339 instant in UTC, formatted for people by [`crate::time`].
pub type DateTime = String;
/// The `Date` scalar (`YYYY-MM-DD`).
pub type Date = String;

/// `query ServerInfo` — version and backends of the server (home page, footer).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/server_info.graphql",
    extern_enums(
        "DataOrigin",
        "PanelSource",
        "DatabaseBackend",
        "CacheBackend",
        "Environment"
    ),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct ServerInfo;

/// `query Me` — the logged-in user (the current-user context).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/me.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct Me;

/// `mutation Login` — by username or e-mail.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/login.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct Login;

/// `mutation Register` — creates an account and logs it in.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/register.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct Register;

/// `mutation Logout` — ends the current session.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/logout.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct Logout;

/// `mutation UpdateProfile` — names, organisation, zone, clock.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/update_profile.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct UpdateProfile;

/// `query Timezones` — every IANA zone, for the picker.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/timezones.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct Timezones;

/// `mutation ChangePassword` — ends the other sessions.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/change_password.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ChangePassword;

/// `query MySessions` — the caller's live sessions.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/my_sessions.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct MySessions;

/// `mutation RevokeSession`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/revoke_session.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct RevokeSession;

/// `query ApiTokens` — the caller's tokens (never their secrets).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/api_tokens.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "TokenScope"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ApiTokens;

/// `mutation CreateApiToken` — the secret is in this answer only.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/create_api_token.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "TokenScope"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct CreateApiToken;

/// `mutation RevokeApiToken`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/revoke_api_token.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct RevokeApiToken;

/// `query Users` — accounts (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/users.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct Users;

/// `mutation SetUserRole` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/set_user_role.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct SetUserRole;

/// `mutation SetUserActive` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/set_user_active.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct SetUserActive;

/// `mutation UnlockUser` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/unlock_user.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct UnlockUser;

/// `mutation ResetUserPassword` — a temporary password (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/reset_user_password.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ResetUserPassword;

/// `mutation UnblockIp` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/unblock_ip.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct UnblockIp;

/// `query PanelAppAdminStatus` — each PanelApp instance's data origin, dates and gene directory
/// (admins' PanelApp page).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/panelapp_admin_status.graphql",
    extern_enums("DataOrigin", "PanelSource"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct PanelAppAdminStatus;

/// `mutation RefreshPanelApp` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/refresh_panel_app.graphql",
    extern_enums("PanelSource"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct RefreshPanelApp;

/// `query AllAdminMessages` — every announcement (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/all_admin_messages.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct AllAdminMessages;

/// `mutation CreateAdminMessage` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/create_admin_message.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct CreateAdminMessage;

/// `mutation UpdateAdminMessage` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/update_admin_message.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct UpdateAdminMessage;

/// `mutation SetAdminMessageActive` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/set_admin_message_active.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct SetAdminMessageActive;

/// `mutation DeleteAdminMessage` (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/delete_admin_message.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct DeleteAdminMessage;

/// `query AuditLog` — filtered, cursor-paginated (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/audit_log.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct AuditLog;

/// `mutation PurgeAuditLog` — retention purge (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/purge_audit_log.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct PurgeAuditLog;

/// `subscription AuditEvents` — the live audit feed (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/audit_events.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct AuditEvents;

/// `subscription AdminMessagesLive` — the live banner list.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin_messages_live.graphql",
    extern_enums("Role", "MessageType", "AuditAction"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct AdminMessagesLive;

/// `mutation RequestPasswordReset` — sends a reset link, if the account exists.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/request_password_reset.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct RequestPasswordReset;

/// `mutation ResetPassword` — a new password with an e-mailed link.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/reset_password.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ResetPassword;

/// `mutation VerifyEmail` — confirms an address with its link.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/verify_email.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct VerifyEmail;

/// `mutation RequestEmailVerification` — a new verification link.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/request_email_verification.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct RequestEmailVerification;

/// `mutation RequestEmailChange` — a confirmation link to a new address.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/request_email_change.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct RequestEmailChange;

/// `mutation ConfirmEmailChange` — the new address is in force.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/confirm_email_change.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ConfirmEmailChange;

/// `mutation UndoEmailChange` — the old address is back.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/undo_email_change.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct UndoEmailChange;

/// `mutation UpdateMailPreferences` — which notices come by e-mail.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/update_mail_preferences.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct UpdateMailPreferences;

/// `mutation SetUserVerified` — an address marked confirmed or not (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/set_user_verified.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct SetUserVerified;

/// `mutation RetryMail` — sends a failed e-mail again (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/retry_mail.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct RetryMail;

/// `query MailOutbox` — the e-mail queue and how mail leaves (admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/mail_outbox.graphql",
    extern_enums("Role", "MessageType", "AuditAction", "MailKind", "MailStatus"),
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct MailOutbox;
