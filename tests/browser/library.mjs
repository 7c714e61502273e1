// Issue 14.5: the saved-panel library's bulk actions. Select panels in the list, download them
// as one zip (one file per selected panel), tag them, archive one and delete one (after asking);
// each bulk action is one all-or-nothing request, and a refusal names the panel and why.
import { readFile } from 'node:fs/promises';
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

/** The file names in a zip archive, from its central directory. */
function zipNames(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  check(end >= 0, 'a zip archive');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const names = [];
  for (let i = 0; i < count; i++) {
    check(view.getUint32(at, true) === 0x02014b50, 'a central directory entry');
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true);
    const comment = view.getUint16(at + 32, true);
    names.push(new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)));
    at += 46 + nameLength + extra + comment;
  }
  return names;
}

await run(async (browser, errors) => {
  const page = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
  await page.goto(BASE_URL + '/');
  const login = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: USER, password: PASSWORD } },
  );
  check(login.data?.login?.user?.username === USER, 'logged in: ' + JSON.stringify(login));
  const ids = {};
  for (const [name, genes] of [
    ['Arrhythmia', ['KCNQ1', 'KCNH2']],
    ['Cardiomyopathy', ['MYH7', 'TNNT2', 'MYBPC3']],
    ['Hereditary breast', ['BRCA1', 'BRCA2']],
  ]) {
    const created = await graphql(
      page,
      'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
      { i: { name, genes: genes.map((symbol) => ({ symbol })) } },
    );
    ids[name] = created.data.createSavedPanel.id;
  }

  await page.goto(BASE_URL + '/saved');
  await page.locator('#saved-panels').waitFor();
  check((await page.locator('#bulk-bar').count()) === 0, 'no bulk bar before choosing');
  await page.getByRole('button', { name: 'List' }).click();
  await page.locator('table#saved-panels').waitFor();
  // After each bulk action the list reloads and its rows may move (it is sorted by last
  // change); a choice is made only once it has settled, as a person would.
  const settled = () => page.locator('#saved-results[aria-busy="false"]').waitFor();
  await settled();

  // Select two panels (keyboard: Space on a focused box) and download them as one zip.
  await page.getByLabel('Select Arrhythmia').focus();
  await page.keyboard.press('Space');
  await page.getByLabel('Select Cardiomyopathy').check();
  await page.locator('#bulk-count', { hasText: '2 selected' }).waitFor();
  await page.locator('#bulk-format').selectOption('CSV');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#bulk-export').click()]);
  check(download.suggestedFilename().endsWith('.zip'), 'a zip: ' + download.suggestedFilename());
  const names = zipNames(await readFile(await download.path())).sort();
  check(
    JSON.stringify(names) === JSON.stringify(['Arrhythmia v1.csv', 'Cardiomyopathy v1.csv']),
    'one file per selected panel: ' + JSON.stringify(names),
  );

  // Tag both.
  await page.locator('#bulk-tag').fill('cardiac');
  await page.getByRole('button', { name: 'Add tag' }).click();
  await page.locator('#bulk-outcome', { hasText: '2 panels tagged.' }).waitFor();
  const tagged = await graphql(page, '{ savedPanels(filter: { tag: "cardiac" }) { nodes { name } } }');
  check(
    JSON.stringify(tagged.data.savedPanels.nodes.map((n) => n.name).sort()) ===
      JSON.stringify(['Arrhythmia', 'Cardiomyopathy']),
    'tagged: ' + JSON.stringify(tagged),
  );

  // Archive one.
  await page.locator('table#saved-panels').waitFor();
  await settled();
  await page.getByLabel('Select Arrhythmia').check();
  await page.locator('#bulk-archive').click();
  await page.locator('#bulk-outcome', { hasText: '1 panel archived.' }).waitFor();
  await settled();

  // Delete one: asked first; dismissing deletes nothing, accepting deletes it.
  await page.getByLabel('Select Hereditary breast').check();
  page.once('dialog', (d) => d.dismiss());
  await page.locator('#bulk-delete').click();
  check((await page.locator('#bulk-count').textContent()).includes('1 selected'), 'still selected after No');
  page.once('dialog', (d) => d.accept());
  await page.locator('#bulk-delete').click();
  await page.locator('#bulk-outcome', { hasText: '1 panel deleted.' }).waitFor();

  // Label Cardiomyopathy's version 1 "validated", protected: deleting it is then refused, and
  // the bulk outcome says which panel and why.
  await page.goto(`${BASE_URL}/saved/${ids.Cardiomyopathy}`);
  await page.locator('#label-form').waitFor();
  await page.locator('#label-text').fill('validated');
  await page.locator('#label-note').fill('in clinical use since 2026-03-01');
  await page.locator('#label-protected').check();
  await page.locator('#label-form').getByRole('button', { name: 'Add label' }).click();
  const labelled = page.locator('#version-labels li[data-label="validated"]');
  await labelled.waitFor();
  check((await labelled.textContent()).includes('protected'), 'the label says protected');
  await page.locator('#delete-panel').waitFor();
  page.once('dialog', (d) => d.accept());
  await page.locator('#delete-panel').click();
  await page.locator('.form-error', { hasText: 'protected' }).first().waitFor();
  await page.goto(BASE_URL + '/saved');
  await page.getByRole('button', { name: 'List' }).click();
  await settled();
  await page.getByLabel('Select Cardiomyopathy').check();
  page.once('dialog', (d) => d.accept());
  await page.locator('#bulk-delete').click();
  const refused = page.locator('#bulk-outcome', { hasText: 'nothing was deleted' });
  await refused.waitFor();
  check((await refused.textContent()).includes('Cardiomyopathy') && (await refused.textContent()).includes('protected'), 'says why: ' + (await refused.textContent()));
  check((await page.locator('#bulk-count').textContent()).includes('1 selected'), 'the choice stays after a refusal');

  const statuses = await graphql(
    page,
    '{ savedPanels(filter: { statuses: [ACTIVE, ARCHIVED, DELETED] }) { nodes { name status } } }',
  );
  const byName = Object.fromEntries(statuses.data.savedPanels.nodes.map((n) => [n.name, n.status]));
  check(byName.Arrhythmia === 'ARCHIVED', 'archived: ' + JSON.stringify(byName));
  check(byName['Hereditary breast'] === 'DELETED', 'deleted: ' + JSON.stringify(byName));
  check(byName.Cardiomyopathy === 'ACTIVE', 'untouched: ' + JSON.stringify(byName));

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
