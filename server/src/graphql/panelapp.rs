//! PanelApp: `panels`, `panel`, `panelsByGene`, `geneSuggestions`, `refreshPanelApp`.

use super::scalars::{Date, parse_date, parse_instant};
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{ComplexObject, Context, InputType, Object, Result, SimpleObject, Value};
use chrono::{DateTime, Utc};
use shared::{Confidence, EntityType, PanelData, PanelEntity, PanelVersion, Source};

use super::ContextExt;
use super::genelists::types::{ConfidenceCountsOut, LocusOut};
use super::plain::{Plain, PlainFields};
use crate::db::int;
use crate::error::AppError;
use crate::panelapp::search::SearchFilter;
use crate::panelapp::{DataOrigin, PanelGeneHit, PanelSummary as Summary, SourceStatus};

/// A panel of a PanelApp catalogue.
#[derive(SimpleObject)]
pub struct PanelSummary {
    /// The PanelApp instance.
    pub source: Source,
    /// The panel's id in its instance (ids are per instance: UK 402 and AU 402 are different
    /// panels).
    pub id: i32,
    /// The panel's name in PanelApp.
    pub name: String,
    /// The current version, `major.minor` as PanelApp writes it ("8.125"; "3.10" is later than
    /// "3.9").
    pub version: String,
    /// When this version was created in PanelApp.
    pub version_created: Option<DateTime<Utc>>,
    /// PanelApp's disease group ("Neurology and neurodevelopmental disorders"); null when not
    /// given.
    pub disease_group: Option<String>,
    /// PanelApp's disease sub-group; null when not given.
    pub disease_sub_group: Option<String>,
    /// Relevant disorders as PanelApp lists them: disorder names, R-codes of the NHS test directory
    /// ("R59"), HPO ids ("HP:0001250").
    pub relevant_disorders: Vec<String>,
    /// Australia only.
    pub description: Option<String>,
    /// Panel type names.
    pub types: Vec<String>,
    /// Genes in the current version (all ratings), from PanelApp's statistics.
    pub gene_count: i32,
    /// Short tandem repeats in the current version.
    pub str_count: i32,
    /// Regions in the current version.
    pub region_count: i32,
    /// Whether the current version is signed off.
    pub signed_off: bool,
    /// When it was signed off.
    pub signed_off_date: Option<Date>,
    /// Entities per evidence level, once this server has loaded that version's details
    /// (null before: listing never fetches details).
    pub counts: Option<ConfidenceCountsOut>,
    /// Where the catalogue answer came from, and its date.
    pub data_origin: DataOrigin,
    /// When the catalogue was fetched from PanelApp (or captured, for a snapshot).
    pub data_date: DateTime<Utc>,
}

impl PanelSummary {
    fn new(
        p: &Summary,
        counts: Option<shared::ConfidenceCounts>,
        origin: DataOrigin,
        date: DateTime<Utc>,
    ) -> Self {
        Self {
            source: p.source,
            id: int(p.id),
            name: p.name.clone(),
            version: p.version.to_string(),
            version_created: p.version_created.as_deref().and_then(parse_instant),
            disease_group: p.disease_group.clone(),
            disease_sub_group: p.disease_sub_group.clone(),
            relevant_disorders: p.relevant_disorders.clone(),
            description: p.description.clone(),
            types: p.types.clone(),
            gene_count: int(p.genes),
            str_count: int(p.strs),
            region_count: int(p.regions),
            signed_off: p.signed_off.is_some(),
            signed_off_date: p.signed_off.as_deref().and_then(parse_date),
            counts: counts.map(Into::into),
            data_origin: origin,
            data_date: date,
        }
    }
}

