//! Adding PanelApp panels to the workbench and choosing what to take from each.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::merge::SelectionFilter;
use shared::{Confidence, EntityType, Source};

use crate::api::graphql;
use crate::queries::{PanelDetail, panel_detail};
use crate::workbench::{panel_data, use_workbench};

/// "Add a panel by its id".
#[component]
pub fn AddPanel() -> impl IntoView {
    let workbench = use_workbench();
    let source = RwSignal::new(Source::Uk);
    let id = RwSignal::new(String::new());
    let version = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(number) = id.get_untracked().trim().parse::<i64>() else {
            error.set(Some("A panel id is a number, e.g. 402.".to_owned()));
            return;
        };
        let version = Some(version.get_untracked().trim().to_owned()).filter(|v| !v.is_empty());
        let source = source.get_untracked();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let variables = panel_detail::Variables {
                source,
                id: number,
                version,
            };
            let answer = graphql::<PanelDetail>(variables)
                .await
                .and_then(|d| d.panel.map(panel_data).transpose());
            match answer {
                Ok(Some(panel)) => {
                    workbench.add_panel(panel);
                    id.set(String::new());
                }
                Ok(None) => error.set(Some(format!(
                    "{} has no panel {number}.",
                    source.display_name()
                ))),
                Err(err) => error.set(Some(err.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" id="add-panel-form" on:submit=submit>
            <label>
                "Source "
                <select
                    id="add-panel-source"
                    on:change=move |ev| {
                        source.set(if event_target_value(&ev) == "AU" { Source::Au } else { Source::Uk })
                    }
                >
                    <option value="UK">"PanelApp UK"</option>
                    <option value="AU">"PanelApp Australia"</option>
                </select>
            </label>
            <label>
                "Panel id "
                <input
                    type="text"
                    inputmode="numeric"
                    id="add-panel-id"
                    size="6"
                    prop:value=move || id.get()
                    on:input=move |ev| id.set(event_target_value(&ev))
                />
            </label>
            <label>
                "Version (optional) "
                <input
                    type="text"
                    size="6"
                    placeholder="current"
                    prop:value=move || version.get()
                    on:input=move |ev| version.set(event_target_value(&ev))
                />
            </label>
            <button type="submit" class="button" id="add-panel-button" disabled=move || busy.get()>
                "Add panel"
            </button>
            <a href="/panels">"Browse panels"</a>
        </form>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
    }
}

const PRESETS: &[(&str, &str)] = &[
    ("green", "Green"),
    ("green_amber", "Green and amber"),
    ("whole", "Whole panel"),
    ("custom", "Custom"),
];

fn preset_of(filter: &SelectionFilter) -> &'static str {
    let levels = |f: SelectionFilter| f.confidence;
    if filter.confidence == levels(SelectionFilter::green()) {
        "green"
    } else if filter.confidence == levels(SelectionFilter::green_and_amber()) {
        "green_amber"
    } else if filter.confidence == levels(SelectionFilter::whole_panel()) {
        "whole"
    } else {
        "custom"
    }
}

fn preset_levels(preset: &str) -> Option<Vec<Confidence>> {
    match preset {
        "green" => Some(SelectionFilter::green().confidence),
        "green_amber" => Some(SelectionFilter::green_and_amber().confidence),
        "whole" => Some(SelectionFilter::whole_panel().confidence),
        _ => None,
    }
}

fn type_label(kind: EntityType) -> &'static str {
    match kind {
        EntityType::Gene => "Genes",
        EntityType::Str => "STRs",
        EntityType::Region => "Regions",
    }
}

