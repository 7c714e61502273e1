//! Sharing a panel with a user, a team or a link (an unguessable, revocable token with an
//! optional expiry). Only the owner, site admins and ADMIN shares with re-sharing may share.

use chrono::{DateTime, Utc};
use entity::{panel_shares, saved_panels, teams, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::json;
use shared::{AuditAction, SharePermission, Visibility};

use super::access::{self, Viewer};
use super::{load, open};
use crate::error::{AppError, AppResult, OrInternal};
use crate::services::audit::{Actor, AuditRecord};
use crate::state::AppState;

/// Whom to share with (exactly one of user, team, link).
#[derive(Debug, Clone)]
pub struct ShareRequest {
    pub panel_id: i32,
    pub user_id: Option<i32>,
    pub team_id: Option<i32>,
    pub link: bool,
    pub permission: SharePermission,
    pub expires_at: Option<DateTime<Utc>>,
    pub can_reshare: bool,
}

/// A new or updated share; `link_token` is the secret part of a link, shown once.
pub struct Shared {
    pub share: panel_shares::Model,
    pub link_token: Option<String>,
}

pub async fn share(
    state: &AppState,
    actor: &Actor,
    viewer: &Viewer,
    req: ShareRequest,
) -> AppResult<Shared> {
    let (panel, access) = open(state, viewer, req.panel_id, SharePermission::View).await?;
    access.require_share()?;
    let targets = usize::from(req.user_id.is_some())
        + usize::from(req.team_id.is_some())
        + usize::from(req.link);
    if targets != 1 {
        return Err(AppError::validation(
            "share with exactly one of: a user, a team, or a link",
        ));
    }
    if req.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(AppError::invalid_field(
            "expiresAt",
            "must be in the future",
        ));
    }
    if let Some(uid) = req.user_id {
        if uid == panel.owner_id {
            return Err(AppError::invalid_field(
                "userId",
                "the owner already has full access",
            ));
        }
        user::Entity::find_by_id(uid)
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::not_found("user").with("field", "userId"))?;
    }
    if let Some(tid) = req.team_id {
        teams::Entity::find_by_id(tid)
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::not_found("team").with("field", "teamId"))?;
    }
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let existing = match (req.user_id, req.team_id) {
        (Some(uid), _) => Some(panel_shares::Column::SharedWithUserId.eq(uid)),
        (_, Some(tid)) => Some(panel_shares::Column::SharedWithTeamId.eq(tid)),
        _ => None,
    };
    let previous = match existing {
        Some(filter) => {
            panel_shares::Entity::find()
                .filter(panel_shares::Column::PanelId.eq(panel.id))
                .filter(panel_shares::Column::IsActive.eq(true))
                .filter(filter)
                .one(&txn)
                .await?
        }
        None => None,
    };
    let mut link_token = None;
    let share = match previous {
        Some(row) => {
            let mut update: panel_shares::ActiveModel = row.into();
            update.permission_level = Set(req.permission);
            update.can_reshare = Set(req.can_reshare);
            update.expires_at = Set(req.expires_at);
            update.shared_by_id = Set(actor.user_id);
            update.updated_at = Set(now);
            update.update(&txn).await?
        }
        None => {
            let token = if req.link {
                let t = crate::crypto::random_token(24).or_internal("share token")?;
                link_token = Some(t.clone());
                Some(access::token_digest(state, &t))
            } else {
                None
            };
            panel_shares::ActiveModel {
                panel_id: Set(panel.id),
                shared_by_id: Set(actor.user_id),
                shared_with_user_id: Set(req.user_id),
                shared_with_team_id: Set(req.team_id),
                permission_level: Set(req.permission),
                can_reshare: Set(req.can_reshare),
                share_token: Set(token),
                expires_at: Set(req.expires_at),
                access_count: Set(0),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    if panel.visibility == Visibility::Private {
        let mut update: saved_panels::ActiveModel = panel.clone().into();
        update.visibility = Set(Visibility::Shared);
        update.update(&txn).await?;
    }
    state.audit.commit(txn, actor, AuditRecord::new(AuditAction::PanelShare, format!("saved panel {} shared", panel.id))
                .resource("saved_panel", panel.id)
                .details(json!({
                    "share": share.id, "userId": req.user_id, "teamId": req.team_id, "link": req.link,
                    "permission": req.permission, "expiresAt": req.expires_at, "canReshare": req.can_reshare,
                }))).await?;
    super::versions::publish(state, panel.id, panel.current_version, "shared").await;
    Ok(Shared { share, link_token })
}

/// Ends a share (the owner, a sharer of the panel, or whoever made the share).
pub async fn revoke(
    state: &AppState,
    actor: &Actor,
    viewer: &Viewer,
    share_id: i32,
) -> AppResult<()> {
    let row = panel_shares::Entity::find_by_id(share_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("share"))?;
    let panel = load(state, row.panel_id).await?;
    let access = access::resolve(state, &panel, viewer).await?;
    let made_it = row.shared_by_id.is_some() && row.shared_by_id == viewer.user_id();
    if !(access.can_share || made_it) {
        return Err(AppError::forbidden("you may not revoke this share"));
    }
    if !row.is_active {
        return Err(AppError::invalid_field(
            "id",
            "this share is already revoked",
        ));
    }
    let txn = state.db.begin().await?;
    let mut update: panel_shares::ActiveModel = row.clone().into();
    update.is_active = Set(false);
    update.updated_at = Set(Utc::now());
    update.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            actor,
            AuditRecord::new(
                AuditAction::PanelShare,
                format!("share {share_id} of saved panel {} revoked", panel.id),
            )
            .resource("saved_panel", panel.id)
            .details(json!({ "share": share_id, "revoked": true })),
        )
        .await?;
    super::versions::publish(state, panel.id, panel.current_version, "shared").await;
    Ok(())
}

/// Every share of a panel, newest first.
pub async fn list(state: &AppState, panel_id: i32) -> AppResult<Vec<panel_shares::Model>> {
    Ok(panel_shares::Entity::find()
        .filter(panel_shares::Column::PanelId.eq(panel_id))
        .order_by_desc(panel_shares::Column::CreatedAt)
        .all(&state.db)
        .await?)
}

/// The panel a link opens; refuses (and records) revoked or expired links.
pub async fn follow_link(
    state: &AppState,
    actor: &Actor,
    token: &str,
) -> AppResult<(saved_panels::Model, panel_shares::Model)> {
    let digest = access::token_digest(state, token);
    let row = panel_shares::Entity::find()
        .filter(panel_shares::Column::ShareToken.eq(digest))
        .one(&state.db)
        .await?;
    let refuse = |why: &str| {
        AppError::forbidden(format!("this link {why}")).with("reason", why.replace(' ', "_"))
    };
    let Some(row) = row else {
        return Err(refuse("is not valid"));
    };
    if !row.is_active {
        return Err(refuse("was revoked"));
    }
    if row.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(refuse("has expired"));
    }
    let panel = load(state, row.panel_id).await?;
    if panel.status == shared::PanelStatus::Deleted {
        return Err(AppError::not_found("saved panel"));
    }
    let mut update: panel_shares::ActiveModel = row.clone().into();
    update.access_count = Set(row.access_count + 1);
    update.last_accessed_at = Set(Some(Utc::now()));
    let row = update.update(&state.db).await?;
    let _ = actor;
    Ok((panel, row))
}
