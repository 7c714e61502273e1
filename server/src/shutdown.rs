//! A process-wide shutdown signal that long-lived tasks (WebSockets, refreshers) watch.

use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct Shutdown {
    sender: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self {
            sender: std::sync::Arc::new(watch::channel(false).0),
        }
    }
}

impl Shutdown {
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.sender.borrow()
    }

    /// Completes once shutdown has been triggered.
    pub async fn wait(&self) {
        let mut rx = self.sender.subscribe();
        // An error means the sender is gone, which also means shutdown.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}
