//! `panelmerge panelapp sync|snapshot`.

use std::process::ExitCode;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use shared::Source;

use super::PanelappCommand;
use crate::config::Settings;
use crate::state::AppState;

fn sources(only: Option<Source>) -> Vec<Source> {
    only.map_or_else(|| Source::ALL.to_vec(), |s| vec![s])
}

fn bar(label: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{prefix:>20} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(label.to_owned());
    bar
}

pub(super) async fn run(settings: Settings, action: PanelappCommand) -> anyhow::Result<ExitCode> {
    let state = AppState::connect(settings).await?;
    let service = state.panelapp.clone();
    anyhow::ensure!(
        !service.snapshot_only(),
        "PANELAPP_SNAPSHOT is set: this installation never calls PanelApp"
    );
    match action {
        PanelappCommand::Sync { source } => {
            let mut failed = 0;
            for s in sources(source) {
                let bar = bar(s.display_name());
                let b = bar.clone();
                let progress = Arc::new(move |done: usize, total: usize| {
                    b.set_length(total as u64);
                    b.set_position(done as u64);
                });
                match service.sync(s, progress).await {
                    Ok(report) => {
                        bar.finish_with_message("done");
                        println!(
                            "{}: {} panels, {} details cached, {} failed; {} genes{}",
                            s.display_name(),
                            report.panels,
                            report.details,
                            report.failed.len(),
                            report.genes,
                            if report.complete {
                                " (complete: uploads flag unknown symbols)"
                            } else {
                                " (incomplete: uploads do not flag unknown symbols)"
                            }
                        );
                        for (id, why) in &report.failed {
                            println!("  panel {id}: {why}");
                        }
                        failed += report.failed.len();
                    }
                    Err(e) => {
                        bar.abandon_with_message("failed");
                        eprintln!("{}: {}", s.display_name(), e.describe());
                        failed += 1;
                    }
                }
            }
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        PanelappCommand::Snapshot { out, source } => {
            std::fs::create_dir_all(&out)?;
            let mut dumps = Vec::new();
            for s in sources(source) {
                let dump = service
                    .dump(s)
                    .await
                    .map_err(|e| anyhow::anyhow!(e.describe()))?;
                println!(
                    "{}: {} panels, {} details (data of {})",
                    s.display_name(),
                    dump.panels.len(),
                    dump.details.len(),
                    dump.date
                );
                dumps.push(dump);
            }
            crate::panelapp::snapshot::write(&out, &dumps)?;
            println!("snapshot written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