/// A panel of a page of the catalogue: the [`PanelSummary`] type, answered in one pass from
/// the catalogue's own summary when the selection is plain ([`super::plain`]; every client's
/// is), reading only the fields asked for, and by the derived resolver otherwise. A page of
/// them cost about 10 µs a panel through async-graphql's per-field futures and extension
/// hooks, 2.2 µs in one pass (BENCHMARKS.md).
#[derive(Clone)]
pub struct ListedPanel {
    summary: Arc<Summary>,
    counts: Option<shared::ConfidenceCounts>,
    stamp: Arc<Stamp>,
}

/// Where a catalogue's panels came from, with the values a page answers for it: made once per
/// catalogue a page shows, not formatted again for each of its panels.
struct Stamp {
    origin: DataOrigin,
    date: DateTime<Utc>,
    origin_value: Value,
    date_value: Value,
}

impl Stamp {
    fn new(origin: DataOrigin, date: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self {
            origin,
            date,
            origin_value: origin.to_value(),
            date_value: date.to_value(),
        })
    }
}

impl PlainFields for ListedPanel {
    fn type_name(&self) -> &'static str {
        "PanelSummary"
    }

    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        let p = &*self.summary;
        Some(Plain::Value(match name {
            "source" => p.source.to_value(),
            "id" => int(p.id).into(),
            "name" => p.name.to_value(),
            "version" => Value::String(p.version.to_string()),
            "versionCreated" => p
                .version_created
                .as_deref()
                .and_then(parse_instant)
                .to_value(),
            "diseaseGroup" => p.disease_group.to_value(),
            "diseaseSubGroup" => p.disease_sub_group.to_value(),
            "relevantDisorders" => p.relevant_disorders.to_value(),
            "description" => p.description.to_value(),
            "types" => p.types.to_value(),
            "geneCount" => int(p.genes).into(),
            "strCount" => int(p.strs).into(),
            "regionCount" => int(p.regions).into(),
            "signedOff" => p.signed_off.is_some().into(),
            "signedOffDate" => p.signed_off.as_deref().and_then(parse_date).to_value(),
            "counts" => {
                return Some(Plain::Object(
                    self.counts.as_ref().map(|c| c as &dyn PlainFields),
                ));
            }
            "dataOrigin" => self.stamp.origin_value.clone(),
            "dataDate" => self.stamp.date_value.clone(),
            _ => return None,
        }))
    }
}

super::plain::one_pass_output!(ListedPanel, PanelSummary, |panel| PanelSummary::new(
    &panel.summary,
    panel.counts,
    panel.stamp.origin,
    panel.stamp.date
));

/// A page of the catalogue (`PanelSummaryConnection`), answered in one pass when its
/// selection is plain (the page's fields, `pageInfo`, `edges`, `nodes` and their panels: no
/// future or extension hook per panel either) and as a [`Connection`] otherwise.
pub struct PanelPage {
    total: i32,
    page_info: PagePlace,
    edges: Vec<ListedEdge>,
}

type PanelConnection = Connection<String, ListedPanel, PanelPageInfo, EmptyFields>;

/// `PageInfo` as the connection would give it.
struct PagePlace {
    has_previous: bool,
    has_next: bool,
    start: Option<String>,
    end: Option<String>,
}

/// A `PanelSummaryEdge`: its cursor is written only when asked for.
struct ListedEdge {
    /// The panel's place in the ranking.
    index: u64,
    panel: ListedPanel,
}

impl ListedEdge {
    fn cursor(&self) -> String {
        super::paging::cursor("panels", self.index)
    }
}

impl PanelPage {
    fn new(has_previous: bool, has_next: bool, total: i32, edges: Vec<ListedEdge>) -> Self {
        Self {
            total,
            page_info: PagePlace {
                has_previous,
                has_next,
                start: edges.first().map(ListedEdge::cursor),
                end: edges.last().map(ListedEdge::cursor),
            },
            edges,
        }
    }

