//! `panelmerge import-flask`: moves a Flask PanelMerge (v1.4, v1.4.1, v1.5) database into this
//! one — users with their Werkzeug hashes and decrypted-then-re-encrypted profiles, admin
//! messages, the whole audit log, the download log, saved panels with versions, genes,
//! changes and shares — in one transaction, with a ledger (`flask_import_rows`) so a re-run
//! imports nothing twice, and `--verify` to compare source and target.

pub mod cli;
pub mod fernet;
pub mod source;
mod verify;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{
    admin_message, panel_changes, panel_download, panel_genes, panel_shares, panel_versions,
    saved_panels, user,
};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, FromQueryResult, QueryFilter,
};
use serde_json::{Value, json};
use shared::AuditResourceKind;
use shared::saved::{SavedGene, canonical};
use shared::{
    AuditAction, ChangeType, Confidence, GeneSymbol, HgncId, MessageType, PanelStatus, Role,
    SavedPanelSourceType, SharePermission, TimeFormat, Visibility,
};

use self::fernet::FernetKey;
use self::source::{Row, Source};
use crate::auth::Principal;
use crate::crypto::Binding;
use crate::db::int;
use crate::services::accounts::new_user_row;
use crate::services::audit::{AuditOrigin, AuditRecord};
use crate::state::AppState;

pub use verify::verify;

/// What `import-flask` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub from: String,
    pub key: Option<String>,
    pub zone: Tz,
    pub dry_run: bool,
}

/// Rows per table imported, already present (earlier run), and what was left out and why.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub imported: BTreeMap<&'static str, usize>,
    pub already: BTreeMap<&'static str, usize>,
    pub source_counts: BTreeMap<String, Option<i64>>,
    pub notes: Vec<String>,
}

impl Report {
    fn add(&mut self, table: &'static str) {
        *self.imported.entry(table).or_default() += 1;
    }
    fn skip_existing(&mut self, table: &'static str) {
        *self.already.entry(table).or_default() += 1;
    }
    pub fn total(&self) -> usize {
        self.imported.values().sum()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "rows per table (source → imported now, already imported earlier):"
        )?;
        for table in TABLES {
            let src = self.source_counts.get(*table).copied().flatten();
            let src = src.map_or_else(|| "absent".to_owned(), |n| n.to_string());
            writeln!(
                f,
                "  {table:<22} source {src:>6}   imported {:>6}   already {:>6}",
                self.imported.get(table).copied().unwrap_or(0),
                self.already.get(table).copied().unwrap_or(0)
            )?;
        }
        if !self.notes.is_empty() {
            writeln!(f, "not imported, or imported differently:")?;
            for n in &self.notes {
                writeln!(f, "  - {n}")?;
            }
        }
        Ok(())
    }
}

/// The Flask tables imported, in order.
pub const TABLES: &[&str] = &[
    "user",
    "admin_message",
    "saved_panels",
    "panel_versions",
    "panel_genes",
    "panel_changes",
    "panel_shares",
    "panel_download",
    "audit_log",
];

/// Flask tables with no counterpart here: named in the report with their row counts.
const NOT_IMPORTED: &[(&str, &str)] = &[
    (
        "visit",
        "per-request visit log; PanelMerge keeps request logs in its log files, not the database",
    ),
    (
        "password_history",
        "PanelMerge does not keep old password hashes",
    ),
    (
        "password_reset_tokens",
        "reset links of the Flask app are signed with its SECRET_KEY and would not work here",
    ),
    (
        "suspicious_activity",
        "the same events are in the imported audit log (PASSWORD_RESET / SUSPICIOUS_ACTIVITY rows)",
    ),
    (
        "panel_version_tags",
        "PanelMerge has no version tags; each tag is listed",
    ),
    ("panel_retention_policies", "PanelMerge keeps every version"),
    ("panel_version_branches", "no branches in PanelMerge"),
    ("panel_version_metadata", "no counterpart"),
    (
        "export_templates",
        "Flask templates (format, metadata and version switches, filename pattern) do not map onto PanelMerge's (columns, rating filters); recreate them under /templates",
    ),
    (
        "knowhow_articles",
        "the KnowHow knowledge base is not part of PanelMerge",
    ),
    ("knowhow_categories", "KnowHow"),
    ("knowhow_subcategories", "KnowHow"),
    ("knowhow_tags", "KnowHow"),
    ("knowhow_article_tags", "KnowHow"),
    ("knowhow_links", "KnowHow"),
    ("knowhow_bookmarks", "KnowHow"),
    ("knowhow_reactions", "KnowHow"),
    ("knowhow_last_visits", "KnowHow"),
    (
        "literature_articles",
        "the literature review module is not part of PanelMerge",
    ),
    ("literature_searches", "literature review"),
    ("litreview_article_categories", "literature review"),
    ("litreview_review_sessions", "literature review"),
    ("search_results", "literature review"),
    ("user_article_actions", "literature review"),
];

const LEDGER: &str = "flask_import_rows";

