//! Sharing a panel with a user, a team or a link (an unguessable, revocable token with an
//! optional expiry). Only the owner, site admins and ADMIN shares with re-sharing may share.

use chrono::{DateTime, Utc};
use entity::{panel_shares, saved_panels, teams, user};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use shared::AuditResourceKind;
use shared::SavedPanelChangeKind;
use shared::{AuditAction, SharePermission, ShareTarget, Visibility};

use super::SavedPanels;
use crate::auth::Principal;
use crate::auth::permissions::Action;
use crate::error::{AppError, AppResult, OrInternal};
use crate::services::audit::AuditRecord;

/// Whom to share with (exactly one of user, team, link).
#[derive(Debug, Clone)]
pub struct ShareRequest {
    pub panel_id: i32,
    pub user_id: Option<i32>,
    pub team_id: Option<i32>,
    pub link: bool,
    pub permission: SharePermission,
    /// `None`: not given (no expiry for a new share, the existing share's expiry kept);
    /// `Some(None)`: no expiry.
    pub expires_at: Option<Option<DateTime<Utc>>>,
    /// `None`: not given (false for a new share, the existing share's setting kept).
    pub can_reshare: Option<bool>,
}

/// A new or updated share; `link_token` is the secret part of a link, shown once.
pub struct Shared {
    pub share: ShareView,
    pub link_token: Option<String>,
    /// Whether an existing share of the same recipient was changed (not a new share).
    pub updated: bool,
}

/// A share as those who may share its panel see it: whom it is for, by name, and whether it
/// works now.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareView {
    pub id: i32,
    pub target: ShareTarget,
    pub user_id: Option<i32>,
    /// The recipient's username; `None` when the account no longer exists.
    pub username: Option<String>,
    pub team_id: Option<i32>,
    /// The team's name; `None` when the team no longer exists.
    pub team_name: Option<String>,
    pub permission: SharePermission,
    pub can_reshare: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// Not revoked.
    pub active: bool,
    /// Active and not expired: it grants access now.
    pub usable: bool,
    pub access_count: i32,
    pub last_accessed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Who a share is for, in words: a username, a team name or "link".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    User(String),
    Team(String),
    Link,
}

impl Recipient {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Team(_) => "team",
            Self::Link => "link",
        }
    }

    /// The username, team name or "link".
    pub fn name(&self) -> &str {
        match self {
            Self::User(name) | Self::Team(name) => name,
            Self::Link => "link",
        }
    }

    /// "user alice", "team \"Cardio lab\"", "a link".
    pub fn describe(&self) -> String {
        match self {
            Self::User(name) => format!("user {name}"),
            Self::Team(name) => format!("team {name:?}"),
            Self::Link => "a link".to_owned(),
        }
    }
}

fn expiry_words(expires_at: Option<DateTime<Utc>>) -> String {
    match expires_at {
        Some(t) => format!(
            "until {}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        None => "with no expiry".to_owned(),
    }
}

/// The shares of a panel, newest first.
pub fn list_query(panel_id: i32) -> sea_orm::Select<panel_shares::Entity> {
    panel_shares::Entity::find()
        .filter(panel_shares::Column::PanelId.eq(panel_id))
        .order_by_desc(panel_shares::Column::CreatedAt)
        .order_by_desc(panel_shares::Column::Id)
}

/// Shortest text [`shareable_users`] searches for: a lookup is a way to pick a colleague, not to
/// list the accounts of the site.
pub const MIN_LOOKUP_LEN: usize = 2;
/// Most people one lookup returns.
pub const MAX_LOOKUP_RESULTS: u64 = 20;

/// A person a panel can be shared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareableUser {
    pub id: i32,
    pub username: String,
    /// First and last name, when the person gave them and is in a team with the caller.
    pub display_name: Option<String>,
}

