//! Comments on a saved panel: the list (newest as the server orders them) and, for users with
//! COMMENT access and above, a form to add one (optionally about a gene of the panel).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::common::error_message;
use crate::api::graphql;
use crate::components::Loaded;
use crate::queries::{CommentOnPanel, SavedPanelComments, comment_on_panel, saved_panel_comments};
use crate::time::Time;

type Comment = saved_panel_comments::SavedPanelCommentsSavedPanelCommentsNodes;

/// What a comment is about: "Version 2 · MYH7", or nothing for the whole panel.
pub fn comment_subject(version: Option<i64>, gene: Option<&str>) -> Option<String> {
    match (version, gene) {
        (Some(v), Some(g)) => Some(format!("Version {v} · {g}")),
        (Some(v), None) => Some(format!("Version {v}")),
        (None, Some(g)) => Some(g.to_owned()),
        (None, None) => None,
    }
}

#[component]
pub fn CommentsSection(
    panel_id: String,
    /// The version shown on the page; new comments are about it.
    version: i64,
    can_comment: bool,
) -> impl IntoView {
    let id = StoredValue::new(panel_id);
    let comments = LocalResource::new(move || async move {
        graphql::<SavedPanelComments>(saved_panel_comments::Variables { id: id.get_value() })
            .await
            .map(|d| d.saved_panel.comments.nodes)
    });
    let refetch = Callback::new(move |()| comments.refetch());
    let form =
        can_comment.then(|| view! { <CommentForm panel_id=id.get_value() version refetch /> });
    view! {
        <section class="card" aria-labelledby="comments-heading" id="comments">
            <h2 id="comments-heading">"Comments"</h2>
            <Loaded
                resource=comments
                loading="Loading comments…"
                error="The comments could not be loaded."
                view=move |list| view! { <CommentList list /> }
            />
            {form}
        </section>
    }
}

#[component]
fn CommentList(list: Vec<Comment>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted" id="no-comments">"No comments yet."</p> }.into_any();
    }
    let items = list
        .into_iter()
        .map(|c| {
            let subject = comment_subject(c.version, c.gene_symbol.as_deref())
                .map(|s| view! { <span class="badge">{s}</span> });
            view! {
                <li class="comment" data-id=c.id>
                    <p class="muted">
                        <Time at=c.created_at />
                        " "
                        {subject}
                    </p>
                    <p class="comment-body">{c.body}</p>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="comment-list" id="comment-list">{items}</ul> }.into_any()
}

#[component]
fn CommentForm(panel_id: String, version: i64, refetch: Callback<()>) -> impl IntoView {
    let panel_id = StoredValue::new(panel_id);
    let body = RwSignal::new(String::new());
    let gene = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked().trim().to_owned();
        if text.is_empty() {
            error.set(Some("Write a comment first.".to_owned()));
            return;
        }
        let gene_symbol =
            Some(gene.get_untracked().trim().to_ascii_uppercase()).filter(|g| !g.is_empty());
        let variables = comment_on_panel::Variables {
            panel_id: panel_id.get_value(),
            version: Some(version),
            gene_symbol,
            body: text,
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match graphql::<CommentOnPanel>(variables).await {
                Ok(_) => {
                    body.set(String::new());
                    gene.set(String::new());
                    refetch.run(());
                }
                Err(err) => error.set(Some(error_message(&err))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="comment-form" id="comment-form" on:submit=submit>
            <label>
                "Comment"
                <textarea
                    id="comment-body"
                    name="body"
                    rows="3"
                    prop:value=move || body.get()
                    on:input=move |ev| body.set(event_target_value(&ev))
                ></textarea>
            </label>
            <label>
                "About gene (optional) "
                <input
                    type="text"
                    id="comment-gene"
                    name="gene"
                    prop:value=move || gene.get()
                    on:input=move |ev| gene.set(event_target_value(&ev))
                />
            </label>
            <button type="submit" class="button" id="comment-submit" disabled=move || busy.get()>
                "Add comment"
            </button>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::comment_subject;

    #[test]
    fn comments_say_what_they_are_about() {
        assert_eq!(
            comment_subject(Some(2), Some("MYH7")).as_deref(),
            Some("Version 2 · MYH7")
        );
        assert_eq!(comment_subject(Some(2), None).as_deref(), Some("Version 2"));
        assert_eq!(comment_subject(None, Some("TTN")).as_deref(), Some("TTN"));
        assert_eq!(comment_subject(None, None), None);
    }
}
