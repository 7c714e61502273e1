//! Upstream tracking through the schema: a saved panel built from PanelApp notices a newer
//! upstream version, shows its diff under the remembered filter, and takes it as one new
//! version of SOURCE_UPDATED changes, keeping the lab's own edits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::{Request, Variables};
use async_trait::async_trait;
use entity::panel_changes;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shared::{Confidence, GeneSymbol, HgncId, PanelData, PanelVersion, Source};

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::graphql::{AppSchema, RequestContext, Transport, schema_builder};
use crate::services::merge::{LoadedPanel, PanelLoader, PanelSources};
use crate::state::AppState;

/// PanelApp with panel UK 635 at 2.18, moving to a 2.19 when `moved` is set.
struct Moving {
    moved: AtomicBool,
}

fn v218() -> PanelData {
    shared::panelapp::fixtures::fixture_panel("uk_panel_635_v2.18.json", Source::Uk)
}

/// 2.19: ATM dropped, BARD1 demoted to amber, BRCA2's inheritance changed, TP53 added.
fn v219() -> PanelData {
    let mut panel = v218();
    panel.version = PanelVersion::parse("2.19").unwrap();
    panel.version_created = Some("2026-11-01T10:00:00Z".into());
    panel.entities.retain(|e| e.name != "ATM");
    for e in &mut panel.entities {
        match e.name.as_str() {
            "BARD1" => e.confidence = Confidence::Amber,
            "BRCA2" => {
                e.mode_of_inheritance = Some("BIALLELIC, autosomal or pseudoautosomal".into())
            }
            _ => {}
        }
    }
    let mut tp53 = panel.entities[0].clone();
    tp53.name = "TP53".into();
    tp53.confidence = Confidence::Green;
    tp53.symbol = Some(GeneSymbol::parse("TP53").unwrap());
    tp53.hgnc_id = Some(HgncId::parse("HGNC:11998").unwrap());
    tp53.grch37 = None;
    tp53.grch38 = None;
    panel.entities.push(tp53);
    panel
}

#[async_trait]
impl PanelLoader for Moving {
    async fn panel(
        &self,
        source: Source,
        id: u32,
        version: Option<PanelVersion>,
    ) -> AppResult<LoadedPanel> {
        if (source, id) != (Source::Uk, 635) {
            return Err(AppError::not_found(format!(
                "panel {}-{id}",
                source.prefix()
            )));
        }
        let latest = if self.moved.load(Ordering::SeqCst) {
            v219()
        } else {
            v218()
        };
        let data = match version {
            None => latest,
            Some(v) if v == v218().version => v218(),
            Some(v) if v == latest.version => latest,
            Some(v) => return Err(AppError::not_found(format!("uk-635 version {v}"))),
        };
        Ok(LoadedPanel {
            data: Arc::new(data),
            origin: "fixture".into(),
        })
    }
}

async fn user(state: &AppState, name: &str) -> Principal {
    state.test_user(name).await.1
}

