//! Hostile uploads against the real server: workbooks of a few kilobytes whose used cells
//! are far apart (the reader once built the whole rectangle between them and the process
//! aborted), and the anonymous upload quota, which once started afresh for every visitor
//! who dropped the cookie.

use entity::uploads;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use server::genelists::upload::test_support;
use tests::client::error_code;
use tests::{Backend, GraphqlClient, TestApp, TestConfig, on_both_backends};

const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { id format \
    genes { nodes { symbol } } } }";

async fn upload(client: &GraphqlClient, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    client
        .multipart(
            UPLOAD,
            json!({ "file": null }),
            vec![("variables.file", name, bytes)],
        )
        .await
}

/// `A1` and `XFD1048576`: 1,048,576 × 16,384 cells between them.
fn far_apart_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Genes").unwrap();
    sheet.write_string(0, 0, "BRCA1").unwrap();
    sheet.write_number(1_048_575, 16_383, 1).unwrap();
    book.save_to_buffer().unwrap()
}

fn assert_sheet_too_large(body: &Value, message: &str) {
    assert_eq!(error_code(body), Some("PAYLOAD_TOO_LARGE"), "{body}");
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["reason"], "SHEET_TOO_LARGE", "{body}");
    assert_eq!(extensions["limit"], 2_000_000, "{body}");
    assert_eq!(body["errors"][0]["message"], message, "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
}

on_both_backends!(
    far_apart_cells_are_refused_and_the_server_stays_up,
    |app: TestApp| async move {
        // An anonymous visitor: no account needed to upload.
        let client = app.new_client();
        let xlsx = far_apart_xlsx();
        assert!(xlsx.len() < 10_000, "a few kilobytes: {}", xlsx.len());
        let (status, body) = upload(&client, "far.xlsx", xlsx).await;
        assert_eq!(status, 200, "{body}");
        assert_sheet_too_large(
            &body,
            "the sheet spans 1,048,576 rows × 16,384 columns; at most 2,000,000 cells are read",
        );

        let xls = test_support::far_apart_xls();
        assert!(xls.len() <= 16 * 1024, "{}", xls.len());
        let (status, body) = upload(&client, "far.xls", xls).await;
        assert_eq!(status, 200, "{body}");
        assert_sheet_too_large(
            &body,
            "the sheet spans 65,536 rows × 65,536 columns; at most 2,000,000 cells are read",
        );

        // A DIMENSIONS record claiming 4 billion rows is refused before calamine reserves them.
        let claims = test_support::xls(
            "Genes",
            &[((0, 0), test_support::XlsValue::Text("BRCA1"))],
            Some((u32::MAX, 256)),
        );
        let (_, body) = upload(&client, "claims.xls", claims).await;
        assert_eq!(error_code(&body), Some("PAYLOAD_TOO_LARGE"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "SHEET_TOO_LARGE");

        // Nothing was stored; the server still answers, and an ordinary upload of each kind
        // works.
        assert_eq!(
            uploads::Entity::find().count(&app.state.db).await.unwrap(),
            0
        );
        let (_, body) = upload(
            &client,
            "genes.csv",
            b"Gene,Score\nBRCA1,1\nTP53,2\n".to_vec(),
        )
        .await;
        let list = &body["data"]["uploadGeneList"];
        assert_eq!(list["format"], "CSV", "{body}");
        assert_eq!(
            list["genes"]["nodes"],
            json!([{ "symbol": "BRCA1" }, { "symbol": "TP53" }])
        );
        let xls = test_support::xls(
            "Genes",
            &[
                ((0, 0), test_support::XlsValue::Text("Gene")),
                ((1, 0), test_support::XlsValue::Text("PKD1")),
            ],
            Some((2, 1)),
        );
        let (_, body) = upload(&client, "genes.xls", xls).await;
        let list = &body["data"]["uploadGeneList"];
        assert_eq!(list["format"], "XLS", "{body}");
        assert_eq!(list["genes"]["nodes"], json!([{ "symbol": "PKD1" }]));
        assert_eq!(
            uploads::Entity::find().count(&app.state.db).await.unwrap(),
            2
        );
    }
);

async fn anonymous_quota_holds_per_address(backend: Backend) {
    let Some(app) = TestApp::spawn(TestConfig {
        backend: Some(backend),
        vars: [("ANON_UPLOADS_PER_IP".to_owned(), "3".to_owned())].into(),
        ..TestConfig::default()
    })
    .await
    else {
        return;
    };
    // Every upload from a new client: a new cookie jar, so a new visitor each time.
    for i in 0..3 {
        let (_, body) = upload(&app.new_client(), "genes.txt", b"BRCA1\n".to_vec()).await;
        assert!(
            body["data"]["uploadGeneList"]["id"].is_string(),
            "upload {i}: {body}"
        );
    }
    let (_, body) = upload(&app.new_client(), "genes.txt", b"BRCA1\n".to_vec()).await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["reason"], "TOO_MANY_UPLOADS", "{body}");
    assert_eq!(error["extensions"]["limit"], 3, "{body}");
    assert!(
        error["extensions"]["retryAfter"].as_u64().unwrap() > 0,
        "{body}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("ANON_UPLOADS_PER_IP"),
        "{body}"
    );
    assert_eq!(
        uploads::Entity::find().count(&app.state.db).await.unwrap(),
        3,
        "the refused upload stored nothing"
    );
    // A logged-in user at the same address is not held to the anonymous quota.
    let user = app.logged_in("quota-user", shared::Role::User).await;
    let (_, body) = upload(&user, "genes.txt", b"TP53\n".to_vec()).await;
    assert!(body["data"]["uploadGeneList"]["id"].is_string(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_upload_quota_holds_per_address_without_cookies_sqlite() {
    anonymous_quota_holds_per_address(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_upload_quota_holds_per_address_without_cookies_postgres_redis() {
    anonymous_quota_holds_per_address(Backend::PostgresRedis).await;
}
