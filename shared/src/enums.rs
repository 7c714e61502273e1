//! The closed sets of DESIGN.md, with the exact values the Flask version and its users know.

closed_enum! {
    /// What an account may do. Ordered: `Viewer < User < Editor < Admin`.
    #[derive(PartialOrd, Ord)]
    pub enum Role ("role") {
        /// Browses, merges and downloads; reads what is shared with it and comments where a share
        /// allows (a share gives a VIEWER at most COMMENT). Can not upload, create saved panels,
        /// share or run teams.
        Viewer = "VIEWER",
        /// VIEWER plus uploads, saved panels, shares and teams of its own.
        User = "USER",
        /// USER plus moderation: makes panels PUBLIC and archives or reactivates others' PUBLIC
        /// panels.
        Editor = "EDITOR",
        /// Runs the site: users, roles, announcements, the audit trail, PanelApp refreshes; holds
        /// every permission on every saved panel.
        Admin = "ADMIN",
    }
}

closed_enum! {
    /// A PanelApp instance. Panel ids are per instance, so a panel's key is `(Source, id)`.
    #[derive(PartialOrd, Ord)]
    #[cfg_attr(feature = "graphql", graphql(name = "PanelSource"))]
    pub enum Source ("panel source") {
        /// PanelApp UK (Genomics England).
        Uk = "UK",
        /// PanelApp Australia.
        Au = "AU",
    }
}

impl Source {
    /// Short lower-case prefix used in panel references such as `uk-402`.
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Uk => "uk",
            Self::Au => "au",
        }
    }

    /// The label the Flask exports used in front of a panel name (`GB Clefting`).
    pub const fn export_label(self) -> &'static str {
        match self {
            Self::Uk => "GB",
            Self::Au => "AUS",
        }
    }

    /// Human name of the instance.
    pub const fn display_name(self) -> &'static str {
        match self {
            Self::Uk => "PanelApp UK",
            Self::Au => "PanelApp Australia",
        }
    }
}

closed_enum! {
    /// Evidence level of a PanelApp entity: PanelApp's `confidence_level` "3"/"2"/"1"/"0".
    pub enum Confidence ("confidence") {
        /// Green (PanelApp level 3): diagnostic grade, enough evidence to use the gene in
        /// diagnostic reporting for the panel's disorder.
        Green = "GREEN",
        /// Amber (level 2): moderate evidence; not (yet) enough for diagnostic reporting.
        Amber = "AMBER",
        /// Red (level 1): low evidence; not suitable for diagnostic reporting.
        Red = "RED",
        /// Grey (level 0): not rated (yet), or too little information to rate.
        Grey = "GREY",
    }
}

impl Confidence {
    /// Maps PanelApp's `confidence_level` string. Unknown levels are an error, never a guess.
    pub fn from_panelapp(level: &str) -> Result<Self, crate::ParseError> {
        match level.trim() {
            "3" | "4" => Ok(Self::Green),
            "2" => Ok(Self::Amber),
            "1" => Ok(Self::Red),
            "0" => Ok(Self::Grey),
            other => Err(crate::ParseError::UnknownValue {
                what: "PanelApp confidence level",
                value: other.to_owned(),
                expected: "3, 2, 1, 0".to_owned(),
            }),
        }
    }

    /// PanelApp's numeric level (3 = green … 0 = grey).
    pub const fn panelapp_level(self) -> u8 {
        match self {
            Self::Green => 3,
            Self::Amber => 2,
            Self::Red => 1,
            Self::Grey => 0,
        }
    }

    /// The list-type wording of the Flask exports ("Green", "Amber", ...).
    pub const fn label(self) -> &'static str {
        match self {
            Self::Green => "Green",
            Self::Amber => "Amber",
            Self::Red => "Red",
            Self::Grey => "Grey",
        }
    }
}

closed_enum! {
    /// Kind of PanelApp entity.
    pub enum EntityType ("entity type") {
        /// A gene, named by its HGNC symbol.
        Gene = "GENE",
        /// A short tandem repeat (repeat expansion) locus, with normal and pathogenic repeat
        /// counts.
        Str = "STR",
        /// A genomic region (for example a copy-number variant region), given by coordinates.
        Region = "REGION",
    }
}

