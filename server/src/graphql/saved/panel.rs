//! The `SavedPanel` object: fields resolve with the access decided when it was loaded.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use shared::{PanelStatus, SharePermission, Visibility};

use super::types::{
    PanelChange, PanelComment, PanelDiff, PanelGene, PanelVersion, Person, SavedPanel, Share,
    UpstreamSource,
};
use crate::graphql::ContextExt;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::paging::{self, Page, PageArgs};
use crate::saved;

/// A lab's label on a saved-panel version.
#[derive(async_graphql::SimpleObject)]
pub struct VersionLabel {
    /// The global id (see `Node`), for `removeVersionLabel`.
    #[graphql(owned)]
    pub id: ID,
    /// The version it labels.
    pub version: i32,
    /// "validated", "in clinical use".
    pub label: String,
    /// "since 2026-03-01", who approved it, …
    pub note: Option<String>,
    /// Keeps the panel from being deleted while the label stands; only the owner removes it.
    pub protected: bool,
    /// The global id of the account that set it.
    pub created_by_id: Option<ID>,
    /// When it was set.
    pub created_at: DateTime<Utc>,
}

impl From<saved::LabelView> for VersionLabel {
    fn from(label: saved::LabelView) -> Self {
        Self {
            id: global_id(Kind::VersionLabel, label.id),
            version: label.version,
            label: label.label,
            note: label.note,
            protected: label.protected,
            created_by_id: label.created_by_id.map(|id| global_id(Kind::User, id)),
            created_at: label.created_at,
        }
    }
}

