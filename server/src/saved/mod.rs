//! Saved panels that labs can trust: exact versions with complete snapshots, diffs, restore,
//! status, sharing, comments. Every write is one transaction with its change rows and audit row.

pub mod access;
pub mod bulk;
pub mod changes;
pub mod comments;
pub mod export;
pub mod labels;
pub mod listing;
pub mod reading;
pub mod shares;
pub mod snapshot;
pub mod upstream;
pub mod versions;
pub mod view;

#[cfg(test)]
mod tests;

use chrono::Utc;
use entity::{panel_versions, saved_panels};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::AuditResourceKind;
use shared::SavedPanelChangeKind;
use shared::saved::{ChangeTarget, GeneDiff, PanelMetadataField, SavedGene, diff};
use shared::{
    AuditAction, ChangeType, Confidence, GeneSymbol, PanelStatus, SharePermission, Visibility,
};

use self::access::Access;
use self::changes::Change;
pub use self::view::{CommentView, LabelView, PanelView, VersionView};
use crate::auth::Principal;
use crate::auth::permissions::Action;
use crate::error::{AppError, AppResult};
use crate::services::audit::AuditRecord;

pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 5000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_LEN: usize = 50;
pub const MAX_COMMENT_LEN: usize = 2000;

/// Published on the saved-panels channel after a change commits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PanelEvent {
    pub panel_id: i32,
    pub version: i32,
    pub kind: shared::SavedPanelChangeKind,
}

/// A panel's descriptive fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelMeta {
    pub name: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    pub status: PanelStatus,
}

impl PanelMeta {
    /// A private, active panel called `name`, for tests.
    #[cfg(test)]
    pub(crate) fn private(name: &str) -> Self {
        Self {
            name: name.into(),
            description: None,
            tags: Vec::new(),
            visibility: Visibility::Private,
            status: PanelStatus::Active,
        }
    }

    /// Trimmed and checked; the error names the field.
    pub fn validated(&self) -> AppResult<Self> {
        let name = crate::error::required_text("name", &self.name, MAX_NAME_LEN)?;
        let description = crate::error::optional_text(
            "description",
            self.description.as_deref(),
            MAX_DESCRIPTION_LEN,
        )?;
        let mut tags: Vec<String> = self
            .tags
            .iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        tags.sort();
        tags.dedup();
        if tags.len() > MAX_TAGS || tags.iter().any(|t| t.chars().count() > MAX_TAG_LEN) {
            return Err(AppError::invalid_field(
                "tags",
                format!("at most {MAX_TAGS} tags of at most {MAX_TAG_LEN} characters"),
            ));
        }
        if self.status == PanelStatus::Deleted {
            return Err(AppError::invalid_field(
                "status",
                "delete a panel with setSavedPanelStatus",
            ));
        }
        Ok(Self {
            name,
            description,
            tags,
            visibility: self.visibility,
            status: self.status,
        })
    }

    pub fn of(panel: &saved_panels::Model) -> Self {
        Self {
            name: panel.name.clone(),
            description: panel.description.clone(),
            tags: tags(panel),
            visibility: panel.visibility,
            status: panel.status,
        }
    }
}

pub fn tags(panel: &saved_panels::Model) -> Vec<String> {
    panel
        .tags
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// The versions of a panel, newest first.
pub fn versions_query(panel_id: i32) -> sea_orm::Select<panel_versions::Entity> {
    panel_versions::Entity::find()
        .filter(panel_versions::Column::PanelId.eq(panel_id))
        .order_by_desc(panel_versions::Column::VersionNumber)
}

/// The recorded changes of a panel, newest first; with `version_id`, only those that
/// produced that version.
pub fn changes_query(
    panel_id: i32,
    version_id: Option<i32>,
) -> sea_orm::Select<entity::panel_changes::Entity> {
    use entity::panel_changes;
    let mut query =
        panel_changes::Entity::find().filter(panel_changes::Column::PanelId.eq(panel_id));
    if let Some(id) = version_id {
        query = query.filter(panel_changes::Column::VersionId.eq(id));
    }
    query.order_by_desc(panel_changes::Column::Id)
}

/// A change to one gene's fields: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct GeneUpdate {
    pub symbol: String,
    pub confidence: Option<Option<Confidence>>,
    pub custom_confidence: Option<Option<Confidence>>,
    pub mode_of_inheritance: Option<Option<String>>,
    pub phenotypes: Option<Vec<String>>,
    pub notes: Option<Option<String>>,
}

