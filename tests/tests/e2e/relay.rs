//! Relay pagination and global ids against the real server: every growing list pages both ways
//! with opaque cursors and `totalCount`; `node(id:)` fetches any object again with the
//! permissions of its own query; ids of the wrong type are refused; people are objects and
//! closed sets are enums.

use serde_json::{Value, json};
use shared::Role;
use tests::client::error_code;
use tests::{GraphqlClient, MockPanelApp, TestApp, TestConfig, on_both_backends};

const CREATE: &str =
    "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id databaseId } }";
const EDIT: &str = "mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) { currentVersion } }";
const SHARE: &str = "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id } } }";
const COMMENT: &str = "mutation($id: ID!, $b: String!) { commentOnPanel(panelId: $id, body: $b) { id author { username } } }";
const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { id format \
    genes(first: 1) { totalCount nodes { symbol } } } }";

fn nodes<'a>(connection: &'a Value, field: &str) -> Vec<&'a Value> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {connection:#}"))
        .iter()
        .map(|n| &n[field])
        .collect()
}

/// A panel with three versions (BRCA1, TP53, PALB2; + ATM; - TP53), three comments and shares
/// with two people; returns its global id.
async fn busy_panel(app: &TestApp, owner: &GraphqlClient) -> String {
    let created = owner
        .data(
            CREATE,
            json!({ "i": { "name": "Busy", "genes": [
                { "symbol": "BRCA1", "confidence": "GREEN" },
                { "symbol": "TP53", "confidence": "GREEN" },
                { "symbol": "PALB2", "confidence": "AMBER" } ] } }),
        )
        .await;
    let id = created["createSavedPanel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    owner
        .data(
            EDIT,
            json!({ "id": id, "i": { "basedOnVersion": 1, "comment": "two",
            "addGenes": [{ "symbol": "ATM", "confidence": "GREEN" }] } }),
        )
        .await;
    owner
        .data(
            EDIT,
            json!({ "id": id, "i": { "basedOnVersion": 2, "comment": "three",
            "removeGenes": ["TP53"],
            "updateGenes": [{ "symbol": "BRCA1", "customConfidence": "AMBER" }] } }),
        )
        .await;
    for body in ["first", "second", "third"] {
        owner.data(COMMENT, json!({ "id": id, "b": body })).await;
    }
    for name in ["viewer1", "viewer2"] {
        app.create_user(name, Role::User).await;
        owner
            .data(
                SHARE,
                json!({ "i": { "panelId": id, "username": name, "permission": "VIEW" } }),
            )
            .await;
    }
    id
}

on_both_backends!(
    rows_added_between_pages_are_not_read_twice,
    |app: TestApp| async move {
        let owner = app.logged_in("pager", Role::User).await;
        let id = busy_panel(&app, &owner).await;
        let page = |list: &str, field: &str, args: &str| {
            let query = format!(
                "query($id: ID!) {{ savedPanel(id: $id) {{ {list}({args}) {{
                   pageInfo {{ endCursor }} nodes {{ {field} }} }} }} }}"
            );
            let owner = &owner;
            let id = id.clone();
            let list = list.to_owned();
            async move {
                owner.data(&query, json!({ "id": id })).await["savedPanel"][list.as_str()].clone()
            }
        };
        let end = |page: &Value| page["pageInfo"]["endCursor"].as_str().unwrap().to_owned();

        // Versions 3 and 2 read; version 4 saved; the next page is version 1, not 2 again.
        let first = page("versions", "number", "first: 2").await;
        assert_eq!(nodes(&first, "number"), [3, 2]);
        let changes_first = page("changes", "id", "first: 1").await;
        let shares_first = page("shares", "username", "first: 1").await;
        assert_eq!(nodes(&shares_first, "username"), ["viewer2"]);
        owner
            .data(
                EDIT,
                json!({ "id": id, "i": { "basedOnVersion": 3, "comment": "four",
                "addGenes": [{ "symbol": "CHEK2", "confidence": "GREEN" }] } }),
            )
            .await;
        app.create_user("viewer3", Role::User).await;
        owner
            .data(
                SHARE,
                json!({ "i": { "panelId": id, "username": "viewer3", "permission": "VIEW" } }),
            )
            .await;
        let next = page(
            "versions",
            "number",
            &format!("first: 2, after: \"{}\"", end(&first)),
        )
        .await;
        assert_eq!(nodes(&next, "number"), [1]);
        assert_eq!(
            nodes(&page("versions", "number", "first: 2").await, "number"),
            [4, 3]
        );

        // The newest change read; a change recorded since is not the next one.
        let newest = nodes(&changes_first, "id")[0].clone();
        let after = page(
            "changes",
            "id",
            &format!("first: 1, after: \"{}\"", end(&changes_first)),
        )
        .await;
        let following = nodes(&after, "id")[0].clone();
        assert_ne!(
            following, newest,
            "the next page repeats the change read: {after}"
        );
        assert!(
            tests::db_id(following.as_str().unwrap()) < tests::db_id(newest.as_str().unwrap()),
            "older, not newer: {after}"
        );

        // Shares: viewer2 read, viewer3 shared since; the next one is viewer1.
        let rest = page(
            "shares",
            "username",
            &format!("first: 5, after: \"{}\"", end(&shares_first)),
        )
        .await;
        assert_eq!(nodes(&rest, "username"), ["viewer1"]);
    }
);

