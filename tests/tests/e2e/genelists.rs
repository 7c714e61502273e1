//! Gene lists end to end: multipart uploads (hostile ones included), merges over uploads,
//! every export format through signed download links, audit rows and the download log.

use std::collections::BTreeSet;
use std::io::{Cursor, Write};

use calamine::{Reader, Xlsx};
use entity::{audit_log, panel_download};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shared::AuditAction;
use tests::client::error_code;
use tests::{GraphqlClient, TestApp, on_both_backends};

const UPLOAD: &str = "mutation($file: Upload!, $column: String, $sheet: String) { \
    uploadGeneList(file: $file, column: $column, sheet: $sheet) { id name format geneCount \
    genes { nodes { symbol } } diagnostics { row value kind message suggestion } } }";
const UPLOADS: &str = "{ uploads { nodes { id name geneCount } } }";

async fn upload(client: &GraphqlClient, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    upload_with(client, name, bytes, json!({ "file": null })).await
}

async fn upload_with(
    client: &GraphqlClient,
    name: &str,
    bytes: Vec<u8>,
    variables: Value,
) -> (u16, Value) {
    client
        .multipart(UPLOAD, variables, vec![("variables.file", name, bytes)])
        .await
}

fn kinds(list: &Value) -> Vec<String> {
    list["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn symbols(list: &Value) -> Vec<&str> {
    list["genes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["symbol"].as_str().unwrap())
        .collect()
}

/// A workbook whose gene column Excel has mangled (dates, a serial, scientific notation).
fn mangled_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Genes").unwrap();
    sheet.write_string(0, 0, "Gene Symbol").unwrap();
    sheet.write_string(1, 0, "PKD1").unwrap();
    let sept2 = rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 9, 2).unwrap();
    let date = rust_xlsxwriter::Format::new().set_num_format("d-mmm");
    sheet
        .write_datetime_with_format(2, 0, &sept2, &date)
        .unwrap();
    sheet.write_string(3, 0, "1-Mar").unwrap();
    sheet.write_number(4, 0, 2.31e13).unwrap();
    book.save_to_buffer().unwrap()
}

