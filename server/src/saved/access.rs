//! Who may do what with a saved panel: owner, site admin, a share (to the user, a team of
//! theirs or a link), or public visibility. Resolved on the server for every operation.

use chrono::{DateTime, Utc};
use entity::{panel_shares, saved_panels, team_members};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use shared::{PanelStatus, Role, SharePermission, Visibility};

use super::SavedPanels;
use crate::auth::Principal;
use crate::auth::permissions::{self, Action, PanelRule};
use crate::error::{AppError, AppResult};

/// What the viewer may do with one panel, after the role caps of the permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The highest effective level (`min(share, role cap)`); `None` means no access at all.
    pub level: Option<SharePermission>,
    pub is_owner: bool,
    /// May share further and change visibility: the owner, a site admin, or an ADMIN share
    /// with `can_reshare` (and a role that may share at all).
    pub can_share: bool,
    pub site_admin: bool,
    /// The viewer's role (`None`: anonymous).
    pub role: Option<Role>,
    /// The panel is PUBLIC.
    pub public: bool,
    /// When the right to share comes from shares (not ownership or site admin): the most a
    /// share made by this viewer may grant.
    pub resharer: Option<Resharer>,
}

/// What a re-sharer holds, so no share they make extends their own access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resharer {
    pub level: SharePermission,
    /// The latest end of the shares that let them re-share (`None`: never ends).
    pub expires_at: Option<DateTime<Utc>>,
}

impl Access {
    /// No access at all.
    pub fn none(role: Option<Role>, public: bool) -> Self {
        Self {
            level: None,
            is_owner: false,
            can_share: false,
            site_admin: false,
            role,
            public,
            resharer: None,
        }
    }

    /// Whether the action is allowed on this panel, by role and by what the viewer holds.
    pub fn allows(&self, action: impl Into<Action>) -> bool {
        self.require(action).is_ok()
    }

    /// FORBIDDEN (or UNAUTHENTICATED) unless the permission table allows `action` on this
    /// panel: the role rule first, then the panel rule. Site admins hold every panel rule.
    pub fn require(&self, action: impl Into<Action>) -> AppResult<()> {
        let action = action.into();
        if !action.rule().allows(self.role) {
            return Err(permissions::refusal(action, self.role));
        }
        let Some(rule) = action.panel_rule() else {
            return Ok(());
        };
        if self.site_admin {
            return Ok(());
        }
        let label = action.label();
        match rule {
            PanelRule::Level(needed) => match self.level {
                Some(level) if level >= needed => Ok(()),
                Some(level) => {
                    let capped = permissions::role_cap(self.role);
                    let why = if capped < needed {
                        match self.role {
                            Some(role) => format!(
                                "; your {role} role allows at most {capped} on shared panels"
                            ),
                            None => "; sign in for more".to_owned(),
                        }
                    } else {
                        format!("; you have {level}")
                    };
                    Err(
                        AppError::forbidden(format!("to {label} you need {needed} access{why}"))
                            .with("needed", needed.as_str())
                            .with("have", level.as_str()),
                    )
                }
                None => Err(AppError::forbidden("you have no access to this panel")),
            },
            PanelRule::Reshare if self.can_share => Ok(()),
            PanelRule::Reshare => Err(AppError::forbidden(format!(
                "to {label} you need to own the panel or hold an ADMIN share with re-sharing"
            ))
            .with("needed", "ADMIN")),
            PanelRule::Owner if self.is_owner => Ok(()),
            PanelRule::Owner => Err(AppError::forbidden(format!("only the owner may {label}"))),
            PanelRule::PublicPanel if self.public => Ok(()),
            PanelRule::PublicPanel => Err(AppError::forbidden(format!(
                "to {label} the panel must be PUBLIC"
            ))),
        }
    }
}

fn live(share: &panel_shares::Model) -> bool {
    share.is_active && share.expires_at.is_none_or(|t| t > Utc::now())
}