#[derive(FromQueryResult)]
struct LedgerRow {
    source_table: String,
    source_id: String,
    target_id: Option<i32>,
}

/// source table → (source id → target id).
pub type Ledger = HashMap<String, HashMap<i64, i32>>;

pub async fn load_ledger(conn: &impl ConnectionTrait) -> anyhow::Result<Ledger> {
    let select = Query::select()
        .columns(["source_table", "source_id", "target_id"].map(Alias::new))
        .from(Alias::new(LEDGER))
        .to_owned();
    let rows = LedgerRow::find_by_statement(conn.get_database_backend().build(&select))
        .all(conn)
        .await?;
    let mut ledger = Ledger::new();
    for r in rows {
        if let (Ok(id), Some(target)) = (r.source_id.parse::<i64>(), r.target_id) {
            ledger.entry(r.source_table).or_default().insert(id, target);
        }
    }
    Ok(ledger)
}

async fn remember(
    txn: &DatabaseTransaction,
    ledger: &mut Ledger,
    table: &str,
    source_id: i64,
    target_id: i32,
) -> anyhow::Result<()> {
    let insert = Query::insert()
        .into_table(Alias::new(LEDGER))
        .columns(["source_table", "source_id", "target_id"].map(Alias::new))
        .values_panic([table.into(), source_id.to_string().into(), target_id.into()])
        .to_owned();
    txn.execute(&insert).await?;
    ledger
        .entry(table.to_owned())
        .or_default()
        .insert(source_id, target_id);
    Ok(())
}

struct Ctx<'a> {
    state: &'a AppState,
    txn: DatabaseTransaction,
    ledger: Ledger,
    key: Option<FernetKey>,
    zone: Tz,
    report: Report,
}

impl Ctx<'_> {
    fn done(&self, table: &str, id: i64) -> bool {
        self.ledger.get(table).is_some_and(|m| m.contains_key(&id))
    }

    /// The target id of a referenced source row; a reference to a row the source does not
    /// hold is an error naming the referring row.
    fn map(&self, row: &Row, col: &str, table: &str) -> anyhow::Result<Option<i32>> {
        let Some(id) = row.int(col)? else {
            return Ok(None);
        };
        self.ledger
            .get(table)
            .and_then(|m| m.get(&id))
            .copied()
            .map(Some)
            .ok_or_else(|| {
                row.err(format!(
                    "{col} = {id} refers to {table} row {id}, which the source does not hold \
                     (truncated or damaged table?)"
                ))
            })
    }

    fn req_map(&self, row: &Row, col: &str, table: &str) -> anyhow::Result<i32> {
        self.map(row, col, table)?
            .ok_or_else(|| row.err(format!("{col} is NULL")))
    }

    /// Decrypts a Flask Fernet column; None stays None.
    fn decrypt(&self, row: &Row, col: &str) -> anyhow::Result<Option<String>> {
        let Some(stored) = row.text(col) else {
            return Ok(None);
        };
        let key = self.key.as_ref().ok_or_else(|| {
            row.err(format!(
                "{col} is encrypted; give the Flask key with --flask-encryption-key \
                 (the Flask ENCRYPTION_MASTER_KEY)"
            ))
        })?;
        key.decrypt_stored(stored)
            .map(Some)
            .map_err(|e| row.err(format!("{col}: bad Fernet token: {e}")))
    }

    fn time(&self, row: &Row, col: &str) -> anyhow::Result<Option<DateTime<Utc>>> {
        row.time(col, self.zone)
    }

    fn req_time(&self, row: &Row, col: &str) -> anyhow::Result<DateTime<Utc>> {
        self.time(row, col)?
            .ok_or_else(|| row.err(format!("{col} is NULL")))
    }

    fn seal(&self, plain: Option<&str>, binding: Binding<'_>) -> anyhow::Result<Option<String>> {
        self.state
            .crypto
            .encrypt_opt(plain, binding)
            .map_err(|e| anyhow::anyhow!("encrypting {}.{}: {e}", binding.table, binding.column))
    }
}

fn parse_enum<T: std::str::FromStr>(row: &Row, col: &str) -> anyhow::Result<T> {
    let raw = row.req(col)?;
    raw.trim()
        .to_ascii_uppercase()
        .parse::<T>()
        .map_err(|_| row.err(format!("{col} = {raw:?} is not a known value")))
}

