//! The genes table of a saved panel, with edit mode: add and remove genes, change the lab's
//! rating and notes. Pending changes are previewed with `shared::saved::diff`, the same code
//! the server uses to record the version; saving sends them with a comment as one version.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::saved::{GeneDiff, GeneField, SavedGene, canonical, diff};

use super::common::{
    DiffList, FieldLine, GeneParts, RATING_CUSTOM, RATING_PANELAPP, SaveError, parse_symbols,
    to_saved_gene,
};
use crate::api::{ApiError, graphql};
use crate::components::genes::{confidence_badge, entity_label, verification_badge};
use crate::components::rows::ROWS_PER_PAGE;
use crate::components::{RowPage, RowPager};
use crate::queries::{Confidence, UpdateSavedPanel, saved_panel, update_saved_panel};
use crate::words::counted_len as counted;

pub type Gene = saved_panel::SavedPanelSavedPanelGenesNodes;

/// Where the gene came from, one line per source ("GB Early onset or syndromic epilepsy
/// (v8.125, Green, MONOALLELIC…)", "in-house (row 3)", "Added by alice"), then each conflict
/// between the sources ("Conflict: sources give 2 modes of inheritance").
fn described_sources(gene: &Gene) -> Vec<String> {
    if gene.source_details.is_empty() {
        return gene.sources.clone();
    }
    let mut out: Vec<String> = gene
        .source_details
        .iter()
        .map(|s| {
            let mut parts = Vec::new();
            if let Some(v) = &s.version {
                parts.push(format!("v{v}"));
            }
            if let Some(row) = s.upload_row {
                parts.push(format!("row {row}"));
            }
            if let Some(c) = s.confidence {
                parts.push(c.label().to_owned());
            }
            if let Some(m) = &s.mode_of_inheritance {
                parts.push(m.clone());
            }
            if parts.is_empty() {
                s.label.clone()
            } else {
                format!("{} ({})", s.label, parts.join(", "))
            }
        })
        .collect();
    out.extend(
        gene.conflicts
            .iter()
            .map(|c| format!("Conflict: {}", c.message)),
    );
    out
}

/// The API gene as a record of the shared diff.
pub fn convert(gene: Gene) -> Option<SavedGene> {
    let sources = described_sources(&gene);
    let verification = shared::Verification {
        status: gene.verification.status,
        reason: gene.verification.reason,
        note: gene.verification.note.clone(),
    };
    to_saved_gene(GeneParts {
        symbol: gene.symbol,
        entity_type: gene.entity_type,
        hgnc_id: gene.hgnc_id,
        gene_name: gene.gene_name,
        confidence: gene.confidence,
        custom_confidence: gene.custom_confidence,
        mode_of_inheritance: gene.mode_of_inheritance,
        phenotypes: gene.phenotypes,
        evidence: gene.evidence,
        sources,
        notes: gene.notes,
    })
    .map(|mut g| {
        g.verification = Some(verification);
        g
    })
}

/// The edit the server needs for the pending changes.
fn edit_input(
    pending: &GeneDiff,
    based_on: i64,
    comment: String,
) -> update_saved_panel::PanelEditInput {
    let add_genes = pending
        .added
        .iter()
        .map(|g| update_saved_panel::GeneInput {
            symbol: g.symbol.to_string(),
            entity_type: Some(g.entity_type),
            hgnc_id: g.hgnc_id.map(|h| h.to_string()),
            gene_name: g.gene_name.clone(),
            confidence: g.confidence,
            custom_confidence: g.custom_confidence,
            mode_of_inheritance: g.mode_of_inheritance.clone(),
            phenotypes: None,
            evidence: None,
            sources: None,
            notes: g.notes.clone(),
        })
        .collect();
    let update_genes = pending
        .changed_genes
        .iter()
        .map(|g| {
            let changed = |field: GeneField| {
                pending
                    .changed
                    .iter()
                    .any(|c| c.symbol == g.symbol && c.field == field)
            };
            let rerated = changed(GeneField::CustomConfidence);
            update_saved_panel::GeneUpdateInput {
                symbol: g.symbol.to_string(),
                confidence: None,
                custom_confidence: g.custom_confidence.filter(|_| rerated),
                // Back to PanelApp's rating.
                clear_custom_confidence: rerated && g.custom_confidence.is_none(),
                mode_of_inheritance: None,
                phenotypes: None,
                notes: changed(GeneField::Notes).then(|| g.notes.clone().unwrap_or_default()),
            }
        })
        .collect();
    update_saved_panel::PanelEditInput {
        based_on_version: based_on,
        comment: Some(comment).filter(|c| !c.trim().is_empty()),
        add_genes: Some(add_genes),
        remove_genes: Some(
            pending
                .removed
                .iter()
                .map(|g| g.symbol.to_string())
                .collect(),
        ),
        update_genes: Some(update_genes),
        metadata: None,
    }
}

