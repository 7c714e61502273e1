//! The permission table end to end: roles below ADMIN are enforced (a VIEWER browses, merges
//! and reads but creates nothing), visibility is a sharing decision (an EDIT share can not
//! publish; PUBLIC needs an EDITOR), nobody extends their own access by re-sharing, one
//! active share per (panel, target) under concurrency, and share audit rows say with whom.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shared::{AuditAction, Role};
use tests::client::error_code;
use tests::{GraphqlClient, TestApp, on_both_backends};

const CREATE: &str =
    "mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id visibility } }";
const EDIT: &str = "mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) { currentVersion visibility } }";
const SHARE: &str = "mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { id permission expiresAt } } }";
const PANEL: &str = "query($id: ID!) { savedPanel(id: $id) { id visibility status currentVersion myPermission canEdit canComment canShare } }";
const UPLOAD: &str = "mutation($file: Upload!) { uploadGeneList(file: $file) { id geneCount } }";
const STATUS: &str =
    "mutation($id: ID!, $s: PanelStatus!) { setSavedPanelStatus(id: $id, status: $s) { status } }";

async fn create(client: &GraphqlClient, name: &str, visibility: &str) -> Value {
    client
        .query(
            CREATE,
            json!({ "i": { "name": name, "visibility": visibility,
                "genes": [{ "symbol": "BRCA1", "confidence": "GREEN" }] } }),
        )
        .await
}

async fn create_id(client: &GraphqlClient, name: &str) -> String {
    let body = create(client, name, "PRIVATE").await;
    body["data"]["createSavedPanel"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("create {name}: {body}"))
        .to_owned()
}

fn forbidden(body: &Value) -> &str {
    assert_eq!(error_code(body), Some("FORBIDDEN"), "{body}");
    body["errors"][0]["message"].as_str().unwrap()
}

async fn count<E: EntityTrait>(app: &TestApp) -> u64
where
    E::Model: Sync,
{
    E::find().count(&app.state.db).await.unwrap()
}

async fn active_shares(
    app: &TestApp,
    panel: &str,
    user_id: i32,
) -> Vec<entity::panel_shares::Model> {
    entity::panel_shares::Entity::find()
        .filter(entity::panel_shares::Column::PanelId.eq(tests::db_id(panel)))
        .filter(entity::panel_shares::Column::SharedWithUserId.eq(user_id))
        .filter(entity::panel_shares::Column::IsActive.eq(true))
        .all(&app.state.db)
        .await
        .unwrap()
}

