#!/usr/bin/env bash
# What a visitor downloads (BENCHMARKS.md, "Web app download"): each file of dist/ that
# index.html names, raw and as the .gz / .br files the server sends (`trunk build --release`
# writes them), and the totals. With `--twiggy`, also what the wasm is made of: `twiggy top` and
# `twiggy dominators` of the wasm cargo built (before wasm-bindgen and wasm-opt; it still has its
# function names). Needs twiggy for that: `cargo install twiggy`.
#
#   scripts/web-size.sh [--twiggy]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f dist/index.html ]] || { echo "dist/ is not built: trunk build --release" >&2; exit 1; }

files=(index.html)
while read -r path; do
    files+=("$path")
done < <(grep -o '"/[^"/][^"]*"' dist/index.html | tr -d '"' | sed 's|^/||' | sort -u |
    while read -r f; do [[ -f "dist/$f" ]] && echo "$f"; done)

size() { if [[ -f "$1" ]]; then stat -c %s "$1"; else echo 0; fi; }
printf '| file | bytes | gzip | brotli |\n|---|---:|---:|---:|\n'
raw=0 gz=0 br=0
for f in "${files[@]}"; do
    r=$(size "dist/$f"); g=$(size "dist/$f.gz"); b=$(size "dist/$f.br")
    [[ $g -gt 0 ]] || g=$r
    [[ $b -gt 0 ]] || b=$r
    raw=$((raw + r)); gz=$((gz + g)); br=$((br + b))
    printf '| `%s` | %d | %d | %d |\n' "$f" "$r" "$g" "$b"
done
printf '| **before the first page is interactive** | **%d** | **%d** | **%d** |\n' "$raw" "$gz" "$br"

if [[ "${1:-}" == "--twiggy" ]]; then
    wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/web.wasm"
    command -v twiggy >/dev/null || { echo "twiggy not found: cargo install twiggy" >&2; exit 1; }
    echo
    twiggy top -n 30 "$wasm"
    echo
    twiggy dominators -d 2 -r 40 "$wasm"
fi
