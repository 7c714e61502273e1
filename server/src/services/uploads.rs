//! Uploaded gene lists: read once, stored per caller (an account, or an anonymous visitor
//! with a time to live), appended — never replacing earlier uploads — listed and removed.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use entity::uploads;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::AuditResourceKind;
use shared::upload::{Diagnostic, GeneList, ListGene, UploadRejection};
use shared::{AuditAction, ErrorCode};

use super::audit::{Audit, AuditRecord};
use crate::auth::Principal;
use crate::backend::Backends;
use crate::crypto::sha256_hex;
use crate::db::int;
use crate::error::{AppError, AppResult, OrInternal};
use crate::genelists::upload::{
    ParseOptions, ParsedUpload, SymbolResolver, UploadError, UploadLimits, parse_upload,
};
use crate::paging::{Place, RowPage, SortedBy, Span, read_span};

/// Uploads one caller may keep at a time.
pub const MAX_UPLOADS_PER_CALLER: u64 = 50;
/// Longest list name kept (from the file name).
const MAX_NAME_CHARS: usize = 100;

/// What `uploads.content` holds: the genes and everything the reader noticed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredContent {
    pub genes: Vec<ListGene>,
    pub diagnostics: Vec<Diagnostic>,
    pub columns: Vec<String>,
    pub sheets: Vec<String>,
}

/// An upload as callers see it.
#[derive(Debug, Clone)]
pub struct UploadView {
    pub id: String,
    pub name: String,
    pub filename: String,
    pub format: shared::upload::UploadFormat,
    pub sheet: Option<String>,
    pub column: Option<String>,
    pub row_count: i32,
    pub size_bytes: i64,
    pub content: StoredContent,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl UploadView {
    pub fn from_model(m: uploads::Model) -> AppResult<Self> {
        let content: StoredContent =
            serde_json::from_str(&m.content).or_internal("stored upload content")?;
        Ok(Self {
            id: m.id,
            name: m.name,
            filename: m.original_filename,
            format: m.format.parse().or_internal("stored upload format")?,
            sheet: m.sheet,
            column: m.column_name,
            row_count: m.row_count,
            size_bytes: m.size_bytes,
            content,
            created_at: m.created_at,
            expires_at: m.expires_at,
        })
    }

    /// The list as the merge engine takes it.
    pub fn gene_list(&self) -> GeneList {
        GeneList {
            id: self.id.clone(),
            name: self.name.clone(),
            genes: self.content.genes.clone(),
        }
    }
}

/// An uploaded file and the caller's choices.
#[derive(Debug)]
pub struct NewUpload {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub options: ParseOptions,
}

/// Rows the caller owns that have not expired.
fn owned_by(principal: &Principal, now: DateTime<Utc>) -> AppResult<Condition> {
    let owner = match (principal.user_id(), principal.visitor_id()) {
        (Some(user), _) => Condition::all().add(uploads::Column::OwnerUserId.eq(user)),
        (None, Some(visitor)) => Condition::all()
            .add(uploads::Column::OwnerUserId.is_null())
            .add(uploads::Column::VisitorId.eq(visitor)),
        (None, None) => return Err(AppError::unauthenticated()),
    };
    Ok(owner.add(
        Condition::any()
            .add(uploads::Column::ExpiresAt.is_null())
            .add(uploads::Column::ExpiresAt.gt(now)),
    ))
}

/// The list's name: the file name without directories and extension.
pub fn list_name(filename: &str) -> String {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem,
        _ => base,
    };
    let clean: String = stem
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    match clean.trim() {
        "" => "Uploaded list".to_owned(),
        name => name.to_owned(),
    }
}