on_both_backends!(
    a_viewer_merges_and_reads_shares_but_uploads_creates_and_shares_nothing,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let panel = create_id(&owner, "Cardiac").await;
        let viewer_row = app.create_user("vera", Role::Viewer).await;
        owner
            .data(
                SHARE,
                json!({ "i": { "panelId": panel, "userId": viewer_row.id.to_string(), "permission": "EDIT" } }),
            )
            .await;
        let vera = app.new_client();
        vera.login("vera", tests::PASSWORD).await;
        let (panels, shares, teams, uploads) = (
            count::<entity::saved_panels::Entity>(&app).await,
            count::<entity::panel_shares::Entity>(&app).await,
            count::<entity::teams::Entity>(&app).await,
            count::<entity::uploads::Entity>(&app).await,
        );

        // Uploads, saved panels, shares and teams of its own: refused, naming the role.
        let (_, up) = vera
            .multipart(
                UPLOAD,
                json!({ "file": null }),
                vec![("variables.file", "mine.csv", b"Gene\nBRCA1\n".to_vec())],
            )
            .await;
        let message = forbidden(&up);
        assert!(
            message.contains("this needs the USER role or higher; your role is VIEWER"),
            "{message}"
        );
        assert_eq!(up["errors"][0]["extensions"]["requiredRole"], "USER");
        let made = create(&vera, "Mine", "PRIVATE").await;
        assert!(forbidden(&made).contains("your role is VIEWER"));
        let other = app.create_user("otto", Role::User).await;
        let shared = vera
            .query(
                SHARE,
                json!({ "i": { "panelId": panel, "userId": other.id.to_string(), "permission": "VIEW" } }),
            )
            .await;
        forbidden(&shared);
        let link = vera
            .query(
                SHARE,
                json!({ "i": { "panelId": panel, "link": true, "permission": "VIEW" } }),
            )
            .await;
        forbidden(&link);
        let team = vera
            .query(
                "mutation { createTeam(name: \"Viewers\") { id } }",
                json!({}),
            )
            .await;
        forbidden(&team);
        // The EDIT share is capped at what a VIEWER may do: read and comment.
        let edit = vera
            .query(
                EDIT,
                json!({ "id": panel, "i": { "basedOnVersion": 1, "addGenes": [{ "symbol": "TP53" }] } }),
            )
            .await;
        forbidden(&edit);
        assert_eq!(
            count::<entity::saved_panels::Entity>(&app).await,
            panels,
            "no panel made"
        );
        assert_eq!(count::<entity::panel_shares::Entity>(&app).await, shares);
        assert_eq!(count::<entity::teams::Entity>(&app).await, teams);
        assert_eq!(count::<entity::uploads::Entity>(&app).await, uploads);
        assert_eq!(
            count::<entity::panel_versions::Entity>(&app).await,
            1,
            "the shared panel gained no version"
        );

        // What a VIEWER does: browse, merge, download, read and comment on what is shared.
        let seen = vera.data(PANEL, json!({ "id": panel })).await;
        assert_eq!(seen["savedPanel"]["myPermission"], "COMMENT");
        assert_eq!(seen["savedPanel"]["canEdit"], false);
        assert_eq!(seen["savedPanel"]["canShare"], false);
        vera.data(
            "mutation($id: ID!) { commentOnPanel(panelId: $id, body: \"looks right\") { id } }",
            json!({ "id": panel }),
        )
        .await;
        let input = json!({ "panels": [{ "source": "UK", "id": 635, "confidence": ["GREEN"] }] });
        let merged = vera
            .data(
                "query($input: MergeInput!) { mergePreview(input: $input) { total } }",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(merged["mergePreview"]["total"], 8, "{merged}");
        let export = vera
            .data(
                "mutation($input: MergeInput!) { exportMerge(input: $input, format: CSV) { url rows } }",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(export["exportMerge"]["rows"], 8);
        let listed = vera
            .data(
                "{ savedPanels(filter: { scope: SHARED_WITH_ME }) { edges { node { id myPermission } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            listed["savedPanels"]["edges"][0]["node"]["myPermission"],
            "COMMENT"
        );
        vera.data("{ myTeams { id } uploads { nodes { id } } }", json!({}))
            .await;

        // Anonymous visitors keep their ephemeral uploads.
        let visitor = app.new_client();
        let (_, up) = visitor
            .multipart(
                UPLOAD,
                json!({ "file": null }),
                vec![("variables.file", "visitor.csv", b"Gene\nBRCA1\n".to_vec())],
            )
            .await;
        assert_eq!(up["data"]["uploadGeneList"]["geneCount"], 1, "{up}");
        let anonymous = visitor.query(CREATE, json!({ "i": { "name": "x" } })).await;
        assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
    }
);

on_both_backends!(
    visibility_is_a_sharing_decision_and_public_needs_an_editor,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let panel = create_id(&owner, "Private list").await;
        let coeditor = app.create_user("coeditor", Role::Editor).await;
        owner
            .data(
                SHARE,
                json!({ "i": { "panelId": panel, "userId": coeditor.id.to_string(), "permission": "EDIT" } }),
            )
            .await;
        let coeditor_client = app.new_client();
        coeditor_client.login("coeditor", tests::PASSWORD).await;
        // An EDIT share (even held by an EDITOR) can not publish or hide the owner's panel.
        for visibility in ["PUBLIC", "PRIVATE"] {
            let body = coeditor_client
                .query(
                    EDIT,
                    json!({ "id": panel, "i": { "basedOnVersion": 1, "metadata": { "visibility": visibility } } }),
                )
                .await;
            let message = forbidden(&body);
            assert!(message.contains("ADMIN share with re-sharing"), "{message}");
        }
        // Edits that leave visibility alone still work.
        coeditor_client
            .data(
                EDIT,
                json!({ "id": panel, "i": { "basedOnVersion": 1, "metadata": { "description": "checked" } } }),
            )
            .await;
        let now = owner.data(PANEL, json!({ "id": panel })).await;
        assert_eq!(now["savedPanel"]["visibility"], "SHARED");
        assert_eq!(now["savedPanel"]["currentVersion"], 2);
        let stranger = app.new_client();
        assert_eq!(
            error_code(&stranger.query(PANEL, json!({ "id": panel })).await),
            Some("FORBIDDEN"),
            "not published to anonymous readers"
        );

        // A USER owner may not publish either, at creation or later.
        let body = owner
            .query(
                EDIT,
                json!({ "id": panel, "i": { "basedOnVersion": 2, "metadata": { "visibility": "PUBLIC" } } }),
            )
            .await;
        assert!(
            forbidden(&body).contains("needs the EDITOR role or higher; your role is USER"),
            "{body}"
        );
        let before = count::<entity::saved_panels::Entity>(&app).await;
        forbidden(&create(&owner, "Public list", "PUBLIC").await);
        assert_eq!(count::<entity::saved_panels::Entity>(&app).await, before);
        assert_eq!(
            owner.data(PANEL, json!({ "id": panel })).await["savedPanel"]["visibility"],
            "SHARED"
        );
        // The owner may still hide it again.
        owner
            .data(
                EDIT,
                json!({ "id": panel, "i": { "basedOnVersion": 2, "metadata": { "visibility": "PRIVATE" } } }),
            )
            .await;

        // An EDITOR publishes its own panel; anonymous visitors read it.
        let editor = app.logged_in("edna", Role::Editor).await;
        let body = create(&editor, "Published", "PUBLIC").await;
        let published = body["data"]["createSavedPanel"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned();
        let seen = stranger.data(PANEL, json!({ "id": published })).await;
        assert_eq!(seen["savedPanel"]["myPermission"], "VIEW");

        // Moderation: another EDITOR archives it without a share; a USER may not.
        let user = app.logged_in("ursula", Role::User).await;
        forbidden(
            &user
                .query(STATUS, json!({ "id": published, "s": "ARCHIVED" }))
                .await,
        );
        let moderator = app.logged_in("mod", Role::Editor).await;
        let archived = moderator
            .data(STATUS, json!({ "id": published, "s": "ARCHIVED" }))
            .await;
        assert_eq!(archived["setSavedPanelStatus"]["status"], "ARCHIVED");
        forbidden(
            &moderator
                .query(STATUS, json!({ "id": published, "s": "DELETED" }))
                .await,
        );
        // Moderation needs the panel to be PUBLIC.
        forbidden(
            &moderator
                .query(STATUS, json!({ "id": panel, "s": "ARCHIVED" }))
                .await,
        );
    }
);

on_both_backends!(
    a_resharer_can_not_extend_their_own_access,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let panel = create_id(&owner, "Reshared").await;
        let rita = app.create_user("rita", Role::User).await;
        let xavier = app.create_user("xavier", Role::User).await;
        let until = chrono::Utc::now() + chrono::TimeDelta::days(2);
        owner
            .data(
                SHARE,
                json!({ "i": { "panelId": panel, "userId": rita.id.to_string(), "permission": "ADMIN",
                    "canReshare": true, "expiresAt": until.to_rfc3339() } }),
            )
            .await;
        let rita_client = app.new_client();
        rita_client.login("rita", tests::PASSWORD).await;
        let share = |who: Value, expires: Option<chrono::DateTime<chrono::Utc>>| {
            let mut input = json!({ "panelId": panel, "permission": "ADMIN", "canReshare": true });
            input
                .as_object_mut()
                .unwrap()
                .extend(who.as_object().unwrap().clone());
            if let Some(t) = expires {
                input["expiresAt"] = json!(t.to_rfc3339());
            }
            json!({ "i": input })
        };
        // Not to herself, with or without an expiry.
        for expires in [None, Some(until)] {
            let body = rita_client
                .query(
                    SHARE,
                    share(json!({ "userId": rita.id.to_string() }), expires),
                )
                .await;
            forbidden(&body);
            assert_eq!(body["errors"][0]["extensions"]["reason"], "self_share");
        }
        // Not for longer than her own share.
        for expires in [None, Some(until + chrono::TimeDelta::hours(1))] {
            let body = rita_client
                .query(
                    SHARE,
                    share(json!({ "userId": xavier.id.to_string() }), expires),
                )
                .await;
            forbidden(&body);
            assert_eq!(
                body["errors"][0]["extensions"]["reason"],
                "exceeds_own_expiry"
            );
            assert_eq!(body["errors"][0]["extensions"]["field"], "expiresAt");
        }
        // Not through a team of hers without the expiry either.
        let team = owner
            .data(
                "mutation { createTeam(name: \"Rita's lab\") { id } }",
                json!({}),
            )
            .await["createTeam"]["id"]
            .clone();
        owner
            .data(
                "mutation($t: ID!, $u: ID!) { addTeamMember(teamId: $t, userId: $u) { id } }",
                json!({ "t": team, "u": rita.id.to_string() }),
            )
            .await;
        let body = rita_client
            .query(SHARE, share(json!({ "teamId": team }), None))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["reason"],
            "exceeds_own_expiry"
        );
        assert!(active_shares(&app, &panel, xavier.id).await.is_empty());
        assert_eq!(active_shares(&app, &panel, rita.id).await.len(), 1);
        assert_eq!(
            active_shares(&app, &panel, rita.id).await[0]
                .expires_at
                .map(|t| t.timestamp()),
            Some(until.timestamp()),
            "her own share is unchanged"
        );
        // Within her own access she may share.
        let within = until - chrono::TimeDelta::hours(1);
        rita_client
            .data(
                SHARE,
                share(json!({ "userId": xavier.id.to_string() }), Some(within)),
            )
            .await;
        let made = active_shares(&app, &panel, xavier.id).await;
        assert_eq!(made.len(), 1);
        assert_eq!(
            made[0].expires_at.map(|t| t.timestamp()),
            Some(within.timestamp())
        );

        // An EDIT share with re-sharing grants no sharing at all.
        let eddie = app.create_user("eddie", Role::User).await;
        owner
            .data(
                SHARE,
                json!({ "i": { "panelId": panel, "userId": eddie.id.to_string(), "permission": "EDIT", "canReshare": true } }),
            )
            .await;
        let eddie_client = app.new_client();
        eddie_client.login("eddie", tests::PASSWORD).await;
        let body = eddie_client
            .query(
                SHARE,
                json!({ "i": { "panelId": panel, "link": true, "permission": "VIEW" } }),
            )
            .await;
        forbidden(&body);
        // Nobody can be the target of their own share.
        let me = owner.data("{ me { id } }", json!({})).await["me"]["id"].clone();
        let body = owner
            .query(
                SHARE,
                json!({ "i": { "panelId": panel, "userId": me, "permission": "VIEW" } }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], "self_share",
            "{body}"
        );
    }
);

