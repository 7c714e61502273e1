//! Teams: groups of users that panels can be shared with. The creator is the first team
//! admin; team admins (and site admins) manage members.

use std::collections::HashMap;

use chrono::Utc;
use entity::{team_members, teams, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, Role, TeamRole};

use super::audit::{Audit, AuditRecord};
use crate::auth::Principal;
use crate::auth::permissions::Action;
use crate::error::{AppError, AppResult};

pub const MAX_NAME_LEN: usize = 100;

/// Teams and their members. Built once with the state.
#[derive(Clone, Debug)]
pub struct Teams {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
}

impl Teams {
    async fn load(&self, id: i32) -> AppResult<teams::Model> {
        teams::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("team {id}")))
    }

    pub async fn members(
        &self,
        team_id: i32,
    ) -> AppResult<Vec<(team_members::Model, Option<user::Model>)>> {
        Ok(team_members::Entity::find()
            .filter(team_members::Column::TeamId.eq(team_id))
            .find_also_related(user::Entity)
            .order_by_asc(team_members::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// The team, if `who` may manage it: the role must allow managing teams (USER or higher) and
    /// they must be one of its admins (or a site admin).
    async fn require_team_admin(
        &self,
        principal: &Principal,
        team_id: i32,
    ) -> AppResult<teams::Model> {
        let who = principal.require_user()?;
        principal.require(Action::ManageTeams)?;
        let team = self.load(team_id).await?;
        if who.role() == Role::Admin {
            return Ok(team);
        }
        let membership = team_members::Entity::find()
            .filter(team_members::Column::TeamId.eq(team_id))
            .filter(team_members::Column::UserId.eq(who.id()))
            .one(&self.db)
            .await?;
        match membership {
            Some(m) if m.role == TeamRole::Admin => Ok(team),
            _ => Err(AppError::forbidden("only the team's admins manage it")),
        }
    }

    async fn record(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        principal: &Principal,
        team: i32,
        what: String,
        details: serde_json::Value,
    ) -> AppResult<crate::services::audit::AuditEvent> {
        self.audit
            .write(
                txn,
                principal,
                AuditRecord::new(AuditAction::AdminAction, what)
                    .resource(AuditResourceKind::Team, team)
                    .details(details),
            )
            .await
    }

    pub async fn create(
        &self,
        principal: &Principal,
        name: &str,
        description: Option<String>,
    ) -> AppResult<teams::Model> {
        let who = principal.require_user()?;
        principal.require(Action::ManageTeams)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(AppError::invalid_field(
                "name",
                format!("must be 1 to {MAX_NAME_LEN} characters"),
            ));
        }
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let team = teams::ActiveModel {
            name: Set(name.to_owned()),
            description: Set(description
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())),
            created_by_id: Set(Some(who.id())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match AppError::from(e) {
            err if err.code == shared::ErrorCode::Conflict => {
                AppError::conflict(format!("a team named {name:?} exists")).with("field", "name")
            }
            err => err,
        })?;
        team_members::ActiveModel {
            team_id: Set(team.id),
            user_id: Set(who.id()),
            role: Set(TeamRole::Admin),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let event = self
            .record(
                &txn,
                principal,
                team.id,
                format!("team {name:?} created"),
                json!({ "name": name }),
            )
            .await?;
        txn.commit().await?;
        self.audit.publish([event]).await;
        Ok(team)
    }

    /// Adds a member (or changes their role when already in the team).
    pub async fn add_member(
        &self,
        principal: &Principal,
        team_id: i32,
        user_id: i32,
        role: TeamRole,
    ) -> AppResult<()> {
        let team = self.require_team_admin(principal, team_id).await?;
        user::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found("user").with("field", "userId"))?;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let existing = team_members::Entity::find()
            .filter(team_members::Column::TeamId.eq(team_id))
            .filter(team_members::Column::UserId.eq(user_id))
            .one(&txn)
            .await?;
        match existing {
            Some(m) => {
                let mut update: team_members::ActiveModel = m.into();
                update.role = Set(role);
                update.updated_at = Set(now);
                update.update(&txn).await?;
            }
            None => {
                team_members::ActiveModel {
                    team_id: Set(team_id),
                    user_id: Set(user_id),
                    role: Set(role),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
        let event = self
            .record(
                &txn,
                principal,
                team_id,
                format!("member {user_id} in team {:?} as {role}", team.name),
                json!({ "userId": user_id, "role": role }),
            )
            .await?;
        txn.commit().await?;
        self.audit.publish([event]).await;
        Ok(())
    }

    pub async fn remove_member(
        &self,
        principal: &Principal,
        team_id: i32,
        user_id: i32,
    ) -> AppResult<()> {
        let who = principal.require_user()?;
        let leaving_self = who.id() == user_id;
        let team = if leaving_self {
            self.load(team_id).await?
        } else {
            self.require_team_admin(principal, team_id).await?
        };
        let all = self.members(team_id).await?;
        let admins = all
            .iter()
            .filter(|(m, _)| m.role == TeamRole::Admin)
            .count();
        let target = all
            .iter()
            .find(|(m, _)| m.user_id == user_id)
            .ok_or_else(|| AppError::not_found("team member"))?;
        if target.0.role == TeamRole::Admin && admins == 1 {
            return Err(AppError::validation(
                "a team needs at least one admin; make someone else admin first",
            ));
        }
        let txn = crate::db::begin_write(&self.db).await?;
        team_members::Entity::delete_by_id(target.0.id)
            .exec(&txn)
            .await?;
        let event = self
            .record(
                &txn,
                principal,
                team_id,
                format!("member {user_id} left team {:?}", team.name),
                json!({ "userId": user_id }),
            )
            .await?;
        txn.commit().await?;
        self.audit.publish([event]).await;
        Ok(())
    }

    pub async fn delete(&self, principal: &Principal, team_id: i32) -> AppResult<()> {
        let team = self.require_team_admin(principal, team_id).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        teams::Entity::delete_by_id(team_id).exec(&txn).await?;
        let event = self
            .record(
                &txn,
                principal,
                team_id,
                format!("team {:?} deleted", team.name),
                json!({}),
            )
            .await?;
        txn.commit().await?;
        self.audit.publish([event]).await;
        Ok(())
    }

    /// The teams a user belongs to, with their role in each.
    pub async fn mine(&self, user_id: i32) -> AppResult<Vec<(teams::Model, TeamRole)>> {
        let rows = team_members::Entity::find()
            .filter(team_members::Column::UserId.eq(user_id))
            .find_also_related(teams::Entity)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(m, t)| t.map(|t| (t, m.role)))
            .collect())
    }

    /// A team, if the user is in it (or a site admin).
    pub async fn visible(&self, principal: &Principal, team_id: i32) -> AppResult<teams::Model> {
        let who = principal.require_user()?;
        let team = self.load(team_id).await?;
        if who.role() == Role::Admin
            || self
                .members(team_id)
                .await?
                .iter()
                .any(|(m, _)| m.user_id == who.id())
        {
            Ok(team)
        } else {
            Err(AppError::forbidden("you are not in this team"))
        }
    }

    /// The panels shared with team `team_id` through a live share (not deleted), by name, each
    /// with the share that grants it.
    pub async fn shared_panels(
        &self,
        team_id: i32,
    ) -> AppResult<
        Vec<(
            entity::panel_shares::Model,
            Option<entity::saved_panels::Model>,
        )>,
    > {
        use entity::{panel_shares, saved_panels};
        use sea_orm::Condition;
        let now = Utc::now();
        Ok(panel_shares::Entity::find()
            .filter(panel_shares::Column::SharedWithTeamId.eq(team_id))
            .filter(panel_shares::Column::IsActive.eq(true))
            .filter(
                Condition::any()
                    .add(panel_shares::Column::ExpiresAt.is_null())
                    .add(panel_shares::Column::ExpiresAt.gt(now)),
            )
            .find_also_related(saved_panels::Entity)
            .filter(saved_panels::Column::Status.ne(shared::PanelStatus::Deleted))
            .order_by_asc(saved_panels::Column::Name)
            .order_by_asc(saved_panels::Column::Id)
            .all(&self.db)
            .await?)
    }
}

/// The ids of the teams `user_id` is in.
pub async fn team_ids(db: &impl ConnectionTrait, user_id: i32) -> AppResult<Vec<i32>> {
    Ok(team_members::Entity::find()
        .filter(team_members::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.team_id)
        .collect())
}

/// The names of the teams with these ids (one query; none for no ids).
pub async fn names<C: ConnectionTrait>(conn: &C, ids: Vec<i32>) -> AppResult<HashMap<i32, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(teams::Entity::find()
        .filter(teams::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}