    /// The same page as async-graphql's connection, for the derived resolver.
    fn connection(&self) -> PanelConnection {
        let mut connection = Connection::with_additional_fields(
            self.page_info.has_previous,
            self.page_info.has_next,
            PanelPageInfo {
                total_count: self.total,
            },
        );
        connection.edges.extend(
            self.edges
                .iter()
                .map(|e| Edge::new(e.cursor(), e.panel.clone())),
        );
        connection
    }
}

impl PlainFields for PanelPage {
    fn type_name(&self) -> &'static str {
        "PanelSummaryConnection"
    }

    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "totalCount" => Plain::Value(self.total.into()),
            "pageInfo" => Plain::Object(Some(&self.page_info)),
            "edges" => Plain::List(self.edges.iter().map(|e| e as &dyn PlainFields).collect()),
            "nodes" => Plain::List(
                self.edges
                    .iter()
                    .map(|e| &e.panel as &dyn PlainFields)
                    .collect(),
            ),
            _ => return None,
        })
    }
}

impl PlainFields for PagePlace {
    fn type_name(&self) -> &'static str {
        "PageInfo"
    }

    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(Plain::Value(match name {
            "hasPreviousPage" => self.has_previous.into(),
            "hasNextPage" => self.has_next.into(),
            "startCursor" => self.start.to_value(),
            "endCursor" => self.end.to_value(),
            _ => return None,
        }))
    }
}

impl PlainFields for ListedEdge {
    fn type_name(&self) -> &'static str {
        "PanelSummaryEdge"
    }

    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "cursor" => Plain::Value(Value::String(self.cursor())),
            "node" => Plain::Object(Some(&self.panel)),
            _ => return None,
        })
    }
}

super::plain::one_pass_output!(PanelPage, PanelConnection, |page| page.connection());

/// The page's extra field.
#[derive(SimpleObject)]
pub struct PanelPageInfo {
    /// Panels matching the search and filters, over all pages.
    pub total_count: i32,
}

/// A gene, STR or region of a panel.
#[derive(SimpleObject)]
#[graphql(name = "PanelEntity")]
pub struct PanelEntityOut {
    /// Gene, STR or region.
    #[graphql(name = "type")]
    pub entity_type: EntityType,
    /// The current HGNC symbol; the entity name for regions and STRs without a gene.
    pub symbol: String,
    /// `entity_name` as PanelApp gives it.
    pub name: String,
    /// HGNC id as `HGNC:1234`; null for regions and entities PanelApp gives none for.
    pub hgnc_id: Option<String>,
    /// The rating in this panel version: GREEN is diagnostic grade, AMBER and RED are not.
    pub confidence: Confidence,
    /// Mode of inheritance exactly as PanelApp words it ("BIALLELIC, autosomal or pseudoautosomal",
    /// "X-LINKED: hemizygous mutation in males, biallelic mutations in females", …); null when not
    /// given.
    pub mode_of_inheritance: Option<String>,
    /// PanelApp's mode of pathogenicity (for example that loss-of-function variants do not cause
    /// the phenotype); null when not given.
    pub mode_of_pathogenicity: Option<String>,
    /// Phenotypes as PanelApp lists them, often with OMIM or HPO ids.
    pub phenotypes: Vec<String>,
    /// Evidence sources ("Expert Review Green", "Radboud University Medical Center, Nijmegen", …).
    pub evidence: Vec<String>,
    /// Publications, mostly PubMed ids, as PanelApp lists them.
    pub publications: Vec<String>,
    /// Transcripts PanelApp names for the entity (often empty).
    pub transcripts: Vec<String>,
    /// Curators' tags ("founder-variant", "new-gene-name", …).
    pub tags: Vec<String>,
    /// HGNC aliases and previous symbols of the gene, as PanelApp lists them.
    pub aliases: Vec<String>,
    /// Position on GRCh37; null when PanelApp gives none.
    pub grch37: Option<LocusOut>,
    /// Position on GRCh38; null when PanelApp gives none.
    pub grch38: Option<LocusOut>,
    /// Regions: the long name.
    pub verbose_name: Option<String>,
    /// STRs: the repeat and its thresholds.
    pub repeated_sequence: Option<String>,
    /// STRs: the largest repeat count that is normal; null for genes and regions, or when not
    /// given.
    pub normal_repeats: Option<i32>,
    /// STRs: the smallest repeat count that is pathogenic; null for genes and regions, or when not
    /// given.
    pub pathogenic_repeats: Option<i32>,
}

