//! The web app's download (issue 18, point 4): every file of the built app (`dist/`, from
//! `trunk build --release`) is sent as the brotli or gzip file made at build time
//! (`scripts/precompress.mjs`, Trunk's post_build hook) — the bytes on the wire are the file's —
//! with `Vary`, a long immutable cache for the hashed assets and `no-cache` for `index.html`;
//! what a visitor downloads before the first page is interactive stays within [`GZIP_BUDGET`];
//! and the app still starts and works in headless Chromium with what it was sent.
//!
//! Times (first page interactive, the workbench with panels 402 and 398) are measured by
//! `scripts/web-timing.sh` and recorded in BENCHMARKS.md, not asserted here.

use std::path::{Path, PathBuf};

use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};

/// Gzip bytes of `index.html` and every file it names (wasm, its JS module, boot.js, CSS, icon),
/// which is all a visitor downloads before the first page is interactive (the first GraphQL
/// answers aside, a few hundred bytes). Issue 18 asks for 300 KB; the size work brought the app to
/// 687 KiB (brotli: 522 KiB), and the e-mail pages, the library and the layouts of issues 14 and
/// 15 then added 85 KiB (772 KiB gzip), and export templates, the 4–5 source Venn and the
/// bulk library calls another 31 KiB (803 KiB). The budget keeps it from growing unnoticed.
/// BENCHMARKS.md ("Web app download") says what the wasm is made of and why 300 KB needs code
/// splitting, which Trunk 0.21 lacks.
const GZIP_BUDGET: u64 = 830 * 1024;

/// The files `index.html` names: attribute values that are paths of files in `dist`.
fn assets_of(index: &str, dist: &Path) -> Vec<String> {
    let mut assets: Vec<String> = index
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|value| value.starts_with('/') && !value.starts_with("//") && value.len() > 1)
        .filter(|value| dist.join(&value[1..]).is_file())
        .map(str::to_owned)
        .collect();
    assets.sort();
    assets.dedup();
    assets
}

fn file_of(dist: &Path, path: &str) -> PathBuf {
    if path == "/" || !dist.join(&path[1..]).is_file() {
        dist.join("index.html")
    } else {
        dist.join(&path[1..])
    }
}

fn with_extension(file: &Path, extension: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_app_is_sent_as_precompressed_files_within_the_budget() {
    let dist = tests::repo_root().join("dist");
    let index = std::fs::read_to_string(dist.join("index.html"))
        .expect("the web app is built: trunk build --release");
    let mock = tests::mock_panelapp::MockPanelApp::start().await;
    let app = tests::TestApp::web(Some(mock.urls())).await;
    // No automatic decompression: the test compares the bytes on the wire.
    let http = reqwest::Client::builder().no_gzip().build().unwrap();

    let assets = assets_of(&index, &dist);
    for kind in [".wasm", ".js", ".css"] {
        assert!(
            assets.iter().any(|a| a.ends_with(kind)),
            "index.html names a {kind} file: {assets:?}"
        );
    }

    let mut gzip_total = 0;
    // `/workbench` is a client-side route: index.html by the SPA fallback.
    let paths = ["/", "/workbench"]
        .into_iter()
        .map(str::to_owned)
        .chain(assets.iter().cloned());
    for path in paths {
        let file = file_of(&dist, &path);
        let raw = std::fs::read(&file).unwrap();
        let is_html = file.ends_with("index.html");
        for (accept, variant) in [
            (Some("br"), Some("br")),
            (Some("gzip"), Some("gz")),
            (Some("gzip, deflate, br, zstd"), Some("br")),
            (Some("br;q=0.5, gzip"), Some("gz")),
            (None, None),
        ] {
            let mut request = http.get(format!("{}{path}", app.address));
            if let Some(accept) = accept {
                request = request.header(ACCEPT_ENCODING, accept);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "{path} ({accept:?})");
            let headers = response.headers().clone();
            let header = |name| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
            let body = response.bytes().await.unwrap();
            let what = format!("{path} with Accept-Encoding {accept:?}");

            match variant {
                Some(extension) => {
                    let precompressed = with_extension(&file, extension);
                    let expected = std::fs::read(&precompressed).unwrap_or_else(|e| {
                        panic!("{} exists (release build): {e}", precompressed.display())
                    });
                    assert!(expected.len() < raw.len(), "{what}: the variant is smaller");
                    let encoding = if extension == "br" { "br" } else { "gzip" };
                    assert_eq!(
                        header(CONTENT_ENCODING).as_deref(),
                        Some(encoding),
                        "{what}"
                    );
                    assert!(
                        body == expected,
                        "{what}: the bytes of {}",
                        precompressed.display()
                    );
                    if accept == Some("gzip") && path != "/workbench" {
                        gzip_total += expected.len() as u64;
                    }
                }
                None => {
                    assert_eq!(header(CONTENT_ENCODING), None, "{what}: not compressed");
                    assert!(body == raw, "{what}: the bytes of {}", file.display());
                }
            }
            // Vary: accept-encoding once, from the web app (the compression layer stays off
            // these responses; CORS adds its own `origin`).
            let vary = headers
                .get_all(VARY)
                .iter()
                .filter(|v| v.to_str().unwrap().eq_ignore_ascii_case("accept-encoding"))
                .count();
            assert_eq!(vary, 1, "{what}: Vary {:?}", headers.get_all(VARY));
            let content_type = header(CONTENT_TYPE).unwrap_or_default();
            let cache = header(CACHE_CONTROL).unwrap_or_default();
            if is_html {
                assert!(
                    content_type.starts_with("text/html"),
                    "{what}: {content_type}"
                );
                assert_eq!(cache, "no-cache", "{what}");
            } else {
                assert_eq!(cache, "public, max-age=31536000, immutable", "{what}");
            }
            if path.ends_with(".wasm") {
                // WebAssembly.instantiateStreaming needs the type of the file, not of its variant.
                assert_eq!(content_type, "application/wasm", "{what}");
            }
            if path.ends_with(".js") {
                assert!(
                    content_type.contains("javascript"),
                    "{what}: {content_type}"
                );
            }
        }
    }
    eprintln!(
        "web app before the first page is interactive: {} files, {:.1} KiB gzip",
        assets.len() + 1,
        gzip_total as f64 / 1024.0
    );
    assert!(
        gzip_total <= GZIP_BUDGET,
        "the web app is {gzip_total} bytes gzip, over the budget of {GZIP_BUDGET}"
    );

    // In Chromium: the app starts from the precompressed files, within the budget, and works.
    tests::browser::run_script(
        "web_size.mjs",
        &app.address,
        &[("GZIP_BUDGET", &GZIP_BUDGET.to_string())],
    )
    .await;
}
