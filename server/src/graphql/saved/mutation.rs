use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use shared::{PanelStatus, SharePermission, Visibility};

use super::query::owner_name;
use super::types::{GeneInput, PanelComment, PanelEditInput, SavedPanel, Share};
use super::viewer;
use crate::auth::permissions::Action;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::accounts::int_id;
use crate::saved::shares::{self, ShareRequest};
use crate::saved::versions::{self, NewPanel};
use crate::saved::{self, Edit, PanelMeta, comments};

#[derive(InputObject)]
pub struct CreateSavedPanelInput {
    pub name: String,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    /// Default PRIVATE.
    pub visibility: Option<Visibility>,
    /// ACTIVE (default) or DRAFT.
    pub status: Option<PanelStatus>,
    /// Genes given directly.
    pub genes: Option<Vec<GeneInput>>,
    /// Build it from a merge of PanelApp panels (exact versions recorded) and uploads.
    pub merge: Option<crate::graphql::genelists::MergeInput>,
    /// Build it from one of your uploaded lists.
    pub upload_id: Option<ID>,
}

#[derive(InputObject)]
pub struct SharePanelInput {
    pub panel_id: ID,
    pub user_id: Option<ID>,
    /// Share with the person of this exact username (instead of `userId`; see
    /// `shareableUsers` to find it).
    pub username: Option<String>,
    pub team_id: Option<ID>,
    /// Share with whoever holds a link.
    #[graphql(default)]
    pub link: bool,
    /// For links VIEW or COMMENT only. Sharing again with the same user or team changes
    /// their share to this permission.
    pub permission: SharePermission,
    /// When the share ends. Leave it out to keep an existing share's expiry (a new share
    /// then never expires); `null` removes an expiry.
    pub expires_at: MaybeUndefined<DateTime<Utc>>,
    /// Whether the recipient may share further (needs ADMIN). Leave it out to keep an
    /// existing share's setting (a new share: false).
    pub can_reshare: Option<bool>,
}

/// A link share with its new link, shown only here.
#[derive(SimpleObject)]
pub struct ReissuedLink {
    pub share: Share,
    pub link_token: String,
    /// The web address the new link opens.
    pub link_path: String,
}

/// A share; the link token (for link shares) is shown only here.
#[derive(SimpleObject)]
pub struct SharePayload {
    pub share: Share,
    /// Whether this changed the recipient's existing share instead of making a new one.
    pub updated: bool,
    pub link_token: Option<String>,
    /// The web address the link opens.
    pub link_path: Option<String>,
}

pub(super) async fn wrap(
    ctx: &Context<'_>,
    row: entity::saved_panels::Model,
) -> Result<SavedPanel, AppError> {
    let state = ctx.state();
    let access = saved::access::resolve(state, &row, &viewer(ctx)).await?;
    let owner = owner_name(state, row.owner_id).await?;
    Ok(SavedPanel { row, access, owner })
}

#[derive(Default)]
pub struct SavedPanelMutation;

#[Object]
impl SavedPanelMutation {
    /// Creates a saved panel; version 1 holds its complete gene list.
    async fn create_saved_panel(
        &self,
        ctx: &Context<'_>,
        input: CreateSavedPanelInput,
    ) -> Result<SavedPanel> {
        ctx.require(Action::CreateSavedPanel)?;
        if input.visibility == Some(Visibility::Public) {
            ctx.require(Action::PublishPanel)?;
        }
        let user = ctx.require_user()?;
        let state = ctx.state();
        let given = usize::from(input.genes.is_some())
            + usize::from(input.merge.is_some())
            + usize::from(input.upload_id.is_some());
        if given > 1 {
            return Err(
                AppError::validation("give at most one of genes, merge and uploadId").into(),
            );
        }
        let request = match (input.merge, input.upload_id) {
            (Some(merge), _) => Some(merge.parse()?),
            (_, Some(upload)) => Some(crate::services::merge::MergeRequest {
                panels: Vec::new(),
                uploads: vec![upload.to_string()],
            }),
            _ => None,
        };
        let (genes, source_type, sources, version_sources) = match request {
            Some(request) => {
                let loader = ctx
                    .data_opt::<std::sync::Arc<dyn crate::services::merge::PanelLoader>>()
                    .map(|l| l.as_ref());
                let merged =
                    crate::services::merge::run(state, &ctx.caller(), &request, loader).await?;
                let kind = if request.panels.is_empty() {
                    "upload"
                } else {
                    "merge"
                };
                let sources = serde_json::to_value(&merged.result.sources).unwrap_or_default();
                let recorded = merged
                    .result
                    .sources
                    .iter()
                    .map(|summary| {
                        let p = merged.provenance.sources.get(summary.index);
                        shared::saved_merge::SavedSource {
                            summary: summary.clone(),
                            origin: p.and_then(|p| p.origin.clone()),
                            data_date: p.and_then(|p| p.data_date.clone()),
                        }
                    })
                    .collect();
                (
                    shared::saved_merge::from_merge(&merged.result),
                    kind,
                    sources,
                    recorded,
                )
            }
            None => {
                let genes = input
                    .genes
                    .unwrap_or_default()
                    .into_iter()
                    .map(|g| g.into_added_gene("genes", &user.username))
                    .collect::<Result<Vec<_>, _>>()?;
                let genes = verified(ctx, genes);
                let kind = if genes.is_empty() { "empty" } else { "genes" };
                (genes, kind, serde_json::json!([]), Vec::new())
            }
        };
        let meta = PanelMeta {
            name: input.name,
            description: input.description,
            tags: input.tags.unwrap_or_default(),
            visibility: input.visibility.unwrap_or(Visibility::Private),
            status: input.status.unwrap_or(PanelStatus::Active),
        };
        let new = NewPanel {
            meta,
            genes,
            source_type,
            sources,
            version_sources,
        };
        let row = versions::create(state, &ctx.actor(), user.id, new).await?;
        Ok(wrap(ctx, row).await?)
    }