impl From<&PanelEntity> for PanelEntityOut {
    fn from(e: &PanelEntity) -> Self {
        let (verbose_name, repeated_sequence, normal_repeats, pathogenic_repeats) = match &e.details
        {
            shared::EntityDetails::Region { verbose_name, .. } => {
                (verbose_name.clone(), None, None, None)
            }
            shared::EntityDetails::Str {
                repeated_sequence,
                normal_repeats,
                pathogenic_repeats,
            } => (
                None,
                repeated_sequence.clone(),
                normal_repeats.map(int),
                pathogenic_repeats.map(int),
            ),
            shared::EntityDetails::Gene => (None, None, None, None),
        };
        Self {
            entity_type: e.entity_type,
            symbol: e
                .symbol
                .as_ref()
                .map_or_else(|| e.name.clone(), |s| s.as_str().to_owned()),
            name: e.name.clone(),
            hgnc_id: e.hgnc_id.map(|h| h.to_string()),
            confidence: e.confidence,
            mode_of_inheritance: e.mode_of_inheritance.clone(),
            mode_of_pathogenicity: e.mode_of_pathogenicity.clone(),
            phenotypes: e.phenotypes.clone(),
            evidence: e.evidence.clone(),
            publications: e.publications.clone(),
            transcripts: e.transcripts.clone(),
            tags: e.tags.clone(),
            aliases: e.aliases.clone(),
            grch37: e.grch37.as_ref().map(LocusOut::from),
            grch38: e.grch38.as_ref().map(LocusOut::from),
            verbose_name,
            repeated_sequence,
            normal_repeats,
            pathogenic_repeats,
        }
    }
}

/// One version of a panel with its genes, STRs and regions.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PanelDetail {
    /// The PanelApp instance.
    pub source: Source,
    /// The panel's id in its instance.
    pub id: i32,
    /// The panel's name in this version.
    pub name: String,
    /// This version, `major.minor` ("8.125").
    pub version: String,
    /// When this version was created in PanelApp.
    pub version_created: Option<DateTime<Utc>>,
    /// PanelApp's disease group; null when not given.
    pub disease_group: Option<String>,
    /// PanelApp's disease sub-group; null when not given.
    pub disease_sub_group: Option<String>,
    /// Relevant disorders: names, R-codes ("R59"), HPO ids.
    pub relevant_disorders: Vec<String>,
    /// The panel's description (PanelApp Australia only; null for UK panels).
    pub description: Option<String>,
    /// Panel type names ("GMS Rare Disease Virtual", …).
    pub types: Vec<String>,
    /// Whether this version is signed off (approved for use in the NHS Genomic Medicine Service,
    /// for UK panels).
    pub signed_off: bool,
    /// When this version was signed off.
    pub signed_off_date: Option<Date>,
    /// Where this answer came from and when that data was fetched (or captured).
    pub data_origin: DataOrigin,
    /// When that data was fetched from PanelApp (or captured, for a snapshot).
    pub data_date: DateTime<Utc>,
    #[graphql(skip)]
    pub data: Arc<PanelData>,
}