/// The viewer's access to `panel`, given the shares of it that name the viewer (directly, by
/// a team of theirs or by the link they hold; expired and revoked ones are ignored here). One
/// rule for a single panel ([`resolve`]) and for a page of them (the listing).
pub fn decide(
    panel: &saved_panels::Model,
    principal: &Principal,
    shares: &[panel_shares::Model],
) -> Access {
    let role = principal.role();
    let cap = permissions::role_cap(role);
    let public = panel.visibility == Visibility::Public;
    let may_share = Action::SharePanel.rule().allows(role);
    let mut access = Access::none(role, public);
    if let Some((id, role)) = principal.account_role() {
        if role == Role::Admin {
            return Access {
                level: Some(SharePermission::Admin),
                is_owner: id == panel.owner_id,
                can_share: true,
                site_admin: true,
                ..access
            };
        }
        if id == panel.owner_id {
            // An owner holds everything their role allows (a demoted owner keeps reading).
            return Access {
                level: Some(cap),
                is_owner: true,
                can_share: may_share,
                ..access
            };
        }
    }
    // A deleted panel is the owner's (and admins') business only, until undeleted.
    if panel.status == PanelStatus::Deleted {
        return access;
    }
    let mut best: Option<SharePermission> = public.then_some(SharePermission::View);
    for share in shares.iter().filter(|s| s.panel_id == panel.id && live(s)) {
        // A share never grants more than the holder's role allows; someone not logged in
        // holding a link only ever views.
        let level = share.permission_level.min(cap);
        best = best.max(Some(level));
        if level == SharePermission::Admin && share.can_reshare && may_share {
            access.can_share = true;
            let until = match access.resharer {
                None => share.expires_at,
                Some(r) => r.expires_at.zip(share.expires_at).map(|(a, b)| a.max(b)),
            };
            access.resharer = Some(Resharer {
                level,
                expires_at: until,
            });
        }
    }
    access.level = best;
    access
}

impl SavedPanels {
    /// The viewer's access to `panel`.
    pub async fn resolve(
        &self,
        panel: &saved_panels::Model,
        principal: &Principal,
    ) -> AppResult<Access> {
        // Site admins, owners and deleted panels are decided by who the viewer is alone.
        let known = decide(panel, principal, &[]);
        if known.site_admin || known.is_owner || panel.status == PanelStatus::Deleted {
            return Ok(known);
        }
        let shares = self.shares_naming(principal, &[panel.id]).await?;
        Ok(decide(panel, principal, &shares))
    }

    /// The shares of `panel_ids` that name the viewer: directly, through a team of theirs (one
    /// sub-query) or by the link token they hold. One query, whatever the number of panels; none
    /// for a visitor without a link.
    pub async fn shares_naming(
        &self,
        principal: &Principal,
        panel_ids: &[i32],
    ) -> AppResult<Vec<panel_shares::Model>> {
        use sea_orm::sea_query::Query;
        let mut targets = Condition::any();
        if let Some(user_id) = principal.user_id() {
            let teams = Query::select()
                .column(team_members::Column::TeamId)
                .from(team_members::Entity)
                .and_where(team_members::Column::UserId.eq(user_id))
                .to_owned();
            targets = targets
                .add(panel_shares::Column::SharedWithUserId.eq(user_id))
                .add(panel_shares::Column::SharedWithTeamId.in_subquery(teams));
        }
        if let Some(token) = principal.link_token() {
            targets = targets.add(panel_shares::Column::ShareToken.eq(self.token_digest(token)));
        }
        if targets.is_empty() || panel_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(panel_shares::Entity::find()
            .filter(panel_shares::Column::PanelId.is_in(panel_ids.iter().copied()))
            .filter(targets)
            .all(&self.db)
            .await?)
    }

    /// The stored form of a share-link token.
    pub fn token_digest(&self, token: &str) -> String {
        self.signer.digest_hex(&format!("share:{token}"))
    }
}
