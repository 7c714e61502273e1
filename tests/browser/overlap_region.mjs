// Issue 17.9: the Duplicates column counts a file's repeated genes; choosing a region of the
// Venn diagram (click or keyboard) narrows the merged list to it, says so and can be undone;
// the bars of a single source read "only … 1 gene", not "…epilepsy600"; counts never read
// "1 genes".
import { BASE_URL, check, newPage, run } from './lib.mjs';

const WITH_REPEAT = 'gene\nBRCA1\nTP53\nTP53\nMYH7\n';
const OTHER = 'gene\nBRCA1\nKCNQ1\n';

const shown = (page) => page.$$eval('#merged-table tbody tr', (r) => r.map((x) => x.dataset.symbol));
const upload = (page, name, text) =>
  page.setInputFiles('#upload-input', { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/workbench');
  await page.locator('#drop-zone').waitFor();

  // One list with a gene twice.
  await upload(page, 'repeats.csv', WITH_REPEAT);
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '3');
  const source = page.locator('#merge-sources tr[data-source="repeats"]');
  const duplicates = await source.locator('td.duplicates').textContent();
  check(duplicates === '1', 'TP53 twice: 1 duplicate, not ' + duplicates);

  // One source: bars, each row readable ("only repeats 3 genes"), never glued together.
  const bar = page.locator('#overlap li').first();
  await bar.waitFor();
  const barText = (await bar.innerText()).replace(/\s+/g, ' ').trim();
  check(barText === 'only repeats 3 genes', 'the bar reads as words: ' + JSON.stringify(barText));
  check(!/[a-z]\d/i.test(await page.locator('#overlap').innerText()), 'no count glued to a word');
  // A bar is a region too.
  await bar.locator('button').click();
  await page.locator('#region-filter').waitFor();
  check((await bar.locator('button').getAttribute('aria-pressed')) === 'true', 'the chosen bar is pressed');
  await page.locator('#region-clear').click();

  // A second list: a Venn diagram; choosing a region lists only its genes.
  await upload(page, 'other.csv', OTHER);
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '4');
  const onlyFirst = page.locator('#overlap-venn g.venn-region[data-mask="2"]');
  await onlyFirst.click();
  await page.locator('#region-filter').waitFor();
  check(JSON.stringify(await shown(page)) === '["MYH7","TP53"]', 'only in repeats: ' + (await shown(page)));
  const notice = await page.locator('#region-filter').textContent();
  check(notice.includes('Showing 2 genes of 4') && notice.includes('only in repeats'), 'says so: ' + notice);
  check((await page.locator('#merged-count').textContent()) === '4', 'the merged count stays the whole list');

  // From the keyboard: the region of both lists.
  await page.locator('#overlap-venn g.venn-region[data-mask="3"]').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('#merged-table tbody tr').length === 1);
  check(JSON.stringify(await shown(page)) === '["BRCA1"]', 'in both: ' + (await shown(page)));
  const both = await page.locator('#region-filter').textContent();
  check(both.includes('Showing 1 gene of 4'), 'one gene, singular: ' + both);
  check(
    (await page.locator('#overlap-venn g.venn-region[data-mask="3"]').getAttribute('class')).includes('venn-selected'),
    'the chosen region is marked',
  );

  // The way back.
  await page.locator('#region-clear').click();
  await page.waitForFunction(() => document.querySelectorAll('#merged-table tbody tr').length === 4);
  check((await page.locator('#region-filter').count()) === 0, 'the notice goes');

  // Leaving one list out: "Merged list: 2 genes"; a single gene is "1 gene".
  await upload(page, 'single.csv', 'gene\nSCN5A\n');
  await page.locator('li.chosen-upload[data-upload="repeats"] input[type="checkbox"]').uncheck();
  await page.locator('li.chosen-upload[data-upload="other"] input[type="checkbox"]').uncheck();
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '1');
  const heading = (await page.locator('#merged-heading').innerText()).trim();
  check(heading === 'Merged list: 1 gene', 'singular heading: ' + heading);
  const body = await page.locator('main').innerText();
  check(!/\b1 (genes|panels|rows|entries|accounts|sessions|events)\b/.test(body), 'no "1 genes": ' + body);

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
