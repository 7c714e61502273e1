//! Saved-panel types of the API.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, MaybeUndefined, Result, SimpleObject,
};
use chrono::{DateTime, Utc};

use crate::saved::shares::ShareView;
use shared::merge::{MergeResult, MergedGene};
use shared::saved::{ChangeTarget, ChangeTargetKind, GeneDiff, SavedGene};
use shared::saved_merge::{SavedSource, to_merge};
use shared::{
    ChangeType, Confidence, EntityType, GeneSymbol, HgncId, SharePermission, ShareTarget,
    Visibility,
};

use crate::db::int;
use crate::error::AppError;
use crate::graphql::ContextExt;
use crate::graphql::genelists::types::{ConflictOut, GeneSourceOut, GeneVerification, gene_source};
use crate::graphql::node::{Kind, global_id};
use crate::graphql::paging::{self, Page, PageArgs};
use crate::saved::reading::ReadChange;
use crate::saved::{self, CommentView, PanelView, VersionView};

/// A gene of a saved panel version.
#[derive(SimpleObject, Clone)]
pub struct PanelGene {
    /// The HGNC symbol (upper-case), or the STR / region name.
    pub symbol: String,
    /// Gene, STR or region.
    pub entity_type: EntityType,
    /// HGNC id (`HGNC:1100`); null when not known.
    pub hgnc_id: Option<String>,
    /// The gene's full name ("BRCA1 DNA repair associated"); null when not known.
    pub gene_name: Option<String>,
    /// The PanelApp rating it came with.
    pub confidence: Option<Confidence>,
    /// The lab's own rating.
    pub custom_confidence: Option<Confidence>,
    /// The rating that applies (custom, else PanelApp's).
    pub effective_confidence: Option<Confidence>,
    /// Mode of inheritance (PanelApp's wording, or the lab's); null when not given.
    pub mode_of_inheritance: Option<String>,
    /// Phenotypes, from the sources or the lab.
    pub phenotypes: Vec<String>,
    /// Evidence sources, as PanelApp lists them.
    pub evidence: Vec<String>,
    /// Source references (`uk-402@8.125`, `upload:<name>`).
    pub sources: Vec<String>,
    /// The lab's notes on the gene; null when none.
    pub notes: Option<String>,
    /// What every source said about the gene, as the merge showed it: PanelApp instance,
    /// panel, version, rating, inheritance; upload name and row; or who added it by hand.
    /// Genes saved before sources were recorded have one source naming the saved panel
    /// itself (`sourcesRecorded` false).
    pub source_details: Vec<GeneSourceOut>,
    /// Where the sources disagree (e.g. two modes of inheritance).
    pub conflicts: Vec<ConflictOut>,
    /// False for genes saved before their sources were recorded.
    pub sources_recorded: bool,
    /// How the symbol was checked against the gene directory when it was added, kept with
    /// the version (`UNVERIFIED` genes need checking before the panel is used).
    pub verification: GeneVerification,
}

impl PanelGene {
    /// The genes of a version with their sources numbered as the version's export numbers
    /// them (`sources` are the version's recorded sources; `name` and `version` label genes
    /// saved before sources were recorded).
    pub fn list(
        genes: &[SavedGene],
        sources: &[SavedSource],
        name: &str,
        version: i32,
    ) -> Vec<Self> {
        let genes = shared::saved::canonical(genes);
        let (merge, _) = to_merge(&genes, sources, name, u32::try_from(version).unwrap_or(0));
        genes
            .iter()
            .zip(&merge.genes)
            .map(|(g, row)| Self::with_sources(g, &merge, row))
            .collect()
    }

    fn with_sources(g: &SavedGene, merge: &MergeResult<'_>, row: &MergedGene<'_>) -> Self {
        let mut out = Self::from(g);
        let origins: Vec<&shared::saved::GeneOrigin> = g.origins.iter().collect();
        out.source_details = row
            .sources
            .iter()
            .map(|s| {
                let mut detail = gene_source(merge, s);
                detail.added_by = origins
                    .iter()
                    .find(|o| o.label.as_str() == &*s.label)
                    .and_then(|o| o.added_by.clone());
                detail
            })
            .collect();
        out
    }
}