#[ComplexObject]
impl PanelDetail {
    /// Entities in PanelApp's order, optionally only some evidence levels and types; all of
    /// them unless `first`/`last` ask for a page.
    #[allow(clippy::too_many_arguments)]
    async fn entities(
        &self,
        #[graphql(desc = "Only entities rated one of these; absent: every rating.")]
        confidence: Option<Vec<Confidence>>,
        #[graphql(desc = "Only these kinds of entity; absent: genes, STRs and regions.")]
        types: Option<Vec<EntityType>>,
        #[graphql(desc = "Entities from the start, 1 to 50000.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Entities from the end, 1 to 50000.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<super::paging::Page<PanelEntityOut>> {
        let chosen: Vec<_> = self
            .data
            .entities
            .iter()
            .filter(|e| {
                confidence
                    .as_ref()
                    .is_none_or(|c| c.contains(&e.confidence))
            })
            .filter(|e| types.as_ref().is_none_or(|t| t.contains(&e.entity_type)))
            .collect();
        let window = super::paging::PageArgs::new(first, after, last, before).window(
            "entities",
            chosen.len(),
            super::paging::MAX_IN_MEMORY,
            super::paging::MAX_IN_MEMORY,
        )?;
        Ok(window.connection(
            window
                .slice(&chosen)
                .iter()
                .map(|e| PanelEntityOut::from(*e)),
        ))
    }

    /// Entities per evidence level (genes, STRs and regions together).
    async fn counts(&self) -> ConfidenceCountsOut {
        self.data.counts().into()
    }

    /// Genes in this version (all ratings; STRs and regions not counted).
    async fn gene_count(&self) -> i32 {
        let n = self
            .data
            .entities
            .iter()
            .filter(|e| e.entity_type == EntityType::Gene)
            .count();
        int(n)
    }
}

/// A panel listing a gene.
#[derive(SimpleObject)]
#[graphql(name = "PanelGeneHit")]
pub struct PanelGeneHitOut {
    /// The PanelApp instance.
    pub source: Source,
    /// The panel's id in that instance.
    pub panel_id: i32,
    /// The panel's name.
    pub panel_name: String,
    /// The panel version the hit was read from ("8.125"); null when the answer did not say.
    pub panel_version: Option<String>,
    /// Gene or STR (an STR names the gene it lies in).
    pub entity_type: EntityType,
    /// `entity_name` as PanelApp gives it (a symbol, or an STR name such as `FXN_GAA`).
    pub entity_name: String,
    /// The gene's HGNC symbol in that panel; null when PanelApp gives none.
    pub symbol: Option<String>,
    /// The gene's rating in that panel.
    pub confidence: Confidence,
    /// Mode of inheritance as PanelApp words it; null when not given.
    pub mode_of_inheritance: Option<String>,
    /// Phenotypes for the gene in that panel.
    pub phenotypes: Vec<String>,
    /// Where this hit came from (the gene directory of cached panels, or PanelApp's gene search).
    pub data_origin: DataOrigin,
}

impl From<&PanelGeneHit> for PanelGeneHitOut {
    fn from(h: &PanelGeneHit) -> Self {
        Self {
            source: h.source,
            panel_id: int(h.panel_id),
            panel_name: h.panel_name.clone(),
            panel_version: h.panel_version.map(|v| v.to_string()),
            entity_type: h.entity_type,
            entity_name: h.entity_name.clone(),
            symbol: h.symbol.clone(),
            confidence: h.confidence,
            mode_of_inheritance: h.mode_of_inheritance.clone(),
            phenotypes: h.phenotypes.clone(),
            data_origin: h.origin,
        }
    }
}

/// Where one PanelApp instance's data comes from right now (for the staleness banner), and
/// how complete its gene directory is.
#[derive(SimpleObject)]
#[graphql(name = "PanelAppStatus", complex)]
pub struct PanelAppStatusOut {
    /// The PanelApp instance.
    pub source: Source,
    /// `null` until the catalogue was first needed.
    pub data_origin: Option<DataOrigin>,
    /// When the catalogue served now was fetched (or captured); null until it was first needed.
    pub data_date: Option<DateTime<Utc>>,
    /// Panels in that catalogue (0 until it was first needed).
    pub panel_count: i32,
    /// Capture date of the snapshot this server falls back to.
    pub snapshot_date: Option<Date>,
    /// Date of the catalogue whose every panel the gene directory holds (a complete
    /// `panelmerge panelapp sync`, or a complete snapshot); `null` when it holds only some.
    /// Uploads flag unknown symbols only when both instances have one.
    pub genes_complete_date: Option<DateTime<Utc>>,
}

