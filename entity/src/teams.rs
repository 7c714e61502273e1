//! `teams`: named groups of users; a panel shared with a team is shared with its members.
//!
//! `Related<user>` goes through `team_members` (the members); the creator is
//! `Relation::Creator`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "teams")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "Text", unique)]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub created_by_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CreatedById",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Creator,
    #[sea_orm(has_many = "super::team_members::Entity")]
    TeamMembers,
    #[sea_orm(has_many = "super::panel_shares::Entity")]
    PanelShares,
}

impl Related<super::team_members::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TeamMembers.def()
    }
}

impl Related<super::panel_shares::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelShares.def()
    }
}

/// The members of a team (through `team_members`).
impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        super::team_members::Relation::User.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::team_members::Relation::Teams.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