impl SavedPanels {
    /// Shares a panel, or changes the active share of the same user or team (one active share
    /// per panel and target). The sharer needs the `SharePanel` action on the panel; a re-sharer
    /// grants at most what they hold, for no longer than they hold it, and never to themselves.
    pub async fn share(&self, principal: &Principal, req: ShareRequest) -> AppResult<Shared> {
        let (panel, access) = self
            .open(principal, req.panel_id, Action::SharePanel)
            .await?;
        let targets = usize::from(req.user_id.is_some())
            + usize::from(req.team_id.is_some())
            + usize::from(req.link);
        if targets != 1 {
            return Err(AppError::validation(
                "share with exactly one of: a user, a team, or a link",
            ));
        }
        if req.expires_at.flatten().is_some_and(|t| t <= Utc::now()) {
            return Err(AppError::invalid_field(
                "expiresAt",
                "must be in the future",
            ));
        }
        if req.link && req.permission > SharePermission::Comment {
            return Err(AppError::invalid_field(
                "permission",
                format!(
                    "a link share grants VIEW or COMMENT, not {}; share with a user or a team to \
                 let them edit",
                    req.permission
                ),
            ));
        }
        let recipient = if let Some(uid) = req.user_id {
            if Some(uid) == principal.user_id() {
                return Err(AppError::forbidden(
                    "you can not share a panel with yourself: no one extends their own access",
                )
                .with("field", "userId")
                .with("reason", "self_share"));
            }
            if uid == panel.owner_id {
                return Err(AppError::invalid_field(
                    "userId",
                    "the owner already has full access",
                ));
            }
            let target = user::Entity::find_by_id(uid)
                .one(&self.db)
                .await?
                .ok_or_else(|| AppError::not_found("user").with("field", "userId"))?;
            if !target.is_active || target.deactivated_at.is_some() {
                return Err(AppError::invalid_field(
                    "userId",
                    "this account is disabled",
                ));
            }
            Recipient::User(target.username)
        } else if let Some(tid) = req.team_id {
            let team = teams::Entity::find_by_id(tid)
                .one(&self.db)
                .await?
                .ok_or_else(|| AppError::not_found("team").with("field", "teamId"))?;
            Recipient::Team(team.name)
        } else {
            Recipient::Link
        };
        if let Some(held) = &access.resharer
            && req.permission > held.level
        {
            return Err(AppError::forbidden(format!(
                "you hold {} access to this panel and can not grant {}",
                held.level, req.permission
            ))
            .with("field", "permission")
            .with("reason", "exceeds_own_access"));
        }
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        // Take the panel's row lock first (a write lock on SQLite), so concurrent shares of one
        // panel run one after the other and the second sees the first's share.
        saved_panels::Entity::update_many()
            .col_expr(
                saved_panels::Column::UpdatedAt,
                Expr::col(saved_panels::Column::UpdatedAt),
            )
            .filter(saved_panels::Column::Id.eq(panel.id))
            .exec(&txn)
            .await?;
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
        // What is not given stays as it was (a new share: no expiry, no re-sharing).
        let expires_at = req
            .expires_at
            .unwrap_or_else(|| previous.as_ref().and_then(|p| p.expires_at));
        let can_reshare = req
            .can_reshare
            .unwrap_or_else(|| previous.as_ref().is_some_and(|p| p.can_reshare));
        if let Some(held) = &access.resharer
            && let Some(mine) = held.expires_at
            && expires_at.is_none_or(|t| t > mine)
        {
            return Err(AppError::forbidden(format!(
                "your own access ends at {}; a share you make must end by then",
                mine.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ))
            .with("field", "expiresAt")
            .with("reason", "exceeds_own_expiry"));
        }
        let before = previous
        .as_ref()
        .map(|p| json!({ "permission": p.permission_level, "expiresAt": p.expires_at, "canReshare": p.can_reshare }));
        let mut link_token = None;
        let share = match previous {
            Some(row) => {
                let mut update: panel_shares::ActiveModel = row.into();
                update.permission_level = Set(req.permission);
                update.can_reshare = Set(can_reshare);
                update.expires_at = Set(expires_at);
                update.shared_by_id = Set(principal.user_id());
                update.updated_at = Set(now);
                update.update(&txn).await?
            }
            None => {
                let token = if req.link {
                    let (secret, digest) = self.new_link_token()?;
                    link_token = Some(secret);
                    Some(digest)
                } else {
                    None
                };
                panel_shares::ActiveModel {
                panel_id: Set(panel.id),
                shared_by_id: Set(principal.user_id()),
                shared_with_user_id: Set(req.user_id),
                shared_with_team_id: Set(req.team_id),
                permission_level: Set(req.permission),
                can_reshare: Set(can_reshare),
                share_token: Set(token),
                expires_at: Set(expires_at),
                access_count: Set(0),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| match AppError::from(e) {
                // The partial unique index caught a share made at the same moment.
                err if err.code == shared::ErrorCode::Conflict => AppError::conflict(format!(
                    "{} was given a share of this panel at the same moment; reload and try again",
                    recipient.describe()
                )),
                err => err,
            })?
            }
        };
        if panel.visibility == Visibility::Private {
            let mut update: saved_panels::ActiveModel = panel.clone().into();
            update.visibility = Set(Visibility::Shared);
            update.update(&txn).await?;
        }
        let updated = before.is_some();
        let mut description = format!(
            "saved panel {} {:?} shared with {} at {} {}",
            panel.id,
            panel.name,
            recipient.describe(),
            req.permission,
            expiry_words(expires_at),
        );
        if can_reshare {
            description.push_str(", may re-share");
        }
        if updated {
            description.push_str(" (changed the existing share)");
        }
        let record = AuditRecord::new(AuditAction::PanelShare, description)
            .resource(AuditResourceKind::SavedPanel, panel.id)
            .details(json!({
                "share": share.id, "userId": req.user_id, "teamId": req.team_id, "link": req.link,
                "recipientType": recipient.kind(), "recipient": recipient.name(),
                "permission": req.permission, "expiresAt": expires_at, "canReshare": can_reshare,
                "updated": updated,
            }));
        let record = if updated {
            record.change(
            before,
            Some(json!({ "permission": req.permission, "expiresAt": expires_at, "canReshare": can_reshare })),
        )
        } else {
            record
        };
        // A new share with a person tells them by e-mail (unless they turned that off).
        let notify = match (req.user_id, updated) {
            (Some(uid), false) => {
                let by = principal.audit_user().1.unwrap_or_else(|| "someone".into());
                self.notices
                    .panel_shared(&txn, uid, &by, &panel.name, req.permission.as_str())
                    .await?;
                true
            }
            _ => false,
        };
        self.audit.commit(txn, principal, record).await?;
        if notify {
            self.wake.notify_one();
        }
        self.publish(
            panel.id,
            panel.current_version,
            SavedPanelChangeKind::Shared,
        )
        .await;
        Ok(Shared {
            share: self.view_share(share).await?,
            link_token,
            updated,
        })
    }