/// The genes of the version shown; editable when the caller may edit and it is the current one.
#[component]
pub fn GenesSection(
    panel_id: String,
    genes: Vec<Gene>,
    editable: bool,
    based_on: i64,
    reload: Callback<()>,
) -> impl IntoView {
    let base: Vec<SavedGene> =
        canonical(&genes.into_iter().filter_map(convert).collect::<Vec<_>>());
    let base = StoredValue::new(base);
    let panel_id = StoredValue::new(panel_id);
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(base.get_value());
    // The panel page's live updates must not overwrite staged edits (issue 14.4).
    if let Some(live) = use_context::<super::panel::PanelLive>() {
        Effect::new(move |_| live.editing.set(editing.get()));
    }
    let filter = RwSignal::new(String::new());
    let add_text = RwSignal::new(String::new());
    let add_error = RwSignal::new(None::<String>);
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let pending = Memo::new(move |_| draft.with(|d| base.with_value(|b| diff(b, d))));
    // Staged edits are not lost by a click on another menu item, a link, a reload or closing
    // the tab without a question first.
    Effect::new(move |_| {
        let question = (editing.get() && !pending.with(GeneDiff::is_empty)).then(|| {
            format!(
                "You have unsaved changes to this panel ({}). Leave without saving them?",
                pending.with(pending_words)
            )
        });
        crate::leave_guard::set_unsaved(question);
    });
    on_cleanup(|| crate::leave_guard::set_unsaved(None));

    let add = move |_| {
        let (symbols, invalid) = parse_symbols(&add_text.get_untracked());
        add_error.set(
            (!invalid.is_empty())
                .then(|| format!("Not gene symbols (not added): {}", invalid.join(", "))),
        );
        draft.update(|genes| {
            for symbol in symbols {
                if !genes.iter().any(|g| g.symbol == symbol) {
                    genes.push(SavedGene::new(symbol));
                }
            }
            *genes = canonical(genes);
        });
        add_text.set(String::new());
    };

    let cancel = move |_| {
        draft.set(base.get_value());
        editing.set(false);
        error.set(None);
    };

    let save = move |_| {
        let input = edit_input(&pending.get_untracked(), based_on, comment.get_untracked());
        busy.set(true);
        error.set(None);
        let variables = update_saved_panel::Variables {
            id: panel_id.get_value(),
            input,
        };
        spawn_local(async move {
            match graphql::<UpdateSavedPanel>(variables).await {
                Ok(_) => {
                    editing.set(false);
                    comment.set(String::new());
                    reload.run(());
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };

    let page = RowPage::new();
    let shown = Memo::new(move |_| {
        let query = filter.get().trim().to_uppercase();
        draft.with(|genes| {
            genes
                .iter()
                .filter(|g| query.is_empty() || g.symbol.as_str().contains(&query))
                .count()
        })
    });
    let rows = move || {
        let query = filter.get().trim().to_uppercase();
        let edit = editing.get();
        let skip = page.skip(shown.get());
        draft
            .get()
            .into_iter()
            .filter(|g| query.is_empty() || g.symbol.as_str().contains(&query))
            .skip(skip)
            .take(ROWS_PER_PAGE)
            .map(|gene| gene_row(gene, edit, draft))
            .collect_view()
    };

    view! {
        <section class="card" aria-labelledby="genes-heading">
            <div class="section-head">
                <h2 id="genes-heading">
                    {move || format!("Genes ({})", draft.with(Vec::len))}
                </h2>
                <input
                    type="search"
                    placeholder="Filter genes"
                    aria-label="Filter genes"
                    prop:value=move || filter.get()
                    on:input=move |ev| {
                        filter.set(event_target_value(&ev));
                        page.reset();
                    }
                />
                {editable
                    .then(|| {
                        view! {
                            <Show when=move || !editing.get()>
                                <button
                                    type="button"
                                    class="button button-primary"
                                    id="edit-genes"
                                    on:click=move |_| editing.set(true)
                                >
                                    "Edit genes"
                                </button>
                            </Show>
                        }
                    })}
            </div>
            <Show when=move || editing.get()>
                <div class="edit-tools">
                    <label>
                        "Add genes"
                        <textarea
                            id="add-genes"
                            rows="2"
                            placeholder="Symbols, one per line or separated by commas"
                            prop:value=move || add_text.get()
                            on:input=move |ev| add_text.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                    <button type="button" class="button" id="add-genes-button" on:click=add>
                        "Add"
                    </button>
                    {move || add_error.get().map(|e| view! { <p class="form-error">{e}</p> })}
                </div>
                <PendingChanges pending base />
                <div class="save-bar">
                    <label>
                        "Comment"
                        <input
                            type="text"
                            id="edit-comment"
                            placeholder="What changed and why"
                            prop:value=move || comment.get()
                            on:input=move |ev| comment.set(event_target_value(&ev))
                        />
                    </label>
                    <button
                        type="button"
                        class="button button-primary"
                        id="save-changes"
                        disabled=move || busy.get() || pending.with(GeneDiff::is_empty)
                        on:click=save
                    >
                        "Save as new version"
                    </button>
                    <button type="button" class="button" on:click=cancel>
                        "Cancel"
                    </button>
                </div>
                <SaveError id="save-error" error reload />
            </Show>
            <div class="table-wrap" tabindex="0">
                <table class="data-table genes-table" id="genes-table">
                    <thead>
                        <tr>
                            <th scope="col">"Symbol"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"HGNC"</th>
                            <th scope="col">"Rating"</th>
                            <th scope="col">"Inheritance"</th>
                            <th scope="col">"Sources"</th>
                            <th scope="col">"Notes"</th>
                            <Show when=move || editing.get()>
                                <th scope="col">
                                    <span class="visually-hidden">"Remove"</span>
                                </th>
                            </Show>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <RowPager rows=page total=shown id="genes-pager" />
        </section>
    }
}

fn gene_row(gene: SavedGene, edit: bool, draft: RwSignal<Vec<SavedGene>>) -> impl IntoView {
    let symbol = StoredValue::new(gene.symbol.clone());
    let update = move |change: &dyn Fn(&mut SavedGene)| {
        draft.update(|genes| {
            if let Some(g) = genes.iter_mut().find(|g| g.symbol == symbol.get_value()) {
                change(g);
            }
        });
    };
    let rating = if edit {
        let custom = gene.custom_confidence;
        let upstream = gene
            .confidence
            .map_or("none".to_owned(), |c| c.label().to_owned());
        let options = Confidence::ALL
            .iter()
            .map(|c| {
                view! {
                    <option value=c.as_str() selected=custom == Some(*c)>
                        {c.label()}
                    </option>
                }
            })
            .collect_view();
        view! {
            <select
                aria-label=format!("Rating of {}", gene.symbol)
                on:change=move |ev| {
                    let value = event_target_value(&ev).parse::<Confidence>().ok();
                    update(&|g| g.custom_confidence = value);
                }
            >
                <option value="" selected=custom.is_none()>
                    {format!("PanelApp ({upstream})")}
                </option>
                {options}
            </select>
        }
        .into_any()
    } else {
        confidence_badge(gene.effective_confidence())
    };
    let notes = if edit {
        view! {
            <input
                type="text"
                aria-label=format!("Notes on {}", gene.symbol)
                prop:value=gene.notes.clone().unwrap_or_default()
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let notes = Some(value.trim().to_owned()).filter(|n| !n.is_empty());
                    update(&|g| g.notes = notes.clone());
                }
            />
        }
        .into_any()
    } else {
        gene.notes.clone().unwrap_or_default().into_any()
    };
    let remove = edit.then(|| {
        view! {
            <td>
                <button
                    type="button"
                    class="button button-small"
                    aria-label=format!("Remove {}", gene.symbol)
                    on:click=move |_| {
                        draft.update(|genes| genes.retain(|g| g.symbol != symbol.get_value()))
                    }
                >
                    "Remove"
                </button>
            </td>
        }
    });
    let verification = gene
        .verification
        .clone()
        .and_then(|v| verification_badge(v.status, v.note));
    let status = gene.verification.as_ref().map_or("", |v| v.status.as_str());
    view! {
        <tr data-symbol=gene.symbol.to_string() data-verification=status>
            <th scope="row">{gene.symbol.to_string()} {verification}</th>
            <td>{entity_label(gene.entity_type)}</td>
            <td>{gene.hgnc_id.map(|h| h.to_string()).unwrap_or_default()}</td>
            <td>{rating}</td>
            <td>{gene.mode_of_inheritance.clone().unwrap_or_default()}</td>
            <td class="gene-sources">{gene.sources.join("; ")}</td>
            <td>{notes}</td>
            {remove}
        </tr>
    }
}

/// "2 genes added, 1 rating changed".
fn pending_words(d: &GeneDiff) -> String {
    let rated = d
        .changed
        .iter()
        .filter(|c| c.field == GeneField::CustomConfidence)
        .count();
    let other = d
        .changed_genes
        .iter()
        .filter(|g| {
            d.changed
                .iter()
                .any(|c| c.symbol == g.symbol && c.field != GeneField::CustomConfidence)
        })
        .count();
    let mut words = Vec::new();
    if !d.added.is_empty() {
        words.push(counted(d.added.len(), "gene added", "genes added"));
    }
    if !d.removed.is_empty() {
        words.push(counted(d.removed.len(), "gene removed", "genes removed"));
    }
    if rated > 0 {
        words.push(counted(rated, "rating changed", "ratings changed"));
    }
    if other > 0 {
        words.push(counted(other, "gene edited", "genes edited"));
    }
    words.join(", ")
}

/// The pending changes, as the shared diff sees them, in a geneticist's words: a rating change
/// shows the rating in effect before and after ("ABCA2: Amber → Green (custom rating)").
#[component]
fn PendingChanges(pending: Memo<GeneDiff>, base: StoredValue<Vec<SavedGene>>) -> impl IntoView {
    let summary = move || {
        pending.with(|d| {
            if d.is_empty() {
                "No changes yet.".to_owned()
            } else {
                format!("Pending: {}", pending_words(d))
            }
        })
    };
    let details = move || {
        pending.with(|d| {
            let symbols =
                |genes: &[SavedGene]| genes.iter().map(|g| g.symbol.as_str().to_owned()).collect();
            let rating = |g: Option<&SavedGene>| {
                g.and_then(SavedGene::effective_confidence)
                    .map(|c| c.as_str().to_owned())
            };
            let changed = d
                .changed
                .iter()
                .map(|c| {
                    if c.field == GeneField::CustomConfidence {
                        let before =
                            base.with_value(|b| rating(b.iter().find(|g| g.symbol == c.symbol)));
                        let after_gene = d.changed_genes.iter().find(|g| g.symbol == c.symbol);
                        let cleared = after_gene.is_some_and(|g| g.custom_confidence.is_none());
                        FieldLine {
                            symbol: c.symbol.as_str().to_owned(),
                            field: if cleared {
                                RATING_PANELAPP
                            } else {
                                RATING_CUSTOM
                            }
                            .to_owned(),
                            old: before,
                            new: rating(after_gene),
                        }
                    } else {
                        FieldLine {
                            symbol: c.symbol.as_str().to_owned(),
                            field: c.field.as_str().to_owned(),
                            old: c.old.clone(),
                            new: c.new.clone(),
                        }
                    }
                })
                .collect();
            view! { <DiffList added=symbols(&d.added) removed=symbols(&d.removed) changed /> }
        })
    };
    view! {
        <div class="pending" id="pending-changes" aria-live="polite">
            <p class="pending-summary">{summary}</p>
            {details}
        </div>
    }
}
