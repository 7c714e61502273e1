//! `panel_shares`: who a saved panel is shared with and how. Each share names exactly one
//! target — a user, a team, or a link token (CHECK `ck_panel_shares_one_target`).
//!
//! A share points at `user` twice (sharer and recipient), so there is no `Related<user>`;
//! join with `Relation::SharedBy` or `Relation::SharedWithUser`.

use sea_orm::entity::prelude::*;
use shared::SharePermission;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_shares")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub panel_id: i32,
    pub shared_by_id: Option<i32>,
    pub shared_with_user_id: Option<i32>,
    pub shared_with_team_id: Option<i32>,
    pub permission_level: SharePermission,
    pub can_reshare: bool,
    /// Link-share token (unique).
    #[sea_orm(column_type = "Text", nullable, unique)]
    pub share_token: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub access_count: i32,
    pub last_accessed_at: Option<DateTimeUtc>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::saved_panels::Entity",
        from = "Column::PanelId",
        to = "super::saved_panels::Column::Id",
        on_delete = "Cascade"
    )]
    SavedPanels,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::SharedById",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    SharedBy,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::SharedWithUserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    SharedWithUser,
    #[sea_orm(
        belongs_to = "super::teams::Entity",
        from = "Column::SharedWithTeamId",
        to = "super::teams::Column::Id",
        on_delete = "Cascade"
    )]
    Teams,
}

impl Related<super::saved_panels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SavedPanels.def()
    }
}

impl Related<super::teams::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Teams.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
