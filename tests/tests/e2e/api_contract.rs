//! The API contract a script relies on: token scopes and expiry, shares changed only as asked,
//! `restoreVersion(basedOnVersion)`, GraphQL-over-HTTP transport (405, media type, 400 for
//! request errors, `RateLimit` headers), graphql-ws close codes, and an audit trail that samples
//! token reads and names the resource of failed mutations.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::ws::WsClient;
use tests::{GraphqlClient, TestApp, on_both_backends};

const CREATE_TOKEN: &str = "mutation($n: String!, $s: [TokenScope!], $d: Int) {
    createApiToken(name: $n, scopes: $s, expiresInDays: $d) { id secret token { scopes expiresAt } } }";
const TOKENS: &str = "{ apiTokens { id name scopes } }";
const CREATE_PANEL: &str =
    "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id currentVersion } }";
const SHARE: &str = "mutation($i: SharePanelInput!) { sharePanel(input: $i) {
    updated linkToken share { id permission expiresAt canReshare } } }";
const SHARES: &str = "query($id: ID!) { savedPanel(id: $id) { shares { nodes { id username permission expiresAt canReshare active } } } }";

async fn token(
    client: &GraphqlClient,
    name: &str,
    scopes: Option<Value>,
    days: Option<i64>,
) -> Value {
    client
        .query(CREATE_TOKEN, json!({ "n": name, "s": scopes, "d": days }))
        .await
}

fn secret(created: &Value) -> String {
    created["data"]["createApiToken"]["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {created:#}"))
        .to_owned()
}

fn reason(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["reason"].as_str()
}

/// Audit rows of one action, oldest first, read as an admin reads them (details decrypted).
async fn audit(app: &TestApp, action: &str) -> Vec<Value> {
    static AUDITORS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = AUDITORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let admin = app.logged_in(&format!("auditor{n}"), Role::Admin).await;
    let page = admin
        .data(
            "query($a: [AuditAction!]) { auditLog(filter: { actions: $a }, first: 100) {
                nodes { description success resourceType resourceId details oldValues newValues } } }",
            json!({ "a": [action] }),
        )
        .await;
    let mut rows = page["auditLog"]["nodes"].as_array().unwrap().clone();
    rows.reverse();
    rows
}

async fn new_panel(client: &GraphqlClient, name: &str) -> String {
    let data = client
        .data(
            CREATE_PANEL,
            json!({ "i": { "name": name, "genes": [
                { "symbol": "BRCA1", "confidence": "GREEN" },
                { "symbol": "TP53", "confidence": "GREEN" } ] } }),
        )
        .await;
    data["createSavedPanel"]["id"].as_str().unwrap().to_owned()
}

