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
