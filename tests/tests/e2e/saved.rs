//! Saved panels: versions, diffs, restore, concurrency, sharing and teams.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::{GraphqlClient, PASSWORD, TestApp, on_both_backends};

const CREATE: &str = "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id currentVersion geneCount } }";
const EDIT: &str = "mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) { currentVersion geneCount } }";
const PANEL: &str = "query($id: ID!) { savedPanel(id: $id) { id name currentVersion myPermission
    versions { nodes { number comment geneCount hash } } genes { nodes { symbol confidence customConfidence effectiveConfidence } } } }";

fn genes(list: &[(&str, &str)]) -> Value {
    json!(
        list.iter()
            .map(|(s, c)| json!({ "symbol": s, "confidence": c, "sources": ["uk-635@2.18"] }))
            .collect::<Vec<_>>()
    )
}

async fn create(client: &GraphqlClient, name: &str) -> String {
    let data = client
        .data(CREATE, json!({ "i": { "name": name, "tags": ["Cancer"], "genes": genes(&[("BRCA1", "GREEN"), ("TP53", "GREEN"), ("PALB2", "AMBER")]) } }))
        .await;
    assert_eq!(data["createSavedPanel"]["currentVersion"], 1);
    data["createSavedPanel"]["id"].as_str().unwrap().to_owned()
}

