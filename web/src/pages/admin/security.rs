//! `/admin/security`: lockouts, brute-force blocks, denied access and the other security events,
//! and lifting an IP block.

use leptos::prelude::*;
use shared::AuditAction;

use super::AdminNav;
use super::audit::AuditBrowser;
use crate::api::{ApiError, graphql};
use crate::components::outcome;
use crate::queries::{UnblockIp, unblock_ip};

/// The audit actions that are security events (`AuditAction::is_security_event`).
pub const SECURITY_ACTIONS: &[AuditAction] = &[
    AuditAction::AccountLockout,
    AuditAction::BruteForceAttempt,
    AuditAction::AccessDenied,
    AuditAction::SecurityViolation,
    AuditAction::PrivilegeEscalation,
    AuditAction::SuspiciousActivity,
    AuditAction::DataBreachAttempt,
    AuditAction::SystemSecurity,
];

/// `/admin/security`.
#[component]
pub fn AdminSecurityPage() -> impl IntoView {
    let ip = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let unblock = Action::new_local(move |ip: &String| {
        let ip = ip.trim().to_owned();
        async move {
            let done = graphql::<UnblockIp>(unblock_ip::Variables { ip: ip.clone() })
                .await
                .map(|lifted| {
                    if lifted.unblock_ip {
                        format!("{ip} may log in again.")
                    } else {
                        format!("{ip} was not blocked.")
                    }
                });
            result.set(Some(done));
        }
    });
    view! {
        <AdminNav />
        <h1>"Security events"</h1>
        <p class="muted">
            "Account lockouts, brute-force blocks of IP addresses, denied access and other security events. "
            "Locked accounts are unlocked on the Users page."
        </p>
        <section class="card" aria-labelledby="unblock-heading">
            <h2 id="unblock-heading">"Lift an IP block"</h2>
            <form
                class="form form-row"
                on:submit=move |event| {
                    event.prevent_default();
                    unblock.dispatch(ip.get_untracked());
                }
            >
                <label>"IP address" <input id="unblock-ip" required bind:value=ip /></label>
                <button type="submit" class="button">"Unblock"</button>
            </form>
            {outcome(result)}
        </section>
        <AuditBrowser actions=SECURITY_ACTIONS />
    }
}