impl EntityType {
    /// Maps PanelApp's `entity_type` ("gene", "str", "region").
    pub fn from_panelapp(kind: &str) -> Result<Self, crate::ParseError> {
        kind.parse()
    }
}

closed_enum! {
    /// Life-cycle state of a saved panel. `Deleted` is a soft delete that can be undone.
    pub enum PanelStatus ("panel status") {
        /// In use (the default state).
        Active = "ACTIVE",
        /// Put away but kept: still listed and readable; set it ACTIVE again to reactivate it.
        Archived = "ARCHIVED",
        /// Soft-deleted: hidden from everyone but its owner and admins until the owner undeletes
        /// it.
        Deleted = "DELETED",
        /// Work in progress, not meant for use yet.
        Draft = "DRAFT",
    }
}

closed_enum! {
    /// Who can see a saved panel without an explicit share.
    pub enum Visibility ("visibility") {
        /// Only the owner, site admins and those it is explicitly shared with.
        Private = "PRIVATE",
        /// Shared with someone (set when the first share is made); still only the owner, site
        /// admins and holders of a live share can open it.
        Shared = "SHARED",
        /// Readable by anyone, anonymous visitors included (as VIEW). Making a panel PUBLIC needs
        /// the EDITOR role.
        Public = "PUBLIC",
    }
}

closed_enum! {
    /// What a share grants. Ordered: `View < Comment < Edit < Admin`; COMMENT can not edit.
    #[derive(PartialOrd, Ord)]
    pub enum SharePermission ("share permission") {
        /// Read the panel, its versions, changes and comments; export it; follow it live.
        View = "VIEW",
        /// VIEW plus commenting on the panel, a version or a gene; can not edit.
        Comment = "COMMENT",
        /// COMMENT plus editing genes and metadata, restoring versions, applying PanelApp updates
        /// and setting the status (not deleting).
        Edit = "EDIT",
        /// EDIT plus sharing further (with re-sharing allowed on the share) and changing or
        /// revoking shares.
        Admin = "ADMIN",
    }
}

impl SharePermission {
    /// Whether this level allows commenting on versions and genes.
    pub fn can_comment(self) -> bool {
        self >= Self::Comment
    }

    /// Whether this level allows changing genes and metadata.
    pub fn can_edit(self) -> bool {
        self >= Self::Edit
    }

    /// Whether this level allows sharing the panel further.
    pub fn can_share(self) -> bool {
        self >= Self::Admin
    }
}

closed_enum! {
    /// One recorded change of a saved panel. Every kind is actually recorded.
    pub enum ChangeType ("change type") {
        /// The panel was created (version 1).
        PanelCreated = "PANEL_CREATED",
        /// An entity was added.
        GeneAdded = "GENE_ADDED",
        /// An entity was removed.
        GeneRemoved = "GENE_REMOVED",
        /// An entity's details (mode of inheritance, phenotypes, evidence, notes, …) changed.
        GeneModified = "GENE_MODIFIED",
        /// The panel's name, description, tags, visibility or status changed.
        MetadataChanged = "METADATA_CHANGED",
        /// An entity's rating (green/amber/red/grey) changed.
        ConfidenceChanged = "CONFIDENCE_CHANGED",
        /// A PanelApp update applied: one row per source moved to a newer version (target `source`)
        /// and one per entity that update added, removed or changed.
        SourceUpdated = "SOURCE_UPDATED",
    }
}

closed_enum! {
    /// Severity of an admin announcement.
    pub enum MessageType ("message type") {
        /// Neutral information.
        Info = "INFO",
        /// Good news (for example: maintenance finished).
        Success = "SUCCESS",
        /// Something to expect or act on (for example: planned downtime); announced to screen
        /// readers as an alert.
        Warning = "WARNING",
        /// Something is wrong right now; announced to screen readers as an alert.
        Error = "ERROR",
    }
}

closed_enum! {
    /// Why the banner list was sent.
    pub enum BannerChange ("banner change") {
        /// The list when the subscription starts.
        Initial = "INITIAL",
        /// A message was created.
        Created = "CREATED",
        /// A message was changed (or switched on or off), or the subscriber missed events and gets the
        /// current list.
        Updated = "UPDATED",
        /// A message was deleted.
        Deleted = "DELETED",
        /// A message reached its expiry time.
        Expired = "EXPIRED",
    }
}