    /// The recipient of one stored share, in words.
    async fn recipient_of(&self, row: &panel_shares::Model) -> AppResult<Recipient> {
        let view = self.view_share(row.clone()).await?;
        Ok(match view.target {
            ShareTarget::User => Recipient::User(
                view.username
                    .unwrap_or_else(|| format!("#{}", view.user_id.unwrap_or_default())),
            ),
            ShareTarget::Team => Recipient::Team(
                view.team_name
                    .unwrap_or_else(|| format!("#{}", view.team_id.unwrap_or_default())),
            ),
            ShareTarget::Link => Recipient::Link,
        })
    }

    /// A new link secret (shown once) and the digest that is stored.
    fn new_link_token(&self) -> AppResult<(String, String)> {
        let secret = crate::crypto::random_token(24).or_internal("share token")?;
        let digest = self.token_digest(&secret);
        Ok((secret, digest))
    }

    /// A share and its panel, for a change by whoever may revoke it: the owner, a sharer of the
    /// panel, or whoever made the share.
    async fn open_share(
        &self,
        principal: &Principal,
        share_id: i32,
    ) -> AppResult<(panel_shares::Model, saved_panels::Model)> {
        let row = panel_shares::Entity::find_by_id(share_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found("share"))?;
        let panel = self.load(row.panel_id).await?;
        let made_it = row.shared_by_id.is_some() && row.shared_by_id == principal.user_id();
        if !made_it {
            self.resolve(&panel, principal)
                .await?
                .require(Action::SharePanel)?;
        }
        Ok((row, panel))
    }

