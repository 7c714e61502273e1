//! Export templates (issue 14.5) against a real server: create, apply to a saved panel's
//! export, the library's zip and a merge's export (the files follow the template's columns
//! and row filters), change, delete; a team mate applies a team's template but may not change
//! it, an outsider does not see it; EDITORs manage every template; each change is audited;
//! settings that do not go together are VALIDATION naming the field.

use std::io::Read;

use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::{GraphqlClient, error_code};
use tests::{TestApp, on_both_backends};

const FIELDS: &str = "id databaseId name description owner { username } team { name } format columns ratings includeUnrated entityTypes perSourceSheets chrPrefix canEdit createdAt updatedAt";

fn create_query() -> String {
    format!(
        "mutation($i: ExportTemplateInput!) {{ createExportTemplate(input: $i) {{ {FIELDS} }} }}"
    )
}

fn update_query() -> String {
    format!(
        "mutation($id: ID!, $p: ExportTemplatePatch!) {{ updateExportTemplate(id: $id, patch: $p) {{ {FIELDS} }} }}"
    )
}

const LIST: &str = "query($e: Boolean) { exportTemplates(everyone: $e) { totalCount nodes { id name canEdit team { name } } } }";
const DELETE: &str = "mutation($id: ID!) { deleteExportTemplate(id: $id) }";
const SAVED: &str = "mutation($id: ID!, $t: ID, $f: ExportFormat) { exportSavedPanel(id: $id, template: $t, format: $f) { url filename rows } }";
const BULK: &str = "mutation($ids: [ID!]!, $t: ID) { exportSavedPanels(ids: $ids, template: $t) { url filename rows } }";
const MERGE: &str = "mutation($input: MergeInput!, $t: ID) { exportMerge(input: $input, template: $t) { url filename rows } }";
const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { id } }";

