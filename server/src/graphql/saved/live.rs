//! `savedPanelChanged(id)`: live notice of new versions, status changes, shares and comments,
//! for those who may view the panel (re-checked as rights change).

use async_graphql::{Context, ID, Result, SimpleObject, Subscription};
use futures::{Stream, StreamExt};

use crate::auth::permissions::Action;
use crate::graphql::ContextExt;
use crate::graphql::node::{Kind, global_id, int_id};

/// Something happened to a saved panel you follow.
#[derive(SimpleObject)]
pub struct SavedPanelChange {
    /// The saved panel's global id.
    pub panel_id: ID,
    /// The panel's current version after the change.
    pub version: i32,
    /// What happened.
    pub kind: shared::SavedPanelChangeKind,
}

#[derive(Default)]
pub struct SavedPanelSubscription;

#[Subscription]
impl SavedPanelSubscription {
    /// New versions, status changes, shares and comments of one saved panel, as they happen. Needs
    /// VIEW access, re-checked before every event: the subscription ends with an error when access
    /// is lost (a revoked share, a logout).
    async fn saved_panel_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The saved panel's id; NOT_FOUND when there is none, FORBIDDEN without VIEW access."
        )]
        id: ID,
    ) -> Result<impl Stream<Item = Result<SavedPanelChange>> + use<>> {
        ctx.require(Action::ViewSavedPanel)?;
        let who = ctx.principal().clone();
        let panel_id = int_id(&id, Kind::SavedPanel)?;
        let changes = ctx.state().saved.follow(&who, panel_id).await?.map(
            |event| -> Result<SavedPanelChange> {
                let e = event?;
                Ok(SavedPanelChange {
                    panel_id: global_id(Kind::SavedPanel, e.panel_id),
                    version: e.version,
                    kind: e.kind,
                })
            },
        );
        // Rights can change (a revoked share, a lost role, a logout): re-checked whenever the
        // account changes and periodically.
        let authorise: crate::graphql::live::Authorise = Box::new(move |state, principal| {
            let who = principal.with_link_token(who.link_token().map(str::to_owned));
            Box::pin(async move {
                state
                    .saved
                    .open(&who, panel_id, Action::ViewSavedPanel)
                    .await?;
                Ok(())
            })
        });
        crate::graphql::live::guarded(ctx, authorise, changes).await
    }
}