on_both_backends!(
    parallel_shares_to_one_target_leave_one_active_share,
    |app: TestApp| async move {
        let owner = app.logged_in("owner1", Role::User).await;
        let panel = create_id(&owner, "Raced").await;
        let bob = app.create_user("bob", Role::User).await;
        let calls = ["VIEW", "COMMENT", "EDIT", "VIEW", "COMMENT", "EDIT", "VIEW", "EDIT"]
            .into_iter()
            .map(|permission| {
                let owner = owner.clone();
                let input = json!({ "i": { "panelId": panel, "userId": bob.id.to_string(), "permission": permission } });
                tokio::spawn(async move { owner.query(SHARE, input).await })
            })
            .collect::<Vec<_>>();
        let mut ok = 0;
        for call in calls {
            let body = call.await.unwrap();
            match error_code(&body) {
                None => ok += 1,
                Some("CONFLICT") => {}
                Some(other) => panic!("a parallel share failed with {other}: {body}"),
            }
        }
        assert!(ok >= 1);
        let active = active_shares(&app, &panel, bob.id).await;
        assert_eq!(active.len(), 1, "exactly one active share: {active:?}");
        // And sharing again changes that share rather than adding one.
        let again = owner
            .data(
                SHARE,
                json!({ "i": { "panelId": panel, "userId": bob.id.to_string(), "permission": "COMMENT" } }),
            )
            .await;
        assert_eq!(
            tests::db_id(again["sharePanel"]["share"]["id"].as_str().unwrap()),
            active[0].id
        );
        assert_eq!(active_shares(&app, &panel, bob.id).await.len(), 1);
    }
);