on_both_backends!(
    tokens_have_scopes_a_default_expiry_and_mint_nothing_broader,
    |app: TestApp| async move {
        let ada = app.logged_in("ada", Role::User).await;

        // Defaults: READ + WRITE, 90 days.
        let created = token(&ada, "default", None, None).await;
        let listed = &created["data"]["createApiToken"]["token"];
        assert_eq!(listed["scopes"], json!(["READ", "WRITE"]), "{created:#}");
        let expires: DateTime<Utc> = listed["expiresAt"].as_str().unwrap().parse().unwrap();
        let days = (expires - Utc::now()).num_hours();
        assert!((89 * 24..=90 * 24).contains(&days), "expires in {days} h");

        // Out-of-range lifetimes and empty or role-exceeding scopes are refused.
        for (days, scopes) in [(Some(0), None), (Some(3651), None), (None, Some(json!([])))] {
            let refused = token(&ada, "bad", scopes, days).await;
            assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused:#}");
        }
        let refused = token(&ada, "admin", Some(json!(["READ", "ADMIN"])), None).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused:#}");
        assert_eq!(reason(&refused), Some("scope_exceeds_role"));

        // A READ token reads and changes nothing.
        let reader = ada.with_bearer(&secret(
            &token(&ada, "reader", Some(json!(["READ"])), Some(10)).await,
        ));
        let me = reader.data("{ me { username } }", json!({})).await;
        assert_eq!(me["me"]["username"], "ada");
        let before = ada.data(TOKENS, json!({})).await["apiTokens"]
            .as_array()
            .unwrap()
            .len();
        let refused = token(&reader, "child", Some(json!(["READ"])), Some(1)).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused:#}");
        assert_eq!(reason(&refused), Some("token_scope"));
        assert_eq!(refused["errors"][0]["extensions"]["requiredScope"], "WRITE");
        let refused = reader
            .query(CREATE_PANEL, json!({ "i": { "name": "x", "genes": [] } }))
            .await;
        assert_eq!(reason(&refused), Some("token_scope"), "{refused:#}");
        let after = ada.data(TOKENS, json!({})).await["apiTokens"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(before, after, "a READ token created nothing");

        // A token mints only narrower, shorter-lived tokens.
        let writer = ada.with_bearer(&secret(
            &token(&ada, "writer", Some(json!(["READ", "WRITE"])), Some(10)).await,
        ));
        let child = token(&writer, "child", Some(json!(["READ"])), Some(5)).await;
        assert_eq!(
            child["data"]["createApiToken"]["token"]["scopes"],
            json!(["READ"]),
            "{child:#}"
        );
        let refused = token(&writer, "longer", Some(json!(["READ"])), Some(30)).await;
        assert_eq!(
            reason(&refused),
            Some("exceeds_token_expiry"),
            "{refused:#}"
        );

        // An admin's token without ADMIN can not administer, nor mint a token that can.
        let root = app.logged_in("root", Role::Admin).await;
        let plain = root.with_bearer(&secret(&token(&root, "plain", None, Some(10)).await));
        let refused = plain.query("{ auditLog { totalCount } }", json!({})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused:#}");
        assert_eq!(refused["errors"][0]["extensions"]["requiredScope"], "ADMIN");
        let refused = token(
            &plain,
            "wider",
            Some(json!(["READ", "WRITE", "ADMIN"])),
            Some(1),
        )
        .await;
        assert_eq!(reason(&refused), Some("exceeds_token_scope"), "{refused:#}");
        let admin = root.with_bearer(&secret(
            &token(&root, "admin", Some(json!(["READ", "ADMIN"])), Some(10)).await,
        ));
        let log = admin.data("{ auditLog { totalCount } }", json!({})).await;
        assert!(log["auditLog"]["totalCount"].as_i64().unwrap() > 0);

        // A malformed Authorization header is refused, not treated as anonymous.
        for header in ["Token abc", "Bearer", "Bearer two words", "Basic YTpi"] {
            let response = app
                .new_client()
                .http
                .post(format!("{}/graphql", app.address))
                .header("authorization", header)
                .json(&json!({ "query": "{ __typename }" }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 401, "{header}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                error_code(&body),
                Some("UNAUTHENTICATED"),
                "{header}: {body:#}"
            );
            assert_eq!(reason(&body), Some("malformed_authorization"), "{header}");
        }
    }
);

on_both_backends!(
    sharing_again_changes_only_what_is_asked,
    |app: TestApp| async move {
        let owner = app.logged_in("owner", Role::User).await;
        app.create_user("bob", Role::User).await;
        let id = new_panel(&owner, "Cardiac").await;
        let until = (Utc::now() + chrono::TimeDelta::days(30))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let first = owner
            .data(
                SHARE,
                json!({ "i": { "panelId": id, "username": "bob", "permission": "VIEW",
                "expiresAt": until, "canReshare": false } }),
            )
            .await;
        assert_eq!(first["sharePanel"]["updated"], false);

        // Again with another permission only: the expiry stays.
        let again = owner
            .data(
                SHARE,
                json!({ "i": { "panelId": id, "username": "bob", "permission": "COMMENT" } }),
            )
            .await;
        assert_eq!(again["sharePanel"]["updated"], true, "{again:#}");
        assert_eq!(
            again["sharePanel"]["share"]["id"],
            first["sharePanel"]["share"]["id"]
        );
        let shares =
            owner.data(SHARES, json!({ "id": id })).await["savedPanel"]["shares"]["nodes"].clone();
        let active: Vec<&Value> = shares
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["active"] == true)
            .collect();
        assert_eq!(active.len(), 1, "{shares:#}");
        assert_eq!(active[0]["permission"], "COMMENT");
        let kept: DateTime<Utc> = active[0]["expiresAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            kept.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            until
        );

        // `expiresAt: null` removes the expiry explicitly.
        owner
            .data(SHARE, json!({ "i": { "panelId": id, "username": "bob", "permission": "COMMENT", "expiresAt": null } }))
            .await;
        let shares =
            owner.data(SHARES, json!({ "id": id })).await["savedPanel"]["shares"]["nodes"].clone();
        let bob = shares
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["active"] == true)
            .unwrap();
        assert!(bob["expiresAt"].is_null(), "{shares:#}");

        // The audit row of the change says before and after.
        let rows = audit(&app, "PANEL_SHARE").await;
        let changed = &rows[1];
        assert!(
            changed["description"]
                .as_str()
                .unwrap()
                .contains("changed the existing share"),
            "{changed}"
        );
        assert_eq!(changed["oldValues"]["permission"], "VIEW", "{changed}");
        assert_eq!(changed["newValues"]["permission"], "COMMENT");
        assert!(
            changed["newValues"]["expiresAt"].is_string(),
            "expiry kept: {changed}"
        );

        // A link grants VIEW or COMMENT only; nothing is made for EDIT.
        let refused = owner
            .query(
                SHARE,
                json!({ "i": { "panelId": id, "link": true, "permission": "EDIT" } }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused:#}");
        assert_eq!(refused["errors"][0]["extensions"]["field"], "permission");
        let shares =
            owner.data(SHARES, json!({ "id": id })).await["savedPanel"]["shares"]["nodes"].clone();
        assert_eq!(
            shares.as_array().unwrap().len(),
            1,
            "no link share was made: {shares:#}"
        );
        let link = owner
            .data(
                SHARE,
                json!({ "i": { "panelId": id, "link": true, "permission": "COMMENT" } }),
            )
            .await;
        assert!(link["sharePanel"]["linkToken"].is_string());
    }
);

on_both_backends!(
    restoring_a_version_checks_the_version_it_was_based_on,
    |app: TestApp| async move {
        let owner = app.logged_in("owner", Role::User).await;
        let id = new_panel(&owner, "Epilepsy").await;
        owner
            .data(
                "mutation($id: ID!) { updateSavedPanel(id: $id, input: { basedOnVersion: 1, removeGenes: [\"TP53\"] }) { currentVersion } }",
                json!({ "id": id }),
            )
            .await;
        const RESTORE: &str = "mutation($id: ID!, $b: Int) { restoreVersion(id: $id, version: 1, basedOnVersion: $b) { currentVersion geneCount } }";
        let stale = owner.query(RESTORE, json!({ "id": id, "b": 1 })).await;
        assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale:#}");
        assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
        let panel = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { currentVersion versions { nodes { number } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(panel["savedPanel"]["currentVersion"], 2, "nothing changed");
        assert_eq!(
            panel["savedPanel"]["versions"]["nodes"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let restored = owner.data(RESTORE, json!({ "id": id, "b": 2 })).await;
        assert_eq!(restored["restoreVersion"]["currentVersion"], 3);
        assert_eq!(restored["restoreVersion"]["geneCount"], 2);
    }
);

#[tokio::test]
async fn transport_follows_graphql_over_http() {
    let Some(app) =
        TestApp::with_vars(tests::Backend::Sqlite, &[("RATE_LIMIT_PER_MINUTE", "6")]).await
    else {
        return;
    };
    let client = app.new_client();
    let post = |accept: &'static str, query: &'static str| {
        client
            .http
            .post(format!("{}/graphql", app.address))
            .header("accept", accept)
            .json(&json!({ "query": query }))
            .send()
    };

    // 1: a normal answer carries the RateLimit headers.
    let ok = post("application/json", "{ __typename }").await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header(&ok, "ratelimit-limit").as_deref(), Some("6"));
    assert_eq!(header(&ok, "ratelimit-remaining").as_deref(), Some("5"));
    assert!(
        header(&ok, "ratelimit-policy")
            .unwrap()
            .starts_with("6;w=60")
    );
    assert!(
        header(&ok, "content-type")
            .unwrap()
            .starts_with("application/json")
    );

    // 2: the GraphQL-over-HTTP media type, and 400 for a request error with it.
    let typed = post("application/graphql-response+json", "{ __typename }")
        .await
        .unwrap();
    assert_eq!(typed.status().as_u16(), 200);
    assert_eq!(
        header(&typed, "content-type").as_deref(),
        Some("application/graphql-response+json")
    );
    assert_eq!(header(&typed, "ratelimit-remaining").as_deref(), Some("4"));
    let bad = post("application/graphql-response+json", "{ nosuchfield }")
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(error_code(&body), Some("VALIDATION"), "{body:#}");
    // 4: plain JSON keeps 200 for the same request error.
    let legacy = post("application/json", "{ nosuchfield }").await.unwrap();
    assert_eq!(legacy.status().as_u16(), 200);

    // 5: a mutation over GET is 405 with Allow.
    let get = client
        .http
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "mutation { logout }")])
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);
    assert!(header(&get, "allow").unwrap().contains("POST"));
    let body: Value = get.json().await.unwrap();
    assert_eq!(reason(&body), Some("method_not_allowed"), "{body:#}");

    // 6, then 7: the limit; the refusal says when to retry and that nothing is left.
    post("application/json", "{ __typename }").await.unwrap();
    let limited = post("application/json", "{ __typename }").await.unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    assert!(
        header(&limited, "retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(
        header(&limited, "ratelimit-remaining").as_deref(),
        Some("0")
    );
    assert_eq!(header(&limited, "ratelimit-limit").as_deref(), Some("6"));
}

#[tokio::test]
async fn a_refused_connection_init_closes_with_4403_and_the_reason() {
    let app = TestApp::sqlite().await;
    let mut ws = WsClient::open(&app.ws_url(), &[]).await.unwrap();
    ws.send(json!({ "type": "connection_init", "payload": { "token": "pmt_not_a_real_token" } }))
        .await;
    let closed = ws.closed(Duration::from_secs(10)).await.expect("closed");
    assert_eq!(closed.code, 4403, "{}", closed.reason);
    assert!(closed.reason.contains("API token"), "{}", closed.reason);

    let mut ws = WsClient::open(&app.ws_url(), &[]).await.unwrap();
    ws.send(json!({ "type": "connection_init", "payload": { "Authorization": "Token abc" } }))
        .await;
    let closed = ws.closed(Duration::from_secs(10)).await.expect("closed");
    assert_eq!(closed.code, 4403, "{}", closed.reason);
    assert!(closed.reason.contains("Bearer"), "{}", closed.reason);
}

on_both_backends!(
    token_reads_are_sampled_and_failed_mutations_name_their_resource,
    |app: TestApp| async move {
        let ada = app.logged_in("ada", Role::User).await;
        let script = ada.with_bearer(&secret(&token(&ada, "pipeline", None, None).await));
        for _ in 0..5 {
            script.data("{ me { username } }", json!({})).await;
        }
        let rows = audit(&app, "API_ACCESS").await;
        assert_eq!(rows.len(), 1, "five reads, one sampled row: {rows:?}");
        assert_eq!(rows[0]["details"]["sampledPerSeconds"], 60, "{rows:?}");

        // A write is recorded each time.
        new_panel(&script, "From a script").await;
        new_panel(&script, "Another").await;
        let rows = audit(&app, "API_ACCESS").await;
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[2]["details"]["writes"], true, "{rows:?}");

        // A failed mutation names what it was aimed at.
        let failed = script
            .query(
                "mutation { updateSavedPanel(id: \"987654\", input: { basedOnVersion: 1, removeGenes: [\"TP53\"] }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&failed), Some("NOT_FOUND"), "{failed:#}");
        let row = app
            .audit_rows(Some(AuditAction::PanelUpdate))
            .await
            .into_iter()
            .find(|r| !r.success)
            .expect("a failure row");
        assert_eq!(row.resource_type.as_deref(), Some("saved_panel"));
        assert_eq!(row.resource_id.as_deref(), Some("987654"));
        let refused = script
            .query("mutation { revokeShare(id: \"4242\") }", json!({}))
            .await;
        assert!(error_code(&refused).is_some(), "{refused:#}");
        let row = app
            .audit_rows(None)
            .await
            .into_iter()
            .rev()
            .find(|r| !r.success && r.resource_id.as_deref() == Some("4242"))
            .expect("the refused revokeShare names its share");
        assert_eq!(row.resource_type.as_deref(), Some("panel_share"));
    }
);

on_both_backends!(
    closed_sets_are_enums_and_dates_are_dates,
    |app: TestApp| async move {
        let owner = app.logged_in("owner", Role::User).await;
        let id = new_panel(&owner, "Typed").await;
        let panel = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { sourceType sources { label } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(panel["savedPanel"]["sourceType"], "MANUAL");
        assert_eq!(panel["savedPanel"]["sources"], json!([]));

        // Live changes name their kind with the enum.
        let mut ws = WsClient::connect(
            &app.ws_url(),
            &[("cookie", owner.cookie_header().as_str())],
            json!({}),
        )
        .await
        .unwrap();
        let sub = ws
            .subscribe(
                "subscription($id: ID!) { savedPanelChanged(id: $id) { panelId version kind } }",
                json!({ "id": id }),
            )
            .await;
        let mut kinds = Vec::new();
        for _ in 0..50 {
            owner
                .query(
                    "mutation($p: ID!) { commentOnPanel(panelId: $p, body: \"looks right\") { id } }",
                    json!({ "p": id }),
                )
                .await;
            if let Some(m) = ws.next_data(&sub, Duration::from_millis(200)).await {
                kinds.push(m["data"]["savedPanelChanged"]["kind"].clone());
                break;
            }
        }
        assert_eq!(
            kinds,
            [json!("COMMENT")],
            "the subscription delivered the comment"
        );

        // Dates from PanelApp are typed: the schema says so.
        let schema = app
            .new_client()
            .data(
                "{ a: __type(name: \"PanelSummary\") { fields { name type { name ofType { name } } } }
                   b: __type(name: \"PanelAppStatus\") { fields { name type { name } } } }",
                json!({}),
            )
            .await;
        let type_of = |t: &str, field: &str| -> String {
            let f = schema[t]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == field)
                .unwrap_or_else(|| panic!("{field} on {t}"))
                .clone();
            f["type"]["name"]
                .as_str()
                .or(f["type"]["ofType"]["name"].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(type_of("a", "versionCreated"), "DateTime");
        assert_eq!(type_of("a", "signedOffDate"), "Date");
        assert_eq!(type_of("b", "snapshotDate"), "Date");
        let status = app
            .new_client()
            .data("{ panelAppStatus { source snapshotDate } }", json!({}))
            .await;
        let date = status["panelAppStatus"][0]["snapshotDate"]
            .as_str()
            .unwrap_or_default();
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "a YYYY-MM-DD date: {status}"
        );
    }
);
