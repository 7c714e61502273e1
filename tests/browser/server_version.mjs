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
  // Issue 14.3: the home page is for people; the server's facts are in the admin area.
  await page.locator('#start-gene-list').waitFor();
  check((await page.locator('#server-facts').count()) === 0, 'the home page shows no server facts');
  // A client-side route loads the same app (SPA fallback) and the 404 page works.
  await page.goto(BASE_URL + '/no/such/page');
  await page.getByText(/not found/i).first().waitFor();
  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
