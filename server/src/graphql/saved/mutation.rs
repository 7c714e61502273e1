use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use shared::{PanelStatus, SharePermission, Visibility};

use super::types::{GeneInput, PanelComment, PanelEditInput, SavedPanel, Share};
use crate::auth::permissions::Action;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::node::{Kind, int_id};
use crate::saved::shares::ShareRequest;
use crate::saved::versions;
use crate::saved::{self, Edit, PanelMeta};

/// A new saved panel: its metadata and at most one of `genes`, `merge` and `uploadId` (VALIDATION
/// when more are given; none: an empty panel).
#[derive(InputObject)]
pub struct CreateSavedPanelInput {
    /// 1 to 200 characters; CONFLICT when you already have a panel of that name.
    pub name: String,
    /// At most 5000 characters.
    pub description: Option<String>,
    /// At most 20 tags of at most 50 characters (stored lower-case, each once).
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

/// A share to make or change: exactly one of `userId`/`username`, `teamId` and `link` (VALIDATION
/// otherwise).
#[derive(InputObject)]
pub struct SharePanelInput {
    /// The saved panel's id; you need to own it or hold an ADMIN share with re-sharing.
    pub panel_id: ID,
    /// Share with this account (not yourself: FORBIDDEN, `reason: self_share`; not the owner or a
    /// disabled account: VALIDATION; NOT_FOUND when there is none).
    pub user_id: Option<ID>,
    /// Share with the person of this exact username (instead of `userId`; see
    /// `shareableUsers` to find it).
    pub username: Option<String>,
    /// Share with every member of this team; NOT_FOUND (`field: teamId`) when there is none.
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
    /// The link share, with its unchanged permission, expiry and open count.
    pub share: Share,
    /// The new link token: shown only here (the server keeps a digest).
    pub link_token: String,
    /// The web address the new link opens.
    pub link_path: String,
}

/// A share; the link token (for link shares) is shown only here.
#[derive(SimpleObject)]
pub struct SharePayload {
    /// The share as it is now.
    pub share: Share,
    /// Whether this changed the recipient's existing share instead of making a new one.
    pub updated: bool,
    /// Link shares: the link token, shown only here (the server keeps a digest); null for user and
    /// team shares.
    pub link_token: Option<String>,
    /// The web address the link opens.
    pub link_path: Option<String>,
}

#[derive(Default)]
pub struct SavedPanelMutation;

#[Object]
impl SavedPanelMutation {
    /// Creates a saved panel; version 1 holds its complete gene list.
    async fn create_saved_panel(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The panel's metadata and where its genes come from. A merge fails as `mergePreview` does (NOT_FOUND naming a panel, version or upload; UPSTREAM_UNAVAILABLE); PUBLIC needs the EDITOR role (FORBIDDEN)."
        )]
        input: CreateSavedPanelInput,
    ) -> Result<SavedPanel> {
        ctx.require(Action::CreateSavedPanel)?;
        if input.visibility == Some(Visibility::Public) {
            ctx.require(Action::PublishPanel)?;
        }
        let user = ctx.require_user()?;
        let genes = input
            .genes
            .map(|genes| {
                genes
                    .into_iter()
                    .map(|g| g.into_added_gene("genes", user.username()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let merge = input.merge.map(|m| m.parse()).transpose()?;
        let upload = input
            .upload_id
            .map(|id| crate::graphql::node::key_id(&id, Kind::UploadedList))
            .transpose()?;
        let origin = versions::Origin::one_of(genes, merge, upload)?;
        let meta = PanelMeta {
            name: input.name,
            description: input.description,
            tags: input.tags.unwrap_or_default(),
            visibility: input.visibility.unwrap_or(Visibility::Private),
            status: input.status.unwrap_or(PanelStatus::Active),
        };
        let row = ctx
            .state()
            .saved
            .create_from(ctx.principal(), meta, origin)
            .await?;
        Ok(row.into())
    }

    /// Applies gene and metadata changes with a comment as exactly one new version.
    async fn update_saved_panel(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The saved panel's id; NOT_FOUND when there is none, FORBIDDEN without EDIT access."
        )]
        id: ID,
        #[graphql(
            desc = "The changes, based on the current version: CONFLICT with `currentVersion` when someone saved a newer version meanwhile (nothing changes; reload and apply again)."
        )]
        input: PanelEditInput,
    ) -> Result<SavedPanel> {
        ctx.require(Action::EditSavedPanel)?;
        let user = ctx.require_user()?;
        let add = input
            .add_genes
            .unwrap_or_default()
            .into_iter()
            .map(|g| g.into_added_gene("addGenes", user.username()))
            .collect::<Result<Vec<_>, _>>()?;
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
        let row = ctx
            .state()
            .saved
            .edit(ctx.principal(), int_id(&id, Kind::SavedPanel)?, edit)
            .await?;
        Ok(row.into())
    }

    /// Takes every pending PanelApp update of the panel (see `SavedPanel.upstream`) as one new
    /// version whose gene changes are SOURCE_UPDATED; the lab's own ratings, notes and removals
    /// stay. `basedOnVersion` must be the current version.
    async fn apply_upstream_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panel's id.")] id: ID,
        #[graphql(
            desc = "The current version number; CONFLICT with `currentVersion` when the panel has moved on."
        )]
        based_on_version: i32,
        #[graphql(
            desc = "Why (at most 2000 characters); absent: \"Updated from PanelApp: <old> → <new>, …\"."
        )]
        comment: Option<String>,
    ) -> Result<SavedPanel> {
        ctx.require(Action::EditSavedPanel)?;
        let row = ctx
            .state()
            .saved
            .apply_upstream(
                ctx.principal(),
                int_id(&id, Kind::SavedPanel)?,
                based_on_version,
                comment,
            )
            .await?;
        Ok(row.into())
    }

    /// Makes a new version equal to an older one.
    ///
    /// `basedOnVersion`, when given, must be the current version (as for
    /// `updateSavedPanel`): if someone saved meanwhile the answer is CONFLICT with
    /// `currentVersion`, and nothing changes.
    async fn restore_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panel's id.")] id: ID,
        #[graphql(
            desc = "The version to restore; NOT_FOUND when there is none, VALIDATION when it is the current one."
        )]
        version: i32,
        #[graphql(
            desc = "The version you were looking at (should be the current one); CONFLICT with `currentVersion` when it is not."
        )]
        based_on_version: Option<i32>,
    ) -> Result<SavedPanel> {
        ctx.require(Action::EditSavedPanel)?;
        let row = ctx
            .state()
            .saved
            .restore(
                ctx.principal(),
                int_id(&id, Kind::SavedPanel)?,
                version,
                based_on_version,
            )
            .await?;
        Ok(row.into())
    }

    /// ACTIVE, DRAFT, ARCHIVED, or DELETED (soft; set ACTIVE again to undelete).
    async fn set_saved_panel_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panel's id.")] id: ID,
        #[graphql(
            desc = "The new status. DELETED and undeleting need the owner (or a site admin); the rest EDIT access, or the EDITOR role for ARCHIVED/ACTIVE on someone else's PUBLIC panel. Setting the status it already has changes nothing."
        )]
        status: PanelStatus,
    ) -> Result<SavedPanel> {
        // Undeleting (ACTIVE on a deleted panel) and moderation are decided by the service.
        ctx.require(if status == PanelStatus::Deleted {
            Action::DeleteSavedPanel
        } else {
            Action::EditSavedPanel
        })?;
        let row = ctx
            .state()
            .saved
            .set_status(ctx.principal(), int_id(&id, Kind::SavedPanel)?, status)
            .await?;
        Ok(row.into())
    }

    /// Shares a panel with a user, a team or a link.
    async fn share_panel(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Who gets what. Sharing again with the same user or team changes their share (only what is given); re-sharing can not grant more than your own share."
        )]
        input: SharePanelInput,
    ) -> Result<SharePayload> {
        ctx.require(Action::SharePanel)?;
        let state = ctx.state();
        let user_id = match (input.user_id, input.username) {
            (Some(_), Some(_)) => {
                return Err(AppError::validation("give userId or username, not both").into());
            }
            (Some(id), None) => Some(int_id(&id, Kind::User)?),
            (None, Some(name)) => Some(state.saved.user_id_by_username(&name).await?),
            (None, None) => None,
        };
        let request = ShareRequest {
            panel_id: int_id(&input.panel_id, Kind::SavedPanel)?,
            user_id,
            team_id: input
                .team_id
                .map(|id| int_id(&id, Kind::Team))
                .transpose()?,
            link: input.link,
            permission: input.permission,
            expires_at: match input.expires_at {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(t) => Some(Some(t)),
            },
            can_reshare: input.can_reshare,
        };
        let shared = state.saved.share(ctx.principal(), request).await?;
        let link_path = shared.link_token.as_ref().map(|t| format!("/shared/{t}"));
        Ok(SharePayload {
            share: shared.share.into(),
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
    /// kept from each panel (XLSX_FLASK, default true). With a `template`, its settings
    /// (format, columns, row filters, options) apply; arguments given as well override them.
    #[allow(clippy::too_many_arguments)]
    async fn export_saved_panel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panel's id; VIEW access needed (or a link token).")] id: ID,
        #[graphql(
            desc = "The version to export; absent: the current one. NOT_FOUND when there is no such version."
        )]
        version: Option<i32>,
        #[graphql(
            desc = "The file format; required without a `template` (VALIDATION with `field: format`)."
        )]
        format: Option<shared::ExportFormat>,
        #[graphql(
            desc = "The file name wanted (without extension), made safe as for `exportMerge`."
        )]
        filename: Option<String>,
        #[graphql(desc = "BED: write `chr1` (default true) or `1`. Ignored by other formats.")]
        chr_prefix: Option<bool>,
        #[graphql(
            secret,
            desc = "A share link's token, for exporting a panel opened through a link without an account."
        )]
        link_token: Option<String>,
        #[graphql(
            desc = "XLSX: one sheet per source (default false). XLSX_FLASK: Flask's \"original panels\" sheets (default true). Ignored by other formats."
        )]
        per_source_sheets: Option<bool>,
        #[graphql(
            desc = "An export template's id (one you may apply; NOT_FOUND with `field: template` otherwise): its settings shape the file."
        )]
        template: Option<ID>,
    ) -> Result<crate::graphql::genelists::DownloadOut> {
        ctx.require(Action::ViewSavedPanel)?;
        let (settings, templated) = crate::graphql::export_templates::export_settings(
            ctx,
            template.as_ref(),
            format,
            per_source_sheets,
            chr_prefix,
        )
        .await?;
        let state = ctx.state();
        let who = ctx.principal().with_link_token(link_token);
        let options = saved::export::ExportOptions {
            format: settings.format,
            filename,
            per_source_sheets: settings.per_source_sheets,
            chr_prefix: settings.chr_prefix,
        };
        let mut export = state
            .saved
            .export(&who, int_id(&id, Kind::SavedPanel)?, version, options)
            .await?;
        if templated {
            export.apply(&settings);
        }
        let download = state
            .downloads
            .prepare_download(ctx.principal(), export)
            .await?;
        Ok(download.into())
    }

    /// Labels a version ("validated", "in clinical use" with a note such as "since
    /// 2026-03-01"); `protected` keeps the panel from being deleted while the label stands.
    /// EDIT access; CONFLICT when the version already has that label.
    async fn label_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panel's id (global or the plain number).")] panel_id: ID,
        #[graphql(desc = "The version to label.")] version: i32,
        #[graphql(desc = "The label, 1 to 60 characters (\"validated\", \"in clinical use\").")]
        label: String,
        #[graphql(desc = "A note, at most 300 characters (\"since 2026-03-01\").")] note: Option<
            String,
        >,
        #[graphql(
            desc = "Keep the panel from being deleted while the label stands (default false)."
        )]
        protected: Option<bool>,
    ) -> Result<super::panel::VersionLabel> {
        ctx.require(Action::EditSavedPanel)?;
        let row = ctx
            .state()
            .saved
            .add_label(
                ctx.principal(),
                int_id(&panel_id, Kind::SavedPanel)?,
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
    async fn remove_version_label(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The label's id (`VersionLabel.id`).")] id: ID,
    ) -> Result<bool> {
        ctx.require(Action::EditSavedPanel)?;
        ctx.state()
            .saved
            .remove_label(ctx.principal(), int_id(&id, Kind::VersionLabel)?)
            .await?;
        Ok(true)
    }

    /// One download of several saved panels (issue 14.5, the library's bulk export): a zip
    /// archive with one file per panel (its current version) in `format`. At most
    /// 100 panels; each must be readable by the caller (NOT_FOUND / FORBIDDEN name the first
    /// that is not). Repeated ids count once. With a `template`, every file follows its
    /// settings (format, columns, row filters, options); `format` given as well overrides it.
    async fn export_saved_panels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panels' ids, 1 to 100.")] ids: Vec<ID>,
        #[graphql(
            desc = "The format of each panel's file in the archive; required without a `template` (VALIDATION with `field: format`)."
        )]
        format: Option<shared::ExportFormat>,
        #[graphql(desc = "The archive's name without `.zip`; default `saved-panels`.")]
        filename: Option<String>,
        #[graphql(
            desc = "An export template's id (one you may apply; NOT_FOUND with `field: template` otherwise): its settings shape every file."
        )]
        template: Option<ID>,
    ) -> Result<crate::graphql::genelists::DownloadOut> {
        ctx.require(Action::ViewSavedPanel)?;
        let (settings, templated) = crate::graphql::export_templates::export_settings(
            ctx,
            template.as_ref(),
            format,
            None,
            None,
        )
        .await?;
        let format = settings.format;
        let state = ctx.state();
        let ids = ids
            .iter()
            .map(|id| int_id(id, Kind::SavedPanel))
            .collect::<Result<Vec<i32>, _>>()?;
        let options = saved::export::ExportOptions {
            format,
            filename: None,
            per_source_sheets: settings.per_source_sheets,
            chr_prefix: settings.chr_prefix,
        };
        let mut requests = state
            .saved
            .export_each(ctx.principal(), ids, &options)
            .await?;
        if templated {
            for request in &mut requests {
                request.apply(&settings);
            }
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
        let download = state
            .downloads
            .prepare_bundle(ctx.principal(), requests, &name)
            .await?;
        Ok(download.into())
    }

    /// Ends a share at once; links stop working.
    async fn revoke_share(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The share's id; NOT_FOUND when there is none, VALIDATION when it is already revoked."
        )]
        id: ID,
    ) -> Result<bool> {
        ctx.require(Action::SharePanel)?;
        ctx.state()
            .saved
            .revoke_share(ctx.principal(), int_id(&id, Kind::Share)?)
            .await?;
        Ok(true)
    }

    /// Gives a link share a new link (shown only in this answer) and ends the old one. The
    /// server keeps only a digest of each link, so a lost link can not be shown again; this is
    /// how its owner gets a working one. Permission, expiry and the open count stay.
    async fn reissue_share_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The link share's id; VALIDATION when it is not a link share, or is revoked or expired (share the panel by link again instead)."
        )]
        id: ID,
    ) -> Result<ReissuedLink> {
        ctx.require(Action::SharePanel)?;
        let state = ctx.state();
        let (share, token) = state
            .saved
            .reissue_link(ctx.principal(), int_id(&id, Kind::Share)?)
            .await?;
        Ok(ReissuedLink {
            share: share.into(),
            link_path: format!("/shared/{token}"),
            link_token: token,
        })
    }

    /// Comments on the panel, a version or a gene (COMMENT access and above).
    async fn comment_on_panel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panel's id; COMMENT access needed.")] panel_id: ID,
        #[graphql(
            desc = "The version the comment is about; NOT_FOUND when there is no such version. Absent: the panel as a whole."
        )]
        version: Option<i32>,
        #[graphql(desc = "The gene the comment is about (a valid symbol; VALIDATION otherwise).")]
        gene_symbol: Option<String>,
        #[graphql(desc = "The text, 1 to 2000 characters (VALIDATION otherwise).")] body: String,
    ) -> Result<PanelComment> {
        ctx.require(Action::CommentOnPanel)?;
        let id = int_id(&panel_id, Kind::SavedPanel)?;
        let row = ctx
            .state()
            .saved
            .add_comment(ctx.principal(), id, version, gene_symbol, &body)
            .await?;
        Ok(row.into())
    }
}
