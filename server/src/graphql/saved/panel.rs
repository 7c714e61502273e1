//! The `SavedPanel` object: fields resolve with the access decided when it was loaded.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::panel_changes;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use shared::{PanelStatus, SharePermission, Visibility};

use super::types::{
    PanelChange, PanelComment, PanelDiff, PanelGene, PanelVersion, SavedPanel, Share,
    UpstreamSource, sources_json,
};
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::saved::{self, comments, shares};

/// A lab's label on a saved-panel version.
#[derive(async_graphql::SimpleObject)]
pub struct VersionLabel {
    pub id: ID,
    pub version: i32,
    /// "validated", "in clinical use".
    pub label: String,
    /// "since 2026-03-01", who approved it, …
    pub note: Option<String>,
    /// Keeps the panel from being deleted while the label stands; only the owner removes it.
    pub protected: bool,
    pub created_by_id: Option<ID>,
    pub created_at: DateTime<Utc>,
}

impl From<entity::version_labels::Model> for VersionLabel {
    fn from(row: entity::version_labels::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            version: row.version_number,
            label: row.label,
            note: row.note,
            protected: row.protected,
            created_by_id: row.created_by_id.map(|id| ID(id.to_string())),
            created_at: row.created_at,
        }
    }
}

#[Object]
impl SavedPanel {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.row.name
    }
    async fn description(&self) -> Option<&str> {
        self.row.description.as_deref()
    }
    async fn tags(&self) -> Vec<String> {
        saved::tags(&self.row)
    }
    async fn status(&self) -> PanelStatus {
        self.row.status
    }
    async fn visibility(&self) -> Visibility {
        self.row.visibility
    }
    async fn owner_id(&self) -> ID {
        ID(self.row.owner_id.to_string())
    }
    /// The owner's username.
    async fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }
    async fn current_version(&self) -> i32 {
        self.row.current_version
    }
    async fn version_count(&self) -> i32 {
        self.row.version_count
    }
    async fn gene_count(&self) -> i32 {
        self.row.gene_count
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row.updated_at
    }
    /// What it was built from.
    async fn source_type(&self) -> Option<shared::SavedPanelSourceType> {
        self.row
            .source_type
            .as_deref()
            .map(shared::SavedPanelSourceType::from_stored)
    }
    /// The sources it was built from: PanelApp panels with their exact versions and filters,
    /// and uploads (empty for panels of genes entered by hand).
    async fn sources(&self) -> Vec<crate::graphql::genelists::types::MergeSourceOut> {
        self.row
            .source_reference
            .as_deref()
            .and_then(|s| serde_json::from_str::<Vec<shared::merge::SourceSummary>>(s).ok())
            .unwrap_or_default()
            .iter()
            .map(Into::into)
            .collect()
    }
    /// The stored source reference as it was written, for panels imported from the Flask
    /// version whose references are not merge sources.
    #[graphql(deprecation = "use sources; this is the raw stored form")]
    async fn sources_json(&self) -> Option<Json<serde_json::Value>> {
        sources_json(&self.row)
    }
    /// What the caller may do: VIEW, COMMENT, EDIT or ADMIN.
    async fn my_permission(&self) -> Option<SharePermission> {
        self.access.level
    }
    async fn is_owner(&self) -> bool {
        self.access.is_owner
    }
    async fn can_edit(&self) -> bool {
        self.access.level.is_some_and(SharePermission::can_edit)
    }
    async fn can_comment(&self) -> bool {
        self.access.level.is_some_and(SharePermission::can_comment)
    }
    async fn can_share(&self) -> bool {
        self.access.can_share
    }

    /// Each PanelApp panel it was built from, checked against PanelApp now: whether a newer
    /// version exists and what it changes under the evidence levels chosen. Empty for panels
    /// not built from PanelApp, or when this server has no PanelApp access.
    async fn upstream(&self, ctx: &Context<'_>) -> Vec<UpstreamSource> {
        let Some(loader) =
            ctx.data_opt::<std::sync::Arc<dyn crate::services::merge::PanelLoader>>()
        else {
            return Vec::new();
        };
        saved::upstream::check(loader.as_ref(), &self.row)
            .await
            .iter()
            .map(UpstreamSource::from)
            .collect()
    }

    /// The lab's labels on its versions ("validated", "in clinical use since …"), newest
    /// version first. While a protected label stands, the panel can not be deleted.
    async fn labels(&self, ctx: &Context<'_>) -> Result<Vec<VersionLabel>> {
        Ok(saved::labels::list(&ctx.state().db, self.row.id)
            .await?
            .into_iter()
            .map(VersionLabel::from)
            .collect())
    }

    /// Every version, newest first.
    async fn versions(&self, ctx: &Context<'_>) -> Result<Vec<PanelVersion>> {
        Ok(saved::versions(ctx.state(), self.row.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// One version.
    async fn version(&self, ctx: &Context<'_>, number: i32) -> Result<PanelVersion> {
        Ok(saved::version_row(ctx.state(), self.row.id, number)
            .await?
            .into())
    }

    /// The genes of a version (default: the current one).
    async fn genes(&self, ctx: &Context<'_>, version: Option<i32>) -> Result<Vec<PanelGene>> {
        let number = version.unwrap_or(self.row.current_version);
        Ok(super::types::version_genes(ctx, self.row.id, &self.row.name, number).await?)
    }

    /// Genes of a version (default: the current one) whose symbol is `UNVERIFIED`: unknown
    /// to HGNC or not in the gene directory when they were added. A panel with any says so
    /// at the top.
    async fn unverified_genes(
        &self,
        ctx: &Context<'_>,
        version: Option<i32>,
    ) -> Result<Vec<PanelGene>> {
        let number = version.unwrap_or(self.row.current_version);
        let genes = super::types::version_genes(ctx, self.row.id, &self.row.name, number).await?;
        Ok(genes
            .into_iter()
            .filter(|g| g.verification.status == shared::VerificationStatus::Unverified)
            .collect())
    }

    /// What changed between two versions (either order).
    async fn diff(&self, ctx: &Context<'_>, from: i32, to: i32) -> Result<PanelDiff> {
        Ok(saved::version_diff(ctx.state(), self.row.id, from, to)
            .await?
            .into())
    }

    /// Recorded changes, newest first; optionally of one version.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        version: Option<i32>,
        first: Option<i32>,
    ) -> Result<Vec<PanelChange>> {
        let state = ctx.state();
        let versions = saved::versions(state, self.row.id).await?;
        let number_of = |id: Option<i32>| {
            id.and_then(|id| {
                versions
                    .iter()
                    .find(|v| v.id == id)
                    .map(|v| v.version_number)
            })
        };
        let mut query = panel_changes::Entity::find()
            .filter(panel_changes::Column::PanelId.eq(self.row.id))
            .order_by_desc(panel_changes::Column::Id);
        if let Some(n) = version {
            let v = versions
                .iter()
                .find(|v| v.version_number == n)
                .ok_or_else(|| AppError::not_found(format!("version {n}")))?;
            query = query.filter(panel_changes::Column::VersionId.eq(v.id));
        }
        let limit = crate::graphql::paging::page_size(first, 500, 5000)?;
        let rows = sea_orm::QuerySelect::limit(query, limit as u64)
            .all(&state.db)
            .await
            .map_err(AppError::from)?;
        rows.into_iter()
            .map(|row| {
                let number = number_of(row.version_id);
                PanelChange::open(state, row, number).map_err(Into::into)
            })
            .collect()
    }

    /// Shares of this panel (for those who may share it).
    async fn shares(&self, ctx: &Context<'_>) -> Result<Vec<Share>> {
        if !self.access.can_share {
            return Ok(Vec::new());
        }
        let state = ctx.state();
        Ok(Share::named(state, shares::list(state, self.row.id).await?).await?)
    }

    async fn comments(&self, ctx: &Context<'_>) -> Result<Vec<PanelComment>> {
        Ok(comments::list(ctx.state(), self.row.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
