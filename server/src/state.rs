//! Shared application state, built once and handed to every request.

use std::ops::Deref;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::auth::Authenticator;
use crate::auth::limits::Limits;
use crate::auth::sessions::Sessions;
use crate::auth::tokens::Tokens;
use crate::backend::Backends;
use crate::config::Settings;
use crate::crypto::{Encryptor, Signer};
use crate::events::Events;
use crate::mail::Mailer;
use crate::panelapp::PanelAppService;
use crate::saved::SavedPanels;
use crate::services::accounts::Accounts;
use crate::services::admin::Admin;
use crate::services::api_tokens::ApiTokens;
use crate::services::audit::Audit;
use crate::services::audit_log::AuditTrail;
use crate::services::auth::Authentication;
use crate::services::catalogue::Catalogue;
use crate::services::downloads::Downloads;
use crate::services::email_address::EmailAddresses;
use crate::services::export_templates::ExportTemplates;
use crate::services::merge::Merges;
use crate::services::messages::Messages;
use crate::services::notices::Notices;
use crate::services::outbox::Outbox;
use crate::services::passwords::Passwords;
use crate::services::recovery::Recovery;
use crate::services::teams::Teams;
use crate::services::uploads::{UploadSettings, Uploads};
use crate::services::workbench::Workbenches;
use crate::shutdown::Shutdown;

/// Cheap to clone; everything inside is shared.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

pub struct StateInner {
    pub settings: Settings,
    pub db: DatabaseConnection,
    pub backends: Backends,
    pub crypto: Arc<Encryptor>,
    pub signer: Signer,
    pub events: Events,
    pub audit: Audit,
    /// The trail as admins read it (pages, CSV, retention purge).
    pub audit_trail: AuditTrail,
    pub passwords: Passwords,
    /// API tokens as authentication stores and checks them.
    pub tokens: Tokens,
    /// Rate limits, login throttles and address blocks.
    pub limits: Limits,
    /// Login sessions.
    pub sessions: Sessions,
    /// Who is calling (cookies and API tokens into a `Principal`).
    pub authenticator: Authenticator,
    /// API tokens as their owners manage them, and the audit of their use.
    pub api_tokens: ApiTokens,
    /// Teams and their members.
    pub teams: Teams,
    /// Site messages (banners).
    pub messages: Messages,
    /// Saved export settings.
    pub export_templates: ExportTemplates,
    /// Each user's saved workbench.
    pub workbenches: Workbenches,
    /// Uploaded gene lists.
    pub uploads: Uploads,
    /// Prepared downloads behind signed links.
    pub downloads: Downloads,
    /// The PanelApp data as admins manage it (refresh).
    pub catalogue: Catalogue,
    /// Merges of panels and uploaded lists.
    pub merges: Merges,
    /// The e-mail queue as admins see it.
    pub outbox: Outbox,
    /// Notices by e-mail (account locked, security, new admins, panels shared).
    pub notices: Notices,
    /// E-mail addresses: verification and changes.
    pub email_addresses: EmailAddresses,
    /// Accounts: registration and profiles.
    pub accounts: Accounts,
    /// Logging in and out, password changes.
    pub authentication: Authentication,
    /// Password resets.
    pub recovery: Recovery,
    /// Site administration of accounts.
    pub admin: Admin,
    /// Saved panels: versions, shares, comments, labels, lists.
    pub saved: SavedPanels,
    /// E-mail: the transport, link base and the queue worker's wake-up call.
    pub mailer: Arc<Mailer>,
    /// PanelApp UK and Australia: catalogues, panels, search, gene directory.
    pub panelapp: Arc<PanelAppService>,
    pub started_at: DateTime<Utc>,
    pub shutdown: Shutdown,
    /// SQL statements run through `db` (for tests and diagnostics).
    pub statements: Arc<std::sync::atomic::AtomicU64>,
}

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

impl AppState {
    /// A migrated SQLite-backed state in a fresh temporary directory (kept alive by the
    /// returned guard), for in-process tests.
    #[cfg(test)]
    pub(crate) async fn for_tests() -> (Self, tempfile::TempDir) {
        crate::install_crypto_provider();
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings::for_tests(dir.path());
        let state = Self::connect(settings).await.expect("test state");
        crate::db::migrate(&state.db).await.expect("migrations");
        (state, dir)
    }

    /// Connects to the database and the cache backend described by `settings`.
    pub async fn connect(settings: Settings) -> anyhow::Result<Self> {
        let statements = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let db =
            crate::db::connect_counted(settings.database_url.expose(), statements.clone()).await?;
        let backends = Backends::from_settings(&settings).await?;
        Self::with_counter(settings, db, backends, statements)
    }

    pub fn new(
        settings: Settings,
        db: DatabaseConnection,
        backends: Backends,
    ) -> anyhow::Result<Self> {
        Self::with_counter(settings, db, backends, Arc::default())
    }

