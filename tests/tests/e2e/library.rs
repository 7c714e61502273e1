//! The saved-panel library (issue 14.5) against a real server: one zip download of several
//! panels, one file per panel, each as its single export reads; only panels the caller may
//! read; at least one and at most 100 panels; the download logged and audited once.

use std::io::Read;

use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::{TestApp, on_both_backends};

const CREATE: &str = "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }";
const BULK: &str = "mutation($ids: [ID!]!, $f: ExportFormat!, $n: String) { exportSavedPanels(ids: $ids, format: $f, filename: $n) { url filename rows } }";

/// The archive's entries: name and text.
fn entries(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let name = file.name().unwrap().into_owned();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            (name, text)
        })
        .collect()
}

on_both_backends!(
    bulk_export_is_one_zip_with_one_file_per_readable_panel,
    |app: TestApp| async move {
        let owner = app.logged_in("libby", Role::User).await;
        let mut ids: Vec<Value> = Vec::new();
        for (name, genes) in [
            ("Cardiac: core", vec!["MYH7", "TNNT2"]),
            ("Breast cancer", vec!["BRCA1", "BRCA2", "PALB2"]),
            // Another name that makes the same file name.
            ("Cardiac? core", vec!["KCNQ1"]),
        ] {
            let genes: Vec<Value> = genes.iter().map(|g| json!({ "symbol": g })).collect();
            let created = owner
                .data(CREATE, json!({ "i": { "name": name, "genes": genes } }))
                .await;
            ids.push(created["createSavedPanel"]["id"].clone());
        }
        // The first id twice: it counts once.
        let mut asked = ids.clone();
        asked.push(ids[0].clone());
        let link = owner
            .data(
                BULK,
                json!({ "ids": asked, "f": "CSV", "n": "Library / March" }),
            )
            .await;
        let download = &link["exportSavedPanels"];
        assert_eq!(download["filename"], "Library - March.zip", "{link}");
        assert_eq!(download["rows"], 6, "2 + 3 + 1 genes: {link}");
        let response = owner
            .http
            .get(owner.url(download["url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/zip"
        );
        let bytes = response.bytes().await.unwrap();
        let files = entries(&bytes);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "Cardiac- core v1.csv",
                "Breast cancer v1.csv",
                "Cardiac- core v1 (2).csv"
            ],
            "one file per panel, names unique"
        );
        assert!(
            files[0].1.contains("MYH7") && files[0].1.contains("TNNT2"),
            "{}",
            files[0].1
        );
        assert!(files[1].1.contains("PALB2") && !files[1].1.contains("MYH7"));
        assert!(files[2].1.contains("KCNQ1"));
        // Each file reads as the panel's single export does (apart from the generated-at line).
        let single = owner
            .data(
                "mutation($id: ID!) { exportSavedPanel(id: $id, format: CSV) { url } }",
                json!({ "id": ids[1] }),
            )
            .await;
        let alone = owner
            .http
            .get(owner.url(single["exportSavedPanel"]["url"].as_str().unwrap()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let strip = |t: &str| {
            t.lines()
                .filter(|l| !l.to_lowercase().contains("generated"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(&files[1].1), strip(&alone));
        // Logged and audited once, naming the download.
        let audits = app.audit_rows(Some(AuditAction::FileAccess)).await;
        let zip_rows: Vec<_> = audits
            .iter()
            .filter(|a| a.resource_id.as_deref() == Some("Library - March.zip"))
            .collect();
        assert_eq!(zip_rows.len(), 1, "one FILE_ACCESS row for the zip");
        assert_eq!(zip_rows[0].username.as_deref(), Some("libby"));
        assert!(
            zip_rows[0].action_description.contains("ZIP of CSV"),
            "{}",
            zip_rows[0].action_description
        );

        // Somebody else's private panel: refused, nothing exported.
        let stranger = app.logged_in("stan", Role::User).await;
        let refused = stranger
            .query(BULK, json!({ "ids": [ids[0]], "f": "CSV" }))
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        // Nothing chosen, or too many: a specific error on `ids`.
        let empty = owner.query(BULK, json!({ "ids": [], "f": "CSV" })).await;
        assert_eq!(error_code(&empty), Some("VALIDATION"), "{empty}");
        assert_eq!(empty["errors"][0]["extensions"]["field"], "ids", "{empty}");
        let many: Vec<String> = (1..=101).map(|n| n.to_string()).collect();
        let too_many = owner.query(BULK, json!({ "ids": many, "f": "CSV" })).await;
        assert_eq!(error_code(&too_many), Some("VALIDATION"), "{too_many}");
        assert!(
            too_many["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("at most 100"),
            "{too_many}"
        );
        // A visitor may not (saved panels need an account unless public).
        let visitor = app.new_client();
        let anonymous = visitor
            .query(BULK, json!({ "ids": [ids[0]], "f": "CSV" }))
            .await;
        assert!(
            matches!(
                error_code(&anonymous),
                Some("FORBIDDEN" | "UNAUTHENTICATED" | "NOT_FOUND")
            ),
            "{anonymous}"
        );
    }
);

const TEAM: &str = "query($id: ID!) { team(id: $id) { name members { username role } panels { id name permission geneCount } } }";

// The team page's data: its members and the saved panels shared with it through live shares
// (a revoked share and a deleted panel drop out); outsiders may not read it.
on_both_backends!(
    a_team_lists_its_members_and_the_panels_shared_with_it,
    |app: TestApp| async move {
        let owner = app.logged_in("tess", Role::User).await;
        let member = app.logged_in("theo", Role::User).await;
        let outsider = app.logged_in("otto", Role::User).await;
        let theo = member.data("{ me { id } }", json!({})).await["me"]["id"].clone();
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
                json!({ "t": team, "u": theo }),
            )
            .await;
        let mut shares = Vec::new();
        for name in ["Long QT", "Brugada", "Gone soon"] {
            let id = owner
                .data(
                    CREATE,
                    json!({ "i": { "name": name, "genes": [{ "symbol": "KCNQ1" }] } }),
                )
                .await["createSavedPanel"]["id"]
                .clone();
            let share = owner
                .data(
                    "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
                    json!({ "i": { "panelId": id, "teamId": team, "permission": if name == "Brugada" { "EDIT" } else { "VIEW" } } }),
                )
                .await;
            shares.push((id, share));
        }
        // "Gone soon" is deleted.
        owner
            .data(
                "mutation($id: ID!) { setSavedPanelStatus(id: $id, status: DELETED) { id } }",
                json!({ "id": shares[2].0 }),
            )
            .await;
        let seen = member.data(TEAM, json!({ "id": team })).await;
        let page = &seen["team"];
        assert_eq!(page["name"], "Cardio lab");
        let members: Vec<(&str, &str)> = page["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["username"].as_str().unwrap(), m["role"].as_str().unwrap()))
            .collect();
        assert!(
            members.contains(&("tess", "ADMIN")) && members.contains(&("theo", "MEMBER")),
            "{members:?}"
        );
        assert_eq!(
            page["panels"],
            json!([
                { "id": shares[1].0, "name": "Brugada", "permission": "EDIT", "geneCount": 1 },
                { "id": shares[0].0, "name": "Long QT", "permission": "VIEW", "geneCount": 1 },
            ]),
            "live shares of panels not deleted, by name, each with the panel's global id"
        );
        // The id is the panel's global id: `node(id:)` fetches the panel with it.
        let node = member
            .data(
                "query($id: ID!) { node(id: $id) { ... on SavedPanel { name } } }",
                json!({ "id": page["panels"][0]["id"] }),
            )
            .await;
        assert_eq!(node["node"]["name"], "Brugada");
        let refused = outsider.query(TEAM, json!({ "id": team })).await;
        assert!(
            matches!(error_code(&refused), Some("FORBIDDEN" | "NOT_FOUND")),
            "{refused}"
        );
    }
);

const LABEL: &str = "mutation($p: ID!, $v: Int!, $l: String!, $n: String, $x: Boolean) { labelVersion(panelId: $p, version: $v, label: $l, note: $n, protected: $x) { id version label note protected } }";
const STATUS: &str =
    "mutation($id: ID!, $s: PanelStatus!) { setSavedPanelStatus(id: $id, status: $s) { status } }";
const UNLABEL: &str = "mutation($id: ID!) { removeVersionLabel(id: $id) }";

// Version labels: EDIT access labels a version; a version has each label once; a protected
// label keeps the panel from being deleted and only the owner removes it; each change is
// audited; a VIEW recipient may not label.
on_both_backends!(
    version_labels_protect_a_panel_from_deletion,
    |app: TestApp| async move {
        let owner = app.logged_in("olive", Role::User).await;
        let editor = app.logged_in("eddie", Role::User).await;
        let reader = app.logged_in("rhea", Role::User).await;
        let id = owner
            .data(
                CREATE,
                json!({ "i": { "name": "Validated cardiac", "genes": [{ "symbol": "MYH7" }] } }),
            )
            .await["createSavedPanel"]["id"]
            .clone();
        for (name, level) in [("eddie", "EDIT"), ("rhea", "VIEW")] {
            owner
                .data(
                    "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
                    json!({ "i": { "panelId": id, "username": name, "permission": level } }),
                )
                .await;
        }
        let validated = owner
            .data(
                LABEL,
                json!({ "p": id, "v": 1, "l": " validated ", "n": "in clinical use since 2026-03-01", "x": true }),
            )
            .await["labelVersion"]
            .clone();
        assert_eq!(validated["label"], "validated", "trimmed");
        assert_eq!(validated["protected"], true);
        // Each label once per version.
        let again = editor
            .query(LABEL, json!({ "p": id, "v": 1, "l": "validated" }))
            .await;
        assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
        // Bad input names its field; an unknown version is NOT_FOUND.
        let empty = editor
            .query(LABEL, json!({ "p": id, "v": 1, "l": "  " }))
            .await;
        assert_eq!(
            empty["errors"][0]["extensions"]["field"], "label",
            "{empty}"
        );
        let missing = editor
            .query(LABEL, json!({ "p": id, "v": 9, "l": "x" }))
            .await;
        assert_eq!(error_code(&missing), Some("NOT_FOUND"), "{missing}");
        // A VIEW recipient may not label.
        let refused = reader
            .query(LABEL, json!({ "p": id, "v": 1, "l": "mine" }))
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        // An editor labels (unprotected) and removes their label.
        let draft = editor
            .data(LABEL, json!({ "p": id, "v": 1, "l": "draft review" }))
            .await["labelVersion"]["id"]
            .clone();
        // Deleting is refused while the protected label stands, and nothing changes.
        let blocked = owner
            .query(STATUS, json!({ "id": id, "s": "DELETED" }))
            .await;
        assert_eq!(error_code(&blocked), Some("CONFLICT"), "{blocked}");
        assert_eq!(
            blocked["errors"][0]["extensions"]["reason"],
            "protected_label"
        );
        assert!(
            blocked["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("validated"),
            "{blocked}"
        );
        let labels = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { status labels { label version } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(labels["savedPanel"]["status"], "ACTIVE");
        assert_eq!(labels["savedPanel"]["labels"].as_array().unwrap().len(), 2);
        // Only the owner removes a protected label; the editor may remove the other one.
        let not_yours = editor
            .query(UNLABEL, json!({ "id": validated["id"] }))
            .await;
        assert_eq!(error_code(&not_yours), Some("FORBIDDEN"), "{not_yours}");
        assert_eq!(
            editor.data(UNLABEL, json!({ "id": draft })).await["removeVersionLabel"],
            true
        );
        assert_eq!(
            owner.data(UNLABEL, json!({ "id": validated["id"] })).await["removeVersionLabel"],
            true
        );
        assert_eq!(
            owner
                .data(STATUS, json!({ "id": id, "s": "DELETED" }))
                .await["setSavedPanelStatus"]["status"],
            "DELETED"
        );
        // Audited: two labels added, two removed (PANEL_UPDATE on the panel); the taken, blank
        // and unknown-version attempts are failed PANEL_UPDATE rows (the VIEW recipient's is
        // ACCESS_DENIED).
        let audits = app.audit_rows(Some(AuditAction::PanelUpdate)).await;
        let about: Vec<&str> = audits
            .iter()
            .filter(|a| a.success && a.action_description.contains("label"))
            .map(|a| a.action_description.as_str())
            .collect();
        assert_eq!(about.len(), 4, "{about:?}");
        let refused = audits
            .iter()
            .filter(|a| !a.success && a.action_description == "labelVersion failed")
            .count();
        assert_eq!(refused, 3, "{audits:?}");
    }
);

const ARCHIVE_MANY: &str =
    "mutation($ids: [ID!]!) { archiveSavedPanels(ids: $ids) { changed panels { id status } } }";
const DELETE_MANY: &str =
    "mutation($ids: [ID!]!) { deleteSavedPanels(ids: $ids) { changed panels { id status } } }";
const TAG_MANY: &str = "mutation($ids: [ID!]!, $t: [String!], $r: [String!]) { tagSavedPanels(ids: $ids, tags: $t, removeTags: $r) { changed panels { id tags } } }";

/// The stored status and tags of saved panel `id`, read from the database.
async fn stored(app: &TestApp, id: &Value) -> (String, Vec<String>) {
    use sea_orm::EntityTrait;
    let row = entity::saved_panels::Entity::find_by_id(tests::db_id(id.as_str().unwrap()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the panel row");
    let tags = row
        .tags
        .as_deref()
        .map(|t| serde_json::from_str(t).unwrap())
        .unwrap_or_default();
    (row.status.to_string(), tags)
}

/// How many change rows and bulk audit rows there are: what a refused action must not add to.
async fn written(app: &TestApp) -> (u64, usize) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let changes = entity::panel_changes::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let audits = app
        .audit_rows(None)
        .await
        .iter()
        .filter(|a| a.action_description.contains("(bulk)"))
        .count();
    (changes, audits)
}

// The library's bulk archive, delete and tag: every panel is checked first and one transaction
// changes all of them, each with its change row and audit row; one refused panel (another's,
// too little access, a protected label) changes nothing, and the error names it and why.
on_both_backends!(
    bulk_archive_delete_and_tag_are_all_or_nothing,
    |app: TestApp| async move {
        let owner = app.logged_in("bea", Role::User).await;
        let other = app.logged_in("carl", Role::User).await;
        let make = |client: &tests::client::GraphqlClient, name: &'static str| {
            let client = client.clone();
            async move {
                client
                    .data(
                        CREATE,
                        json!({ "i": { "name": name, "genes": [{ "symbol": "MYH7" }] } }),
                    )
                    .await["createSavedPanel"]["id"]
                    .clone()
            }
        };
        let a = make(&owner, "Arrhythmia").await;
        let b = make(&owner, "Brugada").await;
        let c = make(&owner, "Cardiomyopathy").await;
        let x = make(&other, "Carl's exome").await;
        let nothing = written(&app).await;

        // Somebody else's private panel among them: refused, named, and nothing changes.
        let refused = owner.query(ARCHIVE_MANY, json!({ "ids": [a, b, x] })).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        let error = &refused["errors"][0];
        let x_number = tests::db_id(x.as_str().unwrap());
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("nothing was archived: saved panel {x_number}:")),
            "{refused}"
        );
        assert!(
            !error["message"].as_str().unwrap().contains("Carl's exome"),
            "no name of a panel the caller may not read: {refused}"
        );
        assert_eq!(error["extensions"]["panelId"], x, "{refused}");
        assert_eq!(
            error["extensions"]["refusals"].as_array().unwrap().len(),
            1,
            "{refused}"
        );
        for id in [&a, &b, &x] {
            assert_eq!(stored(&app, id).await.0, "ACTIVE");
        }
        assert_eq!(written(&app).await, nothing, "no change or audit row");
        // The refusal itself is on the record.
        let denied = app.audit_rows(Some(AuditAction::AccessDenied)).await;
        assert!(
            denied
                .iter()
                .any(|r| r.action_description == "archiveSavedPanels refused" && !r.success),
            "{denied:?}"
        );

        // The caller's own panels (one given twice): both archived, each once, each audited.
        let archived = owner.data(ARCHIVE_MANY, json!({ "ids": [a, b, a] })).await;
        assert_eq!(archived["archiveSavedPanels"]["changed"], 2, "{archived}");
        assert_eq!(
            archived["archiveSavedPanels"]["panels"],
            json!([{ "id": a, "status": "ARCHIVED" }, { "id": b, "status": "ARCHIVED" }])
        );
        for id in [&a, &b] {
            assert_eq!(stored(&app, id).await.0, "ARCHIVED");
        }
        let (changes, audits) = written(&app).await;
        assert_eq!((changes, audits), (nothing.0 + 2, nothing.1 + 2));
        let rows = app.audit_rows(Some(AuditAction::PanelUpdate)).await;
        let bulk: Vec<_> = rows
            .iter()
            .filter(|r| r.action_description.contains("(bulk)"))
            .collect();
        assert_eq!(bulk.len(), 2);
        assert!(bulk.iter().all(|r| r.username.as_deref() == Some("bea")));
        // Already archived: nothing to do, nothing written.
        let again = owner.data(ARCHIVE_MANY, json!({ "ids": [a] })).await;
        assert_eq!(again["archiveSavedPanels"]["changed"], 0, "{again}");
        assert_eq!(written(&app).await, (changes, audits));

        // Tagging needs EDIT on every panel: with only VIEW on Carl's, nothing is tagged, and
        // the refusal names his panel (the caller may read it) and the access needed.
        owner_share(&other, &x, "bea", "VIEW").await;
        let before = written(&app).await;
        let view_only = owner
            .query(TAG_MANY, json!({ "ids": [c, x], "t": ["Cardiac"] }))
            .await;
        assert_eq!(error_code(&view_only), Some("FORBIDDEN"), "{view_only}");
        let message = view_only["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("Carl's exome") && message.contains("EDIT"),
            "{message}"
        );
        assert_eq!(stored(&app, &c).await.1, Vec::<String>::new());
        assert_eq!(written(&app).await, before);
        // With EDIT, both are tagged (trimmed, lower-case, once), without a new version.
        owner_share(&other, &x, "bea", "EDIT").await;
        let tagged = owner
            .data(
                TAG_MANY,
                json!({ "ids": [c, x], "t": ["Cardiac", " cardiac ", "review"] }),
            )
            .await;
        assert_eq!(tagged["tagSavedPanels"]["changed"], 2, "{tagged}");
        assert_eq!(stored(&app, &c).await.1, ["cardiac", "review"]);
        assert_eq!(stored(&app, &x).await.1, ["cardiac", "review"]);
        let versions = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { currentVersion } }",
                json!({ "id": c }),
            )
            .await;
        assert_eq!(versions["savedPanel"]["currentVersion"], 1);
        let untagged = owner
            .data(TAG_MANY, json!({ "ids": [c], "r": ["REVIEW"] }))
            .await;
        assert_eq!(
            untagged["tagSavedPanels"]["panels"][0]["tags"],
            json!(["cardiac"])
        );
        // No tag at all, or one both added and removed: a specific error on its field.
        let empty = owner.query(TAG_MANY, json!({ "ids": [c] })).await;
        assert_eq!(empty["errors"][0]["extensions"]["field"], "tags", "{empty}");
        let both = owner
            .query(TAG_MANY, json!({ "ids": [c], "t": ["x"], "r": ["X"] }))
            .await;
        assert_eq!(
            both["errors"][0]["extensions"]["field"], "removeTags",
            "{both}"
        );
        let none = owner.query(ARCHIVE_MANY, json!({ "ids": [] })).await;
        assert_eq!(none["errors"][0]["extensions"]["field"], "ids", "{none}");

        // Deleting: a protected label on one panel refuses the lot; only the owner deletes.
        owner
            .data(
                LABEL,
                json!({ "p": c, "v": 1, "l": "validated", "x": true }),
            )
            .await;
        let before = written(&app).await;
        let protected = owner.query(DELETE_MANY, json!({ "ids": [a, c] })).await;
        assert_eq!(error_code(&protected), Some("CONFLICT"), "{protected}");
        let error = &protected["errors"][0];
        assert_eq!(error["extensions"]["reason"], "protected_label");
        assert_eq!(error["extensions"]["panelId"], c);
        let message = error["message"].as_str().unwrap();
        assert!(
            message.starts_with("nothing was deleted")
                && message.contains("Cardiomyopathy")
                && message.contains("validated"),
            "{message}"
        );
        assert_eq!(stored(&app, &a).await.0, "ARCHIVED");
        assert_eq!(stored(&app, &c).await.0, "ACTIVE");
        assert_eq!(written(&app).await, before);
        let failed = app.audit_rows(Some(AuditAction::PanelDelete)).await;
        assert!(
            failed
                .iter()
                .any(|r| r.action_description == "deleteSavedPanels failed" && !r.success),
            "{failed:?}"
        );
        let not_owner = owner.query(DELETE_MANY, json!({ "ids": [b, x] })).await;
        assert_eq!(error_code(&not_owner), Some("FORBIDDEN"), "{not_owner}");
        assert_eq!(stored(&app, &b).await.0, "ARCHIVED");
        assert_eq!(stored(&app, &x).await.0, "ACTIVE");
        assert_eq!(written(&app).await, before);
        // Every refusal is listed, not only the first.
        let two = owner.query(DELETE_MANY, json!({ "ids": [x, c] })).await;
        assert_eq!(
            error_code(&two),
            Some("FORBIDDEN"),
            "the gravest code: {two}"
        );
        assert_eq!(
            two["errors"][0]["extensions"]["refusals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["code"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["FORBIDDEN", "CONFLICT"],
            "{two}"
        );
        // The caller's own unprotected panels: deleted together, PANEL_DELETE each.
        let deleted = owner.data(DELETE_MANY, json!({ "ids": [a, b] })).await;
        assert_eq!(deleted["deleteSavedPanels"]["changed"], 2, "{deleted}");
        for id in [&a, &b] {
            assert_eq!(stored(&app, id).await.0, "DELETED");
        }
        let deletes = app.audit_rows(Some(AuditAction::PanelDelete)).await;
        assert_eq!(
            deletes
                .iter()
                .filter(|r| r.action_description.contains("(bulk)"))
                .count(),
            2
        );
        // A visitor may do none of it.
        let visitor = app.new_client();
        let anonymous = visitor.query(ARCHIVE_MANY, json!({ "ids": [c] })).await;
        assert!(
            matches!(
                error_code(&anonymous),
                Some("FORBIDDEN" | "UNAUTHENTICATED")
            ),
            "{anonymous}"
        );
        assert_eq!(stored(&app, &c).await.0, "ACTIVE");
    }
);

/// `client` (the owner) shares panel `id` with `username` at `level`.
async fn owner_share(
    client: &tests::client::GraphqlClient,
    id: &Value,
    username: &str,
    level: &str,
) {
    client
        .data(
            "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }",
            json!({ "i": { "panelId": id, "username": username, "permission": level } }),
        )
        .await;
}

// One transaction: a server killed after writing every panel of a bulk archive, before its
// commit, leaves every panel as it was, with no change row and no audit row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_during_a_bulk_archive_changes_no_panel() {
    let Some(app) = TestApp::postgres_redis().await else {
        return;
    };
    app.create_user("kim", Role::User).await;
    app.client.login("kim", tests::PASSWORD).await;
    let mut ids = Vec::new();
    for name in ["First", "Second", "Third"] {
        ids.push(
            app.client
                .data(
                    CREATE,
                    json!({ "i": { "name": name, "genes": [{ "symbol": "MYH7" }] } }),
                )
                .await["createSavedPanel"]["id"]
                .clone(),
        );
    }
    let nothing = written(&app).await;
    app.killed_at_failpoint(
        "saved_panel.bulk_before_commit",
        ARCHIVE_MANY,
        json!({ "ids": ids }),
    )
    .await;
    for id in &ids {
        assert_eq!(stored(&app, id).await.0, "ACTIVE");
    }
    assert_eq!(written(&app).await, nothing, "no change row, no audit row");
    // And the panels can still be archived together.
    let archived = app.client.data(ARCHIVE_MANY, json!({ "ids": ids })).await;
    assert_eq!(archived["archiveSavedPanels"]["changed"], 3, "{archived}");
}

on_both_backends!(
    the_text_search_finds_panels_by_any_part_of_name_or_description,
    |app: TestApp| async move {
        let owner = app.logged_in("searcher", Role::User).await;
        let other = app.logged_in("neighbour", Role::Editor).await;
        for (client, name, description, visibility) in [
            (
                &owner,
                "Cardiomyopathy core",
                Some("Adult onset"),
                "PRIVATE",
            ),
            (
                &owner,
                "Arrhythmia",
                Some("Long QT and CARDIOMYOPATHY overlap"),
                "PRIVATE",
            ),
            (&owner, "Hereditary breast", None, "PRIVATE"),
            (
                &owner,
                "100% cardiac_list",
                Some("odd characters"),
                "PRIVATE",
            ),
            (&other, "Their cardiomyopathy", None, "PRIVATE"),
            (&other, "Public cardiomyopathy", None, "PUBLIC"),
        ] {
            let input = json!({
                "name": name,
                "description": description,
                "visibility": visibility,
                "genes": [{ "symbol": "MYH7" }],
            });
            client.data(CREATE, json!({ "i": input })).await;
        }
        let found = |search: &'static str| {
            let owner = &owner;
            async move {
                let data = owner
                    .data(
                        "query($s: String) { savedPanels(filter: { search: $s, sort: NAME_ASC }) { totalCount nodes { name } } }",
                        json!({ "s": search }),
                    )
                    .await;
                let names: Vec<String> = data["savedPanels"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["name"].as_str().unwrap().to_owned())
                    .collect();
                (data["savedPanels"]["totalCount"].as_i64().unwrap(), names)
            }
        };
        // Any part of the name or the description, whatever the case; only panels the caller
        // may see (another user's private panel is not found, their public one is).
        assert_eq!(
            found("ARDIOMYOP").await,
            (
                3,
                vec![
                    "Arrhythmia".to_owned(),
                    "Cardiomyopathy core".to_owned(),
                    "Public cardiomyopathy".to_owned(),
                ]
            )
        );
        assert_eq!(
            found("adult").await,
            (1, vec!["Cardiomyopathy core".to_owned()])
        );
        // Short texts are searched too (shorter than a trigram).
        assert_eq!(found("qt").await, (1, vec!["Arrhythmia".to_owned()]));
        // `%` and `_` are not wildcards: they are left out of the text.
        assert_eq!(
            found("100%").await,
            (1, vec!["100% cardiac_list".to_owned()])
        );
        assert_eq!(found("nothing like it").await, (0, Vec::new()));
    }
);

/// PostgreSQL plans a prepared statement for the values it is given for five runs, then
/// may keep one plan for any values: for the text search that plan can not know the
/// trigrams and tests every panel (4–9 ms a statement at 10,000 panels against 0.2–0.5).
/// Every search, the sixth and later too, is planned for its text. Runs on the one
/// connection it opens, whose prepared statements PostgreSQL lists with their plans.
#[tokio::test]
async fn postgres_plans_every_text_search_for_its_text() {
    use chrono::Utc;
    use entity::saved_panels;
    use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, Statement};
    use server::auth::Principal;
    use server::paging::Span;
    use server::saved::listing::Filter;
    use shared::{PanelStatus, Visibility};
    let Some((pg_url, _)) = tests::services::required_services() else {
        return;
    };
    server::install_crypto_provider();
    let pg = tests::PgDatabase::create(&pg_url).await;
    let db = server::db::connect_single(&pg.url).await.unwrap();
    server::db::migrate(&db).await.unwrap();

    let now = Utc::now();
    let owner = entity::user::Entity::insert(server::services::accounts::new_user_row(
        "owner".into(),
        "owner@example.org".into(),
        "not a hash".into(),
        shared::Role::User,
        now,
    ))
    .exec(&db)
    .await
    .unwrap()
    .last_insert_id;
    let panels = (1..=3000).map(|n| saved_panels::ActiveModel {
        name: Set(format!("Cardiac panel {n}")),
        description: Set(Some(format!("Seeded panel {n} for the plan test"))),
        owner_id: Set(owner),
        status: Set(PanelStatus::Active),
        visibility: Set(Visibility::Public),
        current_version: Set(1),
        version_count: Set(1),
        gene_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    for chunk in panels.collect::<Vec<_>>().chunks(500) {
        saved_panels::Entity::insert_many(chunk.to_vec())
            .exec(&db)
            .await
            .unwrap();
    }
    db.execute_unprepared("ANALYZE saved_panels").await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let settings = server::config::Settings::for_tests(dir.path());
    let state =
        server::state::AppState::new(settings, db.clone(), server::backend::Backends::memory())
            .unwrap();
    for text in [
        "panel 77",
        "panel 1",
        "panel 2999",
        "PANEL 30",
        "panel 77",
        "panel 5",
    ]
    .iter()
    .cycle()
    .take(12)
    {
        let filter = Filter {
            text: Some((*text).to_owned()),
            ..Filter::default()
        };
        let span = Span {
            after: None,
            before: None,
            backwards: false,
            limit: 25,
        };
        let page = state
            .saved
            .list_page(&Principal::visitor(None), &filter, &span)
            .await
            .unwrap();
        let wanted = text.to_lowercase();
        let expected = (1..=3000)
            .filter(|n| format!("cardiac panel {n}").contains(&wanted))
            .count();
        assert_eq!(page.total, expected as u64, "{text}");
        assert_eq!(page.items.len(), expected.min(25), "{text}");
        assert!(
            page.items
                .iter()
                .all(|l| l.name.to_lowercase().contains(&wanted))
        );
    }
    let plans = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements \
             WHERE statement LIKE '%LOWER(\"name\") LIKE%' \
             AND statement NOT LIKE '%pg_prepared_statements%'",
        ))
        .await
        .unwrap();
    let plans: Vec<(i64, i64)> = plans
        .iter()
        .map(|r| {
            (
                r.try_get("", "generic_plans").unwrap(),
                r.try_get("", "custom_plans").unwrap(),
            )
        })
        .collect();
    // The total and the page.
    assert_eq!(plans.len(), 2, "{plans:?}");
    assert!(
        plans
            .iter()
            .all(|&(generic, custom)| generic == 0 && custom == 12),
        "{plans:?}"
    );

    db.close().await.unwrap();
}
