//! The authorisation model in one place: every kind of operation is an [`Action`]; which
//! roles may perform it is [`Action::rule`], and what a share of a saved panel must grant for
//! it is [`Action::panel_rule`]. Resolvers, services and subscriptions ask the caller's
//! [`super::Principal`] (`principal.require(action)`, which uses [`check`]); saved-panel services ask
//! `saved::access::Access::require` with the same actions. `docs/permissions.md` is rendered
//! from these tables by [`markdown`] (a unit test keeps it in sync).
//!
//! Roles, as DESIGN.md defines them: VIEWER browses, merges and downloads, reads what is
//! shared with it and comments where a share allows; USER adds uploads, saved panels, shares
//! and teams of its own; EDITOR also moderates (publishes PUBLIC panels, archives others'
//! public panels, manages export templates); ADMIN runs the site. Anonymous visitors browse,
//! merge, upload ephemeral lists and download. A share never grants more than the recipient's
//! role allows: the effective level on a panel is `min(share, role_cap(role))`.

use shared::{Role, SharePermission, TokenScope};

use crate::error::{AppError, AppResult};

/// Every kind of operation the API offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// PanelApp catalogue, panels, genes, announcements, server information.
    BrowseCatalogue,
    /// Merge previews, listing and removing your own uploads.
    UseWorkbench,
    /// Download a merged list (`exportMerge`).
    DownloadMerge,
    /// Upload a gene list.
    UploadGeneList,
    /// Read a saved panel (public, shared with you, or through a link), export it, follow it
    /// live.
    ViewSavedPanel,
    /// Comment on a saved panel, a version or a gene.
    CommentOnPanel,
    /// Create a saved panel of your own.
    CreateSavedPanel,
    /// Edit genes and metadata, restore a version, apply PanelApp updates, set the status to
    /// ACTIVE, DRAFT or ARCHIVED.
    EditSavedPanel,
    /// Soft-delete or undelete a saved panel.
    DeleteSavedPanel,
    /// Share a panel, change or revoke its shares, see who it is shared with, change its
    /// visibility between PRIVATE and SHARED.
    SharePanel,
    /// Make a panel PUBLIC (readable by anyone, anonymous visitors included).
    PublishPanel,
    /// Archive (or reactivate) someone else's PUBLIC panel without a share.
    ModeratePublicPanels,
    /// See your teams; leave a team.
    ViewTeams,
    /// Create teams; add, change and remove members and delete the teams you administer.
    ManageTeams,
    /// See the export templates you own or your teams share, and export with them.
    UseExportTemplates,
    /// Create export templates, change and delete your own, share them with a team you are in.
    KeepExportTemplates,
    /// Change and delete anyone's export templates, list them all.
    ManageExportTemplates,
    /// Your profile, password, sessions and API tokens.
    ManageOwnAccount,
    /// Users, roles, activation, unlocks, password resets, IP blocks, announcements, the audit
    /// log (and its purge and live feed), PanelApp refreshes.
    AdministerSite,
}

impl Action {
    /// Every action, in the order the table lists them.
    pub const ALL: [Action; 19] = [
        Self::BrowseCatalogue,
        Self::UseWorkbench,
        Self::DownloadMerge,
        Self::UploadGeneList,
        Self::ViewSavedPanel,
        Self::CommentOnPanel,
        Self::CreateSavedPanel,
        Self::EditSavedPanel,
        Self::DeleteSavedPanel,
        Self::SharePanel,
        Self::PublishPanel,
        Self::ModeratePublicPanels,
        Self::ViewTeams,
        Self::ManageTeams,
        Self::UseExportTemplates,
        Self::KeepExportTemplates,
        Self::ManageExportTemplates,
        Self::ManageOwnAccount,
        Self::AdministerSite,
    ];

