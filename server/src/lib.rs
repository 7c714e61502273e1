//! PanelMerge server: GraphQL API (HTTP and WebSocket), CLI, PanelApp client, security and
//! exports. `main.rs` is a shim over [`cli::run`]; tests start [`Application`] directly.

pub mod app;
pub mod auth;
pub mod backend;
pub mod backup;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod events;
pub mod failpoint;
pub mod flask_import;
pub mod genelists;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod logging;
pub mod mail;
pub mod paging;
pub mod panelapp;
pub mod saved;
pub mod services;
pub mod shutdown;
pub mod state;

pub use app::Application;
pub use config::Settings;
pub use state::AppState;

/// The server version (the Cargo package version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Installs ring as the process-wide rustls crypto provider (no aws-lc build). Idempotent.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The layers of `server/src` (ARCHITECTURE.md, "Where code lives"), kept by a test.
#[cfg(test)]
mod layers {
    use std::path::Path;

    /// The top-level modules from the bottom up: a module may use its own row and the rows
    /// below it, never one above.
    const LAYERS: &[&[&str]] = &[
        &[
            "config",
            "error",
            "crypto",
            "backend",
            "db",
            "events",
            "shutdown",
            "failpoint",
            "logging",
        ],
        &["paging", "ids", "genelists"],
        &["auth", "mail", "panelapp"],
        &["services"],
        &["saved"],
        &["state"],
        &["graphql"],
        &["http"],
        &["app", "cli", "flask_import", "backup", "main", "lib"],
    ];

    fn row(module: &str) -> Option<usize> {
        LAYERS.iter().position(|r| r.contains(&module))
    }

    /// The code of a file that is built outside tests: comments dropped, and everything
    /// from a top-level `#[cfg(test)] mod` on (test modules close their files).
    fn production_code(text: &str) -> String {
        let lines: Vec<&str> = text.lines().collect();
        let mut code = String::new();
        for (i, line) in lines.iter().enumerate() {
            if *line == "#[cfg(test)]"
                && lines[i + 1..]
                    .iter()
                    .find(|l| !l.starts_with("#["))
                    .is_some_and(|l| l.starts_with("mod "))
            {
                break;
            }
            if !line.trim_start().starts_with("//") {
                code.push_str(line);
                code.push('\n');
            }
        }
        code
    }

    /// The top-level modules `code` names through `crate::` (`crate::a::b`, `crate::{a, b}`).
    fn crate_uses(code: &str) -> Vec<String> {
        let ident = |s: &str| -> String {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let mut used = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0usize;
                let mut start = 0;
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            used.push(ident(&group[start..i]));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            used.push(ident(&group[start..i]));
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
            } else {
                used.push(ident(rest));
            }
        }
        used.retain(|m| !m.is_empty());
        used
    }

    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The files below `server/src/<dir>` that are built outside tests, each with its path
    /// below `server/src` and its production code.
    fn production_files(dir: &str) -> Vec<(std::path::PathBuf, String)> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut all = Vec::new();
        files(&src.join(dir), &mut all);
        all.into_iter()
            .filter(|path| {
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                name != "tests" && !name.ends_with("_tests")
            })
            .map(|path| {
                let code = production_code(&std::fs::read_to_string(&path).unwrap_or_default());
                let relative = path.strip_prefix(&src).unwrap_or(&path).to_path_buf();
                (relative, code)
            })
            .collect()
    }

    #[test]
    fn no_module_uses_one_above_it() {
        let all = production_files("");
        assert!(all.len() > 100, "the sources are found");
        let mut upward = Vec::new();
        for (relative, code) in all {
            let top = relative
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .map(|c| c.trim_end_matches(".rs").to_owned())
                .unwrap_or_default();
            let Some(here) = row(&top) else {
                upward.push(format!(
                    "{}: module {top} is in no layer",
                    relative.display()
                ));
                continue;
            };
            for used in crate_uses(&code) {
                match row(&used) {
                    Some(there) if there > here => upward.push(format!(
                        "{} (layer {here}) uses crate::{used} (layer {there})",
                        relative.display()
                    )),
                    _ => {}
                }
            }
        }
        upward.sort();
        upward.dedup();
        assert!(
            upward.is_empty(),
            "imports pointing up:\n{}",
            upward.join("\n")
        );
    }

    /// What reaches the database directly: the query builder, the connection, entity tables and
    /// columns, active models.
    const DATABASE: &[&str] = &[
        "sea_orm",
        "state.db",
        "().db",
        ".db,",
        ".db)",
        "Entity::",
        "ActiveModel",
        "Column::",
        "begin_write",
    ];

    /// The GraphQL layer reads and writes through the services (ARCHITECTURE.md, "The request
    /// path"): resolvers turn the rows a service returns into API types, and never query a
    /// table or open a transaction themselves.
    #[test]
    fn graphql_reaches_the_database_only_through_services() {
        let all = production_files("graphql");
        assert!(all.len() > 20, "the GraphQL sources are found");
        let mut direct = Vec::new();
        for (path, code) in all {
            for line in code.lines() {
                if let Some(needle) = DATABASE.iter().find(|needle| line.contains(*needle)) {
                    direct.push(format!(
                        "{}: `{needle}` in `{}`",
                        path.display(),
                        line.trim()
                    ));
                }
            }
        }
        assert!(
            direct.is_empty(),
            "the GraphQL layer reaches the database itself:\n{}",
            direct.join("\n")
        );
    }

    /// Resolvers get what a service made for them (`PanelView`, `TeamView`, `AccountView`,
    /// `ShareView`, …), never entity rows, so a column can change without the API noticing.
    #[test]
    fn graphql_types_are_made_from_what_services_return_not_from_rows() {
        let rows: Vec<String> = production_files("graphql")
            .into_iter()
            .filter(|(_, code)| code.contains("entity::"))
            .map(|(path, _)| format!("{} names entity rows", path.display()))
            .collect();
        assert!(rows.is_empty(), "{}", rows.join("\n"));
    }

    #[test]
    fn crate_paths_and_groups_are_read() {
        let code = "use crate::error::AppError;\nuse crate::{\n    auth::{Principal, Action},\n    services::audit,\n};\nlet x = crate::state::AppState::new();";
        assert_eq!(crate_uses(code), ["error", "auth", "services", "state"]);
        let with_tests = "use crate::db;\n#[cfg(test)]\n#[allow(clippy::unwrap_used)]\nmod tests {\n    use crate::state;\n}\n";
        assert_eq!(crate_uses(&production_code(with_tests)), ["db"]);
    }
}
