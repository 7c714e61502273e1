//! Teams: create, members and their roles, my teams.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use shared::TeamRole;

use super::ContextExt;
use super::accounts::int_id;
use crate::auth::permissions::Action;
use crate::services::teams;

#[derive(SimpleObject)]
pub struct TeamMember {
    pub user_id: ID,
    pub username: Option<String>,
    pub role: TeamRole,
    pub since: DateTime<Utc>,
}

/// A saved panel shared with a team (the team page lists them).
#[derive(SimpleObject)]
pub struct TeamPanel {
    pub id: ID,
    pub name: String,
    /// What the share grants the team's members.
    pub permission: shared::SharePermission,
    pub current_version: i32,
    pub gene_count: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct Team {
    pub id: ID,
    pub name: String,
    pub description: Option<String>,
    /// The caller's role in the team (null for site admins outside it).
    pub my_role: Option<TeamRole>,
    pub members: Vec<TeamMember>,
    /// The saved panels shared with the team (live shares, panels not deleted), by name.
    pub panels: Vec<TeamPanel>,
    pub created_at: DateTime<Utc>,
}

/// The panels shared with team `team_id` through a live share, not deleted, by name.
async fn team_panels(ctx: &Context<'_>, team_id: i32) -> Result<Vec<TeamPanel>> {
    use entity::{panel_shares, saved_panels};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
    let now = Utc::now();
    let rows = panel_shares::Entity::find()
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
        .all(&ctx.state().db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(share, panel)| {
            panel.map(|p| TeamPanel {
                id: ID(p.id.to_string()),
                name: p.name,
                permission: share.permission_level,
                current_version: p.current_version,
                gene_count: p.gene_count,
                updated_at: p.updated_at,
            })
        })
        .collect())
}

async fn team(ctx: &Context<'_>, row: entity::teams::Model) -> Result<Team> {
    let state = ctx.state();
    let me = ctx.current_user().map(|u| u.id);
    let members: Vec<TeamMember> = teams::members(state, row.id)
        .await?
        .into_iter()
        .map(|(m, u)| TeamMember {
            user_id: ID(m.user_id.to_string()),
            username: u.map(|u| u.username),
            role: m.role,
            since: m.created_at,
        })
        .collect();
    let my_role = members
        .iter()
        .find(|m| Some(m.user_id.as_str()) == me.map(|i| i.to_string()).as_deref())
        .map(|m| m.role);
    let panels = team_panels(ctx, row.id).await?;
    Ok(Team {
        id: ID(row.id.to_string()),
        name: row.name,
        description: row.description,
        my_role,
        members,
        panels,
        created_at: row.created_at,
    })
}

#[derive(Default)]
pub struct TeamsQuery;

#[Object]
impl TeamsQuery {
    /// The teams you are in.
    async fn my_teams(&self, ctx: &Context<'_>) -> Result<Vec<Team>> {
        ctx.require(Action::ViewTeams)?;
        let user = ctx.require_user()?;
        let mut out = Vec::new();
        for (row, _) in teams::mine(ctx.state(), user.id).await? {
            out.push(team(ctx, row).await?);
        }
        Ok(out)
    }

    async fn team(&self, ctx: &Context<'_>, id: ID) -> Result<Team> {
        ctx.require(Action::ViewTeams)?;
        let user = ctx.require_user()?;
        let row = teams::visible(ctx.state(), user, int_id(&id, "team")?).await?;
        team(ctx, row).await
    }
}

#[derive(Default)]
pub struct TeamsMutation;

#[Object]
impl TeamsMutation {
    /// Creates a team with you as its admin.
    async fn create_team(
        &self,
        ctx: &Context<'_>,
        name: String,
        description: Option<String>,
    ) -> Result<Team> {
        ctx.require(Action::ManageTeams)?;
        let user = ctx.require_user()?;
        let row = teams::create(ctx.state(), &ctx.actor(), user, &name, description).await?;
        team(ctx, row).await
    }

    /// Adds a member (or changes their role). Team admins only.
    async fn add_team_member(
        &self,
        ctx: &Context<'_>,
        team_id: ID,
        user_id: ID,
        role: Option<TeamRole>,
    ) -> Result<Team> {
        ctx.require(Action::ManageTeams)?;
        let user = ctx.require_user()?;
        let tid = int_id(&team_id, "team")?;
        teams::add_member(
            ctx.state(),
            &ctx.actor(),
            user,
            tid,
            int_id(&user_id, "user")?,
            role.unwrap_or(TeamRole::Member),
        )
        .await?;
        let row = teams::visible(ctx.state(), user, tid).await?;
        team(ctx, row).await
    }

    /// Removes a member (team admins), or leaves the team (yourself).
    async fn remove_team_member(
        &self,
        ctx: &Context<'_>,
        team_id: ID,
        user_id: ID,
    ) -> Result<bool> {
        let user = ctx.require_user()?;
        // Leaving is for every member; removing someone else is team management.
        let leaving = ctx.current_user().map(|u| u.id.to_string()) == Some(user_id.to_string());
        ctx.require(if leaving {
            Action::ViewTeams
        } else {
            Action::ManageTeams
        })?;
        teams::remove_member(
            ctx.state(),
            &ctx.actor(),
            user,
            int_id(&team_id, "team")?,
            int_id(&user_id, "user")?,
        )
        .await?;
        Ok(true)
    }

    /// Deletes a team; its shares end with it. Team admins only.
    async fn delete_team(&self, ctx: &Context<'_>, team_id: ID) -> Result<bool> {
        ctx.require(Action::ManageTeams)?;
        let user = ctx.require_user()?;
        teams::delete(ctx.state(), &ctx.actor(), user, int_id(&team_id, "team")?).await?;
        Ok(true)
    }
}