closed_enum! {
    /// Role of a member inside a team.
    #[derive(PartialOrd, Ord)]
    pub enum TeamRole ("team role") {
        /// Sees what is shared with the team.
        Member = "MEMBER",
        /// A member who also adds, changes and removes members and may delete the team.
        Admin = "ADMIN",
    }
}

/// How a user wants clock times shown; stored as the Flask version's "24h" / "12h".
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(
    feature = "sea-orm",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum)
)]
#[cfg_attr(feature = "sea-orm", sea_orm(rs_type = "String", db_type = "Text"))]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum TimeFormat {
    /// 24-hour clock (14:05); the default.
    #[default]
    #[serde(rename = "24h")]
    #[cfg_attr(feature = "sea-orm", sea_orm(string_value = "24h"))]
    H24,
    /// 12-hour clock (2:05 PM).
    #[serde(rename = "12h")]
    #[cfg_attr(feature = "sea-orm", sea_orm(string_value = "12h"))]
    H12,
}

impl TimeFormat {
    /// The stored string ("24h" or "12h").
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::H24 => "24h",
            Self::H12 => "12h",
        }
    }
}

impl std::str::FromStr for TimeFormat {
    type Err = crate::ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "24h" | "24" | "h24" => Ok(Self::H24),
            "12h" | "12" | "h12" => Ok(Self::H12),
            _ => Err(crate::ParseError::UnknownValue {
                what: "time format",
                value: s.to_owned(),
                expected: "24h, 12h".to_owned(),
            }),
        }
    }
}

closed_enum! {
    /// What happened to a saved panel, as `savedPanelChanged` tells its viewers.
    pub enum SavedPanelChangeKind ("saved panel change") {
        /// The panel was created (version 1).
        Created = "CREATED",
        /// A new version was saved (an edit, a restore, an upstream update).
        Version = "VERSION",
        /// Its status changed (active, draft, archived, deleted).
        Status = "STATUS",
        /// A share was made, changed or revoked.
        Shared = "SHARED",
        /// Someone commented.
        Comment = "COMMENT",
    }
}

closed_enum! {
    /// What a saved panel was built from.
    pub enum SavedPanelSourceType ("saved panel source type") {
        /// A merge of PanelApp panels (exact versions recorded) and uploads.
        Merge = "MERGE",
        /// One uploaded list.
        Upload = "UPLOAD",
        /// Genes given by hand.
        Manual = "MANUAL",
        /// Nothing yet.
        Empty = "EMPTY",
        /// Imported from the Flask version: built there from PanelApp panels.
        PanelApp = "PANELAPP",
        /// Imported from the Flask version with a value this version does not know.
        Other = "OTHER",
    }
}

impl SavedPanelSourceType {
    /// A value as the Flask version stored it (`manual`, `panelapp`), or as PanelMerge did before
    /// migration `m20261206_000028_source_types` (`merge`, `upload`, `genes`, `empty`); anything
    /// else is OTHER. The canonical values map to themselves. Migration 28 applies the same map in
    /// SQL.
    pub fn from_stored(stored: &str) -> Self {
        match stored.trim().to_ascii_lowercase().as_str() {
            "merge" => Self::Merge,
            "upload" => Self::Upload,
            "genes" | "manual" => Self::Manual,
            "empty" => Self::Empty,
            "panelapp" => Self::PanelApp,
            _ => Self::Other,
        }
    }
}

closed_enum! {
    /// What an API token may be used for. A token holds a set of them; no token holds more
    /// than its owner's role allows.
    #[derive(PartialOrd, Ord)]
    pub enum TokenScope ("token scope") {
        /// Queries and subscriptions: read what the owner can read.
        Read = "READ",
        /// Mutations: change what the owner can change (uploads, saved panels, shares…).
        Write = "WRITE",
        /// The site administration operations (needs the ADMIN role; mutations also need WRITE).
        Admin = "ADMIN",
    }
}

closed_enum! {
    /// Where a queued e-mail stands.
    pub enum MailStatus ("mail status") {
        /// Waiting for its (next) attempt.
        Pending = "PENDING",
        /// Being handed to the relay now.
        Sending = "SENDING",
        /// Accepted by the relay (or written to the outbox directory).
        Sent = "SENT",
        /// Given up after the last attempt; an admin may retry it.
        Failed = "FAILED",
    }
}

