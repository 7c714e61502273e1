//! Startup: `Application::build` binds the listener first (port 0 works) and reports the real
//! port, so `main` and the tests start exactly the same thing.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::config::Settings;
use crate::graphql::build_schema;
use crate::http::build_router;
use crate::state::AppState;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
}

impl Application {
    /// Connects, applies migrations and binds `HOST:PORT`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let state = AppState::connect(settings).await?;
        crate::db::migrate(&state.db).await?;
        crate::db::optimize(&state.db).await?;
        Self::with_state(state).await
    }

    /// Binds a server around existing state (migrations already applied).
    pub async fn with_state(state: AppState) -> anyhow::Result<Self> {
        let schema = build_schema(state.clone());
        let router = build_router(state.clone(), schema);
        let address = state.settings.bind_address();
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| anyhow::anyhow!("can not listen on {address}: {e}"))?;
        if let Ok(bound) = listener.local_addr() {
            // Links in e-mail point here unless PUBLIC_URL says otherwise.
            state.mailer.set_listen_url(format!("http://{bound}/"));
        }
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn port(&self) -> u16 {
        self.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then drains connections.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then closes WebSockets and drains connections.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let shutdown = self.state.shutdown.clone();
        // The gene directory fills itself while the server serves (never blocking a request).
        self.state.panelapp.spawn_directory_sync(shutdown.clone());
        // Queued e-mail is sent off the request path, retried with backoff.
        crate::services::mail_worker::MailWorker {
            db: self.state.db.clone(),
            audit: self.state.audit.clone(),
            crypto: self.state.crypto.clone(),
            mailer: self.state.mailer.clone(),
            mail: self.state.settings.mail.clone(),
        }
        .spawn(shutdown.clone());
        // SQLite's planner statistics follow the data as it grows.
        crate::db::spawn_optimizer(self.state.db.clone(), shutdown.clone());
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(async move {
                signal.await;
                tracing::info!("shutting down");
                shutdown.trigger();
            })
            .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "can not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "can not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
