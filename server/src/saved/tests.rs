//! The saved-panel service itself checks every gene added by hand against the gene directory
//! it was built with, so no caller (the API, the command line, a future import) can save a
//! symbol unchecked; and a new panel's origin is one of genes, a merge or an upload.

use std::sync::Arc;

use shared::saved::SavedGene;
use shared::{ErrorCode, GeneSymbol, HgncId, UnverifiedReason, VerificationStatus};

use super::versions::Origin;
use super::{Edit, PanelMeta};
use crate::genelists::upload::SymbolResolver;
use crate::services::merge::{MergeRequest, PanelSources};
use crate::state::AppState;

/// A directory that knows AARS1 (AARS is its alias) and nothing else.
fn directory() -> PanelSources {
    let symbols: Arc<dyn SymbolResolver> = Arc::new(|s: &str| match s {
        "AARS" | "AARS1" => Some((
            GeneSymbol::parse("AARS1").ok()?,
            HgncId::parse("HGNC:20").ok()?,
        )),
        _ => None,
    });
    PanelSources {
        loader: None,
        symbols: Some(symbols),
    }
}

fn gene(symbol: &str) -> SavedGene {
    SavedGene::new(GeneSymbol::parse(symbol).unwrap())
}

/// `(symbol, status, reason)` of each gene of `version`, by symbol.
async fn checked(
    state: &AppState,
    panel: i32,
    version: i32,
) -> Vec<(String, VerificationStatus, Option<UnverifiedReason>)> {
    let mut genes: Vec<_> = state
        .saved
        .load_version_genes(panel, version)
        .await
        .unwrap()
        .into_iter()
        .map(|g| {
            let v = g.verification.expect("every gene added by hand is checked");
            (g.symbol.as_str().to_owned(), v.status, v.reason)
        })
        .collect();
    genes.sort_by(|a, b| a.0.cmp(&b.0));
    genes
}

#[tokio::test]
async fn genes_added_through_the_service_are_checked_against_its_directory() {
    let (state, _dir) = AppState::for_tests_with(directory()).await;
    let (_, who) = state.test_user("curator").await;
    let meta = PanelMeta::private("Hand-made");
    let panel = state
        .saved
        .create_from(
            &who,
            meta,
            Origin::Genes(vec![gene("AARS"), gene("NOTAGENE1")]),
        )
        .await
        .unwrap();
    assert_eq!(
        checked(&state, panel.id, 1).await,
        [
            ("AARS1".to_owned(), VerificationStatus::AliasMapped, None),
            (
                "NOTAGENE1".to_owned(),
                VerificationStatus::Unverified,
                Some(UnverifiedReason::UnknownToHgnc)
            ),
        ]
    );

    let edit = Edit {
        based_on: 1,
        comment: Some("one more".into()),
        add: vec![gene("NOTAGENE2")],
        ..Edit::default()
    };
    let edited = state.saved.edit(&who, panel.id, edit).await.unwrap();
    assert_eq!(edited.current_version, 2);
    let after = checked(&state, panel.id, 2).await;
    assert_eq!(
        after.last().unwrap(),
        &(
            "NOTAGENE2".to_owned(),
            VerificationStatus::Unverified,
            Some(UnverifiedReason::UnknownToHgnc)
        )
    );
}

#[test]
fn a_panel_comes_from_at_most_one_origin() {
    let merge = || MergeRequest::default();
    assert!(matches!(
        Origin::one_of(None, None, None),
        Ok(Origin::Genes(g)) if g.is_empty()
    ));
    assert!(matches!(
        Origin::one_of(None, None, Some("u1".into())),
        Ok(Origin::Merge(MergeRequest { panels, uploads })) if panels.is_empty() && uploads == ["u1"]
    ));
    assert!(matches!(
        Origin::one_of(None, Some(merge()), None),
        Ok(Origin::Merge(_))
    ));
    for (genes, merge, upload) in [
        (Some(vec![gene("BRCA1")]), Some(merge()), None),
        (Some(Vec::new()), None, Some("u1".to_owned())),
        (None, Some(merge()), Some("u1".to_owned())),
    ] {
        let refused = Origin::one_of(genes, merge, upload).err().unwrap();
        assert_eq!(refused.code, ErrorCode::Validation);
        assert!(
            refused.message.contains("at most one"),
            "{}",
            refused.message
        );
    }
}

