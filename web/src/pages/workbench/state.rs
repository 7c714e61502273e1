//! The workbench's state, kept for the whole visit (provided by the app shell) so panels added
//! from the panel browser are still there on the workbench, and the conversions from API
//! answers into the inputs of `shared::merge`.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::merge::{OwnedMergeResult, PanelSelection, SelectionFilter, merge};
use shared::upload::{GeneList, ListGene};
use shared::{
    EntityDetails, EntityType, GeneSymbol, HgncId, Locus, PanelData, PanelEntity, PanelVersion,
};

use super::persist::{self, StoredPanel};
use crate::api::graphql;
use crate::queries::{PanelDetail, panel_detail, upload_gene_list, uploads};

/// One panel on the workbench and what to take from it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenPanel {
    pub data: Arc<PanelData>,
    pub filter: SelectionFilter,
}

/// One uploaded list with the reader's diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenUpload {
    pub list: GeneList,
    pub filename: String,
    pub format: String,
    pub row_count: i64,
    pub diagnostics: Vec<Diagnostic>,
    pub included: bool,
}

/// A diagnostic row as shown in the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub row: Option<i64>,
    pub value: String,
    pub kind: String,
    pub message: String,
    pub suggestion: Option<String>,
}

/// The workbench state.
#[derive(Debug, Clone, Copy)]
pub struct Workbench {
    pub panels: RwSignal<Vec<ChosenPanel>>,
    pub uploads: RwSignal<Vec<ChosenUpload>>,
    /// Whether the visitor's earlier uploads were loaded from the server yet.
    pub uploads_loaded: RwSignal<bool>,
    /// Whether the panels remembered from an earlier visit are still being read again.
    pub restoring: RwSignal<bool>,
    /// Remembered panels that could not be read again, with the reason; they stay remembered
    /// until the visitor forgets them.
    pub unrestored: RwSignal<Vec<(StoredPanel, String)>>,
    /// What the account sync last said (kept, brought back, could not be kept).
    pub account_note: RwSignal<Option<String>>,
    /// Whether the account's copy was merged in since login (saving starts then).
    pub merged_in: RwSignal<bool>,
}

impl Workbench {
    /// Creates the workbench, provides it to every page, brings back the panels remembered
    /// from an earlier visit (reload, another tab, a typed URL) and remembers every change.
    pub fn provide() -> Self {
        let stored = persist::load();
        let workbench = Self {
            panels: RwSignal::new(Vec::new()),
            uploads: RwSignal::new(Vec::new()),
            uploads_loaded: RwSignal::new(false),
            restoring: RwSignal::new(!stored.panels.is_empty()),
            unrestored: RwSignal::new(Vec::new()),
            account_note: RwSignal::new(None),
            merged_in: RwSignal::new(false),
        };
        provide_context(workbench);
        super::sync::install(workbench);
        if !stored.panels.is_empty() {
            spawn_local(workbench.restore(stored.panels));
        }
        Effect::new(move |_| {
            let mut panels: Vec<StoredPanel> = workbench
                .panels
                .with(|p| p.iter().map(StoredPanel::of).collect());
            workbench
                .unrestored
                .with(|u| panels.extend(u.iter().map(|(p, _)| p.clone())));
            let uploads: Vec<(String, bool)> = workbench
                .uploads
                .with(|u| u.iter().map(|u| (u.list.id.clone(), u.included)).collect());
            if workbench.restoring.get() {
                return;
            }
            persist::update(|stored| {
                stored.panels = panels;
                for (id, included) in uploads {
                    stored.left_out.retain(|x| *x != id);
                    if !included {
                        stored.left_out.push(id);
                    }
                }
            });
        });
        workbench
    }

    /// Reads the remembered panels again, by their exact version, with their choices.
    pub(super) async fn restore(self, panels: Vec<StoredPanel>) {
        for stored in panels {
            let variables = panel_detail::Variables {
                source: stored.source,
                id: i64::from(stored.id),
                version: Some(stored.version.clone()),
            };
            match graphql::<PanelDetail>(variables).await {
                Ok(data) => match data.panel {
                    Some(panel) => {
                        let filter = stored.filter();
                        self.panels.update(|panels| {
                            let data = panel_data(panel);
                            let exists = panels.iter().any(|p| {
                                p.data.source == data.source
                                    && p.data.id == data.id
                                    && p.data.version == data.version
                            });
                            if !exists {
                                panels.push(ChosenPanel {
                                    data: Arc::new(data),
                                    filter,
                                });
                            }
                        });
                    }
                    None => self.unrestored.update(|u| {
                        u.push((stored, "PanelApp does not list it any more".to_owned()));
                    }),
                },
                Err(err) => self
                    .unrestored
                    .update(|u| u.push((stored, err.to_string()))),
            }
        }
        self.restoring.set(false);
    }

