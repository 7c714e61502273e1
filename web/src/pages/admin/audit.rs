//! `/admin/audit`: the audit trail with filters, cursor pagination, CSV export and the
//! retention purge. [`AuditBrowser`] is reused by the security page with fixed actions.

use leptos::prelude::*;
use shared::{AuditAction, AuditResourceKind};
use wasm_bindgen::JsValue;

use super::{AdminNav, action_label};
use crate::api::{ApiError, graphql};
use crate::components::outcome;
use crate::components::{Loaded, Pager, Pages, Table};
use crate::queries::{AuditLog, PurgeAuditLog, audit_log, purge_audit_log};
use crate::time::Time;
use crate::words::counted;

/// The filters as entered.
#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    usernames: Vec<String>,
    actions: Vec<AuditAction>,
    /// RFC 3339 instants (converted from the browser's local time).
    from: Option<String>,
    to: Option<String>,
    success: Option<bool>,
    /// What the rows are about.
    resource_kind: Option<AuditResourceKind>,
}

impl Filters {
    fn to_graphql(&self) -> audit_log::AuditFilter {
        audit_log::AuditFilter {
            user_ids: None,
            usernames: (!self.usernames.is_empty()).then(|| self.usernames.clone()),
            actions: (!self.actions.is_empty()).then(|| self.actions.clone()),
            from: self.from.clone(),
            to: self.to.clone(),
            success: self.success,
            resource_kinds: self.resource_kind.map(|kind| vec![kind]),
            resource_type: None,
            resource_id: None,
        }
    }

    /// The same filters for `GET /admin/audit.csv`.
    fn csv_href(&self) -> String {
        let mut params = Vec::new();
        let mut push = |key: &str, value: String| {
            params.push(format!(
                "{key}={}",
                String::from(js_sys::encode_uri_component(&value))
            ));
        };
        if !self.usernames.is_empty() {
            push("usernames", self.usernames.join(","));
        }
        if !self.actions.is_empty() {
            let actions: Vec<_> = self.actions.iter().map(|a| a.as_str()).collect();
            push("actions", actions.join(","));
        }
        if let Some(from) = &self.from {
            push("from", from.clone());
        }
        if let Some(to) = &self.to {
            push("to", to.clone());
        }
        if let Some(success) = self.success {
            push("success", success.to_string());
        }
        if let Some(kind) = self.resource_kind {
            push("resourceKinds", kind.as_str().to_owned());
        }
        if params.is_empty() {
            "/admin/audit.csv".to_owned()
        } else {
            format!("/admin/audit.csv?{}", params.join("&"))
        }
    }
}

/// A `datetime-local` value (the browser's zone) as an RFC 3339 instant.
fn instant(value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return None;
    }
    let date = js_sys::Date::new(&JsValue::from_str(value));
    (!date.get_time().is_nan())
        .then(|| date.to_iso_string().as_string())
        .flatten()
}

/// The actions PanelMerge writes: the Flask-only ones (`AuditAction::is_flask_only`) can never
/// appear, so they are not offered.
pub static WRITTEN_ACTIONS: std::sync::LazyLock<Vec<AuditAction>> =
    std::sync::LazyLock::new(|| AuditAction::written().collect());

