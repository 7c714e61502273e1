//! The pages e-mailed links open, and "Forgot password?": `/forgot-password`,
//! `/reset-password`, `/verify-email`, `/confirm-email` and `/undo-email-change`. Links carry
//! their token after `#token=`, which browsers never send to a server.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{ApiError, graphql};
use crate::auth::use_current_user;
use crate::components::outcome;
use crate::queries::{
    ConfirmEmailChange, RequestPasswordReset, ResetPassword, UndoEmailChange, VerifyEmail,
    confirm_email_change, request_password_reset, reset_password, undo_email_change, verify_email,
};

/// The token of the link that opened this page (`#token=…`), if any.
pub fn link_token() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let token = hash.strip_prefix("#token=")?.trim().to_owned();
    (!token.is_empty()).then_some(token)
}

fn missing_token() -> impl IntoView {
    view! {
        <p class="form-error" role="alert" id="link-missing">
            "This page needs the whole link from the e-mail. Copy it again, all of it, into the address bar."
        </p>
    }
}

/// `/forgot-password` — a reset link by e-mail.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let login = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let send = Action::new_local(move |login: &String| {
        let login = login.trim().to_owned();
        async move {
            let sent = graphql::<RequestPasswordReset>(request_password_reset::Variables { login })
                .await
                .map(|_| {
                    "If an account has that name or address, a link to choose a new password \
                     is on its way to its e-mail address. The link works once, for a short time."
                        .to_owned()
                });
            result.set(Some(sent));
        }
    });
    view! {
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <p class="muted">"Give your username or e-mail address; we e-mail you a link to choose a new password."</p>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    send.dispatch(login.get_untracked());
                }
            >
                <label>
                    "Username or e-mail"
                    <input id="forgot-login" autocomplete="username" required bind:value=login />
                </label>
                <div id="forgot-result">{outcome(result)}</div>
                <button type="submit" class="button button-primary" id="forgot-send" disabled=move || send.pending().get()>
                    "Send the link"
                </button>
            </form>
            <p><A href="/login">"Back to log in"</A></p>
        </section>
    }
}

/// `/reset-password#token=…` — a new password with the e-mailed link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = link_token();
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let done = RwSignal::new(false);
    let reset = Action::new_local(move |(token, password): &(String, String)| {
        let input = reset_password::ResetPasswordInput {
            token: token.clone(),
            new_password: password.clone(),
        };
        async move {
            let outcome = graphql::<ResetPassword>(reset_password::Variables { input })
                .await
                .map(|_| {
                    done.set(true);
                    "Your password is changed. Every session ended and your API tokens were \
                     revoked; log in with the new password."
                        .to_owned()
                });
            result.set(Some(outcome));
        }
    });
    let Some(token) = token else {
        return view! { <section class="card narrow"><h1>"Choose a new password"</h1>{missing_token()}</section> }
            .into_any();
    };
    view! {
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    if password.get_untracked() != repeat.get_untracked() {
                        result.set(Some(Err(ApiError::Graphql { code: None, message: "The two passwords differ.".into() })));
                        return;
                    }
                    reset.dispatch((token.clone(), password.get_untracked()));
                }
            >
                <label>
                    "New password (at least 8 characters, not a common one)"
                    <input id="reset-password" type="password" autocomplete="new-password" minlength="8" required bind:value=password />
                </label>
                <label>
                    "The same again"
                    <input id="reset-repeat" type="password" autocomplete="new-password" minlength="8" required bind:value=repeat />
                </label>
                <div id="reset-result">{outcome(result)}</div>
                <button type="submit" class="button button-primary" id="reset-save" disabled=move || reset.pending().get() || done.get()>
                    "Set the password"
                </button>
            </form>
            <p><A href="/login">"Log in"</A> " · " <A href="/forgot-password">"Ask for a new link"</A></p>
        </section>
    }
    .into_any()
}

/// A page that uses its link at once (`/verify-email`, `/confirm-email`).
fn use_link_at_once<F, Fut>(title: &'static str, id: &'static str, run: F) -> AnyView
where
    F: Fn(String) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<String, ApiError>> + 'static,
{
    let user = use_current_user();
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let Some(token) = link_token() else {
        return view! { <section class="card narrow"><h1>{title}</h1>{missing_token()}</section> }
            .into_any();
    };
    let action = Action::new_local(move |token: &String| {
        let future = run(token.clone());
        async move {
            let outcome = future.await;
            if outcome.is_ok() {
                user.reload().await;
            }
            result.set(Some(outcome));
        }
    });
    action.dispatch(token);
    view! {
        <section class="card narrow">
            <h1>{title}</h1>
            <div id=id>
                {move || action.pending().get().then(|| view! { <p class="muted">"Working…"</p> })}
                {outcome(result)}
            </div>
            <p><A href="/">"Home"</A> " · " <A href="/profile">"Your account"</A></p>
        </section>
    }
    .into_any()
}

/// `/verify-email#token=…`.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    use_link_at_once(
        "Confirm your address",
        "verify-result",
        |token| async move {
            graphql::<VerifyEmail>(verify_email::Variables { token })
                .await
                .map(|_| "Your e-mail address is confirmed.".to_owned())
        },
    )
}

/// `/confirm-email#token=…` — the new address of a change.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    use_link_at_once(
        "Confirm your new address",
        "confirm-result",
        |token| async move {
            graphql::<ConfirmEmailChange>(confirm_email_change::Variables { token })
                .await
                .map(|_| {
                    "Your new address is in use. Log in with it (or your username) from now on."
                        .to_owned()
                })
        },
    )
}

/// `/undo-email-change#token=…` — from the notice to the old address; asks before acting.
#[component]
pub fn UndoEmailChangePage() -> impl IntoView {
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let Some(token) = link_token() else {
        return view! { <section class="card narrow"><h1>"Undo the change of address"</h1>{missing_token()}</section> }
            .into_any();
    };
    let undo = Action::new_local(move |token: &String| {
        let token = token.clone();
        async move {
            let outcome = graphql::<UndoEmailChange>(undo_email_change::Variables { token })
                .await
                .map(|_| {
                    "Your old address is back. Everyone was logged out of the account and its \
                     API tokens were revoked: choose a new password with \"Forgot password?\"."
                        .to_owned()
                });
            result.set(Some(outcome));
        }
    });
    view! {
        <section class="card narrow">
            <h1>"Undo the change of address"</h1>
            <p>"If you did not change your address, undo it: the old address comes back and everyone is logged out of the account."</p>
            <div id="undo-result">{outcome(result)}</div>
            <button class="button button-danger" id="undo-confirm" disabled=move || undo.pending().get() on:click=move |_| { undo.dispatch(token.clone()); }>
                "Undo the change"
            </button>
            <p><A href="/forgot-password">"Forgot password?"</A></p>
        </section>
    }
    .into_any()
}