on_both_backends!(
    saved_panel_pages_follow_their_sort_while_panels_change,
    |app: TestApp| async move {
        let owner = app.logged_in("lister", Role::User).await;
        let mut ids = std::collections::HashMap::new();
        for name in ["A", "B", "C", "D", "E", "Dup"] {
            let created = owner
                .data(CREATE, json!({ "i": { "name": name, "tags": ["paging"] } }))
                .await;
            ids.insert(
                name,
                created["createSavedPanel"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        // A second "Dup", someone else's and public: the names tie.
        app.logged_in("lister2", Role::Editor)
            .await
            .data(
                CREATE,
                json!({ "i": { "name": "Dup", "tags": ["paging"], "visibility": "PUBLIC" } }),
            )
            .await;
        let list = |sort: &str, args: &str| {
            let query = format!(
                "{{ savedPanels(filter: {{ tag: \"paging\", sort: {sort} }}, {args}) {{ totalCount
                   pageInfo {{ hasNextPage hasPreviousPage endCursor startCursor }} nodes {{ name }} }} }}"
            );
            let owner = &owner;
            async move { owner.data(&query, json!({})).await["savedPanels"].clone() }
        };
        let end = |page: &Value| page["pageInfo"]["endCursor"].as_str().unwrap().to_owned();

        // Last changed first: the two Dups, E, D, C, B, A. Two pages read, then B is edited and
        // moves to the top: the third page goes on where the second ended, without repeating D.
        let one = list("UPDATED_DESC", "first: 2").await;
        assert_eq!(nodes(&one, "name"), ["Dup", "Dup"]);
        assert_eq!(one["totalCount"], 7);
        let two = list(
            "UPDATED_DESC",
            &format!("first: 2, after: \"{}\"", end(&one)),
        )
        .await;
        assert_eq!(nodes(&two, "name"), ["E", "D"]);
        assert_eq!(two["pageInfo"]["hasPreviousPage"], true);
        owner
            .data(
                EDIT,
                json!({ "id": ids["B"], "i": { "basedOnVersion": 1, "comment": "moved up",
                "addGenes": [{ "symbol": "ATM", "confidence": "GREEN" }] } }),
            )
            .await;
        let three = list(
            "UPDATED_DESC",
            &format!("first: 5, after: \"{}\"", end(&two)),
        )
        .await;
        assert_eq!(
            nodes(&three, "name"),
            ["C", "A"],
            "B moved above; nothing repeats"
        );
        assert_eq!(three["pageInfo"]["hasNextPage"], false);
        assert_eq!(
            nodes(&list("UPDATED_DESC", "first: 1").await, "name"),
            ["B"]
        );
        // Backwards: the end of the list, then the page before a cursor.
        let tail = list("UPDATED_DESC", "last: 2").await;
        assert_eq!(nodes(&tail, "name"), ["C", "A"]);
        assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
        let start = tail["pageInfo"]["startCursor"].as_str().unwrap();
        let before = list("UPDATED_DESC", &format!("last: 1, before: \"{start}\"")).await;
        assert_eq!(nodes(&before, "name"), ["D"]);

        // By name: ties (the two Dups) go by id, and a page may end between them.
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let args = if after.is_empty() {
                "first: 3".to_owned()
            } else {
                format!("first: 3, after: \"{after}\"")
            };
            let page = list("NAME_ASC", &args).await;
            seen.extend(
                nodes(&page, "name")
                    .into_iter()
                    .map(|n| n.as_str().unwrap().to_owned()),
            );
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = end(&page);
        }
        assert_eq!(seen, ["A", "B", "C", "D", "Dup", "Dup", "E"]);

        // A cursor belongs to its sort.
        let other = owner
            .query(
                &format!(
                    "{{ savedPanels(filter: {{ tag: \"paging\", sort: NAME_ASC }}, after: \"{}\") {{ nodes {{ name }} }} }}",
                    end(&one)
                ),
                json!({}),
            )
            .await;
        assert_eq!(error_code(&other), Some("VALIDATION"), "{other}");
        assert_eq!(
            other["errors"][0]["extensions"]["field"], "after",
            "{other}"
        );
    }
);

