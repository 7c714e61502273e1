//! The merged list (computed in the browser), the overlap between sources (a Venn diagram for
//! two to five, UpSet-style bars for one or more than five), downloads and
//! "save as panel".

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use shared::ErrorCode;
use shared::merge::OwnedMergeResult;
use shared::upload::DiagnosticKind;

use super::inputs::{export_input, save_input};
use super::venn::{Venn, region_counts};
use crate::api::navigate_to;
use crate::api::{ApiError, graphql};
use crate::components::exports::{TemplatePicker, format_label};
use crate::components::genes::{confidence_badge, verification_badge};
use crate::components::rows::ROWS_PER_PAGE;
use crate::components::{RowPage, RowPager};
use crate::queries::{ExportFormat, ExportMerge, SaveMerge, export_merge, save_merge};
use crate::roles::{Act, IfAllowed};
use crate::words::counted_len;
use crate::workbench::use_workbench;

/// "1 gene", "12 genes".
pub fn genes_word(n: usize) -> String {
    counted_len(n, "gene", "genes")
}

/// A region of the overlap in words: "only in A", "in A and B (and no other source)".
pub fn region_words(labels: &[String], region: &[usize]) -> String {
    let names: Vec<&str> = region
        .iter()
        .filter_map(|i| labels.get(*i).map(String::as_str))
        .collect();
    match names.as_slice() {
        [one] => format!("only in {one}"),
        [first @ .., last] if labels.len() == region.len() => {
            format!("in all of {} and {last}", first.join(", "))
        }
        [first @ .., last] => format!(
            "in {} and {last} (and in no other source)",
            first.join(", ")
        ),
        [] => "in no source".to_owned(),
    }
}

