//! `uploads`: an uploaded gene list (CSV / TSV / Excel), parsed once. `content` is the JSON of
//! the parsed genes plus the parser's diagnostics. Owned by an account or, before login, by
//! an anonymous visitor id.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    /// A UUID, as text.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    pub owner_user_id: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub visitor_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub original_filename: String,
    #[sea_orm(column_type = "Text")]
    pub format: String,
    /// The Excel sheet the genes were read from.
    #[sea_orm(column_type = "Text", nullable)]
    pub sheet: Option<String>,
    /// The column the genes were read from.
    #[sea_orm(column_type = "Text", nullable)]
    pub column_name: Option<String>,
    pub row_count: i32,
    pub gene_count: i32,
    pub size_bytes: i64,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "Text")]
    pub content_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerUserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    Owner,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