on_both_backends!(
    every_growing_list_pages_both_ways_with_opaque_cursors,
    |app: TestApp| async move {
        let owner = app.logged_in("pager", Role::User).await;
        let id = busy_panel(&app, &owner).await;
        let versions = |args: &str| {
            format!(
                "query($id: ID!) {{ savedPanel(id: $id) {{ versions({args}) {{ totalCount
                 pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
                 edges {{ cursor }} nodes {{ number }} }} }} }}"
            )
        };

        // Forwards: newest first, two at a time.
        let page = owner.data(&versions("first: 2"), json!({ "id": id })).await;
        let page = &page["savedPanel"]["versions"];
        assert_eq!(nodes(page, "number"), [3, 2]);
        assert_eq!(page["totalCount"], 3);
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
        let end = page["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        assert_eq!(page["edges"][1]["cursor"], end.as_str());
        // Opaque: neither a bare number nor the list's position in clear.
        assert!(
            end.parse::<i64>().is_err() && !end.contains("versions"),
            "{end}"
        );
        let next = owner
            .data(
                &versions(&format!("first: 2, after: \"{end}\"")),
                json!({ "id": id }),
            )
            .await;
        let next = &next["savedPanel"]["versions"];
        assert_eq!(nodes(next, "number"), [1]);
        assert_eq!(next["pageInfo"]["hasNextPage"], false);
        assert_eq!(next["pageInfo"]["hasPreviousPage"], true);

        // Backwards: the oldest, then the one before a cursor.
        let last = owner.data(&versions("last: 1"), json!({ "id": id })).await;
        assert_eq!(nodes(&last["savedPanel"]["versions"], "number"), [1]);
        let before = owner
            .data(
                &versions(&format!("last: 5, before: \"{end}\"")),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(nodes(&before["savedPanel"]["versions"], "number"), [3]);

        // Mistakes are VALIDATION naming the argument, never a silent first page.
        for (args, field) in [
            ("first: 0".to_owned(), "first"),
            ("first: 501".to_owned(), "first"),
            ("last: -1".to_owned(), "last"),
            ("first: 1, last: 1".to_owned(), "last"),
            ("after: \"3\"".to_owned(), "after"),
            ("before: \"not a cursor\"".to_owned(), "before"),
        ] {
            let body = owner.query(&versions(&args), json!({ "id": id })).await;
            assert_eq!(error_code(&body), Some("VALIDATION"), "{args}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"], field,
                "{args}: {body}"
            );
        }
        // A cursor of another list is not one of this list.
        let comments = |args: &str| {
            format!(
                "query($id: ID!) {{ savedPanel(id: $id) {{ comments({args}) {{ totalCount
                 pageInfo {{ hasNextPage endCursor }} nodes {{ body author {{ username }} }} }} }} }}"
            )
        };
        let foreign = owner
            .query(&comments(&format!("after: \"{end}\"")), json!({ "id": id }))
            .await;
        assert_eq!(error_code(&foreign), Some("VALIDATION"), "{foreign}");

        // Comments: oldest first, with their authors as people.
        let c = owner.data(&comments("first: 2"), json!({ "id": id })).await;
        let c = &c["savedPanel"]["comments"];
        assert_eq!(nodes(c, "body"), ["first", "second"]);
        assert_eq!(c["totalCount"], 3);
        assert_eq!(c["nodes"][0]["author"]["username"], "pager");
        let cursor = c["pageInfo"]["endCursor"].as_str().unwrap();
        let rest = owner
            .data(
                &comments(&format!("first: 2, after: \"{cursor}\"")),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(nodes(&rest["savedPanel"]["comments"], "body"), ["third"]);

        // Shares: newest first; `last` reads from the oldest.
        let shares = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) {
                    all: shares { totalCount nodes { username user { username } } }
                    oldest: shares(last: 1) { nodes { username } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(shares["savedPanel"]["all"]["totalCount"], 2);
        assert_eq!(
            nodes(&shares["savedPanel"]["all"], "username"),
            ["viewer2", "viewer1"]
        );
        assert_eq!(
            shares["savedPanel"]["all"]["nodes"][0]["user"]["username"],
            "viewer2"
        );
        assert_eq!(
            nodes(&shares["savedPanel"]["oldest"], "username"),
            ["viewer1"]
        );

        // Genes of a version: by symbol, all by default, pages when asked.
        let genes = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) {
                    all: genes(version: 2) { totalCount nodes { symbol } }
                    two: genes(version: 2, first: 2) { pageInfo { hasNextPage } nodes { symbol } }
                    tail: genes(version: 2, last: 1) { nodes { symbol } }
                    version(number: 1) { genes(first: 1) { totalCount nodes { symbol } } } } }",
                json!({ "id": id }),
            )
            .await;
        let p = &genes["savedPanel"];
        assert_eq!(p["all"]["totalCount"], 4);
        assert_eq!(nodes(&p["two"], "symbol").len(), 2);
        assert_eq!(p["two"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(p["tail"]["nodes"].as_array().unwrap().len(), 1);
        assert_eq!(p["version"]["genes"]["totalCount"], 3);

        // Uploads: oldest first, with their genes as a connection and the format an enum.
        for (name, text) in [
            ("one.txt", "BRCA1\nTP53\n"),
            ("two.csv", "gene,note\nATM,checked\n"),
        ] {
            let (status, body) = owner
                .multipart(
                    UPLOAD,
                    json!({ "file": null }),
                    vec![("variables.file", name, text.as_bytes().to_vec())],
                )
                .await;
            assert_eq!(status, 200, "{body}");
            let list = &body["data"]["uploadGeneList"];
            assert!(
                ["TEXT", "CSV"].contains(&list["format"].as_str().unwrap()),
                "{body}"
            );
            assert_eq!(
                list["genes"]["nodes"].as_array().unwrap().len(),
                1,
                "{body}"
            );
        }
        let uploads = owner
            .data(
                "{ uploads(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { filename format } } }",
                json!({}),
            )
            .await;
        assert_eq!(uploads["uploads"]["totalCount"], 2);
        assert_eq!(nodes(&uploads["uploads"], "filename"), ["one.txt"]);
        assert_eq!(nodes(&uploads["uploads"], "format"), ["TEXT"]);
        let after = uploads["uploads"]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap();
        let second = owner
            .data(
                "query($a: String) { uploads(first: 5, after: $a) { nodes { filename format } } }",
                json!({ "a": after }),
            )
            .await;
        assert_eq!(nodes(&second["uploads"], "filename"), ["two.csv"]);
        assert_eq!(nodes(&second["uploads"], "format"), ["CSV"]);

        // Pages of uploads go by place: one.txt read, then removed, and a third list stored;
        // the next page is two.csv and three.txt (a page by position would skip two.csv).
        let (status, body) = owner
            .multipart(
                UPLOAD,
                json!({ "file": null }),
                vec![("variables.file", "three.txt", b"PALB2\n".to_vec())],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let one = owner
            .data("{ uploads(first: 1) { nodes { id filename } } }", json!({}))
            .await["uploads"]["nodes"][0]
            .clone();
        assert_eq!(one["filename"], "one.txt");
        owner
            .data(
                "mutation($id: ID!) { removeUpload(id: $id) }",
                json!({ "id": one["id"] }),
            )
            .await;
        let rest = owner
            .data(
                "query($a: String) { uploads(first: 5, after: $a) { totalCount nodes { filename } } }",
                json!({ "a": after }),
            )
            .await;
        assert_eq!(
            nodes(&rest["uploads"], "filename"),
            ["two.csv", "three.txt"]
        );
        assert_eq!(rest["uploads"]["totalCount"], 2);
        let last = owner
            .data("{ uploads(last: 1) { nodes { filename } } }", json!({}))
            .await;
        assert_eq!(nodes(&last["uploads"], "filename"), ["three.txt"]);
    }
);

on_both_backends!(
    node_fetches_every_object_again_with_its_own_permissions,
    |app: TestApp| async move {
        let owner = app.logged_in("noder", Role::User).await;
        let id = busy_panel(&app, &owner).await;
        let outsider = app.logged_in("outsider", Role::User).await;
        let viewer = app.new_client();
        viewer.login("viewer1", tests::PASSWORD).await;
        let admin = app.logged_in("nodeadmin", Role::Admin).await;

        let panel = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { id databaseId name owner { id username displayName }
                    ownerId
                    versions(first: 1) { nodes { id number createdBy { username } } }
                    comments(first: 1) { nodes { id } }
                    shares(first: 1) { nodes { id } }
                    changes(version: 3) { nodes { id changeType field gene { symbol } oldValue newValue } } } }",
                json!({ "id": id }),
            )
            .await;
        let p = &panel["savedPanel"];
        assert_eq!(p["id"], id.as_str());
        assert_eq!(p["owner"]["username"], "noder");
        assert_eq!(p["versions"]["nodes"][0]["createdBy"]["username"], "noder");
        // Global ids are neither the row number nor the same across types.
        let database_id = p["databaseId"].as_i64().unwrap();
        assert_ne!(p["id"], json!(database_id.to_string()));
        assert_eq!(tests::db_id(&id), database_id as i32);

        // Typed changes: the removed gene as a gene, the rating change by field.
        let changes = p["changes"]["nodes"].as_array().unwrap();
        let removed = changes
            .iter()
            .find(|c| c["changeType"] == "GENE_REMOVED")
            .unwrap();
        assert_eq!(removed["gene"]["symbol"], "TP53");
        assert!(removed["field"].is_null());
        let rating = changes
            .iter()
            .find(|c| c["changeType"] == "CONFIDENCE_CHANGED")
            .unwrap();
        assert_eq!(rating["field"], "CUSTOM_CONFIDENCE");
        assert_eq!(rating["newValue"], "AMBER");
        let diff = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { diff(from: 2, to: 3) { changed { symbol field } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            diff["savedPanel"]["diff"]["changed"],
            json!([{ "symbol": "BRCA1", "field": "CUSTOM_CONFIDENCE" }])
        );

        // node(id:) gives each object back, whatever its type.
        const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id
            ... on SavedPanel { name } ... on PanelVersion { number } ... on PanelComment { body }
            ... on Share { username } ... on PanelChange { changeType } ... on Person { username }
            ... on User { username email } ... on AuditEntry { action } } }";
        let ids = [
            (p["id"].clone(), "SavedPanel", "name", json!("Busy")),
            (
                p["versions"]["nodes"][0]["id"].clone(),
                "PanelVersion",
                "number",
                json!(3),
            ),
            (
                p["comments"]["nodes"][0]["id"].clone(),
                "PanelComment",
                "body",
                json!("first"),
            ),
            (
                p["shares"]["nodes"][0]["id"].clone(),
                "Share",
                "username",
                json!("viewer2"),
            ),
            (
                removed["id"].clone(),
                "PanelChange",
                "changeType",
                json!("GENE_REMOVED"),
            ),
            (
                p["owner"]["id"].clone(),
                "Person",
                "username",
                json!("noder"),
            ),
        ];
        for (node_id, typename, field, value) in &ids {
            let got = owner.data(NODE, json!({ "id": node_id })).await;
            assert_eq!(got["node"]["__typename"], *typename, "{got}");
            assert_eq!(got["node"]["id"], *node_id, "{got}");
            assert_eq!(got["node"][*field], *value, "{got}");
        }
        let many = owner
            .data(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": [ids[1].0, ids[0].0] }),
            )
            .await;
        assert_eq!(
            many["nodes"],
            json!([{ "id": ids[1].0 }, { "id": ids[0].0 }])
        );

        // The same permissions as the objects' own queries.
        let denied = outsider.query(NODE, json!({ "id": id })).await;
        assert_eq!(error_code(&denied), Some("FORBIDDEN"), "{denied}");
        let comment = outsider.query(NODE, json!({ "id": ids[2].0 })).await;
        assert_eq!(error_code(&comment), Some("FORBIDDEN"), "{comment}");
        // A VIEW share sees the panel but not its shares.
        assert_eq!(
            viewer.data(NODE, json!({ "id": id })).await["node"]["name"],
            "Busy"
        );
        let share = viewer.query(NODE, json!({ "id": ids[3].0 })).await;
        assert_eq!(error_code(&share), Some("FORBIDDEN"), "{share}");
        // Accounts: yourself and admins see the User; others only the Person.
        let me = owner.data("{ me { id databaseId } }", json!({})).await["me"].clone();
        // The deprecated `ownerId` is the owner's global user id; `owner.id` their Person id.
        assert_eq!(p["ownerId"], me["id"]);
        assert_eq!(
            i64::from(tests::db_id(p["owner"]["id"].as_str().unwrap())),
            me["databaseId"].as_i64().unwrap()
        );
        let user = admin.data(NODE, json!({ "id": me["id"] })).await;
        assert_eq!(user["node"]["email"], "noder@example.org");
        let peek = outsider.query(NODE, json!({ "id": me["id"] })).await;
        assert_eq!(error_code(&peek), Some("FORBIDDEN"), "{peek}");
        let visitor = app
            .new_client()
            .query(NODE, json!({ "id": ids[5].0 }))
            .await;
        assert_eq!(error_code(&visitor), Some("UNAUTHENTICATED"), "{visitor}");
        // Relationships are objects: the team of a team share, the account of an audit entry.
        let team = owner
            .data(
                "mutation { createTeam(name: \"Node team\") { id } }",
                json!({}),
            )
            .await["createTeam"]["id"]
            .clone();
        owner
            .data(
                SHARE,
                json!({ "i": { "panelId": id, "teamId": team, "permission": "VIEW" } }),
            )
            .await;
        let shares = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { shares { nodes { target user { username } team { id name } } } } }",
                json!({ "id": id }),
            )
            .await;
        let shares = shares["savedPanel"]["shares"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        let to_team = shares.iter().find(|s| s["target"] == "TEAM").unwrap();
        assert_eq!(to_team["team"], json!({ "id": team, "name": "Node team" }));
        assert!(to_team["user"].is_null());
        let to_user = shares.iter().find(|s| s["target"] == "USER").unwrap();
        assert!(to_user["team"].is_null() && to_user["user"]["username"].is_string());
        let acted = admin
            .data(
                "{ auditLog(first: 1, filter: { usernames: [\"noder\"] }) { nodes { username user { username } } } }",
                json!({}),
            )
            .await;
        assert_eq!(acted["auditLog"]["nodes"][0]["user"]["username"], "noder");

        // Audit entries: admins only.
        let audit = admin
            .data(
                "{ auditLog(first: 1) { nodes { id databaseId action } } }",
                json!({}),
            )
            .await;
        let entry = &audit["auditLog"]["nodes"][0];
        let again = admin.data(NODE, json!({ "id": entry["id"] })).await;
        assert_eq!(again["node"]["action"], entry["action"]);
        let hidden = owner.query(NODE, json!({ "id": entry["id"] })).await;
        assert_eq!(error_code(&hidden), Some("FORBIDDEN"), "{hidden}");

        // Arguments take the global id of their type, or the bare number; never another type.
        let by_number = owner
            .data(
                "query($id: ID!) { savedPanel(id: $id) { id } }",
                json!({ "id": database_id.to_string() }),
            )
            .await;
        assert_eq!(by_number["savedPanel"]["id"], id.as_str());
        let wrong = owner
            .query(
                "query($id: ID!) { savedPanel(id: $id) { id } }",
                json!({ "id": me["id"] }),
            )
            .await;
        assert_eq!(error_code(&wrong), Some("VALIDATION"), "{wrong}");
        assert_eq!(wrong["errors"][0]["extensions"]["expected"], "SavedPanel");
        assert_eq!(wrong["errors"][0]["extensions"]["found"], "User");
        let garbage = owner.query(NODE, json!({ "id": "42" })).await;
        assert_eq!(error_code(&garbage), Some("VALIDATION"), "{garbage}");
        let gone = owner
            .query(NODE, json!({ "id": server::graphql::node::global_id(server::graphql::node::Kind::SavedPanel, 999_999).to_string() }))
            .await;
        assert_eq!(error_code(&gone), Some("NOT_FOUND"), "{gone}");
    }
);