/// The API error for a refused upload: `PAYLOAD_TOO_LARGE` for size limits, else
/// `VALIDATION`, with `reason`, and `columns` / `sheets` / `row` / `limit` when known.
pub fn rejection_error(e: &UploadError) -> AppError {
    let code = match e.reason {
        UploadRejection::FileTooLarge
        | UploadRejection::ZipBomb
        | UploadRejection::SheetTooLarge => ErrorCode::PayloadTooLarge,
        _ => ErrorCode::Validation,
    };
    let mut err = AppError::new(code, e.message.clone()).with("reason", e.reason.as_str());
    if !e.columns.is_empty() {
        err = err.with("columns", e.columns.clone());
    }
    if !e.sheets.is_empty() {
        err = err.with("sheets", e.sheets.clone());
    }
    if let Some(row) = e.row {
        err = err.with("row", row);
    }
    if let Some(limit) = e.limit {
        err = err.with("limit", limit);
    }
    err
}

/// An upload's place in the list of a caller's uploads (oldest first): when it was stored,
/// and its id for uploads stored at the same instant.
pub type UploadPlace = Place<DateTime<Utc>, String>;

/// Where `upload` stands in its owner's list.
pub fn place(upload: &uploads::Model) -> UploadPlace {
    Place {
        value: upload.created_at,
        id: upload.id.clone(),
    }
}

/// The caller's uploads (`None`: a caller with no uploads, neither signed in nor a known
/// visitor), unordered.
fn owned(principal: &Principal) -> AppResult<Option<sea_orm::Select<uploads::Entity>>> {
    if !principal.can_own() {
        return Ok(None);
    }
    Ok(Some(
        uploads::Entity::find().filter(owned_by(principal, Utc::now())?),
    ))
}

/// The order of the list of uploads: oldest first, by when stored and then by id.
const OLDEST_FIRST: SortedBy<uploads::Column, uploads::Column> = SortedBy {
    column: uploads::Column::CreatedAt,
    descending: false,
    id: uploads::Column::Id,
};

/// The upload settings the service applies (from `Settings`).
#[derive(Clone, Copy, Debug)]
pub struct UploadSettings {
    /// UPLOAD_TTL: how long an anonymous visitor's lists are kept, and the window of
    /// ANON_UPLOADS_PER_IP.
    pub ttl: std::time::Duration,
    /// ANON_UPLOADS_PER_IP: anonymous uploads one address may make within `ttl`.
    pub anon_per_ip: u32,
    /// MAX_UPLOAD_BYTES: the largest file read.
    pub max_bytes: usize,
}

impl UploadSettings {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self {
            ttl: settings.upload_ttl,
            anon_per_ip: settings.anon_uploads_per_ip,
            max_bytes: settings.body.max_upload_bytes,
        }
    }
}

/// Uploaded gene lists: reading and storing files, listing, removing, and handing a visitor's lists to the account they sign up or log in with. Built once with the state.
#[derive(Clone)]
pub struct Uploads {
    pub(crate) db: DatabaseConnection,
    pub(crate) audit: Audit,
    pub(crate) backends: Backends,
    pub(crate) limits: UploadSettings,
    /// The gene directory that maps aliases and flags unknown symbols (none: every symbol
    /// stays unverified, "directory incomplete").
    pub(crate) symbols: Option<Arc<dyn SymbolResolver>>,
}

impl Uploads {
    /// Counts an anonymous upload against the client address, in the shared counters (Redis
    /// when configured, so every instance sees the same count): a visitor who drops the cookie
    /// is a new visitor, but not a new address. `RATE_LIMITED` once the address has made
    /// `ANON_UPLOADS_PER_IP` anonymous uploads within `UPLOAD_TTL`.
    async fn anonymous_quota(&self, principal: &Principal) -> AppResult<()> {
        let Some(ip) = principal.ip() else {
            // In-process callers (CLI, tests of the service) have no address.
            return Ok(());
        };
        let limit = self.limits.anon_per_ip;
        let window = self
            .backends
            .counters
            .hit(&format!("uploads:anon:ip:{ip}"), self.limits.ttl)
            .await?;
        if window.count > u64::from(limit) {
            let secs = window.resets_in.as_secs().max(1);
            return Err(AppError::new(
                ErrorCode::RateLimited,
                format!(
                    "this address has made {limit} anonymous uploads within {} s (the \
                 ANON_UPLOADS_PER_IP limit); log in to upload more, or retry in {secs} s",
                    self.limits.ttl.as_secs()
                ),
            )
            .with("retryAfter", secs)
            .with("reason", UploadRejection::TooManyUploads.as_str())
            .with("limit", limit));
        }
        Ok(())
    }