/// A real zip bomb shaped like a workbook: 51 MiB of zeros that compress to ~50 KiB.
fn zip_bomb() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/workbook.xml", options).unwrap();
    zip.write_all(b"<workbook/>").unwrap();
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let chunk = vec![0u8; 1024 * 1024];
    for _ in 0..51 {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

on_both_backends!(
    hostile_uploads_get_specific_errors_and_leave_earlier_uploads_intact,
    |app: TestApp| async move {
        let client = &app.client;
        // BOM, CRLF, quotes, blank rows, lower case, trailing spaces and a repeat.
        let csv = "\u{feff}Gene,Notes\r\n\"brca1 \",x\r\n\r\nTP53,y\r\nBRCA1,again\r\n";
        let (status, body) = upload(client, "first.csv", csv.as_bytes().to_vec()).await;
        assert_eq!(status, 200, "{body}");
        let first = &body["data"]["uploadGeneList"];
        assert_eq!(symbols(first), ["BRCA1", "TP53"], "{body}");
        // No gene directory here: TP53 can not be verified yet, and says so.
        for kind in ["NORMALISED", "BLANK_ROWS", "DUPLICATE", "UNVERIFIED"] {
            assert!(kinds(first).contains(&kind.to_owned()), "{kind}: {body}");
        }

        let (_, body) = upload(client, "mangled.xlsx", mangled_xlsx()).await;
        let mangled = &body["data"]["uploadGeneList"];
        assert_eq!(symbols(mangled), ["PKD1", "SEPTIN2", "MARCHF1"], "{body}");
        let dates: Vec<&Value> = mangled["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] == "EXCEL_DATE")
            .collect();
        assert_eq!(dates[0]["suggestion"], "SEPTIN2");
        assert_eq!(dates[0]["row"], 3);
        assert_eq!(dates[1]["suggestion"], "MARCHF1");
        assert!(kinds(mangled).contains(&"EXCEL_NUMBER".to_owned()));

        let formulas = "Gene\nPKD2\n=HYPERLINK(\"http://evil\",\"x\")\n+SUM(1)\n@cmd\n";
        let (_, body) = upload(client, "formulas.csv", formulas.as_bytes().to_vec()).await;
        let list = &body["data"]["uploadGeneList"];
        assert_eq!(symbols(list), ["PKD2"], "{body}");
        let refused = kinds(list).iter().filter(|k| *k == "FORMULA").count();
        assert_eq!(refused, 3);

        // 11 MB: refused by the HTTP layer before any parsing.
        let (status, body) = upload(client, "big.csv", vec![b'A'; 11 * 1024 * 1024]).await;
        assert_eq!(status, 413, "{body}");
        assert_eq!(error_code(&body), Some("PAYLOAD_TOO_LARGE"));

        let (status, body) = upload(client, "bomb.xlsx", zip_bomb()).await;
        assert_eq!(status, 200);
        assert_eq!(error_code(&body), Some("PAYLOAD_TOO_LARGE"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "ZIP_BOMB");
        assert_eq!(body["errors"][0]["extensions"]["limit"], 50 * 1024 * 1024);

        let garbage: Vec<u8> = (0u32..50_000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        let (_, body) = upload(client, "genes.xlsx", garbage).await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["reason"],
            "UNSUPPORTED_CONTENT"
        );

        let no_column = b"Name,Notes\nBRCA1,x\n".to_vec();
        let (_, body) = upload(client, "nocol.csv", no_column.clone()).await;
        assert_eq!(error_code(&body), Some("VALIDATION"));
        let ext = &body["errors"][0]["extensions"];
        assert_eq!(ext["reason"], "NO_GENE_COLUMN");
        assert_eq!(ext["columns"], json!(["Name", "Notes"]));
        let vars = json!({ "file": null, "column": "name" });
        let (_, body) = upload_with(client, "nocol.csv", no_column, vars).await;
        assert_eq!(
            symbols(&body["data"]["uploadGeneList"]),
            ["BRCA1"],
            "{body}"
        );

        // Every good upload is still there, in order; the bad ones changed nothing.
        let listed = client.data(UPLOADS, json!({})).await;
        let names: Vec<&str> = listed["uploads"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["first", "mangled", "formulas", "nocol"]);
        let failed = audit_log::Entity::find()
            .filter(audit_log::Column::ActionType.eq(AuditAction::PanelUpload))
            .filter(audit_log::Column::Success.eq(false))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(failed, 3, "zip bomb, garbage, no gene column");

        // Another browser sees none of them.
        let other = app.new_client();
        assert_eq!(
            other.data(UPLOADS, json!({})).await["uploads"]["nodes"],
            json!([])
        );
    }
);

const EXPORT: &str = "mutation($input: MergeInput!, $format: ExportFormat!) { \
    exportMerge(input: $input, format: $format, filename: \"Lab panel\", perSourceSheets: true) \
    { url filename expiresAt rows withoutCoordinates } }";

async fn get(base: &str, url: &str) -> reqwest::Response {
    reqwest::get(format!("{base}{url}")).await.unwrap()
}

on_both_backends!(
    merges_of_uploads_export_to_every_format_through_signed_links,
    |app: TestApp| async move {
        let client = &app.client;
        let (_, a) = upload(client, "=cmd.csv", b"Gene\nBRCA1\nTP53\n".to_vec()).await;
        let (_, b) = upload(client, "second.txt", b"tp53\nPKD1\n".to_vec()).await;
        let a = a["data"]["uploadGeneList"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let b = b["data"]["uploadGeneList"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let input = json!({ "panels": [], "uploads": [a, b] });
        let preview = client
            .data(
                "query($input: MergeInput!) { mergePreview(input: $input) { total \
                 genes { nodes { symbol sources { label listType } } } \
                 overlap { pairwise combinations { sources count } } } }",
                json!({ "input": input }),
            )
            .await;
        let merged = &preview["mergePreview"];
        assert_eq!(merged["total"], 3, "{preview}");
        assert_eq!(merged["overlap"]["pairwise"], json!([[2, 1], [1, 2]]));
        let tp53 = &merged["genes"]["nodes"][2];
        assert_eq!(tp53["symbol"], "TP53");
        assert_eq!(
            tp53["sources"],
            json!([{ "label": "=cmd", "listType": "User upload" },
                   { "label": "second", "listType": "User upload" }])
        );

        let mut urls = Vec::new();
        for format in ["XLSX", "CSV", "TSV", "JSON", "BED_GRCH37", "BED_GRCH38"] {
            let body = client
                .data(EXPORT, json!({ "input": input, "format": format }))
                .await;
            let download = body["exportMerge"].clone();
            assert!(download["url"].as_str().unwrap().starts_with("/download/"));
            let response = get(&app.address, download["url"].as_str().unwrap()).await;
            assert_eq!(response.status(), 200, "{format}");
            let disposition = response.headers()["content-disposition"].to_str().unwrap();
            assert!(disposition.starts_with(&format!(
                "attachment; filename=\"{}\"; filename*=UTF-8''",
                download["filename"].as_str().unwrap()
            )));
            let bytes = response.bytes().await.unwrap().to_vec();
            check_format(format, &bytes, &download);
            urls.push(download["url"].as_str().unwrap().to_owned());
        }

        // Every download is audited (once, FILE_ACCESS) and logged.
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::ActionType.eq(AuditAction::FileAccess))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(audited, 6);
        let logged = panel_download::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(logged.len(), 6);
        assert!(logged.iter().all(|l| l.gene_count == Some(3)));
        assert!(logged.iter().all(|l| l.panel_ids.starts_with("upload:")));
        assert_eq!(logged[0].list_types, "User upload,User upload");
        let formats: BTreeSet<_> = logged.iter().filter_map(|l| l.format.clone()).collect();
        assert_eq!(formats.len(), 6);

        // The link is the capability: another browser may fetch it, but not forge one.
        let other = get(&app.address, &urls[1]).await;
        assert_eq!(other.status(), 200);
        let forged = urls[1].replacen(".", ".9", 1);
        let response = get(&app.address, &forged).await;
        assert_eq!(response.status(), 403);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), Some("FORBIDDEN"));

        // With Redis, any instance serves a link another prepared.
        if app.backend == tests::Backend::PostgresRedis {
            let sibling = app.sibling().await;
            let response = get(&sibling.address, &urls[0]).await;
            assert_eq!(response.status(), 200);
            sibling.stop().await;
        }
    }
);

fn check_format(format: &str, bytes: &[u8], download: &Value) {
    match format {
        "XLSX" => {
            let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
            assert_eq!(
                book.sheet_names(),
                ["Combined list", "=cmd", "second", "Provenance"]
            );
            let combined = book.worksheet_range("Combined list").unwrap();
            let rows: Vec<Vec<String>> = combined
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            assert_eq!(rows[0][..3], ["GeneSymbol", "Panel(s)", "List type(s)"]);
            assert_eq!(rows[1][..3], ["BRCA1", "'=cmd", "User upload"]);
            assert_eq!(rows.len(), 4);
            assert_eq!(download["filename"], "Lab panel.xlsx");
        }
        "CSV" => {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            assert!(text.starts_with("GeneSymbol,Panel(s),List type(s),HGNC ID"));
            assert!(text.contains("BRCA1,'=cmd,User upload"), "{text}");
            assert!(text.contains("TP53,\"'=cmd, second\",\"User upload, User upload\""));
        }
        "TSV" => {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            assert_eq!(text.lines().count(), 4);
            assert!(text.contains("PKD1\tsecond\tUser upload"), "{text}");
        }
        "JSON" => {
            let json: Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(json["total"], 3);
            assert_eq!(json["provenance"]["sources"][0]["origin"], "upload");
        }
        _ => {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert!(lines[0].starts_with("# PanelMerge"));
            // Uploads carry no coordinates; those the gene directory knows are filled in, the
            // rest are listed in the header: none dropped silently.
            let without: usize = lines[1]
                .strip_prefix("# ")
                .and_then(|l| l.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("a count of entries without coordinates: {text}"));
            assert!(lines[1].contains("entries without"), "{text}");
            let rows = lines.iter().filter(|l| !l.starts_with('#')).count();
            assert_eq!(
                rows + without,
                3,
                "every entry is in the file or named: {text}"
            );
            let named = download["withoutCoordinates"].as_array().unwrap();
            assert_eq!(named.len(), without, "{download}");
            assert!(
                named.contains(&json!("TP53")),
                "TP53 has no coordinates: {download}"
            );
            assert_eq!(download["rows"], rows, "{download}");
        }
    }
}

#[tokio::test]
async fn a_new_visitor_gets_an_http_only_cookie_and_panels_fall_back_to_the_snapshot() {
    let app = TestApp::sqlite().await;
    let response = reqwest::Client::new()
        .post(app.client.url("/graphql"))
        .json(&json!({ "query": UPLOADS }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("pm_visitor="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // PanelApp is unreachable here: a panel of the bundled snapshot still merges ...
    let body = app
        .client
        .data(
            "query($input: MergeInput!) { mergePreview(input: $input) { total } }",
            json!({ "input": { "panels": [
                { "source": "UK", "id": 635, "confidence": ["GREEN"] }
            ] } }),
        )
        .await;
    assert_eq!(body["mergePreview"]["total"], 8, "{body}");
    // ... and one it does not hold fails, naming the instance.
    let body = app
        .client
        .query(
            "query($input: MergeInput!) { mergePreview(input: $input) { total } }",
            json!({ "input": { "panels": [
                { "source": "UK", "id": 3, "confidence": ["GREEN"] }
            ] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UPSTREAM_UNAVAILABLE"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["instance"], "PanelApp UK",
        "{body}"
    );
}

/// Browsers choose their own multipart boundary, with upper-case letters (Chromium:
/// `----WebKitFormBoundaryAbC…`); the server must keep its case to find the parts.
#[tokio::test]
async fn uploads_with_a_mixed_case_boundary_are_read() {
    let app = TestApp::sqlite().await;
    let boundary = "----WebKitFormBoundaryQx7ZtR3mKpLw";
    let operations = json!({ "query": UPLOAD, "variables": { "file": null } });
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.file\"]}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"lab.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nBRCA1\nTP53\r\n--{boundary}--\r\n"
    );
    let (status, answer) = app
        .client
        .post_raw_with_headers(
            &format!("Multipart/Form-Data; boundary={boundary}"),
            &[("x-requested-with", "XMLHttpRequest")],
            body.into_bytes(),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let list = &answer["data"]["uploadGeneList"];
    assert_eq!(list["name"], "lab", "{answer}");
    assert_eq!(symbols(list), ["BRCA1", "TP53"]);
    let uploads = app.client.query(UPLOADS, json!({})).await;
    assert_eq!(
        uploads["data"]["uploads"]["nodes"][0]["geneCount"], 2,
        "{uploads}"
    );
}

const WORKBENCH: &str = "{ workbench { panels { source panelId version confidence types } \
    leftOutUploads updatedAt } }";
const SAVE_WORKBENCH: &str = "mutation($i: WorkbenchInput!) { saveWorkbench(input: $i) { \
    panels { panelId version confidence } leftOutUploads updatedAt } }";

fn bench_panel(id: u32, version: &str, levels: &[&str]) -> Value {
    json!({ "source": "UK", "panelId": id, "version": version, "confidence": levels,
            "types": ["GENE"] })
}

on_both_backends!(
    the_workbench_is_kept_in_the_account_bounded_and_audited,
    |app: TestApp| async move {
        // Visitors have no account to keep it in.
        let body = app.client.query(WORKBENCH, json!({})).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

        let ada = app.logged_in("ada", shared::Role::User).await;
        assert_eq!(
            ada.data(WORKBENCH, json!({})).await["workbench"],
            Value::Null
        );
        let input = json!({ "i": {
            "panels": [bench_panel(402, "8.125", &["GREEN", "AMBER"]), bench_panel(398, "8.78", &["GREEN"])],
            "leftOutUploads": ["u-1"],
        } });
        ada.data(SAVE_WORKBENCH, input).await;
        let kept = &ada.data(WORKBENCH, json!({})).await["workbench"];
        assert_eq!(kept["panels"][0]["panelId"], 402);
        assert_eq!(kept["panels"][0]["version"], "8.125");
        assert_eq!(kept["panels"][0]["confidence"], json!(["GREEN", "AMBER"]));
        // Given as the bare key, given back as the upload's global id.
        assert_eq!(
            kept["leftOutUploads"],
            json!([server::graphql::node::global_id(
                server::graphql::node::Kind::UploadedList,
                "u-1"
            )
            .0])
        );

        // Another account sees only its own.
        let bob = app.logged_in("bob", shared::Role::User).await;
        assert_eq!(
            bob.data(WORKBENCH, json!({})).await["workbench"],
            Value::Null
        );

        // A save replaces the workbench (one row per user) and the audit row says what changed.
        let input = json!({ "i": {
            "panels": [bench_panel(402, "8.125", &["GREEN"]), bench_panel(635, "1.0", &["GREEN"])],
            "leftOutUploads": [],
        } });
        ada.data(SAVE_WORKBENCH, input).await;
        let kept = &ada.data(WORKBENCH, json!({})).await["workbench"];
        assert_eq!(kept["panels"].as_array().unwrap().len(), 2);
        assert_eq!(kept["panels"][1]["panelId"], 635);
        assert_eq!(
            entity::workbenches::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            1
        );
        let rows = app.audit_rows(Some(AuditAction::ProfileUpdate)).await;
        let last = rows.last().unwrap();
        assert_eq!(last.username.as_deref(), Some("ada"));
        assert_eq!(last.resource_type.as_deref(), Some("workbench"));
        assert!(
            last.action_description
                .contains("2 panels, 0 uploads left out")
                && last
                    .action_description
                    .contains("added: PanelApp UK panel 635 v1.0")
                && last
                    .action_description
                    .contains("removed: PanelApp UK panel 398 v8.78")
                && last
                    .action_description
                    .contains("choices changed: PanelApp UK panel 402 v8.125"),
            "{}",
            last.action_description
        );

        // Bad input is refused with the entry named, and nothing kept is lost.
        let twice = json!({ "i": {
            "panels": [bench_panel(402, "8.125", &["GREEN"]), bench_panel(402, "8.125", &["AMBER"])],
            "leftOutUploads": [],
        } });
        let body = ada.query(SAVE_WORKBENCH, twice).await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "panels[1]",
            "{body}"
        );
        let not_a_version = json!({ "i": {
            "panels": [bench_panel(402, "latest", &["GREEN"])], "leftOutUploads": [],
        } });
        let body = ada.query(SAVE_WORKBENCH, not_a_version).await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "panels[0]",
            "{body}"
        );
        let too_many: Vec<Value> = (0..101)
            .map(|i| bench_panel(i, "1.0", &["GREEN"]))
            .collect();
        let body = ada
            .query(
                SAVE_WORKBENCH,
                json!({ "i": { "panels": too_many, "leftOutUploads": [] } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("at most 100 panels, not 101"),
            "{body}"
        );
        let kept = &ada.data(WORKBENCH, json!({})).await["workbench"];
        assert_eq!(
            kept["panels"].as_array().unwrap().len(),
            2,
            "kept as it was"
        );
    }
);
