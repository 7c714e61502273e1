//! `panel_versions`: one row per version of a saved panel, with the full gene list of that
//! version in `snapshot` (compressed canonical JSON, `snapshot_hash` = its SHA-256 in hex).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub panel_id: i32,
    /// 1, 2, 3, ... per panel.
    pub version_number: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    pub created_by_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub gene_count: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub changes_summary: Option<String>,
    /// Protected versions are never removed by retention.
    pub is_protected: bool,
    pub retention_priority: i32,
    #[sea_orm(column_type = "Blob", nullable)]
    pub snapshot: Option<Vec<u8>>,
    #[sea_orm(column_type = "Text", nullable)]
    pub snapshot_hash: Option<String>,
    /// Encoding version of `snapshot`.
    pub snapshot_format: i32,
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
        from = "Column::CreatedById",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
    #[sea_orm(has_many = "super::panel_changes::Entity")]
    PanelChanges,
}

impl Related<super::saved_panels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SavedPanels.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedBy.def()
    }
}

impl Related<super::panel_changes::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelChanges.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