#[tokio::test]
async fn share_audit_rows_name_the_recipient_permission_and_expiry() {
    let app = TestApp::sqlite().await;
    let owner = app.logged_in("owner1", Role::User).await;
    let panel = create_id(&owner, "Audited").await;
    let bob = app.create_user("bob", Role::User).await;
    let team = owner
        .data(
            "mutation { createTeam(name: \"Cardio lab\") { id } }",
            json!({}),
        )
        .await["createTeam"]["id"]
        .clone();
    let share = owner
        .data(
            SHARE,
            json!({ "i": { "panelId": panel, "userId": bob.id.to_string(), "permission": "EDIT",
                "expiresAt": "2999-01-01T00:00:00Z" } }),
        )
        .await;
    owner
        .data(
            SHARE,
            json!({ "i": { "panelId": panel, "teamId": team, "permission": "VIEW" } }),
        )
        .await;
    owner
        .data(
            SHARE,
            json!({ "i": { "panelId": panel, "link": true, "permission": "COMMENT" } }),
        )
        .await;
    owner
        .data(
            "mutation($s: ID!) { revokeShare(id: $s) }",
            json!({ "s": share["sharePanel"]["share"]["id"] }),
        )
        .await;
    let admin = app.logged_in("admin1", Role::Admin).await;
    let log = admin
        .data(
            "{ auditLog(filter: { actions: [PANEL_SHARE] }) { edges { node { description details } } } }",
            json!({}),
        )
        .await;
    let mut rows: Vec<Value> = log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    rows.reverse();
    assert_eq!(rows.len(), 4, "{log}");
    let text = |i: usize| rows[i]["description"].as_str().unwrap().to_owned();
    assert!(
        text(0).contains("with user bob at EDIT until 2999-01-01T00:00:00Z"),
        "{}",
        text(0)
    );
    assert_eq!(rows[0]["details"]["recipient"], "bob");
    assert_eq!(rows[0]["details"]["recipientType"], "user");
    assert_eq!(rows[0]["details"]["permission"], "EDIT");
    assert!(
        rows[0]["details"]["expiresAt"]
            .as_str()
            .unwrap()
            .starts_with("2999-01-01")
    );
    assert!(
        text(1).contains("with team \"Cardio lab\" at VIEW with no expiry"),
        "{}",
        text(1)
    );
    assert_eq!(rows[1]["details"]["recipient"], "Cardio lab");
    assert!(text(2).contains("with a link at COMMENT"), "{}", text(2));
    assert_eq!(rows[2]["details"]["recipientType"], "link");
    assert!(
        text(3).contains("with user bob at EDIT revoked"),
        "{}",
        text(3)
    );
    assert_eq!(rows[3]["details"]["recipient"], "bob");
    assert_eq!(app.audit_rows(Some(AuditAction::PanelShare)).await.len(), 4);
}