    /// Reads the file (off the async runtime) and stores it; a refused file leaves every earlier
    /// upload as it was, and is audited as a failed `PANEL_UPLOAD`.
    #[tracing::instrument(skip_all, fields(filename = %upload.filename, bytes = upload.bytes.len()))]
    pub async fn store(&self, principal: &Principal, upload: NewUpload) -> AppResult<UploadView> {
        let started = Instant::now();
        let now = Utc::now();
        let mine = owned_by(principal, now)?;
        let count = uploads::Entity::find().filter(mine).count(&self.db).await?;
        if count >= MAX_UPLOADS_PER_CALLER {
            return Err(AppError::validation(format!(
                "you have {count} uploaded lists; remove some first (at most \
             {MAX_UPLOADS_PER_CALLER} are kept)"
            ))
            .with("reason", UploadRejection::TooManyUploads.as_str())
            .with("limit", MAX_UPLOADS_PER_CALLER));
        }
        if principal.user_id().is_none() {
            self.anonymous_quota(principal).await?;
        }
        let limits = UploadLimits::with_max_bytes(self.limits.max_bytes);
        let NewUpload {
            filename,
            bytes,
            options,
        } = upload;
        let name = filename.clone();
        let resolver = self.symbols.clone();
        let (parsed, bytes) = tokio::task::spawn_blocking(move || {
            let resolver = resolver.as_deref();
            let parsed = parse_upload(&bytes, &name, &options, &limits, resolver);
            (parsed, bytes)
        })
        .await
        .map_err(|e| {
            AppError::validation(format!("the file could not be read: {e}"))
                .with("reason", UploadRejection::Unreadable.as_str())
        })?;
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(e) => {
                let record = AuditRecord::new(
                    AuditAction::PanelUpload,
                    format!("refused upload {filename:?}"),
                )
                .resource(AuditResourceKind::Upload, &filename)
                .details(json!({ "reason": e.reason, "bytes": bytes.len() }))
                .failed(e.message.clone())
                .duration(started.elapsed());
                self.audit.record(&self.db, principal, record).await?;
                return Err(rejection_error(&e));
            }
        };
        self.insert(principal, &filename, &bytes, parsed, now, started)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert(
        &self,
        principal: &Principal,
        filename: &str,
        bytes: &[u8],
        parsed: ParsedUpload,
        now: DateTime<Utc>,
        started: Instant,
    ) -> AppResult<UploadView> {
        let id = uuid::Uuid::new_v4().to_string();
        let anonymous = principal.user_id().is_none();
        let expires_at = anonymous
            .then(|| chrono::Duration::from_std(self.limits.ttl).ok())
            .flatten()
            .map(|ttl| now + ttl);
        let content = StoredContent {
            genes: parsed.genes,
            diagnostics: parsed.diagnostics,
            columns: parsed.columns,
            sheets: parsed.sheets,
        };
        let gene_count = content.genes.len();
        let hash = sha256_hex(bytes);
        let row = uploads::ActiveModel {
            id: Set(id.clone()),
            owner_user_id: Set(principal.user_id()),
            visitor_id: Set(principal
                .visitor_id()
                .map(str::to_owned)
                .filter(|_| anonymous)),
            name: Set(list_name(filename)),
            original_filename: Set(filename.chars().take(255).collect()),
            format: Set(parsed.format.as_str().to_owned()),
            sheet: Set(parsed.sheet),
            column_name: Set(parsed.column),
            row_count: Set(int(parsed.rows)),
            gene_count: Set(int(gene_count)),
            size_bytes: Set(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
            content: Set(serde_json::to_string(&content).or_internal("upload content")?),
            content_hash: Set(hash.clone()),
            created_at: Set(now),
            expires_at: Set(expires_at),
        };
        let format = parsed.format;
        let txn = crate::db::begin_write(&self.db).await?;
        // Expired anonymous uploads go when new ones come.
        uploads::Entity::delete_many()
            .filter(uploads::Column::ExpiresAt.lt(now))
            .exec(&txn)
            .await?;
        let model = row.insert(&txn).await?;
        let record = AuditRecord::new(
            AuditAction::PanelUpload,
            format!("uploaded {gene_count} genes from {filename:?}"),
        )
        .resource(AuditResourceKind::Upload, &id)
        .details(json!({
            "filename": filename,
            "format": format,
            "genes": gene_count,
            "diagnostics": content.diagnostics.len(),
            "sha256": hash,
        }))
        .duration(started.elapsed());
        self.audit.commit(txn, principal, record).await?;
        UploadView::from_model(model)
    }

    /// One page of the caller's uploads, by place: an upload removed or stored while the
    /// caller pages through them moves no other one to another page.
    pub async fn page(
        &self,
        principal: &Principal,
        span: Span<UploadPlace>,
    ) -> AppResult<RowPage<uploads::Model>> {
        let Some(query) = owned(principal)? else {
            return Ok(RowPage::empty());
        };
        read_span(&self.db, query, OLDEST_FIRST, &span.map(Place::values)).await
    }

    /// The caller's uploads, oldest first.
    pub async fn list(&self, principal: &Principal) -> AppResult<Vec<UploadView>> {
        let Some(query) = owned(principal)? else {
            return Ok(Vec::new());
        };
        query
            .order_by_asc(uploads::Column::CreatedAt)
            .order_by_asc(uploads::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(UploadView::from_model)
            .collect()
    }

    /// The caller's uploads with these ids, in the given order; any that is missing (not theirs,
    /// removed or expired) is an error naming it.
    pub async fn lists(&self, principal: &Principal, ids: &[String]) -> AppResult<Vec<UploadView>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = uploads::Entity::find()
            .filter(owned_by(principal, Utc::now())?)
            .filter(uploads::Column::Id.is_in(ids.iter().cloned()))
            .all(&self.db)
            .await?;
        ids.iter()
            .map(|id| {
                found
                    .iter()
                    .find(|m| &m.id == id)
                    .cloned()
                    .ok_or_else(|| {
                        AppError::not_found(format!("upload {id}")).with("upload", id.as_str())
                    })
                    .and_then(UploadView::from_model)
            })
            .collect()
    }

    /// Removes one of the caller's uploads (audited); `NOT_FOUND` for anyone else's.
    pub async fn remove(&self, principal: &Principal, id: &str) -> AppResult<bool> {
        let txn = crate::db::begin_write(&self.db).await?;
        let deleted = uploads::Entity::delete_many()
            .filter(owned_by(principal, Utc::now())?)
            .filter(uploads::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(AppError::not_found(format!("upload {id}")));
        }
        let record = AuditRecord::new(AuditAction::PanelDelete, "removed an uploaded gene list")
            .resource(AuditResourceKind::Upload, id);
        self.audit.commit(txn, principal, record).await?;
        Ok(true)
    }

    /// Hands an anonymous visitor's uploads to the account they logged in with (for the session
    /// work to call at login).
    pub async fn claim(&self, visitor_id: &str, user_id: i32) -> AppResult<u64> {
        let result = uploads::Entity::update_many()
            .col_expr(uploads::Column::OwnerUserId, Expr::value(user_id))
            .col_expr(
                uploads::Column::ExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(uploads::Column::OwnerUserId.is_null())
            .filter(uploads::Column::VisitorId.eq(visitor_id))
            .filter(
                Condition::any()
                    .add(uploads::Column::ExpiresAt.is_null())
                    .add(uploads::Column::ExpiresAt.gt(Utc::now())),
            )
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}
