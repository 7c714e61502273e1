//! In-process schema tests: uploads, merges with fixture panels through a `PanelLoader`,
//! exports, signed links and their audit trail, against a real SQLite database.

use std::io::{Seek, Write};
use std::sync::Arc;

use async_graphql::{Request, UploadValue, Variables};
use async_trait::async_trait;
use entity::{audit_log, panel_download};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shared::{AuditAction, GeneSymbol, HgncId, PanelVersion, Source};

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::genelists::upload::SymbolResolver;
use crate::graphql::{AppSchema, RequestContext, Transport, schema_builder};
use crate::services::merge::{LoadedPanel, PanelLoader, PanelSources};
use crate::state::AppState;

struct Fixtures;

#[async_trait]
impl PanelLoader for Fixtures {
    async fn panel(
        &self,
        source: Source,
        id: u32,
        _version: Option<PanelVersion>,
    ) -> AppResult<LoadedPanel> {
        let file = match (source, id) {
            (Source::Uk, 635) => "uk_panel_635_v2.18.json",
            (Source::Uk, 402) => "uk_panel_402_v8.125.json",
            _ => {
                return Err(AppError::not_found(format!(
                    "panel {}-{id}",
                    source.prefix()
                )));
            }
        };
        Ok(LoadedPanel {
            data: Arc::new(shared::panelapp::fixtures::fixture_panel(file, source)),
            origin: "fixture".into(),
        })
    }
}

/// A gene directory that knows AARS1 (and its previous symbol AARS), and, `with_panels`,
/// the fixture panels.
fn sources(with_panels: bool) -> PanelSources {
    let symbols: Arc<dyn SymbolResolver> = Arc::new(|s: &str| match s {
        "AARS" | "AARS1" => Some((GeneSymbol::parse("AARS1").ok()?, HgncId::parse("20").ok()?)),
        _ => None,
    });
    PanelSources {
        loader: with_panels.then(|| Arc::new(Fixtures) as Arc<dyn PanelLoader>),
        symbols: Some(symbols),
    }
}

fn schema(state: &AppState) -> AppSchema {
    schema_builder(&state.settings.graphql)
        .data(state.clone())
        .finish()
}

fn visitor(id: &str) -> RequestContext {
    RequestContext::new(Transport::Post, None, None).with_visitor(Some(id.to_owned()))
}

async fn run(schema: &AppSchema, who: &str, query: &str, vars: Value) -> Value {
    let request = Request::new(query)
        .variables(Variables::from_json(vars))
        .data(visitor(who));
    serde_json::to_value(schema.execute(request).await).unwrap()
}

const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { id name geneCount \
                      genes { nodes { symbol hgncId } } diagnostics { row value kind suggestion } } }";

async fn upload(schema: &AppSchema, who: &str, name: &str, content: &[u8]) -> Value {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(content).unwrap();
    file.rewind().unwrap();
    let mut request = Request::new(UPLOAD)
        .variables(Variables::from_json(json!({ "file": null })))
        .data(visitor(who));
    request.set_upload(
        "variables.file",
        UploadValue {
            filename: name.to_owned(),
            content_type: None,
            content: file,
        },
    );
    serde_json::to_value(schema.execute(request).await).unwrap()
}

const PREVIEW: &str = "query($input: MergeInput!) { mergePreview(input: $input) { total \
    sources { label kind entities genes unique version } \
    genes { nodes { symbol hgncId sources { label source panelId version confidence listType } \
    conflicts { kind } } } overlap { pairwise combinations { sources count } } } }";

