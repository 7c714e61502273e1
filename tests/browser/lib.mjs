// Shared helpers for the browser scripts: launch headless Chromium, fail with a message.
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL;
if (!BASE_URL) {
  console.error('BASE_URL is not set');
  process.exit(2);
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
}

/** Runs `body(browser)`, closing the browser and exiting non-zero with the error on failure. */
export async function run(body) {
  const browser = await launch();
  const errors = [];
  try {
    await body(browser, errors);
    console.log('ok');
  } catch (e) {
    console.error(e.stack || String(e));
    if (errors.length) console.error('page errors:\n' + errors.join('\n'));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

/** A page that records console errors and uncaught exceptions into `errors`. */
export async function newPage(browser, errors, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.setDefaultTimeout(20000);
  return page;
}

/** Runs a GraphQL operation from inside `page` (its cookies, its origin). */
export async function graphql(page, query, variables) {
  return page.evaluate(
    async ([query, variables]) => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    [query, variables],
  );
}

/** Opens `next`, is sent to the login page, logs in there and lands back on `next`. */
export async function logIn(page, login, password, next) {
  await page.goto(BASE_URL + next);
  await page.waitForURL(/\/login\?next=/);
  await page.fill('#login-name', login);
  await page.fill('#login-password', password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(BASE_URL + next);
}

/** The gene symbols of the saved panel's genes table, in display order. */
export const rowSymbols = (page) =>
  page.$$eval('#genes-table tbody tr', (rows) => rows.map((r) => r.dataset.symbol));

/**
 * Runs axe-core (issue 14.6) on `page` and fails on any serious or critical violation, naming
 * the rule, the page and the first offending elements. Returns the number of checks passed.
 */
export async function checkAccessibility(page, label) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.evaluate(source);
  }
  const results = await page.evaluate(async () =>
    window.axe.run(document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }),
  );
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const lines = bad.map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}\n    ` +
        v.nodes
          .slice(0, 5)
          .map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 3).join(' ')}`)
          .join('\n    '),
    );
    throw new Error(`axe-core on ${label} (${page.url()}):\n  ${lines.join('\n  ')}`);
  }
  return results.passes?.length ?? 0;
}
