//! `export_templates`: a user's saved export settings (issue 14.5), optionally shared with one
//! team whose members may apply it. `columns`, `ratings` and `entity_types` hold
//! comma-separated canonical names (`GENE_SYMBOL,HGNC_ID`); empty means "all".

use sea_orm::entity::prelude::*;
use shared::ExportFormat;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_templates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub owner_id: i32,
    pub team_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub format: ExportFormat,
    #[sea_orm(column_type = "Text")]
    pub columns: String,
    #[sea_orm(column_type = "Text")]
    pub ratings: String,
    pub include_unrated: bool,
    #[sea_orm(column_type = "Text")]
    pub entity_types: String,
    pub per_source_sheets: bool,
    pub chr_prefix: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
    #[sea_orm(
        belongs_to = "super::teams::Entity",
        from = "Column::TeamId",
        to = "super::teams::Column::Id",
        on_delete = "SetNull"
    )]
    Team,
}

impl Related<super::teams::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
