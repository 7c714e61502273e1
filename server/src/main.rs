//! `panelmerge`: see `panelmerge --help`.

/// mimalloc rather than glibc's allocator: an answer is many small, short-lived values
/// (BENCHMARKS.md, "The allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::run()
}