closed_enum! {
    /// What an e-mail is about (its template).
    pub enum MailKind ("mail kind") {
        /// A single-use link to set a new password (forgot password).
        PasswordReset = "PASSWORD_RESET",
        /// A link to confirm the account's e-mail address.
        VerifyEmail = "VERIFY_EMAIL",
        /// To the new address: a link to confirm a change of address.
        ConfirmEmailChange = "CONFIRM_EMAIL_CHANGE",
        /// To the old address: the address was changed, with a link to undo it.
        EmailChanged = "EMAIL_CHANGED",
        /// An admin reset the password: the temporary one, valid for a limited time.
        TemporaryPassword = "TEMPORARY_PASSWORD",
        /// To the user: the account is locked after failed logins.
        AccountLocked = "ACCOUNT_LOCKED",
        /// To admins: suspicious activity (an address blocked after failed logins).
        SuspiciousActivity = "SUSPICIOUS_ACTIVITY",
        /// To admins: an account became an admin.
        NewAdmin = "NEW_ADMIN",
        /// To the recipient: a saved panel was shared with them.
        PanelShared = "PANEL_SHARED",
    }
}

closed_enum! {
    /// The 40 audited actions of the Flask version.
    pub enum AuditAction ("audit action") {
        /// A sign-in attempt (failed ones too).
        Login = "LOGIN",
        /// A sign-out.
        Logout = "LOGOUT",
        /// A new account registered.
        Register = "REGISTER",
        /// A user changed their password.
        PasswordChange = "PASSWORD_CHANGE",
        /// A user changed their profile or kept their workbench in the account.
        ProfileUpdate = "PROFILE_UPDATE",
        /// Flask only (never written by PanelMerge; only in rows imported from Flask): downloads
        /// are FILE_ACCESS here.
        PanelDownload = "PANEL_DOWNLOAD",
        /// A gene list uploaded.
        PanelUpload = "PANEL_UPLOAD",
        /// A saved panel (or an uploaded gene list) deleted.
        PanelDelete = "PANEL_DELETE",
        /// A saved panel created (or a version restored).
        PanelCreate = "PANEL_CREATE",
        /// A saved panel edited, updated from upstream, re-statused or commented.
        PanelUpdate = "PANEL_UPDATE",
        /// A saved panel shared, a share revoked or given a new link.
        PanelShare = "PANEL_SHARE",
        /// A logged-in user listed saved panels (at most one row a minute).
        PanelList = "PANEL_LIST",
        /// An export template created.
        PanelExportTemplateCreate = "PANEL_EXPORT_TEMPLATE_CREATE",
        /// An export template changed (settings, name, team).
        PanelExportTemplateUpdate = "PANEL_EXPORT_TEMPLATE_UPDATE",
        /// An export template deleted.
        PanelExportTemplateDelete = "PANEL_EXPORT_TEMPLATE_DELETE",
        /// A logged-in user searched panels by name or gene (at most one row a minute).
        Search = "SEARCH",
        /// A logged-in user opened a saved panel (once a minute per panel).
        View = "VIEW",
        /// The PanelApp cache refreshed.
        CacheClear = "CACHE_CLEAR",
        /// Another administrative change (teams, announcements, IP blocks).
        AdminAction = "ADMIN_ACTION",
        /// An account created by an administrator or the command line.
        UserCreate = "USER_CREATE",
        /// An account activated, deactivated or unlocked.
        UserUpdate = "USER_UPDATE",
        /// Flask only (never written by PanelMerge; only in rows imported from Flask): accounts
        /// are deactivated, never deleted.
        UserDelete = "USER_DELETE",
        /// A user's role changed.
        RoleChange = "ROLE_CHANGE",
        /// The audit trail exported as CSV.
        DataExport = "DATA_EXPORT",
        /// The encryption key rotated.
        ConfigChange = "CONFIG_CHANGE",
        /// A session revoked or an API token created or revoked.
        SessionManagement = "SESSION_MANAGEMENT",
        /// An internal error while serving a request.
        Error = "ERROR",
        /// A forged or expired download link, or a mutation sent over GET. A security event.
        SecurityViolation = "SECURITY_VIOLATION",
        /// A request refused for lack of permission. A security event.
        AccessDenied = "ACCESS_DENIED",
        /// A non-admin called an admin-only operation. A security event.
        PrivilegeEscalation = "PRIVILEGE_ESCALATION",
        /// One caller got many refused or unknown saved-panel answers within a minute. A security
        /// event.
        SuspiciousActivity = "SUSPICIOUS_ACTIVITY",
        /// An address blocked after repeated failed sign-ins. A security event.
        BruteForceAttempt = "BRUTE_FORCE_ATTEMPT",
        /// An account locked after repeated failed sign-ins. A security event.
        AccountLockout = "ACCOUNT_LOCKOUT",
        /// An administrator reset a password.
        PasswordReset = "PASSWORD_RESET",
        /// Flask only (never written by PanelMerge; only in rows imported from Flask): there is no
        /// multi-factor authentication.
        MfaEvent = "MFA_EVENT",
        /// An API token used.
        ApiAccess = "API_ACCESS",
        /// A file downloaded (one row per download, naming the user).
        FileAccess = "FILE_ACCESS",
        /// Sustained probing of saved panels by one caller (three times the suspicious rate). A
        /// security event.
        DataBreachAttempt = "DATA_BREACH_ATTEMPT",
        /// The audit trail purged under the retention rule.
        ComplianceEvent = "COMPLIANCE_EVENT",
        /// `panelmerge check` ran. A security event.
        SystemSecurity = "SYSTEM_SECURITY",
    }
}

