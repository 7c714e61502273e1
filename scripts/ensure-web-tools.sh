#!/usr/bin/env bash
# Installs what `trunk build` needs to build the web app, and nothing that is already there:
#
#   - the wasm32-unknown-unknown Rust target
#   - trunk (TRUNK_VERSION)                      -> cargo install --locked
#   - wasm-bindgen-cli at the version Cargo.lock pins for the `wasm-bindgen` crate
#                                                -> cargo install (not --locked: its lock file
#                                                   does not build with current toolchains)
#   - wasm-opt from npm's binaryen@BINARYEN_VERSION, into <repo>/.tools/node_modules
#                                                (Debian's binaryen is too old: v108 produces a
#                                                 wasm that renders a blank page)
#   - the crates of the workspace (cargo fetch), because Trunk.toml builds offline
#
#   - zopfli (Debian's package, when running as root with apt-get; otherwise a notice): the gzip
#     files of the web app. Trunk's post_build hook (scripts/precompress.mjs, run by Node) writes
#     the .br and .gz files the server sends; without zopfli it uses `gzip -9` (about 5 % larger)
#

# Idempotent: run it as often as you like. Needs Rust (rustup), Node/npm and access to the
# crates.io and npm registries.
#
#   scripts/ensure-web-tools.sh            # install; prints the PATH line to use on stdout
#   eval "$(scripts/ensure-web-tools.sh)"  # install and put the tools on PATH in this shell
#   source scripts/ensure-web-tools.sh     # the same
#
# Then build with:  trunk build --release   (from the repository root; output in dist/)

_ensure_web_tools_main() {
    local TRUNK_VERSION="0.21.14"
    local BINARYEN_VERSION="132"

    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    local tools_dir="$root/.tools"
    local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
    export PATH="$cargo_bin:$PATH"

    say() { printf 'ensure-web-tools: %s\n' "$*" >&2; }

    command -v cargo >/dev/null || { say "cargo not found; install Rust with rustup first"; exit 1; }
    command -v npm >/dev/null || { say "npm not found; install Node.js first"; exit 1; }
    command -v node >/dev/null || { say "node not found; install Node.js first"; exit 1; }

    # 1. The wasm32 target (rust-toolchain.toml also asks for it; rustup may not have run yet).
    local targets
    targets="$(cd "$root" && rustup target list --installed 2>/dev/null || true)"
    if grep -qx 'wasm32-unknown-unknown' <<<"$targets"; then
        say "wasm32-unknown-unknown target: present"
    else
        say "adding the wasm32-unknown-unknown target"
        (cd "$root" && rustup target add wasm32-unknown-unknown >&2)
    fi

    # 2. Trunk.
    local have_trunk=""
    if command -v trunk >/dev/null; then
        have_trunk="$(trunk --version 2>/dev/null | awk '{print $2}')"
    fi
    if [[ "$have_trunk" == "$TRUNK_VERSION" ]]; then
        say "trunk $TRUNK_VERSION: present"
    else
        say "installing trunk $TRUNK_VERSION (found: ${have_trunk:-none})"
        cargo install trunk --version "$TRUNK_VERSION" --locked >&2
    fi

    # 3. wasm-bindgen-cli, exactly the version of the wasm-bindgen crate in Cargo.lock.
    local bindgen_version
    bindgen_version="$(awk '
        $0 == "[[package]]" { in_pkg = 0 }
        $0 == "name = \"wasm-bindgen\"" { in_pkg = 1; next }
        in_pkg && /^version = / { gsub(/"/, "", $3); print $3; exit }
    ' "$root/Cargo.lock")"
    if [[ -z "$bindgen_version" ]]; then
        say "could not find the wasm-bindgen version in $root/Cargo.lock"
        exit 1
    fi
    local have_bindgen=""
    if command -v wasm-bindgen >/dev/null; then
        have_bindgen="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
    fi
    if [[ "$have_bindgen" == "$bindgen_version" ]]; then
        say "wasm-bindgen-cli $bindgen_version: present"
    else
        say "installing wasm-bindgen-cli $bindgen_version (found: ${have_bindgen:-none})"
        cargo install wasm-bindgen-cli --version "$bindgen_version" --force >&2
    fi

    # 4. wasm-opt from npm's binaryen, project-local.
    local wasm_opt="$tools_dir/node_modules/.bin/wasm-opt"
    local have_opt=""
    if [[ -x "$wasm_opt" ]]; then
        have_opt="$("$wasm_opt" --version 2>/dev/null | awk '{print $3}')"
    fi
    if [[ "$have_opt" == "$BINARYEN_VERSION" ]]; then
        say "wasm-opt (binaryen $BINARYEN_VERSION): present in $tools_dir"
    else
        say "installing binaryen@$BINARYEN_VERSION into $tools_dir (found: ${have_opt:-none})"
        mkdir -p "$tools_dir"
        npm install --prefix "$tools_dir" --no-save --no-package-lock --no-audit --no-fund \
            "binaryen@$BINARYEN_VERSION" >&2
        have_opt="$("$wasm_opt" --version 2>/dev/null | awk '{print $3}')"
        if [[ "$have_opt" != "$BINARYEN_VERSION" ]]; then
            say "wasm-opt reports version '${have_opt:-?}', expected $BINARYEN_VERSION"
            exit 1
        fi
    fi

    # 5. zopfli for the precompressed .gz files (optional: gzip -9 otherwise).
    if command -v zopfli >/dev/null; then
        say "zopfli: present"
    elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        say "installing zopfli (apt)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zopfli >&2 \
            || say "could not install zopfli; the .gz files will be made by gzip -9"
    else
        say "zopfli not found (apt-get install zopfli): the .gz files will be made by gzip -9"
    fi

    # 6. Crates for the offline wasm build (Trunk.toml: offline = true -> cargo --offline).
    say "fetching crates for the wasm build"
    (cd "$root" && cargo fetch --target wasm32-unknown-unknown >&2)

    # The only line on stdout: what to add to PATH (eval'd when this script is sourced).
    say "done; trunk needs wasm-opt on PATH: eval the line below, or source this script"
    printf 'export PATH="%s:%s:$PATH"\n' "$tools_dir/node_modules/.bin" "$cargo_bin"
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: install in a child shell (so a failure can not end this shell), then take the
    # PATH line it prints.
    if _ensure_web_tools_path="$(bash "${BASH_SOURCE[0]}")"; then
        eval "$_ensure_web_tools_path"
        unset _ensure_web_tools_path
        unset -f _ensure_web_tools_main 2>/dev/null || true
    else
        unset _ensure_web_tools_path
        unset -f _ensure_web_tools_main 2>/dev/null || true
        return 1
    fi
else
    set -euo pipefail
    _ensure_web_tools_main "$@"
fi