/// The genes of version `number` of a panel, with their sources.
pub async fn version_genes(
    ctx: &Context<'_>,
    panel_id: i32,
    name: &str,
    number: i32,
) -> Result<Vec<PanelGene>, AppError> {
    let (_, snapshot) = ctx.state().saved.load_snapshot(panel_id, number).await?;
    Ok(PanelGene::list(
        &snapshot.genes,
        &snapshot.sources,
        name,
        number,
    ))
}

impl From<&SavedGene> for PanelGene {
    fn from(g: &SavedGene) -> Self {
        Self {
            symbol: g.symbol.as_str().to_owned(),
            entity_type: g.entity_type,
            hgnc_id: g.hgnc_id.map(|h| h.to_string()),
            gene_name: g.gene_name.clone(),
            confidence: g.confidence,
            custom_confidence: g.custom_confidence,
            effective_confidence: g.effective_confidence(),
            mode_of_inheritance: g.mode_of_inheritance.clone(),
            phenotypes: g.phenotypes.clone(),
            evidence: g.evidence.clone(),
            sources: g.sources.clone(),
            notes: g.notes.clone(),
            source_details: Vec::new(),
            conflicts: g.conflicts.iter().map(ConflictOut::from).collect(),
            sources_recorded: g.has_provenance(),
            verification: GeneVerification::from(&g.verification()),
        }
    }
}

/// A gene to add by hand (`createSavedPanel(genes)`, `PanelEditInput.addGenes`); it is checked
/// against the gene directory and recorded as added by you.
#[derive(InputObject, Clone)]
pub struct GeneInput {
    /// The gene symbol (case-insensitive; stored upper-case). VALIDATION when it is not a valid
    /// symbol, or (when editing) already in the panel.
    pub symbol: String,
    /// Default GENE.
    pub entity_type: Option<EntityType>,
    /// HGNC id: `HGNC:1100`, `hgnc:1100` or `1100`; VALIDATION otherwise.
    pub hgnc_id: Option<String>,
    /// The gene's full name.
    pub gene_name: Option<String>,
    /// The PanelApp rating to record, if any.
    pub confidence: Option<Confidence>,
    /// The lab's own rating, overriding PanelApp's.
    pub custom_confidence: Option<Confidence>,
    /// Mode of inheritance, free text (PanelApp's wording is best for exports).
    pub mode_of_inheritance: Option<String>,
    /// Phenotypes (blank entries dropped).
    pub phenotypes: Option<Vec<String>>,
    /// Evidence sources (blank entries dropped).
    pub evidence: Option<Vec<String>>,
    /// Source references (`uk-402@8.125`, `upload:<name>`); blank entries dropped.
    pub sources: Option<Vec<String>>,
    /// The lab's notes.
    pub notes: Option<String>,
}

