// The app served by the real server renders and shows the server's version from serverInfo.
import { BASE_URL, check, newPage, run } from './lib.mjs';

const expected = process.env.EXPECTED_VERSION;

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/');
  const version = page.locator('#server-version');
  await version.waitFor();
  await page.waitForFunction(
    (want) => document.querySelector('#server-version')?.textContent?.trim() === want,
    expected,
  );
  check((await version.textContent()).trim() === expected, `footer shows version ${expected}`);
  const facts = await page.locator('#server-facts').textContent();
  check(/sqlite/i.test(facts), `home page lists the database: ${facts}`);
  // A client-side route loads the same app (SPA fallback) and the 404 page works.
  await page.goto(BASE_URL + '/no/such/page');
  await page.getByText(/not found/i).first().waitFor();
  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
