//! `panelmerge check`: the old verify script. Every check prints its result; any failure
//! makes the exit code non-zero.

use std::process::ExitCode;

use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use serde_json::json;
use shared::AuditAction;

use crate::auth::Principal;
use crate::backend::Backends;
use crate::config::Settings;
use crate::crypto::{Binding, CryptoError, Encryptor};
use crate::services::audit::AuditRecord;
use crate::state::AppState;

struct Report {
    failures: usize,
}

impl Report {
    fn result(&mut self, name: &str, outcome: Result<String, String>) {
        match outcome {
            Ok(detail) => println!("ok    {name}: {detail}"),
            Err(detail) => {
                self.failures += 1;
                println!("FAIL  {name}: {detail}");
            }
        }
    }
}

pub async fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let mut report = Report { failures: 0 };

    let encryption = encryption_round_trip(&Encryptor::new(
        &settings.encryption_key,
        &settings.previous_encryption_keys,
    ));
    report.result("encryption", encryption);

    let backends = match &settings.redis_url {
        None => {
            report.result(
                "redis",
                Ok("not configured (in-process cache and sessions)".into()),
            );
            Backends::memory()
        }
        Some(url) => match Backends::redis(url.expose(), &settings.redis_key_prefix).await {
            Ok(b) => match b.cache.ping().await {
                Ok(()) => {
                    report.result("redis", Ok("reachable".into()));
                    b
                }
                Err(e) => {
                    report.result("redis", Err(e.to_string()));
                    Backends::memory()
                }
            },
            Err(e) => {
                report.result("redis", Err(e.to_string()));
                Backends::memory()
            }
        },
    };

    let db = match crate::db::connect(settings.database_url.expose()).await {
        Ok(db) => db,
        Err(e) => {
            report.result("database", Err(e.to_string()));
            println!("{} check(s) failed", report.failures);
            return Ok(ExitCode::FAILURE);
        }
    };
    let database = async {
        db.execute_unprepared("SELECT 1")
            .await
            .map_err(|e| e.to_string())?;
        let pending = Migrator::get_pending_migrations(&db)
            .await
            .map_err(|e| e.to_string())?;
        let applied = Migrator::get_applied_migrations(&db)
            .await
            .map_err(|e| e.to_string())?;
        let backend = crate::db::backend_name(&db);
        if pending.is_empty() {
            Ok(format!("{backend}, {} migrations applied", applied.len()))
        } else {
            Err(format!(
                "{backend}: {} migration(s) pending; run `panelmerge migrate up`",
                pending.len()
            ))
        }
    }
    .await;
    let database_ok = database.is_ok();
    report.result("database", database);

    if database_ok {
        let state = AppState::new(settings, db, backends)?;
        report.result("audit", audit_round_trip(&state).await);
    } else {
        report.result("audit", Err("skipped: the database is not ready".into()));
    }

    if report.failures == 0 {
        println!("all checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} check(s) failed", report.failures);
        Ok(ExitCode::FAILURE)
    }
}

fn encryption_round_trip(enc: &Encryptor) -> Result<String, String> {
    let binding = Binding {
        table: "check",
        column: "value",
        row: "1",
    };
    let sealed = enc
        .encrypt("panelmerge check", binding)
        .map_err(|e| e.to_string())?;
    let opened = enc.decrypt(&sealed, binding).map_err(|e| e.to_string())?;
    if opened != "panelmerge check" {
        return Err("decryption returned different text".into());
    }
    let elsewhere = Binding {
        row: "2",
        ..binding
    };
    if enc.decrypt(&sealed, elsewhere) != Err(CryptoError::Authentication) {
        return Err("a value moved to another row still decrypted".into());
    }
    Ok(format!(
        "AES-256-GCM round trip with key {}",
        enc.current_key_id()
    ))
}

async fn audit_round_trip(state: &AppState) -> Result<String, String> {
    let record = AuditRecord::new(AuditAction::SystemSecurity, "panelmerge check")
        .details(json!({ "check": "audit write" }));
    let event = state
        .audit
        .record(&state.db, &Principal::system("check"), record)
        .await
        .map_err(|e| e.message)?;
    let row = state
        .audit
        .find(&state.db, event.id)
        .await
        .map_err(|e| e.message)?;
    let [details, _, _] = state.audit.open(&row).map_err(|e| e.message)?;
    if details != Some(json!({ "check": "audit write" })) {
        return Err("the audit row's details did not read back".into());
    }
    let chain = crate::services::audit_chain::verify(&state.db)
        .await
        .map_err(|e| e.message)?;
    if let Some((row, problem)) = chain.problem {
        return Err(format!(
            "row {} written, but the hash chain is broken at row {row}: {problem}",
            event.id
        ));
    }
    Ok(format!(
        "row {} written and read back; hash chain of {} row(s) verified",
        event.id, chain.checked
    ))
}