    /// Who may perform the action at all (before any panel-level rule).
    pub const fn rule(self) -> Rule {
        use Role::*;
        let (anonymous, min_role) = match self {
            Self::BrowseCatalogue
            | Self::UseWorkbench
            | Self::DownloadMerge
            | Self::ViewSavedPanel => (true, Viewer),
            // Anonymous visitors keep their ephemeral uploads; a VIEWER account has none.
            Self::UploadGeneList => (true, User),
            Self::CommentOnPanel
            | Self::ViewTeams
            | Self::UseExportTemplates
            | Self::ManageOwnAccount => (false, Viewer),
            Self::CreateSavedPanel
            | Self::EditSavedPanel
            | Self::DeleteSavedPanel
            | Self::SharePanel
            | Self::ManageTeams
            | Self::KeepExportTemplates => (false, User),
            Self::PublishPanel | Self::ModeratePublicPanels | Self::ManageExportTemplates => {
                (false, Editor)
            }
            Self::AdministerSite => (false, Admin),
        };
        Rule {
            anonymous,
            min_role,
        }
    }

    /// What the caller must hold on the saved panel concerned; `None` for actions that are
    /// not about one saved panel. A site ADMIN holds everything on every panel.
    pub const fn panel_rule(self) -> Option<PanelRule> {
        match self {
            Self::ViewSavedPanel => Some(PanelRule::Level(SharePermission::View)),
            Self::CommentOnPanel => Some(PanelRule::Level(SharePermission::Comment)),
            Self::EditSavedPanel => Some(PanelRule::Level(SharePermission::Edit)),
            Self::SharePanel | Self::PublishPanel => Some(PanelRule::Reshare),
            Self::DeleteSavedPanel => Some(PanelRule::Owner),
            Self::ModeratePublicPanels => Some(PanelRule::PublicPanel),
            _ => None,
        }
    }