/// One edit: gene and metadata changes with a comment, based on a version.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub based_on: i32,
    pub comment: Option<String>,
    pub add: Vec<SavedGene>,
    pub remove: Vec<String>,
    pub update: Vec<GeneUpdate>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
}

fn parse_symbol(raw: &str, field: &str) -> AppResult<GeneSymbol> {
    GeneSymbol::parse(raw).map_err(|e| AppError::invalid_field(field, e.to_string()))
}

/// Applies an edit's gene changes to `genes`; every problem names the gene.
pub fn apply_edit(genes: &[SavedGene], edit: &Edit) -> AppResult<Vec<SavedGene>> {
    let mut map: std::collections::BTreeMap<GeneSymbol, SavedGene> = genes
        .iter()
        .map(|g| (g.symbol.clone(), g.clone()))
        .collect();
    for raw in &edit.remove {
        let symbol = parse_symbol(raw, "removeGenes")?;
        if map.remove(&symbol).is_none() {
            return Err(AppError::invalid_field(
                "removeGenes",
                format!("{symbol} is not in the panel"),
            ));
        }
    }
    for gene in &edit.add {
        if map.contains_key(&gene.symbol) {
            return Err(AppError::invalid_field(
                "addGenes",
                format!("{} is already in the panel", gene.symbol),
            ));
        }
        map.insert(gene.symbol.clone(), gene.clone());
    }
    for u in &edit.update {
        let symbol = parse_symbol(&u.symbol, "updateGenes")?;
        let gene = map.get_mut(&symbol).ok_or_else(|| {
            AppError::invalid_field("updateGenes", format!("{symbol} is not in the panel"))
        })?;
        if let Some(c) = u.confidence {
            gene.confidence = c;
        }
        if let Some(c) = u.custom_confidence {
            gene.custom_confidence = c;
        }
        if let Some(m) = &u.mode_of_inheritance {
            gene.mode_of_inheritance = m.clone().filter(|s| !s.trim().is_empty());
        }
        if let Some(p) = &u.phenotypes {
            gene.phenotypes = p
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(n) = &u.notes {
            gene.notes = n.clone().filter(|s| !s.trim().is_empty());
        }
    }
    Ok(map.into_values().collect())
}

fn comment_of(raw: Option<String>) -> AppResult<Option<String>> {
    let c = raw.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if c.as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_LEN)
    {
        return Err(AppError::invalid_field(
            "comment",
            format!("must be at most {MAX_COMMENT_LEN} characters"),
        ));
    }
    Ok(c)
}

/// What moving `panel` to `status` asks of the caller: deleting and undeleting the owner (or
/// a site admin); moderation of someone else's PUBLIC panel (archive, reactivate) the EDITOR
/// role; the rest EDIT access.
pub fn status_action(panel: &saved_panels::Model, access: &Access, status: PanelStatus) -> Action {
    if status == PanelStatus::Deleted || panel.status == PanelStatus::Deleted {
        Action::DeleteSavedPanel
    } else if !access.allows(Action::EditSavedPanel)
        && access.public
        && matches!(status, PanelStatus::Archived | PanelStatus::Active)
        && access.allows(Action::ModeratePublicPanels)
    {
        Action::ModeratePublicPanels
    } else {
        Action::EditSavedPanel
    }
}