impl AuditAction {
    /// Actions of the Flask version for features PanelMerge does not have: never written here
    /// (rows imported from a Flask database keep them), so the admin security/audit page and the
    /// `auditLog` filter documentation leave them out. This is the one list of them.
    /// * `PANEL_DOWNLOAD`: downloads are recorded as `FILE_ACCESS`.
    /// * `USER_DELETE`: accounts are deactivated, never deleted.
    /// * `MFA_EVENT`: there is no multi-factor authentication.
    pub const fn is_flask_only(self) -> bool {
        matches!(
            self,
            Self::PanelDownload | Self::UserDelete | Self::MfaEvent
        )
    }

    /// The actions PanelMerge writes (all but the Flask-only ones), for filters.
    pub fn written() -> impl Iterator<Item = Self> {
        Self::ALL.iter().copied().filter(|a| !a.is_flask_only())
    }

    /// What a row of this action records, in PanelMerge.
    pub const fn meaning(self) -> &'static str {
        match self {
            Self::Login => "a sign-in attempt (failed ones too)",
            Self::Logout => "a sign-out",
            Self::Register => "a new account registered",
            Self::PasswordChange => "a user changed their password",
            Self::ProfileUpdate => {
                "a user changed their profile or kept their workbench in the account"
            }
            Self::PanelDownload => "Flask only: downloads are FILE_ACCESS here",
            Self::PanelUpload => "a gene list uploaded",
            Self::PanelDelete => "a saved panel (or an uploaded gene list) deleted",
            Self::PanelCreate => "a saved panel created (or a version restored)",
            Self::PanelUpdate => {
                "a saved panel edited, updated from upstream, re-statused or commented"
            }
            Self::PanelShare => "a saved panel shared, a share revoked or given a new link",
            Self::PanelList => "a logged-in user listed saved panels (at most one row a minute)",
            Self::PanelExportTemplateCreate => "an export template created",
            Self::PanelExportTemplateUpdate => "an export template changed",
            Self::PanelExportTemplateDelete => "an export template deleted",
            Self::Search => {
                "a logged-in user searched panels by name or gene (at most one row a minute)"
            }
            Self::View => "a logged-in user opened a saved panel (once a minute per panel)",
            Self::CacheClear => "the PanelApp cache refreshed",
            Self::AdminAction => "another administrative change (teams, announcements, IP blocks)",
            Self::UserCreate => "an account created by an administrator or the command line",
            Self::UserUpdate => "an account activated, deactivated or unlocked",
            Self::UserDelete => "Flask only: accounts are deactivated, never deleted",
            Self::RoleChange => "a user's role changed",
            Self::DataExport => "the audit trail exported as CSV",
            Self::ConfigChange => "the encryption key rotated",
            Self::SessionManagement => "a session revoked or an API token created or revoked",
            Self::Error => "an internal error while serving a request",
            Self::SecurityViolation => {
                "a forged or expired download link, or a mutation sent over GET"
            }
            Self::AccessDenied => "a request refused for lack of permission",
            Self::PrivilegeEscalation => "a non-admin called an admin-only operation",
            Self::SuspiciousActivity => {
                "one caller got many refused or unknown saved-panel answers within a minute"
            }
            Self::BruteForceAttempt => "an address blocked after repeated failed sign-ins",
            Self::AccountLockout => "an account locked after repeated failed sign-ins",
            Self::PasswordReset => "an administrator reset a password",
            Self::MfaEvent => "Flask only: there is no multi-factor authentication",
            Self::ApiAccess => "an API token used",
            Self::FileAccess => "a file downloaded (one row per download, naming the user)",
            Self::DataBreachAttempt => {
                "sustained probing of saved panels by one caller (three times the suspicious rate)"
            }
            Self::ComplianceEvent => "the audit trail purged under the retention rule",
            Self::SystemSecurity => "`panelmerge check` ran",
        }
    }

    /// Security events: highlighted in the live feed and listed on the security page.
    pub const fn is_security_event(self) -> bool {
        matches!(
            self,
            Self::SecurityViolation
                | Self::AccessDenied
                | Self::PrivilegeEscalation
                | Self::SuspiciousActivity
                | Self::BruteForceAttempt
                | Self::AccountLockout
                | Self::DataBreachAttempt
                | Self::SystemSecurity
        )
    }
}