/// The panels on the workbench, each with its evidence levels and entity types.
#[component]
pub fn PanelChoices() -> impl IntoView {
    let workbench = use_workbench();
    let set_filter =
        move |index: usize, change: &dyn Fn(&mut Vec<Confidence>, &mut Vec<EntityType>)| {
            workbench.panels.update(|panels| {
                if let Some(panel) = panels.get_mut(index) {
                    let mut levels = panel.filter.confidence.clone();
                    let mut types = panel.filter.types.clone();
                    change(&mut levels, &mut types);
                    if !levels.is_empty() {
                        panel.filter = SelectionFilter::new(&levels, &types);
                    }
                }
            });
        };
    let cards = move || {
        workbench
            .panels
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, chosen)| {
                let data = chosen.data.clone();
                let filter = chosen.filter.clone();
                let preset = preset_of(&filter);
                let count = |c: Confidence| data.entities.iter().filter(|e| e.confidence == c).count();
                let presets = PRESETS
                    .iter()
                    .map(|(value, label)| {
                        view! {
                            <option value=*value selected=*value == preset>
                                {*label}
                            </option>
                        }
                    })
                    .collect_view();
                let levels = Confidence::ALL
                    .iter()
                    .map(|&level| {
                        let checked = filter.confidence.contains(&level);
                        view! {
                            <label class="inline">
                                <input
                                    type="checkbox"
                                    data-level=level.as_str()
                                    prop:checked=checked
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        set_filter(index, &|levels, _| {
                                            levels.retain(|l| *l != level);
                                            if on {
                                                levels.push(level);
                                            }
                                        });
                                    }
                                />
                                {format!("{} ({})", level.label(), count(level))}
                            </label>
                        }
                    })
                    .collect_view();
                let types = [EntityType::Gene, EntityType::Str, EntityType::Region]
                    .into_iter()
                    .map(|kind| {
                        let checked = filter.types.contains(&kind);
                        let n = data.entities.iter().filter(|e| e.entity_type == kind).count();
                        view! {
                            <label class="inline">
                                <input
                                    type="checkbox"
                                    data-type=kind.as_str()
                                    prop:checked=checked
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        set_filter(index, &|_, types| {
                                            types.retain(|t| *t != kind);
                                            if on {
                                                types.push(kind);
                                            }
                                        });
                                    }
                                />
                                {format!("{} ({n})", type_label(kind))}
                            </label>
                        }
                    })
                    .collect_view();
                let title = format!(
                    "{} {} (id {}, v{})",
                    data.source.export_label(),
                    data.name,
                    data.id,
                    data.version
                );
                view! {
                    <li class="chosen-panel" data-panel=format!("{}-{}", data.source.prefix(), data.id)>
                        <div class="section-head">
                            <strong>{title}</strong>
                            <button
                                type="button"
                                class="button button-small"
                                on:click=move |_| workbench.panels.update(|p| {
                                    if index < p.len() {
                                        p.remove(index);
                                    }
                                })
                            >
                                "Remove"
                            </button>
                        </div>
                        <label>
                            "Take "
                            <select
                                class="preset"
                                on:change=move |ev| {
                                    if let Some(preset) = preset_levels(&event_target_value(&ev)) {
                                        set_filter(index, &|levels, _| *levels = preset.clone());
                                    }
                                }
                            >
                                {presets}
                            </select>
                        </label>
                        <div class="checks">{levels}</div>
                        <div class="checks">{types}</div>
                    </li>
                }
            })
            .collect_view()
    };
    let unrestored = move || {
        workbench
            .unrestored
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, (stored, reason))| {
                view! {
                    <li class="form-error unrestored-panel" role="alert">
                        {format!(
                            "{} was on your workbench but could not be loaded again: {reason}. It stays remembered. ",
                            stored.label(),
                        )}
                        <button
                            type="button"
                            class="button button-small"
                            on:click=move |_| {
                                if let Some(window) = web_sys::window() {
                                    let _ = window.location().reload();
                                }
                            }
                        >
                            "Try again"
                        </button>
                        " "
                        <button
                            type="button"
                            class="button button-small"
                            on:click=move |_| workbench.unrestored.update(|u| {
                                if index < u.len() {
                                    u.remove(index);
                                }
                            })
                        >
                            "Forget it"
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <ul class="chosen-list" id="unrestored-panels">{unrestored}</ul>
        <ul class="chosen-list" id="chosen-panels">{cards}</ul>
        <Show when=move || workbench.restoring.get()>
            <p class="muted" role="status" id="restoring-panels">
                "Loading the panels from your last visit…"
            </p>
        </Show>
        <Show when=move || workbench.panels.with(Vec::is_empty) && !workbench.restoring.get()>
            <p class="muted">"No panels yet."</p>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_round_trip_and_anything_else_is_custom() {
        for (preset, _) in PRESETS.iter().filter(|(p, _)| *p != "custom") {
            let levels = preset_levels(preset).unwrap();
            let filter = SelectionFilter::new(&levels, &[EntityType::Gene]);
            assert_eq!(preset_of(&filter), *preset);
        }
        let grey = SelectionFilter::new(&[Confidence::Green, Confidence::Grey], &[]);
        assert_eq!(preset_of(&grey), "custom");
        assert_eq!(preset_levels("custom"), None);
    }
}