async fn run(schema: &AppSchema, who: &Principal, query: &str, vars: Value) -> Value {
    let mut context = RequestContext::new(Transport::Post, None, None);
    context.principal = who.clone();
    let request = Request::new(query)
        .variables(Variables::from_json(vars))
        .data(context);
    serde_json::to_value(schema.execute(request).await).unwrap()
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn symbols(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["symbol"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

const UPSTREAM: &str = "query($id: ID!) { savedPanel(id: $id) { currentVersion sources { label } \
    upstream { source panelId label savedVersion latestVersion behind error confidence \
    diff { added { symbol } removed { symbol } changed { symbol field old new } } } } }";

const APPLY: &str = "mutation($id: ID!, $v: Int!) { applyUpstreamUpdate(id: $id, \
    basedOnVersion: $v) { currentVersion genes { nodes { symbol confidence notes sources } } } }";

#[tokio::test]
async fn a_newer_panelapp_version_is_noticed_diffed_and_applied_as_one_version() {
    let loader = Arc::new(Moving {
        moved: AtomicBool::new(false),
    });
    let (state, _dir) = AppState::for_tests_with(PanelSources {
        loader: Some(loader.clone()),
        symbols: None,
    })
    .await;
    let schema = schema_builder(&state.settings.graphql)
        .data(state.clone())
        .finish();
    let owner = user(&state, "owner").await;
    let stranger = user(&state, "stranger").await;

    let created = run(
        &schema,
        &owner,
        "mutation { createSavedPanel(input: { name: \"Breast cancer\", merge: { panels: \
         [{ source: UK, id: 635, confidence: [GREEN] }] } }) { id currentVersion } }",
        json!({}),
    )
    .await;
    let id = created["data"]["createSavedPanel"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("created: {created}"))
        .to_owned();

    // Up to date: the source is known, nothing is pending.
    let body = run(&schema, &owner, UPSTREAM, json!({ "id": id })).await;
    let up = &body["data"]["savedPanel"]["upstream"][0];
    assert_eq!(up["source"], "UK", "{body}");
    assert_eq!(up["panelId"], 635);
    assert_eq!(up["savedVersion"], "2.18");
    assert_eq!(up["latestVersion"], "2.18");
    assert_eq!(up["behind"], false);
    assert_eq!(up["confidence"], json!(["GREEN"]));

    // The lab annotates BRCA1 (version 2).
    let edited = run(
        &schema,
        &owner,
        "mutation($id: ID!) { updateSavedPanel(id: $id, input: { basedOnVersion: 1, \
         updateGenes: [{ symbol: \"BRCA1\", notes: \"confirm with lab\" }] }) { currentVersion } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        edited["data"]["updateSavedPanel"]["currentVersion"], 2,
        "{edited}"
    );

    // PanelApp moves on: the panel says so and shows the upstream diff under GREEN.
    loader.moved.store(true, Ordering::SeqCst);
    let body = run(&schema, &owner, UPSTREAM, json!({ "id": id })).await;
    let up = &body["data"]["savedPanel"]["upstream"][0];
    assert_eq!(up["behind"], true, "{body}");
    assert_eq!(up["latestVersion"], "2.19");
    assert_eq!(symbols(&up["diff"]["added"]), ["TP53"], "{body}");
    assert_eq!(symbols(&up["diff"]["removed"]), ["ATM", "BARD1"]);
    let changed = up["diff"]["changed"].as_array().unwrap();
    assert!(
        changed
            .iter()
            .any(|c| c["symbol"] == "BRCA2" && c["field"] == "MODE_OF_INHERITANCE"),
        "{changed:?}"
    );

    // A stale base is refused and changes nothing; strangers may not apply.
    let stale = run(&schema, &owner, APPLY, json!({ "id": id, "v": 1 })).await;
    assert_eq!(code(&stale), "CONFLICT", "{stale}");
    let denied = run(&schema, &stranger, APPLY, json!({ "id": id, "v": 2 })).await;
    assert!(
        matches!(code(&denied), "FORBIDDEN" | "NOT_FOUND"),
        "{denied}"
    );

    let applied = run(&schema, &owner, APPLY, json!({ "id": id, "v": 2 })).await;
    let panel = &applied["data"]["applyUpstreamUpdate"];
    assert_eq!(panel["currentVersion"], 3, "{applied}");
    let genes = panel["genes"]["nodes"].as_array().unwrap();
    let names = symbols(&panel["genes"]["nodes"]);
    assert_eq!(
        names,
        [
            "BRCA1", "BRCA2", "CHEK2", "PALB2", "RAD51C", "RAD51D", "TP53"
        ]
    );
    let brca1 = genes.iter().find(|g| g["symbol"] == "BRCA1").unwrap();
    assert_eq!(brca1["notes"], "confirm with lab", "the lab's note stays");
    for gene in genes {
        assert_eq!(gene["sources"], json!(["uk-635@2.19"]), "{gene}");
    }

    // One SOURCE_UPDATED change per gene change plus the source itself, all in version 3.
    let version3 = state
        .saved
        .version_row(
            crate::graphql::node::int_id(
                &async_graphql::ID::from(id.as_str()),
                crate::graphql::node::Kind::SavedPanel,
            )
            .unwrap(),
            3,
        )
        .await
        .unwrap();
    let rows = panel_changes::Entity::find()
        .filter(panel_changes::Column::VersionId.eq(version3.id))
        .all(&state.db)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.change_type == shared::ChangeType::SourceUpdated),
        "{:?}",
        rows.iter().map(|r| r.change_type).collect::<Vec<_>>()
    );
    // TP53 added, ATM and BARD1 removed, BRCA2 changed, the source moved: at least 5 rows.
    assert!(rows.len() >= 5, "{} change rows", rows.len());

    // Now up to date, and the panel remembers 2.19; a second apply makes nothing.
    let body = run(&schema, &owner, UPSTREAM, json!({ "id": id })).await;
    let up = &body["data"]["savedPanel"]["upstream"][0];
    assert_eq!(up["behind"], false, "{body}");
    assert_eq!(up["savedVersion"], "2.19");
    let again = run(&schema, &owner, APPLY, json!({ "id": id, "v": 3 })).await;
    assert_eq!(code(&again), "VALIDATION", "{again}");
    let body = run(&schema, &owner, UPSTREAM, json!({ "id": id })).await;
    assert_eq!(body["data"]["savedPanel"]["currentVersion"], 3);
}
