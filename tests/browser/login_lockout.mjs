// Issue 17.9: a wrong password says how many attempts are left before the account is locked
// and for how long; the attempt that locks it says how long the lock lasts.
import { BASE_URL, check, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/login');
  const alert = page.locator('#login-error [role="alert"]');
  // Five attempts (the default MAX_LOGIN_ATTEMPTS), each a wrong password.
  const said = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    const before = said.at(-1) ?? '';
    await page.fill('#login-name', USER);
    await page.fill('#login-password', `wrong password ${attempt}`);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Every answer differs from the one before (fewer attempts left, then the lock).
    await page.waitForFunction((prev) => {
      const text = document.querySelector('#login-error [role="alert"]')?.textContent ?? '';
      return text.length > 0 && text !== prev;
    }, before);
    said.push(await alert.textContent());
  }
  const left = [4, 3, 2];
  left.forEach((n, i) => {
    check(
      said[i].includes(`${n} attempts are left before this account is locked for 15 minutes`),
      `attempt ${i + 1} warns: ${said[i]}`,
    );
  });
  check(said[3].includes('1 attempt is left before this account is locked for 15 minutes'), `the 4th warns of the last: ${said[3]}`);
  check(said[4].includes('locked') && said[4].includes('try again in 15 minutes'), `the 5th says how long: ${said[4]}`);
  check(/^[A-Z]/.test(said[0]) && said[0].endsWith('.'), 'read as a sentence: ' + said[0]);

  // Errors of failed logins are expected console noise only if the app logs them; it does not.
  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