closed_enum! {
    /// What an audit row is about. The row stores a lowercase word ([`Self::word`]:
    /// `saved_panel`, `api_token`, …), which is also what `resourceType` shows; rows imported
    /// from the Flask version keep the words Flask wrote, and those PanelMerge has no kind for
    /// (`knowhow_article`, `page`, `cache`, …) are [`Self::Other`].
    pub enum AuditResourceKind ("audit resource kind") {
        /// An admin message (banner), by its number.
        AdminMessage = "ADMIN_MESSAGE",
        /// An API token, by its number.
        ApiToken = "API_TOKEN",
        /// The audit trail itself: its CSV export (`csv`) or the retention purge (`retention`).
        AuditLog = "AUDIT_LOG",
        /// A database backup, by its SHA-256.
        Backup = "BACKUP",
        /// A download: an export's file name, or a one-time link (`link`).
        Download = "DOWNLOAD",
        /// The encryption key of audit values and share secrets, by its key id.
        EncryptionKey = "ENCRYPTION_KEY",
        /// An export template, by its number.
        ExportTemplate = "EXPORT_TEMPLATE",
        /// An import from a Flask database, by the database named (password hidden).
        FlaskImport = "FLASK_IMPORT",
        /// An IP address (a block lifted, sign-ins refused from it).
        Ip = "IP",
        /// A mail in the outbox, by its number.
        Mail = "MAIL",
        /// PanelApp data: a refresh (`uk`, `au` or `all`).
        Panelapp = "PANELAPP",
        /// A PanelApp catalogue search (`panels` or `panelsByGene`).
        PanelSearch = "PANEL_SEARCH",
        /// A share of a saved panel, by its number.
        PanelShare = "PANEL_SHARE",
        /// A saved panel, by its number (`list` for a listing).
        SavedPanel = "SAVED_PANEL",
        /// A sign-in session, by the first 16 characters of its key.
        Session = "SESSION",
        /// A team, by its number.
        Team = "TEAM",
        /// An uploaded gene list, by its number or file name.
        Upload = "UPLOAD",
        /// An account, by its number (or the login name of a failed sign-in).
        User = "USER",
        /// A user's workbench, by the user's number.
        Workbench = "WORKBENCH",
        /// Something PanelMerge has no kind for: only on rows imported from the Flask version
        /// (`resourceType` keeps Flask's word). Never written by PanelMerge.
        Other = "OTHER",
    }
}

