//! `/login` and `/register`: sign in by username or e-mail, or create an account.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::graphql;
use crate::auth::{safe_next, use_current_user};
use crate::queries::{Login, Register, login, register};
use crate::time::browser_timezone;

/// The error of the last attempt, announced to screen readers.
fn form_error(error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|message| view! { <p class="form-error" role="alert">{message}</p> })
    }
}

/// The server's message as a sentence: a capital first letter and a full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// `/login?next=/path` — log in, then go back to `next`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let user = use_current_user();
    let query = use_query_map();
    let navigate = use_navigate();
    let login_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let next = move || safe_next(query.read_untracked().get("next"));
    let register_href = move || format!("/register?next={}", js_sys::encode_uri_component(&next()));

    let submit = Action::new_local(move |(login, password): &(String, String)| {
        let input = login::LoginInput {
            login: login.clone(),
            password: password.clone(),
        };
        async move {
            graphql::<Login>(login::Variables { input }).await?;
            user.reload().await;
            Ok::<_, crate::api::ApiError>(())
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = submit.value().get() {
            // A temporary password from an admin must be changed first (on the profile page).
            let must_change = user
                .me_untracked()
                .is_some_and(|me| me.must_change_password);
            let to = if must_change {
                "/profile".to_owned()
            } else {
                next()
            };
            navigate(&to, Default::default());
        }
    });
    // A wrong password says how many attempts are left before the lock and how long it lasts;
    // a locked account says how long is left (both from the server's answer).
    let error = Signal::derive(move || {
        submit
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| sentence(&e.to_string()))
    });

    view! {
        <section class="card narrow">
            <h1>"Log in"</h1>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    submit.dispatch((login_name.get_untracked(), password.get_untracked()));
                }
            >
                <label>
                    "Username or e-mail"
                    <input
                        id="login-name"
                        name="username"
                        autocomplete="username"
                        required
                        bind:value=login_name
                    />
                </label>
                <label>
                    "Password"
                    <input
                        id="login-password"
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        bind:value=password
                    />
                </label>
                <div id="login-error">{form_error(error)}</div>
                <button type="submit" class="button button-primary" disabled=move || submit.pending().get()>
                    "Log in"
                </button>
            </form>
            <p><A href="/forgot-password">"Forgot password?"</A></p>
            <p>"No account yet? " <A href=register_href>"Create one"</A></p>
        </section>
    }
}

/// `/register` — create an account (logged in at once), with the browser's time zone.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let user = use_current_user();
    let query = use_query_map();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let next = move || safe_next(query.read_untracked().get("next"));

    let submit = Action::new_local(move |input: &register::RegisterInput| {
        let input = input.clone();
        async move {
            graphql::<Register>(register::Variables { input }).await?;
            user.reload().await;
            Ok::<_, crate::api::ApiError>(())
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = submit.value().get() {
            navigate(&next(), Default::default());
        }
    });
    let error = Signal::derive(move || {
        submit
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });

    view! {
        <section class="card narrow">
            <h1>"Create an account"</h1>
            <p class="muted">
                "Anyone can search, merge and export without an account; an account lets you save and share panels."
            </p>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    submit
                        .dispatch(register::RegisterInput {
                            username: username.get_untracked(),
                            email: email.get_untracked(),
                            password: password.get_untracked(),
                            timezone: browser_timezone(),
                        });
                }
            >
                <label>
                    "Username"
                    <input
                        id="register-username"
                        autocomplete="username"
                        required
                        bind:value=username
                    />
                </label>
                <label>
                    "E-mail"
                    <input
                        id="register-email"
                        type="email"
                        autocomplete="email"
                        required
                        bind:value=email
                    />
                </label>
                <label>
                    "Password (at least 8 characters, not a common one)"
                    <input
                        id="register-password"
                        type="password"
                        autocomplete="new-password"
                        minlength="8"
                        required
                        bind:value=password
                    />
                </label>
                {form_error(error)}
                <button type="submit" class="button button-primary" disabled=move || submit.pending().get()>
                    "Create account"
                </button>
            </form>
            <p>"Already registered? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(
            sentence("invalid login or password; 1 attempt is left"),
            "Invalid login or password; 1 attempt is left."
        );
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "");
    }
}