impl GeneInput {
    pub fn into_gene(self, field: &str) -> Result<SavedGene, AppError> {
        let symbol = GeneSymbol::parse(&self.symbol)
            .map_err(|e| AppError::invalid_field(field, e.to_string()))?;
        let hgnc_id = self
            .hgnc_id
            .filter(|h| !h.trim().is_empty())
            .map(|h| HgncId::parse(&h).map_err(|e| AppError::invalid_field(field, e.to_string())))
            .transpose()?;
        let clean = |v: Option<Vec<String>>| -> Vec<String> {
            v.unwrap_or_default()
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Ok(SavedGene {
            symbol: symbol.clone(),
            entity_type: self.entity_type.unwrap_or(EntityType::Gene),
            hgnc_id,
            gene_name: self.gene_name.filter(|s| !s.trim().is_empty()),
            confidence: self.confidence,
            custom_confidence: self.custom_confidence,
            mode_of_inheritance: self.mode_of_inheritance.filter(|s| !s.trim().is_empty()),
            phenotypes: clean(self.phenotypes),
            evidence: clean(self.evidence),
            sources: clean(self.sources),
            notes: self.notes.filter(|s| !s.trim().is_empty()),
            ..SavedGene::new(symbol)
        })
    }

    /// The gene as added by hand by `user`: its one source says so ("Added by <user>").
    pub fn into_added_gene(self, field: &str, user: &str) -> Result<SavedGene, AppError> {
        let mut gene = self.into_gene(field)?;
        gene.origins = vec![shared::saved::GeneOrigin::manual(user, &gene.symbol)];
        Ok(gene)
    }
}

/// Changes to one gene; absent fields stay, `null` clears.
#[derive(InputObject)]
pub struct GeneUpdateInput {
    /// The symbol of a gene in the panel; VALIDATION (`field: updateGenes`) when it is not there.
    pub symbol: String,
    /// The PanelApp rating recorded for the gene; `null` clears it.
    pub confidence: MaybeUndefined<Confidence>,
    /// The lab's own rating; `null` (or `clearCustomConfidence`) goes back to PanelApp's.
    pub custom_confidence: MaybeUndefined<Confidence>,
    /// Drops the lab's own rating, so PanelApp's applies again (the same as
    /// `customConfidence: null`; not together with a `customConfidence` value).
    #[graphql(default)]
    pub clear_custom_confidence: bool,
    /// Mode of inheritance; `null` (or blank) clears it.
    pub mode_of_inheritance: MaybeUndefined<String>,
    /// Replaces the phenotypes (blank entries dropped); absent: unchanged.
    pub phenotypes: Option<Vec<String>>,
    /// The lab's notes; `null` (or blank) clears them.
    pub notes: MaybeUndefined<String>,
}

fn maybe<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl TryFrom<GeneUpdateInput> for saved::GeneUpdate {
    type Error = AppError;

    fn try_from(u: GeneUpdateInput) -> Result<Self, AppError> {
        let custom_confidence = match (u.clear_custom_confidence, u.custom_confidence) {
            (true, MaybeUndefined::Value(_)) => {
                return Err(AppError::invalid_field(
                    "updateGenes",
                    format!(
                        "{}: give either customConfidence or clearCustomConfidence, not both",
                        u.symbol
                    ),
                ));
            }
            (true, _) => Some(None),
            (false, custom) => maybe(custom),
        };
        Ok(Self {
            symbol: u.symbol,
            confidence: maybe(u.confidence),
            custom_confidence,
            mode_of_inheritance: maybe(u.mode_of_inheritance),
            phenotypes: u.phenotypes,
            notes: maybe(u.notes),
        })
    }
}

/// Changes to a panel's metadata; absent fields stay as they are.
#[derive(InputObject, Default)]
pub struct PanelMetadataInput {
    /// 1 to 200 characters; CONFLICT when you already have a panel of that name.
    pub name: Option<String>,
    /// At most 5000 characters; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// Replaces the tags: at most 20, each at most 50 characters (stored lower-case, sorted, each
    /// once).
    pub tags: Option<Vec<String>>,
    /// Who can see it; changing it needs the right to share (PUBLIC needs the EDITOR role).
    pub visibility: Option<Visibility>,
}

/// One edit = one new version.
#[derive(InputObject)]
pub struct PanelEditInput {
    /// The version these changes were made against; a stale edit gets CONFLICT.
    pub based_on_version: i32,
    /// Why (at most 2000 characters): the version's comment, and the `reason` of its changes.
    pub comment: Option<String>,
    /// Genes to add; VALIDATION (`field: addGenes`) for one already in the panel.
    pub add_genes: Option<Vec<GeneInput>>,
    /// Symbols to remove; VALIDATION (`field: removeGenes`) for one not in the panel.
    pub remove_genes: Option<Vec<String>>,
    /// Changes to genes in the panel.
    pub update_genes: Option<Vec<GeneUpdateInput>>,
    /// Name, description, tags and visibility. An edit that changes nothing is VALIDATION ("nothing
    /// changed").
    pub metadata: Option<PanelMetadataInput>,
}

/// One field of one gene that differs between two versions.
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The gene's symbol.
    pub symbol: String,
    /// The field that differs.
    pub field: shared::saved::GeneField,
    /// The value before, as text (`null`: empty).
    pub old: Option<String>,
    /// The value after, as text (`null`: empty).
    pub new: Option<String>,
}

