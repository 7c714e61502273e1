//! `user`: accounts — credentials, role, lockout state and display preferences.
//!
//! `first_name`, `last_name` and `organization` hold encrypted values. `Debug` never prints
//! the password hash.

use sea_orm::entity::prelude::*;
use shared::{Role, TimeFormat};

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(80))", unique)]
    pub username: String,
    #[sea_orm(column_type = "String(StringLen::N(120))", unique)]
    pub email: String,
    #[sea_orm(column_type = "Text")]
    pub password_hash: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub first_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub organization: Option<String>,
    pub role: Role,
    pub is_active: bool,
    pub is_verified: bool,
    pub login_count: i32,
    pub last_login: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub failed_login_attempts: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub last_failed_login: Option<DateTimeUtc>,
    pub password_changed_at: Option<DateTimeUtc>,
    /// An IANA zone name such as `Europe/London`.
    #[sea_orm(column_type = "Text")]
    pub timezone_preference: String,
    pub time_format_preference: TimeFormat,
    pub must_change_password: bool,
    pub deactivated_at: Option<DateTimeUtc>,
    /// When an admin-set temporary password stops working (`None`: the password is the
    /// user's own).
    pub temp_password_expires_at: Option<DateTimeUtc>,
    /// Security notices by e-mail (suspicious activity, new admins; admins only).
    pub notify_security: bool,
    /// A notice by e-mail when a panel is shared with this user.
    pub notify_shares: bool,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("role", &self.role)
            .field("is_active", &self.is_active)
            .field("is_verified", &self.is_verified)
            .field("login_count", &self.login_count)
            .field("last_login", &self.last_login)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("failed_login_attempts", &self.failed_login_attempts)
            .field("locked_until", &self.locked_until)
            .field("must_change_password", &self.must_change_password)
            .field("deactivated_at", &self.deactivated_at)
            .finish_non_exhaustive()
    }
}

/// Everything that points at a user. `panel_shares` points twice (sharer and recipient), so
/// those two are relations without a `Related` impl.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::panel_download::Entity")]
    PanelDownload,
    #[sea_orm(has_many = "super::audit_log::Entity")]
    AuditLog,
    #[sea_orm(has_many = "super::admin_message::Entity")]
    AdminMessage,
    #[sea_orm(has_many = "super::saved_panels::Entity")]
    SavedPanels,
    #[sea_orm(has_many = "super::panel_versions::Entity")]
    PanelVersions,
    #[sea_orm(has_many = "super::panel_genes::Entity")]
    PanelGenes,
    #[sea_orm(
        has_many = "super::panel_shares::Entity",
        via_rel = "Relation::SharedBy"
    )]
    SharesGiven,
    #[sea_orm(
        has_many = "super::panel_shares::Entity",
        via_rel = "Relation::SharedWithUser"
    )]
    SharesReceived,
    #[sea_orm(has_many = "super::panel_changes::Entity")]
    PanelChanges,
    #[sea_orm(has_many = "super::teams::Entity", via_rel = "Relation::Creator")]
    TeamsCreated,
    #[sea_orm(has_many = "super::team_members::Entity")]
    TeamMembers,
    #[sea_orm(has_many = "super::api_tokens::Entity")]
    ApiTokens,
    #[sea_orm(has_many = "super::uploads::Entity")]
    Uploads,
    #[sea_orm(has_many = "super::panel_comments::Entity")]
    PanelComments,
}

macro_rules! related {
    ($($module:ident => $variant:ident),+ $(,)?) => {
        $(
            impl Related<super::$module::Entity> for Entity {
                fn to() -> RelationDef {
                    Relation::$variant.def()
                }
            }
        )+
    };
}

related! {
    panel_download => PanelDownload,
    audit_log => AuditLog,
    admin_message => AdminMessage,
    saved_panels => SavedPanels,
    panel_versions => PanelVersions,
    panel_genes => PanelGenes,
    panel_changes => PanelChanges,
    team_members => TeamMembers,
    api_tokens => ApiTokens,
    uploads => Uploads,
    panel_comments => PanelComments,
}

/// The teams a user is a member of (through `team_members`).
impl Related<super::teams::Entity> for Entity {
    fn to() -> RelationDef {
        super::team_members::Relation::Teams.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::team_members::Relation::User.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
