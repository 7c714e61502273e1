//! Runs a Playwright script (tests/browser/*.mjs) in headless Chromium against a server.

use std::path::PathBuf;
use std::process::Stdio;

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Path to Chromium: `CHROMIUM_PATH` or Debian's `/usr/bin/chromium`.
pub fn chromium() -> PathBuf {
    std::env::var("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// Whether browser scripts can run here (Chromium and the npm packages are installed).
pub fn ready() -> bool {
    chromium().is_file()
        && crate::repo_root()
            .join("tests/browser/node_modules/playwright-core")
            .is_dir()
}

/// Runs `tests/browser/<script>` with `BASE_URL` (and `extra` variables); panics with the
/// script's output when it fails. Without Chromium or the npm packages the test fails in CI
/// and is reported as not run elsewhere.
pub async fn run_script(script: &str, base_url: &str, extra: &[(&str, &str)]) {
    let dir = crate::repo_root().join("tests/browser");
    if !ready() {
        if ci() {
            panic!(
                "CI=true but the browser test can not run: need {} and tests/browser/node_modules \
                 (`make test` installs both)",
                chromium().display()
            );
        }
        eprintln!("notice: Chromium or playwright-core missing; browser test {script} not run");
        return;
    }
    let downloads = tempfile::tempdir().expect("download dir");
    let mut command = tokio::process::Command::new("node");
    command
        .arg(dir.join(script))
        .current_dir(&dir)
        .env("BASE_URL", base_url)
        .env("CHROMIUM_PATH", chromium())
        .env("DOWNLOAD_DIR", downloads.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        command.env(k, v);
    }
    let output = tokio::time::timeout(std::time::Duration::from_secs(180), command.output())
        .await
        .expect("browser script finished within 3 minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser script {script} failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
}
