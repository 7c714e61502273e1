//! Upstream tracking. A saved panel built from PanelApp remembers, per panel, the source, id,
//! version and filter it was merged with. When PanelApp has moved on, [`check`] says so and
//! shows what changed upstream under the remembered filter; [`apply`] takes the update as one
//! new version whose gene changes are `SOURCE_UPDATED`, keeping the lab's own edits.

use shared::merge::{SelectionFilter, SourceKind, SourceSummary};
use shared::saved::{ChangeTarget, GeneDiff, SavedGene, diff};
use shared::saved_merge::{UpstreamMove, apply_upstream, source_reference, upstream_genes};
use shared::{ChangeType, PanelVersion, SharePermission, Source};

use super::SavedPanels;
use super::changes::Change;
use super::versions;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::services::merge::PanelLoader;
use entity::saved_panels;

/// Where one remembered PanelApp source stands upstream.
#[derive(Debug, Clone)]
pub struct UpstreamStatus {
    /// The source as the panel remembers it.
    pub remembered: SourceSummary,
    pub source: Source,
    pub panel_id: u32,
    /// The version upstream now (None when it could not be loaded).
    pub latest_version: Option<PanelVersion>,
    pub latest_created: Option<String>,
    pub latest_name: Option<String>,
    /// How the latest data was obtained ("live", "cache", "snapshot …").
    pub origin: Option<String>,
    /// Why the source could not be checked.
    pub error: Option<String>,
    /// Genes the source contributes under the remembered filter, before and after.
    pub old_genes: Vec<SavedGene>,
    pub new_genes: Vec<SavedGene>,
}

impl UpstreamStatus {
    /// True when PanelApp has a newer version than the one the panel holds.
    pub fn behind(&self) -> bool {
        match (&self.remembered.version, &self.latest_version) {
            (Some(saved), Some(latest)) => latest > saved,
            (None, Some(_)) => true,
            _ => false,
        }
    }

    /// What changed upstream under the remembered filter (empty unless behind).
    pub fn diff(&self) -> GeneDiff {
        diff(&self.old_genes, &self.new_genes)
    }

    fn updated_summary(&self) -> SourceSummary {
        let mut summary = self.remembered.clone();
        summary.version = self.latest_version;
        summary.version_created = self.latest_created.clone();
        if let Some(name) = &self.latest_name {
            summary.name = name.clone();
        }
        summary
    }
}

/// The sources a panel remembers (as stored when it was created or last updated).
pub fn remembered_sources(panel: &saved_panels::Model) -> Vec<SourceSummary> {
    parse_sources(panel.source_reference.as_deref())
}

/// A stored source reference read as merge sources; empty when it is not one.
pub fn parse_sources(reference: Option<&str>) -> Vec<SourceSummary> {
    reference
        .and_then(|json| serde_json::from_str::<Vec<SourceSummary>>(json).ok())
        .unwrap_or_default()
}

/// Checks every PanelApp source of `panel` against `loader`. A source that can not be loaded
/// is reported with its error; the others are still checked.
pub async fn check(loader: &dyn PanelLoader, sources: &[SourceSummary]) -> Vec<UpstreamStatus> {
    let mut out = Vec::new();
    for remembered in sources.iter().cloned() {
        let (SourceKind::Panel, Some(source), Some(panel_id)) =
            (remembered.kind, remembered.source, remembered.panel_id)
        else {
            continue;
        };
        let mut status = UpstreamStatus {
            source,
            panel_id,
            latest_version: None,
            latest_created: None,
            latest_name: None,
            origin: None,
            error: None,
            old_genes: Vec::new(),
            new_genes: Vec::new(),
            remembered,
        };
        if let Err(error) = fill(loader, &mut status).await {
            status.error = Some(error.message.clone());
        }
        out.push(status);
    }
    out
}

