//! `panel_download`: the download log — who downloaded which panels, lists and format.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_download")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `None` for anonymous downloads and once the account is deleted.
    pub user_id: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub ip_address: Option<String>,
    pub download_date: DateTimeUtc,
    /// The downloaded panel references, as the Flask version wrote them.
    #[sea_orm(column_type = "Text")]
    pub panel_ids: String,
    /// The gene lists included (green, amber, ...), as the Flask version wrote them.
    #[sea_orm(column_type = "Text")]
    pub list_types: String,
    pub gene_count: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub format: Option<String>,
    pub created_at: DateTimeUtc,
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