#[tokio::test]
async fn uploads_merge_with_fixture_panels_into_one_list() {
    let (state, _dir) = AppState::for_tests_with(sources(true)).await;
    let schema = schema(&state);
    let body = upload(
        &schema,
        "visitor-a",
        "lab list.csv",
        b"Gene\nBRCA1\naars\nNOTAGENE1\n",
    )
    .await;
    let list = &body["data"]["uploadGeneList"];
    assert_eq!(list["name"], "lab list");
    assert_eq!(list["geneCount"], 3);
    assert_eq!(
        list["genes"]["nodes"][1],
        json!({ "symbol": "AARS1", "hgncId": "HGNC:20" })
    );
    let kinds: Vec<&str> = list["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["UNVERIFIED", "NORMALISED", "ALIAS", "UNVERIFIED"],
        "{body}"
    );
    let id = list["id"].as_str().unwrap().to_owned();

    let input = json!({ "input": {
        "panels": [
            { "source": "UK", "id": 635, "confidence": ["GREEN"], "types": ["GENE"] },
            { "source": "UK", "id": 402, "confidence": ["GREEN", "AMBER"] }
        ],
        "uploads": [id]
    }});
    let body = run(&schema, "visitor-a", PREVIEW, input.clone()).await;
    assert!(body.get("errors").is_none(), "{body}");
    let merged = &body["data"]["mergePreview"];
    let labels: Vec<&str> = merged["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "GB Early onset or syndromic epilepsy",
            "GB Inherited breast cancer and ovarian cancer",
            "lab list"
        ]
    );
    let brca1 = merged["genes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["symbol"] == "BRCA1")
        .unwrap();
    assert_eq!(
        brca1["sources"],
        json!([
            { "label": "GB Inherited breast cancer and ovarian cancer", "source": "UK",
              "panelId": 635, "version": "2.18", "confidence": "GREEN", "listType": "Green" },
            { "label": "lab list", "source": null, "panelId": null, "version": null,
              "confidence": null, "listType": "User upload" }
        ])
    );
    let aars = merged["genes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["hgncId"] == "HGNC:20");
    assert_eq!(
        aars.unwrap()["sources"].as_array().unwrap().len(),
        2,
        "alias joined the panel"
    );
    let total = merged["total"].as_i64().unwrap();
    let sum: i64 = merged["overlap"]["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, total);

    // Another visitor can neither see nor merge this upload.
    let other = run(
        &schema,
        "visitor-b",
        "{ uploads { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(other["data"]["uploads"]["nodes"], json!([]));
    let body = run(&schema, "visitor-b", PREVIEW, input).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
}

#[tokio::test]
async fn panels_need_a_loader_and_unknown_panels_are_named() {
    let (without, _dir) = AppState::for_tests_with(sources(false)).await;
    let input = json!({ "input": { "panels": [
        { "source": "UK", "id": 635, "confidence": ["GREEN"] }
    ] } });
    let body = run(&schema(&without), "v", PREVIEW, input).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "UPSTREAM_UNAVAILABLE"
    );
    let input = json!({ "input": { "panels": [
        { "source": "AU", "id": 9, "confidence": ["GREEN"] }
    ] } });
    let (state, _dir) = AppState::for_tests_with(sources(true)).await;
    let schema = schema(&state);
    let body = run(&schema, "v", PREVIEW, input).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("au-9")
    );
    let input = json!({ "input": { "panels": [
        { "source": "UK", "id": 635, "confidence": [] }
    ] } });
    let body = run(&schema, "v", PREVIEW, input).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "panels[0].confidence"
    );
}

const EXPORT: &str = "mutation($input: MergeInput!, $format: ExportFormat!) { \
    exportMerge(input: $input, format: $format, filename: \"../x/Epilepsy\", \
    perSourceSheets: true) { url filename expiresAt rows withoutCoordinates } }";

