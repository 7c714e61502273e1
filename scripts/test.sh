#!/usr/bin/env bash
# `make test`: the whole suite, as CI runs it. Installs what is missing (wasm target, trunk,
# wasm-bindgen-cli, wasm-opt, Chromium, playwright-core, nginx, systemd-analyze, PostgreSQL and
# Redis servers) and starts throwaway PostgreSQL/Redis on free ports unless
# TEST_DATABASE_URL/TEST_REDIS_URL are given. Under CI=true nothing may be skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "tools"
source scripts/ensure-web-tools.sh >/dev/null
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium (apt)..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: Chromium missing; install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi
# The deployment test runs a real nginx and checks the systemd unit with systemd-analyze.
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v systemd-analyze >/dev/null || missing+=(systemd)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${missing[*]} (apt)..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif [ "${CI:-}" = true ]; then
    echo "error: ${missing[*]} missing; install (apt-get install ${missing[*]})" >&2
    exit 1
  else
    echo "notice: ${missing[*]} missing; the deployment tests will say they did not run" >&2
  fi
fi
(cd tests/browser && npm ci --no-audit --no-fund --silent)
# docs/API.md's Python examples use requests.
python3 -c 'import requests' 2>/dev/null || python3 -m pip install --quiet requests

step "format"
cargo fmt --all --check

step "clippy (host, all targets)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (web, wasm32)"
cargo clippy -p web --target wasm32-unknown-unknown --all-targets -- -D warnings

step "web app (trunk build --release)"
trunk build --release

step "build"
cargo build -p server --bin panelmerge --features server/test-support
export PANELMERGE_BIN="${CARGO_TARGET_DIR:-target}/debug/panelmerge"
case "$PANELMERGE_BIN" in /*) ;; *) PANELMERGE_BIN="$PWD/$PANELMERGE_BIN" ;; esac

step "schema drift"
"$PANELMERGE_BIN" schema | diff -u schema.graphql - \
  || { echo "schema.graphql is stale: run 'make schema'" >&2; exit 1; }

step "schema lint"
# Every type, field, argument and enum value described; rules in .graphql-schema-linterrc.
tests/browser/node_modules/.bin/graphql-schema-linter schema.graphql

step "services"
source scripts/test-services.sh

step "tests (SQLite, PostgreSQL + Redis, browser)"
cargo nextest run --workspace --profile ci
