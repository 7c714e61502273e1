#!/usr/bin/env bash
# Web app timings in headless Chromium (BENCHMARKS.md, "Web app download"): first page
# interactive (empty and warm cache) and the workbench with panels 402 and 398, against a
# `panelmerge serve` on a free port with SQLite in a temporary DATA_DIR and PanelApp answered
# from the bundled snapshot (server/snapshot; nothing leaves the machine).
#
#   trunk build --release && cargo build --release -p server --bin panelmerge
#   scripts/web-timing.sh              # ROUNDS=5 by default; PANELMERGE_BIN to pick the binary,
#                                      # WEB_DIST another built web app (default dist/)
#
# Needs Chromium (CHROMIUM_PATH or /usr/bin/chromium) and tests/browser/node_modules
# (`cd tests/browser && npm ci`).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bin="${PANELMERGE_BIN:-${CARGO_TARGET_DIR:-target}/release/panelmerge}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
[[ -x "$bin" ]] || { echo "no panelmerge binary at $bin (set PANELMERGE_BIN)" >&2; exit 1; }
dist="${WEB_DIST:-$root/dist}"
[[ -f "$dist/index.html" ]] || { echo "$dist is not built: trunk build --release" >&2; exit 1; }

data="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
env DATA_DIR="$data" HOST=127.0.0.1 PORT="$port" STATIC_DIR="$dist" \
    PANELAPP_SNAPSHOT="$root/server/snapshot" GENE_DIRECTORY_SYNC_INTERVAL=off LOG_LEVEL=error \
    "$bin" serve >"$data/server.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$data"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 600); do
    curl -fs "$base/readyz" >/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
    sleep 0.1
done
curl -fs "$base/readyz" >/dev/null || { echo "server did not become ready" >&2; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%F)"
echo "server: $bin"
(cd tests/browser && BASE_URL="$base" CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" \
    ROUNDS="${ROUNDS:-5}" node web_timing.mjs)