/// A share comes out as its panel's sharers see it: whom it is for, by name, and whether it
/// grants access now.
#[tokio::test]
async fn shares_name_their_recipients_and_say_whether_they_work() {
    use shared::{SharePermission, ShareTarget};

    use super::shares::ShareRequest;

    let (state, _dir) = AppState::for_tests_with(directory()).await;
    let (_, owner) = state.test_user("owner").await;
    let (reader_row, _) = state.test_user("reader").await;
    let lab = state.teams.create(&owner, "Lab", None).await.unwrap();
    let meta = PanelMeta::private("Shared");
    let panel = state
        .saved
        .create_from(&owner, meta, Origin::Genes(vec![gene("AARS1")]))
        .await
        .unwrap();
    let request = |user_id, team_id, link| ShareRequest {
        panel_id: panel.id,
        user_id,
        team_id,
        link,
        permission: SharePermission::View,
        expires_at: None,
        can_reshare: None,
    };
    let to_user = state
        .saved
        .share(&owner, request(Some(reader_row.id), None, false))
        .await
        .unwrap();
    assert!(!to_user.updated && to_user.link_token.is_none());
    let user_share = to_user.share;
    assert_eq!(user_share.target, ShareTarget::User);
    assert_eq!(user_share.username.as_deref(), Some("reader"));
    assert!(user_share.active && user_share.usable);
    let team_share = state
        .saved
        .share(&owner, request(None, Some(lab.id), false))
        .await
        .unwrap()
        .share;
    assert_eq!(
        (team_share.target, team_share.team_name.as_deref()),
        (ShareTarget::Team, Some("Lab"))
    );
    let link = state
        .saved
        .share(&owner, request(None, None, true))
        .await
        .unwrap();
    assert!(link.link_token.is_some());
    assert_eq!(link.share.target, ShareTarget::Link);

    state
        .saved
        .revoke_share(&owner, user_share.id)
        .await
        .unwrap();
    let revoked = state
        .saved
        .visible_share(&owner, user_share.id)
        .await
        .unwrap();
    assert!(!revoked.active && !revoked.usable);
    assert_eq!(revoked.username.as_deref(), Some("reader"));
}

