# PanelMerge — the two commands:
#   make run    build the web app and start the server on http://127.0.0.1:8080 (SQLite, no Redis)
#   make test   everything CI checks: fmt, clippy, wasm build, schema drift, all tests
#               (SQLite, PostgreSQL + Redis, headless Chromium)
# Each installs what it needs that is missing.

SHELL := /bin/bash
CARGO ?= cargo
WEB_TOOLS := source scripts/ensure-web-tools.sh >/dev/null

.PHONY: run test web web-tools server schema schema-check schema-lint fmt lint bench bench-wasm clean screenshots

run: web
	$(CARGO) run --release -p server --bin panelmerge -- serve

test:
	scripts/test.sh

web-tools:
	scripts/ensure-web-tools.sh >/dev/null

web:
	$(WEB_TOOLS) && trunk build --release

server:
	$(CARGO) build --release -p server --bin panelmerge

# Refresh docs/screenshots/ (the main pages at 1280 px, headless Chromium, mock PanelApp).
screenshots: web
	$(CARGO) build -p server --bin panelmerge --features server/test-support
	cd tests/browser && npm ci --no-audit --no-fund --silent
	UPDATE_SCREENSHOTS=1 PANELMERGE_BIN="$${CARGO_TARGET_DIR:-$$PWD/target}/debug/panelmerge" \
		$(CARGO) test -p tests --test e2e -- browser_screenshots_of_the_main_pages

# Regenerate the committed GraphQL schema from the code.
schema:
	$(CARGO) run -q -p server --bin panelmerge -- schema > schema.graphql

schema-check:
	$(CARGO) run -q -p server --bin panelmerge -- schema | diff -u schema.graphql - \
		|| (echo "schema.graphql is stale: run 'make schema'" >&2; exit 1)

# Every type, field, argument and enum value of the committed schema described
# (.graphql-schema-linterrc; needs `npm ci` in tests/browser).
schema-lint:
	tests/browser/node_modules/.bin/graphql-schema-linter schema.graphql

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p web --target wasm32-unknown-unknown --all-targets -- -D warnings

bench:
	$(CARGO) bench -p server

# The merge engine in the browser build, in headless Chromium (BENCHMARKS.md, "Gene lists").
bench-wasm:
	scripts/bench-wasm.sh

clean:
	$(CARGO) clean
	rm -rf dist .tools tests/browser/node_modules
