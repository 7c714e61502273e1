//! The library's bulk actions (issue 14.5): archive, delete and tag several saved panels in
//! one request, all or nothing.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::types::SavedPanel;
use crate::auth::permissions::Action;
use crate::db::int;
use crate::graphql::ContextExt;
use crate::graphql::node::{Kind, int_id};
use crate::saved::bulk::BulkAction;

/// What a bulk action did.
#[derive(SimpleObject)]
pub struct SavedPanelsPayload {
    /// Every chosen panel as it is now, in the order asked (each once).
    pub panels: Vec<SavedPanel>,
    /// How many of them changed (the rest already were as asked).
    pub changed: i32,
}

#[derive(Default)]
pub struct SavedPanelBulkMutation;

async fn run(ctx: &Context<'_>, ids: &[ID], action: BulkAction) -> Result<SavedPanelsPayload> {
    let ids = ids
        .iter()
        .map(|id| int_id(id, Kind::SavedPanel))
        .collect::<Result<Vec<i32>, _>>()?;
    let outcome = ctx
        .state()
        .saved
        .apply_bulk(ctx.principal(), &ids, action)
        .await?;
    Ok(SavedPanelsPayload {
        panels: outcome.panels.into_iter().map(Into::into).collect(),
        changed: int(outcome.changed),
    })
}

#[Object]
impl SavedPanelBulkMutation {
    /// Archives several saved panels in one transaction, all or nothing: each needs EDIT
    /// access (or the EDITOR role on someone else's PUBLIC panel; the owner to archive a
    /// deleted one). When any is refused nothing changes and the error (the first refusal's
    /// code; FORBIDDEN before NOT_FOUND before CONFLICT when they differ) names every refused
    /// panel and why in its message and in `extensions.refusals` (`panelId`, `name` when you
    /// may read it, `code`, `message`, `reason`). Each archived panel gets a change row and a
    /// PANEL_UPDATE audit row; panels already archived are left as they are.
    async fn archive_saved_panels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panels' ids, 1 to 100 (repeated ids count once).")] ids: Vec<
            ID,
        >,
    ) -> Result<SavedPanelsPayload> {
        ctx.require(Action::EditSavedPanel)?;
        run(ctx, &ids, BulkAction::Archive).await
    }

    /// Deletes (soft: undo with `setSavedPanelStatus(ACTIVE)`) several saved panels in one
    /// transaction, all or nothing: each needs its owner (or a site admin), and a panel with a
    /// protected version label is refused (CONFLICT, `reason: protected_label`). When any is
    /// refused nothing changes; the error names every refused panel and why, as
    /// `archiveSavedPanels` does. Each deleted panel gets a change row and a PANEL_DELETE audit
    /// row; panels already deleted are left as they are.
    async fn delete_saved_panels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panels' ids, 1 to 100 (repeated ids count once).")] ids: Vec<
            ID,
        >,
    ) -> Result<SavedPanelsPayload> {
        ctx.require(Action::DeleteSavedPanel)?;
        run(ctx, &ids, BulkAction::Delete).await
    }

    /// Adds and removes tags on several saved panels in one transaction, all or nothing: each
    /// needs EDIT access, may not be deleted, and keeps at most 20 tags. When any is refused
    /// nothing changes; the error names every refused panel and why, as `archiveSavedPanels`
    /// does. Tags organise the library: each changed panel gets a METADATA_CHANGED change row
    /// and a PANEL_UPDATE audit row but no new version (its gene list is unchanged).
    async fn tag_saved_panels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved panels' ids, 1 to 100 (repeated ids count once).")] ids: Vec<
            ID,
        >,
        #[graphql(desc = "Tags to add, each 1 to 50 characters (stored lower-case, each once).")]
        tags: Option<Vec<String>>,
        #[graphql(
            desc = "Tags to remove (matched lower-case); a tag may not be both added and removed."
        )]
        remove_tags: Option<Vec<String>>,
    ) -> Result<SavedPanelsPayload> {
        ctx.require(Action::EditSavedPanel)?;
        run(
            ctx,
            &ids,
            BulkAction::Tag {
                add: tags.unwrap_or_default(),
                remove: remove_tags.unwrap_or_default(),
            },
        )
        .await
    }
}
