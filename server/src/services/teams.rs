//! Teams: groups of users that panels can be shared with. The creator is the first team
//! admin; team admins (and site admins) manage members.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{team_members, teams, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use shared::AuditResourceKind;
use shared::{AuditAction, Role, SharePermission, TeamRole};

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

    async fn members(
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
    ) -> AppResult<TeamView> {
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
        let mut views = self.views(principal, vec![team]).await?;
        Ok(views.remove(0))
    }

    /// Adds a member (or changes their role when already in the team); the team as it is then.
    pub async fn add_member(
        &self,
        principal: &Principal,
        team_id: i32,
        user_id: i32,
        role: TeamRole,
    ) -> AppResult<TeamView> {
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
        self.view(principal, team_id).await
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

    /// The teams the caller is in, by name, each as they see it (three queries in all, however
    /// many teams).
    pub async fn mine(&self, principal: &Principal) -> AppResult<Vec<TeamView>> {
        let who = principal.require_user()?;
        let rows: Vec<teams::Model> = team_members::Entity::find()
            .filter(team_members::Column::UserId.eq(who.id()))
            .find_also_related(teams::Entity)
            .order_by_asc(teams::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|(_, t)| t)
            .collect();
        self.views(principal, rows).await
    }

    /// One team as the caller sees it: FORBIDDEN unless they are in it (site admins see every
    /// team), NOT_FOUND when there is no such team.
    pub async fn view(&self, principal: &Principal, team_id: i32) -> AppResult<TeamView> {
        let who = principal.require_user()?;
        let team = self.load(team_id).await?;
        let view = self.views(principal, vec![team]).await?.remove(0);
        if view.my_role.is_none() && who.role() != Role::Admin {
            return Err(AppError::forbidden("you are not in this team"));
        }
        Ok(view)
    }

    /// `teams` with their members and the panels shared with them: one query for all members,
    /// one for all shares, whatever the number of teams.
    async fn views(
        &self,
        principal: &Principal,
        teams: Vec<teams::Model>,
    ) -> AppResult<Vec<TeamView>> {
        if teams.is_empty() {
            return Ok(Vec::new());
        }
        let me = principal.signed_in().map(|u| u.id());
        let ids: Vec<i32> = teams.iter().map(|t| t.id).collect();
        let mut members: HashMap<i32, Vec<Member>> = HashMap::new();
        for (m, u) in team_members::Entity::find()
            .filter(team_members::Column::TeamId.is_in(ids.clone()))
            .find_also_related(user::Entity)
            .order_by_asc(team_members::Column::Id)
            .all(&self.db)
            .await?
        {
            members.entry(m.team_id).or_default().push(Member {
                user_id: m.user_id,
                username: u.map(|u| u.username),
                role: m.role,
                since: m.created_at,
            });
        }
        let mut panels: HashMap<i32, Vec<SharedPanel>> = HashMap::new();
        for (share, panel) in self.shared_panels(ids).await? {
            let (Some(team), Some(p)) = (share.shared_with_team_id, panel) else {
                continue;
            };
            panels.entry(team).or_default().push(SharedPanel {
                id: p.id,
                name: p.name,
                permission: share.permission_level,
                current_version: p.current_version,
                gene_count: p.gene_count,
                updated_at: p.updated_at,
            });
        }
        Ok(teams
            .into_iter()
            .map(|t| {
                let members = members.remove(&t.id).unwrap_or_default();
                TeamView {
                    id: t.id,
                    my_role: members
                        .iter()
                        .find(|m| Some(m.user_id) == me)
                        .map(|m| m.role),
                    members,
                    panels: panels.remove(&t.id).unwrap_or_default(),
                    name: t.name,
                    description: t.description,
                    created_at: t.created_at,
                }
            })
            .collect())
    }

    /// The panels shared with `team_ids` through a live share (not deleted), by name, each with
    /// the share that grants it.
    async fn shared_panels(
        &self,
        team_ids: Vec<i32>,
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
            .filter(panel_shares::Column::SharedWithTeamId.is_in(team_ids))
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

/// A team as one of its members (or a site admin) sees it.
#[derive(Clone, Debug)]
pub struct TeamView {
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The caller's role in the team; `None` for a site admin outside it.
    pub my_role: Option<TeamRole>,
    /// Every member, in the order they joined.
    pub members: Vec<Member>,
    /// The panels shared with the team through a live share, not deleted, by name.
    pub panels: Vec<SharedPanel>,
}

/// One member of a team.
#[derive(Clone, Debug)]
pub struct Member {
    pub user_id: i32,
    /// `None` when the account no longer exists.
    pub username: Option<String>,
    pub role: TeamRole,
    /// When they joined.
    pub since: DateTime<Utc>,
}

/// A saved panel shared with a team, and what the share grants.
#[derive(Clone, Debug)]
pub struct SharedPanel {
    pub id: i32,
    pub name: String,
    pub permission: SharePermission,
    pub current_version: i32,
    pub gene_count: i32,
    pub updated_at: DateTime<Utc>,
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use shared::{ErrorCode, PanelStatus, SharePermission, TeamRole};

    use crate::saved::PanelMeta;
    use crate::saved::shares::ShareRequest;
    use crate::saved::versions::Origin;
    use crate::state::AppState;

    /// Each team carries its own members and panels however many are read at once, the caller's
    /// role is their own, and reading more teams costs no more statements.
    #[tokio::test]
    async fn teams_are_read_with_their_own_members_and_panels_in_a_fixed_number_of_statements() {
        let (state, _dir) = AppState::for_tests().await;
        let (_, alice) = state.test_user("alice").await;
        let (bob_row, bob) = state.test_user("bob").await;
        let (_, carol) = state.test_user("carol").await;
        let teams = &state.teams;
        let neuro = teams.create(&alice, "Neuro", None).await.unwrap();
        let cardio = teams
            .create(&alice, "Cardio", Some("  heart  ".into()))
            .await
            .unwrap();
        assert_eq!(cardio.description.as_deref(), Some("heart"));
        assert_eq!(cardio.my_role, Some(TeamRole::Admin));
        let added = teams
            .add_member(&alice, cardio.id, bob_row.id, TeamRole::Member)
            .await
            .unwrap();
        let names: Vec<_> = added.members.iter().map(|m| m.username.clone()).collect();
        assert_eq!(names, [Some("alice".to_owned()), Some("bob".to_owned())]);

        let share = |panel: i32, team: i32, permission| ShareRequest {
            panel_id: panel,
            user_id: None,
            team_id: Some(team),
            link: false,
            permission,
            expires_at: None,
            can_reshare: None,
        };
        for (name, team, permission) in [
            ("Heart B", cardio.id, SharePermission::Edit),
            ("Heart A", cardio.id, SharePermission::View),
            ("Brain", neuro.id, SharePermission::View),
            ("Gone", cardio.id, SharePermission::View),
        ] {
            let panel = state
                .saved
                .create_from(&alice, PanelMeta::private(name), Origin::Genes(Vec::new()))
                .await
                .unwrap();
            state
                .saved
                .share(&alice, share(panel.id, team, permission))
                .await
                .unwrap();
            if name == "Gone" {
                state
                    .saved
                    .set_status(&alice, panel.id, PanelStatus::Deleted)
                    .await
                    .unwrap();
            }
        }

        let before = state.statements.load(Ordering::SeqCst);
        let mine = teams.mine(&alice).await.unwrap();
        let cost_of_two = state.statements.load(Ordering::SeqCst) - before;
        let summary: Vec<_> = mine
            .iter()
            .map(|t| {
                let members: Vec<_> = t.members.iter().map(|m| (m.user_id, m.role)).collect();
                let panels: Vec<_> = t
                    .panels
                    .iter()
                    .map(|p| (p.name.as_str(), p.permission))
                    .collect();
                (t.name.as_str(), t.my_role, members, panels)
            })
            .collect();
        let alice_id = alice.signed_in().unwrap().id();
        assert_eq!(
            summary,
            [
                (
                    "Cardio",
                    Some(TeamRole::Admin),
                    vec![(alice_id, TeamRole::Admin), (bob_row.id, TeamRole::Member)],
                    vec![
                        ("Heart A", SharePermission::View),
                        ("Heart B", SharePermission::Edit)
                    ],
                ),
                (
                    "Neuro",
                    Some(TeamRole::Admin),
                    vec![(alice_id, TeamRole::Admin)],
                    vec![("Brain", SharePermission::View)],
                ),
            ]
        );

        let before = state.statements.load(Ordering::SeqCst);
        let bobs = teams.mine(&bob).await.unwrap();
        let cost_of_one = state.statements.load(Ordering::SeqCst) - before;
        assert_eq!(
            cost_of_one, cost_of_two,
            "statements do not grow with teams"
        );
        assert!(cost_of_one > 0, "the statement counter counts");
        assert_eq!(bobs.len(), 1);
        assert_eq!(bobs[0].my_role, Some(TeamRole::Member));

        assert_eq!(teams.view(&bob, cardio.id).await.unwrap().panels.len(), 2);
        let outsider = teams.view(&carol, cardio.id).await.unwrap_err();
        assert_eq!(outsider.code, ErrorCode::Forbidden);
        let missing = teams.view(&alice, cardio.id + 100).await.unwrap_err();
        assert_eq!(missing.code, ErrorCode::NotFound);
        let before = state.statements.load(Ordering::SeqCst);
        assert!(teams.mine(&carol).await.unwrap().is_empty());
        let cost_of_none = state.statements.load(Ordering::SeqCst) - before;
        assert_eq!(cost_of_none, 1, "no teams: only the membership query");
    }
}
