// The workbench without PanelApp: upload a messy CSV, see its diagnostics and the merged list
// recomputed in the browser, download CSV, and keep it as a saved panel.
import { readFile } from 'node:fs/promises';
import { BASE_URL, check, newPage, run } from './lib.mjs';

const USERNAME = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

const CSV = '\ufeffGene Symbol,Note\r\nbrca1 ,first\r\nTP53,second\r\nTP53,again\r\n\r\nMYH7,third\r\n';
const CSV2 = 'gene\nBRCA1\nKCNQ1\n';

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/');
  // Log in first (saving needs an account; uploads belong to the account).
  const answer = await page.evaluate(
    async ([login, password]) => {
      const r = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
          variables: { i: { login, password } },
        }),
      });
      return r.json();
    },
    [USERNAME, PASSWORD],
  );
  check(answer.data?.login?.user?.username === USERNAME, 'logged in: ' + JSON.stringify(answer));
  await page.goto(BASE_URL + '/workbench');
  await page.locator('#drop-zone').waitFor();
  check((await page.locator('#merged-count').textContent()) === '0', 'empty merge');

  await page.setInputFiles('#upload-input', {
    name: 'cardiac genes.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV, 'utf8'),
  });
  const upload = page.locator('li.chosen-upload[data-upload="cardiac genes"]');
  await upload.or(page.locator('#upload-error')).waitFor();
  check(!(await page.locator('#upload-error').count()), 'upload: ' + (await page.locator('#upload-error').count() && (await page.locator('#upload-error').textContent())));
  const uploadText = await upload.textContent();
  check(uploadText.includes('3 genes'), 'three genes read: ' + uploadText);
  check(/DUPLICATE/.test(uploadText), 'duplicate diagnosed: ' + uploadText);
  check(/NORMALISED/.test(uploadText), 'normalisation diagnosed: ' + uploadText);
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '3');

  // A second list: the merged list is the union, recomputed in the browser.
  await page.setInputFiles('#upload-input', {
    name: 'more.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV2, 'utf8'),
  });
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '4');
  const brca1 = await page.locator('#merged-table tr[data-symbol="BRCA1"]').textContent();
  check(brca1.includes('cardiac genes') && brca1.includes('more'), 'BRCA1 from both lists: ' + brca1);
  // Two lists: the overlap is a Venn diagram (bars are for four or more).
  const venn = await page.locator('#overlap-venn').getAttribute('aria-label');
  check(
    venn === 'cardiac genes only 2, more only 1, cardiac genes and more 1.',
    'Venn diagram of both lists: ' + venn,
  );
  check((await page.locator('#overlap-venn circle').count()) === 2, 'two circles');
  check((await page.locator('#overlap-venn text[data-mask="3"]').textContent()) === '1', 'BRCA1 in both');
  check((await page.locator('#overlap').count()) === 0, 'no UpSet bars for two lists');

  // Leaving a list out changes the count at once.
  await page.locator('li.chosen-upload[data-upload="more"] input[type="checkbox"]').uncheck();
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '3');
  await page.locator('li.chosen-upload[data-upload="more"] input[type="checkbox"]').check();
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '4');

  // Download CSV.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('button[data-format="CSV"]').click(),
  ]);
  const csv = (await readFile(await download.path())).toString('utf8');
  for (const gene of ['BRCA1', 'KCNQ1', 'MYH7', 'TP53']) {
    check(csv.includes(gene), `${gene} in the CSV: ${csv}`);
  }

  await page.locator('#save-merge-name').fill('From uploads');
  await page.getByRole('button', { name: 'Save as panel' }).click();
  await page.waitForURL(/\/saved\/[^/]+$/);
  await page.locator('#genes-table tbody tr').first().waitFor();
  const saved = await page.$$eval('#genes-table tbody tr', (rows) => rows.map((r) => r.dataset.symbol));
  check(JSON.stringify(saved) === JSON.stringify(['BRCA1', 'KCNQ1', 'MYH7', 'TP53']), 'saved genes: ' + saved);

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
