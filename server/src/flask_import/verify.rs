//! `import-flask --verify`: compares the source with what the import wrote, table by table
//! (counts) and row by row (spot values), and lists every mismatch.

use chrono::{DateTime, Utc};
use entity::{
    admin_message, audit_log, panel_download, panel_genes, panel_shares, panel_versions,
    saved_panels, user,
};
use sea_orm::EntityTrait;

use super::source::Row;
use super::{Options, TABLES, load_ledger};
use crate::state::AppState;

/// The mismatches found (empty = the target matches the source).
pub async fn verify(state: &AppState, options: &Options) -> anyhow::Result<Vec<String>> {
    let (source, key) = super::open_source(options).await?;
    let ledger = load_ledger(&state.db).await?;
    let zone = options.zone;
    let mut bad = Vec::new();
    let empty = Default::default();
    let target = |table: &str, id: i64| ledger.get(table).unwrap_or(&empty).get(&id).copied();
    let time = |row: &Row, col: &str| row.time(col, zone).ok().flatten();
    let same_time = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| {
        a.map(|t| t.timestamp_micros()) == b.map(|t| t.timestamp_micros())
    };
    for table in TABLES {
        let Some(n) = source.count(table).await? else {
            continue;
        };
        let got = ledger.get(*table).map_or(0, |m| m.len());
        if usize::try_from(n).ok() != Some(got) {
            bad.push(format!("{table}: source has {n} row(s), {got} imported"));
        }
    }
    let decrypt = |row: &Row, col: &str| -> Option<String> {
        let k = key.as_ref()?;
        row.text(col).and_then(|v| k.decrypt_stored(v).ok())
    };

    let cols = &[
        "username",
        "email",
        "role",
        "is_active",
        "first_name_encrypted",
        "last_name_encrypted",
        "organization_encrypted",
    ];
    for row in source.rows("user", cols).await?.unwrap_or_default() {
        let Some(id) = target("user", row.id) else {
            continue;
        };
        let Some(u) = user::Entity::find_by_id(id).one(&state.db).await? else {
            bad.push(format!("user {}: target row {id} is missing", row.id));
            continue;
        };
        let mut check = |what: &str, a: Option<String>, b: Option<String>| {
            if a != b {
                bad.push(format!(
                    "user {} ({what}): source {a:?}, target {b:?}",
                    row.id
                ));
            }
        };
        check(
            "username",
            row.text("username").map(str::to_owned),
            Some(u.username.clone()),
        );
        check(
            "email",
            row.text("email").map(str::to_owned),
            Some(u.email.clone()),
        );
        check(
            "role",
            row.text("role").map(|r| r.to_ascii_uppercase()),
            Some(u.role.to_string()),
        );
        check(
            "active",
            row.bool("is_active").ok().flatten().map(|b| b.to_string()),
            Some(u.is_active.to_string()),
        );
        if key.is_some() {
            let profile = state
                .accounts
                .profile(&u)
                .map_err(|e| anyhow::anyhow!(e.describe()))?;
            check(
                "first name",
                decrypt(&row, "first_name_encrypted"),
                profile.first_name,
            );
            check(
                "last name",
                decrypt(&row, "last_name_encrypted"),
                profile.last_name,
            );
            check(
                "organization",
                decrypt(&row, "organization_encrypted"),
                profile.organization,
            );
        }
    }

    let cols = &["title", "is_active", "expires_at", "created_at"];
    for row in source
        .rows("admin_message", cols)
        .await?
        .unwrap_or_default()
    {
        let Some(id) = target("admin_message", row.id) else {
            continue;
        };
        match admin_message::Entity::find_by_id(id).one(&state.db).await? {
            Some(m)
                if Some(m.title.as_str()) == row.text("title")
                    && same_time(m.expires_at, time(&row, "expires_at"))
                    && same_time(Some(m.created_at), time(&row, "created_at"))
                    && Some(m.is_active) == row.bool("is_active").ok().flatten() => {}
            other => bad.push(format!(
                "admin_message {}: target differs ({:?})",
                row.id,
                other.map(|m| (m.title, m.is_active, m.expires_at))
            )),
        }
    }

    let cols = &["name", "status", "gene_count", "version_count"];
    for row in source.rows("saved_panels", cols).await?.unwrap_or_default() {
        let Some(id) = target("saved_panels", row.id) else {
            continue;
        };
        match saved_panels::Entity::find_by_id(id).one(&state.db).await? {
            Some(p)
                if Some(p.name.as_str()) == row.text("name")
                    && row.text("status").map(str::to_ascii_uppercase).as_deref()
                        == Some(p.status.as_str())
                    && row.int32("gene_count").ok().flatten() == Some(p.gene_count) => {}
            other => bad.push(format!(
                "saved_panels {}: target differs ({:?})",
                row.id,
                other.map(|p| (p.name, p.status, p.gene_count))
            )),
        }
    }

    let cols = &["version_number", "gene_count", "comment", "created_at"];
    for row in source
        .rows("panel_versions", cols)
        .await?
        .unwrap_or_default()
    {
        let Some(id) = target("panel_versions", row.id) else {
            continue;
        };
        match panel_versions::Entity::find_by_id(id)
            .one(&state.db)
            .await?
        {
            Some(v)
                if row.int32("version_number").ok().flatten() == Some(v.version_number)
                    && row.text("comment") == v.comment.as_deref()
                    && same_time(Some(v.created_at), time(&row, "created_at")) => {}
            _ => bad.push(format!("panel_versions {}: target differs", row.id)),
        }
    }

    let cols = &[
        "gene_symbol",
        "confidence_level",
        "user_notes",
        "custom_confidence",
        "phenotype",
    ];
    for row in source.rows("panel_genes", cols).await?.unwrap_or_default() {
        let Some(id) = target("panel_genes", row.id) else {
            continue;
        };
        match panel_genes::Entity::find_by_id(id).one(&state.db).await? {
            Some(g)
                if Some(g.gene_symbol.as_str()) == row.text("gene_symbol")
                    && g.confidence_level.as_deref() == row.text("confidence_level")
                    && g.user_notes.as_deref() == row.text("user_notes")
                    && g.custom_confidence.as_deref() == row.text("custom_confidence")
                    && g.phenotype.as_deref() == row.text("phenotype") => {}
            _ => bad.push(format!(
                "panel_genes {} ({}): target differs",
                row.id,
                row.text("gene_symbol").unwrap_or("?")
            )),
        }
    }

    let cols = &["permission_level", "can_reshare"];
    for row in source.rows("panel_shares", cols).await?.unwrap_or_default() {
        let Some(id) = target("panel_shares", row.id) else {
            continue;
        };
        match panel_shares::Entity::find_by_id(id).one(&state.db).await? {
            Some(s)
                if row
                    .text("permission_level")
                    .map(str::to_ascii_uppercase)
                    .as_deref()
                    == Some(s.permission_level.as_str())
                    && row.bool("can_reshare").ok().flatten() == Some(s.can_reshare) => {}
            _ => bad.push(format!("panel_shares {}: target differs", row.id)),
        }
    }

    let cols = &["panel_ids", "gene_count", "download_date", "ip_address"];
    for row in source
        .rows("panel_download", cols)
        .await?
        .unwrap_or_default()
    {
        let Some(id) = target("panel_download", row.id) else {
            continue;
        };
        match panel_download::Entity::find_by_id(id)
            .one(&state.db)
            .await?
        {
            Some(d)
                if Some(d.panel_ids.as_str()) == row.text("panel_ids")
                    && d.gene_count == row.int32("gene_count").ok().flatten()
                    && d.ip_address.as_deref() == row.text("ip_address")
                    && same_time(Some(d.download_date), time(&row, "download_date")) => {}
            _ => bad.push(format!("panel_download {}: target differs", row.id)),
        }
    }

    let cols = &[
        "action_type",
        "action_description",
        "timestamp",
        "ip_address",
        "success",
        "details_encrypted",
    ];
    for row in source.rows("audit_log", cols).await?.unwrap_or_default() {
        let Some(id) = target("audit_log", row.id) else {
            continue;
        };
        let Some(a) = audit_log::Entity::find_by_id(id).one(&state.db).await? else {
            bad.push(format!("audit_log {}: target row {id} is missing", row.id));
            continue;
        };
        let same = row
            .text("action_type")
            .map(str::to_ascii_uppercase)
            .as_deref()
            == Some(a.action_type.as_str())
            && row.text("action_description") == Some(a.action_description.as_str())
            && row.text("ip_address") == a.ip_address.as_deref()
            && row.bool("success").ok().flatten() == Some(a.success)
            && same_time(Some(a.timestamp), time(&row, "timestamp"));
        let details_same = match (&key, row.text("details_encrypted")) {
            (Some(_), Some(_)) => {
                let plain = decrypt(&row, "details_encrypted")
                    .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
                    .map(|v| match v {
                        serde_json::Value::String(s) => {
                            serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
                        }
                        other => other,
                    });
                let ours = state.audit.open(&a).ok().and_then(|[d, _, _]| d);
                plain == ours
            }
            (_, None) => a.details.is_none(),
            (None, Some(_)) => true,
        };
        if !same || !details_same {
            bad.push(format!("audit_log {}: target row {id} differs", row.id));
        }
    }
    Ok(bad)
}