/// Added, removed and changed genes between two versions.
#[derive(SimpleObject)]
pub struct PanelDiff {
    /// Genes in the later version only.
    pub added: Vec<PanelGene>,
    /// Genes in the earlier version only.
    pub removed: Vec<PanelGene>,
    /// Fields that differ for genes in both, one entry per gene and field.
    pub changed: Vec<FieldChange>,
}

impl From<GeneDiff> for PanelDiff {
    fn from(d: GeneDiff) -> Self {
        Self {
            added: d.added.iter().map(PanelGene::from).collect(),
            removed: d.removed.iter().map(PanelGene::from).collect(),
            changed: d
                .changed
                .into_iter()
                .map(|c| FieldChange {
                    symbol: c.symbol.into_string(),
                    field: c.field,
                    old: c.old,
                    new: c.new,
                })
                .collect(),
        }
    }
}

/// One version of a saved panel.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PanelVersion {
    /// The global id (see `Node`).
    #[graphql(owned)]
    pub id: ID,
    /// The version number: 1 for the first, then 2, 3, … without gaps.
    pub number: i32,
    /// Why it was made (the edit's comment, or a generated one such as "Updated from PanelApp: …");
    /// null when none was given.
    pub comment: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The global id of the account that saved it; null when it no longer exists or for
    /// imported versions without one.
    #[graphql(deprecation = "use createdBy { id }")]
    pub created_by_id: Option<ID>,
    /// Who saved it; null when the account no longer exists or for imported versions without
    /// one.
    pub created_by: Option<Person>,
    /// Entities in this version.
    pub gene_count: i32,
    /// SHA-256 of the version's canonical gene list.
    pub hash: Option<String>,
    /// Counts of its recorded changes per kind ("GENE_ADDED: 3, GENE_REMOVED: 1"); null for
    /// imported versions without one.
    pub changes_summary: Option<String>,
    #[graphql(skip)]
    pub panel_id: i32,
}

impl From<VersionView> for PanelVersion {
    fn from(v: VersionView) -> Self {
        Self {
            id: global_id(Kind::PanelVersion, v.id),
            number: v.number,
            comment: v.comment,
            created_at: v.created_at,
            created_by_id: v.created_by_id.map(|i| global_id(Kind::User, i)),
            created_by: v.created_by_id.map(Person::lazy),
            gene_count: v.gene_count,
            hash: v.hash,
            changes_summary: v.changes_summary,
            panel_id: v.panel_id,
        }
    }
}

#[ComplexObject]
impl PanelVersion {
    /// This version's genes by symbol; all of them unless `first`/`last` ask for a page.
    async fn genes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Genes from the start (by symbol), 1 to 50000.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to start after.")] after: Option<String>,
        #[graphql(desc = "Genes from the end, 1 to 50000.")] last: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to end before.")] before: Option<String>,
    ) -> Result<Page<PanelGene>> {
        let panel = ctx.state().saved.load(self.panel_id).await?;
        let genes = version_genes(ctx, self.panel_id, &panel.name, self.number).await?;
        let window = PageArgs::new(first, after, last, before).window(
            "genes",
            genes.len(),
            paging::MAX_IN_MEMORY,
            paging::MAX_IN_MEMORY,
        )?;
        Ok(window.connection(window.slice(&genes).iter().cloned()))
    }
}

