//! Uploading gene lists (drag and drop or a file picker) and the reader's diagnostics.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement};

use crate::api::{graphql, graphql_upload};
use crate::queries::{RemoveUpload, UploadGeneList, remove_upload, upload_gene_list};
use crate::workbench::persist::{self, StoredDigest};
use crate::workbench::{from_upload, use_workbench};

/// The drop zone and file picker.
#[component]
pub fn UploadZone() -> impl IntoView {
    let workbench = use_workbench();
    let column = RwSignal::new(String::new());
    let sheet = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hover = RwSignal::new(false);

    let upload = move |file: File| {
        busy.set(true);
        error.set(None);
        notice.set(None);
        let variables = upload_gene_list::Variables {
            file: None,
            column: Some(column.get_untracked().trim().to_owned()).filter(|c| !c.is_empty()),
            sheet: Some(sheet.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
        };
        spawn_local(async move {
            let filename = file.name();
            let digest = file_digest(&file).await;
            if let Some(digest) = &digest
                && let Some(earlier) = identical_upload(workbench, &filename, digest)
                && !confirm(&format!(
                    "\u{201c}{filename}\u{201d} is already on the workbench as \u{201c}{earlier}\u{201d}, \
                     with exactly the same content. Add another copy anyway?"
                ))
            {
                notice.set(Some(format!(
                    "{filename} was not added again: it is identical to \u{201c}{earlier}\u{201d}."
                )));
                busy.set(false);
                return;
            }
            match graphql_upload::<UploadGeneList>(variables, "file", &file).await {
                Ok(data) => {
                    let upload = from_upload(data.upload_gene_list);
                    if let Some(digest) = digest {
                        let id = upload.list.id.clone();
                        persist::update(|stored| {
                            stored.digests.retain(|d| d.upload != id);
                            stored.digests.push(StoredDigest {
                                upload: id,
                                filename: filename.clone(),
                                digest,
                            });
                        });
                    }
                    workbench.add_uploads([upload]);
                }
                Err(err) => error.set(Some(format!("{filename}: {err}"))),
            }
            busy.set(false);
        });
    };

    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        hover.set(false);
        if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
            for index in 0..files.length() {
                if let Some(file) = files.get(index) {
                    upload(file);
                }
            }
        }
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(files) = input.files() {
            for index in 0..files.length() {
                if let Some(file) = files.get(index) {
                    upload(file);
                }
            }
        }
        input.set_value("");
    };

    view! {
        <div
            class="drop-zone"
            class:drop-hover=move || hover.get()
            id="drop-zone"
            on:dragover=move |ev: DragEvent| {
                ev.prevent_default();
                hover.set(true);
            }
            on:dragleave=move |_| hover.set(false)
            on:drop=on_drop
        >
            <p>"Drop CSV, TSV, Excel or text files here, or"</p>
            <label class="button">
                "Choose files"
                <input
                    type="file"
                    id="upload-input"
                    class="visually-hidden"
                    multiple
                    accept=".csv,.tsv,.txt,.xls,.xlsx"
                    on:change=on_pick
                />
            </label>
            <details>
                <summary>"Gene column or sheet not found?"</summary>
                <label>
                    "Gene column "
                    <input
                        type="text"
                        prop:value=move || column.get()
                        on:input=move |ev| column.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Sheet "
                    <input
                        type="text"
                        prop:value=move || sheet.get()
                        on:input=move |ev| sheet.set(event_target_value(&ev))
                    />
                </label>
            </details>
            <Show when=move || busy.get()>
                <p role="status">"Uploading…"</p>
            </Show>
            {move || {
                error.get().map(|e| view! { <p class="form-error" role="alert" id="upload-error">{e}</p> })
            }}
            {move || notice.get().map(|n| view! { <p class="notice" role="status" id="upload-notice">{n}</p> })}
        </div>
    }
}

/// The digest of a file's content; `None` when the browser can not read it.
async fn file_digest(file: &File) -> Option<String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .ok()?;
    Some(persist::digest(&js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// The name of an upload on the workbench with the same file name and content, if any.
fn identical_upload(
    workbench: crate::workbench::Workbench,
    filename: &str,
    digest: &str,
) -> Option<String> {
    let stored = persist::load();
    workbench.uploads.with_untracked(|uploads| {
        uploads.iter().find_map(|u| {
            stored
                .digests
                .iter()
                .any(|d| d.upload == u.list.id && d.filename == filename && d.digest == digest)
                .then(|| u.list.name.clone())
        })
    })
}

/// Asks the visitor (the browser's own dialog); `false` when it can not be shown.
fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// The uploaded lists, each with "use it", "remove" and its diagnostics.
#[component]
pub fn UploadList() -> impl IntoView {
    let workbench = use_workbench();
    let items = move || {
        workbench
            .uploads
            .get()
            .into_iter()
            .map(|upload| {
                let id = upload.list.id.clone();
                let toggle_id = id.clone();
                let diagnostics = (!upload.diagnostics.is_empty()).then(|| {
                    let rows = upload
                        .diagnostics
                        .iter()
                        .map(|d| {
                            view! {
                                <tr data-kind=d.kind.clone() data-value=d.value.clone()>
                                    <td>{d.row.map(|r| r.to_string()).unwrap_or_default()}</td>
                                    <td>{d.value.clone()}</td>
                                    <td>{d.kind.clone()}</td>
                                    <td>{d.message.clone()}</td>
                                    <td>{d.suggestion.clone().unwrap_or_default()}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        <details open>
                            <summary>
                                {crate::words::counted_len(upload.diagnostics.len(), "diagnostic", "diagnostics")}
                            </summary>
                            <div class="table-wrap" tabindex="0">
                                <table class="data-table diagnostics">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Row"</th>
                                            <th scope="col">"Value"</th>
                                            <th scope="col">"What"</th>
                                            <th scope="col">"Message"</th>
                                            <th scope="col">"Suggestion"</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        </details>
                    }
                });
                view! {
                    <li class="chosen-upload" data-upload=upload.list.name.clone()>
                        <div class="section-head">
                            <label class="inline">
                                <input
                                    type="checkbox"
                                    prop:checked=upload.included
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        workbench.uploads.update(|u| {
                                            if let Some(x) = u.iter_mut().find(|x| x.list.id == toggle_id) {
                                                x.included = on;
                                            }
                                        });
                                    }
                                />
                                <strong>{upload.list.name.clone()}</strong>
                            </label>
                            <span class="muted">
                                {format!(
                                    "{} · {} · {} from {}",
                                    upload.filename,
                                    upload.format,
                                    crate::words::counted_len(upload.list.genes.len(), "gene", "genes"),
                                    crate::words::counted(upload.row_count, "row", "rows"),
                                )}
                            </span>
                            <button
                                type="button"
                                class="button button-small"
                                on:click=move |_| {
                                    let id = id.clone();
                                    spawn_local(async move {
                                        let variables = remove_upload::Variables { id: id.clone() };
                                        if graphql::<RemoveUpload>(variables).await.is_ok() {
                                            workbench.uploads.update(|u| u.retain(|x| x.list.id != id));
                                        }
                                    });
                                }
                            >
                                "Remove"
                            </button>
                        </div>
                        {diagnostics}
                    </li>
                }
            })
            .collect_view()
    };
    view! { <ul class="chosen-list" id="uploads">{items}</ul> }
}