    /// The operations (GraphQL fields) the action covers, for the table.
    pub const fn operations(self) -> &'static str {
        match self {
            Self::BrowseCatalogue => {
                "`panels`, `panel`, `panelsByGene`, `geneLookup`, `geneSuggestions`, `panelAppStatus`, `serverInfo`, `adminMessages`, `timezones`"
            }
            Self::UseWorkbench => "`mergePreview`, `uploads`, `removeUpload`",
            Self::DownloadMerge => "`exportMerge`",
            Self::UploadGeneList => "`uploadGeneList`",
            Self::ViewSavedPanel => {
                "`savedPanels`, `savedPanel`, `sharedPanel`, `exportSavedPanel`, `exportSavedPanels`, `savedPanelChanged`"
            }
            Self::CommentOnPanel => "`commentOnPanel`",
            Self::CreateSavedPanel => "`createSavedPanel`",
            Self::EditSavedPanel => {
                "`updateSavedPanel`, `restoreVersion`, `applyUpstreamUpdate`, `setSavedPanelStatus` (ACTIVE/DRAFT/ARCHIVED), `archiveSavedPanels`, `tagSavedPanels`, `labelVersion`, `removeVersionLabel`"
            }
            Self::DeleteSavedPanel => {
                "`setSavedPanelStatus` (DELETED, and back), `deleteSavedPanels`"
            }
            Self::SharePanel => {
                "`sharePanel`, `revokeShare`, `reissueShareLink`, `shareableUsers`, `SavedPanel.shares`, visibility PRIVATE/SHARED"
            }
            Self::PublishPanel => "visibility PUBLIC (`createSavedPanel`, `updateSavedPanel`)",
            Self::ModeratePublicPanels => {
                "`setSavedPanelStatus` ARCHIVED/ACTIVE and `archiveSavedPanels` on others' PUBLIC panels"
            }
            Self::ViewTeams => "`myTeams`, `team`, leaving a team",
            Self::ManageTeams => {
                "`createTeam`, `addTeamMember`, `removeTeamMember`, `deleteTeam` (team admins)"
            }
            Self::UseExportTemplates => {
                "`exportTemplates`, the `template` argument of `exportMerge`, `exportSavedPanel` and `exportSavedPanels`"
            }
            Self::KeepExportTemplates => {
                "`createExportTemplate`; `updateExportTemplate`, `deleteExportTemplate` of your own templates"
            }
            Self::ManageExportTemplates => {
                "`updateExportTemplate`, `deleteExportTemplate` of anyone's templates, `exportTemplates(everyone: true)`"
            }
            Self::ManageOwnAccount => {
                "`me`, `updateProfile`, `changePassword`, `logout`, `mySessions`, `revokeSession`, `apiTokens`, `createApiToken`, `revokeApiToken`, `workbench`, `saveWorkbench`, `requestEmailVerification`, `requestEmailChange`, `updateMailPreferences`"
            }
            Self::AdministerSite => {
                "`users`, `setUserRole`, `setUserActive`, `unlockUser`, `resetUserPassword`, `setUserVerified`, `unblockIp`, announcements, `auditLog`, `purgeAuditLog`, `auditEvents`, `refreshPanelApp`, `mailOutbox`, `mailTransport`, `retryMail`"
            }
        }
    }

    /// The scope an API token needs for the action (on top of WRITE for any mutation).
    pub const fn scope(self) -> TokenScope {
        match self {
            Self::AdministerSite => TokenScope::Admin,
            _ => TokenScope::Read,
        }
    }

    /// A short human name, for messages.
    pub const fn label(self) -> &'static str {
        match self {
            Self::BrowseCatalogue => "browse the catalogue",
            Self::UseWorkbench => "merge gene lists",
            Self::DownloadMerge => "download a merged list",
            Self::UploadGeneList => "upload a gene list",
            Self::ViewSavedPanel => "view a saved panel",
            Self::CommentOnPanel => "comment on a saved panel",
            Self::CreateSavedPanel => "create a saved panel",
            Self::EditSavedPanel => "edit a saved panel",
            Self::DeleteSavedPanel => "delete or undelete a saved panel",
            Self::SharePanel => "share a saved panel or change its visibility",
            Self::PublishPanel => "make a saved panel PUBLIC",
            Self::ModeratePublicPanels => "archive someone else's public panel",
            Self::ViewTeams => "see your teams",
            Self::ManageTeams => "create and manage teams",
            Self::UseExportTemplates => "export with a template",
            Self::KeepExportTemplates => "keep export templates of your own",
            Self::ManageExportTemplates => "manage everyone's export templates",
            Self::ManageOwnAccount => "manage your account",
            Self::AdministerSite => "administer the site",
        }
    }
}

/// The action a share level stands for, so `open(…, SharePermission::Edit)` reads as "may
/// edit" and goes through the same table.
impl From<SharePermission> for Action {
    fn from(level: SharePermission) -> Self {
        match level {
            SharePermission::View => Self::ViewSavedPanel,
            SharePermission::Comment => Self::CommentOnPanel,
            SharePermission::Edit => Self::EditSavedPanel,
            SharePermission::Admin => Self::SharePanel,
        }
    }
}

/// Who may perform an action: anonymous visitors or not, and the lowest role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub anonymous: bool,
    pub min_role: Role,
}

impl Rule {
    pub fn allows(self, role: Option<Role>) -> bool {
        match role {
            None => self.anonymous,
            Some(role) => role >= self.min_role,
        }
    }
}

/// What one saved panel must grant the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelRule {
    /// At least this (effective) share level; the owner holds ADMIN.
    Level(SharePermission),
    /// The owner, or an ADMIN share with re-sharing.
    Reshare,
    /// The owner only.
    Owner,
    /// The panel is PUBLIC (moderation needs no share).
    PublicPanel,
}

/// The highest level a share can give someone of this role (`None`: anonymous link holders
/// and readers of public panels).
pub const fn role_cap(role: Option<Role>) -> SharePermission {
    match role {
        None => SharePermission::View,
        Some(Role::Viewer) => SharePermission::Comment,
        Some(_) => SharePermission::Admin,
    }
}