/// The merged list, per-source counts and the overlap.
#[component]
pub fn MergedView(merged: Memo<OwnedMergeResult>) -> impl IntoView {
    let workbench = use_workbench();
    let filter = RwSignal::new(String::new());
    // The region of the overlap the list is narrowed to (source indices, ascending), if any.
    let region = RwSignal::new(None::<Vec<usize>>);
    // Other sources mean other indices: a region chosen before no longer means the same.
    let labels = Memo::new(move |_| {
        merged.with(|m| {
            m.sources
                .iter()
                .map(|s| s.label.clone())
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        labels.track();
        region.set(None);
    });
    let pick = Callback::new(move |sources: Vec<usize>| region.set(Some(sources)));
    let sources = move || {
        merged.with(|m| {
            m.sources
                .iter()
                .map(|s| {
                    // An upload's repeats were kept once by the reader (its DUPLICATE
                    // diagnostics); a panel's by the merge.
                    let read_twice = s.upload_id.as_ref().map_or(0, |id| {
                        workbench.uploads.with(|uploads| {
                            uploads
                                .iter()
                                .filter(|u| &u.list.id == id)
                                .flat_map(|u| &u.diagnostics)
                                .filter(|d| d.kind == DiagnosticKind::Duplicate.as_str())
                                .count()
                        })
                    });
                    view! {
                        <tr data-source=s.label.clone()>
                            <th scope="row">{s.label.clone()}</th>
                            <td>{s.entities}</td>
                            <td>{s.genes}</td>
                            <td>{s.unique}</td>
                            // The same repeat must not count twice when the merge saw it too.
                            <td class="duplicates">{s.duplicates.max(read_twice)}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let overlap = move || {
        merged.with(|m| {
            let largest = m
                .overlap
                .combinations
                .iter()
                .map(|c| c.count)
                .max()
                .unwrap_or(1)
                .max(1);
            m.overlap
                .combinations
                .iter()
                .map(|set| {
                    let label = set
                        .sources
                        .iter()
                        .filter_map(|i| m.sources.get(*i).map(|s| s.label.clone()))
                        .collect::<Vec<_>>()
                        .join(" ∩ ");
                    let label = if set.sources.len() == 1 {
                        format!("only {label}")
                    } else {
                        label
                    };
                    let width = format!("width: {}%", set.count * 100 / largest);
                    let chosen = set.sources.clone();
                    let selected = set.sources.clone();
                    let count = set.count;
                    view! {
                        <li>
                            <button
                                type="button"
                                class="upset-row"
                                aria-pressed=move || {
                                    region.with(|r| r.as_ref() == Some(&selected)).to_string()
                                }
                                title="Show only these genes in the merged list"
                                on:click=move |_| pick.run(chosen.clone())
                            >
                                <span class="bar-label">{label}</span>
                                " "
                                <span class="bar-track">
                                    <span class="bar" style=width></span>
                                </span>
                                " "
                                <span class="bar-count">{genes_word(count)}</span>
                            </button>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    // Two to five sources: a Venn diagram; one or more than five: the UpSet-style bars.
    let venn_shown = Memo::new(move |_| {
        merged.with(|m| {
            region_counts(m.sources.len(), &m.overlap.combinations).map(|counts| {
                let labels: Vec<String> = m.sources.iter().map(|s| s.label.clone()).collect();
                (labels, counts)
            })
        })
    });
    let venn = move || {
        venn_shown
            .get()
            .map(|(labels, counts)| view! { <Venn labels counts pick selected=region /> })
    };
    let in_region = move |g: &shared::merge::MergedGene<'static>| {
        region.with(|r| r.as_ref().is_none_or(|r| g.source_indices() == *r))
    };
    let region_notice = move || {
        let chosen = region.get()?;
        let (labels, shown, total) = merged.with(|m| {
            let labels: Vec<String> = m.sources.iter().map(|s| s.label.clone()).collect();
            let shown = m
                .genes
                .iter()
                .filter(|g| g.source_indices() == chosen)
                .count();
            (labels, shown, m.total)
        });
        Some(view! {
            <p class="notice" role="status" id="region-filter">
                {format!(
                    "Showing {} of {total}: the genes {}. ",
                    genes_word(shown),
                    region_words(&labels, &chosen),
                )}
                <button
                    type="button"
                    class="button button-small"
                    id="region-clear"
                    on:click=move |_| region.set(None)
                >
                    "Show all genes"
                </button>
            </p>
        })
    };
    let page = RowPage::new();
    let shown = Memo::new(move |_| {
        let query = filter.get().trim().to_uppercase();
        merged.with(|m| {
            m.genes
                .iter()
                .filter(|g| in_region(g))
                .filter(|g| query.is_empty() || g.symbol.to_uppercase().contains(&query))
                .count()
        })
    });
    let rows = move || {
        let query = filter.get().trim().to_uppercase();
        let skip = page.skip(shown.get());
        merged.with(|m| {
            m.genes
                .iter()
                .filter(|g| in_region(g))
                .filter(|g| query.is_empty() || g.symbol.to_uppercase().contains(&query))
                .skip(skip)
                .take(ROWS_PER_PAGE)
                .map(|g| {
                    let sources = g
                        .sources
                        .iter()
                        .map(|s| {
                            view! {
                                <li>
                                    {format!("{} ", s.label)}
                                    {confidence_badge(s.confidence)}
                                    {s.confidence.is_none().then(|| s.list_type.to_string())}
                                </li>
                            }
                        })
                        .collect_view();
                    let conflicts = g
                        .conflicts
                        .iter()
                        .map(|c| c.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ");
                    let verification =
                        verification_badge(g.verification.status, g.verification.note.clone());
                    view! {
                        <tr
                            data-symbol=g.symbol.clone()
                            data-verification=g.verification.status.as_str()
                        >
                            <th scope="row">{g.symbol.clone()} {verification}</th>
                            <td>{g.hgnc_id.map(|h| h.to_string()).unwrap_or_default()}</td>
                            <td>
                                <ul class="plain">{sources}</ul>
                            </td>
                            <td class="conflict">{conflicts}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="card" aria-labelledby="merged-heading">
            <div class="section-head">
                <h2 id="merged-heading">
                    "Merged list: " <span id="merged-count">{move || merged.with(|m| m.total)}</span>
                    {move || if merged.with(|m| m.total) == 1 { " gene" } else { " genes" }}
                </h2>
                <input
                    type="search"
                    placeholder="Filter genes"
                    aria-label="Filter merged genes"
                    prop:value=move || filter.get()
                    on:input=move |ev| {
                        filter.set(event_target_value(&ev));
                        page.reset();
                    }
                />
            </div>
            <div class="two-columns">
                <div>
                    <h3>"Sources"</h3>
                    // A phone scrolls the table inside its frame, never the page.
                    <div class="table-wrap" tabindex="0">
                    <table class="data-table" id="merge-sources">
                        <thead>
                            <tr>
                                <th scope="col">"Source"</th>
                                <th scope="col">"Taken"</th>
                                <th scope="col">"Genes"</th>
                                <th scope="col">"Only here"</th>
                                <th scope="col">"Duplicates"</th>
                            </tr>
                        </thead>
                        <tbody>{sources}</tbody>
                    </table>
                    </div>
                </div>
                <div>
                    <h3>"Overlap"</h3>
                    {venn}
                    <Show when=move || venn_shown.get().is_none()>
                        <ul class="upset" id="overlap">{overlap}</ul>
                    </Show>
                    <p class="muted">"Choose a region to list only its genes."</p>
                </div>
            </div>
            {region_notice}
            <div class="table-wrap" tabindex="0">
                {move || {
                    let unverified = merged
                        .with(|m| {
                            m.genes
                                .iter()
                                .filter(|g| {
                                    g.verification.status
                                        == shared::VerificationStatus::Unverified
                                })
                                .count()
                        });
                    (unverified > 0)
                        .then(|| {
                            view! {
                                <p class="notice" role="status" id="merged-unverified">
                                    {format!(
                                        "{unverified} {} UNVERIFIED: not a known HGNC symbol, or \
                                         not in the gene directory yet. Check before using the list.",
                                        if unverified == 1 { "gene is" } else { "genes are" },
                                    )}
                                </p>
                            }
                        })
                }}
                <table class="data-table" id="merged-table">
                    <thead>
                        <tr>
                            <th scope="col">"Gene"</th>
                            <th scope="col">"HGNC"</th>
                            <th scope="col">"Sources"</th>
                            <th scope="col">"Conflicts"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <RowPager rows=page total=shown id="merged-pager" />
        </section>
    }
}

/// One download button per format.
#[component]
pub fn Downloads() -> impl IntoView {
    let workbench = use_workbench();
    let filename = RwSignal::new("merged_panel".to_owned());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let template = RwSignal::new(None::<String>);
    let with_template = move |_| {
        let Some(id) = template.get_untracked() else {
            return;
        };
        let input = workbench
            .panels
            .with_untracked(|p| workbench.uploads.with_untracked(|u| export_input(p, u)));
        let variables = export_merge::Variables {
            input,
            format: None,
            filename: Some(filename.get_untracked()).filter(|f| !f.trim().is_empty()),
            per_source_sheets: None,
            template: Some(id),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match graphql::<ExportMerge>(variables).await {
                Ok(data) => navigate_to(&data.export_merge.url),
                Err(err) => error.set(Some(err.to_string())),
            }
            busy.set(false);
        });
    };
    let buttons = ExportFormat::ALL
        .iter()
        .map(|&format| {
            let click = move |_| {
                let input = workbench
                    .panels
                    .with_untracked(|p| workbench.uploads.with_untracked(|u| export_input(p, u)));
                let variables = export_merge::Variables {
                    input,
                    format: Some(format),
                    filename: Some(filename.get_untracked()).filter(|f| !f.trim().is_empty()),
                    per_source_sheets: Some(true),
                    template: None,
                };
                busy.set(true);
                error.set(None);
                spawn_local(async move {
                    match graphql::<ExportMerge>(variables).await {
                        Ok(data) => navigate_to(&data.export_merge.url),
                        Err(err) => error.set(Some(err.to_string())),
                    }
                    busy.set(false);
                });
            };
            view! {
                <button
                    type="button"
                    class="button"
                    data-format=format.as_str()
                    disabled=move || busy.get()
                    on:click=click
                >
                    {format_label(format)}
                </button>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="downloads-heading">
            <h2 id="downloads-heading">"Download"</h2>
            <div class="export-buttons">
                <label>
                    "File name "
                    <input
                        type="text"
                        prop:value=move || filename.get()
                        on:input=move |ev| filename.set(event_target_value(&ev))
                    />
                </label>
                {buttons}
            </div>
            <div class="template-export" role="group" aria-label="Download with a template">
                <TemplatePicker chosen=template id="merge-template" />
                <button
                    type="button"
                    class="button"
                    id="merge-with-template"
                    disabled=move || busy.get() || template.get().is_none()
                    on:click=with_template
                >
                    "Download with template"
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
    }
}

/// Keeps the merge as a saved panel (needs an account).
#[component]
pub fn SaveAsPanel() -> impl IntoView {
    let workbench = use_workbench();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let needs_login = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let merge = workbench
            .panels
            .with_untracked(|p| workbench.uploads.with_untracked(|u| save_input(p, u)));
        let input = save_merge::CreateSavedPanelInput {
            name: name.get_untracked().trim().to_owned(),
            description: None,
            tags: None,
            visibility: None,
            status: None,
            genes: None,
            merge: Some(merge),
            upload_id: None,
        };
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match graphql::<SaveMerge>(save_merge::Variables { input }).await {
                Ok(data) => navigate(
                    &format!("/saved/{}", data.create_saved_panel.id),
                    Default::default(),
                ),
                Err(err) => {
                    needs_login.set(matches!(
                        err,
                        ApiError::Graphql {
                            code: Some(ErrorCode::Unauthenticated),
                            ..
                        }
                    ));
                    error.set(Some(err.to_string()));
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="save-heading">
            <h2 id="save-heading">"Save as panel"</h2>
            <IfAllowed act=Act::CreatePanel id="save-refused">
            <form class="inline-form" id="save-merge-form" on:submit=submit.clone()>
                <label>
                    "Name "
                    <input
                        type="text"
                        required
                        id="save-merge-name"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" class="button button-primary">
                    "Save as panel"
                </button>
            </form>
            </IfAllowed>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <Show when=move || needs_login.get()>
                <p>
                    <A href="/login">"Log in to save panels"</A>
                </p>
            </Show>
        </section>
    }
}