/// Every write hands back the panel as its caller now sees it (the owner's name, the tags, the
/// caller's own access), so no caller loads it again; a bundle export reads each chosen panel
/// once, at its current version, and refuses an empty, an oversized or an unreadable choice.
#[tokio::test]
async fn writes_return_the_panel_as_its_caller_sees_it_and_bundles_are_bounded() {
    use shared::{PanelStatus, SharePermission};

    use super::bulk::BulkAction;
    use super::export::{ExportOptions, MOST_IN_BUNDLE};
    use super::shares::ShareRequest;

    let (state, _dir) = AppState::for_tests_with(directory()).await;
    let (_, owner) = state.test_user("owner").await;
    let (editor_row, editor) = state.test_user("editor").await;
    let (_, stranger) = state.test_user("stranger").await;
    let meta = PanelMeta {
        tags: vec!["Cardiac".into(), " arrhythmia ".into()],
        ..PanelMeta::private("Views")
    };
    let created = state
        .saved
        .create_from(&owner, meta, Origin::Genes(vec![gene("AARS1")]))
        .await
        .unwrap();
    assert_eq!(created.owner.as_deref(), Some("owner"));
    assert_eq!(created.tags, ["arrhythmia", "cardiac"]);
    assert!(created.access.is_owner && created.access.can_share);
    assert_eq!(created.access.level, Some(SharePermission::Admin));
    assert_eq!((created.current_version, created.gene_count), (1, 1));
    assert!(
        created.sources().is_empty(),
        "genes by hand have no sources"
    );

    state
        .saved
        .share(
            &owner,
            ShareRequest {
                panel_id: created.id,
                user_id: Some(editor_row.id),
                team_id: None,
                link: false,
                permission: SharePermission::Edit,
                expires_at: None,
                can_reshare: None,
            },
        )
        .await
        .unwrap();
    let edit = Edit {
        based_on: 1,
        add: vec![gene("NOTAGENE3")],
        ..Edit::default()
    };
    let edited = state.saved.edit(&editor, created.id, edit).await.unwrap();
    assert_eq!(edited.owner.as_deref(), Some("owner"));
    assert!(!edited.access.is_owner && !edited.access.can_share);
    assert_eq!(edited.access.level, Some(SharePermission::Edit));
    assert_eq!((edited.current_version, edited.gene_count), (2, 2));
    let restored = state
        .saved
        .restore(&editor, created.id, 1, Some(2))
        .await
        .unwrap();
    assert_eq!(
        (
            restored.current_version,
            restored.version_count,
            restored.gene_count
        ),
        (3, 3, 1)
    );
    let archived = state
        .saved
        .set_status(&editor, created.id, PanelStatus::Archived)
        .await
        .unwrap();
    assert_eq!(archived.status, PanelStatus::Archived);
    assert_eq!(archived.access.level, Some(SharePermission::Edit));
    let bulk = state
        .saved
        .apply_bulk(
            &owner,
            &[created.id],
            BulkAction::Tag {
                add: vec!["Reviewed".into()],
                remove: vec!["cardiac".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(bulk.changed, 1);
    assert_eq!(bulk.panels[0].tags, ["arrhythmia", "reviewed"]);
    assert!(bulk.panels[0].access.is_owner);

    let other = state
        .saved
        .create_from(
            &owner,
            PanelMeta::private("Other"),
            Origin::Genes(Vec::new()),
        )
        .await
        .unwrap();
    // Views of several panels are read together: the same statements for one panel or two,
    // each with the caller's own access to it.
    let rows = [
        state.saved.load(created.id).await.unwrap(),
        state.saved.load(other.id).await.unwrap(),
    ];
    let statements = || state.statements.load(std::sync::atomic::Ordering::Relaxed);
    let before = statements();
    let one = state
        .saved
        .views(&editor, rows[..1].to_vec())
        .await
        .unwrap();
    let for_one = statements() - before;
    let before = statements();
    let two = state.saved.views(&editor, rows.to_vec()).await.unwrap();
    assert_eq!(
        statements() - before,
        for_one,
        "one query each, whatever the count"
    );
    assert_eq!(for_one, 2, "owners' names and the caller's shares");
    assert_eq!(one[0].access.level, Some(SharePermission::Edit));
    let seen: Vec<_> = two.iter().map(|v| (v.id, v.access.level)).collect();
    assert_eq!(
        seen,
        [(created.id, Some(SharePermission::Edit)), (other.id, None)]
    );
    assert!(two.iter().all(|v| v.owner.as_deref() == Some("owner")));

    let options = ExportOptions {
        format: shared::ExportFormat::Csv,
        filename: None,
        per_source_sheets: false,
        chr_prefix: false,
    };
    let requests = state
        .saved
        .export_each(&owner, [other.id, created.id, other.id], &options)
        .await
        .unwrap();
    let exported: Vec<_> = requests
        .iter()
        .map(|r| {
            let facts = r.provenance.saved_panel.as_ref().unwrap();
            (facts.id, facts.version, r.filename.clone().unwrap())
        })
        .collect();
    assert_eq!(
        exported,
        [
            (other.id, 1, "Other v1".to_owned()),
            (created.id, 3, "Views v3".to_owned()),
        ],
        "each panel once, in the order chosen, at its current version"
    );
    let none = state
        .saved
        .export_each(&owner, [], &options)
        .await
        .unwrap_err();
    assert_eq!(
        (none.code, none.extensions["field"].as_str()),
        (ErrorCode::Validation, Some("ids"))
    );
    let too_many = state
        .saved
        .export_each(
            &owner,
            1..=i32::try_from(MOST_IN_BUNDLE + 1).unwrap(),
            &options,
        )
        .await
        .unwrap_err();
    assert!(
        too_many
            .message
            .contains("at most 100 panels in one export (101 chosen)"),
        "{}",
        too_many.message
    );
    let refused = state
        .saved
        .export_each(&stranger, [other.id], &options)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
}