/// What a share (or ownership) held on a panel is, for the share × action table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    Share {
        level: SharePermission,
        can_reshare: bool,
    },
    Owner,
}

impl Holding {
    /// Whether holding this (already capped by role) satisfies `rule` on a panel that is not
    /// public.
    pub fn satisfies(self, rule: PanelRule) -> bool {
        match (self, rule) {
            (Self::Owner, PanelRule::PublicPanel) => false,
            (Self::Owner, _) => true,
            (Self::Share { level, .. }, PanelRule::Level(needed)) => level >= needed,
            (Self::Share { level, can_reshare }, PanelRule::Reshare) => {
                level == SharePermission::Admin && can_reshare
            }
            (Self::Share { .. }, PanelRule::Owner | PanelRule::PublicPanel) => false,
        }
    }
}

/// Proof that the caller may perform `action` as far as roles go (panel rules are checked by
/// the saved-panel services with the same action).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    action: Action,
    /// The caller's account id and role; `None` for anonymous visitors.
    user: Option<(i32, Role)>,
}

impl Permit {
    pub fn action(&self) -> Action {
        self.action
    }

    pub fn user_id(&self) -> Option<i32> {
        self.user.map(|(id, _)| id)
    }
}

/// FORBIDDEN for `role` and `action`, naming the role needed and the caller's.
pub fn refusal(action: Action, role: Option<Role>) -> AppError {
    let rule = action.rule();
    match role {
        None => AppError::unauthenticated().with("requiredRole", rule.min_role.as_str()),
        Some(role) => AppError::forbidden(format!(
            "to {} this needs the {} role or higher; your role is {role}",
            action.label(),
            rule.min_role
        ))
        .with("requiredRole", rule.min_role.as_str())
        .with("role", role.as_str())
        .with("reason", "role"),
    }
}

/// May a caller of `role` (`None` = anonymous) perform `action`? The one role check.
pub(super) fn check(user: Option<(i32, Role)>, action: Action) -> AppResult<Permit> {
    let role = user.map(|(_, r)| r);
    if action.rule().allows(role) {
        Ok(Permit { action, user })
    } else {
        Err(refusal(action, role))
    }
}

fn tick(yes: bool) -> &'static str {
    if yes { "✓" } else { "—" }
}