impl AuditResourceKind {
    /// The word the row stores (`saved_panel`, `api_token`, …); `other` for [`Self::Other`],
    /// which PanelMerge never writes.
    pub const fn word(self) -> &'static str {
        match self {
            Self::AdminMessage => "admin_message",
            Self::ApiToken => "api_token",
            Self::AuditLog => "audit_log",
            Self::Backup => "backup",
            Self::Download => "download",
            Self::EncryptionKey => "encryption_key",
            Self::ExportTemplate => "export_template",
            Self::FlaskImport => "flask_import",
            Self::Ip => "ip",
            Self::Mail => "mail",
            Self::Panelapp => "panelapp",
            Self::PanelSearch => "panel_search",
            Self::PanelShare => "panel_share",
            Self::SavedPanel => "saved_panel",
            Self::Session => "session",
            Self::Team => "team",
            Self::Upload => "upload",
            Self::User => "user",
            Self::Workbench => "workbench",
            Self::Other => "other",
        }
    }

    /// How the admin pages name it.
    pub const fn label(self) -> &'static str {
        match self {
            Self::AdminMessage => "Admin message",
            Self::ApiToken => "API token",
            Self::AuditLog => "Audit log",
            Self::Backup => "Backup",
            Self::Download => "Download",
            Self::EncryptionKey => "Encryption key",
            Self::ExportTemplate => "Export template",
            Self::FlaskImport => "Flask import",
            Self::Ip => "IP address",
            Self::Mail => "Mail",
            Self::Panelapp => "PanelApp data",
            Self::PanelSearch => "Panel search",
            Self::PanelShare => "Share",
            Self::SavedPanel => "Saved panel",
            Self::Session => "Session",
            Self::Team => "Team",
            Self::Upload => "Uploaded list",
            Self::User => "Account",
            Self::Workbench => "Workbench",
            Self::Other => "Other (imported from Flask)",
        }
    }

    /// The kinds PanelMerge writes (all but [`Self::Other`]).
    pub fn written() -> impl Iterator<Item = Self> {
        Self::ALL.iter().copied().filter(|k| *k != Self::Other)
    }

    /// The kind of a stored word: one PanelMerge writes (Flask wrote `user`, `saved_panel`,
    /// `export_template` and `admin_message` with the same meaning), else [`Self::Other`].
    pub fn of_word(word: &str) -> Self {
        Self::written()
            .find(|k| k.word() == word)
            .unwrap_or(Self::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_viewer_to_admin() {
        assert!(Role::Viewer < Role::User);
        assert!(Role::User < Role::Editor);
        assert!(Role::Editor < Role::Admin);
        assert_eq!(Role::ALL.len(), 4);
        assert_eq!(Role::Admin.to_string(), "ADMIN");
        assert_eq!("editor".parse::<Role>().unwrap(), Role::Editor);
    }

    #[test]
    fn sources_are_uk_and_au() {
        assert_eq!(Source::ALL, &[Source::Uk, Source::Au]);
        assert_eq!(Source::Uk.as_str(), "UK");
        assert_eq!(Source::Au.as_str(), "AU");
        assert_eq!(Source::Au.export_label(), "AUS");
        assert_eq!(serde_json::to_string(&Source::Uk).unwrap(), "\"UK\"");
    }

    #[test]
    fn confidence_maps_panelapp_levels() {
        assert_eq!(Confidence::from_panelapp("3").unwrap(), Confidence::Green);
        assert_eq!(Confidence::from_panelapp("2").unwrap(), Confidence::Amber);
        assert_eq!(Confidence::from_panelapp("1").unwrap(), Confidence::Red);
        assert_eq!(Confidence::from_panelapp("0").unwrap(), Confidence::Grey);
        assert!(Confidence::from_panelapp("7").is_err());
        assert!(Confidence::from_panelapp("").is_err());
        for c in Confidence::ALL {
            let level = c.panelapp_level().to_string();
            assert_eq!(Confidence::from_panelapp(&level).unwrap(), *c);
        }
    }

    #[test]
    fn entity_types_map_panelapp_kinds() {
        assert_eq!(EntityType::from_panelapp("gene").unwrap(), EntityType::Gene);
        assert_eq!(EntityType::from_panelapp("str").unwrap(), EntityType::Str);
        assert_eq!(
            EntityType::from_panelapp("region").unwrap(),
            EntityType::Region
        );
        assert!(EntityType::from_panelapp("cnv").is_err());
    }

    #[test]
    fn share_permissions_are_ordered_and_comment_can_not_edit() {
        assert!(SharePermission::View < SharePermission::Comment);
        assert!(SharePermission::Comment < SharePermission::Edit);
        assert!(SharePermission::Edit < SharePermission::Admin);
        assert!(!SharePermission::View.can_comment());
        assert!(SharePermission::Comment.can_comment());
        assert!(!SharePermission::Comment.can_edit());
        assert!(SharePermission::Edit.can_edit());
        assert!(!SharePermission::Edit.can_share());
        assert!(SharePermission::Admin.can_share());
    }

    #[test]
    fn exact_values_of_the_small_sets() {
        let strs = |all: &[&str]| all.join(",");
        assert_eq!(
            strs(
                &PanelStatus::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
            ),
            "ACTIVE,ARCHIVED,DELETED,DRAFT"
        );
        assert_eq!(
            strs(
                &Visibility::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
            ),
            "PRIVATE,SHARED,PUBLIC"
        );
        assert_eq!(
            strs(
                &MessageType::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
            ),
            "INFO,SUCCESS,WARNING,ERROR"
        );
        assert_eq!(
            strs(
                &ChangeType::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
            ),
            "PANEL_CREATED,GENE_ADDED,GENE_REMOVED,GENE_MODIFIED,METADATA_CHANGED,\
             CONFIDENCE_CHANGED,SOURCE_UPDATED"
        );
        assert_eq!(EntityType::Str.as_str(), "STR");
    }

    #[test]
    fn there_are_forty_distinct_audit_actions() {
        assert_eq!(AuditAction::ALL.len(), 40);
        let mut names: Vec<_> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 40);
        assert_eq!(
            "access_denied".parse::<AuditAction>().unwrap(),
            AuditAction::AccessDenied
        );
        assert!(AuditAction::AccountLockout.is_security_event());
        assert!(!AuditAction::Login.is_security_event());
        let flask: Vec<_> = AuditAction::ALL
            .iter()
            .filter(|a| a.is_flask_only())
            .map(|a| a.as_str())
            .collect();
        assert_eq!(flask, ["PANEL_DOWNLOAD", "USER_DELETE", "MFA_EVENT"]);
        assert_eq!(AuditAction::written().count(), 37);
        for action in AuditAction::ALL {
            assert_eq!(
                action.meaning().starts_with("Flask only"),
                action.is_flask_only(),
                "{action}"
            );
        }
    }

    #[test]
    fn stored_source_types_map_to_the_closed_set() {
        use SavedPanelSourceType as T;
        for (stored, wanted) in [
            ("merge", T::Merge),
            ("UPLOAD", T::Upload),
            ("genes", T::Manual),
            ("manual", T::Manual),
            (" Empty ", T::Empty),
            ("panelapp", T::PanelApp),
            ("workbook", T::Other),
        ] {
            assert_eq!(T::from_stored(stored), wanted, "{stored}");
        }
        for value in T::ALL {
            assert_eq!(T::from_stored(value.as_str()), *value);
        }
    }

    #[test]
    fn audit_resource_words_round_trip_and_flask_words_are_other() {
        for kind in AuditResourceKind::written() {
            assert_eq!(AuditResourceKind::of_word(kind.word()), kind, "{kind}");
            assert_eq!(kind.word().to_ascii_uppercase(), kind.as_str());
        }
        // Words of rows imported from the Flask version.
        assert_eq!(AuditResourceKind::of_word("user"), AuditResourceKind::User);
        assert_eq!(
            AuditResourceKind::of_word("saved_panel"),
            AuditResourceKind::SavedPanel
        );
        for flask in [
            "knowhow_article",
            "panel",
            "page",
            "cache",
            "",
            "other",
            "USER",
        ] {
            assert_eq!(
                AuditResourceKind::of_word(flask),
                AuditResourceKind::Other,
                "{flask}"
            );
        }
    }

    #[test]
    fn serde_rejects_unknown_values() {
        assert!(serde_json::from_str::<Role>("\"ROOT\"").is_err());
        assert_eq!(
            serde_json::from_str::<TimeFormat>("\"12h\"").unwrap(),
            TimeFormat::H12
        );
    }
}
