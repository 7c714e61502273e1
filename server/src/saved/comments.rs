//! Comments on a version or a gene (COMMENT access and above).

use chrono::{DateTime, Utc};
use entity::panel_comments;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use shared::AuditResourceKind;
use shared::SavedPanelChangeKind;
use shared::{AuditAction, GeneSymbol};

use super::MAX_COMMENT_LEN;
use super::SavedPanels;
use crate::auth::Principal;
use crate::auth::permissions::Action;
use crate::error::{AppError, AppResult};
use crate::paging::{Place, SortedBy};
use crate::services::audit::AuditRecord;

/// The comments on a panel (not deleted), unordered.
pub fn of_panel(panel_id: i32) -> sea_orm::Select<panel_comments::Entity> {
    panel_comments::Entity::find()
        .filter(panel_comments::Column::PanelId.eq(panel_id))
        .filter(panel_comments::Column::IsDeleted.eq(false))
}

/// The order comments are listed in: oldest first.
pub const OLDEST_FIRST: SortedBy<panel_comments::Column, panel_comments::Column> = SortedBy {
    column: panel_comments::Column::CreatedAt,
    descending: false,
    id: panel_comments::Column::Id,
};

/// A comment's place in its panel's list.
pub fn place(comment: &super::CommentView) -> Place<DateTime<Utc>> {
    Place {
        value: comment.created_at,
        id: comment.id,
    }
}

impl SavedPanels {
    pub async fn add_comment(
        &self,
        principal: &Principal,
        panel_id: i32,
        version: Option<i32>,
        gene: Option<String>,
        body: &str,
    ) -> AppResult<super::CommentView> {
        let (panel, _) = self
            .open(principal, panel_id, Action::CommentOnPanel)
            .await?;
        let author = principal.user_id().ok_or_else(AppError::unauthenticated)?;
        let body = body.trim();
        if body.is_empty() || body.chars().count() > MAX_COMMENT_LEN {
            return Err(AppError::invalid_field(
                "body",
                format!("must be 1 to {MAX_COMMENT_LEN} characters"),
            ));
        }
        if let Some(v) = version {
            self.version_row(panel.id, v).await?;
        }
        let gene = gene
            .map(|g| {
                GeneSymbol::parse(&g)
                    .map_err(|e| AppError::invalid_field("geneSymbol", e.to_string()))
            })
            .transpose()?;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let row = panel_comments::ActiveModel {
            panel_id: Set(panel.id),
            version_number: Set(version),
            gene_symbol: Set(gene.map(|g| g.into_string())),
            author_id: Set(Some(author)),
            body: Set(body.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            is_deleted: Set(false),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PanelUpdate,
                    format!("comment on saved panel {}", panel.id),
                )
                .resource(AuditResourceKind::SavedPanel, panel.id)
                .details(json!({ "comment": row.id, "version": version, "gene": row.gene_symbol })),
            )
            .await?;
        self.publish(
            panel.id,
            panel.current_version,
            SavedPanelChangeKind::Comment,
        )
        .await;
        Ok(row.into())
    }

    /// One comment (not deleted) by id.
    pub async fn comment_by_id(&self, id: i32) -> AppResult<panel_comments::Model> {
        panel_comments::Entity::find_by_id(id)
            .filter(panel_comments::Column::IsDeleted.eq(false))
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found("comment"))
    }
}
