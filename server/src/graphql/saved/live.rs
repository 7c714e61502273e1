//! `savedPanelChanged(id)`: live notice of new versions, status changes, shares and comments,
//! for those who may view the panel (re-checked as rights change).

use std::time::Duration;

use async_graphql::{Context, ID, Result, SimpleObject, Subscription};
use futures::{Stream, StreamExt};

use super::viewer;
use crate::auth::permissions::Action;
use crate::events::{Channel, Received};
use crate::graphql::ContextExt;
use crate::graphql::accounts::int_id;
use crate::saved::{self, PanelEvent};

#[derive(SimpleObject)]
pub struct SavedPanelChange {
    pub panel_id: ID,
    /// The panel's current version after the change.
    pub version: i32,
    /// "created", "version", "status", "shared" or "comment".
    pub kind: String,
}

#[derive(Default)]
pub struct SavedPanelSubscription;

#[Subscription]
impl SavedPanelSubscription {
    async fn saved_panel_changed(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<impl Stream<Item = Result<SavedPanelChange>> + use<>> {
        ctx.require(Action::ViewSavedPanel)?;
        let state = ctx.state().clone();
        let who = viewer(ctx);
        let panel_id = int_id(&id, "saved panel")?;
        saved::open(&state, &who, panel_id, Action::ViewSavedPanel).await?;
        let events = state
            .events
            .subscribe::<PanelEvent>(Channel::SavedPanels)
            .await?;
        Ok(async_stream::stream! {
            let mut events = Box::pin(events);
            let mut recheck = tokio::time::interval(Duration::from_secs(10));
            recheck.tick().await;
            loop {
                let event = tokio::select! {
                    e = events.next() => match e {
                        Some(Received::Event(e)) if e.panel_id == panel_id => Some(e),
                        Some(_) => None,
                        None => break,
                    },
                    _ = recheck.tick() => None,
                };
                // Rights can change (a revoked share): check before every delivery.
                if let Err(e) = saved::open(&state, &who, panel_id, Action::ViewSavedPanel).await {
                    yield Err(e.into());
                    break;
                }
                if let Some(e) = event {
                    yield Ok(SavedPanelChange { panel_id: ID(e.panel_id.to_string()), version: e.version, kind: e.kind });
                }
            }
        })
    }
}