/// One recorded change.
#[derive(SimpleObject)]
pub struct PanelChange {
    /// The global id (see `Node`); later changes have larger `databaseId`s.
    #[graphql(owned)]
    pub id: ID,
    /// What kind of change.
    pub change_type: ChangeType,
    /// What kind of thing it changed; null on rows without a target.
    pub target_kind: Option<shared::saved::ChangeTargetKind>,
    /// The word the row records for what it changed: `gene` (added or removed), `gene.<field>`
    /// (`gene.modeOfInheritance`, …), `metadata.<field>` (`metadata.name`, `metadata.status`,
    /// …), `panel` or `source`; on rows imported from the Flask version, Flask's word.
    /// `targetKind`, `field` and `metadataField` are its typed form.
    pub target_type: Option<String>,
    /// Which one: the gene symbol, the saved panel's id, or the PanelApp panel (`uk-402`).
    pub target: Option<String>,
    /// The value before as stored: text, or a whole gene as JSON for removals.
    #[graphql(deprecation = "use gene, field, oldValue and newValue")]
    pub old: Option<String>,
    /// The value after as stored: text, or a whole gene as JSON for additions.
    #[graphql(deprecation = "use gene, field, oldValue and newValue")]
    pub new: Option<String>,
    /// The gene added or removed (GENE_ADDED, GENE_REMOVED and their SOURCE_UPDATED rows).
    pub gene: Option<PanelGene>,
    /// The gene field changed (GENE_FIELD changes).
    pub field: Option<shared::saved::GeneField>,
    /// The field of the saved panel changed (METADATA changes).
    pub metadata_field: Option<shared::saved::PanelMetadataField>,
    /// The value before, as text, for field, metadata and status changes (null: empty).
    pub old_value: Option<String>,
    /// The value after, as text, for field, metadata and status changes (null: empty).
    pub new_value: Option<String>,
    /// The comment of the edit that made it; null when none was given.
    pub reason: Option<String>,
    /// The global id of the account that made it.
    #[graphql(deprecation = "use changedBy { id }")]
    pub changed_by_id: Option<ID>,
    /// Who made it; null for changes without one (imported, or made by the server).
    pub changed_by: Option<Person>,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The version it produced (null for status changes).
    pub version: Option<i32>,
}

impl From<ReadChange> for PanelChange {
    fn from(
        ReadChange {
            id,
            change_type,
            target_type,
            target_id,
            reason,
            changed_by_id,
            at,
            version,
            values,
        }: ReadChange,
    ) -> Self {
        let word = target_type.as_deref().filter(|w| !w.is_empty());
        let target = word.and_then(ChangeTarget::parse);
        let as_gene = |v: &Option<String>| {
            v.as_deref()
                .and_then(|json| serde_json::from_str::<SavedGene>(json).ok())
                .map(|g| PanelGene::from(&g))
        };
        let (gene, old_value, new_value) = if target == Some(ChangeTarget::Gene) {
            (
                as_gene(&values.1).or_else(|| as_gene(&values.0)),
                None,
                None,
            )
        } else {
            (None, values.0.clone(), values.1.clone())
        };
        let field = match target {
            Some(ChangeTarget::GeneField(field)) => Some(field),
            _ => None,
        };
        let metadata_field = match target {
            Some(ChangeTarget::Metadata(field)) => Some(field),
            _ => None,
        };
        let target_kind = word.map(|_| target.map_or(ChangeTargetKind::Other, ChangeTarget::kind));
        Self {
            id: global_id(Kind::PanelChange, id),
            change_type,
            gene,
            field,
            metadata_field,
            old_value,
            new_value,
            target_kind,
            target_type,
            target: target_id,
            old: values.0,
            new: values.1,
            reason,
            changed_by_id: changed_by_id.map(|i| global_id(Kind::User, i)),
            changed_by: changed_by_id.map(Person::lazy),
            at,
            version,
        }
    }
}