    /// Whether an upload was left out of the merge on an earlier visit.
    pub fn left_out_earlier(id: &str) -> bool {
        persist::load().left_out.iter().any(|x| x == id)
    }

    /// Adds a panel with the "Green" preset; the same panel version is not added twice.
    pub fn add_panel(&self, data: PanelData) {
        self.panels.update(|panels| {
            let exists = panels.iter().any(|p| {
                p.data.source == data.source
                    && p.data.id == data.id
                    && p.data.version == data.version
            });
            if !exists {
                panels.push(ChosenPanel {
                    data: Arc::new(data),
                    filter: SelectionFilter::green(),
                });
            }
        });
    }

    /// Adds a panel taking what `filter` chooses; a panel version already on the workbench takes
    /// the new choice instead of being added twice.
    pub fn add_panel_with(&self, data: PanelData, filter: SelectionFilter) {
        self.panels.update(|panels| {
            let existing = panels.iter_mut().find(|p| {
                p.data.source == data.source
                    && p.data.id == data.id
                    && p.data.version == data.version
            });
            match existing {
                Some(panel) => panel.filter = filter,
                None => panels.push(ChosenPanel {
                    data: Arc::new(data),
                    filter,
                }),
            }
        });
    }

    /// The merged list of everything chosen, computed in the browser.
    pub fn merged(&self) -> Memo<OwnedMergeResult> {
        let panels = self.panels;
        let uploads = self.uploads;
        Memo::new(move |_| {
            panels.with(|panels| {
                uploads.with(|uploads| {
                    let selections: Vec<PanelSelection<'_>> = panels
                        .iter()
                        .map(|p| PanelSelection::new(&p.data, &p.filter))
                        .collect();
                    let lists: Vec<GeneList> = uploads
                        .iter()
                        .filter(|u| u.included)
                        .map(|u| u.list.clone())
                        .collect();
                    merge(&selections, &lists).into_owned()
                })
            })
        })
    }
}

/// The workbench provided by [`Workbench::provide`].
pub fn use_workbench() -> Workbench {
    expect_context::<Workbench>()
}

fn locus(chrom: String, start: i64, end: i64, ensembl_id: Option<String>) -> Locus {
    Locus {
        chrom,
        start: u64::try_from(start).unwrap_or_default(),
        end: u64::try_from(end).unwrap_or_default(),
        ensembl_id,
    }
}

/// A `panel` answer as the merge engine's panel.
pub fn panel_data(panel: panel_detail::PanelDetailPanel) -> PanelData {
    let entities = panel
        .entities
        .nodes
        .into_iter()
        .map(|e| {
            let name = e.name.clone();
            let symbol = match e.type_ {
                EntityType::Gene => GeneSymbol::parse(&e.symbol).ok(),
                _ => None,
            };
            PanelEntity {
                entity_type: e.type_,
                name,
                symbol,
                hgnc_id: e.hgnc_id.as_deref().and_then(|h| HgncId::parse(h).ok()),
                gene_name: None,
                aliases: Vec::new(),
                previous_symbols: Vec::new(),
                omim: Vec::new(),
                confidence: e.confidence,
                mode_of_inheritance: e.mode_of_inheritance,
                mode_of_pathogenicity: None,
                penetrance: None,
                phenotypes: e.phenotypes,
                evidence: e.evidence,
                publications: Vec::new(),
                transcripts: Vec::new(),
                tags: Vec::new(),
                grch37: e
                    .grch37
                    .map(|l| locus(l.chrom, l.start, l.end, l.ensembl_id)),
                grch38: e
                    .grch38
                    .map(|l| locus(l.chrom, l.start, l.end, l.ensembl_id)),
                details: EntityDetails::default(),
            }
        })
        .collect();
    PanelData {
        source: panel.source,
        id: u32::try_from(panel.id).unwrap_or_default(),
        name: panel.name,
        version: PanelVersion::parse(&panel.version)
            .ok()
            .unwrap_or(PanelVersion::new(0, 0)),
        version_created: None,
        disease_group: None,
        disease_sub_group: None,
        relevant_disorders: panel.relevant_disorders,
        types: Vec::new(),
        description: None,
        signed_off: None,
        entities,
    }
}

