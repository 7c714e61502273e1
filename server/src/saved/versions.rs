//! Writing versions: create (version 1), edit (one new version per set of changes, with
//! optimistic concurrency), restore. Each is one transaction: panel row, version row with its
//! snapshot, the current-gene rows, one change row per change and the audit row.

use std::collections::BTreeMap;

use chrono::Utc;
use entity::{panel_genes, panel_versions, saved_panels};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter,
};
use serde_json::json;
use shared::AuditResourceKind;
use shared::merge::SourceSummary;
use shared::saved::{ChangeTarget, SavedGene, canonical, diff};
use shared::saved_merge::{SavedSource, sources_of};
use shared::{AuditAction, ChangeType, GeneSymbol, SavedPanelSourceType};

use super::SavedPanels;
use super::changes::{self, Change};
use super::{PanelEvent, snapshot};
use crate::auth::Principal;
use crate::db::int;
use crate::error::{AppError, AppResult};
use crate::events::Channel;
use crate::services::audit::AuditRecord;
use crate::services::merge::MergeRequest;

/// Most genes a saved panel may hold.
pub const MAX_GENES: usize = 50_000;

fn check_size(genes: &[SavedGene]) -> AppResult<()> {
    if genes.len() > MAX_GENES {
        return Err(AppError::validation(format!(
            "a saved panel holds at most {MAX_GENES} genes ({} given)",
            genes.len()
        )));
    }
    Ok(())
}

