//! Test-only pause points (feature `test-support`): with `PANELMERGE_FAILPOINT=<name>` and
//! `PANELMERGE_FAILPOINT_NOTIFY=<host:port>`, the named point connects to that address (so the
//! test knows it was reached) and then waits forever, so a test can kill the process in the
//! middle of a transaction. Compiled out otherwise.

#[cfg(feature = "test-support")]
pub async fn hit(name: &str) {
    if std::env::var("PANELMERGE_FAILPOINT").ok().as_deref() != Some(name) {
        return;
    }
    if let Ok(address) = std::env::var("PANELMERGE_FAILPOINT_NOTIFY") {
        use tokio::io::AsyncWriteExt;
        if let Ok(mut stream) = tokio::net::TcpStream::connect(address).await {
            let _ = stream.write_all(name.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
    std::future::pending::<()>().await;
}

#[cfg(not(feature = "test-support"))]
pub async fn hit(_name: &str) {}