/// The Flask database and its encryption key, as `options` name them.
pub(super) async fn open_source(options: &Options) -> anyhow::Result<(Source, Option<FernetKey>)> {
    let source = Source::open(&options.from).await?;
    let key = options
        .key
        .as_deref()
        .map(FernetKey::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok((source, key))
}

/// Imports (or, with `dry_run`, rehearses and rolls back) the whole source. On any error
/// nothing is written.
pub async fn run(state: &AppState, options: &Options) -> anyhow::Result<Report> {
    let (source, key) = open_source(options).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let ledger = load_ledger(&txn).await?;
    let mut ctx = Ctx {
        state,
        txn,
        ledger,
        key,
        zone: options.zone,
        report: Report::default(),
    };
    for table in TABLES {
        let n = source.count(table).await?;
        ctx.report.source_counts.insert((*table).to_owned(), n);
        if n.is_none() {
            ctx.report.notes.push(format!(
                "source table {table} does not exist (older Flask version); nothing to import"
            ));
        }
    }
    users(&mut ctx, &source).await?;
    messages(&mut ctx, &source).await?;
    panels(&mut ctx, &source).await?;
    downloads(&mut ctx, &source).await?;
    audit(&mut ctx, &source).await?;
    for (table, why) in NOT_IMPORTED {
        if let Some(n) = source.count(table).await?
            && n > 0
        {
            ctx.report
                .notes
                .push(format!("{table}: {n} row(s) not imported — {why}"));
        }
    }
    version_tags(&mut ctx, &source).await?;
    let Ctx { txn, report, .. } = ctx;
    if options.dry_run || report.total() == 0 {
        // A dry run, or a re-run with nothing new: leave the target exactly as it was.
        txn.rollback().await?;
        return Ok(report);
    }
    let record = AuditRecord::new(
        AuditAction::AdminAction,
        format!(
            "Flask database imported from {}: {} row(s)",
            source.url_shown,
            report.total()
        ),
    )
    .resource(AuditResourceKind::FlaskImport, source.url_shown.clone())
    .details(json!({
        "imported": report.imported,
        "alreadyImported": report.already,
        "notes": report.notes,
        "timezone": options.zone.name(),
    }));
    state
        .audit
        .commit(txn, &Principal::system("import-flask"), record)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    Ok(report)
}

const USER_COLS: &[&str] = &[
    "username",
    "email",
    "password_hash",
    "first_name_encrypted",
    "last_name_encrypted",
    "organization_encrypted",
    "role",
    "is_active",
    "is_verified",
    "created_at",
    "last_login",
    "login_count",
    "pending_email",
    "failed_login_attempts",
    "locked_until",
    "force_password_change",
    "temp_password_expires_at",
    "failed_reset_attempts",
    "reset_locked_until",
    "timezone_preference",
    "time_format_preference",
];

async fn users(ctx: &mut Ctx<'_>, source: &Source) -> anyhow::Result<()> {
    let Some(rows) = source.rows("user", USER_COLS).await? else {
        anyhow::bail!("the source has no user table: is it a PanelMerge Flask database?");
    };
    for row in rows {
        if ctx.done("user", row.id) {
            ctx.report.skip_existing("user");
            continue;
        }
        let username = row.req("username")?.to_owned();
        let email = row.req("email")?.to_owned();
        let exists = user::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(user::Column::Username.eq(username.clone()))
                    .add(user::Column::Email.eq(email.clone())),
            )
            .one(&ctx.txn)
            .await?;
        if exists.is_some() {
            return Err(row.err(format!(
                "a user named {username:?} or with e-mail {email:?} already exists here \
                 (not from an earlier import); rename or remove it first"
            )));
        }
        let first = ctx.decrypt(&row, "first_name_encrypted")?;
        let last = ctx.decrypt(&row, "last_name_encrypted")?;
        let org = ctx.decrypt(&row, "organization_encrypted")?;
        let role: Role = parse_enum(&row, "role")?;
        let tz = match row
            .text("timezone_preference")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => {
                ctx.report.notes.push(format!(
                    "user {username}: time zone NULL (\"browser default\" in Flask) imported as UTC"
                ));
                "UTC".to_owned()
            }
            Some(t) => crate::services::accounts::parse_timezone(t)
                .map_err(|e| row.err(format!("timezone_preference: {}", e.message)))?,
        };
        let time_format = match row.text("time_format_preference") {
            None => TimeFormat::H24,
            Some(t) => t
                .parse::<TimeFormat>()
                .map_err(|_| row.err(format!("time_format_preference = {t:?}")))?,
        };
        let created = ctx.req_time(&row, "created_at")?;
        let active = row.bool("is_active")?.unwrap_or(true);
        let force = row.bool("force_password_change")?.unwrap_or(false);
        let locked_until = ctx.time(&row, "locked_until")?;
        let model = user::ActiveModel {
            is_active: Set(active),
            is_verified: Set(row.bool("is_verified")?.unwrap_or(false)),
            login_count: Set(row.int32("login_count")?.unwrap_or(0)),
            last_login: Set(ctx.time(&row, "last_login")?),
            failed_login_attempts: Set(row.int32("failed_login_attempts")?.unwrap_or(0)),
            locked_until: Set(locked_until),
            timezone_preference: Set(tz),
            time_format_preference: Set(time_format),
            must_change_password: Set(force),
            // Flask kept no date of the last password change.
            password_changed_at: Set(None),
            ..new_user_row(
                username.clone(),
                email.clone(),
                row.req("password_hash")?.to_owned(),
                role,
                created,
            )
        }
        .insert(&ctx.txn)
        .await
        .map_err(|e| row.err(format!("insert: {e}")))?;
        let id = model.id.to_string();
        let bind = |column| Binding {
            table: "user",
            column,
            row: &id,
        };
        let mut update: user::ActiveModel = model.clone().into();
        update.first_name = Set(ctx.seal(first.as_deref(), bind("first_name"))?);
        update.last_name = Set(ctx.seal(last.as_deref(), bind("last_name"))?);
        update.organization = Set(ctx.seal(org.as_deref(), bind("organization"))?);
        update.update(&ctx.txn).await?;
        remember(&ctx.txn, &mut ctx.ledger, "user", row.id, model.id).await?;
        ctx.report.add("user");
        if force {
            let until = row.text("temp_password_expires_at").unwrap_or("no expiry");
            ctx.report.notes.push(format!(
                "user {username}: admin-set temporary password pending (Flask expiry {until}); \
                 imported as \"must change password\" — the Flask expiry date is not kept"
            ));
        }
        if let Some(until) = row.text("reset_locked_until") {
            ctx.report.notes.push(format!(
                "user {username}: Flask password-reset lockout until {until} ({} failed reset \
                 attempts) not imported — PanelMerge has no reset lockout; logins were never \
                 affected by it",
                row.text("failed_reset_attempts").unwrap_or("?")
            ));
        }
        if let Some(pending) = row.text("pending_email") {
            ctx.report.notes.push(format!(
                "user {username}: pending e-mail change to {pending} not imported (the Flask link can not be confirmed here)"
            ));
        }
        if !active {
            ctx.report.notes.push(format!(
                "user {username}: deactivated in Flask; imported deactivated (date unknown)"
            ));
        }
    }
    Ok(())
}

