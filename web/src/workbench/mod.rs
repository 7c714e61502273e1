//! The workbench's state, kept for the whole visit (provided by the app shell) so panels added
//! from the panel browser are still there on the workbench, and the conversions from API
//! answers into the inputs of `shared::merge`.

pub mod persist;
mod sync;

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::merge::{OwnedMergeResult, PanelSelection, SelectionFilter, merge};
use shared::upload::{GeneList, ListGene};
use shared::{
    EntityDetails, EntityType, GeneSymbol, HgncId, Locus, PanelData, PanelEntity, PanelVersion,
};

use self::persist::StoredPanel;
use crate::api::{ApiError, graphql};
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

/// Whether two panels are the same version of the same PanelApp panel.
fn same_version(a: &PanelData, b: &PanelData) -> bool {
    a.source == b.source && a.id == b.id && a.version == b.version
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
        sync::install(workbench);
        if !stored.panels.is_empty() {
            spawn_local(workbench.restore(stored.panels));
        }
        Effect::new(move |_| {
            let panels = workbench.remembered_panels();
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
            let answer = graphql::<PanelDetail>(variables)
                .await
                .and_then(|d| d.panel.map(panel_data).transpose());
            match answer {
                Ok(data) => match data {
                    Some(data) => self.add_once(data, stored.filter()),
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

    /// The panels to remember: those on the workbench and those that could not be read again.
    pub(crate) fn remembered_panels(self) -> Vec<StoredPanel> {
        let mut panels: Vec<StoredPanel> = self
            .panels
            .with(|p| p.iter().map(StoredPanel::of).collect());
        self.unrestored
            .with(|u| panels.extend(u.iter().map(|(p, _)| p.clone())));
        panels
    }

    /// Whether an upload was left out of the merge on an earlier visit.
    pub fn left_out_earlier(id: &str) -> bool {
        persist::load().left_out.iter().any(|x| x == id)
    }

    /// Adds uploaded lists, each once. The same list can arrive twice, in either order: from
    /// the upload's own answer and from reloading the visitor's (or account's) uploads, which
    /// the workbench does when it opens and after a sign-in. Listed twice, its repeats would be
    /// counted twice.
    pub fn add_uploads(&self, uploads: impl IntoIterator<Item = ChosenUpload>) {
        self.uploads
            .update(|chosen| add_new_uploads(chosen, uploads));
    }

    /// Adds a panel with the "Green" preset; the same panel version is not added twice.
    pub fn add_panel(&self, data: PanelData) {
        self.add_once(data, SelectionFilter::green());
    }

    /// Adds a panel taking what `filter` chooses, unless that panel version is already here.
    fn add_once(&self, data: PanelData, filter: SelectionFilter) {
        self.panels.update(|panels| {
            if !panels.iter().any(|p| same_version(&p.data, &data)) {
                panels.push(ChosenPanel {
                    data: Arc::new(data),
                    filter,
                });
            }
        });
    }

    /// Adds a panel taking what `filter` chooses; a panel version already on the workbench takes
    /// the new choice instead of being added twice.
    pub fn add_panel_with(&self, data: PanelData, filter: SelectionFilter) {
        self.panels.update(|panels| {
            let existing = panels.iter_mut().find(|p| same_version(&p.data, &data));
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

/// A `panel` answer the app could not read as a panel (a bug on one side, never a user error).
fn unreadable(what: String) -> ApiError {
    ApiError::Decode(what)
}

fn locus(l: panel_detail::PanelDetailPanelEntitiesNodesGrch37) -> Result<Locus, ApiError> {
    let position = |n: i64| {
        u64::try_from(n).map_err(|_| unreadable(format!("position {n} on chromosome {}", l.chrom)))
    };
    Ok(Locus {
        start: position(l.start)?,
        end: position(l.end)?,
        chrom: l.chrom,
        ensembl_id: l.ensembl_id,
    })
}

fn locus38(l: panel_detail::PanelDetailPanelEntitiesNodesGrch38) -> Result<Locus, ApiError> {
    locus(panel_detail::PanelDetailPanelEntitiesNodesGrch37 {
        chrom: l.chrom,
        start: l.start,
        end: l.end,
        ensembl_id: l.ensembl_id,
    })
}

fn count(n: Option<i64>, what: &str) -> Result<Option<u32>, ApiError> {
    n.map(|n| u32::try_from(n).map_err(|_| unreadable(format!("{what} {n}"))))
        .transpose()
}

fn entity(e: panel_detail::PanelDetailPanelEntitiesNodes) -> Result<PanelEntity, ApiError> {
    // The server sends the HGNC symbol for genes and for STRs of a gene, and the entity's own
    // name where there is no gene (regions, STRs without one).
    let symbol = match e.type_ {
        EntityType::Region => None,
        EntityType::Str if e.symbol == e.name => None,
        _ => Some(
            GeneSymbol::parse(&e.symbol)
                .map_err(|why| unreadable(format!("gene symbol “{}”: {why}", e.symbol)))?,
        ),
    };
    let hgnc_id = e
        .hgnc_id
        .as_deref()
        .map(|h| HgncId::parse(h).map_err(|why| unreadable(format!("HGNC id “{h}”: {why}"))))
        .transpose()?;
    let details = match e.type_ {
        EntityType::Gene => EntityDetails::Gene,
        EntityType::Str => EntityDetails::Str {
            repeated_sequence: e.repeated_sequence,
            normal_repeats: count(e.normal_repeats, "normal repeat count")?,
            pathogenic_repeats: count(e.pathogenic_repeats, "pathogenic repeat count")?,
        },
        EntityType::Region => EntityDetails::Region {
            verbose_name: e.verbose_name,
            type_of_variants: None,
            required_overlap_percentage: None,
            haploinsufficiency_score: None,
            triplosensitivity_score: None,
        },
    };
    Ok(PanelEntity {
        entity_type: e.type_,
        name: e.name,
        symbol,
        hgnc_id,
        gene_name: None,
        aliases: e.aliases,
        previous_symbols: Vec::new(),
        omim: Vec::new(),
        confidence: e.confidence,
        mode_of_inheritance: e.mode_of_inheritance,
        mode_of_pathogenicity: e.mode_of_pathogenicity,
        penetrance: None,
        phenotypes: e.phenotypes,
        evidence: e.evidence,
        publications: e.publications,
        transcripts: e.transcripts,
        tags: e.tags,
        grch37: e.grch37.map(locus).transpose()?,
        grch38: e.grch38.map(locus38).transpose()?,
        details,
    })
}

/// A `panel` answer as the merge engine's panel: every field the API gives, kept as sent; an
/// answer that does not read as a panel (a version that is not one, a malformed symbol) is an
/// error for the page to show, never a panel quietly made up (version 0.0, a gene dropped).
/// The API does not give what the merge never shows (HGNC names, OMIM ids, penetrance, which
/// aliases are previous symbols, the scores of regions).
pub fn panel_data(panel: panel_detail::PanelDetailPanel) -> Result<PanelData, ApiError> {
    let label = format!("{} panel {}", panel.source.display_name(), panel.id);
    let within = |e: ApiError| match e {
        ApiError::Decode(what) => unreadable(format!("{label}: {what}")),
        other => other,
    };
    let id = u32::try_from(panel.id).map_err(|_| unreadable(format!("panel id {}", panel.id)))?;
    let version = PanelVersion::parse(&panel.version)
        .map_err(|why| within(unreadable(format!("version “{}”: {why}", panel.version))))?;
    let entities = panel
        .entities
        .nodes
        .into_iter()
        .map(entity)
        .collect::<Result<_, _>>()
        .map_err(within)?;
    Ok(PanelData {
        source: panel.source,
        id,
        name: panel.name,
        version,
        version_created: panel.version_created,
        disease_group: panel.disease_group,
        disease_sub_group: panel.disease_sub_group,
        relevant_disorders: panel.relevant_disorders,
        types: panel.types,
        description: panel.description,
        signed_off: panel.signed_off_date,
        entities,
    })
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

/// Appends the uploads not in `chosen` yet (by id), in order.
fn add_new_uploads(
    chosen: &mut Vec<ChosenUpload>,
    uploads: impl IntoIterator<Item = ChosenUpload>,
) {
    for upload in uploads {
        if !chosen.iter().any(|c| c.list.id == upload.list.id) {
            chosen.push(upload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use panel_detail::{
        PanelDetailPanel, PanelDetailPanelCounts, PanelDetailPanelEntities,
        PanelDetailPanelEntitiesNodes,
    };
    use shared::Confidence;

    fn chosen(id: &str, included: bool) -> ChosenUpload {
        ChosenUpload {
            list: GeneList {
                id: id.to_owned(),
                name: format!("list {id}"),
                genes: Vec::new(),
            },
            filename: format!("{id}.txt"),
            format: "TEXT".to_owned(),
            row_count: 0,
            diagnostics: Vec::new(),
            included,
        }
    }

    #[test]
    fn an_upload_is_added_once_whichever_answer_comes_first() {
        // The reload of the visitor's uploads first, then the upload's own answer ...
        let mut uploads = Vec::new();
        add_new_uploads(&mut uploads, [chosen("a", true), chosen("b", false)]);
        add_new_uploads(&mut uploads, [chosen("b", true)]);
        // ... or the other way round, and a repeat within one answer.
        add_new_uploads(
            &mut uploads,
            [chosen("c", true), chosen("a", false), chosen("c", false)],
        );
        let ids: Vec<_> = uploads
            .iter()
            .map(|u| (u.list.id.as_str(), u.included))
            .collect();
        assert_eq!(
            ids,
            [("a", true), ("b", false), ("c", true)],
            "the first arrival is kept"
        );
    }

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
            mode_of_pathogenicity: None,
            phenotypes: Vec::new(),
            evidence: Vec::new(),
            publications: Vec::new(),
            transcripts: Vec::new(),
            tags: Vec::new(),
            aliases: Vec::new(),
            verbose_name: None,
            repeated_sequence: None,
            normal_repeats: None,
            pathogenic_repeats: None,
            grch37: None,
            grch38: None,
        }
    }

    fn epilepsy() -> PanelDetailPanel {
        PanelDetailPanel {
            source: shared::Source::Uk,
            id: 402,
            name: "Early onset or syndromic epilepsy".to_owned(),
            version: "8.125".to_owned(),
            version_created: Some("2025-01-07T10:00:00Z".to_owned()),
            disease_group: Some("Neurology and neurodevelopmental disorders".to_owned()),
            disease_sub_group: None,
            relevant_disorders: vec!["R59".to_owned()],
            description: None,
            types: vec!["GMS Rare Disease Virtual".to_owned()],
            signed_off_date: Some("2025-02-01".to_owned()),
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
        }
    }

    #[test]
    fn panel_answers_feed_the_shared_merge_and_filters_change_the_count() {
        let data = panel_data(epilepsy()).unwrap();
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

    /// What the server sent is what the merge sees: aliases, publications, the STR's gene and
    /// repeat counts and the panel's facts are kept, not emptied.
    #[test]
    fn a_panel_keeps_what_the_server_sent() {
        let mut panel = epilepsy();
        let scn1a = &mut panel.entities.nodes[0];
        scn1a.aliases = vec!["NAC1".to_owned()];
        scn1a.publications = vec!["10742094".to_owned()];
        scn1a.tags = vec!["founder-variant".to_owned()];
        scn1a.mode_of_pathogenicity = Some("Loss-of-function".to_owned());
        let fxn = &mut panel.entities.nodes[3];
        fxn.symbol = "FXN".to_owned();
        fxn.repeated_sequence = Some("GAA".to_owned());
        fxn.normal_repeats = Some(33);
        fxn.pathogenic_repeats = Some(66);
        let data = panel_data(panel).unwrap();
        assert_eq!(data.signed_off.as_deref(), Some("2025-02-01"));
        assert_eq!(data.types, ["GMS Rare Disease Virtual"]);
        assert_eq!(
            data.version_created.as_deref(),
            Some("2025-01-07T10:00:00Z")
        );
        let scn1a = &data.entities[0];
        assert_eq!(scn1a.aliases, ["NAC1"]);
        assert_eq!(scn1a.publications, ["10742094"]);
        assert_eq!(scn1a.tags, ["founder-variant"]);
        assert_eq!(
            scn1a.mode_of_pathogenicity.as_deref(),
            Some("Loss-of-function")
        );
        let fxn = &data.entities[3];
        assert_eq!(fxn.symbol.as_ref().map(GeneSymbol::as_str), Some("FXN"));
        assert_eq!(
            fxn.details,
            EntityDetails::Str {
                repeated_sequence: Some("GAA".to_owned()),
                normal_repeats: Some(33),
                pathogenic_repeats: Some(66),
            }
        );
    }

    /// An answer that does not read as a panel is an error naming the panel and the field,
    /// never version 0.0 or a gene dropped without a word.
    #[test]
    fn an_unreadable_panel_is_an_error_that_says_what_and_where() {
        let mut panel = epilepsy();
        panel.version = "eight".to_owned();
        let error = panel_data(panel).unwrap_err().to_string();
        assert!(error.contains("PanelApp UK panel 402"), "{error}");
        assert!(error.contains("version “eight”"), "{error}");

        let mut panel = epilepsy();
        panel.entities.nodes[2].symbol = "KCNQ2 KCNQ3".to_owned();
        let error = panel_data(panel).unwrap_err().to_string();
        assert!(error.contains("gene symbol “KCNQ2 KCNQ3”"), "{error}");

        let mut panel = epilepsy();
        panel.entities.nodes[0].grch38 = Some(panel_detail::PanelDetailPanelEntitiesNodesGrch38 {
            chrom: "2".to_owned(),
            start: -5,
            end: 10,
            ensembl_id: None,
        });
        let error = panel_data(panel).unwrap_err().to_string();
        assert!(error.contains("position -5 on chromosome 2"), "{error}");
    }
}