/// A grant of access to a saved panel (to a user, a team or a link).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Share {
    /// The global id (see `Node`), for `revokeShare` and `reissueShareLink`.
    #[graphql(owned)]
    pub id: ID,
    /// Who it is for.
    pub target: ShareTarget,
    /// The global id of the account it is shared with (USER shares only).
    pub user_id: Option<ID>,
    /// The person it is shared with (`USER` shares).
    pub user: Option<Person>,
    /// The username of the person it is shared with.
    pub username: Option<String>,
    /// The global id of the team it is shared with (TEAM shares only).
    pub team_id: Option<ID>,
    /// The name of the team it is shared with.
    pub team_name: Option<String>,
    /// What it grants (never more than the recipient's role allows: a VIEWER gets at most COMMENT,
    /// an anonymous link holder VIEW).
    pub permission: SharePermission,
    /// Whether the recipient may share the panel further (only with an ADMIN share).
    pub can_reshare: bool,
    /// When it ends; null: it does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// False once revoked.
    pub active: bool,
    /// Whether it works now: active and not past its expiry.
    pub usable: bool,
    /// How many times the panel was opened through it.
    pub access_count: i32,
    /// When it was last used to open the panel; null if never.
    pub last_accessed_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl Share {
    /// The team it is shared with (TEAM shares), when the caller may see the team (its
    /// members and site admins); null otherwise.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<crate::graphql::teams::Team>> {
        let Some(id) = &self.team_id else {
            return Ok(None);
        };
        let id = crate::graphql::node::int_id(id, Kind::Team)?;
        Ok(crate::graphql::teams::team_node(ctx, id).await.ok())
    }
}

impl From<ShareView> for Share {
    fn from(s: ShareView) -> Self {
        Self {
            id: global_id(Kind::Share, s.id),
            target: s.target,
            user_id: s.user_id.map(|i| global_id(Kind::User, i)),
            user: s
                .user_id
                .zip(s.username.as_deref())
                .map(|(id, name)| Person::new(id, name)),
            username: s.username,
            team_id: s.team_id.map(|i| global_id(Kind::Team, i)),
            team_name: s.team_name,
            permission: s.permission,
            can_reshare: s.can_reshare,
            expires_at: s.expires_at,
            active: s.active,
            usable: s.usable,
            access_count: s.access_count,
            last_accessed_at: s.last_accessed_at,
            created_at: s.created_at,
        }
    }
}

/// Someone with an account as other people see them: owners, authors, share recipients,
/// team members. Never their e-mail address; their name only to themselves, their team
/// mates and admins.
#[derive(Clone)]
pub struct Person {
    pub database_id: i32,
    /// Loaded with the person, or looked up when asked.
    username: Option<String>,
    /// Worked out for this caller already (shareable-user lookups), or when asked.
    display_name: Option<Option<String>>,
}

impl Person {
    pub fn new(id: i32, username: &str) -> Self {
        Self {
            database_id: id,
            username: Some(username.to_owned()),
            display_name: None,
        }
    }

    /// A person known by id only; the username is read when asked.
    pub fn lazy(id: i32) -> Self {
        Self {
            database_id: id,
            username: None,
            display_name: None,
        }
    }
}

/// Someone with an account as other people see them: owners, authors, share recipients and
/// team members. Never their e-mail address; their name only to themselves, their team mates
/// and admins.
#[async_graphql::Object]
impl Person {
    /// The global id (see `Node`); arguments that take a user id accept it.
    pub async fn id(&self) -> ID {
        global_id(Kind::Person, self.database_id)
    }
    /// The account's number in this server's database.
    async fn database_id(&self) -> i32 {
        self.database_id
    }
    /// The username (empty for an account since deleted).
    async fn username(&self, ctx: &Context<'_>) -> Result<String> {
        if let Some(name) = &self.username {
            return Ok(name.clone());
        }
        Ok(ctx
            .request()
            .username(ctx.state(), self.database_id)
            .await?)
    }
    /// First and last name, when the person gave them and the caller may see them (the
    /// person themselves, their team mates and admins); null otherwise.
    async fn display_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if let Some(name) = &self.display_name {
            return Ok(name.clone());
        }
        let principal = ctx.principal().signed_in().map(|u| (u.id(), u.role()));
        Ok(ctx
            .state()
            .accounts
            .display_name(principal, self.database_id)
            .await?)
    }
}