macro_rules! upload_from {
    ($name:ident, $module:ident, $ty:ident) => {
        /// An uploaded list answer as the workbench keeps it.
        pub fn $name(upload: $module::$ty) -> ChosenUpload {
            let genes = upload
                .genes
                .nodes
                .iter()
                .filter_map(|g| {
                    let symbol = GeneSymbol::parse(&g.symbol).ok()?;
                    let hgnc = g.hgnc_id.as_deref().and_then(|h| HgncId::parse(h).ok());
                    let mut gene = ListGene::new(symbol, hgnc);
                    gene.row = g.row.and_then(|r| u32::try_from(r).ok());
                    gene.verification = Some(shared::Verification {
                        status: g.verification.status,
                        reason: g.verification.reason,
                        note: g.verification.note.clone(),
                    });
                    Some(gene)
                })
                .collect();
            ChosenUpload {
                list: GeneList {
                    id: upload.id,
                    name: upload.name,
                    genes,
                },
                filename: upload.filename,
                format: upload.format.as_str().to_owned(),
                row_count: upload.row_count,
                diagnostics: upload
                    .diagnostics
                    .into_iter()
                    .map(|d| Diagnostic {
                        row: d.row,
                        value: d.value,
                        kind: d.kind.as_str().to_owned(),
                        message: d.message,
                        suggestion: d.suggestion,
                    })
                    .collect(),
                included: true,
            }
        }
    };
}

upload_from!(from_upload, upload_gene_list, UploadGeneListUploadGeneList);
upload_from!(from_listed_upload, uploads, UploadsUploadsNodes);

#[cfg(test)]
mod tests {
    use super::*;
    use panel_detail::{
        PanelDetailPanel, PanelDetailPanelCounts, PanelDetailPanelEntities,
        PanelDetailPanelEntitiesNodes,
    };
    use shared::Confidence;

    fn entity(
        kind: EntityType,
        symbol: &str,
        confidence: Confidence,
    ) -> PanelDetailPanelEntitiesNodes {
        PanelDetailPanelEntitiesNodes {
            type_: kind,
            symbol: symbol.to_owned(),
            name: symbol.to_owned(),
            hgnc_id: None,
            confidence,
            mode_of_inheritance: None,
            phenotypes: Vec::new(),
            evidence: Vec::new(),
            grch37: None,
            grch38: None,
        }
    }

    #[test]
    fn panel_answers_feed_the_shared_merge_and_filters_change_the_count() {
        let panel = PanelDetailPanel {
            source: shared::Source::Uk,
            id: 402,
            name: "Early onset or syndromic epilepsy".to_owned(),
            version: "8.125".to_owned(),
            relevant_disorders: vec!["R59".to_owned()],
            counts: PanelDetailPanelCounts {
                green: 2,
                amber: 1,
                red: 0,
                grey: 0,
            },
            entities: PanelDetailPanelEntities {
                nodes: vec![
                    entity(EntityType::Gene, "SCN1A", Confidence::Green),
                    entity(EntityType::Gene, "scn2a", Confidence::Green),
                    entity(EntityType::Gene, "KCNQ2", Confidence::Amber),
                    entity(EntityType::Str, "FXN_GAA", Confidence::Green),
                ],
            },
        };
        let data = panel_data(panel);
        assert_eq!(data.version, PanelVersion::new(8, 125));
        assert_eq!(data.entities[1].symbol.as_ref().unwrap().as_str(), "SCN2A");
        assert!(data.entities[3].symbol.is_none());
        let count =
            |filter: SelectionFilter| merge(&[PanelSelection::new(&data, &filter)], &[]).total;
        assert_eq!(count(SelectionFilter::green()), 2);
        assert_eq!(count(SelectionFilter::green_and_amber()), 3);
        assert_eq!(
            count(SelectionFilter::new(
                &[Confidence::Green],
                &[EntityType::Gene, EntityType::Str]
            )),
            3
        );
    }
}
