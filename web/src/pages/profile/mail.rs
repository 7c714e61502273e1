//! The e-mail section of `/profile`: the address and whether it is confirmed, a change of
//! address (confirmed from the new one), and which notices come by e-mail.

use leptos::prelude::*;
use shared::Role;

use crate::api::{ApiError, graphql};
use crate::auth::{MeUser, use_current_user};
use crate::components::outcome;
use crate::queries::{
    RequestEmailChange, RequestEmailVerification, UpdateMailPreferences, request_email_change,
    request_email_verification, update_mail_preferences,
};

#[component]
pub fn MailSection(me: MeUser) -> impl IntoView {
    let user = use_current_user();
    let verified = Signal::derive(move || user.me().is_some_and(|m| m.is_verified));
    let address = Signal::derive(move || user.me().map(|m| m.email).unwrap_or_default());
    let verify_result = RwSignal::new(None::<Result<String, ApiError>>);
    let resend = Action::new_local(move |_: &()| async move {
        let sent = graphql::<RequestEmailVerification>(request_email_verification::Variables)
            .await
            .map(|_| "A new link is on its way; follow it to confirm your address.".to_owned());
        verify_result.set(Some(sent));
    });

    let new_email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let change_result = RwSignal::new(None::<Result<String, ApiError>>);
    let change = Action::new_local(move |input: &request_email_change::EmailChangeInput| {
        let input = input.clone();
        async move {
            let asked = graphql::<RequestEmailChange>(request_email_change::Variables {
                input: input.clone(),
            })
            .await
            .map(|_| {
                password.set(String::new());
                format!(
                    "Follow the link we sent to {} to start using it; until then your current \
                     address stays in use.",
                    input.new_email.trim()
                )
            });
            change_result.set(Some(asked));
        }
    });

    let shares = RwSignal::new(me.notify_shares);
    let security = RwSignal::new(me.notify_security);
    let prefs_result = RwSignal::new(None::<Result<String, ApiError>>);
    let save = Action::new_local(move |(security, shares): &(Option<bool>, bool)| {
        let variables = update_mail_preferences::Variables {
            notify_security: *security,
            notify_shares: Some(*shares),
        };
        async move {
            let saved = graphql::<UpdateMailPreferences>(variables)
                .await
                .map(|_| "Notices saved.".to_owned());
            prefs_result.set(Some(saved));
        }
    });
    let is_admin = me.role == Role::Admin;

    view! {
        <section class="card" aria-labelledby="mail-heading" id="mail-section">
            <h2 id="mail-heading">"E-mail"</h2>
            <p id="mail-address">
                {move || address.get()}
                {move || if verified.get() { " — confirmed" } else { " — not confirmed yet" }}
            </p>
            {move || (!verified.get()).then(|| view! {
                <button type="button" class="button" id="mail-resend" on:click=move |_| { resend.dispatch(()); }>
                    "Send a new confirmation link"
                </button>
            })}
            {outcome(verify_result)}
            <h3>"Change your address"</h3>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    change.dispatch(request_email_change::EmailChangeInput {
                        new_email: new_email.get_untracked(),
                        current_password: password.get_untracked(),
                    });
                }
            >
                <label>
                    "New address"
                    <input id="mail-new" type="email" autocomplete="email" required bind:value=new_email />
                </label>
                <label>
                    "Current password"
                    <input id="mail-password" type="password" autocomplete="current-password" required bind:value=password />
                </label>
                <p class="muted">"We send a link to the new address, and tell the old one (with a way to undo it)."</p>
                <div id="mail-change-result">{outcome(change_result)}</div>
                <button type="submit" class="button" id="mail-change" disabled=move || change.pending().get()>
                    "Change address"
                </button>
            </form>
            <h3>"Notices by e-mail"</h3>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    let security = is_admin.then(|| security.get_untracked());
                    save.dispatch((security, shares.get_untracked()));
                }
            >
                <label>
                    <input type="checkbox" id="notify-shares" prop:checked=move || shares.get() on:change=move |e| shares.set(event_target_checked(&e)) />
                    " When someone shares a panel with me"
                </label>
                {is_admin.then(|| view! {
                    <label>
                        <input type="checkbox" id="notify-security" prop:checked=move || security.get() on:change=move |e| security.set(event_target_checked(&e)) />
                        " Security events and new administrators (admins)"
                    </label>
                })}
                <p class="muted">"A locked account is always told, to its own address."</p>
                {outcome(prefs_result)}
                <button type="submit" class="button" id="notify-save" disabled=move || save.pending().get()>
                    "Save notices"
                </button>
            </form>
        </section>
    }
}
