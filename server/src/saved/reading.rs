//! What readers of a saved panel see besides the panel itself: its versions, changes, shares
//! and comments page by page, its labels, and each of them by id for `node(id:)`, checked
//! against the caller's access to the panel. The GraphQL layer turns these rows into its
//! types; it reads no table itself.

use chrono::{DateTime, Utc};
use entity::{panel_shares, panel_versions};
use shared::SharePermission;

use super::SavedPanels;
use super::access::Access;
use super::{changes, comments, labels, shares};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::paging::{Keyset, Place, RowPage, Span, read_keyset, read_span};

/// A recorded change as readers see it: the number of the version it produced (none for
/// changes outside a version, such as a status change) and its old and new values, decrypted.
#[derive(Debug, Clone)]
pub struct ReadChange {
    pub id: i32,
    pub change_type: shared::ChangeType,
    /// What changed, as stored (`gene`, `metadata`, `gene.rating`, …; see `ChangeTarget`).
    pub target_type: Option<String>,
    /// Which one, e.g. the gene symbol.
    pub target_id: Option<String>,
    pub reason: Option<String>,
    /// None when the account no longer exists.
    pub changed_by_id: Option<i32>,
    pub at: DateTime<Utc>,
    pub version: Option<i32>,
    pub values: (Option<String>, Option<String>),
}

impl SavedPanels {
    /// A page of the panel's versions, newest first (by number).
    pub async fn version_page(
        &self,
        panel_id: i32,
        page: &Keyset,
    ) -> AppResult<RowPage<super::VersionView>> {
        let read = read_keyset(
            &self.db,
            super::versions_query(panel_id),
            panel_versions::Column::VersionNumber,
            page,
        )
        .await?;
        Ok(read.map(Into::into))
    }

    /// A page of the panel's recorded changes, newest first; only those that produced version
    /// `version` when it is given (NOT_FOUND, `field: version`, when there is no such version).
    pub async fn change_page(
        &self,
        panel_id: i32,
        version: Option<i32>,
        page: &Keyset,
    ) -> AppResult<RowPage<ReadChange>> {
        let versions = self.versions(panel_id).await?;
        let version_id = match version {
            Some(n) => Some(
                versions
                    .iter()
                    .find(|v| v.version_number == n)
                    .ok_or_else(|| {
                        AppError::not_found(format!("version {n}")).with("field", "version")
                    })?
                    .id,
            ),
            None => None,
        };
        let read = read_keyset(
            &self.db,
            super::changes_query(panel_id, version_id),
            entity::panel_changes::Column::Id,
            page,
        )
        .await?;
        let number_of = |id: Option<i32>| {
            let id = id?;
            versions
                .iter()
                .find(|v| v.id == id)
                .map(|v| v.version_number)
        };
        read.try_map(|row| self.read_change(row, number_of))
    }

    fn read_change(
        &self,
        row: entity::panel_changes::Model,
        number_of: impl Fn(Option<i32>) -> Option<i32>,
    ) -> AppResult<ReadChange> {
        let values = changes::open(&self.crypto, &row)?;
        Ok(ReadChange {
            id: row.id,
            change_type: row.change_type,
            target_type: row.target_type,
            target_id: row.target_id,
            reason: row.change_reason,
            changed_by_id: row.changed_by_id,
            at: row.changed_at,
            version: number_of(row.version_id),
            values,
        })
    }

    /// A page of the panel's shares, newest first, for a caller who may share it (`access`);
    /// an empty list for everyone else.
    pub async fn share_page(
        &self,
        panel_id: i32,
        access: &Access,
        page: &Keyset,
    ) -> AppResult<RowPage<shares::ShareView>> {
        if !access.can_share {
            return Ok(RowPage::empty());
        }
        let read = read_keyset(
            &self.db,
            shares::list_query(panel_id),
            panel_shares::Column::Id,
            page,
        )
        .await?;
        Ok(RowPage {
            rows: self.share_views(read.rows).await?,
            more: read.more,
            total: read.total,
        })
    }

    /// A page of the panel's comments, oldest first.
    pub async fn comment_page(
        &self,
        panel_id: i32,
        span: Span<Place<DateTime<Utc>>>,
    ) -> AppResult<RowPage<super::CommentView>> {
        let read = read_span(
            &self.db,
            comments::of_panel(panel_id),
            comments::OLDEST_FIRST,
            &span.map(Place::values),
        )
        .await?;
        Ok(read.map(Into::into))
    }

    /// The lab's labels on the panel's versions, newest version first.
    pub async fn labels(&self, panel_id: i32) -> AppResult<Vec<super::LabelView>> {
        let rows = labels::list(&self.db, panel_id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A version by id, for a caller who may view its panel.
    pub async fn visible_version(
        &self,
        principal: &Principal,
        id: i32,
    ) -> AppResult<super::VersionView> {
        let version = self.version_by_id(id).await?;
        self.open(principal, version.panel_id, SharePermission::View)
            .await?;
        Ok(version.into())
    }

    /// A recorded change by id, for a caller who may view its panel.
    pub async fn visible_change(&self, principal: &Principal, id: i32) -> AppResult<ReadChange> {
        let row = self.change_by_id(id).await?;
        self.open(principal, row.panel_id, SharePermission::View)
            .await?;
        let version = match row.version_id {
            Some(v) => Some(self.version_by_id(v).await?.version_number),
            None => None,
        };
        self.read_change(row, |_| version)
    }

    /// A comment by id, for a caller who may view its panel.
    pub async fn visible_comment(
        &self,
        principal: &Principal,
        id: i32,
    ) -> AppResult<super::CommentView> {
        let row = self.comment_by_id(id).await?;
        self.open(principal, row.panel_id, SharePermission::View)
            .await?;
        Ok(row.into())
    }

    /// A share by id, for a caller who may share its panel (as the panel's list of shares).
    pub async fn visible_share(
        &self,
        principal: &Principal,
        id: i32,
    ) -> AppResult<shares::ShareView> {
        let row = self.share_by_id(id).await?;
        let (_, access) = self
            .open(principal, row.panel_id, SharePermission::View)
            .await?;
        if !access.can_share {
            return Err(AppError::forbidden(
                "only those who may share a panel see its shares",
            ));
        }
        self.view_share(row).await
    }

    /// A version label by id, for a caller who may view its panel.
    pub async fn visible_label(
        &self,
        principal: &Principal,
        id: i32,
    ) -> AppResult<super::LabelView> {
        let row = labels::by_id(&self.db, id).await?;
        self.open(principal, row.panel_id, SharePermission::View)
            .await?;
        Ok(row.into())
    }
}
