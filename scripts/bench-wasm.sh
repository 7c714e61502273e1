#!/usr/bin/env bash
# `make bench-wasm`: the merge engine timed in the browser build (web/benches/merge.rs) —
# compiled for wasm32 with the web app's release profile and run in headless Chromium by
# wasm-bindgen-test-runner (it comes with wasm-bindgen-cli, which ensure-web-tools.sh installs
# at the version Cargo.lock pins). Installs Chromium and ChromeDriver when missing (as root).
# Extra arguments go to the benchmark, e.g. a name filter: `scripts/bench-wasm.sh two_large`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/ensure-web-tools.sh >/dev/null
command -v wasm-bindgen-test-runner >/dev/null \
  || { echo "wasm-bindgen-test-runner missing after ensure-web-tools.sh" >&2; exit 1; }

if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium and chromium-driver (apt)..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "error: install chromium and chromium-driver (apt-get install chromium chromium-driver)" >&2
    exit 1
  fi
fi

# The runner starts ChromeDriver itself; web/webdriver.json carries the headless flags.
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# The default 20 s per run is shorter than the benchmarks' sampling.
export WASM_BINDGEN_TEST_TIMEOUT=600
cargo bench -p web --target wasm32-unknown-unknown --profile wasm-release --bench merge -- "$@"