/// Saved panels: their versions, shares, comments, labels and lists, with who may do what. Built once with the state.
#[derive(Clone)]
pub struct SavedPanels {
    pub(crate) db: sea_orm::DatabaseConnection,
    pub(crate) audit: crate::services::audit::Audit,
    pub(crate) events: crate::events::Events,
    pub(crate) crypto: std::sync::Arc<crate::crypto::Encryptor>,
    pub(crate) signer: crate::crypto::Signer,
    pub(crate) accounts: crate::services::accounts::Accounts,
    pub(crate) merges: crate::services::merge::Merges,
    pub(crate) notices: crate::services::notices::Notices,
    pub(crate) wake: std::sync::Arc<tokio::sync::Notify>,
    /// The gene directory every gene added by hand is checked against (none: they stay
    /// unverified, "directory incomplete").
    pub(crate) symbols: Option<std::sync::Arc<dyn crate::genelists::upload::SymbolResolver>>,
}

impl SavedPanels {
    /// Checks genes added by hand against the gene directory, as uploads are checked: every
    /// path that adds genes to a panel goes through here, so no symbol is saved unchecked.
    fn verify(&self, genes: &mut [SavedGene]) {
        for gene in genes {
            crate::genelists::verify::verify_added(gene, self.symbols.as_deref());
        }
    }

