//! `panelmerge seed-scale` (hidden; only in builds with the `test-support` feature): fills the
//! configured database with years of data for the scale benchmarks (issue 18, `load scale`):
//! users, saved panels (some with many versions) and audit rows up to a total.
//!
//! Users are inserted in bulk with one password hash (`SEED_PASSWORD`); saved panels go
//! through the saved-panel services (so versions, snapshots, changes and their audit rows are
//! exactly what the server writes); the remaining audit rows are written in bulk, sealed and
//! hash-chained exactly like live rows ([`crate::services::audit::Audit::write_many`]), so
//! `panelmerge audit verify` passes afterwards.

use std::process::ExitCode;

use chrono::{Duration, Utc};
use entity::user;
use sea_orm::ActiveValue::Set;
use sea_orm::{EntityTrait, PaginatorTrait};
use shared::AuditResourceKind;
use shared::saved::SavedGene;
use shared::{AuditAction, GeneSymbol, PanelStatus, Role, Visibility};

use crate::auth::Principal;
use crate::config::Settings;
use crate::db::int;
use crate::saved::versions::NewPanel;
use crate::saved::{Edit, PanelMeta};
use crate::services::accounts::new_user_row;
use crate::services::audit::{AuditOrigin, AuditRecord};
use crate::state::AppState;

/// The password of every seeded account.
pub const SEED_PASSWORD: &str = "scale seed password 1234";

#[derive(clap::Args, Debug)]
pub struct SeedArgs {
    /// Accounts (`scale-user-N`; `scale-user-1` is an admin).
    #[arg(long, default_value_t = 1000)]
    pub users: u32,
    /// Saved panels, spread over the accounts.
    #[arg(long, default_value_t = 10_000)]
    pub panels: u32,
    /// How many of the panels get more versions ...
    #[arg(long, default_value_t = 100)]
    pub versioned: u32,
    /// ... and how many versions each then has.
    #[arg(long, default_value_t = 50)]
    pub versions: u32,
    /// Audit rows in the table once seeded (the panels' own rows count).
    #[arg(long, default_value_t = 1_000_000)]
    pub audit: u64,
}

/// Actions of the seeded trail, in the proportions a busy site has.
const ACTIONS: [AuditAction; 10] = [
    AuditAction::Login,
    AuditAction::Login,
    AuditAction::Search,
    AuditAction::Search,
    AuditAction::View,
    AuditAction::PanelList,
    AuditAction::PanelDownload,
    AuditAction::PanelUpdate,
    AuditAction::Logout,
    AuditAction::ApiAccess,
];

