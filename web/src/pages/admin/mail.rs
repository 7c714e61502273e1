//! `/admin/mail`: how e-mail leaves this server, and the queue — waiting, sent and failed
//! messages with the relay's last answer, and a retry for failed ones.

use leptos::prelude::*;
use shared::MailStatus;

use super::AdminNav;
use crate::api::{ApiError, graphql};
use crate::components::outcome;
use crate::components::{Loaded, Pager, Pages, Table};
use crate::queries::{MailOutbox, RetryMail, mail_outbox, retry_mail};
use crate::time::{MaybeTime, Time};
use crate::words::counted;

type MailRow = mail_outbox::MailOutboxMailOutboxNodes;

/// `/admin/mail`.
#[component]
pub fn AdminMailPage() -> impl IntoView {
    let status = RwSignal::new(None::<MailStatus>);
    let pages = Pages::new();
    let list = LocalResource::new(move || {
        let status = status.get();
        let after = pages.after.get();
        async move {
            graphql::<MailOutbox>(mail_outbox::Variables {
                status,
                first: Some(50),
                after,
            })
            .await
        }
    });
    let result = RwSignal::new(None::<Result<String, ApiError>>);
    let retry = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            let done = graphql::<RetryMail>(retry_mail::Variables { id: id.clone() })
                .await
                .map(|_| format!("E-mail {id} will be sent again now."));
            result.set(Some(done));
            list.refetch();
        }
    });
    let row = move |mail: MailRow| {
        let failed = mail.status == MailStatus::Failed;
        let id = mail.id.clone();
        let action = failed.then(|| {
            view! {
                <button type="button" class="button button-small mail-retry" on:click=move |_| { retry.dispatch(id.clone()); }>
                    "Retry"
                </button>
            }
        });
        view! {
            <tr class="mail-row" data-status=mail.status.as_str()>
                <td>{mail.id.clone()}</td>
                <td>{mail.kind.as_str().replace('_', " ").to_lowercase()}</td>
                <td>{mail.recipient}</td>
                <td>{mail.subject}</td>
                <td>{mail.status.as_str()}</td>
                <td>{mail.attempts}</td>
                <td class="mail-error">{mail.last_error.unwrap_or_default()}</td>
                <td><Time at=mail.created_at /></td>
                <td><MaybeTime at=mail.sent_at none="—" /></td>
                <td class="actions">{action}</td>
            </tr>
        }
    };
    let filter = move |event: leptos::ev::Event| {
        pages.reset();
        status.set(event_target_value(&event).parse::<MailStatus>().ok());
    };
    let options = MailStatus::ALL
        .iter()
        .map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> })
        .collect_view();
    view! {
        <AdminNav />
        <h1>"E-mail"</h1>
        <p class="muted">
            "Every message the server sends waits here until the relay accepts it; a failed try is retried later, "
            "each wait twice as long. Message contents are never shown: they may hold a single-use link."
        </p>
        <label>
            "Show "
            <select id="mail-status" on:change=filter>
                <option value="">"all"</option>
                {options}
            </select>
        </label>
        {outcome(result)}
        <Loaded
            resource=list
            loading="Loading e-mail…"
            error="The e-mail queue could not be loaded."
            view=move |data| {
                let transport = data.mail_transport;
                let page = data.mail_outbox;
                let next = page.page_info.has_next_page.then_some(page.page_info.end_cursor).flatten();
                view! {
                    <p id="mail-transport">
                        {format!(
                            "Sending through {}; links start with {}.{}",
                            transport.transport,
                            transport.public_url,
                            if transport.require_email_verification {
                                " Unconfirmed addresses may not log in."
                            } else {
                                ""
                            }
                        )}
                    </p>
                    <p class="muted">{counted(page.total_count, "message", "messages")}</p>
                    <Table id="mail-outbox" headers=&["#", "Kind", "To", "Subject", "Status", "Tries", "Last error", "Queued", "Sent", ""]>
                        {page.nodes.into_iter().map(row).collect_view()}
                    </Table>
                    <Pager pages next />
                }
            }
        />
    }
}
