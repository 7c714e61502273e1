//! Who may do what with a saved panel: owner, site admin, a share (to the user, a team of
//! theirs or a link), or public visibility. Resolved on the server for every operation.

use chrono::Utc;
use entity::{panel_shares, saved_panels, team_members};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use shared::{PanelStatus, Role, SharePermission, Visibility};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The person (or link holder) asking.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub user: Option<(i32, Role)>,
    /// A share-link token presented with the request.
    pub link_token: Option<String>,
}

impl Viewer {
    pub fn user_id(&self) -> Option<i32> {
        self.user.map(|(id, _)| id)
    }
}

/// What the viewer may do with one panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The highest level granted; `None` means no access at all.
    pub level: Option<SharePermission>,
    pub is_owner: bool,
    /// May share further: the owner, a site admin, or an ADMIN share with `can_reshare`.
    pub can_share: bool,
}

impl Access {
    pub fn require(&self, needed: SharePermission) -> AppResult<()> {
        match self.level {
            Some(level) if level >= needed => Ok(()),
            Some(_) => Err(AppError::forbidden(format!(
                "this needs {needed} access to the panel"
            ))),
            None => Err(AppError::forbidden("you have no access to this panel")),
        }
    }

    pub fn require_share(&self) -> AppResult<()> {
        if self.can_share {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "only the owner and ADMIN shares with re-sharing may share this panel",
            ))
        }
    }
}

fn live(share: &panel_shares::Model) -> bool {
    share.is_active && share.expires_at.is_none_or(|t| t > Utc::now())
}

/// The viewer's access to `panel`.
pub async fn resolve(
    state: &AppState,
    panel: &saved_panels::Model,
    viewer: &Viewer,
) -> AppResult<Access> {
    let full = Access {
        level: Some(SharePermission::Admin),
        is_owner: false,
        can_share: true,
    };
    if let Some((id, role)) = viewer.user {
        if id == panel.owner_id {
            return Ok(Access {
                is_owner: true,
                ..full
            });
        }
        if role == Role::Admin {
            return Ok(full);
        }
    }
    // A deleted panel is the owner's (and admins') business only, until undeleted.
    if panel.status == PanelStatus::Deleted {
        return Ok(Access {
            level: None,
            is_owner: false,
            can_share: false,
        });
    }
    let mut best: Option<SharePermission> =
        (panel.visibility == Visibility::Public).then_some(SharePermission::View);
    let mut can_share = false;
    let mut grant = |share: &panel_shares::Model, cap: Option<SharePermission>| {
        let level = cap.map_or(share.permission_level, |c| share.permission_level.min(c));
        best = best.max(Some(level));
        if level == SharePermission::Admin && share.can_reshare {
            can_share = true;
        }
    };
    let mut targets = Condition::any();
    if let Some(user_id) = viewer.user_id() {
        let teams: Vec<i32> = team_members::Entity::find()
            .filter(team_members::Column::UserId.eq(user_id))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|m| m.team_id)
            .collect();
        targets = targets.add(panel_shares::Column::SharedWithUserId.eq(user_id));
        if !teams.is_empty() {
            targets = targets.add(panel_shares::Column::SharedWithTeamId.is_in(teams));
        }
    }
    if let Some(token) = &viewer.link_token {
        targets = targets.add(panel_shares::Column::ShareToken.eq(token_digest(state, token)));
    }
    if !targets.is_empty() {
        let shares = panel_shares::Entity::find()
            .filter(panel_shares::Column::PanelId.eq(panel.id))
            .filter(targets)
            .all(&state.db)
            .await?;
        for share in shares.iter().filter(|s| live(s)) {
            // Someone not logged in holding a link only ever views.
            let cap = (share.share_token.is_some() && viewer.user.is_none())
                .then_some(SharePermission::View);
            grant(share, cap);
        }
    }
    Ok(Access {
        level: best,
        is_owner: false,
        can_share,
    })
}

/// The stored form of a share-link token.
pub fn token_digest(state: &AppState, token: &str) -> String {
    state.signer.digest_hex(&format!("share:{token}"))
}