    /// Applies gene and metadata changes with a comment as exactly one new version.
    async fn update_saved_panel(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: PanelEditInput,
    ) -> Result<SavedPanel> {
        ctx.require(Action::EditSavedPanel)?;
        let user = ctx.require_user()?;
        let add = input
            .add_genes
            .unwrap_or_default()
            .into_iter()
            .map(|g| g.into_added_gene("addGenes", &user.username))
            .collect::<Result<Vec<_>, _>>()?;
        let add = verified(ctx, add);
        let metadata = input.metadata.unwrap_or_default();
        let edit = Edit {
            based_on: input.based_on_version,
            comment: input.comment,
            add,
            remove: input.remove_genes.unwrap_or_default(),
            update: input
                .update_genes
                .unwrap_or_default()
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, AppError>>()?,
            name: metadata.name,
            description: match metadata.description {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
            },
            tags: metadata.tags,
            visibility: metadata.visibility,
        };
        let row = saved::edit(
            ctx.state(),
            &ctx.actor(),
            &viewer(ctx),
            int_id(&id, "saved panel")?,
            edit,
        )
        .await?;
        Ok(wrap(ctx, row).await?)
    }

    /// Takes every pending PanelApp update of the panel (see `SavedPanel.upstream`) as one new
    /// version whose gene changes are SOURCE_UPDATED; the lab's own ratings, notes and removals
    /// stay. `basedOnVersion` must be the current version.
    async fn apply_upstream_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        based_on_version: i32,
        comment: Option<String>,
    ) -> Result<SavedPanel> {
        ctx.require(Action::EditSavedPanel)?;
        let loader = ctx
            .data_opt::<std::sync::Arc<dyn crate::services::merge::PanelLoader>>()
            .ok_or_else(|| AppError::upstream("PanelApp", "this server has no PanelApp access"))?;
        let row = saved::upstream::apply(
            ctx.state(),
            &ctx.actor(),
            &viewer(ctx),
            loader.as_ref(),
            int_id(&id, "saved panel")?,
            based_on_version,
            comment,
        )
        .await?;
        Ok(wrap(ctx, row).await?)
    }

    /// Makes a new version equal to an older one.
    ///
    /// `basedOnVersion`, when given, must be the current version (as for
    /// `updateSavedPanel`): if someone saved meanwhile the answer is CONFLICT with
    /// `currentVersion`, and nothing changes.
    async fn restore_version(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        based_on_version: Option<i32>,
    ) -> Result<SavedPanel> {
        ctx.require(Action::EditSavedPanel)?;
        let row = saved::restore(
            ctx.state(),
            &ctx.actor(),
            &viewer(ctx),
            int_id(&id, "saved panel")?,
            version,
            based_on_version,
        )
        .await?;
        Ok(wrap(ctx, row).await?)
    }

    /// ACTIVE, DRAFT, ARCHIVED, or DELETED (soft; set ACTIVE again to undelete).
    async fn set_saved_panel_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: PanelStatus,
    ) -> Result<SavedPanel> {
        // Undeleting (ACTIVE on a deleted panel) and moderation are decided by the service.
        ctx.require(if status == PanelStatus::Deleted {
            Action::DeleteSavedPanel
        } else {
            Action::EditSavedPanel
        })?;
        let row = saved::set_status(
            ctx.state(),
            &ctx.actor(),
            &viewer(ctx),
            int_id(&id, "saved panel")?,
            status,
        )
        .await?;
        Ok(wrap(ctx, row).await?)
    }

    /// Shares a panel with a user, a team or a link.
    async fn share_panel(&self, ctx: &Context<'_>, input: SharePanelInput) -> Result<SharePayload> {
        ctx.require(Action::SharePanel)?;
        let state = ctx.state();
        let user_id = match (input.user_id, input.username) {
            (Some(_), Some(_)) => {
                return Err(AppError::validation("give userId or username, not both").into());
            }
            (Some(id), None) => Some(int_id(&id, "user")?),
            (None, Some(name)) => Some(shares::user_id_by_username(state, &name).await?),
            (None, None) => None,
        };
        let request = ShareRequest {
            panel_id: int_id(&input.panel_id, "saved panel")?,
            user_id,
            team_id: input.team_id.map(|id| int_id(&id, "team")).transpose()?,
            link: input.link,
            permission: input.permission,
            expires_at: match input.expires_at {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(t) => Some(Some(t)),
            },
            can_reshare: input.can_reshare,
        };
        let shared = shares::share(state, &ctx.actor(), &viewer(ctx), request).await?;
        let link_path = shared.link_token.as_ref().map(|t| format!("/shared/{t}"));
        let share = Share::named(state, vec![shared.share])
            .await?
            .pop()
            .ok_or_else(|| AppError::internal("a new share went missing"))?;
        Ok(SharePayload {
            share,
            updated: shared.updated,
            link_token: shared.link_token,
            link_path,
        })
    }

    /// A download link for any version in every export format; re-exporting a version gives
    /// the same bytes apart from the generated-at line. Every gene carries its sources
    /// (PanelApp panel and version, rating, inheritance, upload and row, or who added it) and
    /// conflicts, as the merge's export did; `perSourceSheets` adds one sheet per source
    /// (XLSX, default false) or Flask's "original panels" sheets with the genes the version
    /// kept from each panel (XLSX_FLASK, default true).
    #[allow(clippy::too_many_arguments)]
    async fn export_saved_panel(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
        format: shared::ExportFormat,
        filename: Option<String>,
        chr_prefix: Option<bool>,
        #[graphql(secret)] link_token: Option<String>,
        per_source_sheets: Option<bool>,
    ) -> Result<crate::graphql::genelists::DownloadOut> {
        ctx.require(Action::ViewSavedPanel)?;
        let state = ctx.state();
        let mut who = viewer(ctx);
        who.link_token = link_token;
        let (row, _) = saved::open(
            state,
            &who,
            int_id(&id, "saved panel")?,
            SharePermission::View,
        )
        .await?;
        let number = version.unwrap_or(row.current_version);
        let options = saved::export::ExportOptions {
            format,
            filename,
            per_source_sheets: per_source_sheets
                .unwrap_or(format == shared::ExportFormat::XlsxFlask),
            chr_prefix: chr_prefix.unwrap_or(true),
        };
        let export = saved::export::request(state, &row, number, options).await?;
        let download =
            crate::services::downloads::prepare_download(state, &ctx.caller(), export).await?;
        Ok(download.into())
    }

    /// Labels a version ("validated", "in clinical use" with a note such as "since
    /// 2026-03-01"); `protected` keeps the panel from being deleted while the label stands.
    /// EDIT access; CONFLICT when the version already has that label.
    async fn label_version(
        &self,
        ctx: &Context<'_>,
        panel_id: ID,
        version: i32,
        label: String,
        note: Option<String>,
        protected: Option<bool>,
    ) -> Result<super::panel::VersionLabel> {
        ctx.require(Action::EditSavedPanel)?;
        let row = saved::labels::add(
            ctx.state(),
            &ctx.actor(),
            &viewer(ctx),
            int_id(&panel_id, "saved panel")?,
            saved::labels::NewLabel {
                version,
                label,
                note,
                protected: protected.unwrap_or(false),
            },
        )
        .await?;
        Ok(row.into())
    }

    /// Removes a version label (EDIT access; a protected label only by the panel's owner).
    async fn remove_version_label(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        ctx.require(Action::EditSavedPanel)?;
        saved::labels::remove(
            ctx.state(),
            &ctx.actor(),
            &viewer(ctx),
            int_id(&id, "version label")?,
        )
        .await?;
        Ok(true)
    }

    /// One download of several saved panels (issue 14.5, the library's bulk export): a zip
    /// archive with one file per panel (its current version) in `format`. At most
    /// 100 panels; each must be readable by the caller (NOT_FOUND / FORBIDDEN name the first
    /// that is not). Repeated ids count once.
    async fn export_saved_panels(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        format: shared::ExportFormat,
        filename: Option<String>,
    ) -> Result<crate::graphql::genelists::DownloadOut> {
        const MOST: usize = 100;
        ctx.require(Action::ViewSavedPanel)?;
        let state = ctx.state();
        let mut unique: Vec<i32> = Vec::new();
        for id in &ids {
            let id = int_id(id, "saved panel")?;
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        if unique.is_empty() {
            return Err(AppError::invalid_field("ids", "choose at least one saved panel").into());
        }
        if unique.len() > MOST {
            return Err(AppError::invalid_field(
                "ids",
                format!(
                    "at most {MOST} panels in one export ({} chosen)",
                    unique.len()
                ),
            )
            .into());
        }
        let who = viewer(ctx);
        let mut requests = Vec::with_capacity(unique.len());
        for id in unique {
            let (row, _) = saved::open(state, &who, id, SharePermission::View).await?;
            let options = saved::export::ExportOptions {
                format,
                filename: None,
                per_source_sheets: format == shared::ExportFormat::XlsxFlask,
                chr_prefix: true,
            };
            requests.push(saved::export::request(state, &row, row.current_version, options).await?);
        }
        let stem = filename
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .unwrap_or("saved panels");
        let name =
            crate::genelists::export::sanitize_filename(Some(stem), format, chrono::Utc::now());
        let name = match name.rsplit_once('.') {
            Some((stem, _)) => format!("{stem}.zip"),
            None => format!("{name}.zip"),
        };
        let download =
            crate::services::downloads::prepare_bundle(state, &ctx.caller(), requests, &name)
                .await?;
        Ok(download.into())
    }

    /// Ends a share at once; links stop working.
    async fn revoke_share(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        ctx.require(Action::SharePanel)?;
        shares::revoke(
            ctx.state(),
            &ctx.actor(),
            &viewer(ctx),
            int_id(&id, "share")?,
        )
        .await?;
        Ok(true)
    }

    /// Gives a link share a new link (shown only in this answer) and ends the old one. The
    /// server keeps only a digest of each link, so a lost link can not be shown again; this is
    /// how its owner gets a working one. Permission, expiry and the open count stay.
    async fn reissue_share_link(&self, ctx: &Context<'_>, id: ID) -> Result<ReissuedLink> {
        ctx.require(Action::SharePanel)?;
        let state = ctx.state();
        let (row, token) =
            shares::reissue_link(state, &ctx.actor(), &viewer(ctx), int_id(&id, "share")?).await?;
        let share = Share::named(state, vec![row])
            .await?
            .pop()
            .ok_or_else(|| AppError::internal("a re-issued share went missing"))?;
        Ok(ReissuedLink {
            share,
            link_path: format!("/shared/{token}"),
            link_token: token,
        })
    }

    /// Comments on the panel, a version or a gene (COMMENT access and above).
    async fn comment_on_panel(
        &self,
        ctx: &Context<'_>,
        panel_id: ID,
        version: Option<i32>,
        gene_symbol: Option<String>,
        body: String,
    ) -> Result<PanelComment> {
        ctx.require(Action::CommentOnPanel)?;
        let id = int_id(&panel_id, "saved panel")?;
        let row = comments::add(
            ctx.state(),
            &ctx.actor(),
            &viewer(ctx),
            id,
            version,
            gene_symbol,
            &body,
        )
        .await?;
        Ok(row.into())
    }
}

/// Genes added by hand, checked against the gene directory (aliases mapped, unknown symbols
/// marked UNVERIFIED).
fn verified(
    ctx: &Context<'_>,
    mut genes: Vec<shared::saved::SavedGene>,
) -> Vec<shared::saved::SavedGene> {
    let resolver = ctx.data_opt::<std::sync::Arc<dyn crate::genelists::upload::SymbolResolver>>();
    for gene in &mut genes {
        crate::genelists::verify::verify_added(gene, resolver.map(|r| r.as_ref()));
    }
    genes
}