pub async fn run(settings: Settings, args: SeedArgs) -> anyhow::Result<ExitCode> {
    let state = AppState::connect(settings).await?;
    let started = std::time::Instant::now();
    let users = seed_users(&state, args.users).await?;
    println!(
        "users: {} ({:.1} s)",
        users.len(),
        started.elapsed().as_secs_f64()
    );
    seed_panels(&state, &users, &args).await?;
    println!(
        "saved panels: {} ({:.1} s)",
        args.panels,
        started.elapsed().as_secs_f64()
    );
    let written = seed_audit(&state, &users, args.audit).await?;
    println!(
        "audit rows: {written} added ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    crate::db::analyze_after_bulk_load(&state.db).await?;
    Ok(ExitCode::SUCCESS)
}

async fn seed_users(state: &AppState, count: u32) -> anyhow::Result<Vec<user::Model>> {
    let hash = state
        .passwords
        .hash(SEED_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    let now = Utc::now();
    let rows: Vec<user::ActiveModel> = (1..=count)
        .map(|n| {
            let role = match n {
                1 => Role::Admin,
                n if n % 10 == 0 => Role::Editor,
                _ => Role::User,
            };
            user::ActiveModel {
                is_verified: Set(true),
                ..new_user_row(
                    format!("scale-user-{n}"),
                    format!("scale-user-{n}@example.org"),
                    hash.clone(),
                    role,
                    now,
                )
            }
        })
        .collect();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        user::Entity::insert_many(chunk).exec(&txn).await?;
    }
    txn.commit().await?;
    let all = user::Entity::find().all(&state.db).await?;
    Ok(all
        .into_iter()
        .filter(|u| u.username.starts_with("scale-user-"))
        .collect())
}

fn genes(seed: u32, count: u32) -> Vec<SavedGene> {
    (0..count)
        .filter_map(|i| GeneSymbol::parse(&format!("SG{}", (seed * 7 + i * 13) % 20_000)).ok())
        .map(SavedGene::new)
        .collect()
}

async fn seed_panels(
    state: &AppState,
    users: &[user::Model],
    args: &SeedArgs,
) -> anyhow::Result<()> {
    let describe = |e: crate::error::AppError| anyhow::anyhow!(e.describe());
    for n in 0..args.panels {
        let owner = &users[n as usize % users.len()];
        // The operator seeds as each account, with its own rights.
        let principal = Principal::command_line_as(owner);
        let visibility = match n % 5 {
            0 => Visibility::Public,
            1 => Visibility::Shared,
            _ => Visibility::Private,
        };
        let status = match n % 20 {
            0 => PanelStatus::Archived,
            1 => PanelStatus::Draft,
            _ => PanelStatus::Active,
        };
        let new = NewPanel {
            meta: PanelMeta {
                name: format!("Scale panel {n}"),
                description: Some(format!("Seeded panel {n} for the scale benchmarks")),
                tags: vec![format!("tag{}", n % 50), "scale".to_owned()],
                visibility,
                status,
            },
            genes: genes(n, 20 + n % 80),
            source_type: shared::SavedPanelSourceType::Manual,
            sources: serde_json::json!([]),
            version_sources: Vec::new(),
        };
        let panel = state
            .saved
            .create_version(&principal, owner.id, new)
            .await
            .map_err(describe)?;
        if n < args.versioned {
            for v in 1..args.versions {
                let edit = Edit {
                    based_on: int(v),
                    comment: Some(format!("seeded version {}", v + 1)),
                    add: GeneSymbol::parse(&format!("SGV{n}V{v}"))
                        .map(SavedGene::new)
                        .into_iter()
                        .collect(),
                    remove: Vec::new(),
                    update: Vec::new(),
                    name: None,
                    description: None,
                    tags: None,
                    visibility: None,
                };
                state
                    .saved
                    .edit(&principal, panel.id, edit)
                    .await
                    .map_err(describe)?;
            }
        }
        if (n + 1).is_multiple_of(1000) {
            println!("  {} panels", n + 1);
        }
    }
    Ok(())
}

/// Adds audit rows until the table holds `total`, spread over the last three years (oldest
/// first: among the seeded rows, ids and timestamps rise together as they do live).
async fn seed_audit(state: &AppState, users: &[user::Model], total: u64) -> anyhow::Result<u64> {
    let held = entity::audit_log::Entity::find().count(&state.db).await?;
    let missing = total.saturating_sub(held);
    let span = Duration::days(3 * 365);
    let step_us = span.num_microseconds().unwrap_or(1) / i64::try_from(missing.max(1)).unwrap_or(1);
    let start = Utc::now() - span;
    const PER_TRANSACTION: u64 = 10_000;
    let mut written = 0u64;
    while written < missing {
        let batch = PER_TRANSACTION.min(missing - written);
        let rows: Vec<(AuditOrigin, AuditRecord)> = (written..written + batch)
            .map(|i| {
                let user = &users[(i as usize * 7919) % users.len()];
                let action = ACTIONS[(i % ACTIONS.len() as u64) as usize];
                let mut record = AuditRecord::new(action, format!("seeded {}", action.as_str()))
                    .resource(AuditResourceKind::SavedPanel, (i % 10_000) + 1)
                    .details(serde_json::json!({ "seeded": i }));
                if i % 10 == 9 {
                    record = record.failed("seeded failure");
                }
                record.at =
                    Some(start + Duration::microseconds(step_us * i64::try_from(i).unwrap_or(0)));
                let origin = AuditOrigin {
                    user_id: Some(user.id),
                    username: Some(user.username.clone()),
                    ip: Some(format!("10.0.{}.{}", (i / 250) % 250, i % 250)),
                    user_agent: Some("seed-scale".to_owned()),
                    session_id: None,
                };
                (origin, record)
            })
            .collect();
        let txn = crate::db::begin_write(&state.db).await?;
        state
            .audit
            .write_many(&txn, &rows)
            .await
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
        txn.commit().await?;
        written += batch;
        if written.is_multiple_of(100_000) {
            println!("  {written} audit rows");
        }
    }
    Ok(written)
}
