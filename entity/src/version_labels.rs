//! `version_labels`: a lab's labels on saved-panel versions ("validated", "in clinical use
//! since 2026-03-01"). While a `protected` label stands, its panel can not be deleted.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "version_labels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub panel_id: i32,
    pub version_number: i32,
    #[sea_orm(column_type = "Text")]
    pub label: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub protected: bool,
    pub created_by_id: Option<i32>,
    pub created_at: DateTimeUtc,
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
}

impl Related<super::saved_panels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SavedPanels.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
