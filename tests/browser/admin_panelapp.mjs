// Issue 3: the admin's PanelApp page shows where each instance's data comes from and refreshes
// an instance's cached data (audited CACHE_CLEAR, checked by the Rust side).
import { BASE_URL, check, logIn, newPage, run } from './lib.mjs';

const admin = process.env.ADMIN_USER;
const password = process.env.PASSWORD;

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await logIn(page, admin, password, '/admin/panelapp');

  const uk = page.locator('#panelapp-status tr.panelapp-row[data-source="UK"]');
  const au = page.locator('#panelapp-status tr.panelapp-row[data-source="AU"]');
  await uk.waitFor();
  await au.waitFor();
  check((await uk.locator('th').textContent()) === 'PanelApp UK', 'the UK row is named');

  // Refreshing the UK instance fetches its whole catalogue from PanelApp.
  await uk.getByRole('button', { name: 'Refresh' }).click();
  await page.getByText('PanelApp UK refreshed').waitFor();
  await page.waitForFunction(() => {
    const row = document.querySelector('#panelapp-status tr.panelapp-row[data-source="UK"]');
    return row?.querySelector('.panelapp-count')?.textContent === '439';
  });
  const fresh = ['PanelApp, just now', 'cache, fresh'];
  const ukOrigin = await uk.locator('.panelapp-origin').textContent();
  check(fresh.includes(ukOrigin), `UK data is fresh: ${ukOrigin}`);
  check((await uk.locator('time').count()) === 1, 'the fetch date is shown');
  check((await uk.locator('.panelapp-directory').textContent())
    .includes('incomplete: automatic sync is off'),
    'the gene directory is not complete, and says why');

  // Both at once.
  await page.click('#panelapp-refresh-all');
  await page.getByText('Both instances refreshed.').waitFor();
  await page.waitForFunction(() => {
    const row = document.querySelector('#panelapp-status tr.panelapp-row[data-source="AU"]');
    return ['PanelApp, just now', 'cache, fresh'].includes(row?.querySelector('.panelapp-origin')?.textContent);
  });

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