// Lists of PanelApp data held in memory page the same way: a panel's entities and a merge's
// genes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panel_entities_and_merged_genes_are_connections() {
    let mock = MockPanelApp::start().await;
    let app = TestApp::spawn(TestConfig {
        panelapp: Some(mock.urls()),
        ..TestConfig::default()
    })
    .await
    .unwrap();
    let client = &app.client;
    let entities = client
        .data(
            "{ panel(source: UK, id: 402) {
                all: entities { totalCount }
                page: entities(first: 3) { pageInfo { hasNextPage endCursor } nodes { symbol } }
                green: entities(confidence: [GREEN], last: 2) { totalCount pageInfo { hasPreviousPage } nodes { confidence } } } }",
            json!({}),
        )
        .await;
    let panel = &entities["panel"];
    let total = panel["all"]["totalCount"].as_i64().unwrap();
    assert!(total > 100, "{panel}");
    assert_eq!(panel["page"]["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(panel["page"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(nodes(&panel["green"], "confidence"), ["GREEN", "GREEN"]);
    assert_eq!(panel["green"]["pageInfo"]["hasPreviousPage"], true);
    let cursor = panel["page"]["pageInfo"]["endCursor"].as_str().unwrap();
    let next = client
        .data(
            "query($a: String) { panel(source: UK, id: 402) { entities(first: 1, after: $a) { nodes { symbol } } } }",
            json!({ "a": cursor }),
        )
        .await;
    assert_eq!(
        next["panel"]["entities"]["nodes"].as_array().unwrap().len(),
        1
    );

    let merged = client
        .data(
            "{ mergePreview(input: { panels: [{ source: UK, id: 402, confidence: [GREEN] }] }) {
                total genes(first: 2) { totalCount pageInfo { hasNextPage } nodes { symbol } } } }",
            json!({}),
        )
        .await;
    let m = &merged["mergePreview"];
    assert_eq!(m["genes"]["totalCount"], m["total"]);
    assert_eq!(m["genes"]["nodes"].as_array().unwrap().len(), 2);
    let symbols = nodes(&m["genes"], "symbol");
    assert!(symbols[0].as_str() < symbols[1].as_str(), "{symbols:?}");
}