async fn fetch(client: &GraphqlClient, url: &Value) -> Vec<u8> {
    let response = client
        .http
        .get(client.url(url.as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// The lines of a delimited export.
fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn field(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]["field"]
}

on_both_backends!(
    export_templates_shape_exports_and_are_shared_with_a_team,
    |app: TestApp| async move {
        let owner = app.logged_in("tina", Role::User).await;
        let mate = app.logged_in("tom", Role::User).await;
        let outsider = app.logged_in("olga", Role::User).await;
        let editor = app.logged_in("edna", Role::Editor).await;
        let tom = mate.data("{ me { id } }", json!({})).await["me"]["id"].clone();
        let team = owner
            .data(
                "mutation { createTeam(name: \"Genetics lab\") { id } }",
                json!({}),
            )
            .await["createTeam"]["id"]
            .clone();
        owner
            .data(
                "mutation($t: ID!, $u: ID!) { addTeamMember(teamId: $t, userId: $u) { id } }",
                json!({ "t": team, "u": tom }),
            )
            .await;
        let panel = owner
            .data(
                "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }",
                json!({ "i": { "name": "Cardiac", "genes": [
                    { "symbol": "MYH7", "confidence": "GREEN", "notes": "core gene" },
                    { "symbol": "TNNT2", "confidence": "AMBER" },
                    { "symbol": "KCNQ1", "confidence": "RED" },
                    { "symbol": "TTN" },
                ] } }),
            )
            .await["createSavedPanel"]["id"]
            .clone();
        owner
            .data(
                "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
                json!({ "i": { "panelId": panel, "teamId": team, "permission": "VIEW" } }),
            )
            .await;

        // Create: green and amber rows only, three columns, shared with the team.
        let created = owner
            .data(
                &create_query(),
                json!({ "i": {
                    "name": " Reportable CSV ",
                    "description": "green and amber genes for the report",
                    "teamId": team,
                    "format": "CSV",
                    "columns": ["GENE_SYMBOL", "LAB_RATING", "LAB_NOTES"],
                    "ratings": ["GREEN", "AMBER"],
                    "includeUnrated": false,
                } }),
            )
            .await["createExportTemplate"]
            .clone();
        assert_eq!(created["name"], "Reportable CSV", "trimmed: {created}");
        assert_eq!(created["owner"]["username"], "tina");
        assert_eq!(created["team"]["name"], "Genetics lab");
        assert_eq!(
            created["columns"],
            json!(["GENE_SYMBOL", "LAB_RATING", "LAB_NOTES"])
        );
        assert_eq!(created["ratings"], json!(["GREEN", "AMBER"]));
        assert_eq!(created["includeUnrated"], false);
        assert_eq!(created["perSourceSheets"], false);
        assert_eq!(created["canEdit"], true);
        let template = created["id"].clone();

        // Apply it to the saved panel's export: the file has exactly its columns and rows.
        let link = owner
            .data(SAVED, json!({ "id": panel, "t": template }))
            .await["exportSavedPanel"]
            .clone();
        assert_eq!(link["filename"], "Cardiac v1.csv", "{link}");
        assert_eq!(link["rows"], 2, "{link}");
        let file = lines(&fetch(&owner, &link["url"]).await);
        assert_eq!(
            file,
            [
                "GeneSymbol,Lab rating,Lab notes",
                "MYH7,Green,core gene",
                "TNNT2,Amber,",
            ],
            "green and amber only (the lab's ratings of genes added by hand), the template's columns"
        );

        // The team mate sees it, applies it, and may not change or delete it.
        let seen = mate.data(LIST, json!({})).await["exportTemplates"].clone();
        assert_eq!(seen["totalCount"], 1, "{seen}");
        assert_eq!(seen["nodes"][0]["name"], "Reportable CSV");
        assert_eq!(seen["nodes"][0]["canEdit"], false);
        let theirs = mate
            .data(SAVED, json!({ "id": panel, "t": template }))
            .await["exportSavedPanel"]
            .clone();
        assert_eq!(
            lines(&fetch(&mate, &theirs["url"]).await),
            file,
            "the same file for the team mate"
        );
        let node = mate
            .data(
                "query($id: ID!) { node(id: $id) { ... on ExportTemplate { name } } }",
                json!({ "id": template }),
            )
            .await;
        assert_eq!(node["node"]["name"], "Reportable CSV");
        let refused = mate
            .query(
                &update_query(),
                json!({ "id": template, "p": { "name": "Mine now" } }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        let refused = mate.query(DELETE, json!({ "id": template })).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");

        // An outsider neither sees nor applies it.
        let none = outsider.data(LIST, json!({})).await;
        assert_eq!(none["exportTemplates"]["totalCount"], 0, "{none}");
        let hidden = outsider
            .query(
                MERGE,
                json!({ "input": { "panels": [], "uploads": [] }, "t": template }),
            )
            .await;
        assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
        assert_eq!(field(&hidden), "template", "{hidden}");
        let hidden = outsider.query(DELETE, json!({ "id": template })).await;
        assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
        // Listing everyone's templates is for EDITORs and above.
        let refused = owner.query(LIST, json!({ "e": true })).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        let all = editor.data(LIST, json!({ "e": true })).await;
        assert_eq!(all["exportTemplates"]["totalCount"], 1, "{all}");
        assert_eq!(all["exportTemplates"]["nodes"][0]["canEdit"], true);

        // Settings that do not go together name their field; nothing is stored.
        let bad = |input: Value| {
            let owner = &owner;
            async move { owner.query(&create_query(), json!({ "i": input })).await }
        };
        for (input, code, name) in [
            (
                json!({ "name": "A", "format": "JSON", "columns": ["GENE_SYMBOL"] }),
                "VALIDATION",
                "columns",
            ),
            (
                json!({ "name": "B", "format": "CSV", "columns": ["HGNC_ID"] }),
                "VALIDATION",
                "columns",
            ),
            (
                json!({ "name": "C", "format": "TSV", "perSourceSheets": true }),
                "VALIDATION",
                "perSourceSheets",
            ),
            (
                json!({ "name": "  ", "format": "CSV" }),
                "VALIDATION",
                "name",
            ),
            (
                json!({ "name": "reportable csv ".repeat(8), "format": "CSV" }),
                "VALIDATION",
                "name",
            ),
            (
                json!({ "name": "Reportable CSV", "format": "TSV" }),
                "CONFLICT",
                "name",
            ),
        ] {
            let body = bad(input.clone()).await;
            assert_eq!(error_code(&body), Some(code), "{input}: {body}");
            assert_eq!(field(&body), name, "{input}: {body}");
        }
        let other_team = outsider
            .data(
                "mutation { createTeam(name: \"Elsewhere\") { id } }",
                json!({}),
            )
            .await["createTeam"]["id"]
            .clone();
        let body = bad(json!({ "name": "D", "format": "CSV", "teamId": other_team })).await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert_eq!(field(&body), "teamId", "{body}");
        // An export's own format over a template's columns that it can not hold; no format.
        let body = owner
            .query(SAVED, json!({ "id": panel, "t": template, "f": "JSON" }))
            .await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert_eq!(field(&body), "columns", "{body}");
        let body = owner.query(SAVED, json!({ "id": panel })).await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert_eq!(field(&body), "format", "{body}");
        assert_eq!(
            owner.data(LIST, json!({})).await["exportTemplates"]["totalCount"],
            1,
            "nothing stored by the refusals"
        );

        // Update: TSV, symbol and rating, green and unrated rows; the library's zip follows.
        let updated = owner
            .data(
                &update_query(),
                json!({ "id": template, "p": {
                    "format": "TSV",
                    "columns": ["GENE_SYMBOL", "LAB_RATING"],
                    "ratings": ["GREEN"],
                    "includeUnrated": true,
                    "description": null,
                } }),
            )
            .await["updateExportTemplate"]
            .clone();
        assert_eq!(updated["format"], "TSV");
        assert_eq!(updated["description"], Value::Null);
        assert_eq!(updated["team"]["name"], "Genetics lab", "the team stays");
        let link = mate
            .data(BULK, json!({ "ids": [panel], "t": template }))
            .await["exportSavedPanels"]
            .clone();
        let zipped = fetch(&mate, &link["url"]).await;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "Cardiac v1.tsv");
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            ["GeneSymbol\tLab rating", "MYH7\tGreen", "TTN\t"],
            "green and unrated rows, the new columns"
        );
        // An EDITOR manages anyone's template.
        let renamed = editor
            .data(
                &update_query(),
                json!({ "id": template, "p": { "name": "Report (TSV)" } }),
            )
            .await;
        assert_eq!(renamed["updateExportTemplate"]["name"], "Report (TSV)");

        // Delete: gone for the team too, and no longer applicable.
        assert_eq!(
            owner.data(DELETE, json!({ "id": template })).await["deleteExportTemplate"],
            true
        );
        assert_eq!(
            mate.data(LIST, json!({})).await["exportTemplates"]["totalCount"],
            0
        );
        let gone = owner
            .query(SAVED, json!({ "id": panel, "t": template }))
            .await;
        assert_eq!(error_code(&gone), Some("NOT_FOUND"), "{gone}");

        // Audited: created, changed twice, deleted — each naming the template; refused
        // attempts are failure rows of the same action (VALIDATION, CONFLICT, NOT_FOUND) or
        // ACCESS_DENIED (the team mate's FORBIDDEN change and delete).
        let id = tests::db_id(template.as_str().unwrap()).to_string();
        for (action, count, refused) in [
            (AuditAction::PanelExportTemplateCreate, 1, 7),
            (AuditAction::PanelExportTemplateUpdate, 2, 0),
            (AuditAction::PanelExportTemplateDelete, 1, 1),
        ] {
            let all = app.audit_rows(Some(action)).await;
            let failed = all.iter().filter(|r| !r.success).count();
            assert_eq!(failed, refused, "{action}: {all:?}");
            let rows: Vec<_> = all.into_iter().filter(|r| r.success).collect();
            assert_eq!(rows.len(), count, "{action}");
            assert!(
                rows.iter()
                    .all(|r| r.resource_type.as_deref() == Some("export_template")
                        && r.resource_id.as_deref() == Some(id.as_str())),
                "{action}"
            );
        }
        let updates: Vec<_> = app
            .audit_rows(Some(AuditAction::PanelExportTemplateUpdate))
            .await
            .into_iter()
            .filter(|r| r.success)
            .collect();
        assert_eq!(updates[1].username.as_deref(), Some("edna"));
        let denied = app.audit_rows(Some(AuditAction::AccessDenied)).await;
        assert_eq!(
            denied
                .iter()
                .filter(|r| r.username.as_deref() == Some("tom"))
                .count(),
            2,
            "{denied:?}"
        );
    }
);

on_both_backends!(
    a_template_shapes_a_merge_export_workbook,
    |app: TestApp| async move {
        let user = app.logged_in("mara", Role::User).await;
        let (_, uploaded) = user
            .multipart(
                UPLOAD,
                json!({ "file": null }),
                vec![("variables.file", "lab.csv", b"Gene\nBRCA1\nTP53\n".to_vec())],
            )
            .await;
        let upload = uploaded["data"]["uploadGeneList"]["id"].clone();
        let template = user
            .data(
                &create_query(),
                json!({ "i": {
                    "name": "Symbols workbook",
                    "format": "XLSX",
                    "columns": ["LIST_TYPES", "GENE_SYMBOL"],
                    "entityTypes": ["GENE"],
                } }),
            )
            .await["createExportTemplate"]["id"]
            .clone();
        let input = json!({ "panels": [], "uploads": [upload] });
        let link = user
            .data(MERGE, json!({ "input": input, "t": template }))
            .await["exportMerge"]
            .clone();
        assert!(
            link["filename"].as_str().unwrap().ends_with(".xlsx"),
            "{link}"
        );
        let bytes = fetch(&user, &link["url"]).await;
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheets = book.sheet_names();
        assert_eq!(
            sheets,
            ["Combined list", "Provenance"],
            "no per-source sheets"
        );
        let range = book.worksheet_range("Combined list").unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(
            rows,
            [
                ["List type(s)", "GeneSymbol"],
                ["User upload", "BRCA1"],
                ["User upload", "TP53"],
            ],
            "the template's columns in its order"
        );
        // Unrated rows dropped: an empty list, header only.
        user.data(
            &update_query(),
            json!({ "id": template, "p": { "format": "CSV", "includeUnrated": false } }),
        )
        .await;
        let link = user
            .data(MERGE, json!({ "input": input, "t": template }))
            .await["exportMerge"]
            .clone();
        assert_eq!(link["rows"], 0, "{link}");
        assert_eq!(
            lines(&fetch(&user, &link["url"]).await),
            ["List type(s),GeneSymbol"]
        );
        // A visitor has no templates.
        let visitor = app.new_client();
        let body = visitor
            .query(MERGE, json!({ "input": input, "t": template }))
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
);

on_both_backends!(
    export_template_pages_hold_while_templates_are_added,
    |app: TestApp| async move {
        let owner = app.logged_in("pia", Role::User).await;
        let create = |name: &'static str| {
            let owner = &owner;
            async move {
                owner
                    .data(
                        &create_query(),
                        json!({ "i": { "name": name, "format": "CSV" } }),
                    )
                    .await;
            }
        };
        for name in ["Beta", "Delta", "Gamma"] {
            create(name).await;
        }
        const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String) { exportTemplates(first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasPreviousPage hasNextPage startCursor endCursor } nodes { name } } }";
        let names = |page: &Value| -> Vec<String> {
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let first = owner.data(PAGE, json!({ "first": 2 })).await["exportTemplates"].clone();
        assert_eq!(names(&first), ["Beta", "Delta"]);
        assert_eq!(first["pageInfo"]["hasNextPage"], true);

        // A template that sorts first arrives between the pages: the next page goes on after
        // Delta (by position it would show Delta again).
        create("Alpha").await;
        let next = owner
            .data(
                PAGE,
                json!({ "first": 2, "after": first["pageInfo"]["endCursor"] }),
            )
            .await["exportTemplates"]
            .clone();
        assert_eq!(names(&next), ["Gamma"], "{next}");
        assert_eq!(next["totalCount"], 4);
        assert_eq!(next["pageInfo"]["hasNextPage"], false);
        assert_eq!(next["pageInfo"]["hasPreviousPage"], true);

        // Backwards from Gamma: the two before it, and Alpha still before them.
        let back = owner
            .data(
                PAGE,
                json!({ "last": 2, "before": next["pageInfo"]["startCursor"] }),
            )
            .await["exportTemplates"]
            .clone();
        assert_eq!(names(&back), ["Beta", "Delta"], "{back}");
        assert_eq!(back["pageInfo"]["hasPreviousPage"], true);

        // Text that is not a cursor of this list is refused, naming the argument.
        let foreign = owner
            .query(PAGE, json!({ "first": 2, "after": "not a cursor" }))
            .await;
        assert_eq!(error_code(&foreign), Some("VALIDATION"), "{foreign}");
        assert_eq!(field(&foreign), "after", "{foreign}");
    }
);