on_both_backends!(
    the_saved_panel_list_says_what_each_caller_may_do_as_the_panel_page_does,
    |app: TestApp| async move {
        let owner = app.logged_in("lister", Role::User).await;
        let panel = create_id(&owner, "Listed rights").await;
        let resharer = app.create_user("resharer", Role::User).await;
        let reader = app.create_user("reader", Role::User).await;
        app.create_user("siteadmin", Role::Admin).await;
        for (user, permission, reshare) in [(&resharer, "ADMIN", true), (&reader, "VIEW", false)] {
            owner
                .data(
                    SHARE,
                    json!({ "i": { "panelId": panel, "userId": user.id.to_string(),
                        "permission": permission, "canReshare": reshare } }),
                )
                .await;
        }
        let fields = "myPermission canEdit canComment canShare";
        let listed = |client: GraphqlClient| {
            let panel = panel.clone();
            async move {
                let list = client
                    .data(
                        &format!("{{ savedPanels(first: 50) {{ nodes {{ id {fields} }} }} }}"),
                        json!({}),
                    )
                    .await;
                let item = list["savedPanels"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|n| n["id"] == panel.as_str())
                    .cloned()
                    .unwrap_or_else(|| panic!("{panel} listed: {list}"));
                let page = client.data(PANEL, json!({ "id": panel })).await["savedPanel"].clone();
                (item, page)
            }
        };
        let mut seen = Vec::new();
        for (name, client) in [
            ("lister", owner.clone()),
            ("resharer", app.new_client()),
            ("reader", app.new_client()),
            ("siteadmin", app.new_client()),
        ] {
            if name != "lister" {
                client.login(name, tests::PASSWORD).await;
            }
            let (item, page) = listed(client).await;
            for field in ["myPermission", "canEdit", "canComment", "canShare"] {
                assert_eq!(
                    item[field], page[field],
                    "{name}: {field} listed {item} vs page {page}"
                );
            }
            seen.push((name, item["myPermission"].clone(), item["canShare"].clone()));
        }
        assert_eq!(
            seen,
            vec![
                ("lister", json!("ADMIN"), json!(true)),
                ("resharer", json!("ADMIN"), json!(true)),
                ("reader", json!("VIEW"), json!(false)),
                ("siteadmin", json!("ADMIN"), json!(true)),
            ]
        );
    }
);