#[tokio::test]
async fn exports_are_served_once_signed_audited_and_logged() {
    let (state, _dir) = AppState::for_tests_with(sources(true)).await;
    let schema = schema(&state);
    let body = upload(&schema, "visitor-a", "mine.txt", b"BRCA1\nSCN1A\n").await;
    let id = body["data"]["uploadGeneList"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let input = json!({
        "panels": [{ "source": "UK", "id": 402, "confidence": ["GREEN"], "types": ["REGION"] }],
        "uploads": [id]
    });
    let body = run(
        &schema,
        "visitor-a",
        EXPORT,
        json!({ "input": input, "format": "BED_GRCH38" }),
    )
    .await;
    let download = &body["data"]["exportMerge"];
    // The path is neutralised, the words kept: no separator and no "..".
    assert_eq!(download["filename"], "x-Epilepsy.GRCh38.bed", "{body}");
    let missing: Vec<&str> = download["withoutCoordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"BRCA1") && missing.contains(&"SCN1A"),
        "{missing:?}"
    );
    let url = download["url"].as_str().unwrap();
    let token = url.strip_prefix("/download/").unwrap();
    let principal = Principal::visitor(None).from_request(
        Some("198.51.100.7".parse().unwrap()),
        None,
        crate::auth::AuditCounter::default(),
    );
    let served = state
        .downloads
        .serve(token, principal.clone())
        .await
        .unwrap();
    let text = String::from_utf8(served.bytes).unwrap();
    assert!(text.starts_with("# PanelMerge"), "{text}");
    assert!(text.contains("\tISCA-"), "{text}");

    let logged = panel_download::Entity::find().all(&state.db).await.unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].format.as_deref(), Some("BED_GRCH38"));
    assert_eq!(logged[0].ip_address.as_deref(), Some("198.51.100.7"));
    assert!(logged[0].panel_ids.starts_with("uk-402@8.125,upload:"));
    assert_eq!(logged[0].list_types, "GREEN,User upload");
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::ActionType.eq(AuditAction::FileAccess))
        .all(&state.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);

    // Tampered, expired and unknown links.
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        parts[1].parse::<i64>().unwrap() + 60,
        parts[2]
    );
    let err = state
        .downloads
        .serve(&forged, principal.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code.as_str(), "FORBIDDEN");
    let past = chrono::Utc::now().timestamp() - 1;
    let sig = state.signer.sign(&format!("download:{}:{past}", parts[0]));
    let expired = format!("{}.{past}.{sig}", parts[0]);
    let err = state
        .downloads
        .serve(&expired, principal.clone())
        .await
        .unwrap_err();
    assert_eq!(err.http_status, Some(410));
    let future = chrono::Utc::now().timestamp() + 60;
    parts[0] = "unknown-key";
    let sig = state.signer.sign(&format!("download:unknown-key:{future}"));
    let unknown = format!("unknown-key.{future}.{sig}");
    let err = state
        .downloads
        .serve(&unknown, principal)
        .await
        .unwrap_err();
    assert_eq!(err.code.as_str(), "NOT_FOUND");
    assert_eq!(
        panel_download::Entity::find()
            .all(&state.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn removing_uploads_and_claiming_them_at_login() {
    let (state, _dir) = AppState::for_tests_with(sources(false)).await;
    let schema = schema(&state);
    for name in ["a.txt", "b.txt"] {
        upload(&schema, "visitor-a", name, b"BRCA1\n").await;
    }
    let listed = run(
        &schema,
        "visitor-a",
        "{ uploads { nodes { id name expiresAt } } }",
        json!({}),
    )
    .await;
    let ids: Vec<String> = listed["data"]["uploads"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(
        !listed["data"]["uploads"]["nodes"][0]["expiresAt"].is_null(),
        "anonymous uploads expire"
    );
    let remove = "mutation($id: ID!) { removeUpload(id: $id) }";
    let body = run(&schema, "visitor-b", remove, json!({ "id": ids[0] })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let body = run(&schema, "visitor-a", remove, json!({ "id": ids[0] })).await;
    assert_eq!(body["data"]["removeUpload"], true);

    let (user, principal) = state.test_user("ada").await;
    assert_eq!(state.uploads.claim("visitor-a", user.id).await.unwrap(), 1);
    let mine = state.uploads.list(&principal).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        crate::graphql::node::global_id(crate::graphql::node::Kind::UploadedList, &mine[0].id).0,
        ids[1]
    );
    assert!(
        mine[0].expires_at.is_none(),
        "an account's uploads are kept"
    );
    assert!(
        state
            .uploads
            .list(&Principal::visitor(Some("visitor-a".into())))
            .await
            .unwrap()
            .is_empty()
    );
}