/// Filter form, results table and pager over `auditLog`. With `actions`, only those actions
/// are offered (and, with none chosen, all of them are asked for).
#[component]
pub fn AuditBrowser(
    /// Restricts the action choice (the security page).
    #[prop(optional)]
    actions: Option<&'static [AuditAction]>,
) -> impl IntoView {
    let offered: &'static [AuditAction] = actions.unwrap_or(WRITTEN_ACTIONS.as_slice());
    let usernames = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<AuditAction>::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let success = RwSignal::new(String::new());
    let resource = RwSignal::new(String::new());
    let filters = RwSignal::new(Filters {
        actions: actions.map(<[_]>::to_vec).unwrap_or_default(),
        ..Filters::default()
    });
    let pages = Pages::new();
    let entries = LocalResource::new(move || {
        let filter = filters.with(Filters::to_graphql);
        let after = pages.after.get();
        async move {
            graphql::<AuditLog>(audit_log::Variables {
                filter: Some(filter),
                first: Some(50),
                after,
            })
            .await
            .map(|data| data.audit_log)
        }
    });
    let apply = move || {
        let mut actions_wanted = chosen.get_untracked();
        if actions_wanted.is_empty() && actions.is_some() {
            actions_wanted = offered.to_vec();
        }
        pages.reset();
        filters.set(Filters {
            usernames: usernames
                .get_untracked()
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect(),
            actions: actions_wanted,
            from: instant(&from.get_untracked()),
            to: instant(&to.get_untracked()),
            success: match success.get_untracked().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            resource_kind: resource.get_untracked().parse().ok(),
        });
    };
    let action_options = offered
        .iter()
        .map(|action| {
            view! {
                <option value=action.as_str() title=action.meaning()>
                    {action_label(*action)}
                </option>
            }
        })
        .collect_view();
    let row = |entry: audit_log::AuditLogAuditLogNodes| {
        let class = if entry.security_event {
            "audit-row security"
        } else {
            "audit-row"
        };
        let resource = match (entry.resource_type, entry.resource_id) {
            (Some(kind), Some(id)) => format!("{kind}:{id}"),
            (Some(kind), None) => kind,
            _ => String::new(),
        };
        let outcome = if entry.success {
            "ok".to_owned()
        } else {
            format!("failed: {}", entry.error_message.unwrap_or_default())
        };
        view! {
            <tr class=class data-action=entry.action.as_str()>
                <td><Time at=entry.at /></td>
                <td>{action_label(entry.action)}</td>
                <td>{entry.username.unwrap_or_else(|| "—".to_owned())}</td>
                <td>{entry.description}</td>
                <td>{resource}</td>
                <td>{outcome}</td>
                <td>{entry.ip_address.unwrap_or_default()}</td>
            </tr>
        }
    };
    view! {
        <form
            class="form filters"
            on:submit=move |event| {
                event.prevent_default();
                apply();
            }
        >
            <div class="form-row">
                <label>
                    "Users (comma-separated)"
                    <input id="audit-usernames" bind:value=usernames />
                </label>
                <label>
                    "Actions"
                    <select
                        id="audit-actions"
                        multiple
                        size="5"
                        on:change=move |event| {
                            use wasm_bindgen::JsCast;
                            let Some(select) = event
                                .target()
                                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
                            else {
                                return;
                            };
                            let options = select.selected_options();
                            let picked = (0..options.length())
                                .filter_map(|i| options.item(i))
                                .filter_map(|option| option.get_attribute("value"))
                                .filter_map(|value| value.parse().ok())
                                .collect();
                            chosen.set(picked);
                        }
                    >
                        {action_options}
                    </select>
                </label>
                <label>"From" <input id="audit-from" type="datetime-local" bind:value=from /></label>
                <label>"Until" <input id="audit-to" type="datetime-local" bind:value=to /></label>
                <label>
                    "Outcome"
                    <select id="audit-success" on:change=move |event| success.set(event_target_value(&event))>
                        <option value="">"Any"</option>
                        <option value="true">"Succeeded"</option>
                        <option value="false">"Failed"</option>
                    </select>
                </label>
                <label>
                    "About"
                    <select id="audit-resource" on:change=move |event| resource.set(event_target_value(&event))>
                        <option value="">"Anything"</option>
                        {AuditResourceKind::ALL
                            .iter()
                            .map(|kind| view! { <option value=kind.as_str()>{kind.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
            </div>
            <div class="actions">
                <button type="submit" class="button button-primary">"Apply filters"</button>
                <a class="button" id="audit-csv" href=move || filters.with(Filters::csv_href) download>
                    "Export CSV"
                </a>
            </div>
        </form>
        <Loaded
            resource=entries
            loading="Loading the audit log…"
            error="The audit log could not be loaded."
            view=move |page| {
                let next = page.page_info.has_next_page.then_some(page.page_info.end_cursor).flatten();
                view! {
                    <p class="muted">{matching(page.total_count, page.total_count_is_exact)}</p>
                    <Table id="audit-log" headers=&["When", "Action", "User", "Description", "Resource", "Outcome", "IP"]>
                        {page.nodes.into_iter().map(row).collect_view()}
                    </Table>
                    <Pager pages next next_id="audit-next" />
                }
            }
        />
    }
}

/// How many entries match: the server counts up to a bound and says when there are more.
fn matching(total: i64, exact: bool) -> String {
    if exact {
        counted(total, "matching entry", "matching entries")
    } else {
        format!("More than {total} matching entries")
    }
}

/// `/admin/audit`.
#[component]
pub fn AdminAuditPage() -> impl IntoView {
    view! {
        <AdminNav />
        <h1>"Audit log"</h1>
        <AuditBrowser />
        <PurgeForm />
    }
}

/// Deletes audit rows older than N days (the server's `AUDIT_RETENTION_DAYS` when empty).
#[component]
fn PurgeForm() -> impl IntoView {
    let days = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let purge = Action::new_local(move |days: &Option<i64>| {
        let older_than_days = *days;
        async move {
            let done = graphql::<PurgeAuditLog>(purge_audit_log::Variables { older_than_days })
                .await
                .map(|data| {
                    format!(
                        "{} deleted.",
                        counted(data.purge_audit_log, "entry", "entries")
                    )
                });
            result.set(Some(done));
        }
    });
    view! {
        <section class="card" aria-labelledby="purge-heading">
            <h2 id="purge-heading">"Retention purge"</h2>
            <form
                class="form form-row"
                on:submit=move |event| {
                    event.prevent_default();
                    purge.dispatch(days.get_untracked().trim().parse().ok());
                }
            >
                <label>
                    "Delete entries older than (days; empty: the configured retention)"
                    <input id="purge-days" type="number" min="1" bind:value=days />
                </label>
                <button type="submit" class="button button-danger" disabled=move || purge.pending().get()>
                    "Purge"
                </button>
            </form>
            {outcome(result)}
        </section>
    }
}
