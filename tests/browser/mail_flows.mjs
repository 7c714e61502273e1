// Issue 15: "Forgot password?" → the mail (read from the outbox directory the server writes
// without a relay) → a new password → log in; then a change of address → the confirmation
// mail → log in with the new address.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
const NEW_PASSWORD = process.env.NEW_PASSWORD;
const NEW_EMAIL = process.env.NEW_EMAIL;
const OUTBOX = process.env.OUTBOX_DIR;

/** The first link to `path` in a message of the outbox directory, waiting for it to appear. */
async function linkFromOutbox(page, path) {
  for (let i = 0; i < 200; i++) {
    let files = [];
    try {
      files = readdirSync(OUTBOX).filter((f) => f.endsWith('.eml')).sort();
    } catch {
      // Not created until the first message.
    }
    for (const file of files) {
      const text = readFileSync(join(OUTBOX, file), 'utf8').replaceAll('=\r\n', '').replaceAll('=3D', '=');
      const match = text.match(new RegExp(`(http://[^\\s"<]+/${path}#token=[A-Za-z0-9_-]+)`));
      if (match) return match[1];
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`no ${path} link in ${OUTBOX}`);
}

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);

  // Forgot password, from the login page.
  await page.goto(BASE_URL + '/login');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.waitForURL(BASE_URL + '/forgot-password');
  await page.fill('#forgot-login', USER);
  await page.click('#forgot-send');
  const sent = page.locator('#forgot-result [role="status"]');
  await sent.waitFor();
  check((await sent.textContent()).includes('a link to choose a new password'), 'the same answer for everyone');

  const reset = await linkFromOutbox(page, 'reset-password');
  check(reset.startsWith(BASE_URL), `the link points at this server: ${reset}`);
  await page.goto(reset);
  await page.fill('#reset-password', NEW_PASSWORD);
  await page.fill('#reset-repeat', NEW_PASSWORD);
  await page.click('#reset-save');
  const done = page.locator('#reset-result [role="status"]');
  await done.waitFor();
  check((await done.textContent()).includes('Your password is changed'), await done.textContent());

  // The link works once.
  await page.goto(BASE_URL + '/');
  await page.goto(reset);
  await page.fill('#reset-password', 'another long passphrase 9');
  await page.fill('#reset-repeat', 'another long passphrase 9');
  await page.click('#reset-save');
  const used = page.locator('#reset-result [role="alert"]');
  await used.waitFor();
  check((await used.textContent()).includes('already used'), await used.textContent());

  // Log in with the new password.
  await page.goto(BASE_URL + '/login');
  await page.fill('#login-name', USER);
  await page.fill('#login-password', NEW_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));

  // Change the address on the profile page; the old one stays until the link is followed.
  await page.goto(BASE_URL + '/profile');
  await page.fill('#mail-new', NEW_EMAIL);
  await page.fill('#mail-password', NEW_PASSWORD);
  await page.click('#mail-change');
  const asked = page.locator('#mail-change-result [role="status"]');
  await asked.waitFor();
  check((await asked.textContent()).includes(NEW_EMAIL), await asked.textContent());
  check((await page.locator('#mail-address').textContent()).includes(`${USER}@example.org`), 'old address still in force');

  const confirm = await linkFromOutbox(page, 'confirm-email');
  await page.goto(confirm);
  const confirmed = page.locator('#confirm-result [role="status"]');
  await confirmed.waitFor();
  check((await confirmed.textContent()).includes('Your new address is in use'), await confirmed.textContent());

  // Log out, then in with the new address.
  await graphql(page, 'mutation { logout }', {});
  await page.goto(BASE_URL + '/login');
  await page.fill('#login-name', NEW_EMAIL);
  await page.fill('#login-password', NEW_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await page.goto(BASE_URL + '/profile');
  const address = page.locator('#mail-address');
  await address.waitFor();
  check((await address.textContent()).includes(NEW_EMAIL), await address.textContent());

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