/// The permission tables as markdown (what `docs/permissions.md` holds).
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("<!-- Generated from server/src/auth/permissions.rs by `markdown()`; a unit test fails when this file drifts. -->\n");
    out.push_str("# Permissions\n\n");
    out.push_str("## Role × action\n\n");
    out.push_str("Every GraphQL field checks its action before anything else (`ctx.require(Action::…)`); a refusal is `FORBIDDEN` naming the role needed and yours (`UNAUTHENTICATED` for anonymous visitors).\n\n");
    out.push_str("| action | operations | anonymous | VIEWER | USER | EDITOR | ADMIN |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    let roles = [
        None,
        Some(Role::Viewer),
        Some(Role::User),
        Some(Role::Editor),
        Some(Role::Admin),
    ];
    for action in Action::ALL {
        let rule = action.rule();
        let cells: Vec<&str> = roles.iter().map(|r| tick(rule.allows(*r))).collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            action.label(),
            action.operations(),
            cells.join(" | ")
        ));
    }
    out.push_str("\n## Share permission × action (one saved panel)\n\n");
    out.push_str("What a holding on one panel allows, on top of the role rule above. A site ADMIN may do everything on every panel. The effective share level is the lower of the share and the recipient's role cap (below); several shares (direct, through teams, a link) give the highest of them.\n\n");
    out.push_str("| action | VIEW | COMMENT | EDIT | ADMIN | ADMIN + re-share | owner |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    let holdings = [
        Holding::Share {
            level: SharePermission::View,
            can_reshare: false,
        },
        Holding::Share {
            level: SharePermission::Comment,
            can_reshare: false,
        },
        Holding::Share {
            level: SharePermission::Edit,
            can_reshare: false,
        },
        Holding::Share {
            level: SharePermission::Admin,
            can_reshare: false,
        },
        Holding::Share {
            level: SharePermission::Admin,
            can_reshare: true,
        },
        Holding::Owner,
    ];
    for action in Action::ALL {
        let Some(rule) = action.panel_rule() else {
            continue;
        };
        let cells: Vec<&str> = holdings
            .iter()
            .map(|h| {
                if rule == PanelRule::PublicPanel {
                    "PUBLIC panels only"
                } else {
                    tick(h.satisfies(rule))
                }
            })
            .collect();
        out.push_str(&format!("| {} | {} |\n", action.label(), cells.join(" | ")));
    }
    out.push_str("\n## Role caps on shares\n\n");
    out.push_str("| recipient | highest effective share level |\n|---|---|\n");
    for (name, role) in [
        ("anonymous (public panel or link)", None),
        ("VIEWER", Some(Role::Viewer)),
        ("USER", Some(Role::User)),
        ("EDITOR", Some(Role::Editor)),
        ("ADMIN", Some(Role::Admin)),
    ] {
        out.push_str(&format!("| {name} | {} |\n", role_cap(role)));
    }
    out.push_str("\n## API token scopes\n\n");
    out.push_str("A request made with an API token (`Authorization: Bearer pmt_…`) may do what its owner's role allows, limited by the token's scopes. Browser sessions hold every scope. A refusal is `FORBIDDEN` with `reason: token_scope` and `requiredScope`.\n\n");
    out.push_str("| scope | allows |\n|---|---|\n");
    out.push_str(
        "| READ | queries and subscriptions of every action except administering the site |\n",
    );
    out.push_str("| WRITE | mutations (every mutation needs it, whatever its action) |\n");
    out.push_str(
        "| ADMIN | administer the site (needs the ADMIN role; its mutations also need WRITE) |\n\n",
    );
    out.push_str("New tokens get READ and WRITE unless others are named, and expire after 90 days unless told otherwise (1 to 3650). A token used to create a token can not give it a scope it lacks or a later expiry than its own.\n");
    out.push_str("\n## Rules that are not a table cell\n\n");
    for rule in RULES {
        out.push_str(&format!("- {rule}\n"));
    }
    out
}

