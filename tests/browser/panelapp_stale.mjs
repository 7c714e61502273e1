// PanelApp can not be reached: the panel search says its results come from a snapshot, and
// once the server has fallen back to it every page shows the staleness banner.
import { BASE_URL, check, newPage, run } from './lib.mjs';

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/panels');
  await page.locator('#panel-results li').first().waitFor({ timeout: 60000 });
  const notice = await page.locator('#panels-stale').textContent();
  check(notice.includes('a snapshot'), 'search results name their origin: ' + notice);

  // serverInfo now reports the snapshot: the banner appears on any page.
  await page.goto(BASE_URL + '/');
  const banner = page.locator('.banner-area').getByText(/PanelApp could not be reached/);
  await banner.waitFor();
  const text = await banner.textContent();
  check(text.includes('PanelApp UK from a snapshot'), 'banner names the instance: ' + text);
  // Connection failures to PanelApp are the server's business, not console errors.
  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
