//! `/profile`: names, organisation, time zone and clock; password; sessions and API tokens
//! (in [`access`]); e-mail address and notices (in [`mail`]).

mod access;
mod mail;

use leptos::prelude::*;

use self::access::{ApiTokensSection, SessionsSection};
use self::mail::MailSection;
use crate::api::{ApiError, graphql};
use crate::auth::{MeUser, use_current_user};
use crate::components::outcome;
use crate::queries::me::TimeFormat;
use crate::queries::{
    ChangePassword, Timezones, UpdateProfile, change_password, timezones, update_profile,
};
use crate::time::{Time, browser_timezone};

/// `/profile` (logged-in users).
#[component]
pub fn ProfilePage() -> impl IntoView {
    let user = use_current_user();
    // While a password change is due the server refuses everything else, so only the password
    // form is shown; the rest appears once it is changed.
    let must_change = Memo::new(move |_| user.me().is_some_and(|me| me.must_change_password));
    move || {
        if must_change.try_get().unwrap_or(false) {
            view! {
                <h1>"Your account"</h1>
                <p class="form-error" role="alert" id="must-change-password">
                    "An administrator reset your password. Please choose a new one to continue."
                </p>
                <PasswordForm />
            }
            .into_any()
        } else {
            // Built from the user as loaded; saving reloads the user but keeps the form.
            let initial = user.me_untracked();
            view! {
                <h1>"Your account"</h1>
                {initial.clone().map(|me| view! { <ProfileForm me /> })}
                {initial.map(|me| view! { <MailSection me /> })}
                <PasswordForm />
                <SessionsSection />
                <ApiTokensSection />
            }
            .into_any()
        }
    }
}

fn clock_value(clock: &TimeFormat) -> &'static str {
    match clock {
        TimeFormat::H12 => "12h",
        _ => "24h",
    }
}

#[component]
fn ProfileForm(me: MeUser) -> impl IntoView {
    let user = use_current_user();
    let first_name = RwSignal::new(me.first_name.clone().unwrap_or_default());
    let last_name = RwSignal::new(me.last_name.clone().unwrap_or_default());
    let organization = RwSignal::new(me.organization.clone().unwrap_or_default());
    let timezone = RwSignal::new(me.timezone.clone());
    let clock = RwSignal::new(clock_value(&me.time_format).to_owned());
    let detected = browser_timezone();
    let zones = LocalResource::new(|| async {
        graphql::<Timezones>(timezones::Variables)
            .await
            .map(|data| data.timezones)
    });
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let save = Action::new_local(move |input: &update_profile::ProfileInput| {
        let input = input.clone();
        async move {
            let saved = graphql::<UpdateProfile>(update_profile::Variables { input }).await;
            if saved.is_ok() {
                user.reload().await;
            }
            result.set(Some(saved.map(|_| "Profile saved.".to_owned())));
        }
    });
    let optional = |value: String| {
        let value = value.trim().to_owned();
        (!value.is_empty()).then_some(value)
    };
    let options = move || {
        let current = timezone.get();
        let mut names = zones.get().and_then(Result::ok).unwrap_or_default();
        if !names.contains(&current) {
            names.insert(0, current.clone());
        }
        names
            .into_iter()
            .map(|name| {
                let selected = name == current;
                view! {
                    <option value=name.clone() selected=selected>
                        {name.clone()}
                    </option>
                }
            })
            .collect_view()
    };
    let now = js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    let detect_button = detected.clone().map(|zone| {
        let label = format!("Use this browser's zone ({zone})");
        view! {
            <button
                type="button"
                class="button"
                id="profile-detect-zone"
                on:click=move |_| timezone.set(zone.clone())
            >
                {label}
            </button>
        }
    });
    view! {
        <section class="card" aria-labelledby="profile-heading">
            <h2 id="profile-heading">"Profile"</h2>
            <p class="muted">
                {format!("Signed in as {} ({}), role {}.", me.username, me.email, me.role)}
            </p>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    save.dispatch(update_profile::ProfileInput {
                        first_name: optional(first_name.get_untracked()),
                        last_name: optional(last_name.get_untracked()),
                        organization: optional(organization.get_untracked()),
                        timezone: Some(timezone.get_untracked()),
                        time_format: Some(
                            if clock.get_untracked() == "12h" {
                                update_profile::TimeFormat::H12
                            } else {
                                update_profile::TimeFormat::H24
                            },
                        ),
                    });
                }
            >
                <div class="form-row">
                    <label>"First name" <input id="profile-first-name" bind:value=first_name /></label>
                    <label>"Last name" <input id="profile-last-name" bind:value=last_name /></label>
                </div>
                <label>"Organisation" <input id="profile-organization" bind:value=organization /></label>
                <label>
                    "Time zone"
                    <select
                        id="profile-timezone"
                        on:change=move |event| timezone.set(event_target_value(&event))
                    >
                        {options}
                    </select>
                </label>
                {detect_button}
                <fieldset class="inline">
                    <legend>"Clock"</legend>
                    <label>
                        <input
                            type="radio"
                            name="clock"
                            value="24h"
                            id="profile-clock-24"
                            prop:checked=move || clock.get() == "24h"
                            on:change=move |_| clock.set("24h".to_owned())
                        />
                        "24-hour"
                    </label>
                    <label>
                        <input
                            type="radio"
                            name="clock"
                            value="12h"
                            id="profile-clock-12"
                            prop:checked=move || clock.get() == "12h"
                            on:change=move |_| clock.set("12h".to_owned())
                        />
                        "12-hour"
                    </label>
                </fieldset>
                <p class="muted">
                    "Times are shown in your zone. Now: " <span id="profile-now"><Time at=now /></span>
                </p>
                {outcome(result)}
                <button type="submit" class="button button-primary" id="profile-save" disabled=move || save.pending().get()>
                    "Save profile"
                </button>
            </form>
        </section>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let user = use_current_user();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let change = Action::new_local(move |input: &change_password::ChangePasswordInput| {
        let input = input.clone();
        async move {
            let ended = graphql::<ChangePassword>(change_password::Variables { input }).await;
            if ended.is_ok() {
                current.set(String::new());
                new.set(String::new());
                // A forced change is done: the notice goes.
                user.reload().await;
            }
            result.set(Some(ended.map(|data| {
                format!(
                    "Password changed. {} ended.",
                    crate::words::counted(data.change_password, "other session", "other sessions")
                )
            })));
        }
    });
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    change.dispatch(change_password::ChangePasswordInput {
                        current_password: current.get_untracked(),
                        new_password: new.get_untracked(),
                    });
                }
            >
                <label>
                    "Current password"
                    <input type="password" autocomplete="current-password" required bind:value=current />
                </label>
                <label>
                    "New password (at least 8 characters)"
                    <input type="password" autocomplete="new-password" minlength="8" required bind:value=new />
                </label>
                <p class="muted">"Changing it ends your other sessions."</p>
                {outcome(result)}
                <button type="submit" class="button" disabled=move || change.pending().get()>
                    "Change password"
                </button>
            </form>
        </section>
    }
}