fn gene_row(panel_id: i32, gene: &SavedGene, user_id: Option<i32>) -> panel_genes::ActiveModel {
    let now = Utc::now();
    let join = |v: &Vec<String>| (!v.is_empty()).then(|| v.join("; "));
    panel_genes::ActiveModel {
        panel_id: Set(panel_id),
        gene_symbol: Set(gene.symbol.as_str().to_owned()),
        gene_name: Set(gene.gene_name.clone()),
        hgnc_id: Set(gene.hgnc_id.map(|h| h.to_string())),
        confidence_level: Set(gene.confidence.map(|c| c.as_str().to_owned())),
        mode_of_inheritance: Set(gene.mode_of_inheritance.clone()),
        phenotype: Set(join(&gene.phenotypes)),
        evidence_level: Set(join(&gene.evidence)),
        source_panel_id: Set(join(&gene.sources)),
        source_list_type: Set(gene.effective_confidence().map(|c| c.label().to_owned())),
        added_by_id: Set(user_id),
        added_at: Set(now),
        user_notes: Set(gene.notes.clone()),
        custom_confidence: Set(gene.custom_confidence.map(|c| c.as_str().to_owned())),
        is_modified: Set(gene.custom_confidence.is_some() || gene.notes.is_some()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Brings `panel_genes` from `old` to `new` (removed rows deleted, added inserted, changed
/// replaced).
async fn sync_genes<C: ConnectionTrait>(
    conn: &C,
    panel_id: i32,
    old: &[SavedGene],
    new: &[SavedGene],
    user_id: Option<i32>,
) -> AppResult<()> {
    let d = diff(old, new);
    let mut stale: Vec<String> = d
        .removed
        .iter()
        .map(|g| g.symbol.as_str().to_owned())
        .collect();
    stale.extend(d.changed_genes.iter().map(|g| g.symbol.as_str().to_owned()));
    for chunk in stale.chunks(500) {
        panel_genes::Entity::delete_many()
            .filter(panel_genes::Column::PanelId.eq(panel_id))
            .filter(panel_genes::Column::GeneSymbol.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    let fresh: Vec<_> = d
        .added
        .iter()
        .chain(&d.changed_genes)
        .map(|g| gene_row(panel_id, g, user_id))
        .collect();
    for chunk in fresh.chunks(400) {
        panel_genes::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// A version's complete contents: its genes and the sources they came from.
type Contents<'a> = (&'a [SavedGene], &'a [SavedSource]);

async fn insert_version(
    txn: &DatabaseTransaction,
    panel_id: i32,
    number: i32,
    (genes, sources): Contents<'_>,
    comment: Option<String>,
    summary: &str,
    user_id: Option<i32>,
) -> AppResult<panel_versions::Model> {
    let (blob, hash, format) = snapshot::encode_with_sources(genes, sources)?;
    Ok(panel_versions::ActiveModel {
        panel_id: Set(panel_id),
        version_number: Set(number),
        comment: Set(comment),
        created_by_id: Set(user_id),
        created_at: Set(Utc::now()),
        gene_count: Set(int(genes.len())),
        changes_summary: Set(Some(summary.to_owned())),
        is_protected: Set(false),
        retention_priority: Set(0),
        snapshot: Set(Some(blob)),
        snapshot_hash: Set(Some(hash)),
        snapshot_format: Set(format),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

fn summarise(changes: &[Change]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in changes {
        *counts.entry(c.change_type.as_str()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a new saved panel starts with.
#[derive(Debug, Clone)]
pub struct NewPanel {
    pub meta: super::PanelMeta,
    pub genes: Vec<SavedGene>,
    /// What it is built from.
    pub source_type: shared::SavedPanelSourceType,
    /// The sources it was built from (PanelApp references with versions and filters, uploads).
    pub sources: serde_json::Value,
    /// The same sources as version 1 records them (with how their data was obtained).
    pub version_sources: Vec<SavedSource>,
}

/// The sources a version records: those its genes name, taken from `pool` (the sources
/// recorded so far) where known, with counts recomputed from the genes.
pub fn version_sources(
    genes: &[SavedGene],
    pool: &[SavedSource],
    name: &str,
    number: i32,
) -> Vec<SavedSource> {
    let named: std::collections::BTreeSet<&str> = genes
        .iter()
        .flat_map(|g| g.origins.iter().map(|o| o.label.as_str()))
        .collect();
    if named.is_empty() {
        return Vec::new();
    }
    let mut sources = sources_of(genes, pool, name, u32::try_from(number).unwrap_or(0));
    sources.retain(|s| named.contains(s.summary.label.as_str()));
    sources
}

/// Where a new saved panel's genes come from.
pub enum Origin {
    /// Genes entered by hand, checked against the gene directory when the panel is made; none
    /// makes an empty panel.
    Genes(Vec<SavedGene>),
    /// A merge of PanelApp panels and the caller's uploads, run now as `mergePreview` runs it
    /// (only uploads: a panel made from an upload).
    Merge(MergeRequest),
}

impl Origin {
    /// The origin of a panel given at most one of genes, a merge and an upload (VALIDATION
    /// when more than one is given); none of them makes an empty panel.
    pub fn one_of(
        genes: Option<Vec<SavedGene>>,
        merge: Option<MergeRequest>,
        upload: Option<String>,
    ) -> AppResult<Self> {
        match (genes, merge, upload) {
            (genes, None, None) => Ok(Self::Genes(genes.unwrap_or_default())),
            (None, Some(merge), None) => Ok(Self::Merge(merge)),
            (None, None, Some(upload)) => Ok(Self::Merge(MergeRequest {
                panels: Vec::new(),
                uploads: vec![upload],
            })),
            _ => Err(AppError::validation(
                "give at most one of genes, merge and uploadId",
            )),
        }
    }
}

pub(super) fn stale(current: i32, based_on: i32) -> AppError {
    AppError::conflict(format!(
        "the panel is at version {current}; your changes were based on version {based_on}. Reload and apply them again"
    ))
    .with("currentVersion", current)
}

/// The symbols of `genes`, for lookups.
pub fn symbols(genes: &[SavedGene]) -> BTreeMap<GeneSymbol, usize> {
    genes
        .iter()
        .enumerate()
        .map(|(i, g)| (g.symbol.clone(), i))
        .collect()
}

impl SavedPanels {
    /// The sources recorded for the panel's versions, newest first, until every label of `genes`
    /// is known (a restored version may name sources the current one no longer has).
    async fn source_pool(
        &self,
        panel_id: i32,
        mut pool: Vec<SavedSource>,
        genes: &[SavedGene],
    ) -> AppResult<Vec<SavedSource>> {
        let missing = |pool: &[SavedSource]| {
            genes.iter().flat_map(|g| &g.origins).any(|o| {
                o.kind != shared::saved::OriginKind::Manual
                    && !pool.iter().any(|s| s.summary.label == o.label)
            })
        };
        if !missing(&pool) {
            return Ok(pool);
        }
        for row in self.versions(panel_id).await? {
            let Some(blob) = row.snapshot.as_deref() else {
                continue;
            };
            let older = snapshot::decode_full(blob, row.snapshot_hash.as_deref())?;
            for source in older.sources {
                if !pool.iter().any(|s| s.summary.label == source.summary.label) {
                    pool.push(source);
                }
            }
            if !missing(&pool) {
                break;
            }
        }
        Ok(pool)
    }

    /// The decoded snapshot of one version.
    pub async fn load_snapshot(
        &self,
        panel_id: i32,
        number: i32,
    ) -> AppResult<(panel_versions::Model, snapshot::VersionSnapshot)> {
        let row = self.version_row(panel_id, number).await?;
        let blob = row.snapshot.as_deref().ok_or_else(|| {
            AppError::not_found(format!("version {number} predates per-version snapshots"))
        })?;
        let decoded = snapshot::decode_full(blob, row.snapshot_hash.as_deref())?;
        Ok((row, decoded))
    }

    /// Creates a panel from `origin`: a merge is run now and every gene keeps its provenance;
    /// the source type, the recorded sources and version 1's sources follow from the origin.
    /// A merge fails as `mergePreview` does (NOT_FOUND naming a panel, version or upload;
    /// UPSTREAM_UNAVAILABLE) and then nothing is written.
    pub async fn create_from(
        &self,
        principal: &Principal,
        meta: super::PanelMeta,
        origin: Origin,
    ) -> AppResult<super::PanelView> {
        let owner = principal.require_user()?.id();
        let new = match origin {
            Origin::Genes(mut genes) => {
                self.verify(&mut genes);
                NewPanel {
                    meta,
                    source_type: if genes.is_empty() {
                        SavedPanelSourceType::Empty
                    } else {
                        SavedPanelSourceType::Manual
                    },
                    genes,
                    sources: json!([]),
                    version_sources: Vec::new(),
                }
            }
            Origin::Merge(request) => {
                let merged = self.merges.run(principal, &request).await?;
                let recorded = merged
                    .result
                    .sources
                    .iter()
                    .map(|summary| {
                        let provenance = merged.provenance.sources.get(summary.index);
                        SavedSource {
                            summary: summary.clone(),
                            origin: provenance.and_then(|p| p.origin.clone()),
                            data_date: provenance.and_then(|p| p.data_date.clone()),
                        }
                    })
                    .collect();
                NewPanel {
                    meta,
                    genes: shared::saved_merge::from_merge(&merged.result),
                    source_type: if request.panels.is_empty() {
                        SavedPanelSourceType::Upload
                    } else {
                        SavedPanelSourceType::Merge
                    },
                    sources: serde_json::to_value(&merged.result.sources)
                        .map_err(AppError::internal)?,
                    version_sources: recorded,
                }
            }
        };
        let saved = self.create_version(principal, owner, new).await?;
        self.seen_by(principal, saved).await
    }

    /// Creates a panel and its version 1 (complete snapshot, one PANEL_CREATED change).
    pub async fn create_version(
        &self,
        principal: &Principal,
        owner_id: i32,
        new: NewPanel,
    ) -> AppResult<saved_panels::Model> {
        let meta = new.meta.validated()?;
        let genes = canonical(&new.genes);
        check_size(&genes)?;
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await?;
        let panel = saved_panels::ActiveModel {
            name: Set(meta.name.clone()),
            description: Set(meta.description.clone()),
            owner_id: Set(owner_id),
            status: Set(meta.status),
            visibility: Set(meta.visibility),
            current_version: Set(1),
            version_count: Set(1),
            gene_count: Set(int(genes.len())),
            source_type: Set(Some(new.source_type)),
            source_reference: Set(Some(new.sources.to_string())),
            tags: Set(Some(serde_json::to_string(&meta.tags).unwrap_or_default())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match AppError::from(e) {
            err if err.code == shared::ErrorCode::Conflict => {
                AppError::conflict(format!("you already have a panel named {:?}", meta.name))
                    .with("field", "name")
            }
            err => err,
        })?;
        let created = vec![Change::new(
            ChangeType::PanelCreated,
            ChangeTarget::Panel,
            panel.id.to_string(),
            None,
            Some(
                json!({ "name": meta.name, "genes": genes.len(), "source": new.source_type })
                    .to_string(),
            ),
        )];
        let summary = format!("created with {} genes", genes.len());
        let version = insert_version(
            &txn,
            panel.id,
            1,
            (
                &genes,
                &version_sources(&genes, &new.version_sources, &meta.name, 1),
            ),
            Some("Created".into()),
            &summary,
            Some(owner_id),
        )
        .await?;
        sync_genes(&txn, panel.id, &[], &genes, Some(owner_id)).await?;
        changes::insert(
            &txn,
            &self.crypto,
            panel.id,
            Some(version.id),
            Some(owner_id),
            None,
            &created,
        )
        .await?;
        crate::failpoint::hit("saved_panel.before_commit").await;
        self
        .audit
        .commit(
            txn,
            principal,
            AuditRecord::new(
                AuditAction::PanelCreate,
                format!("saved panel {:?} created", panel.name),
            )
            .resource(AuditResourceKind::SavedPanel, panel.id)
            .details(
                json!({ "genes": genes.len(), "source": new.source_type, "sources": new.sources }),
            ),
        )
        .await?;
        self.publish(panel.id, 1, shared::SavedPanelChangeKind::Created)
            .await;
        Ok(panel)
    }
}

impl SavedPanels {
    pub(super) async fn publish(
        &self,
        panel_id: i32,
        version: i32,
        kind: shared::SavedPanelChangeKind,
    ) {
        let event = PanelEvent {
            panel_id,
            version,
            kind,
        };
        self.events.publish(Channel::SavedPanels, &event).await;
    }

    /// A new version: `genes` replaces the current list; `extra` are changes besides the gene diff
    /// (metadata); `kind` marks every gene change as e.g. SOURCE_UPDATED.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn commit_version(
        &self,
        principal: &Principal,
        panel: &saved_panels::Model,
        based_on: i32,
        genes: Vec<SavedGene>,
        extra: Vec<Change>,
        kind: Option<ChangeType>,
        comment: Option<String>,
        meta: Option<super::PanelMeta>,
        sources: Option<serde_json::Value>,
    ) -> AppResult<saved_panels::Model> {
        if based_on != panel.current_version {
            return Err(stale(panel.current_version, based_on));
        }
        let genes = canonical(&genes);
        check_size(&genes)?;
        let (_, current) = self.load_snapshot(panel.id, panel.current_version).await?;
        let mut pool = current.sources;
        if let Some(updated) = sources
            .as_ref()
            .and_then(|s| serde_json::from_value::<Vec<SourceSummary>>(s.clone()).ok())
        {
            // Sources moved upstream: their summaries (version, date) replace the recorded ones.
            for summary in updated {
                if let Some(known) = pool.iter_mut().find(|p| p.summary.label == summary.label)
                    && known.summary != summary
                {
                    known.data_date = summary.version_created.clone();
                    known.origin = None;
                    known.summary = summary;
                }
            }
        }
        let pool = self.source_pool(panel.id, pool, &genes).await?;
        let name = meta
            .as_ref()
            .map_or(panel.name.as_str(), |m| m.name.as_str());
        let new_sources = version_sources(&genes, &pool, name, based_on + 1);
        let current = current.genes;
        let gene_diff = diff(&current, &genes);
        let mut all_changes = changes::from_diff(&gene_diff, kind);
        all_changes.extend(extra);
        if all_changes.is_empty() {
            return Err(AppError::validation(
                "nothing changed: no new version was made",
            ));
        }
        let user_id = principal.user_id();
        let number = based_on + 1;
        let txn = crate::db::begin_write(&self.db).await?;
        // Optimistic concurrency: only one edit based on this version can move the panel on.
        let mut bump = saved_panels::Entity::update_many()
            .col_expr(saved_panels::Column::CurrentVersion, Expr::value(number))
            .col_expr(
                saved_panels::Column::VersionCount,
                Expr::col(saved_panels::Column::VersionCount).add(1),
            )
            .col_expr(
                saved_panels::Column::GeneCount,
                Expr::value(int(genes.len())),
            )
            .col_expr(saved_panels::Column::UpdatedAt, Expr::value(Utc::now()));
        if let Some(meta) = &meta {
            bump = bump
                .col_expr(saved_panels::Column::Name, Expr::value(meta.name.clone()))
                .col_expr(
                    saved_panels::Column::Description,
                    Expr::value(meta.description.clone()),
                )
                .col_expr(
                    saved_panels::Column::Visibility,
                    Expr::value(meta.visibility.as_str()),
                )
                .col_expr(
                    saved_panels::Column::Tags,
                    Expr::value(serde_json::to_string(&meta.tags).unwrap_or_default()),
                );
        }
        if let Some(sources) = &sources {
            bump = bump.col_expr(
                saved_panels::Column::SourceReference,
                Expr::value(sources.to_string()),
            );
        }
        let moved = bump
            .filter(saved_panels::Column::Id.eq(panel.id))
            .filter(saved_panels::Column::CurrentVersion.eq(based_on))
            .exec(&txn)
            .await?;
        if moved.rows_affected == 0 {
            return Err(stale(based_on + 1, based_on));
        }
        let summary = summarise(&all_changes);
        let version = insert_version(
            &txn,
            panel.id,
            number,
            (&genes, &new_sources),
            comment.clone(),
            &summary,
            user_id,
        )
        .await?;
        sync_genes(&txn, panel.id, &current, &genes, user_id).await?;
        changes::insert(
            &txn,
            &self.crypto,
            panel.id,
            Some(version.id),
            user_id,
            comment.as_deref(),
            &all_changes,
        )
        .await?;
        crate::failpoint::hit("saved_panel.before_commit").await;
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(
                    AuditAction::PanelUpdate,
                    format!("saved panel {} version {number}", panel.id),
                )
                .resource(AuditResourceKind::SavedPanel, panel.id)
                .details(json!({ "version": number, "summary": summary, "comment": comment })),
            )
            .await?;
        self.publish(panel.id, number, shared::SavedPanelChangeKind::Version)
            .await;
        self.load(panel.id).await
    }
}