async fn messages(ctx: &mut Ctx<'_>, source: &Source) -> anyhow::Result<()> {
    let cols = &[
        "title",
        "message",
        "message_type",
        "created_by_id",
        "created_at",
        "expires_at",
        "is_active",
    ];
    let Some(rows) = source.rows("admin_message", cols).await? else {
        return Ok(());
    };
    for row in rows {
        if ctx.done("admin_message", row.id) {
            ctx.report.skip_existing("admin_message");
            continue;
        }
        let created = ctx.req_time(&row, "created_at")?;
        let model = admin_message::ActiveModel {
            title: Set(row.req("title")?.to_owned()),
            message: Set(row.req("message")?.to_owned()),
            message_type: Set(parse_enum::<MessageType>(&row, "message_type")?),
            is_active: Set(row.bool("is_active")?.unwrap_or(true)),
            created_by_id: Set(ctx.map(&row, "created_by_id", "user")?),
            created_at: Set(created),
            updated_at: Set(created),
            expires_at: Set(ctx.time(&row, "expires_at")?),
            ..Default::default()
        }
        .insert(&ctx.txn)
        .await
        .map_err(|e| row.err(format!("insert: {e}")))?;
        remember(&ctx.txn, &mut ctx.ledger, "admin_message", row.id, model.id).await?;
        ctx.report.add("admin_message");
    }
    Ok(())
}

