//! `/teams` — my teams: create, add and remove members, delete.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::common::error_message;
use crate::api::graphql;
use crate::components::Loaded;
use crate::queries::{
    AddTeamMember, CreateTeam, DeleteTeam, MyTeams, RemoveTeamMember, TeamRole, add_team_member,
    create_team, delete_team, my_teams, remove_team_member,
};
use crate::roles::{Act, IfAllowed};

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
        <IfAllowed act=Act::ManageTeams id="new-team-refused">
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
        </IfAllowed>
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
            <h2>
                <leptos_router::components::A href=format!("/teams/{}", team.id)>{team.name}</leptos_router::components::A>
            </h2>
            <p>{team.description.unwrap_or_default()}</p>
            <ul>{members}</ul>
            {admin_tools}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
    }
}

/// `/teams/:id` — a team's page: its members and the saved panels shared with it.
#[component]
pub fn TeamPage() -> impl IntoView {
    use leptos_router::components::A;
    use leptos_router::hooks::use_params_map;

    use crate::queries::{Team as TeamQuery, team};
    use crate::time::Time;

    let params = use_params_map();
    let resource = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        async move {
            graphql::<TeamQuery>(team::Variables { id })
                .await
                .map(|d| d.team)
        }
    });
    view! {
        <p><A href="/teams">"All teams"</A></p>
        <Loaded
            resource
            loading="Loading the team…"
            error="The team could not be loaded."
            view=move |t: team::TeamTeam| {
                let members = t
                    .members
                    .clone()
                    .into_iter()
                    .map(|m| {
                        view! {
                            <tr>
                                <th scope="row">{m.username.clone().unwrap_or_else(|| "(deleted account)".to_owned())}</th>
                                <td>{team_role_label(m.role)}</td>
                                <td><Time at=m.since.clone() /></td>
                            </tr>
                        }
                    })
                    .collect_view();
                let panels = t
                    .panels
                    .clone()
                    .into_iter()
                    .map(|p| {
                        view! {
                            <tr>
                                <th scope="row"><A href=format!("/saved/{}", p.id)>{p.name.clone()}</A></th>
                                <td>{super::share::permission_label(p.permission)}</td>
                                <td>{p.gene_count}</td>
                                <td>{p.current_version}</td>
                                <td><Time at=p.updated_at.clone() /></td>
                            </tr>
                        }
                    })
                    .collect_view();
                let no_panels = t.panels.is_empty();
                view! {
                    <h1 id="team-name">{t.name.clone()}</h1>
                    <p class="lead">{t.description.clone().unwrap_or_default()}</p>
                    <section class="card" aria-labelledby="team-members-heading">
                        <h2 id="team-members-heading">{format!("Members ({})", t.members.len())}</h2>
                        <div class="table-wrap" tabindex="0">
                            <table class="data-table" id="team-members">
                                <thead>
                                    <tr>
                                        <th scope="col">"Member"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Since"</th>
                                    </tr>
                                </thead>
                                <tbody>{members}</tbody>
                            </table>
                        </div>
                    </section>
                    <section class="card" aria-labelledby="team-panels-heading">
                        <h2 id="team-panels-heading">{format!("Panels shared with the team ({})", t.panels.len())}</h2>
                        {no_panels.then(|| view! { <p class="muted">"No panel is shared with this team yet."</p> })}
                        <div class="table-wrap" hidden=no_panels>
                            <table class="data-table" id="team-panels">
                                <thead>
                                    <tr>
                                        <th scope="col">"Panel"</th>
                                        <th scope="col">"Members may"</th>
                                        <th scope="col">"Genes"</th>
                                        <th scope="col">"Version"</th>
                                        <th scope="col">"Updated"</th>
                                    </tr>
                                </thead>
                                <tbody>{panels}</tbody>
                            </table>
                        </div>
                    </section>
                }
            }
        />
    }
}

fn team_role_label(role: crate::queries::TeamRole) -> &'static str {
    match role {
        crate::queries::TeamRole::Admin => "Team admin",
        crate::queries::TeamRole::Member => "Member",
    }
}
