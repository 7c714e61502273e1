// Starts the PanelMerge web app. A file rather than Trunk's inline loader, so the
// Content-Security-Policy needs no 'unsafe-inline' for scripts. Trunk writes the hashed names
// of the wasm-bindgen module and the wasm into <meta name="panelmerge-app"> (Trunk.toml,
// `pattern_script`).
const app = document.querySelector('meta[name="panelmerge-app"]');
const { default: init } = await import(app.dataset.js);
const wasm = await init({ module_or_path: app.dataset.wasm });
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
