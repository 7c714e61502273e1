//! `panel_comments`: comments on a saved panel, optionally about one version and/or one gene.
//! Deletion is soft (`is_deleted`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub panel_id: i32,
    pub version_number: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub gene_symbol: Option<String>,
    /// `None` once the author's account is deleted.
    pub author_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub is_deleted: bool,
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
        from = "Column::AuthorId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Author,
}

impl Related<super::saved_panels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SavedPanels.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