    /// Ends a share (the owner, a sharer of the panel, or whoever made the share).
    pub async fn revoke_share(&self, principal: &Principal, share_id: i32) -> AppResult<()> {
        let (row, panel) = self.open_share(principal, share_id).await?;
        let recipient = self.recipient_of(&row).await?;
        if !row.is_active {
            return Err(AppError::invalid_field(
                "id",
                "this share is already revoked",
            ));
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: panel_shares::ActiveModel = row.clone().into();
        update.is_active = Set(false);
        update.updated_at = Set(Utc::now());
        update.update(&txn).await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PanelShare,
                    format!(
                        "share {share_id} of saved panel {} {:?} with {} at {} revoked",
                        panel.id,
                        panel.name,
                        recipient.describe(),
                        row.permission_level
                    ),
                )
                .resource(AuditResourceKind::SavedPanel, panel.id)
                .details(json!({
                    "share": share_id, "revoked": true,
                    "recipientType": recipient.kind(), "recipient": recipient.name(),
                    "permission": row.permission_level, "expiresAt": row.expires_at,
                })),
            )
            .await?;
        self.publish(
            panel.id,
            panel.current_version,
            SavedPanelChangeKind::Shared,
        )
        .await;
        Ok(())
    }

    /// Gives a link share a new link and returns it with the share; the old link stops working
    /// at once. The server keeps only a digest of a link, so a link can not be shown again after
    /// it was made: whoever may revoke the share (the owner, a sharer of the panel, or whoever
    /// made it) re-issues it instead. Permission, expiry and the open count stay.
    pub async fn reissue_link(
        &self,
        principal: &Principal,
        share_id: i32,
    ) -> AppResult<(ShareView, String)> {
        let (row, panel) = self.open_share(principal, share_id).await?;
        if row.share_token.is_none() {
            return Err(AppError::invalid_field(
                "id",
                "this share is with a person or a team, not a link",
            ));
        }
        if !row.is_active {
            return Err(AppError::invalid_field(
                "id",
                "this link was revoked; share the panel by link again for a new one",
            ));
        }
        if row.expires_at.is_some_and(|t| t <= Utc::now()) {
            return Err(AppError::invalid_field(
                "id",
                "this link has expired; share the panel by link again for a new one",
            ));
        }
        let (token, digest) = self.new_link_token()?;
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: panel_shares::ActiveModel = row.clone().into();
        update.share_token = Set(Some(digest));
        update.updated_at = Set(Utc::now());
        let share = update.update(&txn).await?;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PanelShare,
                    format!(
                        "link share {share_id} of saved panel {} {:?} at {} given a new link; the \
                     previous link no longer works",
                        panel.id, panel.name, row.permission_level
                    ),
                )
                .resource(AuditResourceKind::SavedPanel, panel.id)
                .details(json!({
                    "share": share_id, "reissued": true, "recipientType": "link",
                    "recipient": "link", "permission": row.permission_level,
                    "expiresAt": row.expires_at,
                })),
            )
            .await?;
        self.publish(
            panel.id,
            panel.current_version,
            SavedPanelChangeKind::Shared,
        )
        .await;
        Ok((self.view_share(share).await?, token))
    }

    /// Every share of a panel, newest first.
    pub async fn shares(&self, panel_id: i32) -> AppResult<Vec<panel_shares::Model>> {
        Ok(list_query(panel_id).all(&self.db).await?)
    }

    /// One share by id.
    pub async fn share_by_id(&self, id: i32) -> AppResult<panel_shares::Model> {
        panel_shares::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found("share"))
    }

    /// The panel a link opens; refuses (and records) revoked or expired links.
    pub async fn follow_link(
        &self,
        principal: &Principal,
        token: &str,
    ) -> AppResult<(saved_panels::Model, panel_shares::Model)> {
        let digest = self.token_digest(token);
        let row = panel_shares::Entity::find()
            .filter(panel_shares::Column::ShareToken.eq(digest))
            .one(&self.db)
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
        let panel = self.load(row.panel_id).await?;
        if panel.status == shared::PanelStatus::Deleted {
            return Err(AppError::not_found("saved panel"));
        }
        let mut update: panel_shares::ActiveModel = row.clone().into();
        update.access_count = Set(row.access_count + 1);
        update.last_accessed_at = Set(Some(Utc::now()));
        let row = update.update(&self.db).await?;
        let _ = principal;
        Ok((panel, row))
    }

    /// Active accounts other than the caller whose username starts with `query` or whose e-mail
    /// address is exactly `query` (both case-insensitive), by username. E-mail addresses are never
    /// returned and never matched by prefix, so a lookup does not reveal them.
    pub async fn shareable_users(
        &self,
        caller_id: i32,
        query: &str,
        limit: u64,
    ) -> AppResult<Vec<ShareableUser>> {
        let query = query.trim().to_lowercase();
        if query.chars().count() < MIN_LOOKUP_LEN {
            return Err(AppError::invalid_field(
                "query",
                format!(
                    "type at least {MIN_LOOKUP_LEN} characters of a username or a whole e-mail address"
                ),
            ));
        }
        if query.chars().count() > crate::services::accounts::MAX_EMAIL_LEN {
            return Err(AppError::invalid_field("query", "is too long"));
        }
        if !(1..=MAX_LOOKUP_RESULTS).contains(&limit) {
            return Err(AppError::invalid_field(
                "limit",
                format!("must be 1 to {MAX_LOOKUP_RESULTS}"),
            ));
        }
        let matches = if query.contains('@') {
            Condition::all().add(user::Column::Email.eq(query))
        } else if query
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            // `_` is a LIKE wildcard; usernames have no `%` or `\`.
            let pattern = format!("{}%", query.replace('_', "\\_"));
            Condition::all().add(
                Expr::expr(Func::lower(Expr::col(user::Column::Username)))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
            )
        } else {
            return Ok(Vec::new());
        };
        let rows = user::Entity::find()
            .filter(matches)
            .filter(user::Column::IsActive.eq(true))
            .filter(user::Column::DeactivatedAt.is_null())
            .filter(user::Column::Id.ne(caller_id))
            .order_by_asc(Expr::expr(Func::lower(Expr::col(user::Column::Username))))
            .order_by_asc(user::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        // Names are personal data: only people in a team with the caller see them.
        let ids: Vec<i32> = rows.iter().map(|u| u.id).collect();
        let mates = self.accounts.team_mates(caller_id, &ids).await?;
        rows.iter()
            .map(|u| {
                let display_name = if mates.contains(&u.id) {
                    self.accounts.profile(u)?.display_name()
                } else {
                    None
                };
                Ok(ShareableUser {
                    id: u.id,
                    username: u.username.clone(),
                    display_name,
                })
            })
            .collect()
    }

    /// The id of the account with exactly this username (`sharePanel(input: { username })`).
    pub async fn user_id_by_username(&self, username: &str) -> AppResult<i32> {
        user::Entity::find()
            .filter(user::Column::Username.eq(username.trim()))
            .one(&self.db)
            .await?
            .map(|u| u.id)
            .ok_or_else(|| AppError::not_found("user").with("field", "username"))
    }

    /// `shares` as their panel's sharers see them, the recipients' names read in two
    /// statements whatever their number.
    pub(crate) async fn share_views(
        &self,
        shares: Vec<panel_shares::Model>,
    ) -> AppResult<Vec<ShareView>> {
        let user_ids: Vec<i32> = shares
            .iter()
            .filter_map(|s| s.shared_with_user_id)
            .collect();
        let team_ids: Vec<i32> = shares
            .iter()
            .filter_map(|s| s.shared_with_team_id)
            .collect();
        let users = crate::services::accounts::usernames(&self.db, user_ids).await?;
        let teams = crate::services::teams::names(&self.db, team_ids).await?;
        let now = Utc::now();
        Ok(shares
            .into_iter()
            .map(|s| ShareView {
                id: s.id,
                target: if s.shared_with_user_id.is_some() {
                    ShareTarget::User
                } else if s.shared_with_team_id.is_some() {
                    ShareTarget::Team
                } else {
                    ShareTarget::Link
                },
                user_id: s.shared_with_user_id,
                username: s.shared_with_user_id.and_then(|i| users.get(&i).cloned()),
                team_id: s.shared_with_team_id,
                team_name: s.shared_with_team_id.and_then(|i| teams.get(&i).cloned()),
                permission: s.permission_level,
                can_reshare: s.can_reshare,
                expires_at: s.expires_at,
                active: s.is_active,
                usable: s.is_active && s.expires_at.is_none_or(|t| t > now),
                access_count: s.access_count,
                last_accessed_at: s.last_accessed_at,
                created_at: s.created_at,
            })
            .collect())
    }

    pub(super) async fn view_share(&self, share: panel_shares::Model) -> AppResult<ShareView> {
        self.share_views(vec![share])
            .await?
            .pop()
            .ok_or_else(|| AppError::internal("a share went missing"))
    }
}