/// A lab's own gene panel: a named, versioned gene list with its provenance, shares and
/// comments. Fields reflect what the caller may do with it.
#[Object]
impl SavedPanel {
    /// The global id (see `Node`).
    pub async fn id(&self) -> ID {
        global_id(Kind::SavedPanel, self.panel.id)
    }
    /// The panel's number in this server's database.
    async fn database_id(&self) -> i32 {
        self.panel.id
    }
    /// The name, unique among its owner's panels (1 to 200 characters).
    async fn name(&self) -> &str {
        &self.panel.name
    }
    /// Free-text description; null when none.
    async fn description(&self) -> Option<&str> {
        self.panel.description.as_deref()
    }
    /// Tags, lower-case and sorted.
    async fn tags(&self) -> &[String] {
        &self.panel.tags
    }
    /// Life-cycle state (ACTIVE, DRAFT, ARCHIVED or DELETED).
    async fn status(&self) -> PanelStatus {
        self.panel.status
    }
    /// Who can see it without a share.
    async fn visibility(&self) -> Visibility {
        self.panel.visibility
    }
    /// The owner's global user id.
    #[graphql(deprecation = "use owner { id }")]
    async fn owner_id(&self) -> ID {
        global_id(Kind::User, self.panel.owner_id)
    }
    /// The owner.
    async fn owner(&self) -> Person {
        match &self.panel.owner {
            Some(name) => Person::new(self.panel.owner_id, name),
            None => Person::lazy(self.panel.owner_id),
        }
    }
    /// The number of the current version (pass it as `basedOnVersion` when editing).
    async fn current_version(&self) -> i32 {
        self.panel.current_version
    }
    /// How many versions it has.
    async fn version_count(&self) -> i32 {
        self.panel.version_count
    }
    /// Entities in the current version.
    async fn gene_count(&self) -> i32 {
        self.panel.gene_count
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.panel.created_at
    }
    /// When it last changed (a new version, metadata, status).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.panel.updated_at
    }
    /// What it was built from.
    async fn source_type(&self) -> Option<shared::SavedPanelSourceType> {
        self.panel.source_type
    }
    /// The sources it was built from: PanelApp panels with their exact versions and filters,
    /// and uploads (empty for panels of genes entered by hand).
    async fn sources(&self) -> Vec<crate::graphql::genelists::types::MergeSourceOut> {
        self.panel.sources().iter().map(Into::into).collect()
    }
    /// The stored source reference as it was written, for panels imported from the Flask
    /// version whose references are not merge sources.
    #[graphql(deprecation = "use sources; this is the raw stored form")]
    async fn sources_json(&self) -> Option<Json<serde_json::Value>> {
        self.panel.stored_sources().map(Json)
    }
    /// What the caller may do: VIEW, COMMENT, EDIT or ADMIN.
    async fn my_permission(&self) -> Option<SharePermission> {
        self.panel.access.level
    }
    /// Whether the caller owns it.
    async fn is_owner(&self) -> bool {
        self.panel.access.is_owner
    }
    /// Whether the caller may edit it (EDIT access or more).
    async fn can_edit(&self) -> bool {
        self.panel
            .access
            .level
            .is_some_and(SharePermission::can_edit)
    }
    /// Whether the caller may comment (COMMENT access or more).
    async fn can_comment(&self) -> bool {
        self.panel
            .access
            .level
            .is_some_and(SharePermission::can_comment)
    }
    /// Whether the caller may share it and see its shares (the owner, a site admin, or an ADMIN
    /// share with re-sharing).
    async fn can_share(&self) -> bool {
        self.panel.access.can_share
    }

    /// Each PanelApp panel it was built from, checked against PanelApp now: whether a newer
    /// version exists and what it changes under the evidence levels chosen. Empty for panels
    /// not built from PanelApp, or when this server has no PanelApp access.
    async fn upstream(&self, ctx: &Context<'_>) -> Vec<UpstreamSource> {
        ctx.state()
            .saved
            .upstream(&self.panel)
            .await
            .iter()
            .map(UpstreamSource::from)
            .collect()
    }

    /// The lab's labels on its versions ("validated", "in clinical use since …"), newest
    /// version first. While a protected label stands, the panel can not be deleted.
    async fn labels(&self, ctx: &Context<'_>) -> Result<Vec<VersionLabel>> {
        Ok(ctx
            .state()
            .saved
            .labels(self.panel.id)
            .await?
            .into_iter()
            .map(VersionLabel::from)
            .collect())
    }

    /// The versions, newest first (100 per page unless `first`/`last` say otherwise, at
    /// most 500).
    #[graphql(complexity = "paging::hundreds(first, last) * child_complexity")]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Versions from the start of the list (newest first), 1 to 500.")]
        first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Versions from the end of the list (oldest), 1 to 500.")] last: Option<
            i32,
        >,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<PanelVersion>> {
        let page = PageArgs::new(first, after, last, before).keyset(
            "versions",
            paging::DEFAULT_ROWS,
            paging::MAX_ROWS,
        )?;
        let read = ctx.state().saved.version_page(self.panel.id, &page).await?;
        Ok(page.connection(
            read.rows
                .into_iter()
                .map(|v| (v.number, PanelVersion::from(v))),
            read.more,
            read.total,
        ))
    }

    /// One version.
    async fn version(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The version number; NOT_FOUND (`field: version`) when there is no such version."
        )]
        number: i32,
    ) -> Result<PanelVersion> {
        Ok(ctx
            .state()
            .saved
            .version(self.panel.id, number)
            .await?
            .into())
    }

    /// The genes of a version (default: the current one), by symbol; all of them unless
    /// `first`/`last` ask for a page.
    async fn genes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The version number; absent: the current version. NOT_FOUND when there is no such version."
        )]
        version: Option<i32>,
        #[graphql(desc = "Genes from the start (by symbol), 1 to 50000.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Genes from the end, 1 to 50000.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<PanelGene>> {
        let number = version.unwrap_or(self.panel.current_version);
        let genes =
            super::types::version_genes(ctx, self.panel.id, &self.panel.name, number).await?;
        let window = PageArgs::new(first, after, last, before).window(
            "genes",
            genes.len(),
            paging::MAX_IN_MEMORY,
            paging::MAX_IN_MEMORY,
        )?;
        Ok(window.connection(window.slice(&genes).iter().cloned()))
    }

    /// Genes of a version (default: the current one) whose symbol is `UNVERIFIED`: unknown
    /// to HGNC or not in the gene directory when they were added. A panel with any says so
    /// at the top.
    async fn unverified_genes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The version number; absent: the current version. NOT_FOUND when there is no such version."
        )]
        version: Option<i32>,
    ) -> Result<Vec<PanelGene>> {
        let number = version.unwrap_or(self.panel.current_version);
        let genes =
            super::types::version_genes(ctx, self.panel.id, &self.panel.name, number).await?;
        Ok(genes
            .into_iter()
            .filter(|g| g.verification.status == shared::VerificationStatus::Unverified)
            .collect())
    }

    /// What changed between two versions (either order).
    async fn diff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "One version number; NOT_FOUND when there is no such version.")] from: i32,
        #[graphql(
            desc = "The other version number; `added` and `removed` are relative to going from `from` to `to`."
        )]
        to: i32,
    ) -> Result<PanelDiff> {
        Ok(ctx
            .state()
            .saved
            .version_diff(self.panel.id, from, to)
            .await?
            .into())
    }

    /// Recorded changes, newest first; optionally of one version (100 per page unless
    /// `first`/`last` say otherwise, at most 500).
    #[graphql(complexity = "paging::hundreds(first, last) * child_complexity")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only the changes that produced this version; NOT_FOUND when there is no such version. Absent: every change, status changes included."
        )]
        version: Option<i32>,
        #[graphql(desc = "Changes from the start (newest first), 1 to 500.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Changes from the end (oldest), 1 to 500.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<PanelChange>> {
        let page = PageArgs::new(first, after, last, before).keyset(
            "changes",
            paging::DEFAULT_ROWS,
            paging::MAX_ROWS,
        )?;
        let read = ctx
            .state()
            .saved
            .change_page(self.panel.id, version, &page)
            .await?;
        Ok(page.connection(
            read.rows
                .into_iter()
                .map(|change| (change.id, PanelChange::from(change))),
            read.more,
            read.total,
        ))
    }

    /// Shares of this panel, newest first, for those who may share it (empty for others;
    /// 100 per page unless `first`/`last` say otherwise, at most 500).
    #[graphql(complexity = "paging::hundreds(first, last) * child_complexity")]
    async fn shares(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Shares from the start (newest first), 1 to 500.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Shares from the end (oldest), 1 to 500.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<Share>> {
        let page = PageArgs::new(first, after, last, before).keyset(
            "shares",
            paging::DEFAULT_ROWS,
            paging::MAX_ROWS,
        )?;
        let state = ctx.state();
        let read = state
            .saved
            .share_page(self.panel.id, &self.panel.access, &page)
            .await?;
        let shares = read.rows.into_iter().map(|s| (s.id, Share::from(s)));
        Ok(page.connection(shares, read.more, read.total))
    }

    /// Comments on this panel, oldest first (100 per page unless `first`/`last` say
    /// otherwise, at most 500).
    #[graphql(complexity = "paging::hundreds(first, last) * child_complexity")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Comments from the start (oldest first), 1 to 500.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Comments from the end (newest), 1 to 500.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<PanelComment>> {
        let (span, places) = PageArgs::new(first, after, last, before).placed(
            "comments",
            paging::DEFAULT_ROWS,
            paging::MAX_ROWS,
        )?;
        let read = ctx
            .state()
            .saved
            .comment_page(self.panel.id, places)
            .await?;
        Ok(span.connection(
            read.rows.into_iter().map(|comment| {
                (
                    crate::saved::comments::place(&comment).to_key(),
                    PanelComment::from(comment),
                )
            }),
            read.more,
            read.total,
        ))
    }
}