async fn fill(loader: &dyn PanelLoader, status: &mut UpstreamStatus) -> AppResult<()> {
    let latest = loader.panel(status.source, status.panel_id, None).await?;
    status.latest_version = Some(latest.data.version);
    status.latest_created = latest.data.version_created.clone();
    status.latest_name = Some(latest.data.name.clone());
    status.origin = Some(latest.origin.clone());
    if !status.behind() {
        return Ok(());
    }
    let filter = SelectionFilter::new(&status.remembered.confidence, &status.remembered.types);
    status.new_genes = upstream_genes(&latest.data, &filter);
    if let Some(saved) = status.remembered.version {
        let old = loader
            .panel(status.source, status.panel_id, Some(saved))
            .await?;
        status.old_genes = upstream_genes(&old.data, &filter);
    }
    Ok(())
}

impl SavedPanels {
    /// Where each PanelApp source of `panel` stands upstream; empty on a server without
    /// PanelApp access.
    pub async fn upstream(&self, panel: &super::PanelView) -> Vec<UpstreamStatus> {
        match self.merges.loader() {
            Some(loader) => check(loader, &panel.sources()).await,
            None => Vec::new(),
        }
    }

    /// Takes every pending upstream update of panel `id` as one new version (EDIT access needed;
    /// `based_on` must be the current version). Fails, changing nothing, when a source that is
    /// behind could not be loaded or when nothing is pending.
    pub async fn apply_upstream(
        &self,
        principal: &Principal,
        id: i32,
        based_on: i32,
        comment: Option<String>,
    ) -> AppResult<super::PanelView> {
        let (panel, _) = self.open(principal, id, SharePermission::Edit).await?;
        if based_on != panel.current_version {
            return Err(versions::stale(panel.current_version, based_on));
        }
        let loader = self
            .merges
            .require_loader("the panel can not be updated from PanelApp")?;
        let statuses = check(loader, &remembered_sources(&panel)).await;
        if let Some(failed) = statuses.iter().find(|s| s.error.is_some()) {
            let instance = match failed.source {
                Source::Uk => "PanelApp UK",
                Source::Au => "PanelApp Australia",
            };
            return Err(AppError::upstream(
                instance,
                format!(
                    "panel {} could not be checked: {}",
                    failed.panel_id,
                    failed.error.as_deref().unwrap_or_default()
                ),
            ));
        }
        let behind: Vec<&UpstreamStatus> = statuses.iter().filter(|s| s.behind()).collect();
        if behind.is_empty() {
            return Err(AppError::validation(
                "the panel is up to date with PanelApp: no new version was made",
            ));
        }
        let mut genes = self
            .load_version_genes(panel.id, panel.current_version)
            .await?;
        let mut extra = Vec::new();
        let mut described = Vec::new();
        for status in &behind {
            let old_ref = source_reference(&status.remembered);
            let new_ref = source_reference(&status.updated_summary());
            genes = apply_upstream(
                &genes,
                &UpstreamMove {
                    old_ref: &old_ref,
                    new_ref: &new_ref,
                    old: &status.old_genes,
                    new: &status.new_genes,
                },
            );
            extra.push(Change::new(
                ChangeType::SourceUpdated,
                ChangeTarget::Source,
                format!("{}-{}", status.source.prefix(), status.panel_id),
                Some(old_ref.clone()),
                Some(new_ref.clone()),
            ));
            described.push(format!("{old_ref} → {new_ref}"));
        }
        let sources: Vec<SourceSummary> = remembered_sources(&panel)
            .into_iter()
            .map(|s| {
                behind
                    .iter()
                    .find(|b| b.remembered == s)
                    .map_or(s, |b| b.updated_summary())
            })
            .collect();
        let comment = super::comment_of(comment)?
            .or_else(|| Some(format!("Updated from PanelApp: {}", described.join(", "))));
        let saved = self
            .commit_version(
                principal,
                &panel,
                based_on,
                genes,
                extra,
                Some(ChangeType::SourceUpdated),
                comment,
                None,
                Some(serde_json::to_value(&sources).unwrap_or_default()),
            )
            .await?;
        self.seen_by(principal, saved).await
    }
}
