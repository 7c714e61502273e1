//! `tracing` output to standard error and, with `LOG_FILE`, to a file rotated by size.

use std::sync::Mutex;

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogSettings;

/// Quietens chatty dependencies unless the level names them.
fn filter(level: &str) -> EnvFilter {
    let spec = if level.contains('=') || level.contains(',') {
        level.to_owned()
    } else {
        format!(
            "{level},sqlx=warn,sea_orm=warn,hyper=warn,fred=warn,tower_http=warn,async_graphql=warn"
        )
    };
    EnvFilter::try_new(spec).unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Installs the global subscriber. Safe to call more than once (later calls are ignored).
pub fn init(settings: &LogSettings) -> anyhow::Result<()> {
    let stderr = std::io::stderr.with_max_level(tracing::Level::TRACE);
    let result = match &settings.file {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let rotating = FileRotate::new(
                path,
                AppendCount::new(settings.backup_count.max(1)),
                ContentLimit::BytesSurpassed(
                    usize::try_from(settings.max_size).unwrap_or(usize::MAX),
                ),
                Compression::None,
                #[cfg(unix)]
                None,
            );
            let file = Mutex::new(rotating);
            let writer = stderr.and(file);
            let builder = fmt()
                .with_env_filter(filter(&settings.level))
                .with_writer(writer);
            if settings.json {
                builder.json().try_init()
            } else {
                builder.with_ansi(false).try_init()
            }
        }
        None => {
            let builder = fmt()
                .with_env_filter(filter(&settings.level))
                .with_writer(stderr);
            if settings.json {
                builder.json().try_init()
            } else {
                builder.try_init()
            }
        }
    };
    // Already initialised (tests start several servers in one process): keep the first.
    drop(result);
    Ok(())
}