    pub async fn load(&self, id: i32) -> AppResult<saved_panels::Model> {
        saved_panels::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("saved panel {id}")))
    }

    /// Loads a panel on which the permission table allows the viewer `action` (a share level
    /// stands for its action); FORBIDDEN otherwise.
    pub async fn open(
        &self,
        principal: &Principal,
        id: i32,
        action: impl Into<Action>,
    ) -> AppResult<(saved_panels::Model, Access)> {
        let panel = self.load(id).await?;
        let access = self.resolve(&panel, principal).await?;
        access.require(action)?;
        Ok((panel, access))
    }

    /// The events of panel `id`, for a caller who may view it: VIEW is checked now and again
    /// before every event (a revoked share publishes no account change), and a refusal is the
    /// stream's last item.
    pub async fn follow(
        &self,
        principal: &Principal,
        id: i32,
    ) -> AppResult<impl futures::Stream<Item = AppResult<PanelEvent>> + Send + use<>> {
        self.open(principal, id, Action::ViewSavedPanel).await?;
        let events = self
            .events
            .subscribe::<PanelEvent>(crate::events::Channel::SavedPanels)
            .await?;
        let saved = self.clone();
        let who = principal.clone();
        Ok(async_stream::stream! {
            for await event in events {
                let crate::events::Received::Event(e) = event else { continue };
                if e.panel_id != id {
                    continue;
                }
                if let Err(refused) = saved.open(&who, id, Action::ViewSavedPanel).await {
                    yield Err(refused);
                    break;
                }
                yield Ok(e);
            }
        })
    }

    /// Panel `id` as the caller sees it, when they may do `action` with it.
    pub async fn view(
        &self,
        principal: &Principal,
        id: i32,
        action: impl Into<Action>,
    ) -> AppResult<PanelView> {
        let (panel, access) = self.open(principal, id, action).await?;
        self.with_owner(panel, access).await
    }

    /// `panel` (as a write of the caller's left it) as the caller sees it.
    async fn seen_by(
        &self,
        principal: &Principal,
        panel: saved_panels::Model,
    ) -> AppResult<PanelView> {
        let access = self.resolve(&panel, principal).await?;
        self.with_owner(panel, access).await
    }

    /// The panel a share link opens, as the link's holder sees it (VIEW needed): FORBIDDEN with
    /// the reason for a link that does not open it, NOT_FOUND when its panel is gone.
    pub async fn view_link(&self, principal: &Principal, token: &str) -> AppResult<PanelView> {
        let (panel, _) = self.follow_link(principal, token).await?;
        let holder = principal.with_link_token(Some(token.to_owned()));
        let access = self.resolve(&panel, &holder).await?;
        access.require(SharePermission::View)?;
        self.with_owner(panel, access).await
    }

    /// `panels` as the caller sees them, in the same order: their owners' names and the
    /// caller's shares of them read in one query each, however many panels there are.
    async fn views(
        &self,
        principal: &Principal,
        panels: Vec<saved_panels::Model>,
    ) -> AppResult<Vec<PanelView>> {
        if panels.is_empty() {
            return Ok(Vec::new());
        }
        let owner_ids: Vec<i32> = panels.iter().map(|p| p.owner_id).collect();
        let owners = crate::services::accounts::usernames(&self.db, owner_ids).await?;
        let ids: Vec<i32> = panels.iter().map(|p| p.id).collect();
        let shares = self.shares_naming(principal, &ids).await?;
        Ok(panels
            .into_iter()
            .map(|panel| {
                let access = access::decide(&panel, principal, &shares);
                let owner = owners.get(&panel.owner_id).cloned();
                PanelView::new(panel, owner, access)
            })
            .collect())
    }

    async fn with_owner(&self, panel: saved_panels::Model, access: Access) -> AppResult<PanelView> {
        let owner = self.accounts.username(panel.owner_id).await?;
        Ok(PanelView::new(panel, owner, access))
    }

    /// Version `number` of panel `panel_id` (NOT_FOUND, `field: version`, when there is none).
    pub async fn version(&self, panel_id: i32, number: i32) -> AppResult<VersionView> {
        Ok(self.version_row(panel_id, number).await?.into())
    }

    pub async fn version_row(
        &self,
        panel_id: i32,
        number: i32,
    ) -> AppResult<panel_versions::Model> {
        panel_versions::Entity::find()
            .filter(panel_versions::Column::PanelId.eq(panel_id))
            .filter(panel_versions::Column::VersionNumber.eq(number))
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                AppError::not_found(format!("version {number} of saved panel {panel_id}"))
                    .with("field", "version")
            })
    }

    /// The complete gene list of one version, from its snapshot.
    pub async fn load_version_genes(
        &self,
        panel_id: i32,
        number: i32,
    ) -> AppResult<Vec<SavedGene>> {
        let row = self.version_row(panel_id, number).await?;
        let blob = row.snapshot.as_deref().ok_or_else(|| {
            AppError::not_found(format!("version {number} predates per-version snapshots"))
        })?;
        snapshot::decode(blob, row.snapshot_hash.as_deref())
    }

    pub async fn versions(&self, panel_id: i32) -> AppResult<Vec<panel_versions::Model>> {
        Ok(versions_query(panel_id).all(&self.db).await?)
    }

    /// One version by its row id, with the panel it belongs to.
    pub async fn version_by_id(&self, id: i32) -> AppResult<panel_versions::Model> {
        panel_versions::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::not_found("saved panel version"))
    }

    /// The diff between two versions of one panel.
    pub async fn version_diff(&self, panel_id: i32, from: i32, to: i32) -> AppResult<GeneDiff> {
        let old = self.load_version_genes(panel_id, from).await?;
        let new = self.load_version_genes(panel_id, to).await?;
        Ok(diff(&old, &new))
    }

    /// Applies an edit as exactly one new version (EDIT access required).
    pub async fn edit(
        &self,
        principal: &Principal,
        id: i32,
        mut edit: Edit,
    ) -> AppResult<PanelView> {
        let (panel, access) = self.open(principal, id, Action::EditSavedPanel).await?;
        self.verify(&mut edit.add);
        if edit.based_on != panel.current_version {
            return Err(versions::stale(panel.current_version, edit.based_on));
        }
        let comment = comment_of(edit.comment.clone())?;
        let current = self
            .load_version_genes(panel.id, panel.current_version)
            .await?;
        let genes = apply_edit(&current, &edit)?;
        let before = PanelMeta::of(&panel);
        let after = PanelMeta {
            name: edit.name.clone().unwrap_or_else(|| before.name.clone()),
            description: edit
                .description
                .clone()
                .unwrap_or_else(|| before.description.clone()),
            tags: edit.tags.clone().unwrap_or_else(|| before.tags.clone()),
            visibility: edit.visibility.unwrap_or(before.visibility),
            status: before.status,
        }
        .validated()?;
        if after.visibility != before.visibility {
            // Visibility is who may read the panel: a sharing decision, not an edit.
            access.require(Action::SharePanel)?;
        }
        if after.visibility == Visibility::Public && before.visibility != Visibility::Public {
            access.require(Action::PublishPanel)?;
        }
        let mut extra = Vec::new();
        let mut meta_change = |field, old: Option<String>, new: Option<String>| {
            if old != new {
                extra.push(Change::new(
                    ChangeType::MetadataChanged,
                    ChangeTarget::Metadata(field),
                    id.to_string(),
                    old,
                    new,
                ));
            }
        };
        meta_change(
            PanelMetadataField::Name,
            Some(before.name.clone()),
            Some(after.name.clone()),
        );
        meta_change(
            PanelMetadataField::Description,
            before.description.clone(),
            after.description.clone(),
        );
        meta_change(
            PanelMetadataField::Tags,
            Some(before.tags.join(", ")),
            Some(after.tags.join(", ")),
        );
        meta_change(
            PanelMetadataField::Visibility,
            Some(before.visibility.to_string()),
            Some(after.visibility.to_string()),
        );
        let meta = (after != before).then_some(after);
        let saved = self
            .commit_version(
                principal,
                &panel,
                edit.based_on,
                genes,
                extra,
                None,
                comment,
                meta,
                None,
            )
            .await?;
        self.seen_by(principal, saved).await
    }

    /// Makes a new version equal to an old one (EDIT access required).
    pub async fn restore(
        &self,
        principal: &Principal,
        id: i32,
        version: i32,
        based_on: Option<i32>,
    ) -> AppResult<PanelView> {
        let (panel, _) = self.open(principal, id, Action::EditSavedPanel).await?;
        if let Some(based_on) = based_on
            && based_on != panel.current_version
        {
            return Err(versions::stale(panel.current_version, based_on));
        }
        if version == panel.current_version {
            return Err(AppError::invalid_field(
                "version",
                "is already the current version",
            ));
        }
        let genes = self.load_version_genes(panel.id, version).await?;
        let comment = Some(format!("Restored version {version}"));
        let current = based_on.unwrap_or(panel.current_version);
        let saved = self
            .commit_version(
                principal,
                &panel,
                current,
                genes,
                Vec::new(),
                None,
                comment,
                None,
                None,
            )
            .await?;
        self.seen_by(principal, saved).await
    }

    /// Archives, soft-deletes, undeletes or (re)activates a panel. Deleting and undeleting need
    /// the owner (or a site admin); the rest EDIT access, except that EDITORs may archive and
    /// reactivate anyone's PUBLIC panel (moderation).
    pub async fn set_status(
        &self,
        principal: &Principal,
        id: i32,
        status: PanelStatus,
    ) -> AppResult<PanelView> {
        let panel = self.load(id).await?;
        let access = self.resolve(&panel, principal).await?;
        access.require(status_action(&panel, &access, status))?;
        if panel.status == status {
            return self.with_owner(panel, access).await;
        }
        if status == PanelStatus::Deleted
            && let Some(label) = labels::protecting(&self.db, panel.id).await?
        {
            return Err(AppError::conflict(format!(
                "version {} is labelled \u{201c}{}\u{201d} and protected: remove the protection \
             before deleting the panel",
                label.version_number, label.label
            ))
            .with("reason", "protected_label"));
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let mut update: saved_panels::ActiveModel = panel.clone().into();
        update.status = Set(status);
        update.updated_at = Set(Utc::now());
        let saved = update.update(&txn).await?;
        let change = Change::new(
            ChangeType::MetadataChanged,
            ChangeTarget::Metadata(PanelMetadataField::Status),
            id.to_string(),
            Some(panel.status.to_string()),
            Some(status.to_string()),
        );
        changes::insert(
            &txn,
            &self.crypto,
            id,
            None,
            principal.user_id(),
            None,
            &[change],
        )
        .await?;
        let action = if status == PanelStatus::Deleted {
            AuditAction::PanelDelete
        } else {
            AuditAction::PanelUpdate
        };
        self.audit
            .commit(
                txn,
                principal,
                AuditRecord::new(action, format!("saved panel {id} is now {status}"))
                    .resource(AuditResourceKind::SavedPanel, id)
                    .change(
                        Some(json!({ "status": panel.status })),
                        Some(json!({ "status": status })),
                    ),
            )
            .await?;
        self.publish(id, saved.current_version, SavedPanelChangeKind::Status)
            .await;
        self.seen_by(principal, saved).await
    }
}
