// Panel browser and workbench with PanelApp data (the mock serving the real fixtures):
// search, open a panel and see its genes, search by gene, rating counts; on the workbench upload a file, add two panels,
// change a filter and see the count change, download XLSX.
import { readFile } from 'node:fs/promises';
import { BASE_URL, check, newPage, run } from './lib.mjs';

const count = async (page) => Number(await page.locator('#merged-count').textContent());

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);

  // (c) Panel browser: search, open a panel, see its genes.
  await page.goto(BASE_URL + '/panels');
  await page.locator('#panel-search').fill('epilepsy');
  const epilepsy = page.locator('#panel-results li[data-panel="uk-402"]');
  await epilepsy.waitFor();
  check(
    (await epilepsy.textContent()).includes('Early onset or syndromic epilepsy'),
    'panel 402 is found',
  );
  await epilepsy.getByRole('link').click();
  await page.waitForURL(/\/panels\/uk\/402$/);
  await page.locator('#entities-table tbody tr').first().waitFor();
  const facts = await page.locator('#panel-facts').textContent();
  check(facts.includes('version 8.125'), 'version shown: ' + facts);
  check((await page.locator('#entities-table tr[data-symbol="SCN1A"]').count()) === 1, 'SCN1A listed');
  const all = await page.locator('#entities-table tbody tr').count();
  check(all >= 892, `every entity shown (${all})`);
  await page.locator('#entity-type').selectOption('STR');
  await page.waitForFunction(() => document.querySelectorAll('#entities-table tbody tr').length === 4);

  // Search by gene: symbols are suggested while typing; PKD1 is listed by UK 283 and the
  // Australian Mendeliome.
  await page.goto(BASE_URL + '/panels');
  await page.locator('#gene-search').fill('brc');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#gene-suggestions option')].some((o) => o.value === 'BRCA1'),
  );
  await page.locator('#gene-search').fill('pkd1');
  await page.locator('#gene-search-button').click();
  await page.locator('#gene-hits tr[data-panel="uk-283"]').waitFor();
  const hits = await page.locator('#gene-hits').textContent();
  check(hits.includes('Mendeliome'), 'PKD1 in the Australian Mendeliome: ' + hits);

  // The search results show entity counts (G/A/R/grey ones only when the server has them:
  // `PanelSummary.counts` is null for now), and no staleness notice with PanelApp up.
  await page.locator('#panel-search').fill('epilepsy');
  const again = page.locator('#panel-results li[data-panel="uk-402"]');
  await again.waitFor();
  const summary = await again.textContent();
  check(/\d+ genes/.test(summary), 'entity counts: ' + summary);
  check((await page.locator('#panels-stale').count()) === 0, 'live data: no notice');
  check((await page.locator('.banner-area').getByText(/PanelApp could not be reached/).count()) === 0, 'no banner');

  // (b) Workbench: upload, add two panels, change a filter, download XLSX.
  await page.goto(BASE_URL + '/workbench');
  await page.setInputFiles('#upload-input', {
    name: 'mine.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('gene\nBRCA1\nZZZ3\n', 'utf8'),
  });
  await page.locator('li.chosen-upload[data-upload="mine"]').waitFor();
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '2');

  for (const id of ['635', '402']) {
    await page.locator('#add-panel-id').fill(id);
    await page.locator('#add-panel-button').click();
    await page.locator(`li.chosen-panel[data-panel="uk-${id}"]`).waitFor();
  }
  const green = await count(page);
  check(green > 600, `green genes of both panels plus the upload (${green})`);
  const brca1 = await page.locator('#merged-table tr[data-symbol="BRCA1"]').textContent();
  check(brca1.includes('GB Inherited breast cancer and ovarian cancer') && brca1.includes('mine'), 'BRCA1 sources: ' + brca1);

  await page.locator('li.chosen-panel[data-panel="uk-402"] select.preset').selectOption('green_amber');
  await page.waitForFunction((before) => Number(document.querySelector('#merged-count')?.textContent) > before, green);
  const amber = await count(page);
  check(amber > green + 150, `amber genes added (${green} → ${amber})`);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('button[data-format="XLSX"]').click(),
  ]);
  check(download.suggestedFilename().endsWith('.xlsx'), 'xlsx: ' + download.suggestedFilename());
  const bytes = await readFile(await download.path());
  check(bytes.subarray(0, 2).toString() === 'PK' && bytes.length > 10000, 'a real workbook');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
