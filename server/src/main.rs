//! `panelmerge`: see `panelmerge --help`.

fn main() -> std::process::ExitCode {
    server::cli::run()
}
