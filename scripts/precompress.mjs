// Writes `<file>.br` (brotli, quality 11) and `<file>.gz` next to every compressible file of the
// built web app, so the server sends them as files (tower-http ServeDir `precompressed_br` /
// `precompressed_gzip`) and never compresses the web app per request. Brotli is Node's own zlib;
// gzip is Zopfli (`zopfli`, Debian's package, which scripts/ensure-web-tools.sh installs when it
// can: about 5 % smaller than `gzip -9`) when it is on PATH, else `gzip -9`, else Node's zlib.
//
//   node scripts/precompress.mjs [DIR]
//
// DIR defaults to $TRUNK_STAGING_DIR (Trunk's post_build hook, Trunk.toml) or dist/. A
// variant is written only when it is smaller than the file; stale variants are removed.
// Trunk's debug builds (`trunk serve`, `trunk build`) are skipped: brotli at quality 11 takes
// a minute on a debug wasm, and the server compresses what has no variant.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = /\.(html|js|mjs|wasm|css|svg|json|txt|map|xml|ico)$/;
const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist';
if (!process.argv[2] && process.env.TRUNK_PROFILE && process.env.TRUNK_PROFILE !== 'release') {
  process.exit(0);
}

function* files(path) {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (COMPRESSIBLE.test(entry.name)) yield full;
  }
}

/** The first of these that runs here: [command, arguments before the file]. */
const GZIP = [
  ['zopfli', ['--i15', '-c']],
  ['gzip', ['-9', '-n', '-c']],
].find(([command]) => spawnSync(command, ['-h'], { stdio: 'ignore' }).error === undefined);

function gzip(file, raw) {
  if (GZIP) {
    const [command, args] = GZIP;
    const run = spawnSync(command, [...args, file], { maxBuffer: 1 << 30 });
    if (run.status === 0) return run.stdout;
    console.error(`precompress: ${command} failed on ${file}; using Node's zlib`);
  }
  return gzipSync(raw, { level: 9, memLevel: 9 });
}

let total = { raw: 0, br: 0, gz: 0 };
for (const file of files(dir)) {
  const raw = readFileSync(file);
  const variants = {
    br: brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        [constants.BROTLI_PARAM_MODE]: file.endsWith('.wasm')
          ? constants.BROTLI_MODE_GENERIC
          : constants.BROTLI_MODE_TEXT,
      },
    }),
    gz: gzip(file, raw),
  };
  total.raw += raw.length;
  for (const [ext, bytes] of Object.entries(variants)) {
    const target = `${file}.${ext}`;
    if (bytes.length < raw.length) {
      writeFileSync(target, bytes);
      total[ext] += bytes.length;
    } else {
      rmSync(target, { force: true });
      total[ext] += raw.length;
    }
  }
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.error(
  `precompress: ${dir}: ${kb(total.raw)} -> brotli ${kb(total.br)}, gzip ${kb(total.gz)} ` +
    `(${GZIP ? GZIP[0] : 'zlib'})`,
);