impl From<saved::shares::ShareableUser> for Person {
    fn from(u: saved::shares::ShareableUser) -> Self {
        Self {
            database_id: u.id,
            username: Some(u.username),
            display_name: Some(u.display_name),
        }
    }
}

/// A comment on a saved panel, a version of it or one of its genes.
#[derive(SimpleObject)]
pub struct PanelComment {
    /// The global id (see `Node`).
    #[graphql(owned)]
    pub id: ID,
    /// The version it is about; null for the panel as a whole.
    pub version: Option<i32>,
    /// The gene it is about; null when not about one gene.
    pub gene_symbol: Option<String>,
    /// The global id of its author; null when the account no longer exists.
    #[graphql(deprecation = "use author { id }")]
    pub author_id: Option<ID>,
    /// Who wrote it; null when the account no longer exists.
    pub author: Option<Person>,
    /// The text, 1 to 2000 characters.
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl From<CommentView> for PanelComment {
    fn from(c: CommentView) -> Self {
        Self {
            id: global_id(Kind::PanelComment, c.id),
            version: c.version,
            gene_symbol: c.gene_symbol,
            author_id: c.author_id.map(|i| global_id(Kind::User, i)),
            author: c.author_id.map(Person::lazy),
            body: c.body,
            created_at: c.created_at,
        }
    }
}

/// A saved panel as the caller may see it.
pub struct SavedPanel {
    pub panel: PanelView,
}

impl From<PanelView> for SavedPanel {
    fn from(panel: PanelView) -> Self {
        Self { panel }
    }
}

/// Where one PanelApp source of a saved panel stands upstream.
#[derive(SimpleObject)]
pub struct UpstreamSource {
    /// The PanelApp instance.
    pub source: shared::Source,
    /// The panel's id in that instance.
    pub panel_id: i32,
    /// `GB <panel name>` / `AUS <panel name>`, as the panel remembers it.
    pub label: String,
    /// The version the saved panel holds.
    pub saved_version: Option<String>,
    /// The version PanelApp has now (null when it could not be checked).
    pub latest_version: Option<String>,
    /// When the latest version was created upstream.
    pub latest_created: Option<DateTime<Utc>>,
    /// Where the latest data came from (null when it could not be checked).
    pub origin: Option<crate::panelapp::DataOrigin>,
    /// The same in words, with the snapshot's date when it came from one
    /// ("snapshot 2026-03-01").
    pub origin_detail: Option<String>,
    /// True when PanelApp has moved on since the panel was built or last updated.
    pub behind: bool,
    /// Why this source could not be checked.
    pub error: Option<String>,
    /// The evidence levels the panel was built with.
    pub confidence: Vec<shared::Confidence>,
    /// What changed upstream under those levels (empty unless behind).
    pub diff: PanelDiff,
}

impl From<&crate::saved::upstream::UpstreamStatus> for UpstreamSource {
    fn from(s: &crate::saved::upstream::UpstreamStatus) -> Self {
        Self {
            source: s.source,
            panel_id: int(s.panel_id),
            label: s.remembered.label.clone(),
            saved_version: s.remembered.version.as_ref().map(ToString::to_string),
            latest_version: s.latest_version.as_ref().map(ToString::to_string),
            latest_created: s
                .latest_created
                .as_deref()
                .and_then(crate::graphql::scalars::parse_instant),
            origin: s
                .origin
                .as_deref()
                .and_then(crate::panelapp::DataOrigin::from_label),
            origin_detail: s.origin.clone(),
            behind: s.behind(),
            error: s.error.clone(),
            confidence: s.remembered.confidence.clone(),
            diff: s.diff().into(),
        }
    }
}