/// The sharing rules beyond the tables, enforced in `saved::shares` and `saved::mod`.
pub const RULES: &[&str] = &[
    "Visibility PRIVATE ↔ SHARED and creating or changing shares need the owner, a site ADMIN, or an ADMIN share with re-sharing; PUBLIC additionally needs the EDITOR role or higher. An EDIT share can not change visibility.",
    "No one extends their own access: a share can not target the person making it (nor the panel's owner); a re-sharer grants at most the level they hold and an expiry no later than their own (a re-sharer whose access expires must set one).",
    "One active share per (panel, user) and per (panel, team), enforced by the service inside a transaction and by partial unique indexes. Sharing again with the same target changes that share only as asked: the permission given, and the expiry and re-sharing only when given (`expiresAt: null` removes an expiry); the answer says `updated` and the audit row records before and after. Two simultaneous shares to one target end with one active share. Link shares are separate links, each with its own token, and grant VIEW or COMMENT only.",
    "Deleting and undeleting a panel is for its owner (and site admins) only; an EDITOR may archive or reactivate anyone's PUBLIC panel.",
    "A share made by someone can be revoked by them, the owner, a site ADMIN or an ADMIN share with re-sharing.",
    "An export template is seen and applied by its owner, the members of the team it is shared with (one team, one the person sharing is in) and EDITORs and above; only its owner (USER or above) or an EDITOR or above changes or deletes it. Others get NOT_FOUND, team members FORBIDDEN when they try to change it.",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn viewers_browse_merge_and_read_but_create_nothing() {
        let viewer = Some((1, Role::Viewer));
        for allowed in [
            Action::BrowseCatalogue,
            Action::UseWorkbench,
            Action::DownloadMerge,
            Action::ViewSavedPanel,
            Action::CommentOnPanel,
            Action::ViewTeams,
            Action::ManageOwnAccount,
        ] {
            assert!(check(viewer, allowed).is_ok(), "{allowed:?}");
        }
        for refused in [
            Action::UploadGeneList,
            Action::CreateSavedPanel,
            Action::EditSavedPanel,
            Action::SharePanel,
            Action::ManageTeams,
            Action::PublishPanel,
            Action::AdministerSite,
        ] {
            let err = check(viewer, refused).unwrap_err();
            assert_eq!(err.code, shared::ErrorCode::Forbidden, "{refused:?}");
        }
        let err = check(viewer, Action::CreateSavedPanel).unwrap_err();
        assert!(
            err.message
                .ends_with("this needs the USER role or higher; your role is VIEWER"),
            "{}",
            err.message
        );
    }

    #[test]
    fn anonymous_visitors_keep_browsing_merging_uploading_and_downloading() {
        for allowed in [
            Action::BrowseCatalogue,
            Action::UseWorkbench,
            Action::DownloadMerge,
            Action::UploadGeneList,
            Action::ViewSavedPanel,
        ] {
            assert!(check(None, allowed).is_ok(), "{allowed:?}");
        }
        let err = check(None, Action::CreateSavedPanel).unwrap_err();
        assert_eq!(err.code, shared::ErrorCode::Unauthenticated);
    }

    #[test]
    fn publishing_and_moderation_need_an_editor() {
        assert!(check(Some((1, Role::User)), Action::PublishPanel).is_err());
        assert!(check(Some((1, Role::Editor)), Action::PublishPanel).is_ok());
        assert!(check(Some((1, Role::Editor)), Action::ModeratePublicPanels).is_ok());
        assert!(check(Some((1, Role::Editor)), Action::AdministerSite).is_err());
    }

    #[test]
    fn comment_can_not_edit_and_only_reshare_admin_shares() {
        let comment = Holding::Share {
            level: SharePermission::Comment,
            can_reshare: true,
        };
        assert!(comment.satisfies(PanelRule::Level(SharePermission::Comment)));
        assert!(!comment.satisfies(PanelRule::Level(SharePermission::Edit)));
        assert!(!comment.satisfies(PanelRule::Reshare));
        let edit = Holding::Share {
            level: SharePermission::Edit,
            can_reshare: true,
        };
        assert!(!edit.satisfies(PanelRule::Reshare), "EDIT can not publish");
        assert!(Holding::Owner.satisfies(PanelRule::Owner));
    }

    #[test]
    fn the_committed_table_is_rendered_from_the_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/permissions.md");
        let rendered = markdown();
        if std::env::var_os("UPDATE_PERMISSIONS_DOC").is_some() {
            std::fs::write(&path, &rendered).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "docs/permissions.md drifted from server/src/auth/permissions.rs; regenerate it with \
             `UPDATE_PERMISSIONS_DOC=1 cargo nextest run -p server -E 'test(/committed_table/)'`"
        );
        // The README carries the same tables between its permission markers.
        let readme = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
        )
        .unwrap_or_default();
        let tables = &rendered[rendered.find("## Role").unwrap_or(0)..];
        let between = readme
            .split_once("<!-- permissions:start -->\n")
            .and_then(|(_, rest)| rest.split_once("\n<!-- permissions:end -->"))
            .map(|(inside, _)| inside)
            .unwrap_or_default();
        assert_eq!(
            between.trim_end(),
            tables.trim_end(),
            "the README's permission tables drifted; copy docs/permissions.md into them"
        );
    }
}
