// Issue 14.5: export templates in the browser. From the library, open the templates page, create
// a template (CSV, two columns, green genes only, unrated dropped) with the form, then download a
// saved panel with it: the file has the template's columns and only the green gene.
import { readFile } from 'node:fs/promises';
import { BASE_URL, check, checkAccessibility, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

await run(async (browser, errors) => {
  const page = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
  await page.goto(BASE_URL + '/');
  const login = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: USER, password: PASSWORD } },
  );
  check(login.data?.login?.user?.username === USER, 'logged in: ' + JSON.stringify(login));
  const created = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    {
      i: {
        name: 'Cardiac report',
        genes: [
          { symbol: 'MYH7', confidence: 'GREEN' },
          { symbol: 'TNNT2', confidence: 'AMBER' },
          { symbol: 'TTN' },
        ],
      },
    },
  );
  const panel = created.data.createSavedPanel.id;

  // The library links to the templates page.
  await page.goto(BASE_URL + '/saved');
  await page.getByRole('link', { name: 'Export templates' }).click();
  await page.waitForURL(BASE_URL + '/templates');
  await page.locator('#template-form').waitFor();
  await page.locator('#no-templates').waitFor();

  // Create one with the form.
  await page.locator('#template-name').fill('Green genes only');
  await page.locator('#template-description').fill('for the clinical report');
  await page.locator('#template-format').selectOption('CSV');
  await page.locator('input[name="columns"][value="GENE_SYMBOL"]').check();
  await page.locator('input[name="columns"][value="LAB_RATING"]').check();
  await page.locator('input[name="ratings"][value="GREEN"]').check();
  await page.locator('#template-unrated').uncheck();
  await page.locator('#template-save').click();
  const card = page.locator('li[data-template="Green genes only"]');
  await card.waitFor();
  const summary = await card.locator('.template-summary').textContent();
  check(
    summary.includes('CSV') && summary.includes('GeneSymbol, Lab rating') && summary.includes('Green'),
    'the card says what the template keeps: ' + summary,
  );
  const stored = await graphql(page, '{ exportTemplates { nodes { name format columns ratings includeUnrated } } }');
  check(
    JSON.stringify(stored.data.exportTemplates.nodes) ===
      JSON.stringify([
        {
          name: 'Green genes only',
          format: 'CSV',
          columns: ['GENE_SYMBOL', 'LAB_RATING'],
          ratings: ['GREEN'],
          includeUnrated: false,
        },
      ]),
    'stored as chosen: ' + JSON.stringify(stored),
  );
  await checkAccessibility(page, 'export templates');

  // Download the saved panel with it.
  await page.goto(`${BASE_URL}/saved/${panel}`);
  await page.locator('#export-template').waitFor();
  await page.locator('#export-template').selectOption({ label: 'Green genes only' });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#export-with-template').click(),
  ]);
  check(download.suggestedFilename() === 'Cardiac report v1.csv', 'file name: ' + download.suggestedFilename());
  const text = (await readFile(await download.path(), 'utf8')).trim().split(/\r?\n/);
  check(
    JSON.stringify(text) === JSON.stringify(['GeneSymbol,Lab rating', 'MYH7,Green']),
    'the template shaped the file: ' + JSON.stringify(text),
  );
  check(errors.length === 0, 'no page errors: ' + errors.join('\n'));
});
