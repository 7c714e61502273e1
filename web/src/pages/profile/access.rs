//! The access parts of `/profile`: live sessions (revoke) and API tokens (create, list, revoke).

use leptos::prelude::*;

use crate::api::{ApiError, graphql};
use crate::components::outcome;
use crate::components::{Loaded, Table};
use crate::queries::{
    ApiTokens, CreateApiToken, MySessions, RevokeApiToken, RevokeSession, TokenScope, api_tokens,
    create_api_token, my_sessions, revoke_api_token, revoke_session,
};
use crate::time::{MaybeTime, Time};

/// The caller's sessions, newest first, each revocable except the current one.
#[component]
pub fn SessionsSection() -> impl IntoView {
    let sessions = LocalResource::new(|| async {
        graphql::<MySessions>(my_sessions::Variables)
            .await
            .map(|data| data.my_sessions)
    });
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let revoke = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            let done = graphql::<RevokeSession>(revoke_session::Variables { id }).await;
            result.set(Some(done.map(|_| "Session ended.".to_owned())));
            sessions.refetch();
        }
    });
    let rows = move |list: Vec<my_sessions::MySessionsMySessions>| {
        list.into_iter()
            .map(|session| {
                let id = session.id.clone();
                let action = if session.current {
                    view! { <span class="tag">"This browser"</span> }.into_any()
                } else {
                    view! {
                        <button type="button" class="button button-small" on:click=move |_| { revoke.dispatch(id.clone()); }>
                            "Revoke"
                        </button>
                    }
                    .into_any()
                };
                view! {
                    <tr class="session-row">
                        <td class="session-created"><Time at=session.created_at /></td>
                        <td><Time at=session.last_seen_at /></td>
                        <td><Time at=session.expires_at /></td>
                        <td>{session.ip.unwrap_or_default()}</td>
                        <td class="user-agent">{session.user_agent.unwrap_or_default()}</td>
                        <td>{action}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            {outcome(result)}
            <Loaded
                resource=sessions
                loading="Loading sessions…"
                error="Your sessions could not be loaded."
                view=move |list| view! {
                    <Table id="sessions" headers=&["Started", "Last seen", "Expires", "IP", "Browser", ""]>
                        {rows(list)}
                    </Table>
                }
            />
        </section>
    }
}

fn scope_label(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::Read => "Read",
        TokenScope::Write => "Write",
        TokenScope::Admin => "Admin",
    }
}

fn scope_words(scopes: &[TokenScope]) -> String {
    scopes
        .iter()
        .map(|s| scope_label(*s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Personal API tokens: the secret of a new one is shown once.
#[component]
pub fn ApiTokensSection() -> impl IntoView {
    let tokens = LocalResource::new(|| async {
        graphql::<ApiTokens>(api_tokens::Variables)
            .await
            .map(|data| data.api_tokens)
    });
    let name = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let secret = RwSignal::new(None::<String>);
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let chosen = RwSignal::new(vec![TokenScope::Read, TokenScope::Write]);
    let create = Action::new_local(move |(name, days): &(String, Option<i64>)| {
        let variables = create_api_token::Variables {
            name: name.clone(),
            scopes: Some(chosen.get_untracked()),
            expires_in_days: *days,
        };
        async move {
            match graphql::<CreateApiToken>(variables).await {
                Ok(data) => {
                    secret.set(Some(data.create_api_token.secret));
                    result.set(None);
                    tokens.refetch();
                }
                Err(error) => result.set(Some(Err(error))),
            }
        }
    });
    let revoke = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            let done = graphql::<RevokeApiToken>(revoke_api_token::Variables { id }).await;
            result.set(Some(done.map(|_| "Token revoked.".to_owned())));
            tokens.refetch();
        }
    });
    let rows = move |list: Vec<api_tokens::ApiTokensApiTokens>| {
        list.into_iter()
            .map(|token| {
                let id = token.id.clone();
                let action = token.active.then(|| view! {
                    <button type="button" class="button button-small" on:click=move |_| { revoke.dispatch(id.clone()); }>
                        "Revoke"
                    </button>
                });
                view! {
                    <tr class="token-row">
                        <td class="token-name">{token.name}</td>
                        <td><code>{token.prefix}"…"</code></td>
                        <td><Time at=token.created_at /></td>
                        <td><MaybeTime at=token.last_used_at none="never" /></td>
                        <td><MaybeTime at=token.expires_at none="never" /></td>
                        <td class="token-scopes">{scope_words(&token.scopes)}</td>
                        <td>{if token.active { "active" } else { "revoked" }}</td>
                        <td>{action}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let shown_secret = move || {
        secret.get().map(|value| view! {
            <div class="secret-once" role="status">
                <p>"Copy this token now; it will not be shown again:"</p>
                <code id="token-secret">{value}</code>
                <button type="button" class="button button-small" on:click=move |_| secret.set(None)>"Done"</button>
            </div>
        })
    };
    view! {
        <section class="card" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="muted">
                "Scripts send a token as " <code>"Authorization: Bearer <token>"</code>
                " and act with your role, limited to the token's scopes: Read (queries), Write \
                 (changes) and Admin (site administration, for administrators)."
            </p>
            <form
                class="form form-row"
                on:submit=move |event| {
                    event.prevent_default();
                    let days = days.get_untracked().trim().parse::<i64>().ok();
                    create.dispatch((name.get_untracked(), days));
                    name.set(String::new());
                }
            >
                <label>"Name" <input id="token-name" required bind:value=name /></label>
                <label>
                    "Expires after (days; 90 if empty)"
                    <input id="token-days" type="number" min="1" max="3650" bind:value=days />
                </label>
                <fieldset class="token-scope-choice">
                    <legend>"Scopes"</legend>
                    {TokenScope::ALL
                        .iter()
                        .copied()
                        .map(|scope| view! {
                            <label class="inline">
                                <input
                                    type="checkbox"
                                    data-scope=scope.as_str()
                                    prop:checked=move || chosen.with(|c| c.contains(&scope))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|s| *s != scope);
                                            if on {
                                                c.push(scope);
                                                c.sort();
                                            }
                                        });
                                    }
                                />
                                {scope_label(scope)}
                            </label>
                        })
                        .collect_view()}
                </fieldset>
                <button type="submit" class="button" disabled=move || create.pending().get()>
                    "Create token"
                </button>
            </form>
            {shown_secret}
            {outcome(result)}
            <Loaded
                resource=tokens
                loading="Loading tokens…"
                error="Your API tokens could not be loaded."
                view=move |list| if list.is_empty() {
                    view! { <p class="muted">"No tokens yet."</p> }.into_any()
                } else {
                    view! {
                        <Table id="tokens" headers=&["Name", "Starts with", "Created", "Last used", "Expires", "Scopes", "State", ""]>
                            {rows(list)}
                        </Table>
                    }.into_any()
                }
            />
        </section>
    }
}
