// Web app timings for BENCHMARKS.md (scripts/web-timing.sh runs this; no test asserts a time):
//   - first page interactive: a new browser context (empty cache) opens `/`; the time from the
//     navigation's start to the server facts on the home page (the app downloaded, compiled,
//     mounted and its first GraphQL answer rendered);
//   - the same with a warm HTTP cache (a second page of the same context);
//   - the workbench with panels 402 and 398 added (green and amber, as "Add to workbench" adds
//     them): `/workbench` opened in a context that has them stored, until the merged count
//     shows every row of both panels (the count seen once everything was loaded in the setup;
//     the count also shows while only one panel is in).
// Prints one JSON line per round and a Markdown summary (medians) on stdout.
import { BASE_URL, launch } from './lib.mjs';

const ROUNDS = Number(process.env.ROUNDS || 5);

/** Milliseconds from the navigation's start until `condition` holds in the page: it is polled
 * on every animation frame and answers `performance.now()` when it first holds. */
async function timeTo(page, path, condition, arg = null) {
  await page.goto(BASE_URL + path, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(condition, arg, { timeout: 30000, polling: 'raf' });
  return handle.jsonValue();
}

// The home page is interactive once its "Start a gene list" path is rendered.
const facts = () => document.querySelector('#start-gene-list') !== null && performance.now();
const merged = () => {
  const n = document.querySelector('#merged-count')?.textContent?.trim();
  return n !== undefined && n !== '' && Number(n) > 0 && performance.now();
};
/** The merged count shows `rows`. */
const mergedAll = (rows) =>
  Number(document.querySelector('#merged-count')?.textContent?.trim()) === rows && performance.now();

/** Transferred bytes (encoded bodies) of the page load so far, by content encoding. */
async function transferred(page) {
  return page.evaluate(() => {
    const entries = [
      ...performance.getEntriesByType('navigation'),
      ...performance.getEntriesByType('resource'),
    ];
    return entries.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0);
  });
}

async function addPanel(page, id) {
  await page.goto(`${BASE_URL}/panels/uk/${id}`);
  await page.locator('#entities-table tbody tr').first().waitFor({ timeout: 30000 });
  await page.locator('#add-choice input[data-level="RED"]').uncheck();
  await page.locator('#add-choice input[data-level="GREY"]').uncheck();
  await page.locator('#add-to-workbench').click();
  await page.locator('#added-link').waitFor();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

const browser = await launch();
const rounds = [];
try {
  // The workbench's stored state, made once through the UI.
  const setup = await browser.newContext();
  const setupPage = await setup.newPage();
  await addPanel(setupPage, 402);
  await addPanel(setupPage, 398);
  await setupPage.goto(BASE_URL + '/workbench');
  await setupPage.waitForFunction(merged, null, { timeout: 30000 });
  await setupPage.waitForLoadState('networkidle');
  const rows = Number(await setupPage.locator('#merged-count').textContent());
  const stored = await setup.storageState();
  await setup.close();

  for (let round = 0; round < ROUNDS; round++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cold = await timeTo(page, '/', facts);
    const bytes = await transferred(page);
    const warmPage = await context.newPage();
    const warm = await timeTo(warmPage, '/', facts);
    await context.close();

    const bench = await browser.newContext({ storageState: stored });
    const benchPage = await bench.newPage();
    const workbench = await timeTo(benchPage, '/workbench', mergedAll, rows);
    const count = await benchPage.locator('#merged-count').textContent();
    await bench.close();

    const r = { round, cold, warm, workbench, bytes, merged: Number(count) };
    rounds.push(r);
    console.log(JSON.stringify(r));
  }
} finally {
  await browser.close();
}

const ms = (x) => `${Math.round(x)} ms`;
console.log(`
| measure (median of ${rounds.length}) | result |
|---|---|
| first page interactive, empty cache | ${ms(median(rounds.map((r) => r.cold)))} |
| first page interactive, warm cache | ${ms(median(rounds.map((r) => r.warm)))} |
| workbench with 402 + 398 (green + amber, ${rounds[0]?.merged} rows), empty cache | ${ms(median(rounds.map((r) => r.workbench)))} |
| bytes transferred before the first page is interactive | ${(median(rounds.map((r) => r.bytes)) / 1024).toFixed(1)} KiB |`);
