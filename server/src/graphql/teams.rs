//! Teams: create, members and their roles, my teams.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use shared::TeamRole;

use super::ContextExt;
use super::saved::types::Person;
use crate::auth::permissions::Action;
use crate::graphql::node::{Kind, global_id, int_id};
use crate::services::teams::TeamView;

/// One member of a team.
#[derive(SimpleObject)]
pub struct TeamMember {
    /// The member's global user id.
    pub user_id: ID,
    /// The member.
    pub user: Person,
    /// The member's username; null if the account no longer exists.
    pub username: Option<String>,
    /// Member or team admin.
    pub role: TeamRole,
    /// When they joined.
    pub since: DateTime<Utc>,
}

/// A saved panel shared with a team (the team page lists them).
#[derive(SimpleObject)]
pub struct TeamPanel {
    /// The saved panel's global id.
    pub id: ID,
    /// The panel's name.
    pub name: String,
    /// What the share grants the team's members.
    pub permission: shared::SharePermission,
    /// Its current version.
    pub current_version: i32,
    /// Genes in its current version.
    pub gene_count: i32,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A group of users that saved panels can be shared with as one.
#[derive(SimpleObject)]
pub struct Team {
    /// The global id (see `Node`), for `team`, `addTeamMember`, `sharePanel(teamId)` …
    #[graphql(owned)]
    pub id: ID,
    /// The team's number in this server's database.
    pub database_id: i32,
    /// The team's name, unique on the server (1 to 100 characters).
    pub name: String,
    /// What the team is for; null when not given.
    pub description: Option<String>,
    /// The caller's role in the team (null for site admins outside it).
    pub my_role: Option<TeamRole>,
    /// Every member with their role.
    pub members: Vec<TeamMember>,
    /// The saved panels shared with the team (live shares, panels not deleted), by name.
    pub panels: Vec<TeamPanel>,
    /// When the team was created.
    pub created_at: DateTime<Utc>,
}

impl From<TeamView> for Team {
    fn from(t: TeamView) -> Self {
        Team {
            id: global_id(Kind::Team, t.id),
            database_id: t.id,
            name: t.name,
            description: t.description,
            my_role: t.my_role,
            members: t
                .members
                .into_iter()
                .map(|m| TeamMember {
                    user_id: global_id(Kind::User, m.user_id),
                    user: Person::new(m.user_id, m.username.as_deref().unwrap_or("")),
                    username: m.username,
                    role: m.role,
                    since: m.since,
                })
                .collect(),
            panels: t
                .panels
                .into_iter()
                .map(|p| TeamPanel {
                    id: global_id(Kind::SavedPanel, p.id),
                    name: p.name,
                    permission: p.permission,
                    current_version: p.current_version,
                    gene_count: p.gene_count,
                    updated_at: p.updated_at,
                })
                .collect(),
            created_at: t.created_at,
        }
    }
}

/// `node(id:)` for a `Team`: as `team(id:)`.
pub async fn team_node(ctx: &Context<'_>, id: i32) -> crate::error::AppResult<Team> {
    ctx.require(Action::ViewTeams)?;
    Ok(ctx.state().teams.view(ctx.principal(), id).await?.into())
}

#[derive(Default)]
pub struct TeamsQuery;

#[Object]
impl TeamsQuery {
    /// The teams you are in.
    async fn my_teams(&self, ctx: &Context<'_>) -> Result<Vec<Team>> {
        ctx.require(Action::ViewTeams)?;
        let teams = ctx.state().teams.mine(ctx.principal()).await?;
        Ok(teams.into_iter().map(Team::from).collect())
    }

    /// One team; FORBIDDEN when you are not in it (site admins see every team), NOT_FOUND when
    /// there is no such team.
    async fn team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team's id.")] id: ID,
    ) -> Result<Team> {
        ctx.require(Action::ViewTeams)?;
        let id = int_id(&id, Kind::Team)?;
        Ok(ctx.state().teams.view(ctx.principal(), id).await?.into())
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
        #[graphql(desc = "1 to 100 characters, unique (CONFLICT with `field: name` when taken).")]
        name: String,
        #[graphql(desc = "What the team is for.")] description: Option<String>,
    ) -> Result<Team> {
        ctx.require(Action::ManageTeams)?;
        let team = ctx
            .state()
            .teams
            .create(ctx.principal(), &name, description)
            .await?;
        Ok(team.into())
    }

    /// Adds a member (or changes their role). Team admins only.
    async fn add_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team's id; FORBIDDEN unless you are one of its admins.")] team_id: ID,
        #[graphql(desc = "The account to add; NOT_FOUND (`field: userId`) when there is none.")]
        user_id: ID,
        #[graphql(desc = "MEMBER (default) or ADMIN.")] role: Option<TeamRole>,
    ) -> Result<Team> {
        ctx.require(Action::ManageTeams)?;
        let team = ctx
            .state()
            .teams
            .add_member(
                ctx.principal(),
                int_id(&team_id, Kind::Team)?,
                int_id(&user_id, Kind::User)?,
                role.unwrap_or(TeamRole::Member),
            )
            .await?;
        Ok(team.into())
    }

    /// Removes a member (team admins), or leaves the team (yourself).
    async fn remove_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team's id.")] team_id: ID,
        #[graphql(
            desc = "The member to remove (your own id to leave). The last admin can not be removed (VALIDATION: make someone else admin first); NOT_FOUND when not a member."
        )]
        user_id: ID,
    ) -> Result<bool> {
        ctx.require_user()?;
        // Leaving is for every member; removing someone else is team management.
        let leaving =
            ctx.principal().signed_in().map(|u| u.id().to_string()) == Some(user_id.to_string());
        ctx.require(if leaving {
            Action::ViewTeams
        } else {
            Action::ManageTeams
        })?;
        ctx.state()
            .teams
            .remove_member(
                ctx.principal(),
                int_id(&team_id, Kind::Team)?,
                int_id(&user_id, Kind::User)?,
            )
            .await?;
        Ok(true)
    }

    /// Deletes a team; its shares end with it. Team admins only.
    async fn delete_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team's id; FORBIDDEN unless you are one of its admins.")] team_id: ID,
    ) -> Result<bool> {
        ctx.require(Action::ManageTeams)?;
        ctx.require_user()?;
        ctx.state()
            .teams
            .delete(ctx.principal(), int_id(&team_id, Kind::Team)?)
            .await?;
        Ok(true)
    }
}