impl From<SourceStatus> for PanelAppStatusOut {
    fn from(s: SourceStatus) -> Self {
        Self {
            source: s.source,
            data_origin: s.origin,
            data_date: s.data_date,
            panel_count: int(s.panel_count),
            snapshot_date: s.snapshot_date.as_deref().and_then(parse_date),
            genes_complete_date: s.genes_complete_date,
        }
    }
}

#[derive(Default)]
pub struct PanelAppQuery;

#[Object]
impl PanelAppQuery {
    /// PanelApp panels of both instances (or one), searched by name, disease group,
    /// disorders (R-codes, HPO ids), description and types; best match first.
    #[graphql(
        complexity = "first.or(last).unwrap_or(20).clamp(1, 10_000) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn panels(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Words to search for (case-insensitive; typos tolerated in words of 4 or more letters). Identifiers — a panel id, an R-code (\"R135\"), an HPO id (\"HP:0001250\"), an HGNC id — match only exactly and rank first. Absent or blank: every panel, by instance then name."
        )]
        search: Option<String>,
        #[graphql(desc = "Only this instance; absent: both.")] source: Option<Source>,
        #[graphql(
            desc = "True: only panels whose current version is signed off; false: only those not signed off."
        )]
        signed_off: Option<bool>,
        #[graphql(
            desc = "Only panels of this type: a type name or slug (\"GMS Rare Disease Virtual\", \"gms-rare-disease-virtual\"), case-insensitive."
        )]
        panel_type: Option<String>,
        #[graphql(
            desc = "Panels from the best match on, 1 to GRAPHQL_MAX_PAGE_SIZE (100 by default); default 20."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The `cursor` of the edge to start after. Cursors hold only while the catalogue does not change."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Panels from the end of the ranking, 1 to GRAPHQL_MAX_PAGE_SIZE (100 by default)."
        )]
        last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<PanelPage> {
        let state = ctx.state();
        let max = state.settings.graphql.max_page_size;
        let args = super::paging::PageArgs::new(first, after, last, before);
        // Refuse bad page arguments before searching.
        args.window("panels", 0, 20.min(max), max)?;
        let filter = SearchFilter {
            source,
            panel_type,
            signed_off,
        };
        let (hits, loaded) = state.panelapp.search(search.as_deref(), &filter).await?;
        let window = args.window("panels", hits.len(), 20.min(max), max)?;
        let stamps: Vec<(shared::Source, Arc<Stamp>)> = loaded
            .iter()
            .map(|(c, o)| (c.source, Stamp::new(*o, c.fetched_at)))
            .collect();
        let mut unloaded: Option<Arc<Stamp>> = None;
        let edges = hits
            .iter()
            .enumerate()
            .take(window.end)
            .skip(window.start)
            .map(|(i, p)| {
                let stamp = stamps
                    .iter()
                    .find(|(source, _)| *source == p.source)
                    .map(|(_, stamp)| stamp.clone())
                    .unwrap_or_else(|| {
                        unloaded
                            .get_or_insert_with(|| Stamp::new(DataOrigin::Snapshot, Utc::now()))
                            .clone()
                    });
                let counts = state.panelapp.known_counts(
                    p.source,
                    p.id,
                    p.version,
                    stamp.origin == DataOrigin::Snapshot,
                );
                ListedEdge {
                    index: i as u64,
                    panel: ListedPanel {
                        summary: p.clone(),
                        counts,
                        stamp,
                    },
                }
            })
            .collect();
        Ok(PanelPage::new(
            window.start > 0,
            window.end < hits.len(),
            int(hits.len()),
            edges,
        ))
    }

    /// One panel with its entities; the current version unless `version` ("8.125") is given.
    /// `NOT_FOUND` when PanelApp has no such panel (or version); `UPSTREAM_UNAVAILABLE` (with
    /// `reason`) when it exists but its details could not be loaded right now — retry later.
    async fn panel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The PanelApp instance.")] source: Source,
        #[graphql(
            desc = "The panel's id in that instance; VALIDATION (`field: id`) when not a positive number."
        )]
        id: i32,
        #[graphql(
            desc = "An exact version, `major.minor` (\"8.125\"); VALIDATION (`field: version`) when not of that form, NOT_FOUND naming panel and version when PanelApp has no such version. Absent: the current version."
        )]
        version: Option<String>,
    ) -> Result<Option<PanelDetail>> {
        let id = u32::try_from(id)
            .ok()
            .filter(|i| *i > 0)
            .ok_or_else(|| AppError::invalid_field("id", "must be a positive whole number"))?;
        let version = version
            .map(|v| PanelVersion::parse(&v))
            .transpose()
            .map_err(|e| AppError::invalid_field("version", e.to_string()))?;
        let r = ctx
            .state()
            .panelapp
            .panel_or_why(source, id, version)
            .await?;
        let d = &r.data;
        Ok(Some(PanelDetail {
            source: d.source,
            id: int(d.id),
            name: d.name.clone(),
            version: d.version.to_string(),
            version_created: d.version_created.as_deref().and_then(parse_instant),
            disease_group: d.disease_group.clone(),
            disease_sub_group: d.disease_sub_group.clone(),
            relevant_disorders: d.relevant_disorders.clone(),
            description: d.description.clone(),
            types: d.types.clone(),
            signed_off: d.signed_off.is_some(),
            signed_off_date: d.signed_off.as_deref().and_then(parse_date),
            data_origin: r.origin,
            data_date: r.data_date,
            data: r.data.clone(),
        }))
    }

    /// Panels of both instances listing a gene (its current symbol, an alias or a previous
    /// symbol). An empty list does not say whether an instance answered: `geneLookup` does.
    async fn panels_by_gene(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A gene symbol (case-insensitive): current HGNC symbol, alias or previous symbol."
        )]
        symbol: String,
    ) -> Result<Vec<PanelGeneHitOut>> {
        let hits = ctx.state().panelapp.panels_by_gene(&symbol).await?;
        Ok(hits.iter().map(PanelGeneHitOut::from).collect())
    }

    /// Gene symbols and aliases starting with `prefix` (from cached panels), current symbols
    /// first; at most `limit` (default 10, at most 50).
    async fn gene_suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of a symbol or alias (case-insensitive).")] prefix: String,
        #[graphql(
            desc = "How many suggestions at most: default 10; values outside 1..50 are brought into that range."
        )]
        limit: Option<i32>,
    ) -> Vec<String> {
        let limit = usize::try_from(limit.unwrap_or(10).clamp(1, 50)).unwrap_or(10);
        ctx.state().panelapp.suggest(&prefix, limit)
    }

    /// Where each PanelApp instance's data comes from right now.
    async fn panel_app_status(&self, ctx: &Context<'_>) -> Vec<PanelAppStatusOut> {
        ctx.state()
            .panelapp
            .status()
            .into_iter()
            .map(Into::into)
            .collect()
    }
}

#[derive(Default)]
pub struct PanelAppMutation;

#[Object]
impl PanelAppMutation {
    /// Marks cached PanelApp data of one instance (or both) stale and fetches the catalogues
    /// again (admins only). Cached data stays servable if PanelApp is down.
    async fn refresh_panel_app(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this instance; absent: both.")] source: Option<Source>,
    ) -> Result<bool> {
        ctx.require_admin()?;
        ctx.state()
            .catalogue
            .refresh(ctx.principal(), source)
            .await?;
        Ok(true)
    }
}
