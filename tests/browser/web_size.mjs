// Issue 18.4: the app starts in Chromium from the precompressed files the server sends, what it
// downloads before the first page is interactive stays within GZIP_BUDGET (bytes on the wire,
// brotli or gzip as Chromium asks), and it still works: search a panel, open it, add it to the
// workbench.
import { BASE_URL, check, newPage, run } from './lib.mjs';

const budget = Number(process.env.GZIP_BUDGET);
check(budget > 0, 'GZIP_BUDGET is set');

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  const responses = [];
  page.on('response', (response) => responses.push(response));

  await page.goto(BASE_URL + '/');
  await page.locator('#start-gene-list').waitFor();
  const firstPage = [...responses];

  let total = 0;
  const lines = [];
  for (const response of firstPage) {
    const url = new URL(response.url());
    check(url.origin === new URL(BASE_URL).origin, `only this origin: ${url}`);
    check(response.status() === 200, `${url.pathname}: ${response.status()}`);
    const { responseBodySize } = await response.request().sizes();
    total += responseBodySize;
    const encoding = (await response.headerValue('content-encoding')) || 'none';
    lines.push(`${url.pathname} ${encoding} ${responseBodySize}`);
    if (url.pathname !== '/graphql') {
      check(['br', 'gzip'].includes(encoding), `${url.pathname} is sent compressed (${encoding})`);
    }
  }
  console.log(lines.join('\n'));
  console.log(`before the first page is interactive: ${firstPage.length} responses, ${total} bytes`);
  check(total <= budget, `${total} bytes transferred, budget ${budget}`);
  check(
    firstPage.some((r) => new URL(r.url()).pathname.endsWith('.wasm')),
    'the wasm was downloaded',
  );

  // The app works: search, open a panel, add it to the workbench.
  await page.locator('a[href="/panels"]').first().click();
  await page.locator('#panel-search').fill('epilepsy');
  const epilepsy = page.locator('#panel-results li[data-panel="uk-402"]');
  await epilepsy.waitFor();
  await epilepsy.getByRole('link').click();
  await page.waitForURL(/\/panels\/uk\/402$/);
  await page.locator('#entities-table tbody tr').first().waitFor();
  await page.locator('#add-to-workbench').click();
  await page.locator('#added-link').click();
  await page.waitForURL(/\/workbench$/);
  await page.locator('li.chosen-panel[data-panel="uk-402"]').waitFor();
  await page.waitForFunction(() => Number(document.querySelector('#merged-count')?.textContent) > 0);

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
