// Issue 5: a visitor is sent to the login page by a guarded route, registers (the browser's
// zone is detected), logs out, logs in by e-mail, chooses another time zone and a 12-hour
// clock, and sees the same instant re-rendered in the new zone.
import { BASE_URL, check, newPage, run } from './lib.mjs';

const username = process.env.USERNAME;
const password = process.env.PASSWORD;
const email = `${username}@example.org`;

/** What the app must show for `iso` in `zone`: the same Intl options as web/src/time.rs,
 *  computed by the browser's own ICU. */
function expected(page, iso, zone, hour12) {
  return page.evaluate(
    ([iso, zone, hour12]) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        year: 'numeric',
        month: 'short',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZoneName: 'short',
        hour12,
      }).format(new Date(iso)),
    [iso, zone, hour12],
  );
}

async function sessionTime(page) {
  const time = page.locator('#sessions tr.session-row td.session-created time').first();
  await time.waitFor();
  return { iso: await time.getAttribute('datetime'), text: (await time.textContent()).trim() };
}

async function waitForText(page, selector, want) {
  await page.waitForFunction(
    ([selector, want]) => document.querySelector(selector)?.textContent?.trim() === want,
    [selector, want],
  );
}

await run(async (browser, errors) => {
  const page = await newPage(browser, errors, { timezoneId: 'America/New_York' });

  // A guarded route sends visitors to the login page, keeping the way back.
  await page.goto(BASE_URL + '/profile');
  await page.waitForURL(/\/login\?next=%2Fprofile$/);
  await page.getByRole('link', { name: 'Create one' }).click();
  await page.waitForURL(/\/register\?next=%2Fprofile$/);

  await page.fill('#register-username', username);
  await page.fill('#register-email', email);
  await page.fill('#register-password', password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(BASE_URL + '/profile');
  await waitForText(page, '#account-name', username);
  // The zone detected by the browser became the account's zone.
  await page.waitForFunction(() => document.querySelector('#profile-timezone')?.value === 'America/New_York');

  // Log out, then log in by e-mail: back to the page we came from.
  await page.click('#logout');
  await page.getByRole('link', { name: 'Log in' }).waitFor();
  await page.goto(BASE_URL + '/profile');
  await page.waitForURL(/\/login\?next=%2Fprofile$/);
  await page.fill('#login-name', email);
  await page.fill('#login-password', 'wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.form-error').waitFor();
  await page.fill('#login-password', password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(BASE_URL + '/profile');
  await waitForText(page, '#account-name', username);

  // A session's start time, shown in New York time with a 24-hour clock.
  const before = await sessionTime(page);
  const ny = await expected(page, before.iso, 'America/New_York', false);
  await waitForText(page, '#sessions tr.session-row td.session-created time', ny);

  // Choose Tokyo and a 12-hour clock: the same instant is shown in the new zone.
  await page.waitForFunction(() => document.querySelectorAll('#profile-timezone option').length > 300);
  await page.selectOption('#profile-timezone', 'Asia/Tokyo');
  await page.check('#profile-clock-12');
  await page.click('#profile-save');
  await page.getByText('Profile saved.').waitFor();
  const tokyo = await expected(page, before.iso, 'Asia/Tokyo', true);
  check(tokyo !== ny, `the zones differ: ${tokyo} vs ${ny}`);
  await waitForText(page, '#sessions tr.session-row td.session-created time', tokyo);
  check(/GMT\+9/.test(tokyo) && /(am|pm)/i.test(tokyo), `Tokyo time, 12-hour clock: ${tokyo}`);

  // The choice is the account's, not the page's: it survives a reload.
  await page.reload();
  await waitForText(page, '#sessions tr.session-row td.session-created time', tokyo);
  await page.waitForFunction(() => document.querySelector('#profile-timezone')?.value === 'Asia/Tokyo');

  // An API token: the secret is shown once and the token is listed.
  await page.fill('#token-name', 'ci script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.locator('#token-secret').textContent()).trim();
  check(secret.length >= 20, `a token secret is shown: ${secret}`);
  await page.locator('#tokens tr.token-row td.token-name', { hasText: 'ci script' }).waitFor();
  console.log('TOKEN_SECRET=' + secret);

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
