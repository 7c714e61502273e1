use async_graphql::{Context, ID, InputObject, Object, Result};
use shared::{PanelScope, PanelSort, PanelStatus, Visibility};

use super::types::{Person, SavedPanel};
use crate::auth::permissions::Action;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::node::{Kind, int_id};
use crate::graphql::paging::{Page, PageArgs};
use crate::saved::listing::{Filter, Place};

/// Which saved panels to list; every field narrows the result.
#[derive(InputObject, Default)]
pub struct SavedPanelFilter {
    /// Whose panels; default ALL (everything you may see). MINE and SHARED_WITH_ME need an account
    /// (anonymous callers get an empty list).
    pub scope: Option<PanelScope>,
    /// Default: everything but DELETED.
    pub statuses: Option<Vec<PanelStatus>>,
    /// Only panels of this visibility.
    pub visibility: Option<Visibility>,
    /// Only panels carrying this tag.
    pub tag: Option<String>,
    /// Only panels of this owner (a user id: global or the plain number).
    pub owner_id: Option<ID>,
    /// Words in the name or description.
    pub search: Option<String>,
    /// Order; default UPDATED_DESC.
    pub sort: Option<PanelSort>,
}

impl SavedPanelFilter {
    fn into_filter(self) -> Result<Filter, AppError> {
        Ok(Filter {
            scope: self.scope.unwrap_or_default(),
            statuses: self.statuses.unwrap_or_default(),
            visibility: self.visibility,
            tag: self.tag,
            owner_id: self
                .owner_id
                .map(|id| int_id(&id, Kind::User))
                .transpose()?,
            text: self.search,
            sort: self.sort.unwrap_or_default(),
        })
    }
}

#[derive(Default)]
pub struct SavedPanelQuery;

#[Object]
impl SavedPanelQuery {
    /// Saved panels you may see: yours, shared with you (directly or via a team), public.
    #[graphql(
        complexity = "first.or(last).unwrap_or(20).clamp(1, 100) as usize * child_complexity"
    )]
    async fn saved_panels(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Which panels and in which order; absent: everything you may see but DELETED ones."
        )]
        filter: Option<SavedPanelFilter>,
        #[graphql(
            desc = "Panels from the start of the order, 1 to the maximum page size (100 by default); default 20."
        )]
        first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Panels from the end of the order, 1 to the maximum page size.")]
        last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<SavedPanel>> {
        ctx.require(Action::ViewSavedPanel)?;
        let state = ctx.state();
        let max = state.settings.graphql.max_page_size;
        let span =
            PageArgs::new(first, after, last, before).key_span("savedPanels", 20.min(max), max)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let sort = filter.sort;
        let page = state
            .saved
            .list_page(
                ctx.principal(),
                &filter,
                &span.places(|key| Place::from_key(key, sort))?,
            )
            .await?;
        let items = page.items.into_iter().map(|item| {
            let key = Place::of(&item, sort).to_key(sort);
            (key, SavedPanel::from(item))
        });
        Ok(span.connection(items, page.more, page.total))
    }

    /// One saved panel (VIEW access needed).
    async fn saved_panel(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The saved panel's id. NOT_FOUND when there is no such panel; FORBIDDEN without VIEW access."
        )]
        id: ID,
    ) -> Result<SavedPanel> {
        ctx.require(Action::ViewSavedPanel)?;
        let seen = ctx
            .state()
            .saved
            .view(
                ctx.principal(),
                int_id(&id, Kind::SavedPanel)?,
                shared::SharePermission::View,
            )
            .await?;
        Ok(seen.into())
    }

    /// People you can share a panel with: active accounts other than yours whose username
    /// starts with `query`, or whose e-mail address is exactly `query` (case-insensitive), by
    /// username. At least two characters; at most `limit` (1–20, default 8) people; never their
    /// e-mail addresses.
    async fn shareable_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At least two characters of the start of a username, or a whole e-mail address (VALIDATION otherwise)."
        )]
        query: String,
        #[graphql(desc = "How many at most, 1 to 20 (VALIDATION otherwise); default 8.")]
        limit: Option<i32>,
    ) -> Result<Vec<Person>> {
        ctx.require(Action::SharePanel)?;
        let principal = ctx.require_user()?;
        let limit = u64::try_from(limit.unwrap_or(8)).unwrap_or(0);
        Ok(ctx
            .state()
            .saved
            .shareable_users(principal.id(), &query, limit)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The panel a share link opens (works without an account; anonymous link holders view).
    async fn shared_panel(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            secret,
            desc = "The link token (the last part of `/shared/<token>`). FORBIDDEN with `reason` `is_not_valid`, `was_revoked` or `has_expired` for a link that does not open the panel; NOT_FOUND when its panel is gone."
        )]
        token: String,
    ) -> Result<SavedPanel> {
        ctx.require(Action::ViewSavedPanel)?;
        let seen = ctx.state().saved.view_link(ctx.principal(), &token).await?;
        Ok(seen.into())
    }
}