/// Flask tags: "a,b,c" (or PostgreSQL's array literal "{a,b}", MANIFEST quirk 4) → our JSON list.
fn flask_tags(raw: Option<&str>) -> Vec<String> {
    let Some(raw) = raw else { return Vec::new() };
    let raw = raw.trim();
    let inner = raw
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(raw);
    let mut tags: Vec<String> = inner
        .split(',')
        .map(|t| t.trim().trim_matches('"').to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    tags.dedup();
    tags
}

fn split(raw: Option<&str>) -> Vec<String> {
    raw.map(|r| {
        r.split("; ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

fn nonempty(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The snapshot form of one Flask `panel_genes` row.
fn saved_gene(row: &Row) -> anyhow::Result<SavedGene> {
    let symbol = row.req("gene_symbol")?;
    let mut gene = SavedGene::new(
        GeneSymbol::parse(symbol).map_err(|e| row.err(format!("gene_symbol {symbol:?}: {e}")))?,
    );
    gene.gene_name = nonempty(row.text("gene_name"));
    gene.hgnc_id = row.text("hgnc_id").and_then(|h| HgncId::parse(h).ok());
    gene.confidence = row
        .text("confidence_level")
        .and_then(|c| Confidence::from_panelapp(c).ok());
    gene.custom_confidence = row.text("custom_confidence").and_then(|c| {
        Confidence::from_panelapp(c)
            .ok()
            .or_else(|| c.trim().to_ascii_uppercase().parse().ok())
    });
    gene.mode_of_inheritance = nonempty(row.text("mode_of_inheritance"));
    gene.phenotypes = split(row.text("phenotype"));
    gene.evidence = split(row.text("evidence_level"));
    gene.sources = split(row.text("source_panel_id"));
    gene.notes = nonempty(row.text("user_notes"));
    Ok(gene)
}

const GENE_COLS: &[&str] = &[
    "panel_id",
    "gene_symbol",
    "gene_name",
    "ensembl_id",
    "hgnc_id",
    "confidence_level",
    "mode_of_inheritance",
    "phenotype",
    "evidence_level",
    "source_panel_id",
    "source_list_type",
    "is_active",
    "added_by_id",
    "added_at",
    "user_notes",
    "custom_confidence",
    "is_modified",
];

async fn panels(ctx: &mut Ctx<'_>, source: &Source) -> anyhow::Result<()> {
    let panel_cols = &[
        "name",
        "description",
        "tags",
        "owner_id",
        "status",
        "visibility",
        "gene_count",
        "source_type",
        "source_reference",
        "current_version_id",
        "version_count",
        "created_at",
        "updated_at",
        "last_accessed_at",
    ];
    let Some(panels) = source.rows("saved_panels", panel_cols).await? else {
        return Ok(());
    };
    let version_cols = &[
        "panel_id",
        "version_number",
        "comment",
        "created_by_id",
        "created_at",
        "gene_count",
        "changes_summary",
        "storage_path",
        "is_protected",
        "retention_priority",
    ];
    let versions = source
        .rows("panel_versions", version_cols)
        .await?
        .unwrap_or_default();
    let genes = source
        .rows("panel_genes", GENE_COLS)
        .await?
        .unwrap_or_default();
    let panel_ids: HashSet<i64> = panels.iter().map(|p| p.id).collect();
    let version_ids: HashSet<i64> = versions.iter().map(|v| v.id).collect();
    for v in &versions {
        let p = v.int("panel_id")?.unwrap_or_default();
        if !panel_ids.contains(&p) {
            return Err(v.err(format!(
                "panel_id {p} is not in saved_panels (truncated table?)"
            )));
        }
    }
    for g in &genes {
        let p = g.int("panel_id")?.unwrap_or_default();
        if !panel_ids.contains(&p) {
            return Err(g.err(format!(
                "panel_id {p} is not in saved_panels (truncated table?)"
            )));
        }
    }
    let mut ensembl = 0usize;
    for panel in &panels {
        if let Some(cv) = panel.int("current_version_id")?
            && !version_ids.contains(&cv)
        {
            return Err(panel.err(format!(
                "current_version_id {cv} is not in panel_versions (truncated table?)"
            )));
        }
        let mut pversions: Vec<&Row> = versions
            .iter()
            .filter(|v| v.int("panel_id").ok().flatten() == Some(panel.id))
            .collect();
        pversions.sort_by_key(|v| v.int("version_number").ok().flatten());
        let pgenes: Vec<&Row> = genes
            .iter()
            .filter(|g| g.int("panel_id").ok().flatten() == Some(panel.id))
            .collect();
        if ctx.done("saved_panels", panel.id) {
            ctx.report.skip_existing("saved_panels");
            for (table, rows) in [("panel_versions", &pversions), ("panel_genes", &pgenes)] {
                for r in rows.iter() {
                    if ctx.done(table, r.id) {
                        ctx.report.skip_existing(table);
                    } else {
                        ctx.report.notes.push(format!(
                            "{table} row {}: added in Flask after panel {name:?} was imported; \
                             not imported (re-import into an empty database to take it)",
                            r.id,
                            name = panel.text("name").unwrap_or("?")
                        ));
                    }
                }
            }
            continue;
        }
        let name = panel.req("name")?.to_owned();
        let owner = ctx.req_map(panel, "owner_id", "user")?;
        let created = ctx.req_time(panel, "created_at")?;
        let current_number = match panel.int("current_version_id")? {
            Some(cv) => versions
                .iter()
                .find(|v| v.id == cv)
                .and_then(|v| v.int32("version_number").ok().flatten())
                .unwrap_or(1),
            None => pversions
                .last()
                .and_then(|v| v.int32("version_number").ok().flatten())
                .unwrap_or(1),
        };
        let tags = flask_tags(panel.text("tags"));
        let model = saved_panels::ActiveModel {
            name: Set(name.clone()),
            description: Set(panel.text("description").map(str::to_owned)),
            owner_id: Set(owner),
            status: Set(parse_enum::<PanelStatus>(panel, "status")?),
            visibility: Set(parse_enum::<Visibility>(panel, "visibility")?),
            current_version: Set(current_number),
            version_count: Set(panel
                .int32("version_count")?
                .unwrap_or(int(pversions.len()))),
            gene_count: Set(panel.int32("gene_count")?.unwrap_or(0)),
            source_type: Set(panel
                .text("source_type")
                .map(SavedPanelSourceType::from_stored)),
            source_reference: Set(panel.text("source_reference").map(str::to_owned)),
            tags: Set(Some(serde_json::to_string(&tags)?)),
            created_at: Set(created),
            updated_at: Set(ctx.time(panel, "updated_at")?.unwrap_or(created)),
            last_accessed_at: Set(ctx.time(panel, "last_accessed_at")?),
            ..Default::default()
        }
        .insert(&ctx.txn)
        .await
        .map_err(|e| panel.err(format!("insert: {e}")))?;
        remember(
            &ctx.txn,
            &mut ctx.ledger,
            "saved_panels",
            panel.id,
            model.id,
        )
        .await?;
        ctx.report.add("saved_panels");

        // Versions: Flask keeps no per-version gene list, only the current genes with the
        // time each was added. A version's list is rebuilt as the current genes added by
        // its time; when that gives the version's recorded gene count it is stored as the
        // version's snapshot (annotations as they are now), otherwise the version keeps no
        // snapshot and the report says so.
        let current: Vec<(DateTime<Utc>, SavedGene)> = pgenes
            .iter()
            .map(|g| Ok((ctx.req_time(g, "added_at")?, saved_gene(g)?)))
            .collect::<anyhow::Result<_>>()?;
        let last_number = pversions
            .last()
            .and_then(|v| v.int32("version_number").ok().flatten());
        let mut unrebuilt = Vec::new();
        for v in &pversions {
            let number = v
                .int32("version_number")?
                .ok_or_else(|| v.err("version_number is NULL"))?;
            let at = ctx.req_time(v, "created_at")?;
            let count = v.int32("gene_count")?;
            let list: Vec<SavedGene> = if Some(number) == last_number {
                current.iter().map(|(_, g)| g.clone()).collect()
            } else {
                current
                    .iter()
                    .filter(|(added, _)| *added <= at)
                    .map(|(_, g)| g.clone())
                    .collect()
            };
            let list = canonical(&list);
            let exact = count.is_none_or(|c| usize::try_from(c).ok() == Some(list.len()));
            let (snapshot, hash) = if exact {
                let (blob, hash) = crate::saved::snapshot::encode(&list)
                    .map_err(|e| anyhow::anyhow!(e.describe()))?;
                (Some(blob), Some(hash))
            } else {
                unrebuilt.push(format!("v{number} ({} genes)", count.unwrap_or(0)));
                (None, None)
            };
            let vmodel = panel_versions::ActiveModel {
                panel_id: Set(model.id),
                version_number: Set(number),
                comment: Set(v.text("comment").map(str::to_owned)),
                created_by_id: Set(ctx.map(v, "created_by_id", "user")?),
                created_at: Set(at),
                gene_count: Set(count.unwrap_or(int(list.len()))),
                changes_summary: Set(v.text("changes_summary").map(str::to_owned)),
                is_protected: Set(v.bool("is_protected")?.unwrap_or(false)),
                retention_priority: Set(v.int32("retention_priority")?.unwrap_or(0)),
                snapshot: Set(snapshot),
                snapshot_hash: Set(hash),
                snapshot_format: Set(crate::saved::snapshot::FORMAT),
                ..Default::default()
            }
            .insert(&ctx.txn)
            .await
            .map_err(|e| v.err(format!("insert: {e}")))?;
            remember(&ctx.txn, &mut ctx.ledger, "panel_versions", v.id, vmodel.id).await?;
            ctx.report.add("panel_versions");
            if let Some(path) = v.text("storage_path") {
                ctx.report.notes.push(format!(
                    "panel {name:?} v{number}: Flask storage_path {path:?} (a version tag written \
                     by the Flask restore) not imported — PanelMerge has no version tags"
                ));
            }
        }
        if !unrebuilt.is_empty() {
            ctx.report.notes.push(format!(
                "panel {name:?}: the exact gene list of {} can not be rebuilt (Flask keeps only \
                 the current genes, and genes removed since are gone); those versions are \
                 imported without a gene list",
                unrebuilt.join(", ")
            ));
        }
        // Current genes, verbatim.
        for g in &pgenes {
            if g.text("ensembl_id").is_some_and(|e| !e.is_empty()) {
                ensembl += 1;
            }
            let added = ctx.req_time(g, "added_at")?;
            let gmodel = panel_genes::ActiveModel {
                panel_id: Set(model.id),
                gene_symbol: Set(g.req("gene_symbol")?.to_owned()),
                gene_name: Set(g.text("gene_name").map(str::to_owned)),
                hgnc_id: Set(g.text("hgnc_id").map(str::to_owned)),
                confidence_level: Set(g.text("confidence_level").map(str::to_owned)),
                mode_of_inheritance: Set(g.text("mode_of_inheritance").map(str::to_owned)),
                phenotype: Set(g.text("phenotype").map(str::to_owned)),
                evidence_level: Set(g.text("evidence_level").map(str::to_owned)),
                source_panel_id: Set(g.text("source_panel_id").map(str::to_owned)),
                source_list_type: Set(g.text("source_list_type").map(str::to_owned)),
                added_by_id: Set(ctx.map(g, "added_by_id", "user")?),
                added_at: Set(added),
                user_notes: Set(g.text("user_notes").map(str::to_owned)),
                custom_confidence: Set(g.text("custom_confidence").map(str::to_owned)),
                is_modified: Set(g.bool("is_modified")?.unwrap_or(false)),
                is_active: Set(g.bool("is_active")?.unwrap_or(true)),
                created_at: Set(added),
                updated_at: Set(added),
                ..Default::default()
            }
            .insert(&ctx.txn)
            .await
            .map_err(|e| g.err(format!("insert: {e}")))?;
            remember(&ctx.txn, &mut ctx.ledger, "panel_genes", g.id, gmodel.id).await?;
            ctx.report.add("panel_genes");
        }
    }
    if ensembl > 0 {
        ctx.report.notes.push(format!(
            "panel_genes.ensembl_id: {ensembl} value(s) not imported — PanelMerge stores genes by \
             symbol and HGNC id (exports look Ensembl ids up from PanelApp)"
        ));
    }
    changes(ctx, source).await?;
    shares(ctx, source).await
}

/// Flask version tags have no counterpart: each is named in the report.
async fn version_tags(ctx: &mut Ctx<'_>, source: &Source) -> anyhow::Result<()> {
    let cols = &["version_id", "tag_name", "tag_type", "is_protected"];
    let Some(rows) = source.rows("panel_version_tags", cols).await? else {
        return Ok(());
    };
    for row in rows {
        ctx.report.notes.push(format!(
            "panel_version_tags row {}: tag {:?} ({}) on Flask version id {} not imported \
             (the version itself is; protected = {})",
            row.id,
            row.text("tag_name").unwrap_or(""),
            row.text("tag_type").unwrap_or(""),
            row.text("version_id").unwrap_or("?"),
            row.text("is_protected").unwrap_or("?"),
        ));
    }
    Ok(())
}

async fn changes(ctx: &mut Ctx<'_>, source: &Source) -> anyhow::Result<()> {
    let cols = &[
        "panel_id",
        "version_id",
        "change_type",
        "target_type",
        "target_id",
        "old_value_encrypted",
        "new_value_encrypted",
        "changed_by_id",
        "changed_at",
        "change_reason",
    ];
    let Some(rows) = source.rows("panel_changes", cols).await? else {
        return Ok(());
    };
    for row in rows {
        if ctx.done("panel_changes", row.id) {
            ctx.report.skip_existing("panel_changes");
            continue;
        }
        let panel_id = ctx.req_map(&row, "panel_id", "saved_panels")?;
        let version_id = ctx.map(&row, "version_id", "panel_versions")?;
        let change_type: ChangeType = parse_enum(&row, "change_type")?;
        let target_type = row.text("target_type").unwrap_or("").to_owned();
        let target_id = row.text("target_id").unwrap_or("").to_owned();
        let old = ctx.decrypt(&row, "old_value_encrypted")?;
        let new = ctx.decrypt(&row, "new_value_encrypted")?;
        let key = crate::crypto::panel_change_row(
            panel_id,
            version_id,
            change_type.as_str(),
            &target_type,
            &target_id,
        );
        let bind = |column| Binding {
            table: "panel_changes",
            column,
            row: &key,
        };
        let at = ctx.req_time(&row, "changed_at")?;
        let model = panel_changes::ActiveModel {
            panel_id: Set(panel_id),
            version_id: Set(version_id),
            change_type: Set(change_type),
            target_type: Set(Some(target_type.clone())),
            target_id: Set(Some(target_id.clone())),
            old_value: Set(ctx.seal(old.as_deref(), bind("old_value"))?),
            new_value: Set(ctx.seal(new.as_deref(), bind("new_value"))?),
            change_reason: Set(row.text("change_reason").map(str::to_owned)),
            changed_by_id: Set(ctx.map(&row, "changed_by_id", "user")?),
            changed_at: Set(at),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&ctx.txn)
        .await
        .map_err(|e| row.err(format!("insert: {e}")))?;
        remember(&ctx.txn, &mut ctx.ledger, "panel_changes", row.id, model.id).await?;
        ctx.report.add("panel_changes");
    }
    Ok(())
}

async fn shares(ctx: &mut Ctx<'_>, source: &Source) -> anyhow::Result<()> {
    let cols = &[
        "panel_id",
        "shared_by_id",
        "shared_with_user_id",
        "shared_with_team_id",
        "permission_level",
        "can_reshare",
        "is_active",
        "expires_at",
        "created_at",
        "last_accessed_at",
        "share_token",
        "access_count",
    ];
    let Some(rows) = source.rows("panel_shares", cols).await? else {
        return Ok(());
    };
    for row in rows {
        if ctx.done("panel_shares", row.id) {
            ctx.report.skip_existing("panel_shares");
            continue;
        }
        if row.text("shared_with_team_id").is_some() {
            ctx.report.notes.push(format!(
                "panel_shares row {}: shared with Flask team {} — Flask has no teams table to \
                 import, so this share is not imported",
                row.id,
                row.text("shared_with_team_id").unwrap_or("?")
            ));
            continue;
        }
        let created = ctx.req_time(&row, "created_at")?;
        let model = panel_shares::ActiveModel {
            panel_id: Set(ctx.req_map(&row, "panel_id", "saved_panels")?),
            shared_by_id: Set(ctx.map(&row, "shared_by_id", "user")?),
            shared_with_user_id: Set(ctx.map(&row, "shared_with_user_id", "user")?),
            shared_with_team_id: Set(None),
            permission_level: Set(parse_enum::<SharePermission>(&row, "permission_level")?),
            can_reshare: Set(row.bool("can_reshare")?.unwrap_or(false)),
            // Stored as their digest, like every share token: imported links keep working.
            share_token: Set(row
                .text("share_token")
                .map(|token| ctx.state.saved.token_digest(token))),
            expires_at: Set(ctx.time(&row, "expires_at")?),
            access_count: Set(row.int32("access_count")?.unwrap_or(0)),
            last_accessed_at: Set(ctx.time(&row, "last_accessed_at")?),
            is_active: Set(row.bool("is_active")?.unwrap_or(true)),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        }
        .insert(&ctx.txn)
        .await
        .map_err(|e| row.err(format!("insert: {e}")))?;
        remember(&ctx.txn, &mut ctx.ledger, "panel_shares", row.id, model.id).await?;
        ctx.report.add("panel_shares");
    }
    Ok(())
}

async fn downloads(ctx: &mut Ctx<'_>, source: &Source) -> anyhow::Result<()> {
    let cols = &[
        "user_id",
        "ip_address",
        "download_date",
        "panel_ids",
        "list_types",
        "gene_count",
    ];
    let Some(rows) = source.rows("panel_download", cols).await? else {
        return Ok(());
    };
    for row in rows {
        if ctx.done("panel_download", row.id) {
            ctx.report.skip_existing("panel_download");
            continue;
        }
        let at = ctx.req_time(&row, "download_date")?;
        let model = panel_download::ActiveModel {
            user_id: Set(ctx.map(&row, "user_id", "user")?),
            ip_address: Set(row.text("ip_address").map(str::to_owned)),
            download_date: Set(at),
            panel_ids: Set(row.req("panel_ids")?.to_owned()),
            list_types: Set(row.req("list_types")?.to_owned()),
            gene_count: Set(row.int32("gene_count")?),
            format: Set(None),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&ctx.txn)
        .await
        .map_err(|e| row.err(format!("insert: {e}")))?;
        remember(
            &ctx.txn,
            &mut ctx.ledger,
            "panel_download",
            row.id,
            model.id,
        )
        .await?;
        ctx.report.add("panel_download");
    }
    Ok(())
}

/// Flask's AuditService JSON-encodes values before the model encrypts them: decode twice.
fn audit_json(ctx: &Ctx<'_>, row: &Row, col: &str) -> anyhow::Result<Option<Value>> {
    let Some(plain) = ctx.decrypt(row, col)? else {
        return Ok(None);
    };
    let once: Value = serde_json::from_str(&plain)
        .map_err(|e| row.err(format!("{col}: the decrypted value is not JSON: {e}")))?;
    Ok(Some(match once {
        Value::String(inner) => serde_json::from_str(&inner).unwrap_or(Value::String(inner)),
        other => other,
    }))
}

async fn audit(ctx: &mut Ctx<'_>, source: &Source) -> anyhow::Result<()> {
    let cols = &[
        "user_id",
        "username",
        "action_type",
        "action_description",
        "ip_address",
        "user_agent",
        "session_id",
        "resource_type",
        "resource_id",
        "old_values_encrypted",
        "new_values_encrypted",
        "details_encrypted",
        "timestamp",
        "success",
        "error_message",
        "duration_ms",
    ];
    let Some(rows) = source.rows("audit_log", cols).await? else {
        return Ok(());
    };
    for row in rows {
        if ctx.done("audit_log", row.id) {
            ctx.report.skip_existing("audit_log");
            continue;
        }
        let action: AuditAction = parse_enum(&row, "action_type")?;
        // The row keeps the Flask version's user, address and session.
        let origin = AuditOrigin {
            user_id: ctx.map(&row, "user_id", "user")?,
            username: row.text("username").map(str::to_owned),
            ip: row.text("ip_address").map(str::to_owned),
            user_agent: row.text("user_agent").map(str::to_owned),
            session_id: row.text("session_id").map(str::to_owned),
        };
        let mut record = AuditRecord::new(action, row.req("action_description")?);
        record.resource_type = row.text("resource_type").map(str::to_owned);
        record.resource_id = row.text("resource_id").map(str::to_owned);
        record.success = row.bool("success")?.unwrap_or(true);
        record.error_message = row.text("error_message").map(str::to_owned);
        record.details = audit_json(ctx, &row, "details_encrypted")?;
        record.old_values = audit_json(ctx, &row, "old_values_encrypted")?;
        record.new_values = audit_json(ctx, &row, "new_values_encrypted")?;
        record.duration_ms = row.int32("duration_ms")?;
        record.at = Some(ctx.req_time(&row, "timestamp")?);
        let event = ctx
            .state
            .audit
            .write_as(&ctx.txn, &origin, record)
            .await
            .map_err(|e| row.err(format!("insert: {}", e.describe())))?;
        remember(&ctx.txn, &mut ctx.ledger, "audit_log", row.id, event.id).await?;
        ctx.report.add("audit_log");
    }
    Ok(())
}
