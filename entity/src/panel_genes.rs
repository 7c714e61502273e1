//! `panel_genes`: the current genes of a saved panel (one row per gene symbol), with their
//! PanelApp evidence and the user's own notes and overrides.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_genes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub panel_id: i32,
    /// Unique per panel.
    #[sea_orm(column_type = "Text")]
    pub gene_symbol: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub gene_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub hgnc_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub confidence_level: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub mode_of_inheritance: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub phenotype: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub evidence_level: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub source_panel_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub source_list_type: Option<String>,
    pub added_by_id: Option<i32>,
    pub added_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub user_notes: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub custom_confidence: Option<String>,
    pub is_modified: bool,
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
        from = "Column::AddedById",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    AddedBy,
}

impl Related<super::saved_panels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SavedPanels.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AddedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
