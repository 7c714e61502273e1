//! `audit_log`: one row per audited action — who, what, on which resource, from where, and
//! whether it succeeded. `details`, `old_values` and `new_values` hold encrypted JSON. Rows are
//! insert-only and hash-chained (`prev_hash`, `hash`).

use sea_orm::entity::prelude::*;
use shared::AuditAction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `None` for anonymous actions and once the account is deleted.
    pub user_id: Option<i32>,
    /// The username at the time of the action.
    #[sea_orm(column_type = "Text", nullable)]
    pub username: Option<String>,
    pub action_type: AuditAction,
    #[sea_orm(column_type = "Text")]
    pub action_description: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub resource_type: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub resource_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub ip_address: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub user_agent: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub session_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub details: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub old_values: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub new_values: Option<String>,
    pub success: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub error_message: Option<String>,
    pub duration_ms: Option<i32>,
    /// When the action happened.
    pub timestamp: DateTimeUtc,
    pub created_at: DateTimeUtc,
    /// Random id generated before the insert; the sealed columns are bound to it (rows written
    /// before the hash chain existed have none and are bound to `id`).
    #[sea_orm(column_type = "Text", nullable)]
    pub entry_uid: Option<String>,
    /// The previous row's `hash` (hex), or the chain's start: 64 zeros, or the anchor a purge left.
    #[sea_orm(column_type = "Text", nullable)]
    pub prev_hash: Option<String>,
    /// SHA-256 (hex) over `prev_hash` and this row's canonical content; `None` on rows written
    /// before the chain existed.
    #[sea_orm(column_type = "Text", nullable)]
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
