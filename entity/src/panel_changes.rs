//! `panel_changes`: the change log of saved panels — one row per recorded change, tied to the
//! version it produced. `old_value` and `new_value` hold encrypted values.

use sea_orm::entity::prelude::*;
use shared::ChangeType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub panel_id: i32,
    pub version_id: Option<i32>,
    pub change_type: ChangeType,
    /// What changed, e.g. `gene` or `metadata`.
    #[sea_orm(column_type = "Text", nullable)]
    pub target_type: Option<String>,
    /// Which one, e.g. the gene symbol.
    #[sea_orm(column_type = "Text", nullable)]
    pub target_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub old_value: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub new_value: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub change_reason: Option<String>,
    pub changed_by_id: Option<i32>,
    pub changed_at: DateTimeUtc,
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
    #[sea_orm(
        belongs_to = "super::panel_versions::Entity",
        from = "Column::VersionId",
        to = "super::panel_versions::Column::Id",
        on_delete = "Cascade"
    )]
    PanelVersions,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ChangedById",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    ChangedBy,
}

impl Related<super::saved_panels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SavedPanels.def()
    }
}

impl Related<super::panel_versions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelVersions.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ChangedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
