//! `/teams` — my teams: create, add and remove members, delete.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::common::error_message;
use super::ops::{
    AddTeamMember, CreateTeam, DeleteTeam, MyTeams, RemoveTeamMember, TeamRole, add_team_member,
    create_team, delete_team, my_teams, remove_team_member,
};
use crate::api::graphql;
use crate::components::Loaded;

type Team = my_teams::MyTeamsMyTeams;

/// `/teams`.
#[component]
pub fn TeamsPage() -> impl IntoView {
    view! {
        <h1>"Teams"</h1>
        <p class="lead">"Share saved panels with a whole team at once."</p>
        <TeamsList />
    }
}

#[component]
fn TeamsList() -> impl IntoView {
    let teams = LocalResource::new(|| async {
        graphql::<MyTeams>(my_teams::Variables)
            .await
            .map(|d| d.my_teams)
    });
    let reload = Callback::new(move |()| teams.refetch());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let variables = create_team::Variables {
            name: name.get_untracked().trim().to_owned(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
        };
        spawn_local(async move {
            match graphql::<CreateTeam>(variables).await {
                Ok(_) => {
                    name.set(String::new());
                    description.set(String::new());
                    error.set(None);
                    reload.run(());
                }
                Err(err) => error.set(Some(error_message(&err))),
            }
        });
    };
    view! {
        <form class="card form" id="new-team-form" on:submit=create>
            <h2>"New team"</h2>
            <label>
                "Name"
                <input
                    type="text"
                    required
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </label>
            <label>
                "Description"
                <input
                    type="text"
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
                />
            </label>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <button type="submit" class="button button-primary">
                "Create team"
            </button>
        </form>
        <Loaded
            resource=teams
            loading="Loading your teams…"
            error="Your teams could not be loaded."
            view=move |teams| {
                if teams.is_empty() {
                    return view! { <p class="muted">"You are not in a team yet."</p> }
                        .into_any();
                }
                teams
                    .into_iter()
                    .map(|team| view! { <TeamCard team reload /> })
                    .collect_view()
                    .into_any()
            }
        />
    }
}

#[component]
fn TeamCard(team: Team, reload: Callback<()>) -> impl IntoView {
    let is_admin = team.my_role == Some(TeamRole::Admin);
    let team_id = StoredValue::new(team.id.clone());
    let error = RwSignal::new(None::<String>);
    let user_id = RwSignal::new(String::new());
    let role = RwSignal::new(TeamRole::Member);
    let finish = move |result: Result<(), crate::api::ApiError>| match result {
        Ok(()) => {
            error.set(None);
            reload.run(());
        }
        Err(err) => error.set(Some(error_message(&err))),
    };
    let members = team
        .members
        .into_iter()
        .map(|member| {
            let member_id = member.user_id.clone();
            let remove = is_admin.then(|| {
                view! {
                    <button
                        type="button"
                        class="button button-small"
                        on:click=move |_| {
                            let variables = remove_team_member::Variables {
                                team_id: team_id.get_value(),
                                user_id: member_id.clone(),
                            };
                            spawn_local(async move {
                                finish(graphql::<RemoveTeamMember>(variables).await.map(|_| ()));
                            });
                        }
                    >
                        "Remove"
                    </button>
                }
            });
            let role = match member.role {
                TeamRole::Admin => "team admin",
                TeamRole::Member => "member",
            };
            view! {
                <li>
                    {format!(
                        "{} (user {}) · {role} ",
                        member.username.unwrap_or_default(),
                        member.user_id,
                    )}
                    {remove}
                </li>
            }
        })
        .collect_view();
    let admin_tools = is_admin.then(|| {
        let add = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let variables = add_team_member::Variables {
                team_id: team_id.get_value(),
                user_id: user_id.get_untracked().trim().to_owned(),
                role: Some(role.get_untracked()),
            };
            spawn_local(async move {
                finish(graphql::<AddTeamMember>(variables).await.map(|_| ()));
            });
        };
        view! {
            <form class="inline-form" on:submit=add>
                <label>
                    "User id "
                    <input
                        type="text"
                        required
                        prop:value=move || user_id.get()
                        on:input=move |ev| user_id.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Role "
                    <select on:change=move |ev| {
                        role.set(
                            event_target_value(&ev).parse().unwrap_or(TeamRole::Member),
                        )
                    }>
                        <option value="MEMBER">"Member"</option>
                        <option value="ADMIN">"Team admin"</option>
                    </select>
                </label>
                <button type="submit" class="button">
                    "Add member"
                </button>
                <button
                    type="button"
                    class="button button-danger"
                    on:click=move |_| {
                        let variables = delete_team::Variables {
                            team_id: team_id.get_value(),
                        };
                        spawn_local(async move {
                            finish(graphql::<DeleteTeam>(variables).await.map(|_| ()));
                        });
                    }
                >
                    "Delete team"
                </button>
            </form>
        }
    });
    view! {
        <section class="card team-card">
            <h2>{team.name}</h2>
            <p>{team.description.unwrap_or_default()}</p>
            <ul>{members}</ul>
            {admin_tools}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
    }
}
