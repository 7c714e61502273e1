//! `/admin/users`: search accounts; change roles; activate, deactivate, unlock; reset passwords.

use leptos::prelude::*;
use shared::Role;

use super::AdminNav;
use crate::api::{ApiError, graphql};
use crate::components::outcome;
use crate::components::{Loaded, Pager, Pages, Table};
use crate::queries::{
    ResetUserPassword, SetUserActive, SetUserRole, SetUserVerified, UnlockUser, Users,
    reset_user_password, set_user_active, set_user_role, set_user_verified, unlock_user, users,
};
use crate::time::{MaybeTime, Time};
use crate::words::counted;

type UserRow = users::UsersUsersNodes;

/// One admin action on one account.
#[derive(Debug, Clone)]
enum UserAction {
    Role(String, Role),
    Active(String, bool),
    Unlock(String),
    ResetPassword(String, String),
    Verified(String, bool),
}

async fn perform(action: UserAction) -> Result<String, ApiError> {
    Ok(match action {
        UserAction::Role(id, role) => {
            graphql::<SetUserRole>(set_user_role::Variables { id, role }).await?;
            format!("Role changed to {role}.")
        }
        UserAction::Active(id, active) => {
            graphql::<SetUserActive>(set_user_active::Variables { id, active }).await?;
            if active {
                "Account activated.".to_owned()
            } else {
                "Account deactivated; its sessions ended.".to_owned()
            }
        }
        UserAction::Unlock(id) => {
            graphql::<UnlockUser>(unlock_user::Variables { id }).await?;
            "Account unlocked.".to_owned()
        }
        UserAction::ResetPassword(id, username) => {
            let reset = graphql::<ResetUserPassword>(reset_user_password::Variables { id }).await?;
            let reset = reset.reset_user_password;
            let mailed = if reset.mailed {
                " It was also e-mailed to them."
            } else {
                ""
            };
            format!(
                "Temporary password for {username}: {} (they must change it at their next login; \
                 it stops working at {} UTC).{mailed}",
                reset.temporary_password,
                reset
                    .expires_at
                    .get(..16)
                    .unwrap_or(&reset.expires_at)
                    .replace('T', " ")
            )
        }
        UserAction::Verified(id, verified) => {
            graphql::<SetUserVerified>(set_user_verified::Variables { id, verified }).await?;
            if verified {
                "Address marked confirmed.".to_owned()
            } else {
                "Address marked unconfirmed.".to_owned()
            }
        }
    })
}

/// `/admin/users`.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let pages = Pages::new();
    let list = LocalResource::new(move || {
        let search = query.get();
        let after = pages.after.get();
        async move {
            graphql::<Users>(users::Variables {
                search: (!search.trim().is_empty()).then_some(search),
                first: Some(50),
                after,
            })
            .await
            .map(|data| data.users)
        }
    });
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let act = Action::new_local(move |action: &UserAction| {
        let action = action.clone();
        async move {
            result.set(Some(perform(action).await));
            list.refetch();
        }
    });
    let row = move |user: UserRow| {
        let id = user.id.clone();
        let role_select = {
            let id = id.clone();
            let current = user.role;
            let options = Role::ALL
                .iter()
                .map(|role| {
                    view! {
                        <option value=role.as_str() selected=*role == current>
                            {role.as_str()}
                        </option>
                    }
                })
                .collect_view();
            view! {
                <select
                    aria-label=format!("Role of {}", user.username)
                    on:change=move |event| {
                        if let Ok(role) = event_target_value(&event).parse::<Role>() {
                            act.dispatch(UserAction::Role(id.clone(), role));
                        }
                    }
                >
                    {options}
                </select>
            }
        };
        let toggle = {
            let id = id.clone();
            let active = user.is_active;
            view! {
                <button
                    type="button"
                    class="button button-small"
                    on:click=move |_| {
                        act.dispatch(UserAction::Active(id.clone(), !active));
                    }
                >
                    {if active { "Deactivate" } else { "Activate" }}
                </button>
            }
        };
        let locked = user.locked_until.clone();
        let unlock = locked.is_some().then(|| {
            let id = id.clone();
            view! {
                <button
                    type="button"
                    class="button button-small"
                    on:click=move |_| {
                        act.dispatch(UserAction::Unlock(id.clone()));
                    }
                >
                    "Unlock"
                </button>
            }
        });
        let reset = {
            let id = id.clone();
            let username = user.username.clone();
            view! {
                <button
                    type="button"
                    class="button button-small"
                    on:click=move |_| {
                        act.dispatch(UserAction::ResetPassword(id.clone(), username.clone()));
                    }
                >
                    "Reset password"
                </button>
            }
        };
        let verified = user.is_verified;
        let verify = {
            let id = id.clone();
            view! {
                <button
                    type="button"
                    class="button button-small"
                    on:click=move |_| {
                        act.dispatch(UserAction::Verified(id.clone(), !verified));
                    }
                >
                    {if verified { "Mark unconfirmed" } else { "Mark confirmed" }}
                </button>
            }
        };
        view! {
            <tr class="user-row" data-username=user.username.clone()>
                <td>{user.username.clone()}</td>
                <td>
                    {user.email}
                    {if verified { " (confirmed)" } else { " (unconfirmed)" }}
                </td>
                <td>{role_select}</td>
                <td>{if user.is_active { "active" } else { "deactivated" }}</td>
                <td>
                    <MaybeTime at=locked none="no" />
                    {format!(" ({} failed)", user.failed_login_attempts)}
                </td>
                <td><MaybeTime at=user.last_login none="never" /></td>
                <td><Time at=user.created_at /></td>
                <td class="actions">{toggle}{unlock}{reset}{verify}</td>
            </tr>
        }
    };
    view! {
        <AdminNav />
        <h1>"Users"</h1>
        <form
            class="form form-row"
            role="search"
            on:submit=move |event| {
                event.prevent_default();
                pages.reset();
                query.set(search.get_untracked());
            }
        >
            <label>"Username or e-mail" <input id="user-search" type="search" bind:value=search /></label>
            <button type="submit" class="button">"Search"</button>
        </form>
        {outcome(result)}
        <Loaded
            resource=list
            loading="Loading users…"
            error="The users could not be loaded."
            view=move |page| {
                let next = page.page_info.has_next_page.then_some(page.page_info.end_cursor).flatten();
                view! {
                    <p class="muted">{counted(page.total_count, "account", "accounts")}</p>
                    <Table id="users" headers=&["Username", "E-mail", "Role", "State", "Locked until", "Last login", "Created", "Actions"]>
                        {page.nodes.into_iter().map(row).collect_view()}
                    </Table>
                    <Pager pages next />
                }
            }
        />
    }
}