    fn with_counter(
        settings: Settings,
        db: DatabaseConnection,
        backends: Backends,
        statements: Arc<std::sync::atomic::AtomicU64>,
    ) -> anyhow::Result<Self> {
        let crypto = Arc::new(Encryptor::new(
            &settings.encryption_key,
            &settings.previous_encryption_keys,
        ));
        let signer = Signer::new(&settings.secret_key);
        let events = Events::new(backends.clone());
        let audit = Audit::new(crypto.clone(), events.clone());
        let audit_trail = AuditTrail::new(db.clone(), audit.clone(), settings.audit_retention_days);
        let tokens = Tokens::new(db.clone(), signer.clone());
        let sessions = Sessions::new(backends.clone(), signer.clone(), settings.security.clone());
        let authenticator = Authenticator::new(
            db.clone(),
            sessions.clone(),
            tokens.clone(),
            backends.clone(),
        );
        let limits = Limits::new(
            backends.clone(),
            signer.clone(),
            settings.security.clone(),
            settings.mail.requests_per_hour,
        );
        let api_tokens = ApiTokens::new(
            db.clone(),
            audit.clone(),
            tokens.clone(),
            backends.clone(),
            settings.security.api_access_audit_window,
        );
        let teams = Teams::new(db.clone(), audit.clone());
        let messages = Messages::new(db.clone(), audit.clone(), events.clone());
        let export_templates = ExportTemplates::new(db.clone(), audit.clone());
        let workbenches = Workbenches::new(db.clone(), audit.clone());
        let uploads = Uploads::new(
            db.clone(),
            audit.clone(),
            backends.clone(),
            UploadSettings::from_settings(&settings),
        );
        let downloads = Downloads::new(
            db.clone(),
            audit.clone(),
            signer.clone(),
            settings.download_link_ttl,
            backends.clone(),
        );
        let passwords = Passwords::new(settings.security.password_hash_concurrency)
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
        let mailer = Arc::new(Mailer::new(&settings)?);
        let panelapp = PanelAppService::new(
            &settings,
            backends.cache.clone(),
            backends.kind == shared::CacheBackend::Redis,
        )?;
        let outbox = Outbox::new(db.clone(), audit.clone(), mailer.wake_handle());
        let notices = Notices::new(mailer.clone(), crypto.clone(), backends.clone());
        let email_addresses = EmailAddresses::new(
            db.clone(),
            audit.clone(),
            events.clone(),
            crypto.clone(),
            signer.clone(),
            mailer.clone(),
            limits.clone(),
            sessions.clone(),
            settings.mail.clone(),
            passwords.clone(),
        );
        let accounts = Accounts::new(
            db.clone(),
            audit.clone(),
            crypto.clone(),
            passwords.clone(),
            mailer.clone(),
            limits.clone(),
            settings.security.clone(),
            email_addresses.clone(),
        );
        let authentication = Authentication::new(
            db.clone(),
            audit.clone(),
            events.clone(),
            passwords.clone(),
            mailer.clone(),
            limits.clone(),
            sessions.clone(),
            notices.clone(),
            settings.mail.clone(),
            settings.security.clone(),
            email_addresses.clone(),
        );
        let recovery = Recovery::new(
            db.clone(),
            audit.clone(),
            events.clone(),
            crypto.clone(),
            signer.clone(),
            passwords.clone(),
            mailer.clone(),
            limits.clone(),
            sessions.clone(),
            settings.mail.clone(),
        );
        let admin = Admin::new(
            db.clone(),
            audit.clone(),
            events.clone(),
            crypto.clone(),
            passwords.clone(),
            mailer.clone(),
            limits.clone(),
            sessions.clone(),
            notices.clone(),
            settings.mail.clone(),
        );
        let merges = Merges::new(uploads.clone(), panelapp.clone());
        let saved = SavedPanels::new(
            db.clone(),
            audit.clone(),
            events.clone(),
            crypto.clone(),
            signer.clone(),
            accounts.clone(),
            merges.clone(),
            notices.clone(),
            mailer.wake_handle(),
        );
        let catalogue = Catalogue::new(db.clone(), audit.clone(), panelapp.clone());
        Ok(Self(Arc::new(StateInner {
            settings,
            db,
            backends,
            crypto,
            signer,
            events,
            audit,
            audit_trail,
            passwords,
            tokens,
            limits,
            sessions,
            authenticator,
            api_tokens,
            teams,
            messages,
            export_templates,
            workbenches,
            uploads,
            downloads,
            catalogue,
            merges,
            outbox,
            notices,
            email_addresses,
            accounts,
            authentication,
            recovery,
            admin,
            saved,
            mailer,
            panelapp,
            started_at: Utc::now(),
            shutdown: Shutdown::default(),
            statements,
        })))
    }
}
