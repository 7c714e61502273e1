//! `saved_panels`: a user's saved gene panel — metadata and counters. The genes live in
//! `panel_genes` (current state) and `panel_versions` (every version's snapshot).

use sea_orm::entity::prelude::*;
use shared::{PanelStatus, SavedPanelSourceType, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saved_panels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Unique per owner.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub owner_id: i32,
    pub status: PanelStatus,
    pub visibility: Visibility,
    pub current_version: i32,
    pub version_count: i32,
    pub gene_count: i32,
    /// What it was built from (null only in rows imported without one).
    pub source_type: Option<SavedPanelSourceType>,
    /// JSON describing where the panel came from.
    #[sea_orm(column_type = "Text", nullable)]
    pub source_reference: Option<String>,
    /// JSON array of tags.
    #[sea_orm(column_type = "Text", nullable)]
    pub tags: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_accessed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    Owner,
    #[sea_orm(has_many = "super::panel_versions::Entity")]
    PanelVersions,
    #[sea_orm(has_many = "super::panel_genes::Entity")]
    PanelGenes,
    #[sea_orm(has_many = "super::panel_shares::Entity")]
    PanelShares,
    #[sea_orm(has_many = "super::panel_changes::Entity")]
    PanelChanges,
    #[sea_orm(has_many = "super::panel_comments::Entity")]
    PanelComments,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl Related<super::panel_versions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelVersions.def()
    }
}

impl Related<super::panel_genes::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelGenes.def()
    }
}

impl Related<super::panel_shares::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelShares.def()
    }
}

impl Related<super::panel_changes::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelChanges.def()
    }
}

impl Related<super::panel_comments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelComments.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