on_both_backends!(
    edits_make_one_version_with_every_change_recorded,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let id = create(&owner, "Breast cancer").await;
        let edit = json!({ "id": id, "i": {
            "basedOnVersion": 1, "comment": "lab review",
            "addGenes": [{ "symbol": "atm", "confidence": "GREEN" }],
            "removeGenes": ["TP53"],
            "updateGenes": [{ "symbol": "BRCA1", "customConfidence": "AMBER", "notes": "reviewed" }],
            "metadata": { "description": "Reviewed list" }
        }});
        let data = owner.data(EDIT, edit.clone()).await;
        assert_eq!(data["updateSavedPanel"]["currentVersion"], 2);
        assert_eq!(data["updateSavedPanel"]["geneCount"], 3);
        let panel = owner.data(PANEL, json!({ "id": id })).await["savedPanel"].clone();
        let symbols: Vec<_> = panel["genes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["symbol"].as_str().unwrap())
            .collect();
        assert_eq!(symbols, ["ATM", "BRCA1", "PALB2"]);
        let brca1 = &panel["genes"]["nodes"][1];
        assert_eq!(brca1["effectiveConfidence"], "AMBER");
        assert_eq!(panel["versions"]["nodes"][0]["comment"], "lab review");
        assert_eq!(panel["versions"]["nodes"][1]["geneCount"], 3);

        let history = owner
        .data(
            "query($id: ID!) { savedPanel(id: $id) { changes(version: 2) { nodes { changeType target targetType targetKind metadataField old new } }
              genes(version: 1) { nodes { symbol } } diff(from: 1, to: 2) { added { symbol } removed { symbol } changed { symbol field old new } } } }",
            json!({ "id": id }),
        )
        .await;
        let p = &history["savedPanel"];
        let types: std::collections::BTreeSet<_> = p["changes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["changeType"].as_str().unwrap())
            .collect();
        assert_eq!(
            types.into_iter().collect::<Vec<_>>(),
            [
                "CONFIDENCE_CHANGED",
                "GENE_ADDED",
                "GENE_MODIFIED",
                "GENE_REMOVED",
                "METADATA_CHANGED"
            ]
        );
        let confidence = p["changes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["changeType"] == "CONFIDENCE_CHANGED")
            .unwrap();
        assert_eq!(confidence["target"], "BRCA1");
        assert_eq!(confidence["new"], "AMBER");
        assert!(confidence["old"].is_null());
        // Each change's target is typed as well as recorded.
        for change in p["changes"]["nodes"].as_array().unwrap() {
            let expected = match change["changeType"].as_str().unwrap() {
                "GENE_ADDED" | "GENE_REMOVED" => ("GENE", None),
                "METADATA_CHANGED" => ("METADATA", Some("metadata.")),
                _ => ("GENE_FIELD", Some("gene.")),
            };
            assert_eq!(change["targetKind"], expected.0, "{change}");
            let word = change["targetType"].as_str().unwrap();
            match expected.1 {
                Some(prefix) => assert!(word.starts_with(prefix), "{change}"),
                None => assert_eq!(word, "gene"),
            }
        }
        let metadata = p["changes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["changeType"] == "METADATA_CHANGED")
            .unwrap();
        let field = metadata["targetType"]
            .as_str()
            .unwrap()
            .strip_prefix("metadata.")
            .unwrap();
        assert_eq!(
            metadata["metadataField"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase(),
            field,
            "{metadata}"
        );
        assert_eq!(
            p["genes"]["nodes"].as_array().unwrap().len(),
            3,
            "version 1 kept its genes"
        );
        assert!(p["genes"]["nodes"].to_string().contains("TP53"));
        assert_eq!(p["diff"]["added"][0]["symbol"], "ATM");
        assert_eq!(p["diff"]["removed"][0]["symbol"], "TP53");
        assert!(
            p["diff"]["changed"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["symbol"] == "BRCA1" && c["field"] == "CUSTOM_CONFIDENCE")
        );

        // Old and new values are encrypted at rest.
        use sea_orm::EntityTrait;
        let rows = entity::panel_changes::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert!(
            rows.iter()
                .filter_map(|r| r.new_value.as_deref())
                .all(|v| v.starts_with("v1."))
        );
        assert!(
            rows.iter()
                .any(|r| r.change_type == shared::ChangeType::PanelCreated)
        );

        // A stale edit changes nothing.
        let stale = owner.query(EDIT, edit).await;
        assert_eq!(error_code(&stale), Some("CONFLICT"));
        assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
        let after = owner.data(PANEL, json!({ "id": id })).await;
        assert_eq!(
            after["savedPanel"]["versions"]["nodes"]
                .as_array()
                .unwrap()
                .len(),
            2
        );

        // Restore version 1: a new version equal to it, hash and all.
        let restored = owner
            .data(
                "mutation($id: ID!) { restoreVersion(id: $id, version: 1) { currentVersion } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(restored["restoreVersion"]["currentVersion"], 3);
        let panel = owner.data(PANEL, json!({ "id": id })).await["savedPanel"].clone();
        let versions = panel["versions"]["nodes"].as_array().unwrap();
        assert_eq!(versions[0]["number"], 3);
        assert_eq!(
            versions[0]["hash"], versions[2]["hash"],
            "restored version hashes equal the original"
        );
        assert_ne!(versions[1]["hash"], versions[2]["hash"]);
        assert_eq!(
            app.audit_rows(Some(AuditAction::PanelCreate)).await.len(),
            1
        );
        assert!(app.audit_rows(Some(AuditAction::PanelUpdate)).await.len() >= 2);
    }
);

#[tokio::test]
async fn names_are_unique_per_owner_and_bad_edits_name_the_gene() {
    let app = TestApp::sqlite().await;
    let owner = app.logged_in("owner1", Role::User).await;
    let other = app.logged_in("owner2", Role::User).await;
    let id = create(&owner, "Cardiac").await;
    let dup = owner
        .query(CREATE, json!({ "i": { "name": " Cardiac " } }))
        .await;
    assert_eq!(error_code(&dup), Some("CONFLICT"));
    assert_eq!(dup["errors"][0]["extensions"]["field"], "name");
    create(&other, "Cardiac").await;
    for (input, field, needle) in [
        (
            json!({ "basedOnVersion": 1, "removeGenes": ["MYH7"] }),
            "removeGenes",
            "MYH7",
        ),
        (
            json!({ "basedOnVersion": 1, "addGenes": [{ "symbol": "brca1" }] }),
            "addGenes",
            "BRCA1",
        ),
        (
            json!({ "basedOnVersion": 1, "addGenes": [{ "symbol": "=cmd|x" }] }),
            "addGenes",
            "must start with a letter",
        ),
        (json!({ "basedOnVersion": 1 }), "", "nothing changed"),
    ] {
        let body = owner.query(EDIT, json!({ "id": id, "i": input })).await;
        assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains(needle) && message.contains(field),
            "{message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_one_wins_one_conflicts() {
    let Some(app) = TestApp::postgres_redis().await else {
        return;
    };
    let owner = app.logged_in("owner1", Role::User).await;
    let id = create(&owner, "Race").await;
    let a = owner.query(
        EDIT,
        json!({ "id": id, "i": { "basedOnVersion": 1, "addGenes": [{ "symbol": "ATM" }] } }),
    );
    let b = owner.query(
        EDIT,
        json!({ "id": id, "i": { "basedOnVersion": 1, "addGenes": [{ "symbol": "CHEK2" }] } }),
    );
    let (a, b) = tokio::join!(a, b);
    let codes = [error_code(&a), error_code(&b)];
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{a} {b}");
    assert_eq!(
        codes.iter().filter(|c| **c == Some("CONFLICT")).count(),
        1,
        "{a} {b}"
    );
    let panel = owner.data(PANEL, json!({ "id": id })).await;
    assert_eq!(panel["savedPanel"]["currentVersion"], 2);
    assert_eq!(
        panel["savedPanel"]["versions"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        panel["savedPanel"]["genes"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

/// What one person could do: (view, comment, edit, share, delete).
async fn abilities(app: &TestApp, client: &GraphqlClient, id: &str, version: i64) -> [bool; 5] {
    let view = client
        .query(PANEL, json!({ "id": id }))
        .await
        .get("errors")
        .is_none();
    let comment = client
        .query("mutation($id: ID!) { commentOnPanel(panelId: $id, geneSymbol: \"BRCA1\", body: \"check\") { id } }", json!({ "id": id }))
        .await
        .get("errors")
        .is_none();
    let edit = client
        .query(EDIT, json!({ "id": id, "i": { "basedOnVersion": version, "comment": "x", "metadata": { "description": format!("edit {version}") } } }))
        .await
        .get("errors")
        .is_none();
    let target = app
        .create_user(
            &format!("target{}", uuid::Uuid::new_v4().simple()),
            Role::User,
        )
        .await;
    let share = client
        .query(
            "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
            json!({ "i": { "panelId": id, "userId": target.id.to_string(), "permission": "VIEW" } }),
        )
        .await
        .get("errors")
        .is_none();
    let delete = client
        .query(
            "mutation($id: ID!) { setSavedPanelStatus(id: $id, status: DELETED) { status } }",
            json!({ "id": id }),
        )
        .await
        .get("errors")
        .is_none();
    if delete {
        client
            .data(
                "mutation($id: ID!) { setSavedPanelStatus(id: $id, status: ACTIVE) { status } }",
                json!({ "id": id }),
            )
            .await;
    }
    [view, comment, edit, share, delete]
}

on_both_backends!(
    the_permission_matrix_holds_for_every_role_and_operation,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let id = create(&owner, "Matrix").await;
        let share = |who: i32, permission: &str, reshare: bool| json!({ "i": { "panelId": id, "userId": who.to_string(), "permission": permission, "canReshare": reshare } });
        let mut people = Vec::new();
        for (name, permission, reshare) in [
            ("viewer1", "VIEW", false),
            ("commenter1", "COMMENT", false),
            ("editor1", "EDIT", false),
            ("sharer1", "ADMIN", true),
        ] {
            let user = app.create_user(name, Role::User).await;
            owner
                .data(
                    "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
                    share(user.id, permission, reshare),
                )
                .await;
            let client = app.new_client();
            client.login(name, PASSWORD).await;
            people.push((name, client));
        }
        // A team member through a team share with EDIT.
        let member = app.create_user("member1", Role::User).await;
        let team = owner
            .data(
                "mutation { createTeam(name: \"Cardio lab\") { id } }",
                json!({}),
            )
            .await["createTeam"]["id"]
            .clone();
        owner
            .data(
                "mutation($t: ID!, $u: ID!) { addTeamMember(teamId: $t, userId: $u) { id } }",
                json!({ "t": team, "u": member.id.to_string() }),
            )
            .await;
        owner
            .data(
                "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
                json!({ "i": { "panelId": id, "teamId": team, "permission": "EDIT" } }),
            )
            .await;
        let member_client = app.new_client();
        member_client.login("member1", PASSWORD).await;
        people.push(("member1", member_client));
        people.push(("stranger1", app.logged_in("stranger1", Role::User).await));
        people.push(("admin1", app.logged_in("admin1", Role::Admin).await));
        people.push(("owner1", owner.clone()));
        let expected: [(&str, [bool; 5]); 8] = [
            ("viewer1", [true, false, false, false, false]),
            ("commenter1", [true, true, false, false, false]),
            ("editor1", [true, true, true, false, false]),
            ("sharer1", [true, true, true, true, false]),
            ("member1", [true, true, true, false, false]),
            ("stranger1", [false, false, false, false, false]),
            ("admin1", [true, true, true, true, true]),
            ("owner1", [true, true, true, true, true]),
        ];
        for ((name, client), (expected_name, expected)) in people.iter().zip(expected) {
            assert_eq!(*name, expected_name);
            let version =
                owner.data(PANEL, json!({ "id": id })).await["savedPanel"]["currentVersion"]
                    .as_i64()
                    .unwrap();
            let got = abilities(&app, client, &id, version).await;
            assert_eq!(
                got, expected,
                "{name}: [view, comment, edit, share, delete]"
            );
        }
        let denied = app.audit_rows(Some(AuditAction::AccessDenied)).await;
        assert!(
            denied
                .iter()
                .any(|r| r.username.as_deref() == Some("stranger1")),
            "refusals are audited"
        );
        assert!(
            denied
                .iter()
                .any(|r| r.username.as_deref() == Some("commenter1"))
        );
    }
);

on_both_backends!(
    links_open_without_an_account_until_revoked_or_expired,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let id = create(&owner, "Linked").await;
        let shared = owner
        .data(
            "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id permission } linkToken linkPath } }",
            json!({ "i": { "panelId": id, "link": true, "permission": "COMMENT", "expiresAt": "2999-01-01T00:00:00Z" } }),
        )
        .await;
        let token = shared["sharePanel"]["linkToken"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(token.len() >= 32, "unguessable");
        assert_eq!(shared["sharePanel"]["linkPath"], format!("/shared/{token}"));
        let stranger = app.new_client();
        let open = "query($t: String!) { sharedPanel(token: $t) { name myPermission canEdit genes { nodes { symbol } } } }";
        let seen = stranger.data(open, json!({ "t": token })).await;
        assert_eq!(seen["sharedPanel"]["name"], "Linked");
        assert_eq!(
            seen["sharedPanel"]["myPermission"], "VIEW",
            "anonymous link holders only view"
        );
        assert_eq!(
            seen["sharedPanel"]["genes"]["nodes"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            error_code(&stranger.query(PANEL, json!({ "id": id })).await),
            Some("FORBIDDEN")
        );
        let bogus = stranger.query(open, json!({ "t": "x".repeat(32) })).await;
        assert_eq!(error_code(&bogus), Some("FORBIDDEN"));
        // Expired.
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
        let share_id: i32 = tests::db_id(shared["sharePanel"]["share"]["id"].as_str().unwrap());
        let row = entity::panel_shares::Entity::find_by_id(share_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut update: entity::panel_shares::ActiveModel = row.into();
        update.expires_at = Set(Some(chrono::Utc::now() - chrono::TimeDelta::minutes(1)));
        update.update(&app.state.db).await.unwrap();
        let expired = stranger.query(open, json!({ "t": token })).await;
        assert_eq!(error_code(&expired), Some("FORBIDDEN"));
        assert_eq!(expired["errors"][0]["extensions"]["reason"], "has_expired");
        // Revoked.
        let again = owner
        .data("mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } linkToken } }", json!({ "i": { "panelId": id, "link": true, "permission": "VIEW" } }))
        .await;
        let token2 = again["sharePanel"]["linkToken"].as_str().unwrap();
        stranger.data(open, json!({ "t": token2 })).await;
        owner
            .data(
                "mutation($s: ID!) { revokeShare(id: $s) }",
                json!({ "s": again["sharePanel"]["share"]["id"] }),
            )
            .await;
        let revoked = stranger.query(open, json!({ "t": token2 })).await;
        assert_eq!(revoked["errors"][0]["extensions"]["reason"], "was_revoked");
        let denied = app.audit_rows(Some(AuditAction::AccessDenied)).await;
        assert!(
            denied.len() >= 3,
            "every refused link is audited: {}",
            denied.len()
        );
    }
);

#[tokio::test]
async fn a_page_of_saved_panels_costs_a_fixed_number_of_statements() {
    let app = TestApp::sqlite().await;
    let owner = app.logged_in("owner1", Role::User).await;
    for i in 0..30 {
        owner
            .data(
                CREATE,
                json!({ "i": { "name": format!("Panel {i:02}"), "tags": ["bulk"] } }),
            )
            .await;
    }
    let list =
        "query($n: Int!) { savedPanels(first: $n, filter: { tag: \"bulk\", sort: NAME_ASC }) {
        totalCount nodes { id name owner { username } myPermission geneCount } pageInfo { hasNextPage } } }";
    // The first listing in a minute also writes its PANEL_LIST audit row: not the page's cost.
    owner.data(list, json!({ "n": 1 })).await;
    let mut costs = Vec::new();
    for n in [5, 30] {
        let before = app.state.statements.load(Ordering::SeqCst);
        let data = owner.data(list, json!({ "n": n })).await;
        costs.push(app.state.statements.load(Ordering::SeqCst) - before);
        assert_eq!(data["savedPanels"]["totalCount"], 30);
        assert_eq!(data["savedPanels"]["nodes"].as_array().unwrap().len(), n);
        assert_eq!(
            data["savedPanels"]["nodes"][0]["owner"]["username"],
            "owner1"
        );
        assert_eq!(data["savedPanels"]["nodes"][0]["myPermission"], "ADMIN");
    }
    // One statement authenticates the caller; the page itself is count + rows + owners + shares.
    assert_eq!(
        costs[0], costs[1],
        "the cost does not grow with the page: {costs:?}"
    );
    assert!(costs[1] <= 5, "{costs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_while_saving_leaves_no_partial_version() {
    let Some(app) = TestApp::postgres_redis().await else {
        return;
    };
    app.create_user("owner1", Role::User).await;
    app.client.login("owner1", PASSWORD).await;
    let id = create(&app.client, "Crash").await;
    app.killed_at_failpoint(
        "saved_panel.before_commit",
        EDIT,
        json!({ "id": id, "i": { "basedOnVersion": 1, "addGenes": [{ "symbol": "ATM" }], "removeGenes": ["TP53"] } }),
    )
    .await;
    let panel = app.client.data(PANEL, json!({ "id": id })).await["savedPanel"].clone();
    assert_eq!(panel["currentVersion"], 1);
    assert_eq!(panel["versions"]["nodes"].as_array().unwrap().len(), 1);
    assert!(panel["genes"]["nodes"].to_string().contains("TP53"));
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let versions = entity::panel_versions::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(versions, 1);
    let atm = entity::panel_genes::Entity::find()
        .filter(entity::panel_genes::Column::GeneSymbol.eq("ATM"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(atm, 0);
    let changes = entity::panel_changes::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(changes, 1, "only PANEL_CREATED");
    // And the panel can still be edited normally.
    app.client
        .data(
            EDIT,
            json!({ "id": id, "i": { "basedOnVersion": 1, "addGenes": [{ "symbol": "ATM" }] } }),
        )
        .await;
}

on_both_backends!(
    panels_from_uploads_re_export_identically,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let (_, uploaded) = owner
            .multipart(
                "mutation($f: Upload!) { uploadGeneList(file: $f) { id geneCount } }",
                json!({ "f": null }),
                vec![(
                    "variables.f",
                    "lab list.csv",
                    b"Gene,Note\nbrca1,x\nTP53 ,y\nBRCA1,dup\n".to_vec(),
                )],
            )
            .await;
        let upload = uploaded["data"]["uploadGeneList"]["id"].clone();
        assert!(!upload.is_null(), "{uploaded}");
        let created = owner
        .data(
            "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id geneCount sourceType sources { name } } }",
            json!({ "i": { "name": "From upload", "uploadId": upload } }),
        )
        .await;
        let panel = &created["createSavedPanel"];
        assert_eq!(panel["geneCount"], 2);
        assert_eq!(panel["sourceType"], "UPLOAD");
        assert_eq!(panel["sources"][0]["name"], "lab list");
        let id = panel["id"].clone();
        let genes = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { genes { nodes { symbol sources } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(genes["savedPanel"]["genes"]["nodes"][0]["symbol"], "BRCA1");
        assert_eq!(
            genes["savedPanel"]["genes"]["nodes"][0]["sources"][0],
            "upload:lab list"
        );
        let mut bodies = Vec::new();
        for _ in 0..2 {
            let link = owner
            .data(
                "mutation($id: ID!) { exportSavedPanel(id: $id, version: 1, format: CSV) { url filename } }",
                json!({ "id": id }),
            )
            .await;
            let url = link["exportSavedPanel"]["url"].as_str().unwrap().to_owned();
            let text = owner
                .http
                .get(owner.url(&url))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            bodies.push(text);
        }
        let strip = |t: &str| {
            t.lines()
                .filter(|l| !l.to_lowercase().contains("generated"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(
            bodies[0].contains("BRCA1") && bodies[0].contains("TP53"),
            "{}",
            bodies[0]
        );
        assert_eq!(
            strip(&bodies[0]),
            strip(&bodies[1]),
            "re-exports are identical apart from the generated-at line"
        );
        // A stranger can not export it.
        let stranger = app.logged_in("stranger1", Role::User).await;
        let refused = stranger
            .query(
                "mutation($id: ID!) { exportSavedPanel(id: $id, format: CSV) { url } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    }
);

const LOOKUP: &str = "query($q: String!, $n: Int) { shareableUsers(query: $q, limit: $n) { id databaseId username displayName } }";

fn usernames(data: &Value) -> Vec<&str> {
    data["shareableUsers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect()
}

// Picking whom to share with: by username prefix or whole e-mail address, only active accounts
// other than yours, a few at a time, never their e-mail addresses, and only when logged in (on
// both backends: the LIKE escape must hold on each).
on_both_backends!(
    people_to_share_with_are_found_by_username_or_exact_email,
    |app: TestApp| async move {
        let owner = app.logged_in("alice", Role::User).await;
        let bobby = app.logged_in("bobby", Role::User).await;
        bobby
            .data(
                "mutation($i: ProfileInput!) { updateProfile(input: $i) { id } }",
                json!({ "i": { "firstName": "Bobby", "lastName": "Tables" } }),
            )
            .await;
        let bobbie = app.create_user("Bobbie", Role::User).await;
        let gone = app.create_user("bobcat", Role::User).await;
        app.create_user("robert", Role::User).await;
        app.create_user("bo_x", Role::User).await;
        let admin = app.logged_in("admin1", Role::Admin).await;
        admin
            .data(
                "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
                json!({ "id": gone.id.to_string() }),
            )
            .await;

        // Prefix of a username, any case, by username; disabled accounts are left out.
        let found = owner.data(LOOKUP, json!({ "q": "BOB" })).await;
        assert_eq!(usernames(&found), ["Bobbie", "bobby"]);
        assert_eq!(found["shareableUsers"][0]["databaseId"], bobbie.id);
        assert!(found["shareableUsers"][0]["displayName"].is_null());
        // Names only for team mates (credentials.rs covers that); alice and bobby share no team.
        assert!(found["shareableUsers"][1]["displayName"].is_null());
        // No e-mail addresses in the answer, and none can be asked for.
        assert!(!found.to_string().contains("example.org"), "{found}");
        let email_field = owner
            .query(
                "query { shareableUsers(query: \"bob\") { username email } }",
                json!({}),
            )
            .await;
        assert!(email_field["errors"].is_array(), "{email_field}");
        // `limit` caps the answer.
        let one = owner.data(LOOKUP, json!({ "q": "bob", "n": 1 })).await;
        assert_eq!(usernames(&one), ["Bobbie"]);
        // `_` is not a wildcard.
        let literal = owner.data(LOOKUP, json!({ "q": "bo_" })).await;
        assert_eq!(usernames(&literal), ["bo_x"]);
        // A whole e-mail address finds its owner; a part of one finds nobody.
        let by_email = owner
            .data(LOOKUP, json!({ "q": " Robert@Example.org " }))
            .await;
        assert_eq!(usernames(&by_email), ["robert"]);
        let partial = owner.data(LOOKUP, json!({ "q": "robert@example" })).await;
        assert!(usernames(&partial).is_empty());
        let domain = owner.data(LOOKUP, json!({ "q": "@example.org" })).await;
        assert!(usernames(&domain).is_empty());
        // Never yourself.
        let me = owner.data(LOOKUP, json!({ "q": "alic" })).await;
        assert!(usernames(&me).is_empty());

        // Too short, or a bad limit: a validation error naming the argument.
        for (vars, field) in [
            (json!({ "q": " b " }), "query"),
            (json!({ "q": "bob", "n": 0 }), "limit"),
            (json!({ "q": "bob", "n": 21 }), "limit"),
        ] {
            let refused = owner.query(LOOKUP, vars.clone()).await;
            assert_eq!(error_code(&refused), Some("VALIDATION"), "{vars}");
            assert_eq!(
                refused["errors"][0]["extensions"]["field"], field,
                "{refused}"
            );
        }
        // Visitors learn nothing.
        let anonymous = app.new_client().query(LOOKUP, json!({ "q": "bob" })).await;
        assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
        assert!(anonymous["data"].is_null() || anonymous["data"]["shareableUsers"].is_null());

        // Share with the person picked; the shares list names them, and they see the panel.
        let id = create(&owner, "Picked").await;
        let picked = found["shareableUsers"][1]["id"].clone();
        let shared = owner
        .data(
            "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { userId username } } }",
            json!({ "i": { "panelId": id, "userId": picked, "permission": "VIEW" } }),
        )
        .await;
        assert_eq!(shared["sharePanel"]["share"]["username"], "bobby");
        let listed = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { shares { nodes { target username teamName } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            listed["savedPanel"]["shares"]["nodes"],
            json!([{ "target": "USER", "username": "bobby", "teamName": null }])
        );
        // Team shares carry the team's name.
        let team = owner
            .data(
                "mutation { createTeam(name: \"Cardio lab\") { id } }",
                json!({}),
            )
            .await;
        let to_team = owner
            .data(
                "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { target teamName username } } }",
                json!({ "i": { "panelId": id, "teamId": team["createTeam"]["id"], "permission": "VIEW" } }),
            )
            .await;
        assert_eq!(
            to_team["sharePanel"]["share"],
            json!({ "target": "TEAM", "teamName": "Cardio lab", "username": null })
        );
        let theirs = bobby
            .data(
                "{ savedPanels(filter: { scope: SHARED_WITH_ME }) { edges { node { name } } } }",
                json!({}),
            )
            .await;
        assert_eq!(theirs["savedPanels"]["edges"][0]["node"]["name"], "Picked");
        // Or by exact username through the API; an unknown one, or both ways at once, refused.
        let by_name = owner
            .data(
                "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { userId username permission } } }",
                json!({ "i": { "panelId": id, "username": "Bobbie", "permission": "COMMENT" } }),
            )
            .await;
        assert_eq!(
            by_name["sharePanel"]["share"],
            json!({ "userId": server::graphql::node::global_id(server::graphql::node::Kind::User, bobbie.id).0,
                    "username": "Bobbie", "permission": "COMMENT" })
        );
        let unknown = owner
            .query(
                "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
                json!({ "i": { "panelId": id, "username": "nobody-here", "permission": "VIEW" } }),
            )
            .await;
        assert_eq!(error_code(&unknown), Some("NOT_FOUND"));
        assert_eq!(unknown["errors"][0]["extensions"]["field"], "username");
        let both = owner
            .query(
                "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
                json!({ "i": { "panelId": id, "username": "bobby", "userId": picked, "permission": "VIEW" } }),
            )
            .await;
        assert_eq!(error_code(&both), Some("VALIDATION"));
        // A disabled account can not be shared with.
        let refused = owner
        .query(
            "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
            json!({ "i": { "panelId": id, "userId": gone.id.to_string(), "permission": "VIEW" } }),
        )
        .await;
        assert_eq!(error_code(&refused), Some("VALIDATION"));
        assert_eq!(refused["errors"][0]["extensions"]["field"], "userId");
    }
);

// A lab's own rating cleared back to PanelApp's: one new version with a CONFIDENCE_CHANGED row
// (old → none), the version's genes without it, and the diff showing it.
on_both_backends!(
    a_custom_rating_can_be_cleared_back_to_panelapps,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let id = create(&owner, "Ratings").await;
        owner
            .data(
                EDIT,
                json!({ "id": id, "i": { "basedOnVersion": 1, "updateGenes": [
                    { "symbol": "BRCA1", "customConfidence": "AMBER" },
                    { "symbol": "PALB2", "customConfidence": "GREEN" },
                ] } }),
            )
            .await;
        // Both ways to clear: the flag, and an explicit null.
        let cleared = owner
            .data(
                EDIT,
                json!({ "id": id, "i": { "basedOnVersion": 2, "comment": "back to PanelApp", "updateGenes": [
                    { "symbol": "BRCA1", "clearCustomConfidence": true },
                    { "symbol": "PALB2", "customConfidence": null },
                ] } }),
            )
            .await;
        assert_eq!(cleared["updateSavedPanel"]["currentVersion"], 3);
        let p = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) {
                  genes(version: 3) { nodes { symbol confidence customConfidence effectiveConfidence } }
                  changes(version: 3) { nodes { changeType targetType targetKind field metadataField target old new } }
                  diff(from: 2, to: 3) { added { symbol } removed { symbol } changed { symbol field old new } } } }",
                json!({ "id": id }),
            )
            .await["savedPanel"]
            .clone();
        let genes = p["genes"]["nodes"].as_array().unwrap();
        let brca1 = genes.iter().find(|g| g["symbol"] == "BRCA1").unwrap();
        assert!(brca1["customConfidence"].is_null(), "{brca1}");
        assert_eq!(brca1["effectiveConfidence"], "GREEN");
        let palb2 = genes.iter().find(|g| g["symbol"] == "PALB2").unwrap();
        assert!(palb2["customConfidence"].is_null(), "{palb2}");
        assert_eq!(palb2["effectiveConfidence"], "AMBER");
        let mut changes = p["changes"]["nodes"].as_array().unwrap().clone();
        changes.sort_by_key(|c| c["target"].as_str().unwrap().to_owned());
        assert_eq!(
            changes,
            [
                json!({ "changeType": "CONFIDENCE_CHANGED", "targetType": "gene.customConfidence",
                        "targetKind": "GENE_FIELD", "field": "CUSTOM_CONFIDENCE", "metadataField": null,
                        "target": "BRCA1", "old": "AMBER", "new": null }),
                json!({ "changeType": "CONFIDENCE_CHANGED", "targetType": "gene.customConfidence",
                        "targetKind": "GENE_FIELD", "field": "CUSTOM_CONFIDENCE", "metadataField": null,
                        "target": "PALB2", "old": "GREEN", "new": null }),
            ]
        );
        assert_eq!(
            p["diff"],
            json!({ "added": [], "removed": [], "changed": [
                { "symbol": "BRCA1", "field": "CUSTOM_CONFIDENCE", "old": "AMBER", "new": null },
                { "symbol": "PALB2", "field": "CUSTOM_CONFIDENCE", "old": "GREEN", "new": null },
            ] })
        );
        // The flag and a value together are refused, changing nothing.
        let both = owner
            .query(
                EDIT,
                json!({ "id": id, "i": { "basedOnVersion": 3, "updateGenes": [
                    { "symbol": "TP53", "customConfidence": "RED", "clearCustomConfidence": true },
                ] } }),
            )
            .await;
        assert_eq!(error_code(&both), Some("VALIDATION"));
        assert!(
            both["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("TP53"),
            "{both}"
        );
        let panel = owner.data(PANEL, json!({ "id": id })).await;
        assert_eq!(panel["savedPanel"]["currentVersion"], 3);
    }
);

/// PanelApp moves on during the test (the mock publishes UK 277 1.4): a saved panel merged from
/// 1.3 through the real PanelApp client says it is behind, with the upstream diff under its
/// filter, and applying the update makes one version of SOURCE_UPDATED changes.
#[tokio::test]
async fn a_panel_merged_from_panelapp_notices_and_applies_a_newer_version() {
    let mock = tests::MockPanelApp::start().await;
    let app = TestApp::spawn(tests::TestConfig {
        panelapp: Some(mock.urls()),
        ..tests::TestConfig::default()
    })
    .await
    .unwrap();
    let owner = app.logged_in("owner1", Role::User).await;
    assert_eq!(
        mock.publish_version("uk", 277, tests::mock_panelapp::ivf_moves_on),
        "1.4"
    );
    let created = owner
        .data(
            CREATE,
            json!({ "i": { "name": "IVF", "merge": { "panels": [
                { "source": "UK", "id": 277, "version": "1.3", "confidence": ["GREEN", "AMBER"] }
            ] } } }),
        )
        .await;
    let id = created["createSavedPanel"]["id"].clone();
    assert_eq!(created["createSavedPanel"]["geneCount"], 2, "RYR2, SCN5A");
    let up = owner
        .data(
            "query($id: ID!) { savedPanel(id: $id) { upstream { savedVersion latestVersion behind
              diff { added { symbol } removed { symbol } changed { symbol field old new } } } } }",
            json!({ "id": id }),
        )
        .await;
    let source = &up["savedPanel"]["upstream"][0];
    assert_eq!(source["savedVersion"], "1.3", "{up}");
    assert_eq!(source["latestVersion"], "1.4");
    assert_eq!(source["behind"], true);
    // Under GREEN + AMBER: KCNH2 arrives green; KCNJ8 was red, so its removal does not show.
    assert_eq!(
        source["diff"],
        json!({ "added": [{ "symbol": "KCNH2" }], "removed": [], "changed": [
            { "symbol": "SCN5A", "field": "CONFIDENCE", "old": "AMBER", "new": "GREEN" }
        ] })
    );
    let applied = owner
        .data(
            "mutation($id: ID!) { applyUpstreamUpdate(id: $id, basedOnVersion: 1) { currentVersion } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(applied["applyUpstreamUpdate"]["currentVersion"], 2);
    let p = owner
        .data(
            "query($id: ID!) { savedPanel(id: $id) { genes { nodes { symbol confidence sources } }
              changes(version: 2) { nodes { changeType target } }
              upstream { behind latestVersion savedVersion } } }",
            json!({ "id": id }),
        )
        .await["savedPanel"]
        .clone();
    let genes: Vec<_> = p["genes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["symbol"].as_str().unwrap(),
                g["confidence"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        genes,
        [("KCNH2", "GREEN"), ("RYR2", "GREEN"), ("SCN5A", "GREEN")]
    );
    assert_eq!(p["genes"]["nodes"][0]["sources"], json!(["uk-277@1.4"]));
    let changes = p["changes"]["nodes"].as_array().unwrap();
    assert!(
        changes.iter().all(|c| c["changeType"] == "SOURCE_UPDATED"),
        "{changes:?}"
    );
    for target in ["KCNH2", "SCN5A", "uk-277"] {
        assert!(
            changes.iter().any(|c| c["target"] == target),
            "{target}: {changes:?}"
        );
    }
    assert_eq!(p["upstream"][0]["behind"], false);
    assert_eq!(p["upstream"][0]["savedVersion"], "1.4");
    // The earlier version is still served by version, as on PanelApp.
    assert!(mock.calls("panels/277/?version=1.3") >= 1);
}
